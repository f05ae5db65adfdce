// Search with Pagefind's static index. pagefind.js (and its index) load only once the visitor types.
(function () {
  "use strict";
  var input = document.getElementById("search-input");
  var list = document.getElementById("search-results");
  var status = document.getElementById("search-status");
  var engine = null;
  var latest = 0;

  // A large site's index comes in parts (listed in parts.json, fetched alongside the engine):
  // each is merged into the first, and one search covers them all.
  function load() {
    if (!engine) {
      var parts = fetch(input.getAttribute("data-pagefind-parts")).then(function (response) {
        if (!response.ok) throw new Error("parts.json: " + response.status);
        return response.json();
      });
      engine = Promise.all([import(input.getAttribute("data-pagefind")), parts]).then(function (loaded) {
        var pagefind = loaded[0];
        return pagefind.options({ excerptLength: 24 }).then(function () {
          return Promise.all(loaded[1].map(function (part) { return pagefind.mergeIndex(part); }));
        }).then(function () { return pagefind; });
      });
      engine.catch(function () { engine = null; });  // a failed load is tried again at the next keystroke
    }
    return engine;
  }

  function plain(html) {  // excerpts mark matches with <mark>; show them as text only
    return html.replace(/<[^>]*>/g, "").replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
  }

  function show(results, query) {
    list.textContent = "";
    results.forEach(function (result) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = result.url;
      link.textContent = result.meta.title;
      var excerpt = document.createElement("p");
      excerpt.textContent = plain(result.excerpt);
      item.appendChild(link);
      item.appendChild(excerpt);
      list.appendChild(item);
    });
    status.textContent = results.length ? results.length + " result" + (results.length > 1 ? "s" : "") + " for \u201c" + query + "\u201d."
      : "Nothing found for \u201c" + query + "\u201d.";
  }

  function run() {
    var query = input.value.trim();
    var ticket = ++latest;
    if (!query) { list.textContent = ""; status.textContent = ""; return; }
    load().then(function (pagefind) { return pagefind.search(query); }).then(function (search) {
      return Promise.all(search.results.slice(0, 12).map(function (r) { return r.data(); }));
    }).then(function (results) {
      if (ticket === latest) show(results, query);
    }, function () {
      status.textContent = "Search could not load. The fact sheets below list every figure.";
    });
  }

  input.addEventListener("input", run);
  input.form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) { input.value = initial; run(); }
})();
