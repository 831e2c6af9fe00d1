/* Guichet permit verifier, in the browser: the same checks as guichet/permits/signing.py.
 *
 * Pure functions, no DOM: used by the page (verifier.js) and run by the tests in Chromium.
 * Text "TG1:" + Base45 (RFC 9285) of a COSE_Sign1 (RFC 9052, tag 18, ES256, 8-byte kid) whose
 * payload is a CBOR map of claims with integer keys. The keys and the revocations come from a
 * trust list signed by the root key pinned in the page (decision 0029).
 *
 * Every input is bounded before it is decoded: the text (600 characters), the COSE bytes (400),
 * CBOR nesting (3 levels for the envelope: tag, array, empty map; 1 for the claims and header) and every declared length
 * against the bytes actually present, so a CBOR bomb (deep nesting, an array declaring 2^32
 * items) is refused in microseconds without allocating.
 */
(function (root) {
  "use strict";

  var PREFIX = "TG1:";
  var MAX_TEXT_CHARS = 600;
  var MAX_COSE_BYTES = 400;
  var MAX_TRUST_LIST_CHARS = 262144;
  var ALG_ES256 = -7;
  var KID_BYTES = 8;
  var SIGNATURE_BYTES = 64;
  var MAX_HOLDER_CHARS = 24;
  var B45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:";

  function Refused(reason) {
    this.reason = reason;
  }

  // --- Base45 (RFC 9285), strict -------------------------------------------------------
  function base45Decode(text) {
    var n = text.length;
    if (n === 0 || n % 3 === 1) throw new Refused("bad_base45");
    var out = new Uint8Array(Math.floor(n / 3) * 2 + (n % 3 === 2 ? 1 : 0));
    var o = 0;
    for (var i = 0; i < n; i += 3) {
      var c = B45.indexOf(text.charAt(i));
      var d = B45.indexOf(text.charAt(i + 1));
      if (c < 0 || d < 0) throw new Refused("bad_base45");
      if (i + 2 < n) {
        var e = B45.indexOf(text.charAt(i + 2));
        if (e < 0) throw new Refused("bad_base45");
        var v = c + d * 45 + e * 2025;
        if (v > 65535) throw new Refused("bad_base45");
        out[o++] = v >> 8;
        out[o++] = v & 255;
      } else {
        var w = c + d * 45;
        if (w > 255) throw new Refused("bad_base45");
        out[o++] = w;
      }
    }
    return out;
  }

  // --- CBOR, a bounded subset ----------------------------------------------------------
  // Definite lengths only; unsigned and negative integers (to 2^53), byte and text strings,
  // arrays, maps with integer or text keys, tags. Floats, simple values, indefinite lengths: refused.
  function cborDecode(bytes, maxDepth) {
    var pos = 0;
    function need(k) {
      if (k > bytes.length - pos) throw new Refused("not_cbor");
    }
    function arg(info) {
      if (info < 24) return info;
      var size = info === 24 ? 1 : info === 25 ? 2 : info === 26 ? 4 : info === 27 ? 8 : 0;
      if (size === 0) throw new Refused("not_cbor");
      need(size);
      var v = 0;
      for (var i = 0; i < size; i++) {
        v = v * 256 + bytes[pos + i];
      }
      if (v > Number.MAX_SAFE_INTEGER) throw new Refused("not_cbor");
      pos += size;
      return v;
    }
    function item(depth) {
      need(1);
      var initial = bytes[pos++];
      var major = initial >> 5;
      var n = arg(initial & 31);
      var i;
      if (major === 0) return n;
      if (major === 1) return -1 - n;
      if (major === 2 || major === 3) {
        need(n);
        var raw = bytes.subarray(pos, pos + n);
        pos += n;
        if (major === 2) return { bytes: raw };
        try {
          return new TextDecoder("utf-8", { fatal: true }).decode(raw);
        } catch (err) {
          throw new Refused("not_cbor");
        }
      }
      if (major === 4 || major === 5 || major === 6) {
        if (depth >= maxDepth) throw new Refused("not_cbor");
        if (major === 6) return { tag: n, value: item(depth + 1) };
        // Every item takes at least one byte: a declared count beyond the bytes left is a lie.
        if (n * (major === 5 ? 2 : 1) > bytes.length - pos) throw new Refused("not_cbor");
        if (major === 4) {
          var list = [];
          for (i = 0; i < n; i++) list.push(item(depth + 1));
          return list;
        }
        var map = new Map();
        for (i = 0; i < n; i++) {
          var key = item(depth + 1);
          if (typeof key !== "number" && typeof key !== "string") throw new Refused("not_cbor");
          if (map.has(key)) throw new Refused("not_cbor");
          map.set(key, item(depth + 1));
        }
        return map;
      }
      throw new Refused("not_cbor");
    }
    var value = item(0);
    if (pos !== bytes.length) throw new Refused("not_cbor");
    return value;
  }

  function isBytes(v) {
    return v !== null && typeof v === "object" && v.bytes instanceof Uint8Array;
  }

  // The CBOR head of a byte string of length n (major type 2).
  function bstrHead(n) {
    if (n < 24) return [0x40 | n];
    if (n < 256) return [0x58, n];
    return [0x59, n >> 8, n & 255];
  }

  // Sig_structure = ["Signature1", protected, h'', payload], encoded as RFC 9052 §4.4 says.
  function sigStructure(protectedBytes, payload) {
    var parts = [[0x84, 0x6a], Array.from(new TextEncoder().encode("Signature1")),
      bstrHead(protectedBytes.length), Array.from(protectedBytes), [0x40],
      bstrHead(payload.length), Array.from(payload)];
    return new Uint8Array([].concat.apply([], parts));
  }

  function b64urlEncode(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  }

  function b64urlDecode(text) {
    if (typeof text !== "string" || !/^[A-Za-z0-9_-]*$/.test(text)) throw new Refused("bad_base64");
    var s = text.replace(/-/g, "+").replace(/_/g, "/");
    while (s.length % 4) s += "=";
    var bin;
    try {
      bin = atob(s);
    } catch (err) {
      throw new Refused("bad_base64");
    }
    var out = new Uint8Array(bin.length);
    for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
    return out;
  }

  function importKey(jwk) {
    if (!jwk || jwk.kty !== "EC" || jwk.crv !== "P-256" || typeof jwk.x !== "string" || typeof jwk.y !== "string") {
      return Promise.reject(new Refused("bad_key"));
    }
    return crypto.subtle.importKey("jwk", { kty: "EC", crv: "P-256", x: jwk.x, y: jwk.y, ext: true },
      { name: "ECDSA", namedCurve: "P-256" }, false, ["verify"]);
  }

  function es256Valid(jwk, signature, message) {
    if (signature.length !== SIGNATURE_BYTES) return Promise.resolve(false);
    return importKey(jwk).then(function (key) {
      return crypto.subtle.verify({ name: "ECDSA", hash: "SHA-256" }, key, signature, message);
    }).catch(function () {
      return false;
    });
  }

  // --- the envelope --------------------------------------------------------------------
  function parseText(text) {
    if (typeof text !== "string") throw new Refused("wrong_prefix");
    if (text.length > MAX_TEXT_CHARS) throw new Refused("too_long");
    text = text.trim();
    if (text.slice(0, PREFIX.length).toUpperCase() !== PREFIX) throw new Refused("wrong_prefix");
    var body = text.slice(PREFIX.length);
    var cose = base45Decode(body);
    if (cose.length > MAX_COSE_BYTES) throw new Refused("too_large");
    var value = cborDecode(cose, 3);  // tag > array > (empty map); anything deeper is refused
    if (!value || value.tag !== 18 || !("value" in value)) throw new Refused("not_cose_sign1");
    var parts = value.value;
    if (!Array.isArray(parts) || parts.length !== 4) throw new Refused("not_cose_sign1");
    if (!isBytes(parts[0]) || !isBytes(parts[2]) || !isBytes(parts[3])) throw new Refused("not_cose_sign1");
    if (!(parts[1] instanceof Map) || parts[1].size !== 0) throw new Refused("bad_header");
    var header;
    try {
      header = cborDecode(parts[0].bytes, 1);
    } catch (err) {
      throw new Refused("bad_header");
    }
    if (!(header instanceof Map)) throw new Refused("bad_header");
    header.forEach(function (v, k) {
      if (k !== 1 && k !== 4) throw new Refused("bad_header");
    });
    if (header.get(1) !== ALG_ES256) throw new Refused("alg_not_allowed");
    var kid = header.get(4);
    if (!isBytes(kid) || kid.bytes.length !== KID_BYTES) throw new Refused("unknown_kid");
    return { protected: parts[0].bytes, kid: b64urlEncode(kid.bytes), payload: parts[2].bytes, signature: parts[3].bytes };
  }

  function parseClaims(payload) {
    var map;
    try {
      map = cborDecode(payload, 1);
    } catch (err) {
      throw new Refused("bad_claims");
    }
    if (!(map instanceof Map)) throw new Refused("bad_claims");
    map.forEach(function (v, k) {
      if (typeof k !== "number" || k < 1 || k > 8) throw new Refused("bad_claims");
    });
    [1, 3, 4].forEach(function (k) {
      if (typeof map.get(k) !== "string" || map.get(k) === "") throw new Refused("bad_claims");
    });
    [2, 5, 6].forEach(function (k) {
      if (typeof map.get(k) !== "number") throw new Refused("bad_claims");
    });
    [7, 8].forEach(function (k) {
      if (map.has(k) && typeof map.get(k) !== "string") throw new Refused("bad_claims");
    });
    if ((map.get(8) || "").length > MAX_HOLDER_CHARS) throw new Refused("bad_claims");
    return {
      issuer: map.get(1), type: map.get(2), number: map.get(3), subject: map.get(4),
      not_before: map.get(5), expiry: map.get(6), subject2: map.get(7) || null, holder: map.get(8) || null
    };
  }

  function findKey(list, kid) {
    var keys = (list && list.keys) || [];
    for (var i = 0; i < keys.length; i++) {
      if (keys[i].kid === kid && keys[i].alg === "ES256") return keys[i];
    }
    return null;
  }

  function isRevoked(list, claims) {
    var revoked = (list && list.revoked) || [];
    for (var i = 0; i < revoked.length; i++) {
      if (revoked[i].type === claims.type && revoked[i].number === claims.number) return true;
    }
    return false;
  }

  function notGenuine(reason) {
    return { status: "NOT_GENUINE", reason: reason, claims: null };
  }

  /* The verdict of a permit text against a verified trust list.
   * options: expectedType (int or null), now (Unix seconds; defaults to the clock).
   * Resolves to {status, reason, claims}; status is one of VALID, EXPIRED, REVOKED, NOT_GENUINE,
   * WRONG_TYPE, NOT_YET_VALID, ONLINE_CHECK_REQUIRED (reason codes as guichet/permits/verify.py). Never rejects. */
  function verifyText(text, list, options) {
    options = options || {};
    var now = typeof options.now === "number" ? options.now : Math.floor(Date.now() / 1000);
    var parsed;
    try {
      parsed = parseText(text);
    } catch (err) {
      return Promise.resolve(notGenuine(err instanceof Refused ? err.reason : "internal_error"));
    }
    if (!list) return Promise.resolve({ status: "ONLINE_CHECK_REQUIRED", reason: "no_trust_list", claims: null });
    var key = findKey(list, parsed.kid);
    if (!key) return Promise.resolve(notGenuine("unknown_kid"));
    return es256Valid(key.jwk, parsed.signature, sigStructure(parsed.protected, parsed.payload)).then(function (ok) {
      if (!ok) return notGenuine("bad_signature");
      var claims;
      try {
        claims = parseClaims(parsed.payload);
      } catch (err) {
        return notGenuine("bad_claims");
      }
      if (list.issuer && claims.issuer !== list.issuer) return notGenuine("wrong_issuer");
      if (key.type !== claims.type) return notGenuine("kid_type_mismatch");
      if (claims.not_before < key.not_before || (typeof key.not_after === "number" && claims.expiry > key.not_after)) {
        return notGenuine("key_not_valid");
      }
      var verdict = function (status, reason) {
        return { status: status, reason: reason || "", claims: claims };
      };
      if (options.expectedType && claims.type !== options.expectedType) return verdict("WRONG_TYPE", "wrong_type");
      if (isRevoked(list, claims)) return verdict("REVOKED", "revoked");
      if (now < claims.not_before) return verdict("NOT_YET_VALID", "not_yet_valid");
      if (now >= claims.expiry) return verdict("EXPIRED", "expired");
      if (now - list.issued_at > list.max_offline_hours * 3600) return verdict("ONLINE_CHECK_REQUIRED", "stale_trust_list");
      return verdict("VALID", "ok");
    }).catch(function () {
      return notGenuine("internal_error");
    });
  }

  /* The trust list inside a signed envelope, after checking its signature with the pinned root key.
   * Resolves to the list (an object), rejects with Refused(reason). */
  function openTrustList(signed, rootJwk, rootKid) {
    return Promise.resolve().then(function () {
      if (typeof signed === "string") {
        if (signed.length > MAX_TRUST_LIST_CHARS) throw new Refused("too_large");
        signed = JSON.parse(signed);
      }
      if (!signed || typeof signed.payload !== "string" || typeof signed.signature !== "string") {
        throw new Refused("bad_envelope");
      }
      if (signed.payload.length > MAX_TRUST_LIST_CHARS) throw new Refused("too_large");
      if (rootKid && signed.kid !== rootKid) throw new Refused("unknown_root");
      var payload = b64urlDecode(signed.payload);
      var signature = b64urlDecode(signed.signature);
      return es256Valid(rootJwk, signature, payload).then(function (ok) {
        if (!ok) throw new Refused("bad_signature");
        var list = JSON.parse(new TextDecoder("utf-8", { fatal: true }).decode(payload));
        if (!list || list.v !== 1 || typeof list.issued_at !== "number" || typeof list.max_offline_hours !== "number" ||
            !Array.isArray(list.keys) || !Array.isArray(list.revoked)) {
          throw new Refused("bad_content");
        }
        return list;
      });
    }).catch(function (err) {
      throw err instanceof Refused ? err : new Refused("bad_envelope");
    });
  }

  /* Which list to keep: the new one only when it is verified and not older than the one held. */
  function newer(held, candidate) {
    return !held || candidate.issued_at >= held.issued_at;
  }

  root.GuichetVerifier = {
    PREFIX: PREFIX,
    MAX_TEXT_CHARS: MAX_TEXT_CHARS,
    base45Decode: base45Decode,
    cborDecode: cborDecode,
    parseText: parseText,
    verifyText: verifyText,
    openTrustList: openTrustList,
    newer: newer,
    Refused: Refused
  };
})(typeof self !== "undefined" ? self : this);
