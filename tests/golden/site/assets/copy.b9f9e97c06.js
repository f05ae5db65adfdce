// Copy buttons: "Copy link" beside the share links, and "Copy" beside each ready-made citation.
// Without script the buttons stay hidden and the text can still be selected by hand.
(function () {
  "use strict";
  document.querySelectorAll("button[data-copy], button[data-copy-target]").forEach(function (button) {
    var status = document.getElementById(button.getAttribute("data-status"));
    button.hidden = false;
    button.addEventListener("click", function () {
      var target = button.getAttribute("data-copy-target");
      var text = target ? document.getElementById(target).textContent : button.getAttribute("data-copy");
      navigator.clipboard.writeText(text).then(function () {
        status.textContent = "Copied.";
      }, function () {
        status.textContent = "Could not copy: select the text and copy it by hand.";
      });
    });
  });
})();
