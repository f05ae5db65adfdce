// Search with Pagefind's static index. pagefind.js (and its index) load only once the visitor types.
(function () {
  "use strict";
  var messages = JSON.parse(document.getElementById("ui-messages").textContent);  // in the page's language (_ui_messages.html)
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

  function decode(text) {
    return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, "&");
  }

  // Pagefind marks the matched words with <mark>. The excerpt is rebuilt as text and <mark> elements,
  // never as HTML: a page's words can contain anything.
  function excerptInto(element, html) {
    html.split(/(<mark>[\s\S]*?<\/mark>)/).forEach(function (piece) {
      var marked = /^<mark>([\s\S]*)<\/mark>$/.exec(piece);
      var text = decode((marked ? marked[1] : piece).replace(/<[^>]*>/g, ""));
      if (!text) return;
      if (marked) {
        var mark = document.createElement("mark");
        mark.textContent = text;
        element.appendChild(mark);
      } else {
        element.appendChild(document.createTextNode(text));
      }
    });
  }

  // Words that say what kind of answer is wanted ("how many victims") but are not in the figures'
  // words: Pagefind finds pages holding every word, so they would hide the figure being asked for.
  var QUESTION_WORDS = messages.questionWords.split(" ");

  function searchWords(query) {
    var words = query.split(/\s+/).filter(function (word) {
      return QUESTION_WORDS.indexOf(word.toLowerCase().replace(/[?.,!]/g, "")) === -1;
    });
    return words.length ? words.join(" ") : query;
  }

  function show(results, query) {
    list.textContent = "";
    results.forEach(function (result) {
      var item = document.createElement("li");
      var link = document.createElement("a");
      link.href = result.url;
      link.textContent = result.meta.title;
      var excerpt = document.createElement("p");
      excerptInto(excerpt, result.excerpt);
      item.appendChild(link);
      item.appendChild(excerpt);
      list.appendChild(item);
    });
    var template = results.length === 1 ? messages.searchOne : results.length ? messages.searchMany : messages.searchNothing;
    status.textContent = template.replace("{count}", results.length).replace("{query}", query);
  }

  // A headline figure that matches is the answer most people are after ("how many victims"): it comes
  // first, the other results after it in Pagefind's order.
  var headlines = (input.getAttribute("data-headlines") || "").split(" ").filter(Boolean);

  function headlinesFirst(results) {
    var isHeadline = function (result) {
      return headlines.indexOf(result.url.replace(/#.*$/, "")) !== -1;
    };
    return results.filter(isHeadline).concat(results.filter(function (result) { return !isHeadline(result); }));
  }

  function run() {
    var query = input.value.trim();
    var ticket = ++latest;
    if (!query) { list.textContent = ""; status.textContent = ""; return; }
    load().then(function (pagefind) { return pagefind.search(searchWords(query)); }).then(function (search) {
      return Promise.all(search.results.slice(0, 40).map(function (r) { return r.data(); }));
    }).then(function (results) {
      if (ticket === latest) show(headlinesFirst(results).slice(0, 12), query);
    }, function () {
      status.textContent = messages.searchFailed;
    });
  }

  input.addEventListener("input", run);
  input.form.addEventListener("submit", function (event) { event.preventDefault(); run(); });
  var initial = new URLSearchParams(window.location.search).get("q");
  if (initial) { input.value = initial; run(); }
})();
