/* Pilotis: the portfolio roadmap, read-only, drawn by the vendored dhtmlx-gantt 10 from the payload
   the page embeds (json_script "roadmap-data"; portfolio.scheduling.roadmap.roadmap_payload).
   Groups are summary rows; a project is a bar over its forecast (planned when it has no schedule),
   with its milestones as diamonds and the chosen baseline's approved plan as a ghost bar under it.
   A click (or Enter) on a project opens it. */
(function () {
  "use strict";

  var root = document.getElementById("roadmap");
  if (!root || !window.gantt) { return; }
  var gantt = window.gantt;
  var payload = JSON.parse(document.getElementById("roadmap-data").textContent);
  var labels = JSON.parse(document.getElementById("roadmap-labels").textContent);
  var language = document.documentElement.lang || "en";

  var parseDay = window.PilotisGantt.parseDay;
  var addDays = window.PilotisGantt.addDays;
  var escapeHtml = window.PilotisGantt.escapeHtml;
  var addTaskLayer = window.PilotisGantt.addTaskLayer;
  var badgesOf = window.PilotisGantt.badges;
  var badgesHtml = window.PilotisGantt.badgesHtml;
  var extensions = payload.extensions || {};
  var formatDay = new Intl.DateTimeFormat(language, { day: "2-digit", month: "2-digit", year: "numeric" });
  var today = parseDay(payload.today);

  var c = {};
  payload.columns.forEach(function (name, i) { c[name] = i; });
  var mc = {};
  payload.milestone_columns.forEach(function (name, i) { mc[name] = i; });
  var milestonesByProject = {};
  payload.milestones.forEach(function (row) {
    var list = milestonesByProject[row[mc.project_id]] || (milestonesByProject[row[mc.project_id]] = []);
    list.push({ name: row[mc.name], date: parseDay(row[mc.date]), baseline: parseDay(row[mc.baseline_date]) });
  });

  var data = [];
  var groupIds = {};
  payload.groups.forEach(function (group, index) {
    var id = "g" + index;
    groupIds[String(group[0])] = id;
    data.push({ id: id, text: group[1], type: "project", open: true, group: true, unscheduled: false,
                start_date: today, end_date: addDays(today, 1) });
  });
  payload.rows.forEach(function (row, index) {
    var start = parseDay(row[c.start]);
    var finish = parseDay(row[c.finish]);
    var baselineFinish = parseDay(row[c.baseline_finish]);
    data.push({
      id: "p" + index,
      project_id: row[c.id],
      parent: groupIds[String(row[c.group])] || 0,
      text: row[c.code] + " – " + row[c.name],
      status: row[c.status],
      url: row[c.url],
      start_date: start || today,
      end_date: finish ? addDays(finish, 1) : addDays(start || today, 1),
      unscheduled: !start || !finish,
      late: !!(finish && baselineFinish && finish > baselineFinish),
      baseline_start: parseDay(row[c.baseline_start]),
      baseline_finish: baselineFinish,
      badges: badgesOf(extensions[String(row[c.id])]),
      type: "task"
    });
  });

  gantt.plugins({ keyboard_navigation: true });
  gantt.config.csp = true;
  gantt.config.readonly = true;
  gantt.config.wai_aria_attributes = true;
  gantt.config.keyboard_navigation = true;
  gantt.config.show_unscheduled = true;
  gantt.config.smart_rendering = true;
  gantt.config.row_height = 34;
  gantt.config.bar_height = 16;
  gantt.config.autosize = "y";
  gantt.config.autosize_min_width = 0;
  gantt.config.show_links = false;
  gantt.config.work_time = false;
  gantt.config.details_on_dblclick = false;
  gantt.config.auto_types = false;
  gantt.config.grid_width = window.innerWidth < 700 ? 170 : 360;
  if (language.indexOf("fr") === 0) { gantt.i18n.setLocale("fr"); }
  gantt.config.columns = [
    { name: "text", label: labels.project, tree: true, width: "*",
      template: function (t) { return (t.badges ? badgesHtml(t.badges) : "") + escapeHtml(t.text); } }
  ];
  if (window.innerWidth >= 700) {
    gantt.config.columns.push({ name: "finish", label: labels.finish, align: "center", width: 100,
      template: function (t) { return t.group || t.unscheduled ? "" : formatDay.format(addDays(t.end_date, -1)); } });
  }
  gantt.templates.task_text = function (start, end, task) { return task.group ? "" : escapeHtml(task.text); };
  gantt.templates.task_class = function (start, end, task) {
    if (task.group) { return "roadmap-group"; }
    return (task.late ? "roadmap-late " : "") + "roadmap-status--" + task.status;
  };
  gantt.templates.grid_row_class = function (start, end, task) { return task.group ? "roadmap-group-row" : ""; };
  // Also the bars' accessible name (aria-label).
  gantt.templates.tooltip_text = function (start, end, task) {
    if (task.group) { return escapeHtml(task.text); }
    var said = (task.badges || []).map(function (b) { return ", " + escapeHtml(b.label + ": " + b.text); }).join("");
    if (task.unscheduled) { return escapeHtml(task.text) + said; }
    return escapeHtml(task.text) + ", " + formatDay.format(start) + " – " + formatDay.format(addDays(end, -1)) + said;
  };

  function addLayers() {
    addTaskLayer({
      renderer: {
        render: function (task) {
          if (task.group) { return false; }
          var wrapper = document.createElement("div");
          wrapper.setAttribute("aria-hidden", "true");
          if (task.baseline_start && task.baseline_finish) {
            var size = gantt.getTaskPosition(task, task.baseline_start, addDays(task.baseline_finish, 1));
            var ghost = document.createElement("div");
            ghost.className = "gantt-baseline";
            ghost.style.left = size.left + "px";
            ghost.style.width = Math.max(size.width, 2) + "px";
            ghost.style.top = (size.top + gantt.config.bar_height + 9) + "px";
            wrapper.appendChild(ghost);
          }
          (milestonesByProject[task.project_id] || []).forEach(function (milestone) {
            [[milestone.date, ""], [milestone.baseline, " roadmap-milestone--ghost"]].forEach(function (item) {
              if (!item[0]) { return; }
              var pos = gantt.getTaskPosition(task, item[0], item[0]);
              var diamond = document.createElement("div");
              diamond.className = "roadmap-milestone" + item[1];
              diamond.style.left = pos.left + "px";
              diamond.style.top = (pos.top + (item[1] ? gantt.config.bar_height + 6 : 2)) + "px";
              diamond.title = milestone.name + " " + formatDay.format(item[0]);
              wrapper.appendChild(diamond);
            });
          });
          return wrapper.childNodes.length ? wrapper : false;
        }
      }
    });
  }

  function quarterLabel(date) {
    return (language.indexOf("fr") === 0 ? "T" : "Q") + (Math.floor(date.getMonth() / 3) + 1) + " " + date.getFullYear();
  }
  var monthShort = new Intl.DateTimeFormat(language, { month: "short" });
  gantt.ext.zoom.init({
    levels: [
      { name: "month", scale_height: 50, min_column_width: 60, scales: [
        { unit: "year", step: 1, format: "%Y" }, { unit: "month", step: 1, format: function (d) { return monthShort.format(d); } }] },
      { name: "quarter", scale_height: 50, min_column_width: 80, scales: [
        { unit: "year", step: 1, format: "%Y" }, { unit: "quarter", step: 1, format: quarterLabel }] },
      { name: "year", scale_height: 50, min_column_width: 100, scales: [{ unit: "year", step: 1, format: "%Y" }] }
    ]
  });
  gantt.ext.zoom.setLevel("quarter");

  // Today: one line in the timeline's data area (the MIT edition has no marker plugin).
  function placeToday() {
    if (!gantt.$task_data) { return; }
    var line = gantt.$task_data.querySelector(".gantt-today");
    if (!line) {
      line = document.createElement("div");
      line.className = "gantt-today";
      line.setAttribute("aria-hidden", "true");
      line.title = labels.today;
      gantt.$task_data.appendChild(line);
    }
    line.style.left = gantt.posFromDate(today) + "px";
    line.style.height = Math.max(gantt.$task_data.scrollHeight, gantt.getVisibleTaskCount() * gantt.config.row_height) + "px";
  }
  gantt.attachEvent("onGanttRender", placeToday);
  gantt.attachEvent("onDataRender", placeToday);

  function open(id) {
    var task = gantt.isTaskExists(id) && gantt.getTask(id);
    if (task && task.url) { window.location.href = task.url; }
  }
  gantt.attachEvent("onTaskClick", function (id) { open(id); return false; });
  gantt.attachEvent("onTaskDblClick", function () { return false; });
  gantt.ext.keyboardNavigation.addShortcut("enter", function () {
    open(this.taskId);
  }, "taskRow");

  document.addEventListener("click", function (event) {
    var zoom = event.target.closest("[data-roadmap-zoom]");
    if (zoom) {
      gantt.ext.zoom.setLevel(zoom.getAttribute("data-roadmap-zoom"));
      document.querySelectorAll("[data-roadmap-zoom]").forEach(function (button) {
        button.setAttribute("aria-pressed", button === zoom ? "true" : "false");
      });
      return;
    }
    if (event.target.closest("[data-roadmap-today]")) { gantt.showDate(today); }
  });

  try {
    gantt.init(root);
    addLayers();
    gantt.parse({ data: data, links: [] });
    gantt.showDate(today);
    root.setAttribute("data-loaded", "1");
  } catch (error) {
    var box = document.getElementById("roadmap-message");
    box.textContent = labels.load_failed;
    box.hidden = false;
    throw error;
  }
})();
