/* baro pages: the few things the server cannot do. Everything works without this file;
   it adds the CSRF header to htmx requests, the live cancel countdown, and a button that
   says "working" after a press (the server already makes a second press harmless). */
(function () {
  "use strict";

  var token = document.querySelector('meta[name="csrf-token"]');
  document.addEventListener("htmx:configRequest", function (event) {
    if (token) event.detail.headers["X-CSRF-Token"] = token.content;
  });

  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!form.hasAttribute("data-once")) return;
    form.querySelectorAll('button[type="submit"]').forEach(function (button) {
      button.setAttribute("aria-disabled", "true");
    });
  });

  // <span data-countdown-until="ISO" data-server-now="ISO">: the time left, corrected for
  // the gap between the server's clock and this browser's. At zero the cancel form goes.
  function pad(n) { return (n < 10 ? "0" : "") + n; }

  function startCountdown(element) {
    if (element.hasAttribute("data-counting")) return;
    element.setAttribute("data-counting", "");
    var until = Date.parse(element.getAttribute("data-countdown-until"));
    var skew = Date.parse(element.getAttribute("data-server-now")) - Date.now();
    var closed = element.getAttribute("data-closed-text") || "";
    function tick() {
      var left = Math.max(0, Math.floor((until - (Date.now() + skew)) / 1000));
      var hours = Math.floor(left / 3600), minutes = Math.floor(left / 60) % 60;
      var seconds = left % 60;
      element.textContent = (hours ? hours + ":" + pad(minutes) : minutes) + ":" + pad(seconds);
      element.setAttribute("data-seconds-left", String(left));
      if (left === 0) {
        clearInterval(timer);
        document.querySelectorAll("[data-cancel-form]").forEach(function (form) {
          form.hidden = true;
        });
        var note = document.querySelector("[data-window-closed]");
        if (note) { note.hidden = false; }
        if (closed) element.textContent = closed;
      }
    }
    var timer = setInterval(tick, 1000);
    tick();
  }

  function init(root) {
    root.querySelectorAll("[data-countdown-until]").forEach(startCountdown);
  }
  document.addEventListener("DOMContentLoaded", function () { init(document); });
  document.addEventListener("htmx:load", function (event) { init(event.detail.elt); });
})();
