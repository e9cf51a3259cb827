// Timesheet grid: live day totals against working time, arrow keys between cells.
(function () {
  "use strict";
  function parse(value) {
    var number = parseFloat(String(value || "").replace(",", "."));
    return isNaN(number) ? 0 : number;
  }
  function refresh(form) {
    var totals = {};
    form.querySelectorAll(".ts-input").forEach(function (input) {
      totals[input.dataset.day] = (totals[input.dataset.day] || 0) + parse(input.value);
    });
    form.querySelectorAll("[data-total-for]").forEach(function (cell) {
      var day = cell.dataset.totalFor;
      var total = Math.round((totals[day] || 0) * 1000) / 1000;
      var working = form.querySelector('[data-working-for="' + day + '"]');
      var separator = cell.closest("[data-decimal-separator]");
      var text = total ? String(total) : "0";
      cell.textContent = separator ? text.replace(".", separator.dataset.decimalSeparator || ".") : text;
      cell.classList.toggle("ts-over", working !== null && total > parse(working.dataset.working) + 1e-9);
    });
  }
  function move(input, key) {
    var cell = input.closest("td");
    var row = input.closest("tr");
    var index = Array.prototype.indexOf.call(row.children, cell);
    var target = null;
    if (key === "ArrowRight" || key === "ArrowLeft") {
      var sibling = key === "ArrowRight" ? cell.nextElementSibling : cell.previousElementSibling;
      target = sibling && sibling.querySelector(".ts-input");
    } else {
      var other = key === "ArrowDown" ? row.nextElementSibling : row.previousElementSibling;
      target = other && other.children[index] && other.children[index].querySelector(".ts-input");
    }
    if (target) { target.focus(); target.select(); return true; }
    return false;
  }
  document.addEventListener("input", function (event) {
    if (event.target.classList && event.target.classList.contains("ts-input")) {
      refresh(event.target.form);
    }
  });
  document.addEventListener("keydown", function (event) {
    var input = event.target;
    if (!input.classList || !input.classList.contains("ts-input")) return;
    if (["ArrowRight", "ArrowLeft", "ArrowUp", "ArrowDown"].indexOf(event.key) === -1) return;
    var atEdge = event.key === "ArrowUp" || event.key === "ArrowDown" ||
      (event.key === "ArrowRight" && input.selectionStart === input.value.length) ||
      (event.key === "ArrowLeft" && input.selectionStart === 0);
    if (atEdge && move(input, event.key)) event.preventDefault();
  });
})();
