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

  function init() {
    var forms = document.querySelectorAll("form");
    for (var i = 0; i < forms.length; i++) setUpConditions(forms[i]);
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
