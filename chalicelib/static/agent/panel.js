// The agent panel: learns the contact from the Amazon Connect agent workspace
// (AmazonConnectApp.init -> onCreate -> event.context.scope.contactId) or, opened on
// its own, from ?contactId=; then one data call fills the page. No customer data is
// ever put in a URL other than the contact id, nor logged.
"use strict";

(function () {
  const words = JSON.parse(document.getElementById("words").textContent);
  const lang = document.documentElement.lang;
  const $ = (id) => document.getElementById(id);
  const state = { contactId: null, cursor: null, shown: 0, customerState: null };
  // The sign-in token, kept for this tab by signin.js under the page's own key.
  const TOKEN_KEY = "agent-panel-token";

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, (_, key) => String(values[key]));
  }

  function say(text, isError) {
    const status = $("status");
    status.textContent = text;
    status.classList.toggle("error", Boolean(isError));
    status.hidden = !text;
  }

  class PanelError extends Error {
    constructor(message, status) { super(message); this.status = status; }
  }

  async function call(method, path, body) {
    const headers = { "Accept": "application/json" };
    const token = sessionStorage.getItem(TOKEN_KEY);
    if (token) headers["Authorization"] = token;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response;
    try {
      response = await fetch("agent/contacts/" + encodeURIComponent(state.contactId) + path, {
        method, headers, body: body === undefined ? undefined : JSON.stringify(body),
        credentials: "same-origin", cache: "no-store",
      });
    } catch (e) {
      throw new PanelError(words.unavailable, 0);
    }
    let answer = null;
    try { answer = await response.json(); } catch (e) { answer = null; }
    if (response.status === 401 || response.status === 403) {
      const link = $("sign-in");
      if (link) link.hidden = false;
      throw new PanelError(words.sign_in, response.status);
    }
    if (!response.ok) {
      // Only a 4xx answer's message is meant for people; anything else is "try again".
      const readable = response.status < 500 && answer && typeof answer.Message === "string";
      throw new PanelError(readable ? fill(words.failed, { message: answer.Message }) : words.unavailable,
                           response.status);
    }
    return answer;
  }

  function withLang(path) {
    return path + (path.includes("?") ? "&" : "?") + "lang=" + encodeURIComponent(lang);
  }

  function text(id, value) { $(id).textContent = value || "—"; }

  function showWho(who) {
    text("who-name", who.name || words.no_name);
    if (who.vip) {
      const badge = document.createElement("span");
      badge.className = "badge";
      badge.textContent = words.vip;
      $("who-name").append(badge);
    }
    text("who-language", who.preferredLanguageName);
    text("who-tier", who.tierName);
    text("who-consent", who.consentSummary);
    text("who-addresses", who.addresses.map((a) => a.label + " " + a.value).join(", "));
    text("who-since", who.customerSince);
    text("who-how", who.recognisedByText);
    const languages = $("correct-language");
    if (![...languages.options].some((o) => o.value === who.preferredLanguage)) {
      // A regional variant the list does not name (en-US): offer it as it is, so that
      // saving the tier does not change the language.
      languages.add(new Option(who.preferredLanguageName + " (" + who.preferredLanguage + ")", who.preferredLanguage));
    }
    languages.value = who.preferredLanguage;
    $("correct-tier").value = who.tier;
    showConsent(who.consentChannels || []);
    $("who").hidden = false;
  }

  // One fieldset per channel the customer can be reached on, a checkbox per purpose,
  // ticked as senders would decide today.
  function showConsent(channels) {
    const box = $("consent-channels");
    box.replaceChildren();
    for (const channel of channels) {
      const fieldset = document.createElement("fieldset");
      const legend = document.createElement("legend");
      legend.textContent = channel.label;
      fieldset.append(legend);
      for (const purpose of channel.purposes) {
        const input = document.createElement("input");
        input.type = "checkbox";
        input.id = "consent-" + channel.channel + "-" + purpose.purpose;
        input.dataset.channel = channel.channel;
        input.dataset.purpose = purpose.purpose;
        input.checked = purpose.given;
        const label = document.createElement("label");
        label.htmlFor = input.id;
        label.textContent = purpose.label;
        fieldset.append(input, label);
      }
      box.append(fieldset);
    }
    $("consent-form").hidden = !channels.length;
  }

  function showWhy(why) {
    state.why = why;
    const list = $("why-list");
    list.replaceChildren();
    const open = why.case ? fill(words.case_at, { id: why.case.caseId, tier: why.case.tier }) : why.openCaseId;
    const rows = [[words.open_case, open], [words.last_reason, why.lastReason]].filter((r) => r[1]);
    if (!rows.length) rows.push([words.nothing_open, ""]);
    for (const [label, value] of rows) {
      const dt = document.createElement("dt");
      dt.textContent = label;
      const dd = document.createElement("dd");
      dd.textContent = value;
      list.append(dt, dd);
    }
    $("why").hidden = false;
    showOpenCase(why.case);
  }

  // The customer's open case, which the agent may escalate to its next tier.
  function showOpenCase(openCase) {
    state.openCase = openCase || null;
    $("escalate").hidden = !openCase;
    if (openCase) $("escalate-case").textContent = fill(words.case_at, { id: openCase.caseId, tier: openCase.tier });
  }

  function formatTime(iso) {
    const moment = new Date(iso);
    if (Number.isNaN(moment.getTime())) return "";
    return new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" }).format(moment);
  }

  function addItems(page) {
    const list = $("timeline");
    for (const item of page.items) {
      const li = document.createElement("li");
      const time = document.createElement("time");
      time.dateTime = item.at || "";
      time.textContent = formatTime(item.at);
      li.append(time, document.createTextNode(item.line));
      list.append(li);
    }
    state.shown += page.items.length;
    state.cursor = page.nextCursor;
    $("timeline-count").textContent = state.shown ? fill(words.page_of, { n: state.shown }) : words.no_history;
    $("more").hidden = !state.cursor;
    $("before").hidden = false;
  }

  function showWrapUp(wrapUp) {
    $("wrap").hidden = false;
    if (!wrapUp) return;
    $("wrap-reason").value = wrapUp.reason || "";
    $("wrap-disposition").value = wrapUp.disposition || "answered";
    $(wrapUp.resolved ? "wrap-resolved-yes" : "wrap-resolved-no").checked = true;
    $("wrap-note").value = wrapUp.note || "";
    if (!wrapUp.editable) {
      for (const control of $("wrap-form").elements) control.disabled = true;
    }
  }

  function reset() {
    for (const id of ["who", "why", "case", "escalate", "find", "before", "wrap", "correct"]) $(id).hidden = true;
    $("timeline").replaceChildren();
    $("find-results").replaceChildren();
    state.cursor = null;
    state.shown = 0;
  }

  async function load(contactId) {
    state.contactId = contactId;
    reset();
    say(words.loading);
    let view;
    try {
      view = await call("GET", withLang(""));
    } catch (e) {
      say(e.message, true);
      return;
    }
    state.customerState = view.state;
    say("");
    if (view.state === "erased") {
      say(words.erased);
    } else if (view.state === "unknown" || view.state === "new") {
      $("find-intro").textContent = view.state === "new" ? words.new_profile : words.unknown;
      $("find").hidden = false;
      if (view.state === "unknown") $("title").textContent = words.unknown_title;
    }
    if (view.who) {
      $("title").textContent = words.title;
      showWho(view.who);
      text("who-verified", view.verification && view.verification.text);
      showWhy(view.why);
      addItems(view.before);
      $("case").hidden = false;
      $("correct").hidden = false;
    }
    showWrapUp(view.wrapUp);
  }

  async function more() {
    try {
      addItems(await call("GET", withLang("/timeline?cursor=" + encodeURIComponent(state.cursor))));
    } catch (e) {
      say(e.message, true);
    }
  }

  function result(customer) {
    const box = document.createElement("div");
    const name = document.createElement("p");
    name.textContent = words.found + ": " + (customer.name || words.no_name) + " · " + customer.tierName
      + " · " + customer.addresses.map((a) => a.label + " " + a.value).join(", ");
    box.append(name);
    const actions = [[words.link, false]];
    if (state.customerState === "new") actions.push([words.merge, true]);
    for (const [label, merge] of actions) {
      const button = document.createElement("button");
      button.type = "button";
      button.textContent = label;
      button.addEventListener("click", async () => {
        try {
          await call("POST", "/link", { customerId: customer.customerId, merge });
        } catch (e) {
          say(e.message, true);
          return;
        }
        await load(state.contactId);
        say(words.linked);
      });
      box.append(button);
    }
    return box;
  }

  async function find(event) {
    event.preventDefault();
    const by = document.querySelector("#find-form input[name=by]:checked").value;
    const value = $("find-value").value.trim();
    if (!value) { $("find-value").focus(); return; }
    // The address goes in the request body, never in a URL.
    let answer;
    try {
      const name = $("find-name").value.trim();
      answer = await call("POST", "/search", name ? { [by]: value, name, lang } : { [by]: value, lang });
    } catch (e) {
      say(e.message, true);
      return;
    }
    const results = $("find-results");
    results.replaceChildren();
    if (!answer.customers.length) {
      const none = document.createElement("p");
      none.textContent = $("find-name").value.trim() ? words.not_found_name : words.not_found;
      results.append(none);
      return;
    }
    for (const customer of answer.customers) results.append(result(customer));
    results.querySelector("button").focus();
  }

  async function wrapUp(event) {
    event.preventDefault();
    const reason = $("wrap-reason").value.trim();
    if (!reason) { $("wrap-reason").focus(); return; }
    try {
      const answer = await call("POST", "/wrap-up", {
        reason, disposition: $("wrap-disposition").value,
        resolved: $("wrap-resolved-yes").checked, note: $("wrap-note").value,
      });
      say(answer.status === "unchanged" ? words.unchanged : words.saved);
    } catch (e) {
      say(e.status === 409 ? words.closed : e.message, true);
    }
  }

  async function openCase(event) {
    event.preventDefault();
    for (const id of ["case-subject", "case-note"]) {
      if (!$(id).value.trim()) { $(id).focus(); return; }
    }
    try {
      const answer = await call("POST", "/case", {
        reason: $("case-reason").value, priority: $("case-priority").value,
        subject: $("case-subject").value.trim(), note: $("case-note").value.trim(),
      });
      say(fill(words.case_opened, { id: answer.caseId, tier: answer.tier, due: formatTime(answer.dueAt) }));
      $("case-form").reset();
      showWhy({ ...state.why, case: { caseId: answer.caseId, tier: answer.tier, queue: answer.queue, status: "open" } });
    } catch (e) {
      say(e.message, true);
    }
  }

  async function escalate(event) {
    event.preventDefault();
    if (!$("escalate-note").value.trim()) { $("escalate-note").focus(); return; }
    const body = { reasonCode: $("escalate-reason").value, note: $("escalate-note").value.trim(), lang };
    if ($("escalate-skip").value.trim()) body.skipReason = $("escalate-skip").value.trim();
    try {
      const answer = await call("POST", "/case/escalate", body);
      say(fill(words.escalated, { id: answer.caseId, from: answer.fromTier, tier: answer.tier }));
      $("escalate-form").reset();
      showWhy({ ...state.why, case: { ...state.openCase, tier: answer.tier, queue: answer.queue } });
    } catch (e) {
      say(e.message, true);
    }
  }

  async function correct(event) {
    event.preventDefault();
    try {
      await call("PATCH", "/customer", { preferredLanguage: $("correct-language").value, tier: $("correct-tier").value });
      say(words.profile_saved);
    } catch (e) {
      say(e.message, true);
    }
  }

  async function consent(event) {
    event.preventDefault();
    const stated = {};
    for (const input of $("consent-channels").querySelectorAll("input[type=checkbox]")) {
      (stated[input.dataset.channel] = stated[input.dataset.channel] || {})[input.dataset.purpose] = input.checked;
    }
    let answer;
    try {
      answer = await call("PATCH", "/customer", { consent: stated });
    } catch (e) {
      say(e.message, true);
      return;
    }
    const changed = Object.keys(answer.consentChanged || {}).length > 0;
    await load(state.contactId);
    say(changed ? words.consent_saved : words.consent_unchanged);
  }

  // A one-time code to an address already on the profile; the agent never types one.
  async function sendCode(event) {
    event.preventDefault();
    try {
      const answer = await call("POST", "/verification-code", { channel: $("code-channel").value, lang });
      say(answer.text);
    } catch (e) {
      say(e.message, true);
    }
  }

  async function summary(event) {
    event.preventDefault();
    const done = $("summary-done").value.split("\n").map((l) => l.trim()).filter(Boolean);
    if (!done.length) { $("summary-done").focus(); return; }
    try {
      await call("POST", "/summary-email", { done });
      say(words.summary_sent);
    } catch (e) {
      say(e.message, true);
    }
  }

  function start() {
    window.signIn(TOKEN_KEY);
    $("find-form").addEventListener("submit", find);
    $("wrap-form").addEventListener("submit", wrapUp);
    $("case-form").addEventListener("submit", openCase);
    $("escalate-form").addEventListener("submit", escalate);
    $("correct-form").addEventListener("submit", correct);
    $("consent-form").addEventListener("submit", consent);
    $("summary-form").addEventListener("submit", summary);
    $("code-form").addEventListener("submit", sendCode);
    $("more").addEventListener("click", more);
    const standalone = new URLSearchParams(window.location.search).get("contactId");
    if (standalone) {
      load(standalone);
      return;
    }
    const sdk = globalThis.AmazonConnectSDK;
    if (!sdk || !sdk.AmazonConnectApp) return;
    // Inside the agent workspace: with the application's per-contact scope, onCreate
    // names the contact this instance of the panel is for.
    sdk.AmazonConnectApp.init({
      onCreate: (event) => {
        const scope = event && event.context && event.context.scope;
        if (scope && scope.contactId) load(scope.contactId);
      },
      onDestroy: () => reset(),
    });
  }

  start();
})();
