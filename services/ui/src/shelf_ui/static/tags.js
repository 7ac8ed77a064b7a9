// Shelf ui: tag autocomplete for space-separated tag fields, enhanced. Without JavaScript the
// field is plain text (and the browser's datalist suggests whole values); with it, the
// datalist offers the user's tags that start with the word being typed, keeping the words
// before it, so the second and later tags complete too.
(function () {
  "use strict";
  var inputs = document.querySelectorAll("input[data-tag-input]");
  Array.prototype.forEach.call(inputs, function (input) {
    var list = document.getElementById(input.getAttribute("list"));
    if (!list) { return; }
    var names = Array.prototype.map.call(list.options, function (o) { return o.value; });

    function suggest() {
      var value = input.value;
      var cut = Math.max(value.lastIndexOf(" "), value.lastIndexOf(",")) + 1;
      var before = value.slice(0, cut);
      var word = value.slice(cut).toLowerCase();
      var taken = before.toLowerCase().split(/[\s,]+/);
      var matches = names.filter(function (name) {
        var lower = name.toLowerCase();
        return lower.indexOf(word) === 0 && taken.indexOf(lower) < 0;
      }).slice(0, 20);
      list.textContent = "";
      matches.forEach(function (name) {
        var option = document.createElement("option");
        option.value = before + name + " ";
        list.appendChild(option);
      });
    }

    input.addEventListener("input", suggest);
    input.addEventListener("focus", suggest);
  });
}());
