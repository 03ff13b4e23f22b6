"""Quality and the monthly review: a supervisor opens this week's sample of each
agent's handled contacts, evaluates two against the scorecard, and the scores roll
up; the agent reads theirs; the month's review is put together from the counters.

With Chromium installed, `make demo` also photographs the evaluation page and the
monthly review (out/screens/)."""

from __future__ import annotations

import contextlib
import io
import shutil

from devkit.demo.stage import OUT, Stage

RATINGS = [
    {"greeting": 3, "understanding": 3, "resolution": 2, "empathy": 3, "compliance": 3, "documentation": 2},
    {"greeting": 2, "understanding": 1, "resolution": 1, "empathy": 2, "compliance": 3, "documentation": 1},
]


def run(stage: Stage) -> None:
    t = stage.transcript
    t.act("Quality: a fair sample of each agent's week, evaluated against the scorecard; the monthly review")
    status, queue = stage.http("GET", "/qa/queue")
    t.say(f"GET /qa/queue -> {status}: week {queue['week']}, {len(queue['agents'])} agent(s), "
          f"up to {queue['perAgent']} contacts each, chosen by hash rank (the same for every supervisor)")
    sampled = [(a["agent"], c) for a in queue["agents"] for c in a["contacts"] if not c["evaluated"]]
    for (agent, contact), ratings in zip(sampled, RATINGS, strict=False):
        status, evaluation = stage.http("POST", "/qa/evaluations", {
            "contactId": contact["contactId"], "ratings": ratings,
            "comment": "Clear explanation; confirm the next step before closing."})
        t.say(f"POST /qa/evaluations ({agent}, {contact['channel']}, {contact['queue']}) -> {status}: "
              f"score {evaluation['score']} / 100")
    status, scores = stage.http("GET", f"/qa/scores?week={queue['week']}")
    t.detail("week", f"{scores['total']['evaluations']} evaluation(s), average {scores['total']['averageScore']}")
    for agent in scores["agents"]:
        status, mine = stage.http("GET", f"/qa/evaluations?agent={agent['agent']}")
        t.detail(agent["agent"], f"reads {len(mine['evaluations'])} evaluation(s) of their own")
    status, _ = stage.http("GET", "/dashboard/review")
    t.say(f"GET /dashboard/review -> {status}: the month's reasons, repeats, detractor themes, gaps, quality")
    if getattr(stage, "screens", False):
        screenshots(stage, queue["week"])


def screenshots(stage: Stage, week: str) -> None:
    t = stage.transcript
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        t.say("Chromium is not installed: no screenshots (`make test` installs it, as root).")
        return
    from playwright.sync_api import sync_playwright

    from app import app
    from devkit.serve import http_server

    screens = OUT / "screens"
    screens.mkdir(parents=True, exist_ok=True)
    args = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync", "--disable-dev-shm-usage"]
    with contextlib.redirect_stderr(io.StringIO()), http_server(app) as base, sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium, headless=True, args=args)
        page = browser.new_page(viewport={"width": 1100, "height": 1200}, locale="en-GB")
        page.set_default_timeout(10_000)
        page.goto(f"{base}/dashboard/qa?week={week}&lang=en")
        pick = page.locator("button.pick").first
        if pick.count():
            pick.click()
        page.screenshot(path=str(screens / "quality-evaluation.png"), full_page=True)
        page.goto(f"{base}/dashboard/review?lang=en")
        page.emulate_media(media="print")
        page.screenshot(path=str(screens / "monthly-review.png"), full_page=True)
        browser.close()
    t.say("Screenshots: out/screens/quality-evaluation.png, out/screens/monthly-review.png")
