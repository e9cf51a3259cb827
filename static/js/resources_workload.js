// The workload tab: a focused cell selects its figure, so that typing replaces it.
(function () {
  "use strict";
  document.addEventListener("focusin", function (event) {
    var target = event.target;
    if (target && target.classList && target.classList.contains("wl-input")) {
      target.select();
    }
  });
})();
