/* Guichet — small progressive enhancements; every page works without this file. */
(function () {
  "use strict";

  // Questions that apply only under an earlier answer carry data-show-if (the name of the
  // field they depend on) and data-show-values (the answers, space separated).
  function controllerValues(form, name) {
    var values = [];
    var inputs = form.querySelectorAll('[name="' + name + '"]');
    for (var i = 0; i < inputs.length; i++) {
      var input = inputs[i];
      if ((input.type === "radio" || input.type === "checkbox") && !input.checked) continue;
      if (input.tagName === "SELECT" && input.multiple) {
        for (var j = 0; j < input.options.length; j++) {
          if (input.options[j].selected) values.push(input.options[j].value);
        }
      } else {
        values.push(input.value);
      }
    }
    return values;
  }

  function setUpConditions(form) {
    var dependants = form.querySelectorAll("[data-show-if]");
    var groups = [];
    for (var i = 0; i < dependants.length; i++) {
      var wrapper = dependants[i].closest(".field");
      if (!wrapper || groups.indexOf(wrapper) !== -1) continue;
      wrapper.setAttribute("data-controller", dependants[i].getAttribute("data-show-if"));
      wrapper.setAttribute("data-values", dependants[i].getAttribute("data-show-values") || "");
      groups.push(wrapper);
    }
    if (!groups.length) return;
    function refresh() {
      for (var k = 0; k < groups.length; k++) {
        var wanted = groups[k].getAttribute("data-values").split(" ");
        var current = controllerValues(form, groups[k].getAttribute("data-controller"));
        var show = current.some(function (v) { return wanted.indexOf(v) !== -1; });
        groups[k].hidden = !show;
      }
    }
    form.addEventListener("change", refresh);
    refresh();
  }

  // File inputs carry data-max-bytes, data-too-big and data-wrong-kind (messages written by
  // the server in the reader's language) next to their accept list. A file the server would
  // refuse is refused here, before a slow network spends minutes sending it.
  function fileProblem(input) {
    var max = parseInt(input.getAttribute("data-max-bytes") || "0", 10);
    var accepted = (input.getAttribute("accept") || "").toLowerCase().split(",");
    for (var i = 0; i < input.files.length; i++) {
      var file = input.files[i];
      var name = file.name.toLowerCase();
      var type = (file.type || "").toLowerCase();
      var known = !accepted[0] || accepted.some(function (item) {
        item = item.trim();
        return item && (item.charAt(0) === "." ? name.slice(-item.length) === item : item === type);
      });
      if (!known) return input.getAttribute("data-wrong-kind");
      if (max && file.size > max) return input.getAttribute("data-too-big");
    }
    return "";
  }

  function showFileProblem(input, message) {
    var id = input.id + "_check";
    var note = document.getElementById(id);
    if (!message) {
      if (note) note.parentNode.removeChild(note);
      input.removeAttribute("aria-invalid");
      return;
    }
    if (!note) {
      note = document.createElement("p");
      note.id = id;
      note.className = "error-message";
      note.setAttribute("role", "alert");
      input.parentNode.insertBefore(note, input);
      var described = input.getAttribute("aria-describedby");
      input.setAttribute("aria-describedby", described ? described + " " + id : id);
    }
    note.textContent = message;
    input.setAttribute("aria-invalid", "true");
  }

  function checkFile(input) {
    var problem = fileProblem(input);
    showFileProblem(input, problem);
    return !problem;
  }

  // With a file chosen, the form is sent in the background so that a <progress> can show how
  // much has gone; the answer then replaces the page as a normal submission would.
  function sendWithProgress(form, submitter, files) {
    var data = new FormData(form);
    if (submitter && submitter.name) data.append(submitter.name, submitter.value);
    var box = form.querySelector(".upload-progress");
    if (!box) {
      box = document.createElement("div");
      box.className = "upload-progress";
      box.setAttribute("role", "status");
      var label = document.createElement("span");
      label.textContent = files[0].getAttribute("data-sending");
      var bar = document.createElement("progress");
      bar.max = 100;
      bar.value = 0;
      bar.setAttribute("aria-label", label.textContent);
      var figure = document.createElement("span");
      figure.setAttribute("aria-hidden", "true");  // the bar itself says how far it is
      box.appendChild(label);
      box.appendChild(document.createTextNode(" "));
      box.appendChild(bar);
      box.appendChild(document.createTextNode(" "));
      box.appendChild(figure);
      form.appendChild(box);
    }
    var progress = box.querySelector("progress");
    var percent = box.querySelector("span:last-child");
    var buttons = form.querySelectorAll("button");
    for (var b = 0; b < buttons.length; b++) buttons[b].disabled = true;
    var request = new XMLHttpRequest();
    request.open("POST", form.action || window.location.href);
    request.upload.onprogress = function (event) {
      if (!event.lengthComputable) return;
      var done = Math.round((event.loaded / event.total) * 100);
      progress.value = done;
      percent.textContent = done + (document.documentElement.lang === "fr" ? "\u00a0%" : "%");
    };
    request.onload = function () {
      var here = window.location.href.split("#")[0];
      if (request.responseURL && request.responseURL !== (form.action || here) && request.responseURL !== here) {
        window.location.assign(request.responseURL);  // the next page, as after a redirect
        return;
      }
      var page = new DOMParser().parseFromString(request.responseText, "text/html");
      document.title = page.title;
      document.body.replaceWith(document.adoptNode(page.body));
      init();
    };
    request.onerror = function () {
      for (var k = 0; k < buttons.length; k++) buttons[k].disabled = false;
      box.querySelector("span").textContent = files[0].getAttribute("data-failed");
      progress.hidden = true;
      percent.textContent = "";
    };
    request.send(data);
  }

  function setUpUploads(form) {
    var inputs = form.querySelectorAll('input[type="file"][data-max-bytes]');
    if (!inputs.length || !window.FormData || !window.DOMParser) return;
    for (var i = 0; i < inputs.length; i++) {
      inputs[i].addEventListener("change", function (event) { checkFile(event.target); });
    }
    form.addEventListener("submit", function (event) {
      var submitter = event.submitter;
      if (submitter && submitter.name === "remove") return;  // removing a file sends nothing big
      var chosen = [];
      var first = null;
      for (var j = 0; j < inputs.length; j++) {
        if (!inputs[j].files.length) continue;
        chosen.push(inputs[j]);
        if (!checkFile(inputs[j]) && !first) first = inputs[j];
      }
      if (first) {
        event.preventDefault();
        first.focus();
        return;
      }
      if (!chosen.length) return;
      event.preventDefault();
      sendWithProgress(form, submitter, chosen);
    });
  }

  function init() {
    var forms = document.querySelectorAll("form");
    for (var i = 0; i < forms.length; i++) {
      setUpConditions(forms[i]);
      setUpUploads(forms[i]);
    }
    // After a failed submission, bring the error summary into view and into focus.
    var summary = document.querySelector(".error-summary");
    if (summary) summary.focus();
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
