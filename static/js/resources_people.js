/* The resource page: absences edited inline (htmx) refresh the capacity table and chart. */
(function () {
  "use strict";

  // A refused absence (400: the form says why; 409: changed meanwhile) still replaces the section.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    var target = event.detail.target;
    if (xhr && target && target.id === "absences" && (xhr.status === 400 || xhr.status === 409)) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  function redrawCapacity() {
    var element = document.getElementById("capacity-chart");
    var script = document.getElementById("figure-capacity");
    if (!element || !script || !window.Plotly) { return; }
    var figure;
    try { figure = JSON.parse(script.textContent); } catch (error) { return; }
    var config = { displaylogo: false, responsive: true, displayModeBar: false };
    var layout = Object.assign({}, figure.layout, { height: figure.height });
    window.Plotly.react(element, figure.data, layout, config);
  }

  // The capacity section arrives out of band with the absences: draw its chart again.
  document.addEventListener("htmx:afterSettle", function (event) {
    if (event.detail.target && event.detail.target.id === "absences") {
      redrawCapacity();
      var summary = document.querySelector("#absences .error-summary");
      if (summary) { summary.focus(); }
    }
  });
}());
