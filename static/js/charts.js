// Charts are static images first. On request, load plotly.js (once) and swap the image for the
// interactive chart, at the same height so nothing on the page moves. No inline script: the
// figure comes from a JSON block, so a strict Content-Security-Policy holds.
(function () {
  "use strict";
  var loading = null;
  var messages = JSON.parse(document.getElementById("ui-messages").textContent);  // in the page's language (_ui_messages.html)

  function loadPlotly(src) {
    if (window.Plotly) return Promise.resolve();
    if (!loading) {
      loading = new Promise(function (resolve, reject) {
        var script = document.createElement("script");
        script.src = src;
        script.onload = resolve;
        script.onerror = reject;
        document.head.appendChild(script);
      });
    }
    return loading;
  }

  function explore(button) {
    var target = document.getElementById(button.getAttribute("data-target"));
    var spec = document.querySelector('script.chart-spec[data-target="' + target.id + '"]');
    var figure = JSON.parse(spec.textContent);
    button.disabled = true;
    button.textContent = messages.chartLoading;
    loadPlotly(button.getAttribute("data-plotly")).then(function () {
      var height = target.offsetHeight;
      target.style.height = height + "px";
      target.textContent = "";
      figure.layout.height = height;
      return window.Plotly.newPlot(target, figure.data, figure.layout, figure.config);
    }).then(function () {
      target.setAttribute("data-interactive", "true");
      button.textContent = messages.chartShown;
    }, function () {
      button.disabled = false;
      button.textContent = messages.chartFailed;
    });
  }

  document.querySelectorAll("button.explore-chart").forEach(function (button) {
    button.hidden = false;
    button.addEventListener("click", function () { explore(button); });
  });
})();
