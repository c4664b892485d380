// j/k to move through the queue, o to open: an enhancement; links work without it.
(function () {
  "use strict";
  var links = Array.prototype.slice.call(document.querySelectorAll("[data-queue-link]"));
  if (!links.length) { return; }
  var index = -1;
  function select(i) {
    index = Math.max(0, Math.min(links.length - 1, i));
    links[index].focus();
  }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (target && (target.tagName === "INPUT" || target.tagName === "TEXTAREA" || target.tagName === "SELECT" || target.isContentEditable)) { return; }
    var current = links.indexOf(document.activeElement);
    if (current !== -1) { index = current; }
    if (event.key === "j") { select(index + 1); event.preventDefault(); }
    else if (event.key === "k") { select(index - 1); event.preventDefault(); }
    else if (event.key === "o" && index >= 0) { window.location.href = links[index].href; event.preventDefault(); }
  });
}());
