// Shelf ui: the add form checks the URL as it is typed (debounced), enhanced. Without
// JavaScript the server does the same when the form is opened with ?url= or sent. It asks the
// ui's /bookmarks/check (api's check): a URL saved already loads that bookmark's own values
// into the form, which then saves to that bookmark (nothing saved is replaced by empty
// fields); otherwise the page's title and description fill the fields still empty, and the
// tags auto-tagging will add are named.
(function () {
  "use strict";
  var form = document.getElementById("bookmark-form");
  if (!form || !form.getAttribute("data-check-url")) { return; }
  var checkUrl = form.getAttribute("data-check-url");
  var newAction = form.getAttribute("action");
  var heading = document.getElementById("form-heading");
  var status = document.getElementById("check-status");
  var autoTags = document.getElementById("auto-tags");
  var el = form.elements;
  var filled = {};  // fields this script filled, which a later check may fill again
  var timer = null;
  // What the server put in the form (and checked itself, for ?url=). A URL typed or pasted
  // before this script ran (it is deferred; a slow connection, a browser restoring the form)
  // differs from it, and is checked at the end below.
  var last = el.url.defaultValue.trim();
  var pending = null;

  ["title", "description", "tags", "notes"].forEach(function (name) {
    el[name].addEventListener("input", function () { filled[name] = false; });
  });

  function typed(name) { return filled[name] ? "" : el[name].value.trim(); }

  function fill(name, value) {
    el[name].value = value || "";
    filled[name] = true;
  }

  function words(text) { return text.split(/[\s,]+/).filter(Boolean); }

  function say(kind, text, link) {
    status.textContent = "";
    if (!text) { return; }
    var p = document.createElement("p");
    p.className = "callout callout-" + kind;
    p.textContent = text;
    if (link) {
      var a = document.createElement("a");
      a.href = link.href;
      a.textContent = link.text;
      p.appendChild(document.createTextNode(" "));
      p.appendChild(a);
    }
    status.appendChild(p);
  }

  function loadSaved(saved) {
    // The saved values, with what the person typed kept on top (as the server merges).
    var tags = saved.tag_names.slice();
    var have = tags.map(function (t) { return t.toLowerCase(); });
    words(typed("tags")).forEach(function (t) {
      if (have.indexOf(t.toLowerCase()) < 0) { tags.push(t); have.push(t.toLowerCase()); }
    });
    var notes = typed("notes");
    fill("tags", tags.join(" "));
    fill("title", typed("title") || saved.title);
    fill("description", typed("description") || saved.description);
    fill("notes", notes && saved.notes.indexOf(notes) < 0 ?
      (saved.notes.trim() ? saved.notes.replace(/\s+$/, "") + "\n\n" + notes : notes) :
      saved.notes);
    el.unread.checked = saved.unread || el.unread.checked;
    el.shared.checked = saved.shared || el.shared.checked;
    form.setAttribute("action", saved.edit_url);
    heading.textContent = "Edit bookmark";
    say("warn", "You saved this URL already" + (saved.title ? ", as " + saved.title : "") +
      " on " + saved.date_added.slice(0, 10) + ". The form now holds that bookmark: change " +
      "what you like, and saving updates it.",
      { href: saved.edit_url, text: "Edit it on its own page" });
  }

  function show(result) {
    if (result.bookmark) {
      loadSaved(result.bookmark);
    } else {
      if (form.getAttribute("action") !== newAction) {
        // Another URL: the other bookmark's values leave with it (what was typed stays).
        ["title", "description", "tags", "notes"].forEach(function (name) {
          if (filled[name]) { fill(name, ""); }
        });
        form.setAttribute("action", newAction);
        heading.textContent = "Add a bookmark";
      }
      say("", "");
      if (!typed("title")) { fill("title", result.title); }
      if (!typed("description")) { fill("description", result.description); }
    }
    autoTags.textContent = "";
    if (result.auto_tags.length) {
      autoTags.appendChild(document.createTextNode("Your auto-tagging rules add "));
      result.auto_tags.forEach(function (name) {
        var span = document.createElement("span");
        span.className = "tag";
        span.textContent = "#" + name;
        autoTags.appendChild(span);
        autoTags.appendChild(document.createTextNode(" "));
      });
      autoTags.appendChild(document.createTextNode("when it is saved."));
    }
    autoTags.hidden = result.auto_tags.length === 0;
  }

  function check() {
    var url = el.url.value.trim();
    if (url === last || !/^https?:\/\/[^\s\/?#]+\.?[^\s]*$/i.test(url)) { return; }
    last = url;
    if (pending) { pending.abort(); }
    pending = new AbortController();
    fetch(checkUrl + "?url=" + encodeURIComponent(url), {
      headers: { "Accept": "application/json" }, credentials: "same-origin",
      signal: pending.signal
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (result) {
      if (el.url.value.trim() === url) { show(result); }
    }).catch(function (error) {
      if (error.name !== "AbortError") { last = ""; }  // the server checks again on saving
    });
  }

  el.url.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(check, 400);
  });
  el.url.addEventListener("change", check);
  if (el.url.value.trim() !== last) { check(); }
}());
