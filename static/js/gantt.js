/* Pilotis: the project Gantt, drawn by the vendored dhtmlx-gantt 10 (MIT) from the server's compact
   payload (rows of arrays, see portfolio.scheduling.selectors.gantt_payload).

   The server owns the schedule: every edit (move, resize, progress, link, grid cell) is sent to the
   task/link API with the object's version in If-Match, and the chart is then re-drawn from a fresh
   payload. Nothing is applied locally: a refused edit (400: a cycle, a summary task given dates;
   412: someone else changed the task) snaps back, with the server's message shown in the page.
   No inline scripts (CSP): URLs and labels come from data-attributes and json_script. */
(function () {
  "use strict";

  var root = document.getElementById("gantt");
  if (!root || !window.gantt) { return; }
  var gantt = window.gantt;
  var labels = JSON.parse(document.getElementById("gantt-labels").textContent);
  var messageBox = document.getElementById("gantt-message");
  var statusBox = document.getElementById("gantt-status");
  var dataUrl = root.getAttribute("data-payload-url");
  var taskUrl = root.getAttribute("data-task-url");          // ".../tasks/0/": 0 is replaced by the id
  var linkUrl = root.getAttribute("data-link-url");          // ".../links/0/"
  var linkCreateUrl = root.getAttribute("data-link-create-url");
  var csrf = root.getAttribute("data-csrf");
  var language = document.documentElement.lang || "en";
  var LINK_TYPES = { FS: "0", SS: "1", FF: "2", SF: "3" };
  var LINK_NAMES = { "0": "FS", "1": "SS", "2": "FF", "3": "SF" };
  var DAY = 86400000;

  var state = { payload: null, canEdit: false, nonWorking: {}, busy: false, firstDraw: true };

  // --- dates: the payload's ISO days are calendar days; dhtmlx end dates are exclusive -----------
  var parseDay = window.PilotisGantt.parseDay;
  var addDays = window.PilotisGantt.addDays;
  var escapeHtml = window.PilotisGantt.escapeHtml;
  var addTaskLayer = window.PilotisGantt.addTaskLayer;
  function isoDay(date) {
    var m = date.getMonth() + 1, d = date.getDate();
    return date.getFullYear() + "-" + (m < 10 ? "0" : "") + m + "-" + (d < 10 ? "0" : "") + d;
  }
  function roundDay(date) {
    var d = new Date(date.getFullYear(), date.getMonth(), date.getDate());
    return date.getHours() >= 12 ? addDays(d, 1) : d;
  }
  function isWorking(date) {
    var wd = date.getDay();
    return wd !== 0 && wd !== 6 && !state.nonWorking[isoDay(date)];
  }
  var formatDay = new Intl.DateTimeFormat(language, { day: "2-digit", month: "2-digit", year: "2-digit" });
  var formatLong = new Intl.DateTimeFormat(language, { day: "numeric", month: "long", year: "numeric" });

  // --- messages ----------------------------------------------------------------------------------
  function say(text, tone) {
    messageBox.textContent = text || "";
    messageBox.className = "gantt-message" + (text ? " gantt-message--" + (tone || "error") : "");
    messageBox.hidden = !text;
  }
  function announce(text) { statusBox.textContent = text; }

  function errorText(status, body) {
    if (status === 412) { return labels.conflict; }
    if (status === 403) { return labels.forbidden; }
    if (!body) { return labels.failed; }
    if (typeof body.detail === "string") { return body.detail; }
    var parts = [];
    Object.keys(body).forEach(function (key) {
      var value = body[key];
      if (Array.isArray(value)) { parts.push(value.join(" ")); }
      else if (typeof value === "string" && key !== "code") { parts.push(value); }
    });
    return parts.join(" ") || labels.failed;
  }

  // --- server ----------------------------------------------------------------------------------
  function send(method, url, body, version, objectId) {
    var headers = { "Accept": "application/json", "X-CSRFToken": csrf };
    if (body) { headers["Content-Type"] = "application/json"; }
    if (version !== undefined && version !== null) { headers["If-Match"] = "\"" + objectId + "-" + version + "\""; }
    state.busy = true;
    root.setAttribute("aria-busy", "true");
    return fetch(url, {
      method: method, headers: headers, credentials: "same-origin",
      body: body ? JSON.stringify(body) : undefined
    }).then(function (response) {
      if (response.ok) { return { ok: true }; }
      return response.json().catch(function () { return null; }).then(function (data) {
        return { ok: false, status: response.status, body: data };
      });
    }, function () {
      return { ok: false, status: 0, body: null };
    }).then(function (result) {
      if (result.ok) { say(""); }
      else { say(errorText(result.status, result.body), result.status === 412 ? "conflict" : "error"); }
      return reload().then(function () { return result; });
    });
  }
  function objectUrl(template, id) { return template.replace(/\/0\/$/, "/" + id + "/"); }

  function patchTask(task, changes) {
    return send("PATCH", objectUrl(taskUrl, task.id), changes, task.version, task.id).then(function (result) {
      if (result.ok) { announce(labels.saved); }
      return result;
    });
  }

  // --- the payload ----------------------------------------------------------------------------
  function toData(payload) {
    var c = {};
    payload.columns.forEach(function (name, i) { c[name] = i; });
    var ids = {};
    payload.rows.forEach(function (row) { ids[row[c.id]] = true; });
    var data = payload.rows.map(function (row) {
      var start = parseDay(row[c.start]);
      var finish = parseDay(row[c.finish]);
      var milestone = !!row[c.milestone];
      if (!start) { start = finish || parseDay(payload.today); }
      if (!finish || finish < start) { finish = start; }
      var parent = row[c.parent_id];
      var task = {
        id: row[c.id],
        parent: parent && ids[parent] ? parent : 0,
        text: row[c.name],
        wbs: row[c.wbs],
        start_date: start,
        end_date: milestone ? start : addDays(finish, 1),
        working_duration: row[c.duration],
        progress: (row[c.percent_complete] || 0) / 100,
        percent: row[c.percent_complete] || 0,
        type: milestone ? "milestone" : (row[c.summary] ? "project" : "task"),
        summary: !!row[c.summary],
        critical: !!row[c.critical],
        total_float: row[c.total_float],
        version: row[c.version],
        mode: row[c.mode],
        assignee: row[c.assignee_name] || "",
        baseline_start: parseDay(row[c.baseline_start]),
        baseline_finish: parseDay(row[c.baseline_finish]),
        deadline: parseDay(row[c.deadline]),
        issues: row[c.issues] || [],
        open: true
      };
      return task;
    });
    var lc = {};
    payload.link_columns.forEach(function (name, i) { lc[name] = i; });
    var links = payload.links.map(function (row) {
      return {
        id: row[lc.id], source: row[lc.predecessor_id], target: row[lc.successor_id],
        type: LINK_TYPES[row[lc.type]] || "0", lag: row[lc.lag], version: row[lc.version]
      };
    });
    return { data: data, links: links };
  }

  function applyPayload(payload) {
    var openState = {};
    if (!state.firstDraw) {
      gantt.eachTask(function (t) { openState[t.id] = t.$open; });
    }
    var scroll = state.firstDraw ? null : gantt.getScrollState();
    state.payload = payload;
    state.canEdit = !!payload.can_edit;
    state.nonWorking = {};
    (payload.non_working || []).forEach(function (iso) { state.nonWorking[iso] = true; });
    gantt.config.readonly = !state.canEdit;
    var t0 = performance.now();
    var parsed = toData(payload);
    var t1 = performance.now();
    parsed.data.forEach(function (t) { if (openState[t.id] === false) { t.open = false; } });
    // The time range covers the tasks, their baselines and today, with a margin (so "today" scrolls).
    var first = parseDay(payload.today), last = parseDay(payload.today);
    parsed.data.forEach(function (t) {
      [t.start_date, t.end_date, t.baseline_start, t.baseline_finish].forEach(function (d) {
        if (d && d < first) { first = d; }
        if (d && d > last) { last = d; }
      });
    });
    gantt.config.start_date = addDays(first, -14);
    gantt.config.end_date = addDays(last, 45);
    gantt.clearAll();
    gantt.parse(parsed);
    var t2 = performance.now();
    drawToday(payload.today);
    if (state.firstDraw) {
      state.firstDraw = false;
      gantt.showDate(parseDay(payload.today));
    } else if (scroll) {
      gantt.scrollTo(scroll.x, scroll.y);
    }
    // Where the time goes (read by the browser benchmark).
    state.timings = { to_data: t1 - t0, parse: t2 - t1, show: performance.now() - t2 };
    root.setAttribute("data-loaded", String(Date.now()));
    root.removeAttribute("aria-busy");
    state.busy = false;
  }

  function reload() {
    var url = dataUrl;
    var baseline = state.payload && state.payload.baseline;
    if (baseline) { url += (url.indexOf("?") < 0 ? "?" : "&") + "baseline=" + encodeURIComponent(baseline.id); }
    return fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      })
      .then(applyPayload)
      .catch(function () { say(labels.load_failed); root.removeAttribute("aria-busy"); state.busy = false; });
  }

  // --- today line (the MIT edition has no marker plugin: one div in the timeline's data area) -----
  var todayDate = null;
  function placeToday() {
    if (!todayDate || !gantt.$task_data) { return; }
    var line = gantt.$task_data.querySelector(".gantt-today");
    if (!line) {
      line = document.createElement("div");
      line.className = "gantt-today";
      line.setAttribute("aria-hidden", "true");
      gantt.$task_data.appendChild(line);
    }
    line.style.left = gantt.posFromDate(todayDate) + "px";
    line.style.height = Math.max(gantt.$task_data.scrollHeight, gantt.getVisibleTaskCount() * gantt.config.row_height) + "px";
    line.title = labels.today + " " + formatLong.format(todayDate);
  }
  function drawToday(iso) { todayDate = parseDay(iso); placeToday(); }
  gantt.attachEvent("onGanttRender", placeToday);
  gantt.attachEvent("onDataRender", placeToday);

  // --- configuration -----------------------------------------------------------------------------
  gantt.plugins({ keyboard_navigation: true });
  gantt.config.csp = true;
  gantt.config.wai_aria_attributes = true;
  gantt.config.keyboard_navigation = true;
  gantt.config.keyboard_navigation_cells = true;
  gantt.config.date_format = "%Y-%m-%d";
  gantt.config.work_time = false;
  gantt.config.round_dnd_dates = true;
  gantt.config.time_step = 24 * 60;
  gantt.config.duration_unit = "day";
  gantt.config.open_tree_initially = true;
  gantt.config.show_errors = false;
  gantt.config.smart_rendering = true;
  gantt.config.static_background = true;
  gantt.config.row_height = 34;
  gantt.config.bar_height = 16;
  gantt.config.min_column_width = 36;
  gantt.config.details_on_dblclick = false;
  gantt.config.details_on_create = false;
  gantt.config.drag_project = false;
  gantt.config.drag_multiple = false;
  gantt.config.order_branch = false;
  gantt.config.auto_types = false;
  gantt.config.show_links = true;
  gantt.config.grid_width = window.innerWidth < 700 ? 170 : 520;
  gantt.config.grid_resize = true;

  if (language.indexOf("fr") === 0) { gantt.i18n.setLocale("fr"); }

  var textEditor = { type: "text", map_to: "text" };
  var durationEditor = { type: "number", map_to: "working_duration", min: 0, max: 10000 };
  var progressEditor = { type: "number", map_to: "percent", min: 0, max: 100 };
  var startEditor = { type: "date", map_to: "start_date" };
  var narrow = window.innerWidth < 700;
  gantt.config.columns = [
    { name: "wbs", label: labels.wbs, width: 56, template: function (t) { return escapeHtml(t.wbs); } },
    { name: "text", label: labels.name, tree: true, width: narrow ? 150 : 200, resize: true, editor: textEditor,
      template: function (t) {
        if (!t.issues.length) { return escapeHtml(t.text); }
        // A problem the scheduler cannot solve (missed constraint or deadline, broken link): marked, and
        // told in the row's title (the same sentences are listed on the project page and the task table).
        return '<span class="gantt-issue" title="' + escapeHtml(t.issues.join(" ")) + '">\u26a0\ufe0e<span class="visually-hidden">' +
          escapeHtml(t.issues.join(" ")) + "</span></span> " + escapeHtml(t.text);
      } },
    { name: "start_date", label: labels.start, align: "center", width: 86, editor: startEditor,
      template: function (t) { return formatDay.format(t.start_date); } },
    { name: "finish", label: labels.finish, align: "center", width: 86,
      template: function (t) { return formatDay.format(t.type === "milestone" ? t.start_date : addDays(t.end_date, -1)); } },
    { name: "working_duration", label: labels.duration, align: "right", width: 56, editor: durationEditor,
      template: function (t) { return String(t.working_duration); } },
    { name: "percent", label: labels.progress, align: "right", width: 50, editor: progressEditor,
      template: function (t) { return t.percent + "\u00a0%"; } }
  ];
  if (narrow) { gantt.config.columns = [gantt.config.columns[0], gantt.config.columns[1]]; }


  gantt.templates.task_text = function (start, end, task) {
    return task.type === "milestone" ? "" : escapeHtml(task.text);
  };
  gantt.templates.rightside_text = function (start, end, task) {
    return task.type === "milestone" ? escapeHtml(task.text) : "";
  };
  gantt.templates.task_class = function (start, end, task) {
    var classes = [];
    if (task.critical) { classes.push("gantt-critical"); }
    if (task.summary) { classes.push("gantt-summary"); }
    if (task.mode === "manual") { classes.push("gantt-manual"); }
    if (task.issues.length) { classes.push("gantt-task--issue"); }
    return classes.join(" ");
  };
  gantt.templates.grid_row_class = function (start, end, task) {
    return task.critical ? "gantt-row--critical" : "";
  };
  gantt.templates.link_class = function (link) {
    var source = gantt.isTaskExists(link.source) && gantt.getTask(link.source);
    var target = gantt.isTaskExists(link.target) && gantt.getTask(link.target);
    return source && target && source.critical && target.critical ? "gantt-link--critical" : "";
  };
  // Non-working days are shaded at the day and week zooms (one column is one day at the first).
  function shadeDay(date) {
    var level = gantt.ext.zoom.getCurrentLevel ? gantt.ext.zoom.getCurrentLevel() : 0;
    return level === 0 && !isWorking(date) ? "gantt-nonworking" : "";
  }
  gantt.templates.timeline_cell_class = function (task, date) { return shadeDay(date); };
  gantt.templates.scale_cell_class = function (date) { return shadeDay(date); };
  gantt.templates.link_description = function (link) {
    var source = gantt.getTask(link.source), target = gantt.getTask(link.target);
    return LINK_NAMES[link.type] + " " + source.text + " → " + target.text + (link.lag ? " (" + link.lag + ")" : "");
  };
  gantt.templates.task_date = function (date) { return formatDay.format(date); };
  gantt.templates.date_grid = function (date) { return formatDay.format(date); };

  // Baseline ghost bars under today's bars.
  function addLayers() {
    addTaskLayer({
      renderer: {
        render: function (task) {
          if (!task.baseline_start || !task.baseline_finish) { return false; }
          var end = task.type === "milestone" ? task.baseline_start : addDays(task.baseline_finish, 1);
          var size = gantt.getTaskPosition(task, task.baseline_start, end);
          var el = document.createElement("div");
          el.className = "gantt-baseline" + (task.type === "milestone" ? " gantt-baseline--milestone" : "");
          el.style.left = size.left + "px";
          el.style.width = Math.max(size.width, 2) + "px";
          el.style.top = (size.top + gantt.config.bar_height + 9) + "px";
          el.setAttribute("aria-hidden", "true");
          return el;
        },
        getRectangle: function (task) {
          if (!task.baseline_start || !task.baseline_finish) { return null; }
          return gantt.getTaskPosition(task, task.baseline_start, addDays(task.baseline_finish, 1));
        }
      }
    });
  }

  // Zoom levels: day / week / month / quarter / year.
  function quarterLabel(date) { return "T" + (Math.floor(date.getMonth() / 3) + 1) + " " + date.getFullYear(); }
  if (language.indexOf("fr") !== 0) { quarterLabel = function (date) { return "Q" + (Math.floor(date.getMonth() / 3) + 1) + " " + date.getFullYear(); }; }
  var weekFormat = new Intl.DateTimeFormat(language, { day: "numeric", month: "short" });
  var monthFormat = new Intl.DateTimeFormat(language, { month: "short", year: "numeric" });
  var monthShort = new Intl.DateTimeFormat(language, { month: "short" });
  var dayNumber = function (date) { return String(date.getDate()); };
  gantt.ext.zoom.init({
    levels: [
      { name: "day", scale_height: 50, min_column_width: 30, scales: [
        { unit: "month", step: 1, format: function (d) { return monthFormat.format(d); } },
        { unit: "day", step: 1, format: dayNumber }] },
      { name: "week", scale_height: 50, min_column_width: 60, scales: [
        { unit: "month", step: 1, format: function (d) { return monthFormat.format(d); } },
        { unit: "week", step: 1, format: function (d) { return weekFormat.format(d); } }] },
      { name: "month", scale_height: 50, min_column_width: 70, scales: [
        { unit: "year", step: 1, format: "%Y" },
        { unit: "month", step: 1, format: function (d) { return monthShort.format(d); } }] },
      { name: "quarter", scale_height: 50, min_column_width: 80, scales: [
        { unit: "year", step: 1, format: "%Y" },
        { unit: "quarter", step: 1, format: quarterLabel }] },
      { name: "year", scale_height: 50, min_column_width: 90, scales: [
        { unit: "year", step: 1, format: "%Y" }] }
    ]
  });
  var initialZoom = root.getAttribute("data-zoom") || "week";
  gantt.ext.zoom.setLevel(initialZoom);

  function setZoom(name) {
    gantt.ext.zoom.setLevel(name);
    document.querySelectorAll("[data-gantt-zoom]").forEach(function (button) {
      button.setAttribute("aria-pressed", button.getAttribute("data-gantt-zoom") === name ? "true" : "false");
    });
    var exportZoom = document.getElementById("gantt-export-zoom");
    if (exportZoom) { exportZoom.value = name; }
  }

  // --- edits ----------------------------------------------------------------------------------
  gantt.attachEvent("onBeforeTaskDrag", function (id, mode) {
    if (!state.canEdit || state.busy) { return false; }
    var task = gantt.getTask(id);
    if (task.summary) { return false; }                 // a summary task rolls up its children
    if (mode === "resize" && task.type === "milestone") { return false; }
    return true;
  });
  gantt.attachEvent("onAfterTaskDrag", function (id, mode) {
    var task = gantt.getTask(id);
    var original = (state.payload && findRow(id)) || {};
    if (mode === "progress") {
      patchTask(task, { percent_complete: Math.round(task.progress * 100) });
      return;
    }
    var start = roundDay(task.start_date);
    if (mode === "resize") {
      var end = roundDay(task.end_date);
      if (end <= start) { end = addDays(start, 1); }
      // The server turns the inclusive finish into a duration in working days.
      var changes = { finish: isoDay(addDays(end, -1)) };
      if (isoDay(start) !== original.start) { changes = Object.assign(startChange(task, isoDay(start)), changes); }
      patchTask(task, changes);
      return;
    }
    patchTask(task, startChange(task, isoDay(start)));
  });
  // A new start: a manual task keeps the date it is given; an automatic one is pinned with a "start no
  // earlier than" constraint (what the server does with a start, sent as such: the scheduler then
  // moves the task and its successors together).
  function startChange(task, iso) {
    if (task.mode === "manual") { return { start: iso }; }
    return { constraint_type: "snet", constraint_date: iso };
  }
  function findRow(id) {
    var p = state.payload, c = p.columns;
    var idIndex = c.indexOf("id"), startIndex = c.indexOf("start");
    for (var i = 0; i < p.rows.length; i++) {
      if (p.rows[i][idIndex] === id) { return { start: p.rows[i][startIndex] }; }
    }
    return null;
  }

  gantt.attachEvent("onBeforeLinkAdd", function (id, link) {
    if (!state.canEdit || state.busy) { return false; }
    send("POST", linkCreateUrl, {
      predecessor: +link.source, successor: +link.target, type: LINK_NAMES[link.type] || "FS", lag: 0
    }).then(function (result) { if (result.ok) { announce(labels.link_added); } });
    return false;                                        // drawn from the server's answer
  });
  gantt.attachEvent("onLinkDblClick", function (id) {
    if (!state.canEdit || state.busy) { return false; }
    var link = gantt.getLink(id);
    if (window.confirm(labels.delete_link + "\n" + gantt.templates.link_description(link))) {
      send("DELETE", objectUrl(linkUrl, link.id), null, link.version, link.id).then(function (result) {
        if (result.ok) { announce(labels.link_deleted); }
      });
    }
    return false;
  });
  gantt.attachEvent("onBeforeLightbox", function () { return false; });

  gantt.ext.inlineEditors.attachEvent("onBeforeEditStart", function (cell) {
    if (!state.canEdit || state.busy) { return false; }
    var task = gantt.getTask(cell.id);
    if (task.summary && cell.columnName !== "text") { return false; }
    return true;
  });
  gantt.ext.inlineEditors.attachEvent("onBeforeSave", function (edit) {
    var task = gantt.getTask(edit.id);
    var changes = {};
    var value = edit.newValue;
    if (edit.columnName === "text") { changes.name = String(value).slice(0, 255); }
    else if (edit.columnName === "start_date") { changes = startChange(task, isoDay(value)); }
    else if (edit.columnName === "working_duration") { changes.duration = parseInt(value, 10); }
    else if (edit.columnName === "percent") { changes.percent_complete = parseInt(value, 10); }
    if (String(edit.newValue) !== String(edit.oldValue)) { patchTask(task, changes); }
    return false;                                        // drawn from the server's answer
  });

  // --- toolbar --------------------------------------------------------------------------------
  document.addEventListener("click", function (event) {
    var zoom = event.target.closest("[data-gantt-zoom]");
    if (zoom) { setZoom(zoom.getAttribute("data-gantt-zoom")); return; }
    if (event.target.closest("[data-gantt-today]")) { gantt.showDate(parseDay(state.payload.today)); return; }
    if (event.target.closest("[data-gantt-expand]")) { gantt.eachTask(function (t) { t.$open = true; }); gantt.render(); return; }
    if (event.target.closest("[data-gantt-collapse]")) { gantt.eachTask(function (t) { t.$open = false; }); gantt.render(); }
  });
  // Choosing a baseline reloads the page with ?baseline= (its form's "Show" button does the same).
  var baselineSelect = document.getElementById("gantt-baseline");
  if (baselineSelect) {
    baselineSelect.addEventListener("change", function () { baselineSelect.form.requestSubmit(); });
  }

  // The API answers the bench page and tests: the time the first drawing took.
  // The first payload comes with the page (json_script); later ones from the API.
  var started = performance.now();
  gantt.init(root);
  addLayers();
  setZoom(initialZoom);
  applyPayload(JSON.parse(document.getElementById("gantt-data").textContent));
  root.setAttribute("data-draw-ms", String(Math.round(performance.now() - started)));
  window.pilotisGantt = { reload: reload, state: state, setZoom: setZoom };
})();
