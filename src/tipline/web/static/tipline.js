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

/* Media review (pages with [data-review]): one reveal at a time, re-blur on moving on or at
   the reveal's limit, single-key shortcuts, and refusals shown in place. Without this script
   the page works with plain forms; the server enforces every rule either way. */
(function () {
  "use strict";
  var review = document.querySelector("[data-review]");
  if (!review) { return; }
  var timers = {};

  function figures() { return Array.prototype.slice.call(review.querySelectorAll(".review-media")); }
  function revealed() { return Array.prototype.slice.call(review.querySelectorAll(".review-media.is-revealed")); }
  function selected() { return review.querySelector(".review-media.selected") || figures()[0]; }

  function reblur(figure) {
    var button = figure.querySelector("[data-action=reblur]");
    if (button) { button.click(); }
  }

  function select(figure) {
    if (!figure) { return; }
    var current = selected();
    if (current && current !== figure) {
      current.classList.remove("selected");
      if (current.classList.contains("is-revealed")) { reblur(current); }  // moving on re-blurs
    }
    figure.classList.add("selected");
    figure.setAttribute("tabindex", "-1");
    figure.focus();
  }

  function startTimer(figure) {
    var id = figure.getAttribute("data-reveal-id");
    var limit = parseFloat(figure.getAttribute("data-limit-seconds") || "0");
    var started = Date.now();
    var note = figure.querySelector(".reveal-timer");
    var video = figure.querySelector("video");
    if (video) { video.muted = true; video.autoplay = false; }
    timers[id] = window.setInterval(function () {
      var left = Math.max(0, Math.ceil(limit - (Date.now() - started) / 1000));
      if (note) { note.textContent = "Blurs again in " + left + " s."; }
      if (left <= 0) { window.clearInterval(timers[id]); reblur(figure); }
    }, 1000);
  }

  // Before a new reveal goes out, every other revealed file blurs again (one at a time).
  document.addEventListener("htmx:beforeRequest", function (event) {
    var form = event.detail.elt;
    if (!form.classList || !form.classList.contains("reveal")) { return; }
    var mine = form.closest(".review-media");
    revealed().forEach(function (figure) { if (figure !== mine) { reblur(figure); } });
    if (mine) { mine.classList.add("selected"); }
  });

  // New content (a figure swapped in after a reveal or a re-blur) is in the page: a revealed
  // one starts its countdown to blurring again.
  document.addEventListener("htmx:load", function (event) {
    var figure = event.detail.elt;
    if (!figure.classList || !figure.classList.contains("review-media")) { return; }
    figure.classList.add("selected");
    if (figure.classList.contains("is-revealed")) { startTimer(figure); }
  });

  // A refusal (budget used up, a locked file, an ended reveal) is read out in place.
  var alertBox = document.getElementById("review-alert");
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (status < 400) { return; }
    event.detail.shouldSwap = false;
    var doc = new DOMParser().parseFromString(event.detail.xhr.responseText, "text/html");
    var message = doc.querySelector(".error-message");
    if (alertBox) { alertBox.textContent = message ? message.textContent : "This could not be done."; }
  });

  // Leaving the page ends any open reveal (a beacon, so it is sent even as the page goes).
  window.addEventListener("pagehide", function () {
    revealed().forEach(function (figure) {
      var data = new FormData();
      data.append("csrf_token", review.getAttribute("data-csrf"));
      data.append("cluster_id", review.getAttribute("data-cluster"));
      data.append("why", "leave");
      navigator.sendBeacon("/review/reveals/" + figure.getAttribute("data-reveal-id") + "/end", data);
    });
  });

  // An industry label sets the age band and activity it stands for; a fact chosen by hand
  // that disagrees clears the label.
  review.addEventListener("change", function (event) {
    var input = event.target;
    if (input.name === "label" && input.value) {
      ["age_band", "activity"].forEach(function (name) {
        var value = input.getAttribute("data-" + name.replace("_", "-"));
        var target = review.querySelector("input[name=" + name + "][value=" + value + "]");
        if (target) { target.checked = true; }
      });
    } else if (input.name === "age_band" || input.name === "activity") {
      var label = review.querySelector("input[name=label]:checked");
      if (label && label.value && label.getAttribute("data-" + input.name.replace("_", "-")) !== input.value) {
        review.querySelector("input[name=label][value='']").checked = true;
      }
    }
  });

  var ACTIONS = {
    v: function () { var f = selected(); var b = f && f.querySelector("[data-action=reveal]"); if (b) { b.click(); } },
    b: function () { revealed().forEach(reblur); },
    j: function () { var all = figures(); select(all[Math.min(all.indexOf(selected()) + 1, all.length - 1)]); },
    k: function () { var all = figures(); select(all[Math.max(all.indexOf(selected()) - 1, 0)]); }
  };

  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    var typing = target.isContentEditable || target.tagName === "TEXTAREA" || target.tagName === "SELECT" ||
      (target.tagName === "INPUT" && ["radio", "checkbox", "submit", "button"].indexOf(target.type) < 0);
    if (typing) { return; }
    var key = event.key.toLowerCase();
    if (ACTIONS[key]) { event.preventDefault(); ACTIONS[key](); return; }
    var control = review.querySelector("[data-key='" + key + "']");
    if (!control) { return; }
    event.preventDefault();
    if (control.type === "radio") {
      control.checked = true;
      control.dispatchEvent(new Event("change", { bubbles: true }));
      control.focus();
    } else {
      control.click();
    }
  });

  revealed().forEach(startTimer);
})();
