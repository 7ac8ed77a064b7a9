// Shelf ui: keyboard shortcuts and "select all", enhanced. Without JavaScript the search box
// and the Add button keep their access keys, and "Select all on this page" is a link that
// shows the page again with every box ticked. Shortcuts (listed on /help): s or / search,
// n new bookmark, ? help, Escape leaves a field.
(function () {
  "use strict";
  var body = document.body;
  var search = document.getElementById("q");
  if (search && window.location.hash === "#search") { search.focus(); }

  function go(attribute) {
    var url = body.getAttribute(attribute);
    if (url) { window.location.href = url; }
  }

  document.addEventListener("keydown", function (event) {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) { return; }
    var target = event.target;
    if (target.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) {
      if (event.key === "Escape") { target.blur(); }
      return;
    }
    if (event.key === "s" || event.key === "/") {
      event.preventDefault();
      if (search) { search.focus(); search.select(); } else { go("data-search-url"); }
    } else if (event.key === "n") {
      go("data-new-url");
    } else if (event.key === "?") {
      go("data-help-url");
    }
  });

  var selectAll = document.querySelector("[data-select-all]");
  if (selectAll) {
    selectAll.addEventListener("click", function (event) {
      event.preventDefault();
      var boxes = document.querySelectorAll("input.bookmark-select");
      var every = Array.prototype.every.call(boxes, function (box) { return box.checked; });
      Array.prototype.forEach.call(boxes, function (box) { box.checked = !every; });
      selectAll.textContent = every ? "Select all on this page" : "Select none";
      // The whole page ticked and more pages: offer every bookmark the list matches.
      var matching = document.querySelector("[data-select-matching]");
      if (matching) { matching.hidden = every; }
    });
  }
}());
