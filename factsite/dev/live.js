// Dev server only (python3 build.py serve): never part of the built site.
// Listens for build results and reloads the page after a good rebuild; after a failed one it
// keeps the page (the last good build) and lists the problems in a panel over it.
(function () {
  "use strict";
  var script = document.currentScript;
  var shown = script ? Number(script.getAttribute("data-build")) : NaN; // the build this page came from
  var PANEL = "factsite-dev-problems";

  function panel(status) {
    var old = document.getElementById(PANEL);
    if (old) old.remove();
    if (status.ok) return;
    var box = document.createElement("section");
    box.id = PANEL;
    box.setAttribute("role", "alert");
    box.setAttribute("aria-label", "Build problems");
    box.style.cssText = "position:fixed;left:0;right:0;bottom:0;max-height:60vh;overflow:auto;z-index:2147483647;" +
      "margin:0;padding:1rem 1.25rem;background:#fff4f4;color:#1a1a1a;border-top:4px solid #b00020;" +
      "font:14px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;box-shadow:0 -2px 12px rgba(0,0,0,.2)";
    var heading = document.createElement("h2");
    heading.style.cssText = "margin:0 0 .5rem;font:bold 16px system-ui,sans-serif;color:#b00020";
    heading.textContent = "The last build failed: this page is from the last good build. Fix these and save:";
    box.appendChild(heading);
    var list = document.createElement("ul");
    list.style.cssText = "margin:0;padding-left:1.25rem";
    status.problems.forEach(function (problem) {
      var item = document.createElement("li");
      item.textContent = problem; // text, never HTML: messages quote the author's content
      list.appendChild(item);
    });
    box.appendChild(list);
    document.body.appendChild(box);
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
