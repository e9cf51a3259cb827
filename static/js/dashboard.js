/* Pilotis dashboard: draws the charts with the locally served Plotly from the JSON embedded
   by the page (json_script "dashboard-data"). Every chart has a data table in the page, so
   nothing is lost when Plotly fails to load; the roadmap's table (a row per project) is built
   here from the same data, and links to the project list for pages read without scripts. */
(function () {
  "use strict";

  var DAY_MS = 24 * 3600 * 1000;
  var FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif';
  var AXIS_COLOURS = ["#1f3b63", "#0b6e99", "#6a4fb3", "#1d7a3b", "#a35200", "#8a2c5c", "#3d5a1e", "#5a6570"];
  var CONFIG = {
    displaylogo: false,
    responsive: true,
    scrollZoom: false,
    modeBarButtons: [["toImage"]],
    toImageButtonOptions: { format: "png", scale: 2 }
  };

  function baseLayout(extra) {
    var layout = {
      font: { family: FONT, size: 13, color: "#1b1f24" },
      margin: { l: 48, r: 16, t: 12, b: 48 },
      paper_bgcolor: "rgba(0,0,0,0)",
      plot_bgcolor: "rgba(0,0,0,0)",
      hoverlabel: { font: { family: FONT } },
      showlegend: false,
      bargap: 0.3
    };
    Object.keys(extra || {}).forEach(function (key) { layout[key] = extra[key]; });
    return layout;
  }

  function truncate(text, length) {
    return text.length > length ? text.slice(0, length - 1) + "…" : text;
  }

  function draw(id, traces, layout) {
    var element = document.getElementById(id);
    if (!element) { return null; }
    window.Plotly.newPlot(element, traces, layout, CONFIG).then(function () {
      // The drawing repeats the summary and the table beside it: keep screen readers on those.
      element.querySelectorAll("svg.main-svg").forEach(function (svg) {
        svg.setAttribute("aria-hidden", "true");
      });
    });
    return element;
  }

  // Whole numbers only on count axes; a step of 1 while the counts are small.
  function countAxis(maxValue, title) {
    var axis = { title: { text: title }, rangemode: "tozero", tickformat: "d", automargin: true };
    if (maxValue <= 8) { axis.dtick = 1; }
    return axis;
  }

  function maxOf(values) {
    return values.reduce(function (a, b) { return Math.max(a, b); }, 0);
  }

  function drawStatus(data) {
    var counts = data.statuses.map(function (s) { return s.count; });
    draw("chart-status", [{
      type: "bar",
      x: data.statuses.map(function (s) { return s.label; }),
      y: counts,
      marker: { color: data.statuses.map(function (s) { return s.colour; }) },
      text: counts.map(String),
      textposition: "outside",
      cliponaxis: false,
      hovertemplate: "%{x}: %{y}<extra></extra>"
    }], baseLayout({ yaxis: countAxis(maxOf(counts), data.text.projects), xaxis: { automargin: true },
                     margin: { l: 48, r: 16, t: 24, b: 40 } }));
  }

  function drawDirectorates(data) {
    if (!data.directorates.length) { return; }
    var names = data.directorates.map(function (d) { return truncate(d.name, 40); });
    var counts = data.directorates.map(function (d) { return d.count; });
    var element = document.getElementById("chart-directorate");
    if (element) { element.style.height = Math.max(220, names.length * 22 + 70) + "px"; }
    draw("chart-directorate", [{
      type: "bar",
      orientation: "h",
      y: names,
      x: counts,
      customdata: data.directorates.map(function (d) { return d.name; }),
      marker: { color: "#1f3b63" },
      text: counts.map(String),
      textposition: "outside",
      cliponaxis: false,
      hovertemplate: "%{customdata}: %{x}<extra></extra>"
    }], baseLayout({
      margin: { l: 16, r: 32, t: 8, b: 40 },
      bargap: 0.25,
      yaxis: { automargin: true, categoryorder: "array", categoryarray: names, autorange: "reversed" },
      xaxis: countAxis(maxOf(counts), data.text.projects)
    }));
  }

  function drawObjectives(data) {
    if (!data.objectives.length) { return; }
    var axes = [];
    var byAxis = {};
    data.objectives.forEach(function (o) {
      if (!byAxis[o.axis]) { byAxis[o.axis] = []; axes.push(o.axis); }
      byAxis[o.axis].push(o);
    });
    var categories = data.objectives.map(function (o) { return truncate(o.code + " · " + o.name, 48); });
    var traces = axes.map(function (axis, index) {
      var rows = byAxis[axis];
      return {
        type: "bar",
        orientation: "h",
        name: truncate(axis, 60),
        y: rows.map(function (o) { return truncate(o.code + " · " + o.name, 48); }),
        x: rows.map(function (o) { return o.count; }),
        customdata: rows.map(function (o) { return [o.name, o.active, axis]; }),
        marker: { color: AXIS_COLOURS[index % AXIS_COLOURS.length] },
        hovertemplate: "<b>%{customdata[0]}</b><br>%{customdata[2]}<br>" + data.text.projects +
          ": %{x}<br>" + data.text.activeProjects + ": %{customdata[1]}<extra></extra>"
      };
    });
    var element = document.getElementById("chart-objective");
    if (element) { element.style.height = Math.max(220, categories.length * 30 + 110) + "px"; }
    draw("chart-objective", traces, baseLayout({
      showlegend: true,
      legend: { orientation: "h", x: 0, y: 1.02, yanchor: "bottom", traceorder: "normal" },
      margin: { l: 16, r: 16, t: 40, b: 40 },
      yaxis: { automargin: true, categoryorder: "array", categoryarray: categories, autorange: "reversed" },
      xaxis: countAxis(maxOf(data.objectives.map(function (o) { return o.count; })), data.text.projects)
    }));
  }

  function drawRoadmap(data) {
    if (!data.roadmap.length) { return; }
    var colours = {};
    data.statuses.forEach(function (s) { colours[s.key] = s; });
    var codes = data.roadmap.map(function (p) { return p.code; });
    var traces = data.statuses.map(function (status) {
      var rows = data.roadmap.filter(function (p) { return p.status === status.key; });
      return {
        type: "bar",
        orientation: "h",
        name: status.label,
        y: rows.map(function (p) { return p.code; }),
        base: rows.map(function (p) { return p.start; }),
        // Durations in milliseconds on a date axis; the end day is included.
        x: rows.map(function (p) { return Date.parse(p.end) - Date.parse(p.start) + DAY_MS; }),
        customdata: rows.map(function (p) {
          return [p.name, p.status_label, p.start, p.end, p.url, p.directorate];
        }),
        marker: { color: status.colour },
        hovertemplate: "<b>%{y} · %{customdata[0]}</b><br>%{customdata[1]} · %{customdata[5]}<br>" +
          data.text.from + " %{customdata[2]} " + data.text.to + " %{customdata[3]}<extra></extra>"
      };
    }).filter(function (trace) { return trace.y.length > 0; });
    var element = document.getElementById("chart-roadmap");
    if (!element) { return; }
    element.style.height = Math.max(200, codes.length * 24 + 110) + "px";
    draw("chart-roadmap", traces, baseLayout({
      showlegend: true,
      legend: { orientation: "h", x: 0, y: 1, yanchor: "top", yref: "container" },
      barmode: "overlay",
      bargap: 0.25,
      margin: { l: 16, r: 16, t: 72, b: 16 },
      // Dates on top: the chart scrolls vertically when the roadmap is long.
      xaxis: { type: "date", side: "top", automargin: true, gridcolor: "#e3e6ea" },
      yaxis: { type: "category", automargin: true, categoryorder: "array", categoryarray: codes,
               autorange: "reversed" },
      shapes: [{ type: "line", xref: "x", yref: "paper", x0: data.today, x1: data.today, y0: 0, y1: 1,
                 line: { color: "#a4262c", width: 2, dash: "dot" } }],
      annotations: [{ xref: "x", yref: "paper", x: data.today, y: 1, yanchor: "top", xanchor: "left",
                      showarrow: false, text: data.text.today, bgcolor: "rgba(255,255,255,0.85)",
                      font: { color: "#a4262c" } }]
    }));
    element.on("plotly_click", function (event) {
      var point = event && event.points && event.points[0];
      var url = point && point.customdata && point.customdata[4];
      if (url && url.charAt(0) === "/") { window.location.assign(url); }
    });
  }

  function drawTrend(data) {
    if (!data.trend.days.length) { return; }
    var traces = data.trend.series.map(function (series) {
      return {
        type: "scatter",
        mode: data.trend.days.length > 1 ? "lines+markers" : "markers",
        name: series.label,
        x: data.trend.days,
        y: series.values,
        line: { color: series.colour, width: 2 },
        marker: { color: series.colour, size: 6 },
        hovertemplate: series.label + ": %{y}<extra>%{x}</extra>"
      };
    });
    draw("chart-trend", traces, baseLayout({
      showlegend: true,
      legend: { orientation: "h", y: -0.2, x: 0, yanchor: "top" },
      margin: { l: 48, r: 16, t: 12, b: 40 },
      xaxis: { type: "date", automargin: true },
      yaxis: countAxis(maxOf(data.trend.series.map(function (s) { return maxOf(s.values); })), data.text.projects)
    }));
  }

  // The roadmap's data table: built from the chart's data the first time it is opened.
  function fillRoadmapTable(data) {
    var details = document.querySelector("[data-roadmap-table]");
    var body = document.getElementById("roadmap-table-body");
    if (!details || !body) { return; }
    var dates = new Intl.DateTimeFormat(document.documentElement.lang || undefined,
                                        { dateStyle: "short", timeZone: "UTC" });
    function cell(tag, text) {
      var element = document.createElement(tag);
      element.textContent = text;
      return element;
    }
    function fill() {
      if (body.childElementCount) { return; }
      var fragment = document.createDocumentFragment();
      data.roadmap.forEach(function (p) {
        var row = document.createElement("tr");
        var header = document.createElement("th");
        header.scope = "row";
        var link = cell("a", p.code + " · " + p.name);
        link.href = p.url;
        header.appendChild(link);
        row.appendChild(header);
        row.appendChild(cell("td", p.status_label));
        row.appendChild(cell("td", p.directorate));
        row.appendChild(cell("td", dates.format(new Date(p.start))));
        row.appendChild(cell("td", dates.format(new Date(p.end))));
        fragment.appendChild(row);
      });
      body.appendChild(fragment);
    }
    if (details.open) { fill(); }
    details.addEventListener("toggle", function () { if (details.open) { fill(); } });
  }

  function init() {
    var source = document.getElementById("dashboard-data");
    if (!source) { return; }
    var data = JSON.parse(source.textContent);
    fillRoadmapTable(data);
    if (!window.Plotly) {
      document.documentElement.classList.add("no-charts");
      return;
    }
    if (data.locale && data.locale.name) {
      // Month and day names of the date axes, in the page's language (from Django's translations).
      window.Plotly.register({ moduleType: "locale", name: data.locale.name,
                               dictionary: data.locale.dictionary, format: data.locale.format });
      CONFIG.locale = data.locale.name;
    }
    [drawStatus, drawDirectorates, drawObjectives, drawRoadmap, drawTrend].forEach(function (fn) {
      try { fn(data); } catch (error) { window.console.error(error); }
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
