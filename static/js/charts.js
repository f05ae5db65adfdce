// Draws every chart on the page from its JSON spec (no inline script, so a strict CSP holds).
(function () {
  "use strict";
  function draw() {
    if (!window.Plotly) return;
    document.querySelectorAll("script.chart-spec").forEach(function (spec) {
      var target = document.getElementById(spec.getAttribute("data-target"));
      if (!target) return;
      var figure = JSON.parse(spec.textContent);
      window.Plotly.newPlot(target, figure.data, figure.layout, figure.config).then(function () {
        target.setAttribute("data-drawn", "true");
      });
    });
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", draw);
  } else {
    draw();
  }
})();
