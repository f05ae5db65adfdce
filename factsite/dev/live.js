// Dev server only (python3 build.py serve): never part of the built site.
// Listens for build results and reloads the page after a good rebuild; after a failed one it
// keeps the page (the last good build) and shows the problems panel over it. The panel comes made,
// and escaped, from the dev server (devserver.problems_panel), as it does in a page sent after a failure.
(function () {
  "use strict";
  var script = document.currentScript;
  var shown = script ? Number(script.getAttribute("data-build")) : NaN; // the build this page came from
  var PANEL = "factsite-dev-problems"; // devserver.PANEL_ID

  function panel(status) {
    var old = document.getElementById(PANEL);
    if (old) old.remove();
    if (!status.ok) document.body.insertAdjacentHTML("afterbegin", status.panel);
  }

  function connect() {
    var events = new EventSource("/__factsite/events");
    events.addEventListener("status", function (event) {
      var status = JSON.parse(event.data);
      if (status.ok && status.build !== shown) {
        events.close();
        window.location.reload();
        return;
      }
      panel(status);
    });
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", connect);
  } else {
    connect();
  }
})();
