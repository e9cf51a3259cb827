// Flash report form: "Add a row" fetches an empty item row (the button also works without JavaScript:
// it posts the form, which comes back with one more row and nothing lost).
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-add-item]");
    if (!button) return;
    event.preventDefault();
    var counter = document.getElementById("item-count");
    var index = parseInt(counter.value, 10) || 0;
    fetch(button.dataset.rowUrl + "?index=" + index, { credentials: "same-origin", headers: { "HX-Request": "true" } })
      .then(function (response) { if (!response.ok) throw new Error(response.status); return response.text(); })
      .then(function (html) {
        var body = document.getElementById("flash-items");
        body.insertAdjacentHTML("beforeend", html);
        counter.value = String(index + 1);
        var row = document.getElementById("item-row-" + index);
        var first = row && row.querySelector("select, textarea");
        if (first) first.focus();
      })
      .catch(function () { button.form.requestSubmit(button); });
  });
  document.addEventListener("change", function (event) {
    var box = event.target.closest("[data-remove-row]");
    if (!box) return;
    var row = box.closest("tr");
    if (row) row.classList.toggle("flash-item--removed", box.checked);
  });
})();
