// Copy-link button: the one share action that needs script. The others are plain links.
(function () {
  "use strict";
  document.querySelectorAll("button.copy-link").forEach(function (button) {
    var status = button.closest(".share").querySelector(".copy-status");
    button.hidden = false;
    button.addEventListener("click", function () {
      var url = button.getAttribute("data-url");
      navigator.clipboard.writeText(url).then(function () {
        status.textContent = "Link copied.";
      }, function () {
        status.textContent = "Copy this link: " + url;
      });
    });
  });
})();
