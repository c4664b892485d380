// While a pack is being built, check its status and reload when it changes. Without
// JavaScript the page says to refresh.
(function () {
  "use strict";
  var status = document.getElementById("pack-status");
  if (!status) { return; }
  var current = status.getAttribute("data-status");
  if (current !== "queued" && current !== "building") { return; }
  var url = status.getAttribute("data-status-url"), tries = 0;
  function check() {
    tries += 1;
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (data && data.status !== current) { window.location.reload(); return; }
        if (tries < 60) { setTimeout(check, 2000); }
      })
      .catch(function () { if (tries < 60) { setTimeout(check, 5000); } });
  }
  setTimeout(check, 1500);
}());
