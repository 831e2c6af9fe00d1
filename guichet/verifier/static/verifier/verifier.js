/* The verifier page: scanning, the trust list kept on the device, and checking without network.
 *
 * Without this script the page still works (the form posts to the server). With it:
 * - the service worker keeps the page and its files for offline use;
 * - the signed trust list is fetched whenever there is a network, checked against the root key
 *   pinned in the page, and kept (Cache API) only when it is genuine and not older than the one held;
 * - the form is sent in the background; when the network fails, a QR text is checked here
 *   (verify-core.js) and the answer says it was checked offline, against which list;
 * - the live camera (BarcodeDetector, or jsQR on the video's frames) or a photo (jsQR, read on the
 *   phone) fills the field and checks.
 */
(function () {
  "use strict";
  var V = window.GuichetVerifier;
  var configNode = document.getElementById("verifier-config");
  var form = document.getElementById("verifier-form");
  if (!V || !configNode || !form) return;
  var config = JSON.parse(configNode.textContent);
  var S = config.strings;
  var lang = document.documentElement.lang === "en" ? "en" : "fr";
  var TRUST_CACHE = "guichet-trust-list";  // not "guichet-verifier-*": the worker drops those at each new version
  var TRUST_KEY = "/verifier/trust-list/held";
  var answerBox = document.getElementById("verifier-answer");
  var listNote = document.getElementById("verifier-list");
  var field = form.querySelector("textarea[name=code]");
  var held = null; // {list, fetched_at}
  var lastRefusal = false;

  function bi(text) {
    if (!text) return "";
    return typeof text === "string" ? text : text[lang] || text.fr || "";
  }

  function formatDate(seconds) {
    try {
      return new Date(seconds * 1000).toLocaleString(lang === "en" ? "en-GB" : "fr-FR",
        { dateStyle: "medium", timeStyle: "short" });
    } catch (err) {
      return new Date(seconds * 1000).toISOString();
    }
  }

  // --- the trust list ---------------------------------------------------------------------
  function loadHeld() {
    if (!window.caches) return Promise.resolve(null);
    return caches.open(TRUST_CACHE).then(function (cache) {
      return cache.match(TRUST_KEY);
    }).then(function (response) {
      return response ? response.json() : null;
    }).then(function (stored) {
      if (!stored || !stored.signed) return null;
      // What was stored is checked again: storage is not trusted more than the network.
      return V.openTrustList(stored.signed, config.root.jwk, config.root.kid).then(function (list) {
        return { list: list, signed: stored.signed, fetched_at: stored.fetched_at };
      });
    }).catch(function () {
      return null;
    });
  }

  function store(entry) {
    if (!window.caches) return Promise.resolve();
    return caches.open(TRUST_CACHE).then(function (cache) {
      return cache.put(TRUST_KEY, new Response(JSON.stringify({ signed: entry.signed, fetched_at: entry.fetched_at }),
        { headers: { "Content-Type": "application/json" } }));
    });
  }

  /* Accept `signed` (text of the envelope) if genuine and not older than the held list. */
  function offer(signed) {
    return V.openTrustList(signed, config.root.jwk, config.root.kid).then(function (list) {
      if (held && !V.newer(held.list, list)) {
        lastRefusal = true;
        return false;
      }
      held = { list: list, signed: signed, fetched_at: Math.floor(Date.now() / 1000) };
      lastRefusal = false;
      return store(held).then(function () { return true; });
    }, function () {
      lastRefusal = true;
      return false;
    });
  }

  function refresh() {
    return fetch(config.trust_list_url, { cache: "no-store", credentials: "omit" }).then(function (response) {
      if (!response.ok) throw new Error("status " + response.status);
      return response.text();
    }).then(offer).catch(function () {
      return false;
    }).then(showList);
  }

  function showList() {
    if (!listNote) return;
    var text = held ? S.list_refreshed.replace("%(date)s", formatDate(held.list.issued_at))
      .replace("%(fetched)s", formatDate(held.fetched_at || held.list.issued_at)) : S.list_none;
    if (lastRefusal) text += " " + S.list_refused;
    listNote.textContent = text;
    listNote.setAttribute("data-issued-at", held ? String(held.list.issued_at) : "");
  }

  // --- answers ----------------------------------------------------------------------------
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined && text !== null) node.textContent = text;
    return node;
  }

  function row(list, label, value, compare) {
    var div = el("div");
    div.appendChild(el("dt", "", label));
    div.appendChild(el("dd", compare ? "verdict-compare" : "", value));
    list.appendChild(div);
  }

  function showLocal(verdict, note) {
    var signal = S.signals[verdict.status] || S.signals.NOT_GENUINE;
    var section = el("section", "verdict verdict-" + signal.css);
    section.id = "verdict";
    section.tabIndex = -1;
    section.setAttribute("aria-labelledby", "verdict-word");
    var head = el("p", "verdict-signal");
    var shape = el("span", "verdict-shape", signal.shape);
    shape.setAttribute("aria-hidden", "true");
    var word = el("strong", "", signal.word);
    word.id = "verdict-word";
    head.appendChild(shape);
    head.appendChild(document.createTextNode(" "));
    head.appendChild(word);
    section.appendChild(head);
    section.appendChild(el("p", "verdict-advice", S.advice[verdict.status] || ""));
    var c = verdict.claims;
    if (c) {
      var dl = el("dl", "verdict-details");
      row(dl, bi(S.subject_labels[String(c.type)]), c.subject, true);
      if (c.subject2) row(dl, bi(S.subject2_labels[String(c.type)]), c.subject2, true);
      row(dl, S.permit, bi(S.types[String(c.type)]));
      row(dl, S.number, c.number);
      if (c.holder) row(dl, S.holder, c.holder);
      row(dl, S.valid_from, formatDate(c.not_before));
      row(dl, S.valid_until, formatDate(c.expiry));
      section.appendChild(dl);
    }
    if (note) section.appendChild(el("p", "verdict-note", note));
    answerBox.replaceChildren(section);
    section.setAttribute("data-outcome", verdict.status);
    section.setAttribute("data-reason", verdict.reason || "");
    section.focus();
  }

  function showNotice(text) {
    var notice = el("p", "notice notice-error", text);
    notice.id = "verifier-notice";
    notice.setAttribute("role", "alert");
    answerBox.replaceChildren(notice);
  }

  function purposeType() {
    var checked = form.querySelector("input[name=purpose]:checked");
    var value = checked ? config.purposes[checked.value] : null;
    return typeof value === "number" ? value : null;
  }

  function checkHere(code) {
    // A typed number (as the server tells them apart): only the server can look it up.
    var trimmed = code.trim();
    if (!/^TG1:/i.test(trimmed) && trimmed.indexOf(":") < 0 && trimmed.replace(/\s+/g, "").length <= 20) {
      showLocal({ status: "ONLINE_CHECK_REQUIRED", reason: "number_offline", claims: null }, S.number_offline);
      return Promise.resolve();
    }
    var list = held ? held.list : null;
    return V.verifyText(code, list, { expectedType: purposeType(), now: Math.floor(Date.now() / 1000) }).then(function (verdict) {
      var note = held ? S.offline_note.replace("%(date)s", formatDate(held.list.issued_at)) : S.list_none;
      showLocal(verdict, note);
    });
  }

  function submit(event) {
    event.preventDefault();
    var code = field.value;
    var body = new FormData(form);
    var controller = window.AbortController ? new AbortController() : null;
    var timer = controller ? setTimeout(function () { controller.abort(); }, 6000) : null;
    if (navigator.onLine === false) return checkHere(code);
    return fetch(form.action, {
      method: "POST", body: body, credentials: "same-origin",
      headers: { "Accept": "application/json" }, signal: controller ? controller.signal : undefined
    }).then(function (response) {
      if (timer) clearTimeout(timer);
      if (response.status >= 500 || response.status === 403) throw new Error("status " + response.status);
      return response.json();
    }).then(function (data) {
      if (data.answer) {
        var a = data.answer;
        var p = a.permit;
        var claims = p ? {
          type: p.type, number: p.number, subject: p.subject, subject2: p.subject2, holder: p.holder,
          not_before: Date.parse(p.not_before) / 1000, expiry: Date.parse(p.expiry) / 1000
        } : null;
        showLocal({ status: a.outcome, reason: a.reason, claims: claims }, a.reason === "slow_down" ? S.slow_down : null);
      } else {
        form.submit();  // the server's own page says what is wrong with the form
      }
    }).catch(function () {
      if (timer) clearTimeout(timer);
      return checkHere(code);
    });
  }

  // --- scanning ---------------------------------------------------------------------------
  function scanned(text) {
    field.value = text;
    form.requestSubmit ? form.requestSubmit() : submit(new Event("submit"));
  }

  function setupPhoto() {
    var input = document.getElementById("verifier-photo");
    if (!input) return;
    input.disabled = false;
    input.addEventListener("change", function () {
      var file = input.files && input.files[0];
      if (!file) return;
      readPhoto(file).then(function (text) {
        if (text) scanned(text);
        else showNotice(S.scan_failed);
      });
    });
  }

  function loadJsQR() {
    if (window.jsQR) return Promise.resolve(window.jsQR);
    return new Promise(function (resolve, reject) {
      var script = document.createElement("script");
      script.src = config.jsqr_url;
      script.onload = function () { resolve(window.jsQR); };
      script.onerror = reject;
      document.head.appendChild(script);
    });
  }

  function readPhoto(file) {
    // createImageBitmap reads the file without a blob: URL (the site's CSP allows none).
    return createImageBitmap(file).then(function (img) {
      if ("BarcodeDetector" in window) {
        return new window.BarcodeDetector({ formats: ["qr_code"] }).detect(img).then(function (codes) {
          return codes.length ? codes[0].rawValue : decodeWithJsQR(img);
        }, function () { return decodeWithJsQR(img); });
      }
      return decodeWithJsQR(img);
    }).catch(function () { return null; });
  }

  function decodeWithJsQR(img) {
    return loadJsQR().then(function (jsQR) {
      var scale = Math.min(1, 1600 / Math.max(img.width, img.height));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(img.width * scale);
      canvas.height = Math.round(img.height * scale);
      var ctx = canvas.getContext("2d");
      ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
      var data = ctx.getImageData(0, 0, canvas.width, canvas.height);
      var code = jsQR(data.data, canvas.width, canvas.height);
      return code ? code.data : null;
    }).catch(function () { return null; });
  }

  /* The live camera: BarcodeDetector where the browser has it (Android's Chrome); everywhere else
   * (Safari on iPhone, Firefox, desktop Chromium) the video's frames, drawn into a small canvas,
   * are read by jsQR (one of the page's files, kept by the service worker: it works offline).
   * One frame every FRAME_MS at most and never two at once; the stream and the loop stop as soon
   * as a code is read, the person stops the camera, or the page is hidden or left. */
  var FRAME_MS = 200;
  var FRAME_SIDE = 720;  // the longer side of the frame read: a QR of version 10 keeps ~5 px a module

  function setupCamera() {
    var box = document.getElementById("verifier-scan");
    var videoBox = document.getElementById("verifier-video-box");
    var video = document.getElementById("verifier-video");
    var start = document.getElementById("verifier-camera");
    var stop = document.getElementById("verifier-stop");
    var status = document.getElementById("verifier-camera-status");
    if (!box || !videoBox || !video || !start || !stop) return;
    if (!navigator.mediaDevices || !navigator.mediaDevices.getUserMedia) return;
    var detector = null;
    if ("BarcodeDetector" in window) {
      try { detector = new window.BarcodeDetector({ formats: ["qr_code"] }); } catch (err) { detector = null; }
    }
    var stream = null;
    var timer = null;
    var session = 0;  // each start and each end begins a new one: a late answer of an old one is dropped
    var canvas = null;
    var context = null;
    box.hidden = false;
    box.setAttribute("data-reader", detector ? "barcode-detector" : "jsqr");
    if (detector && window.BarcodeDetector.getSupportedFormats) {
      // Some browsers have the detector without QR codes: jsQR then reads the frames.
      window.BarcodeDetector.getSupportedFormats().then(function (formats) {
        if (formats.indexOf("qr_code") < 0) {
          detector = null;
          box.setAttribute("data-reader", "jsqr");
        }
      }, function () {});
    }

    function say(text) {
      if (status) status.textContent = text || "";
    }

    function release(s) {
      s.getTracks().forEach(function (track) { track.stop(); });
    }

    function end(why) {
      session += 1;
      if (timer) clearTimeout(timer);
      timer = null;
      if (stream) release(stream);
      stream = null;
      video.pause();
      video.srcObject = null;
      var hadFocus = videoBox.contains(document.activeElement);
      videoBox.hidden = true;
      start.hidden = false;
      box.removeAttribute("data-camera");
      if (why === "read") say(S.camera_read);
      else if (why === "failed") say("");
      else say(S.camera_stopped);
      if (why === "closed" || (why !== "read" && hadFocus)) start.focus();
    }

    function frame() {
      var width = video.videoWidth;
      var height = video.videoHeight;
      if (!width || !height) return null;
      var scale = Math.min(1, FRAME_SIDE / Math.max(width, height));
      var w = Math.round(width * scale);
      var h = Math.round(height * scale);
      if (!canvas) canvas = document.createElement("canvas");
      if (canvas.width !== w || canvas.height !== h) {
        canvas.width = w;
        canvas.height = h;
        context = null;
      }
      if (!context) context = canvas.getContext("2d", { willReadFrequently: true });
      context.drawImage(video, 0, 0, w, h);
      return context.getImageData(0, 0, w, h);
    }

    function read() {
      if (detector) {
        return detector.detect(video).then(function (codes) { return codes.length ? codes[0].rawValue : null; });
      }
      if (!window.jsQR) return loadJsQR().then(function () { return null; });
      var image = frame();
      if (!image) return Promise.resolve(null);
      // A QR on paper or on a screen is dark on light: no inverted pass, half the work.
      var code = window.jsQR(image.data, image.width, image.height, { inversionAttempts: "dontInvert" });
      return Promise.resolve(code ? code.data : null);
    }

    function next(id) {
      timer = setTimeout(function () { tick(id); }, FRAME_MS);
    }

    function tick(id) {
      timer = null;
      if (id !== session || !stream) return;
      // The next frame is asked for only once this one is read: never two reads at once.
      read().then(function (text) {
        if (id !== session || !stream) return;
        if (text) {
          end("read");
          scanned(text);
        } else {
          next(id);
        }
      }, function () {
        if (id === session && stream) next(id);
      });
    }

    start.addEventListener("click", function () {
      if (stream) return;
      session += 1;
      var id = session;
      say(S.camera_starting);
      box.setAttribute("data-camera", "starting");
      (detector ? Promise.resolve() : loadJsQR()).then(function () {
        if (!detector && !window.jsQR) throw new Error("no reader");
        return navigator.mediaDevices.getUserMedia({
          video: { facingMode: "environment", width: { ideal: 1280 }, height: { ideal: 720 } }, audio: false
        });
      }).then(function (s) {
        if (id !== session) { release(s); return; }  // stopped while the camera was opening
        stream = s;
        video.srcObject = s;
        videoBox.hidden = false;
        start.hidden = true;
        stop.focus();
        return video.play().then(function () {
          if (id !== session) return;
          box.setAttribute("data-camera", "on");
          say(S.camera_on);
          next(id);
        });
      }).catch(function () {
        if (id !== session) return;
        end("failed");
        showNotice(S.camera_failed);
      });
    });
    stop.addEventListener("click", function () { end("closed"); });
    videoBox.addEventListener("keydown", function (event) {
      if (event.key === "Escape") end("closed");
    });
    // Leaving the page or hiding it (another app, a locked phone) turns the camera off.
    document.addEventListener("visibilitychange", function () {
      if (document.hidden && (stream || box.hasAttribute("data-camera"))) end("left");
    });
    window.addEventListener("pagehide", function () {
      if (stream || box.hasAttribute("data-camera")) end("left");
    });
  }

  // --- start ------------------------------------------------------------------------------
  form.addEventListener("submit", submit);
  setupPhoto();
  setupCamera();
  if ("serviceWorker" in navigator) {
    navigator.serviceWorker.register("/verifier/sw.js", { scope: "/verifier/" }).catch(function () {});
  }
  window.GuichetVerifierPage = {
    ready: loadHeld().then(function (entry) {
      held = entry;
      showList();
      return refresh();
    }),
    refresh: refresh,
    offer: offer,
    held: function () { return held; }
  };
  window.addEventListener("online", refresh);
})();
