/* Budget pages (budgets, LINES part): after an htmx swap of the budget region (a reforecast), draw its
   S-curve again from the new figure JSON. Everything else works without this script. */
(function () {
  "use strict";

  function redraw(root) {
    if (!window.Plotly) { return; }
    root.querySelectorAll("[data-chart]").forEach(function (element) {
      var source = document.getElementById(element.getAttribute("data-chart"));
      if (!source) { return; }
      var figure = JSON.parse(source.textContent);
      if (figure.height) { element.style.height = figure.height + "px"; }
      window.Plotly.newPlot(element, figure.data, figure.layout, { displaylogo: false, responsive: true })
        .then(function () {
          element.querySelectorAll("svg.main-svg").forEach(function (svg) { svg.setAttribute("aria-hidden", "true"); });
        });
    });
  }

  document.addEventListener("htmx:afterSettle", function (event) {
    var target = event.detail && event.detail.target;
    if (target && target.id === "budget-region") {
      redraw(target);
      var alert = target.querySelector("[data-autofocus]");
      if (alert) { alert.focus(); }
    }
  });
}());
