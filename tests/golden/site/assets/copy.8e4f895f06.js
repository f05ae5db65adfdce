// Copy buttons: "Copy link" beside the share links, and "Copy" beside each ready-made citation.
// Without script the buttons stay hidden and the text can still be selected by hand.
(function () {
  "use strict";
  var messages = JSON.parse(document.getElementById("ui-messages").textContent);  // in the page's language (_ui_messages.html)
  document.querySelectorAll("button[data-copy], button[data-copy-target]").forEach(function (button) {
    var status = document.getElementById(button.getAttribute("data-status"));
    button.hidden = false;
    button.addEventListener("click", function () {
      var target = button.getAttribute("data-copy-target");
      var text = target ? document.getElementById(target).textContent : button.getAttribute("data-copy");
      navigator.clipboard.writeText(text).then(function () {
        status.textContent = messages.copied;
      }, function () {
        status.textContent = messages.copyFailed;
      });
    });
  });
})();
