// The live floor: every 15 s, read GET /floor and rewrite the queue rows the server
// rendered. Words come from the page (data-words); nothing here is translated.
(function () {
  "use strict";
  var REFRESH_MS = 15000;
  var main = document.getElementById("floor");
  var words = JSON.parse(main.getAttribute("data-words"));

  function duration(seconds) {
    if (seconds === null || seconds === undefined) { return words.nobody; }
    if (seconds < 60) { return seconds + " " + words.s; }
    return Math.floor(seconds / 60) + " " + words.min + " " + (seconds % 60) + " " + words.s;
  }

  function serviceLevel(figure) {
    if (figure.percent === null) { return words.sl_none; }
    return words.sl_figure.replace("{percent}", String(figure.percent))
      .replace("{threshold}", duration(figure.thresholdSeconds));
  }

  function staffing(figure) {
    if (!figure) { return ""; }
    var text = words.staffing_figure.replace("{needed}", String(figure.needed))
      .replace("{online}", String(figure.online));
    return figure.status === "warn" ? text + ": " + words.staffing_warn : text;
  }

  function cell(row, name, text) {
    var td = document.createElement(name === "name" ? "th" : "td");
    if (name === "name") { td.scope = "row"; } else { td.className = name; }
    if (name === "waiting" || name === "oldest" || name === "agents") { td.className += " number"; }
    td.textContent = text;
    row.appendChild(td);
  }

  function render(floor) {
    var body = document.getElementById("queues");
    if (!body) { return; }
    var rows = floor.queues.map(function (q) {
      var row = document.createElement("tr");
      row.className = "status-" + q.status;
      row.setAttribute("data-queue", q.queue);
      var channels = Object.keys(q.waitingByChannel).map(function (c) {
        return (words[c] || c) + " " + q.waitingByChannel[c];
      }).join(", ");
      cell(row, "name", q.name);
      cell(row, "waiting", String(q.waiting));
      cell(row, "channels", channels);
      cell(row, "oldest", duration(q.oldestWaitSeconds));
      cell(row, "agents", q.agents.available + " · " + q.agents.onContact + " · " + q.agents.afterContactWork);
      cell(row, "status", words[q.status]);
      cell(row, "thresholds", words.warn_at + " " + duration(q.warnSeconds) + ", " +
        words.alert_at + " " + duration(q.alertSeconds));
      cell(row, "service-level", serviceLevel(q.serviceLevelToday));
      cell(row, "staffing", staffing(q.staffing));
      if (q.staffing && q.staffing.status === "warn") { row.lastChild.className += " staffing-warn"; }
      return row;
    });
    body.replaceChildren.apply(body, rows);
    document.getElementById("updated").textContent = words.updated + " " + floor.at.slice(11, 19) + " UTC";
  }

  function refresh() {
    fetch("../floor", {credentials: "same-origin", cache: "no-store", headers: {"Accept": "application/json"}})
      .then(function (response) {
        if (!response.ok) { throw new Error("GET /floor answered " + response.status); }
        return response.json();
      })
      .then(function (floor) {
        render(floor);
        document.getElementById("stale").hidden = true;
      })
      .catch(function () { document.getElementById("stale").hidden = false; });
  }

  setInterval(refresh, REFRESH_MS);
}());
