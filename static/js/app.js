/* Pilotis: small behaviours of every page. Everything here is an enhancement: pages work
   without it. No inline scripts (the Content-Security-Policy forbids them). */
(function () {
  "use strict";

  // Move the keyboard focus to an error summary or a revealed value, so it is read out.
  function focusFirst(root) {
    var target = (root || document).querySelector("[data-autofocus]");
    if (target) {
      if (!target.hasAttribute("tabindex")) { target.setAttribute("tabindex", "-1"); }
      target.focus({ preventScroll: false });
    }
  }

  // Panels folded on a phone (<details data-open-wide>, e.g. the list filters) start open on wide screens.
  function openWide() {
    if (!window.matchMedia || !window.matchMedia("(min-width: 60.01rem)").matches) { return; }
    document.querySelectorAll("details[data-open-wide]:not([open])").forEach(function (details) {
      details.setAttribute("open", "");
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", openWide);
  } else {
    openWide();
  }

  // Phones: the main menu folds behind the "Menu" button (without JavaScript it stays open).
  document.documentElement.classList.add("js");
  function setUpNavToggle() {
    var toggle = document.querySelector(".nav-toggle");
    var header = document.querySelector(".site-header");
    if (!toggle || !header) { return; }
    toggle.hidden = false;
    toggle.addEventListener("click", function () {
      var open = header.classList.toggle("site-header--nav-open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", setUpNavToggle);
  } else {
    setUpNavToggle();
  }

  // The account menu and the menu groups are <details>: close them with Escape or a click elsewhere.
  function closeMenus(except) {
    document.querySelectorAll("details[data-menu][open]").forEach(function (menu) {
      if (menu !== except) { menu.removeAttribute("open"); }
    });
  }

  document.addEventListener("click", function (event) {
    closeMenus(event.target.closest("details[data-menu]"));
  });

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") { return; }
    var open = document.querySelector("details[data-menu][open]");
    if (open) {
      open.removeAttribute("open");
      open.querySelector("summary").focus();
    }
  });

  // Buttons with data-confirm ask before submitting (e.g. cancelling a project).
  document.addEventListener("submit", function (event) {
    var submitter = event.submitter;
    var message = submitter && submitter.getAttribute("data-confirm");
    if (message && !window.confirm(message)) {
      event.preventDefault();
      event.stopImmediatePropagation();
    }
  }, true);

  // Copy a value to the clipboard (the new API token).
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy-target]");
    if (!button) { return; }
    var input = document.getElementById(button.getAttribute("data-copy-target"));
    if (!input) { return; }
    var done = function () {
      var label = button.getAttribute("data-copied-label");
      if (label) { button.textContent = label; }
    };
    input.select();
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(input.value).then(done, function () { input.select(); });
    } else if (document.execCommand && document.execCommand("copy")) {
      done();
    }
  });

  function enhance(root) {
    // Copy buttons are useless without this script: they are hidden in the HTML.
    (root || document).querySelectorAll("[data-copy-target][hidden]").forEach(function (button) {
      button.hidden = false;
    });
    // The search box has its own debounced trigger; its "change" on blur must not make the
    // filter form send the same request again.
    (root || document).querySelectorAll("[data-search-input]").forEach(function (input) {
      if (input.dataset.enhanced) { return; }
      input.dataset.enhanced = "1";
      input.addEventListener("change", function (event) { event.stopPropagation(); });
    });
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    enhance(event.target);
    focusFirst(event.target);
  });

  // Filter forms send every field; leave the empty ones out of the URL that is pushed.
  document.addEventListener("htmx:configRequest", function (event) {
    var data = event.detail.formData;
    if (event.detail.verb !== "get" || !data || typeof data.getAll !== "function") { return; }
    var keys = [];
    data.forEach(function (value, key) { if (keys.indexOf(key) === -1) { keys.push(key); } });
    keys.forEach(function (key) {
      if (data.getAll(key).every(function (value) { return value === ""; })) { data.delete(key); }
    });
  });

  // After htmx changed the address (filters), the language switcher must come back to it.
  document.addEventListener("htmx:pushedIntoHistory", function () {
    document.querySelectorAll("form.lang-switch input[name='next']").forEach(function (input) {
      input.value = window.location.pathname + window.location.search;
    });
  });

  // A fragment request that ends on the sign-in page (the session expired): go there.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.responseURL && xhr.responseURL.indexOf("/accounts/login/") !== -1) {
      event.detail.shouldSwap = false;
      window.location.assign(xhr.responseURL);
    }
  });

  // A refused operation (ppm/error_middleware.py) sends its message for the #messages region: show it.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    if (xhr && xhr.status >= 400 && xhr.getResponseHeader("HX-Retarget") === "#messages") {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // A fragment request that fails: say so instead of silently doing nothing.
  function requestFailed() {
    var region = document.getElementById("messages");
    if (!region) { return; }
    var message = document.createElement("div");
    message.className = "message message--error";
    message.textContent = document.documentElement.getAttribute("data-request-failed") ||
      "The request failed. Reload the page and try again.";
    region.appendChild(message);
  }
  document.addEventListener("htmx:responseError", requestFailed);
  document.addEventListener("htmx:sendError", requestFailed);

  function init() {
    enhance(document);
    focusFirst(document);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
