// Quality evaluations: pick a sampled contact, rate every criterion, send the form
// as JSON to POST /qa/evaluations and show the score the service computed. The
// preview uses the scorecard's weights from the page; the service's score is the one
// kept. Words come from the page (data-words); nothing here is translated.
(function () {
  "use strict";
  var main = document.getElementById("qa");
  var words = JSON.parse(main.getAttribute("data-words"));
  var form = document.getElementById("evaluation");
  var title = document.getElementById("form-title");
  var result = document.getElementById("result");
  var preview = document.getElementById("preview");
  var current = null;

  function fill(template, values) {
    return template.replace(/\{(\w+)\}/g, function (_, key) { return String(values[key]); });
  }

  function say(text, kind) {
    result.textContent = text;
    result.className = kind || "";
  }

  function ratings() {
    var found = {};
    form.querySelectorAll("fieldset[data-criterion]").forEach(function (set) {
      var checked = set.querySelector("input:checked");
      found[set.getAttribute("data-criterion")] = checked ? Number(checked.value) : null;
    });
    return found;
  }

  // The same rule as chalicelib/quality/scorecards.py: a critical criterion rated 0
  // makes 0; otherwise the weighted mean as a percentage of the top rating.
  function score(given) {
    var top = Number(form.getAttribute("data-top"));
    var total = 0, earned = 0, complete = true, failed = false;
    form.querySelectorAll("fieldset[data-criterion]").forEach(function (set) {
      var rating = given[set.getAttribute("data-criterion")];
      var weight = Number(set.getAttribute("data-weight"));
      if (rating === null) { complete = false; return; }
      if (rating === 0 && set.getAttribute("data-critical") === "true") { failed = true; }
      total += weight;
      earned += weight * rating;
    });
    if (failed) { return 0; }
    if (!complete || !total) { return null; }
    return Math.floor(earned * 100 / (total * top) + 0.5);
  }

  function pick(button) {
    current = {contactId: button.getAttribute("data-contact"), row: button.closest("tr"),
               agent: button.getAttribute("data-agent")};
    form.reset();
    preview.textContent = "—";
    say("");
    title.textContent = fill(words.form_title, {contact: current.contactId});
    form.hidden = false;
    form.querySelector("input").focus();
  }

  document.querySelectorAll("button.pick").forEach(function (button) {
    button.addEventListener("click", function () { pick(button); });
  });

  form.addEventListener("change", function () {
    var value = score(ratings());
    preview.textContent = value === null ? "—" : value + " / 100";
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    if (!current) { return; }
    var given = ratings();
    var missing = Object.keys(given).filter(function (key) { return given[key] === null; });
    if (missing.length) {
      say(words.rate_all, "error");
      form.querySelector("fieldset[data-criterion='" + missing[0] + "'] input").focus();
      return;
    }
    var body = {contactId: current.contactId, scorecard: form.getAttribute("data-scorecard"), ratings: given,
                comment: document.getElementById("comment").value};
    var saving = current;
    fetch("../qa/evaluations", {
      method: "POST", credentials: "same-origin", cache: "no-store",
      headers: {"Content-Type": "application/json", "Accept": "application/json"}, body: JSON.stringify(body),
    }).then(function (response) {
      return response.json().catch(function () { return null; }).then(function (answer) {
        if (!response.ok) {
          var readable = response.status < 500 && answer && typeof answer.Message === "string";
          throw new Error(readable ? fill(words.failed, {message: answer.Message}) : words.unavailable);
        }
        return answer;
      });
    }, function () { throw new Error(words.unavailable); }).then(function (evaluation) {
      var state = saving.row.querySelector(".state");
      var done = document.createElement("span");
      done.className = "done";
      done.textContent = fill(words.score_of, {score: evaluation.score});
      state.replaceChildren(done);
      form.hidden = true;
      current = null;
      title.textContent = words.pick_first;
      say(fill(words.saved, {score: evaluation.score}), "ok");
    }).catch(function (error) { say(error.message, "error"); });
  });
}());
