// Moves keyboard focus to what a page load wants read first: the error summary after a failed
// submit, otherwise the flash message after a redirect. Both carry `data-focus-on-load` and
// tabindex="-1"; without JavaScript the page works the same, focus just starts at the top.
(function () {
  "use strict";

  function focusOnLoad() {
    var target = document.querySelector(".error-summary[data-focus-on-load]") ||
      document.querySelector("[data-focus-on-load]");
    if (!target) { return; }
    // A link to a fragment (#stage-3, #notes) asks for its own place: leave the page where it is.
    if (window.location.hash && target.classList.contains("flash")) {
      target.focus({ preventScroll: true });
      return;
    }
    target.focus();
  }

  // A summary link moves focus into its field (a fragment link alone only scrolls), opening a
  // folded <details> around it first; the label stays in view above the field.
  document.addEventListener("click", function (event) {
    var link = event.target.closest ? event.target.closest(".error-summary a[href^='#']") : null;
    if (!link) { return; }
    var field = document.getElementById(decodeURIComponent(link.getAttribute("href").slice(1)));
    if (!field) { return; }
    event.preventDefault();
    for (var fold = field.closest("details"); fold; fold = fold.parentElement.closest("details")) { fold.open = true; }
    var label = field.id ? document.querySelector("label[for='" + field.id + "']") : null;
    (label || field).scrollIntoView();
    field.focus({ preventScroll: true });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", focusOnLoad);
  } else {
    focusOnLoad();
  }
})();
