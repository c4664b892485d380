// j/k to move through the queue, o to open: an enhancement; links work without it.
// The keys act only while a story in the list has focus (WCAG 2.1.4), so typing or
// speech input elsewhere on the page never sets them off.
(function () {
  "use strict";
  var links = Array.prototype.slice.call(document.querySelectorAll("[data-queue-link]"));
  if (!links.length) { return; }
  // The shortcuts are only described where they work.
  var hint = document.getElementById("shortcuts");
  if (hint) { hint.hidden = false; }
  var index = 0;
  function select(i) {
    index = Math.max(0, Math.min(links.length - 1, i));
    links[index].focus();
  }
  document.addEventListener("keydown", function (event) {
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    var current = links.indexOf(document.activeElement);
    if (current === -1) { return; }
    index = current;
    if (event.key === "j") { select(index + 1); event.preventDefault(); }
    else if (event.key === "k") { select(index - 1); event.preventDefault(); }
    // Open the story whose link has focus, not one selected before focus moved elsewhere.
    else if (event.key === "o") { window.location.href = links[index].href; event.preventDefault(); }
  });
}());
