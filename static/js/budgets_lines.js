/* Budget pages (budgets, LINES part): after an htmx swap of the budget region (a reforecast), draw its
   S-curve again from the new figure JSON. Everything else works without this script. */
(function () {
  "use strict";

  function redraw(root) {
    if (!window.Plotly) { return; }
    root.querySelectorAll("[data-chart]").forEach(function (element) {
      var text = element.getAttribute("data-figure-json");
      if (!text) { return; }
      var figure = JSON.parse(text);
      if (figure.height) { element.style.height = figure.height + "px"; }
      window.Plotly.newPlot(element, figure.data, figure.layout, { displaylogo: false, responsive: true })
        .then(function () {
          element.querySelectorAll("svg.main-svg").forEach(function (svg) { svg.setAttribute("aria-hidden", "true"); });
        });
    });
  }

  document.addEventListener("htmx:afterSwap", function (event) {
    var target = event.target;
    if (target && target.id === "budget-region") {
      redraw(target);
      var alert = target.querySelector("[data-autofocus]");
      if (alert) { alert.focus(); }
    }
  });
}());
