// Vigie console: the live progress of a broadcast (the only script; no inline code).
"use strict";
(function () {
  var box = document.getElementById("delivery");
  if (!box) { return; }
  var url = box.getAttribute("data-progress-url");
  var initial = document.getElementById("status").getAttribute("data-status");
  if (initial !== "running") { return; }
  function set(id, value) { document.getElementById(id).textContent = String(value); }
  function tick() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.ok ? r.json() : Promise.reject(r.status); })
      .then(function (p) {
        ["sent", "blocked", "failed", "remaining", "percent"].forEach(function (k) { set(k, p[k]); });
        document.getElementById("bar").value = p.percent;
        if (p.status !== initial) { window.location.reload(); return; }
        window.setTimeout(tick, 1000);
      })
      .catch(function () { window.setTimeout(tick, 5000); });
  }
  window.setTimeout(tick, 1000);
}());
