/* Pilotis milestone trend: draws the figure embedded by the page (json_script, see
   portfolio/scheduling/baseline_views.trend_figure) with the locally served Plotly. The same data is
   in the table beside the chart, so nothing is lost when Plotly fails to load. */
(function () {
  "use strict";

  var FONT = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif';
  var COLOURS = ["#1f3b63", "#0b6e99", "#6a4fb3", "#1d7a3b", "#a35200", "#8a2c5c", "#3d5a1e", "#5a6570"];

  function draw() {
    var element = document.getElementById("milestone-trend-chart");
    var source = element && document.getElementById(element.getAttribute("data-chart"));
    if (!element || !source || !window.Plotly) { return; }
    var figure = JSON.parse(source.textContent);
    var layout = figure.layout || {};
    layout.font = { family: FONT, size: 13, color: "#1b1f24" };
    layout.paper_bgcolor = "rgba(0,0,0,0)";
    layout.plot_bgcolor = "rgba(0,0,0,0)";
    layout.colorway = COLOURS;
    layout.hoverlabel = { font: { family: FONT } };
    window.Plotly.newPlot(element, figure.data, layout, {
      displaylogo: false,
      responsive: true,
      scrollZoom: false,
      modeBarButtons: [["toImage"]],
      locale: document.documentElement.lang || "en"
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
