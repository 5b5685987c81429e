// The kthread book's additions to mdBook's pages:
// - the link to the same page in the other language (put at the top of every
//   chapter by the kmod preprocessor) is repeated in the menu bar, and the
//   choice is remembered for the landing page;
// - search with Pagefind, whose index (book/pagefind/, made by
//   `cargo run -p verify -- book`) covers both languages, Chinese included.
//   `?search=WORDS` in a page's address opens the search with those words.
(function () {
  "use strict";

  var KEY = "kthread-book-language";
  var remember = function (id) {
    try { localStorage.setItem(KEY, id); } catch (e) { /* private mode */ }
  };

  var menu = document.querySelector("#mdbook-menu-bar .right-buttons");
  document.querySelectorAll(".lang-switch").forEach(function (span) {
    var link = span.querySelector("a");
    if (!link) return;
    link.addEventListener("click", function () { remember(span.dataset.lang); });
    if (menu) {
      var copy = link.cloneNode(true);
      copy.className = "lang-switch-button";
      copy.setAttribute("lang", span.getAttribute("lang"));
      copy.title = link.textContent;
      copy.addEventListener("click", function () { remember(span.dataset.lang); });
      menu.insertBefore(copy, menu.firstChild);
    }
  });

  // path_to_root is defined by mdBook on every page; the index is one level
  // above the language directory.
  var root = (typeof path_to_root === "string" ? path_to_root : "") + "../";
  var bundle = root + "pagefind/";
  var lang = document.documentElement.lang || "en";
  var zh = lang.toLowerCase().indexOf("zh") === 0;

  var left = document.querySelector("#mdbook-menu-bar .left-buttons");
  var bar = document.getElementById("mdbook-menu-bar");
  if (!left || !bar) return;

  var button = document.createElement("button");
  button.id = "kb-search-toggle";
  button.className = "icon-button";
  button.type = "button";
  button.title = zh ? "搜索（/）" : "Search (/)";
  button.setAttribute("aria-label", button.title);
  button.setAttribute("aria-expanded", "false");
  button.innerHTML =
    '<svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" fill="none" stroke="currentColor" stroke-width="2.4">' +
    '<circle cx="10.5" cy="10.5" r="6.5"/><line x1="15.5" y1="15.5" x2="21" y2="21"/></svg>';
  left.appendChild(button);

  var panel = document.createElement("div");
  panel.id = "kb-search";
  panel.className = "kb-search hidden";
  panel.setAttribute("role", "search");
  bar.parentNode.insertBefore(panel, bar.nextSibling);

  var ui = null;
  var loading = null;
  function load() {
    if (loading) return loading;
    loading = new Promise(function (resolve, reject) {
      var css = document.createElement("link");
      css.rel = "stylesheet";
      css.href = bundle + "pagefind-ui.css";
      document.head.appendChild(css);
      var js = document.createElement("script");
      js.src = bundle + "pagefind-ui.js";
      js.onload = function () {
        try {
          ui = new PagefindUI({
            element: "#kb-search",
            bundlePath: bundle,
            baseUrl: new URL(root, location.href).pathname,
            showSubResults: true,
            showImages: false,
            autofocus: true
          });
          resolve(ui);
        } catch (e) { reject(e); }
      };
      js.onerror = function () { reject(new Error("no search index")); };
      document.head.appendChild(js);
    }).catch(function () {
      panel.innerHTML = zh
        ? '<p class="kb-search-missing">搜索索引只在完整构建的书里有：运行 <code>cargo run -p verify -- book --serve</code>。</p>'
        : '<p class="kb-search-missing">The search index is part of the full build: run <code>cargo run -p verify -- book --serve</code>.</p>';
      return null;
    });
    return loading;
  }

  function open(term) {
    panel.classList.remove("hidden");
    button.setAttribute("aria-expanded", "true");
    return load().then(function (u) {
      if (u && term) u.triggerSearch(term);
      var input = panel.querySelector("input");
      if (input) input.focus();
      return u;
    });
  }
  function close() {
    panel.classList.add("hidden");
    button.setAttribute("aria-expanded", "false");
  }

  button.addEventListener("click", function () {
    if (panel.classList.contains("hidden")) open(); else close();
  });
  document.addEventListener("keydown", function (e) {
    var t = e.target;
    var typing = t && (t.tagName === "INPUT" || t.tagName === "TEXTAREA" || t.isContentEditable);
    if (e.key === "Escape" && !panel.classList.contains("hidden")) { close(); return; }
    if (typing || e.altKey || e.ctrlKey || e.metaKey) return;
    if (e.key === "/" || e.key === "s" || e.key === "S") {
      e.preventDefault();
      open();
    }
  });

  var wanted = new URLSearchParams(location.search).get("search");
  if (wanted) open(wanted);

  // For tests and for readers' scripts.
  window.kthreadBookSearch = open;
})();
