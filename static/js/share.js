// A live word count under "Your story". The form works the same without it.
(function () {
  "use strict";
  var area = document.querySelector("textarea[data-word-count]");
  if (!area) { return; }
  var output = document.getElementById(area.id + "-count");
  if (!output) { return; }
  var MIN = 50, MAX = 10000, timer = null;
  function update() {
    var words = area.value.trim() ? area.value.trim().split(/\s+/).length : 0;
    var text = "You have written " + words.toLocaleString("en-GB") + (words === 1 ? " word" : " words");
    if (words < MIN) { text += " (at least " + MIN + " needed)"; }
    else if (words > MAX) { text += " (" + (words - MAX).toLocaleString("en-GB") + " too many)"; }
    output.textContent = text;
  }
  output.hidden = false;
  update();
  // Announce at a calm pace rather than on every key press.
  area.addEventListener("input", function () { clearTimeout(timer); timer = setTimeout(update, 600); });
}());
