// Quick exit: leave for a neutral site at once, replacing this page in the history so Back does not
// return here. Also on pressing Shift three times within two seconds (GOV.UK's "Exit this page").
(function () {
  "use strict";
  var link = document.querySelector("a.quick-exit");
  if (!link) return;
  var destination = link.getAttribute("href");
  function leave(event) {
    if (event) event.preventDefault();
    document.body.style.visibility = "hidden";
    document.title = "Weather";
    window.location.replace(destination);
  }
  link.addEventListener("click", leave);
  var presses = [];
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Shift" || event.repeat) return;
    var now = Date.now();
    presses = presses.filter(function (t) { return now - t < 2000; });
    presses.push(now);
    if (presses.length >= 3) leave();
  });
})();
