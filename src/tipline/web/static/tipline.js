/* tipline's own script: progressive enhancement only; every page works without it. */
(function () {
  "use strict";
  // After an htmx swap, move focus to the new content's heading so screen readers follow.
  document.addEventListener("htmx:afterSwap", function (event) {
    var heading = event.detail.target.querySelector("h1, h2, [data-focus]");
    if (heading) {
      heading.setAttribute("tabindex", "-1");
      heading.focus();
    }
  });
})();
