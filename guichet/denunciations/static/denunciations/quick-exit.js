// Quick exit: leave without adding this page to the back button's path, and clear the page.
document.addEventListener("click", function (event) {
  var link = event.target.closest && event.target.closest("[data-quick-exit]");
  if (!link) return;
  event.preventDefault();
  document.body.innerHTML = "";
  window.location.replace(link.href);
});
