// Follows a payment waiting for the payer's confirmation, without a reload; the page works without it.
(function () {
  "use strict";
  var box = document.querySelector("[data-payment-status-url]");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-payment-status-url");
  var live = document.getElementById("payment-live");
  var delay = 3000, tries = 0;
  function ask() {
    tries += 1;
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.done) { window.location.assign(data.url); return; }
        if (live && data && data.label) { live.textContent = data.label; }
        if (tries > 20) { delay = 10000; }
        window.setTimeout(ask, delay);
      })
      .catch(function () { window.setTimeout(ask, 10000); });
  }
  window.setTimeout(ask, delay);
})();
