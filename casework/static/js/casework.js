// Casework's little script: the quick-lock, and the focus on a refused form's first error.
// Everything works without it; it only makes the lock instant and keeps what was typed in
// open forms (the page is hidden, not left).
(function () {
  "use strict";

  function pageParts() {
    return Array.prototype.slice.call(document.querySelectorAll("body > header, body > main, body > .banner, body > .skip-link"));
  }

  function showLock() {
    var overlay = document.getElementById("lock-overlay");
    if (!overlay) { return false; }
    pageParts().forEach(function (part) { part.setAttribute("inert", ""); part.classList.add("locked-away"); });
    overlay.hidden = false;
    var password = document.getElementById("unlock-password");
    password.value = "";
    password.focus();
    return true;
  }

  function hideLock() {
    pageParts().forEach(function (part) { part.removeAttribute("inert"); part.classList.remove("locked-away"); });
    document.getElementById("lock-overlay").hidden = true;
  }

  function post(form) {
    return fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      credentials: "same-origin",
      headers: { "Accept": "application/json" }
    });
  }

  function lockNow(event) {
    var form = document.getElementById("quick-lock-form");
    if (!form || !showLock()) { return; }
    if (event) { event.preventDefault(); }
    // The server is told too, so a reload or another tab also asks for the password.
    post(form).catch(function () { /* the page stays hidden either way */ });
  }

  function unlock(event) {
    event.preventDefault();
    var form = event.target;
    var error = document.getElementById("unlock-error");
    post(form).then(function (response) {
      // Only the server's explicit yes unlocks: a redirect that ends on some page is not one.
      if (!response.ok || response.redirected) {
        if (response.status === 401 || response.status === 400) { error.hidden = false; return null; }
        window.location.reload();
        return null;
      }
      return response.json().then(function (answer) {
        if (answer && answer.ok === true) { error.hidden = true; hideLock(); }
        else { error.hidden = false; }
      });
    }).catch(function () { error.hidden = false; });
  }

  // A refused form comes back with its first field in error focused: a keyboard user is
  // taken to it, and a screen reader says its label and the message tied to it.
  function focusFirstError() {
    var invalid = document.querySelector("main [aria-invalid='true']");
    if (invalid) { invalid.focus(); }
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusFirstError();
    var lockForm = document.getElementById("quick-lock-form");
    if (lockForm) { lockForm.addEventListener("submit", lockNow); }
    var unlockForm = document.getElementById("unlock-form");
    if (unlockForm) { unlockForm.addEventListener("submit", unlock); }
    document.addEventListener("keydown", function (event) {
      if (event.ctrlKey && event.altKey && (event.key === "l" || event.key === "L")) { lockNow(event); }
    });
  });
}());
