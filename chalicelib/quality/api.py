"""The quality routes: the week's sample to evaluate, evaluations in and out, scores.

- `GET /qa/queue?week=2026-W48[&agent=]`: per agent who handled contacts that week,
  their sampled contacts (QA_SAMPLE_PER_AGENT), each evaluated or not, and the
  week's average score.
- `POST /qa/evaluations`: see chalicelib.quality.evaluations.
- `GET /qa/evaluations?agent=<user name>`: the agent's evaluations, newest first.
- `GET /qa/scores?week=`: the roll-ups per agent and queue, with each criterion's
  share of the top rating.
- `POST /qa/agents/{agent}/erase`: an agent's evaluations and per-agent scores,
  deleted (their export is `GET /qa/evaluations?agent=`).

An agent is named as Amazon Connect's contact records name them (Agent.Username),
like the KPI counters per agent and the agent panel's timeline. With the Cognito
authorizer, a caller outside the QA_SUPERVISOR_GROUP group reads only their own
evaluations (their `cognito:username`); with IAM, the caller's policy decides.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from chalicelib.errors import Forbidden, InvalidInput, only_params
from chalicelib.metrics import counters
from chalicelib.quality import evaluations, sampling, scorecards
from chalicelib.settings import Settings, get_settings

_AGENT = re.compile(r"[^\x00-\x1f\x7f#]{1,128}")


def _agent(raw: str | None, required: bool) -> str | None:
    if raw is None and not required:
        return None
    if raw is None or not _AGENT.fullmatch(raw) or not raw.strip():
        raise InvalidInput("agent must be the agent's Amazon Connect user name (up to 128 characters, no '#')")
    return counters.clean_value(raw)


def queue(query: Mapping[str, str] | None, settings: Settings | None = None) -> dict[str, Any]:
    settings = settings or get_settings()
    query = only_params(query, ("week", "agent"))
    week = sampling.parse_week(query.get("week"), settings)
    only = _agent(query.get("agent"), required=False)
    handled = sampling.agents_of(week)
    if only is not None:
        handled = {only: handled.get(only, 0)}
    samples = {agent: sampling.sample(week, agent, settings.qa_sample_per_agent, settings) for agent in sorted(handled)}
    done = evaluations.evaluated([c["contact_id"] for found in samples.values() for c in found], settings)
    scores = evaluations.rollups(week, settings)
    agents = []
    for agent, found in samples.items():
        contacts = []
        for candidate in found:
            evaluation = done.get(candidate["contact_id"])
            contacts.append({"contactId": candidate["contact_id"], "startedAt": candidate.get("started_at"),
                             "channel": candidate.get("channel"), "queue": candidate.get("queue"),
                             "reason": candidate.get("reason"), "handleSeconds": candidate.get("handle_seconds"),
                             "evaluated": evaluation is not None,
                             "score": evaluation["score"] if evaluation else None})
        mine = scores.get(f"agent#{agent}", {})
        agents.append({"agent": agent, "handled": handled[agent], "sampled": len(contacts),
                       "evaluated": mine.get("evaluations", 0), "averageScore": evaluations.average(mine),
                       "contacts": contacts})
    return {"week": week.name, "from": week.first.isoformat(), "to": week.last.isoformat(),
            "timeZone": settings.metrics_time_zone, "perAgent": settings.qa_sample_per_agent,
            "scorecard": settings.qa_scorecard, "averageScore": evaluations.average(scores.get("all")),
            "agents": agents}


def record(body: Mapping[str, Any], settings: Settings | None = None) -> tuple[int, dict[str, Any]]:
    return evaluations.record(body, settings or get_settings())


def caller_may_read(agent: str, request_context: Mapping[str, Any] | None, settings: Settings) -> None:
    """Forbidden when a Cognito-signed-in caller who is not a supervisor asks for
    another agent's evaluations."""
    claims = ((request_context or {}).get("authorizer") or {}).get("claims")
    if not isinstance(claims, Mapping):
        return  # IAM or the local run: the caller's policy decides
    groups = claims.get("cognito:groups") or ""
    groups = groups if isinstance(groups, list) else re.split(r"[,\s]+", str(groups).strip("[]"))
    if settings.qa_supervisor_group in groups:
        return
    if counters.clean_value(str(claims.get("cognito:username") or "")) != agent:
        raise Forbidden("agents read their own evaluations only")


def of_agent(query: Mapping[str, str] | None, request_context: Mapping[str, Any] | None = None,
             settings: Settings | None = None) -> dict[str, Any]:
    settings = settings or get_settings()
    query = only_params(query, ("agent",))
    agent = _agent(query.get("agent"), required=True) or ""
    caller_may_read(agent, request_context, settings)
    return {"agent": agent, "evaluations": evaluations.of_agent(agent, settings)}


def erase_agent(agent: str, body: object, settings: Settings | None = None) -> dict[str, Any]:
    """`POST /qa/agents/{agent}/erase`: an agent's evaluations and scores, deleted."""
    if body not in (None, {}):
        raise InvalidInput("erasure takes no request body")
    name = _agent(agent, required=True) or ""
    return {"agent": name, "erased": evaluations.erase_agent(name, settings or get_settings())}


def scores(query: Mapping[str, str] | None, settings: Settings | None = None) -> dict[str, Any]:
    settings = settings or get_settings()
    query = only_params(query, ("week",))
    week = sampling.parse_week(query.get("week"), settings)
    found = evaluations.rollups(week, settings)
    scorecard = scorecards.get(settings.qa_scorecard)
    criteria = [c.id for c in scorecard.criteria] if scorecard else []

    def shown(values: Mapping[str, int]) -> dict[str, Any]:
        return {"evaluations": values.get("evaluations", 0), "averageScore": evaluations.average(values),
                "criticalFails": values.get("critical_fails", 0)}

    def groups(prefix: str, name: str) -> list[dict[str, Any]]:
        return [{name: slot[len(prefix):], **shown(values)} for slot, values in sorted(found.items())
                if slot.startswith(prefix)]

    total = found.get("all", {})
    return {"week": week.name, "total": shown(total),
            "criteria": {cid: evaluations.criterion_percent(total, cid) for cid in criteria},
            "agents": groups("agent#", "agent"), "queues": groups("queue#", "queue")}
