/* Pilotis boards: drag and drop with SortableJS (static/vendor/sortablejs), persisted through the API
   with the card's version (If-Match). A refused move (stale version, permission, lifecycle guard) puts
   the card back where it was and says why in #messages. Without this script every card keeps its
   "Move to…" form (task board) or its link to the project's lifecycle panel (portfolio board). */
(function () {
  "use strict";

  var textNode = document.getElementById("board-text");
  var TEXT = textNode ? JSON.parse(textNode.textContent) : {};

  function csrfToken() {
    var input = document.querySelector("input[name='csrfmiddlewaretoken']");
    if (input) { return input.value; }
    var match = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
    return match ? decodeURIComponent(match[1]) : "";
  }

  function format(template, values) {
    return String(template || "").replace(/%\((\w+)\)s/g, function (_m, key) {
      return values[key] === undefined ? "" : values[key];
    });
  }

  function say(text, level) {
    var region = document.getElementById("messages");
    if (!region) { return; }
    region.textContent = "";
    var message = document.createElement("div");
    message.className = "message message--" + (level || "info");
    message.textContent = text;
    region.appendChild(message);
  }

  // The error's message from an API answer ({"detail": ...} or field errors), or a fallback.
  function errorText(body, fallback) {
    if (body && typeof body === "object") {
      if (typeof body.detail === "string") { return body.detail; }
      var keys = Object.keys(body);
      for (var i = 0; i < keys.length; i += 1) {
        var value = body[keys[i]];
        if (Array.isArray(value) && value.length) { return String(value[0]); }
        if (typeof value === "string") { return value; }
      }
    }
    return fallback;
  }

  function post(url, etag, payload) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {
        "Content-Type": "application/json",
        "Accept": "application/json",
        "X-CSRFToken": csrfToken(),
        "If-Match": etag
      },
      body: JSON.stringify(payload)
    }).then(function (response) {
      return response.json().catch(function () { return {}; }).then(function (body) {
        return { ok: response.ok, status: response.status, body: body };
      });
    });
  }

  // Put a card back where SortableJS took it from.
  function snapBack(event) {
    var item = event.item;
    var reference = event.from.children[event.oldIndex] || null;
    if (reference === item) { return; }
    event.from.insertBefore(item, reference);
  }

  function adjustCount(list, delta) {
    var board = list.closest("[data-board]");
    var head = board && board.querySelector("[data-column-head='" + list.dataset.status + "']");
    if (!head) { return; }
    var count = parseInt(head.dataset.count, 10) + delta;
    head.dataset.count = String(count);
    head.querySelector("[data-count-text]").textContent = String(count);
    var limit = parseInt(head.dataset.limit || "", 10);
    if (!isNaN(limit)) {
      var over = count > limit;
      head.classList.toggle("board__head--over", over);
      var note = head.querySelector("[data-over-text]");
      if (note) { note.hidden = !over; }
    }
  }

  function cardId(element) {
    return element && element.classList.contains("card") ? element.dataset.id : null;
  }

  // --- task board ------------------------------------------------------------------------------

  function taskBoard(board) {
    var moveUrl = board.dataset.moveUrl;
    board.querySelectorAll(".board__cards").forEach(function (list) {
      window.Sortable.create(list, {
        group: "lane-" + (list.dataset.lane || ""),
        draggable: ".card[data-movable]",
        filter: "details, summary, select, button, input, label",
        preventOnFilter: false,
        animation: 120,
        // Pointer events rather than native drag and drop: the same on touch screens and in tests.
        forceFallback: true,
        onEnd: function (event) {
          if (event.from === event.to && event.oldIndex === event.newIndex) { return; }
          var card = event.item;
          var next = card.nextElementSibling;
          var previous = card.previousElementSibling;
          var payload = { board_status: event.to.dataset.status };
          if (cardId(next)) { payload.before_id = parseInt(cardId(next), 10); }
          else if (cardId(previous)) { payload.after_id = parseInt(cardId(previous), 10); }
          var etag = '"' + card.dataset.id + "-" + card.dataset.version + '"';
          card.setAttribute("aria-busy", "true");
          post(moveUrl.replace("/0/", "/" + card.dataset.id + "/"), etag, payload).then(function (answer) {
            card.removeAttribute("aria-busy");
            if (!answer.ok) {
              snapBack(event);
              var text = answer.status === 412 ? TEXT.conflict : errorText(answer.body, TEXT.failed);
              card.classList.add("card--refused");
              say(text, "error");
              return;
            }
            card.dataset.version = String(answer.body.version);
            card.querySelectorAll("input[name='version']").forEach(function (input) {
              input.value = String(answer.body.version);
            });
            var select = card.querySelector("select[name='board_status']");
            if (select) { select.value = answer.body.board_status; }
            var percent = card.querySelector("[data-percent]");
            if (percent) { percent.textContent = answer.body.percent_complete + "\u00a0%"; }
            var bar = card.querySelector("progress");
            if (bar) { bar.value = answer.body.percent_complete; }
            if (event.from.dataset.status !== event.to.dataset.status) {
              adjustCount(event.from, -1);
              adjustCount(event.to, 1);
            }
            card.classList.remove("card--refused");
            say(format(TEXT.moved, {
              card: card.dataset.name,
              column: (TEXT.columns || {})[answer.body.board_status] || answer.body.board_status
            }), "success");
          }, function () {
            card.removeAttribute("aria-busy");
            snapBack(event);
            say(TEXT.failed, "error");
          });
        }
      });
    });
  }

  // --- portfolio board -------------------------------------------------------------------------

  function askConfirmation(action, projectName) {
    var dialog = document.getElementById("transition-dialog");
    var meta = (TEXT.actions || {})[action] || {};
    if (!dialog || !(meta.confirm || meta.reason) || typeof dialog.showModal !== "function") {
      return Promise.resolve({ ok: true, comment: "" });
    }
    dialog.querySelector("[data-dialog-title]").textContent = projectName + " · " + meta.label;
    dialog.querySelector("[data-dialog-message]").textContent = meta.message || "";
    var reasonBox = dialog.querySelector("[data-dialog-reason]");
    var reason = reasonBox.querySelector("textarea");
    reasonBox.hidden = !meta.reason;
    reason.required = Boolean(meta.reason);
    reason.value = "";
    dialog.querySelector("[data-dialog-confirm]").textContent = meta.label;
    return new Promise(function (resolve) {
      dialog.addEventListener("close", function onClose() {
        dialog.removeEventListener("close", onClose);
        resolve({ ok: dialog.returnValue === "confirm", comment: reason.value });
      });
      dialog.returnValue = "";
      dialog.showModal();
      (meta.reason ? reason : dialog.querySelector("[data-dialog-confirm]")).focus();
    });
  }

  function projectBoard(board) {
    var url = board.dataset.transitionUrl;
    function setUp() {
      board.querySelectorAll(".board__cards").forEach(function (list) {
        if (list.dataset.sortable) { return; }
        list.dataset.sortable = "1";
        window.Sortable.create(list, {
          group: "projects",
          draggable: ".card[data-movable]",
          filter: "a",
          preventOnFilter: false,
          animation: 120,
          forceFallback: true,
          onEnd: function (event) { dropProject(event); }
        });
      });
    }
    function dropProject(event) {
      var card = event.item;
      var from = event.from.dataset.status;
      var to = event.to.dataset.status;
      if (from === to) { return; }
      var moves = {};
      (card.dataset.moves || "").split(",").forEach(function (pair) {
        var parts = pair.split(":");
        if (parts.length === 2) { moves[parts[0]] = parts[1]; }
      });
      var action = moves[to];
      var statuses = TEXT.statuses || {};
      if (!action) {
        snapBack(event);
        say(format(TEXT.illegal, { project: card.dataset.name, from: statuses[from], to: statuses[to] }), "error");
        return;
      }
      askConfirmation(action, card.dataset.name).then(function (answer) {
        if (!answer.ok) { snapBack(event); return null; }
        var etag = '"' + card.dataset.id + "-" + card.dataset.version + '"';
        return post(url.replace("/0/", "/" + card.dataset.id + "/"), etag,
          { action: action, comment: answer.comment }).then(function (result) {
          if (!result.ok) {
            snapBack(event);
            say(result.status === 412 ? TEXT.conflict : errorText(result.body, TEXT.failed), "error");
            return;
          }
          card.dataset.version = String(result.body.version);
          adjustCount(event.from, -1);
          adjustCount(event.to, 1);
          // The moves offered from the new status are the server's: reload this board's columns.
          say(format(TEXT.moved, { project: card.dataset.name, to: statuses[result.body.status] }), "success");
          if (window.htmx) {
            window.htmx.ajax("GET", window.location.pathname + window.location.search,
              { target: "#portfolio-board", swap: "innerHTML" });
          }
        });
      }).catch(function () {
        snapBack(event);
        say(TEXT.failed, "error");
      });
    }
    setUp();
    document.addEventListener("htmx:afterSwap", function (event) {
      if (event.target === board) { setUp(); }
    });
  }

  function init() {
    if (!window.Sortable) { return; }
    document.querySelectorAll("[data-board='tasks']").forEach(taskBoard);
    document.querySelectorAll("[data-board='projects']").forEach(projectBoard);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
