// The supervisors' dashboard: one data call (GET dashboard/data) fills the tiles, the
// cost with how it was computed, the trend charts (uPlot, each with a table of the same
// figures) and the table by queue, agent, channel or reason. Words come from the page
// (data-words); the day, grouping and range are kept in the address, so a view can be
// shared. The CSV is the server's (GET dashboard/data.csv), the same figures.
"use strict";

(function () {
  const main = document.getElementById("dashboard");
  const words = JSON.parse(main.getAttribute("data-words"));
  const lang = document.documentElement.lang;
  const $ = (id) => document.getElementById(id);
  // The sign-in token, kept for this tab by signin.js under the page's own key.
  const TOKEN_KEY = "dashboard-token";
  const numbers = new Intl.NumberFormat(lang, { maximumFractionDigits: 1 });
  // Days on the charts' axis as the supervisor's language writes them ("14 mai").
  const dayLabels = new Intl.DateTimeFormat(lang, { day: "numeric", month: "short", timeZone: "UTC" });
  let answer = null;
  const charts = {};

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (_, key) => String(values[key]));
  }

  // Amounts with `digits` decimals; prices with up to 4, as small as they are set.
  function money(amount, digits, most) {
    if (amount === null || amount === undefined) return words.dash_none;
    if (!answer || !answer.currency) return numbers.format(amount);
    return new Intl.NumberFormat(lang, {
      style: "currency", currency: answer.currency, minimumFractionDigits: digits,
      maximumFractionDigits: most || digits,
    }).format(amount);
  }

  function duration(seconds) {
    const whole = Math.round(seconds);
    if (whole < 60) return whole + " " + words.s;
    return Math.floor(whole / 60) + " " + words.min + " " + (whole % 60) + " " + words.s;
  }

  // A KPI's value as a person reads it: with its unit, a dash when nothing was counted.
  function shown(kpi, value) {
    if (value === null || value === undefined) return words.dash_none;
    if (kpi === "costPerContact") return money(value, 2);
    if (kpi.endsWith("Percent")) return numbers.format(value) + " %";
    if (kpi.endsWith("Seconds")) return duration(value);
    return numbers.format(value);
  }

  function query() {
    const params = new URLSearchParams(window.location.search);
    const day = $("day").value || params.get("day");
    const found = new URLSearchParams();
    if (day) found.set("day", day);
    found.set("by", $("by").value);
    return found;
  }

  async function call(path) {
    const headers = {};
    const token = window.signIn(TOKEN_KEY);
    if (token) headers.Authorization = token;
    const response = await fetch(path, { headers, credentials: "same-origin", cache: "no-store" });
    if (!response.ok) throw new Error(path + " answered " + response.status);
    return response;
  }

  function cellsOf(row, texts, header) {
    texts.forEach((text, index) => {
      const cell = document.createElement(index === 0 && header ? "th" : "td");
      if (index === 0 && header) cell.scope = "row";
      if (typeof text === "string") cell.textContent = text; else cell.appendChild(text);
      if (index > 0) cell.className = "number";
      row.appendChild(cell);
    });
    return row;
  }

  function change(kpi, now, before) {
    const span = document.createElement("span");
    span.className = "change";
    let text = words.dash_last_week + ": " + shown(kpi, before);
    if (now !== null && now !== undefined && before !== null && before !== undefined) {
      const direction = now > before ? "up" : now < before ? "down" : "same";
      span.classList.add(direction);
      text += " (" + words["dash_" + direction] + ")";
    }
    span.textContent = text;
    return span;
  }

  function renderTiles() {
    const items = words.kpis.map((kpi) => {
      const item = document.createElement("li");
      item.className = "tile";
      item.setAttribute("data-kpi", kpi);
      const name = document.createElement("span");
      name.className = "name";
      name.textContent = words["kpi_" + kpi];
      const value = document.createElement("span");
      value.className = "value";
      value.textContent = shown(kpi, answer.today[kpi]);
      item.append(name, value, change(kpi, answer.today[kpi], answer.lastWeek[kpi]));
      return item;
    });
    $("tiles").replaceChildren(...items);
  }

  function partName(part) {
    let name = words["part_" + part.part];
    if (part.direction) name += " (" + words["dash_" + part.direction] + ", " + part.country + ")";
    if (part.category) name += " (" + part.category + ")";
    return name;
  }

  function renderCost() {
    const spent = answer.today.cost;
    const table = $("cost-parts");
    if (!spent) {
      $("cost-summary").textContent = words.dash_no_cost;
      table.hidden = true;
      return;
    }
    $("cost-summary").textContent = fill(words.dash_per_contact, {
      amount: money(spent.perContact, 2), total: money(spent.total, 2), contacts: numbers.format(spent.contacts),
    });
    const rows = spent.parts.map((part) => cellsOf(document.createElement("tr"), [
      partName(part), numbers.format(part.quantity) + " " + words["unit_" + part.unit.replace(" ", "_").replace("-", "")],
      money(part.price, 2, 4), money(part.amount, 2)], true));
    table.querySelector("tbody").replaceChildren(...rows);
    table.hidden = rows.length === 0;
  }

  function renderCharts() {
    const range = Number($("range").value);
    const days = answer.trend.days.slice(-range);
    const stamps = days.map((day) => Date.parse(day + "T00:00:00Z") / 1000);
    document.querySelectorAll("figure.chart").forEach((figure) => {
      const kpi = figure.getAttribute("data-kpi");
      const values = answer.trend[kpi].slice(-range);
      const plot = figure.querySelector(".plot");
      if (charts[kpi]) charts[kpi].destroy();
      charts[kpi] = new uPlot({
        width: Math.max(280, plot.clientWidth || 440), height: 200,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), "UTC"),
        legend: { show: false },
        scales: { x: { time: true } },
        axes: [{ values: (_, ticks) => ticks.map((tick) => dayLabels.format(new Date(tick * 1000))) },
          { values: (_, ticks) => ticks.map((tick) => shown(kpi, tick)),
          size: kpi.endsWith("Seconds") ? 100 : 70 }],
        series: [{}, { label: words["kpi_" + kpi], stroke: "#1d5fbf", width: 2, spanGaps: false,
          points: { show: true, size: 5 } }],
      }, [stamps, values], plot);
      figure.setAttribute("data-points", String(days.length));
      const rows = days.map((day, index) => cellsOf(document.createElement("tr"), [day, shown(kpi, values[index])], true));
      figure.querySelector("table.points tbody").replaceChildren(...rows);
    });
  }

  function renderGroups() {
    $("group-name").textContent = words["dash_by_" + answer.by];
    const rows = answer.groups.map((group) => {
      const cells = words.kpis.map((kpi) => {
        const cell = document.createElement("span");
        cell.textContent = shown(kpi, group.today[kpi]);
        const before = document.createElement("span");
        before.className = "before";
        before.textContent = shown(kpi, group.lastWeek[kpi]);
        const both = document.createDocumentFragment();
        both.append(cell, before);
        return both;
      });
      const label = answer.by === "channel" ? (words[group.value] || group.value) : group.value;
      return cellsOf(document.createElement("tr"), [label, ...cells], true);
    });
    $("groups").querySelector("tbody").replaceChildren(...rows);
  }

  function render() {
    $("day").value = answer.day;
    $("period").textContent = fill(words.dash_period, {
      day: answer.day, compare: answer.compareDay, zone: answer.timeZone,
    });
    $("empty").hidden = Boolean(answer.today.contacts);
    renderTiles();
    renderCost();
    renderCharts();
    renderGroups();
    main.setAttribute("data-loaded", answer.day + "/" + answer.by);
  }

  async function load() {
    const params = query();
    history.replaceState(null, "", "?" + params.toString() + "&range=" + $("range").value);
    try {
      answer = await (await call("dashboard/data?" + params.toString())).json();
      $("problem").hidden = true;
      render();
    } catch (e) {
      $("problem").textContent = words.dash_problem;
      $("problem").hidden = false;
    }
  }

  async function download() {
    try {
      const response = await call("dashboard/data.csv?" + query().toString());
      const name = (response.headers.get("Content-Disposition") || "").match(/filename="([^"]+)"/);
      const link = document.createElement("a");
      link.href = URL.createObjectURL(await response.blob());
      link.download = name ? name[1] : "dashboard.csv";
      document.body.appendChild(link);
      link.click();
      link.remove();
      setTimeout(() => URL.revokeObjectURL(link.href), 1000);
    } catch (e) {
      $("problem").textContent = words.dash_problem;
      $("problem").hidden = false;
    }
  }

  const start = new URLSearchParams(window.location.search);
  if (start.get("day")) $("day").value = start.get("day");
  if (["queue", "agent", "channel", "reason"].includes(start.get("by"))) $("by").value = start.get("by");
  if (["14", "30"].includes(start.get("range"))) $("range").value = start.get("range");
  $("day").addEventListener("change", load);
  $("by").addEventListener("change", load);
  $("range").addEventListener("change", () => {
    history.replaceState(null, "", "?" + query().toString() + "&range=" + $("range").value);
    if (answer) renderCharts();
  });
  $("csv").addEventListener("click", download);
  load();
}());
