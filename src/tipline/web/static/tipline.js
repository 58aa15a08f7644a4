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
  // A refused action (409 held by someone else, 400, 403) answered to htmx: show its message
  // in the panel's alert instead of swapping an error page into it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    var box = document.getElementById("action-error");
    if (!box || xhr.status < 400 || xhr.status >= 500) {
      return;
    }
    var page = new DOMParser().parseFromString(xhr.responseText, "text/html");
    var message = page.querySelector(".error-message");
    box.textContent = message ? message.textContent : "This cannot be done now.";
    event.detail.shouldSwap = false;
  });
})();
