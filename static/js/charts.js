/* Pilotis charts: draws every `[data-chart="<json script id>"]` element with the locally served Plotly,
   from the figure JSON built by ppm.charts (shipped with json_script: no inline script, CSP-safe), in the
   page's language (json_script "chart-locale"). Selecting a bar or a point opens the figure's link for it;
   the data tables beside the charts hold the same links for keyboard and screen-reader users.
   Every chart has its data in the page: nothing is lost when Plotly fails to load. */
(function () {
  "use strict";

  var COMPACT_WIDTH = 576; // 36 rem: phones get shorter labels and margins
  var CONFIG = {
    displaylogo: false,
    responsive: true,
    scrollZoom: false,
    modeBarButtons: [["toImage"]],
    toImageButtonOptions: { format: "png", scale: 2 }
  };
  var figures = {};

  function readJson(id) {
    var source = document.getElementById(id);
    return source ? JSON.parse(source.textContent) : null;
  }

  function merge(target, extra) {
    Object.keys(extra || {}).forEach(function (key) {
      var value = extra[key];
      if (value && typeof value === "object" && !Array.isArray(value) && target[key] && typeof target[key] === "object") {
        merge(target[key], value);
      } else {
        target[key] = value;
      }
    });
    return target;
  }

  // The data and layout for the element's current width: the figure's compact variant on phones.
  function plotFor(element, figure) {
    var data = JSON.parse(JSON.stringify(figure.data));
    var layout = JSON.parse(JSON.stringify(figure.layout));
    var compact = figure.compact;
    if (compact && element.clientWidth < COMPACT_WIDTH) {
      merge(layout, compact.layout);
      Object.keys(compact.ticktext || {}).forEach(function (axis) {
        var key = axis + "axis";
        if (layout[key]) { layout[key].ticktext = compact.ticktext[axis]; }
      });
      (compact.names || []).forEach(function (name, index) {
        if (data[index]) { data[index].name = name; }
      });
    }
    return { data: data, layout: layout };
  }

  function linkOf(figure, point) {
    var links = figure.links && figure.links[point.curveNumber];
    var index = point.pointNumber !== undefined ? point.pointNumber : point.pointIndex;
    // A heatmap's point is [row, column]: its links are a list of rows.
    var url = Array.isArray(index) ? links && links[index[0]] && links[index[0]][index[1]] : links && links[index];
    // Only the application's own pages.
    return typeof url === "string" && url.charAt(0) === "/" && url.charAt(1) !== "/" ? url : null;
  }

  function draw(element) {
    var figure = readJson(element.getAttribute("data-chart"));
    if (!figure) { return; }
    figures[element.id] = figure;
    if (figure.height) { element.style.height = figure.height + "px"; }
    var compactNow = element.clientWidth < COMPACT_WIDTH;
    var plot = plotFor(element, figure);
    window.Plotly.newPlot(element, plot.data, plot.layout, CONFIG).then(function () {
      // The drawing repeats the summary and the table beside it: keep screen readers on those.
      element.querySelectorAll("svg.main-svg").forEach(function (svg) {
        svg.setAttribute("aria-hidden", "true");
      });
    });
    if (figure.links && figure.links.some(function (links) { return links.some(Boolean); })) {
      element.classList.add("chart__plot--linked");
      element.on("plotly_click", function (event) {
        var url = event && event.points && event.points[0] && linkOf(figure, event.points[0]);
        if (url) { window.location.assign(url); }
      });
    }
    if (figure.compact && window.ResizeObserver) {
      new window.ResizeObserver(function () {
        var compact = element.clientWidth < COMPACT_WIDTH;
        if (compact !== compactNow) {
          compactNow = compact;
          var next = plotFor(element, figure);
          window.Plotly.react(element, next.data, next.layout, CONFIG);
        }
      }).observe(element);
    }
  }

  function init() {
    var elements = document.querySelectorAll("[data-chart]");
    if (!elements.length) { return; }
    if (!window.Plotly) {
      document.documentElement.classList.add("no-charts");
      return;
    }
    var locale = readJson("chart-locale");
    if (locale && locale.name) {
      // Month and day names of the date axes, in the page's language (from Django's translations).
      window.Plotly.register({ moduleType: "locale", name: locale.name,
                               dictionary: locale.dictionary, format: locale.format });
      CONFIG.locale = locale.name;
    }
    elements.forEach(function (element) {
      try { draw(element); } catch (error) { window.console.error(error); }
    });
  }

  // For page scripts that build tables from a figure's data (e.g. the roadmap's).
  window.PilotisCharts = {
    figure: function (id) { return figures[id] || null; },
    // Plotly text is HTML-escaped by ppm.charts.plotly_text: back to plain text for textContent.
    plainText: function (text) {
      return String(text).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
    }
  };

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
}());
