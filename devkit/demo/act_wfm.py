"""Workforce management: two weeks of contact history for the Romanian queue, the
nightly plan, and tomorrow's forecast and staffing per hour."""

from __future__ import annotations

import json
from datetime import date, timedelta

from chalicelib.db import utcnow
from chalicelib.wfm import forecast
from devkit import wfm_history
from devkit.demo.stage import OUT, Stage

QUEUE = "Billing"
ZONE = "Europe/Bucharest"
# The generated history: about 400 calls on an average day, growing 1 % a week.
DEMO_HISTORY = {"first": None, "daily": 400.0, "trend": 0.01, "seed": 14}
SCHEDULED_EVENT = {"version": "0", "id": "demo", "detail-type": "Scheduled Event", "source": "aws.events",
                   "account": "123456789012", "time": "", "region": "eu-central-1", "resources": [], "detail": {}}


def _today() -> date:
    return utcnow().astimezone(forecast.zone(ZONE)).date()


DEMO_HISTORY["first"] = _today() - timedelta(days=14)


def run(stage: Stage) -> None:
    from chalicelib.wfm.intervals import counters_store

    say = stage.transcript.say
    stage.transcript.act("Workforce management: forecast and staffing")
    today = _today()
    params = {k: v for k, v in DEMO_HISTORY.items() if k != "first"}
    history = wfm_history.as_counts(wfm_history.generate(DEMO_HISTORY["first"], 14, **params))
    counters_store().add_history(QUEUE, "VOICE", history, ZONE)
    say(f"Two weeks of calls to the {QUEUE} queue (Romania, {ZONE}): "
        f"{sum(c.offered for c in history.values())} offered, counted per 15-minute interval.")

    status, example = stage.http("POST", "/wfm/erlang", {
        "contacts": 100, "intervalMinutes": 30, "averageHandleSeconds": 180,
        "serviceLevel": {"target": 0.8, "seconds": 20}, "shrinkage": 0.3})
    say("POST /wfm/erlang: 100 calls in 30 minutes, 180 s each, 80 % answered within 20 s, 30 % shrinkage:")
    stage.transcript.detail(str(status), example)

    outcome = stage.invoke("wfm_daily_plan", SCHEDULED_EVENT)
    say(f"The nightly job planned {', '.join(outcome['planned']) or 'nothing'}"
        + (f"; too little history yet for {', '.join(outcome['tooLittleHistory'])}"
           if outcome["tooLittleHistory"] else ""))
    tomorrow = today + timedelta(days=1)
    status, plan = stage.http("GET", f"/wfm/plan?queue={QUEUE}&from={tomorrow.isoformat()}&days=1")
    history_used = plan["history"]
    holiday = plan["holidays"].get(tomorrow.isoformat())
    say(f"GET /wfm/plan for tomorrow, {tomorrow:%A %d %B %Y}{f' ({holiday}, a public holiday)' if holiday else ''}: "
        f"from {history_used['days']} days of history ({history_used['from']} to {history_used['to']}), "
        f"target {plan['serviceLevel']['target']:.0%} in {plan['serviceLevel']['seconds']:.0f} s")
    say(f"{'hour':<7}{'calls':>7}{'AHT s':>7}{'agents':>8}{'staff':>7}{'SL':>7}")
    hours: dict[str, list[dict]] = {}
    for interval in plan["intervals"]:
        hours.setdefault(interval["start"][11:13], []).append(interval)
    for hour, intervals in sorted(hours.items()):
        calls = sum(i["forecastContacts"] for i in intervals)
        if calls < 1:
            continue
        busiest = max(intervals, key=lambda i: i["agents"])
        aht = sum(i["averageHandleSeconds"] * i["forecastContacts"] for i in intervals) / calls
        say(f"{hour}:00  {calls:>6.0f}{aht:>7.0f}{busiest['agents']:>8}{busiest['staff']:>7}"
            f"{min(i['serviceLevel'] for i in intervals):>7.0%}")
    say("agents and staff: the most any quarter of the hour needs; SL: the lowest any quarter expects.")
    (OUT / "wfm").mkdir(parents=True, exist_ok=True)
    (OUT / "wfm" / "plan-tomorrow.json").write_text(json.dumps(plan, indent=1), encoding="utf-8")
    say("The whole plan, per 15-minute interval: out/wfm/plan-tomorrow.json")
