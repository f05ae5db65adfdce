// An embedded chart tells the page that frames it how tall it is, so the iframe can fit it and the
// source line is never cut off. The page that embeds it listens with the few lines the embed code
// gives (they check that the message comes from this site). Without them the iframe keeps the
// height the code sets, which fits the chart in an article column.
(function () {
  "use strict";
  if (window.parent === window) return;
  var sent = 0;
  function send() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height !== sent) {
      sent = height;
      window.parent.postMessage({ factsiteEmbedHeight: height }, "*");  // a height: nothing private
    }
  }
  window.addEventListener("load", send);
  if (window.ResizeObserver) new ResizeObserver(send).observe(document.documentElement);
  else window.addEventListener("resize", send);
})();
