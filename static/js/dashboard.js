/* Pilotis dashboard: the charts are drawn by charts.js. Here only the roadmap's data table (a row per
   project), built from the roadmap figure's data the first time it is opened, with a link per project. */
(function () {
  "use strict";

  var DAY_MS = 24 * 3600 * 1000;

  function plainText(text) {
    return String(text).replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
  }

  function fillRoadmapTable() {
    var details = document.querySelector("[data-roadmap-table]");
    var body = document.getElementById("roadmap-table-body");
    var source = document.getElementById("figure-roadmap");
    if (!details || !body || !source) { return; }
    var dates = new Intl.DateTimeFormat(document.documentElement.lang || undefined,
                                        { dateStyle: "short", timeZone: "UTC" });
    function cell(tag, text) {
      var element = document.createElement(tag);
      element.textContent = text;
      return element;
    }
    function fill() {
      if (body.childElementCount) { return; }
      var figure = JSON.parse(source.textContent);
      var trace = figure.data[0];
      var links = figure.links[0];
      var fragment = document.createDocumentFragment();
      trace.customdata.forEach(function (hover, index) {
        // hover: [code · name, status, directorate, period]; dates from the bar itself.
        var start = Date.parse(trace.base[index]);
        var end = start + trace.x[index] - DAY_MS;
        var row = document.createElement("tr");
        var header = document.createElement("th");
        header.scope = "row";
        var link = cell("a", plainText(hover[0]));
        link.href = links[index];
        header.appendChild(link);
        row.appendChild(header);
        row.appendChild(cell("td", plainText(hover[1])));
        row.appendChild(cell("td", plainText(hover[2])));
        row.appendChild(cell("td", dates.format(new Date(start))));
        row.appendChild(cell("td", dates.format(new Date(end))));
        fragment.appendChild(row);
      });
      body.appendChild(fragment);
    }
    if (details.open) { fill(); }
    details.addEventListener("toggle", function () { if (details.open) { fill(); } });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", fillRoadmapTable);
  } else {
    fillRoadmapTable();
  }
}());
