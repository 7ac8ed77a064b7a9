// Shelf ui: the import progress page, enhanced. Without JavaScript the page reloads itself
// (a meta refresh inside <noscript>); with it, this polls the JSON twin and moves the bar.
(function () {
  "use strict";
  var box = document.getElementById("import-progress");
  if (!box || box.getAttribute("data-done") === "yes") { return; }
  var url = box.getAttribute("data-poll-url");
  var bar = document.getElementById("progress-bar");
  var text = document.getElementById("progress-text");
  var heading = document.getElementById("progress-heading");
  var doneLink = document.getElementById("progress-done-link");

  function show(p) {
    bar.value = p.percent;
    bar.textContent = p.percent + "%";
    text.textContent = p.percent + "% · " + p.processed + " of " + p.total + " · " + p.state +
      (p.message ? " · " + p.message : "");
    document.title = (p.done ? "Import finished" : "Importing… " + p.percent + "%") + " · Shelf";
    if (p.done) {
      heading.textContent = "Import finished";
      doneLink.hidden = false;
    } else if (p.failed) {
      heading.textContent = "Import failed";
    }
  }

  function poll() {
    fetch(url, { headers: { "Accept": "application/json" }, credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.json();
      })
      .then(function (p) {
        show(p);
        if (!p.done && !p.failed) { window.setTimeout(poll, 1000); }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }

  window.setTimeout(poll, 500);
}());
