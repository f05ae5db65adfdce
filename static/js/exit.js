// Quick exit: leave for a neutral site at once, replacing this page in the history so Back does not
// return here. Also on pressing Shift three times in a row, as GOV.UK's "Exit this page" does: each
// press must come within 5 seconds of the one before, Shift held down to type a capital does not
// count, and any other key starts the count again, so typing "New York City" never leaves the page.
// A screen reader hears how many presses are left; three dots on the button show them.
(function () {
  "use strict";
  var messages = JSON.parse(document.getElementById("ui-messages").textContent);  // in the page's language (_ui_messages.html)
  var link = document.querySelector("a.quick-exit");
  if (!link) return;
  var destination = link.getAttribute("href");
  var WINDOW_MS = 5000;
  var presses = 0;
  var timer = null;
  var shiftWasModifier = false;

  var status = document.createElement("span");
  status.className = "visually-hidden quick-exit-status";
  status.setAttribute("role", "status");
  document.body.appendChild(status);  // at the end: the exit link and the skip link stay the first things met
  var dots = document.createElement("span");
  dots.className = "quick-exit-dots";
  dots.setAttribute("aria-hidden", "true");
  for (var i = 0; i < 3; i++) dots.appendChild(document.createElement("span"));
  link.appendChild(dots);

  function show() {
    dots.classList.toggle("counting", presses > 0);
    for (var j = 0; j < 3; j++) dots.children[j].classList.toggle("on", j < presses);
  }

  function reset(announce) {
    if (timer !== null) window.clearTimeout(timer);
    timer = null;
    if (presses > 0 && announce) status.textContent = messages.exitRestarted;
    presses = 0;
    show();
  }

  function leave(event) {
    if (event) event.preventDefault();
    document.body.style.visibility = "hidden";
    document.title = messages.exitTitle;
    window.location.replace(destination);
  }

  link.addEventListener("click", leave);
  // keyup: pressing Shift with a letter sends the letter's keyup with shiftKey set, then Shift's own.
  document.addEventListener("keyup", function (event) {
    var isShift = event.key === "Shift";
    if (isShift && !shiftWasModifier) {
      presses += 1;
      if (timer !== null) window.clearTimeout(timer);
      if (presses >= 3) {
        presses = 0;
        leave();
        return;
      }
      status.textContent = presses === 1 ? messages.exitTwoMore : messages.exitOneMore;
      timer = window.setTimeout(function () { reset(true); }, WINDOW_MS);
      show();
    } else if (!isShift) {
      reset(presses > 0);
    }
    shiftWasModifier = !isShift && event.shiftKey;
  }, true);

  // Coming Back to a page the browser kept in memory: show it again, with the count at zero.
  window.addEventListener("pageshow", function () {
    document.body.style.visibility = "";
    reset(false);
  });
})();
