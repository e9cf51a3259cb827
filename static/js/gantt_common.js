/* Helpers shared by the project Gantt (gantt.js) and the portfolio roadmap (roadmap.js), both drawn
   with dhtmlx-gantt. Loaded before them; exposes window.PilotisGantt. */
(function () {
  "use strict";

  // "2025-03-01" → a local Date at midnight (no time-zone shift), or null.
  function parseDay(iso) {
    if (!iso) { return null; }
    var p = iso.split("-");
    return new Date(+p[0], +p[1] - 1, +p[2]);
  }
  function addDays(date, n) { return new Date(date.getFullYear(), date.getMonth(), date.getDate() + n); }
  function escapeHtml(text) {
    return String(text === null || text === undefined ? "" : text)
      .replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;")
      .replace(/"/g, "&quot;").replace(/'/g, "&#39;");
  }
  // Extra drawings in the timeline's rows (virtualised with them). The MIT edition removes the public
  // gantt.addTaskLayer(); the same call on the layers service it wraps exists once gantt.init() ran.
  function addTaskLayer(layer) {
    if (window.gantt.addTaskLayer) { return window.gantt.addTaskLayer(layer); }
    var render = window.gantt.$services.getService("layers").getDataRender("task");
    layer.view = "timeline";
    return render.addLayer(layer);
  }

  // What other apps say about a project and give a badge for (ppm.slots.extension_badges, the same walk:
  // the latest weather…): [{label, text, icon}] by extension name.
  function badges(extensions) {
    var list = [];
    Object.keys(extensions || {}).sort().forEach(function (name) {
      var badge = extensions[name] && extensions[name].badge;
      if (badge && badge.text) { list.push(badge); }
    });
    return list;
  }
  // Their icons, for a grid cell; each icon's text alternative says "label: text".
  function badgesHtml(list) {
    return list.map(function (badge) {
      var words = badge.label + ": " + badge.text;
      return badge.icon ? '<img class="gantt-badge" src="' + escapeHtml(badge.icon) + '" alt="' + escapeHtml(words) +
        '" title="' + escapeHtml(words) + '" width="16" height="16">' : "";
    }).join("");
  }

  window.PilotisGantt = {
    parseDay: parseDay, addDays: addDays, escapeHtml: escapeHtml, addTaskLayer: addTaskLayer,
    badges: badges, badgesHtml: badgesHtml
  };
})();
