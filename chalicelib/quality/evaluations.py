"""Evaluations: a supervisor's ratings of one contact against a scorecard, a 0-100
score, and a comment; written once, with the roll-ups per agent, queue and week.

`POST /qa/evaluations` takes `{"contactId", "ratings": {criterion: rating},
"comment"?, "scorecard"?}`. Everything is checked before the first write (the body,
the scorecard, every criterion rated once within the scale, the contact handled by
an agent and not erased); a bad request is a 400 naming what is wrong and writes
nothing. The agent, queue and week are the contact's, read from the interaction,
never taken from the caller.

Once per contact: the evaluation and the roll-up counters are written in one
transaction conditional on the evaluation being new, so a retry counts nothing twice.
Sending the same evaluation again answers it again (200); a different one for a
contact already evaluated is a 409.

Comments may describe the agent and quote the customer: they are never logged.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.db import Contended, connection, dynamo_errors, transact_write, utcnow
from chalicelib.errors import Conflict, InvalidInput, NotFound, only_fields
from chalicelib.quality import scorecards
from chalicelib.quality.sampling import HandledContact, Week, handled_contact, read_interaction
from chalicelib.settings import Settings
from chalicelib.wire import counter_update, from_wire, to_wire

MAX_COMMENT = 2000
FIELDS = ("contactId", "ratings", "comment", "scorecard")
_CONTACT_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.:-]{0,127}")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def evaluation_key(contact_id: str) -> dict[str, Any]:
    return {"key": to_wire(f"evaluation#{contact_id}"), "item": to_wire("-")}


def rollup_key(week: Week) -> str:
    return f"scores#{week.name}"


def parse(body: Mapping[str, Any], settings: Settings) -> tuple[str, scorecards.Scorecard, dict[str, int], str]:
    """(contact id, scorecard, ratings, comment) of a request body, or InvalidInput."""
    only_fields(body, FIELDS)
    contact_id = body.get("contactId")
    if not isinstance(contact_id, str) or not _CONTACT_ID.fullmatch(contact_id):
        raise InvalidInput("contactId must be the id of the contact evaluated (letters, digits, '-', up to 128)")
    scorecard_id = body.get("scorecard", settings.qa_scorecard)
    scorecard = scorecards.get(scorecard_id) if isinstance(scorecard_id, str) else None
    if scorecard is None:
        raise InvalidInput(f"scorecard must be one of {', '.join(sorted(scorecards.all_scorecards()))}")
    ratings = body.get("ratings")
    if not isinstance(ratings, dict):
        raise InvalidInput("ratings must be an object: {criterion: rating}")
    unknown = sorted(set(ratings) - {c.id for c in scorecard.criteria})
    if unknown:
        raise InvalidInput(f"ratings: unknown criterion(s) {', '.join(unknown)}; "
                           f"scorecard {scorecard.id} has {', '.join(c.id for c in scorecard.criteria)}")
    missing = [c.id for c in scorecard.criteria if c.id not in ratings]
    if missing:
        raise InvalidInput(f"ratings: every criterion must be rated; missing {', '.join(missing)}")
    for criterion_id, rating in ratings.items():
        if isinstance(rating, bool) or not isinstance(rating, int) or rating not in scorecard.ratings:
            raise InvalidInput(f"ratings.{criterion_id} must be a whole number from 0 to {scorecard.top}")
    comment = body.get("comment", "")
    if not isinstance(comment, str) or len(comment) > MAX_COMMENT or _CONTROL.search(comment):
        raise InvalidInput(f"comment must be text of at most {MAX_COMMENT} characters")
    return contact_id, scorecard, {c.id: ratings[c.id] for c in scorecard.criteria}, comment.strip()


def document(item: Mapping[str, Any]) -> dict[str, Any]:
    """An evaluation as the API and the pages show it."""
    shown = {"contactId": item["contact_id"], "agent": item["evaluated_agent"], "week": item["week"],
             "queue": item.get("queue"), "channel": item.get("channel"), "reason": item.get("reason"),
             "contactStartedAt": item.get("started_at"), "scorecard": item["scorecard"],
             "scorecardVersion": item.get("scorecard_version"), "ratings": item.get("ratings") or {},
             "score": item["score"], "comment": item.get("comment", ""), "evaluatedAt": item["evaluated_at"]}
    if item.get("comment_erased"):
        shown["commentErased"] = True
    return shown


def _existing(contact_id: str, settings: Settings) -> dict[str, Any] | None:
    with dynamo_errors("reading an evaluation"):
        found = connection().client.get_item(TableName=settings.quality_table, ConsistentRead=True,
                                             Key=evaluation_key(contact_id))
    item = found.get("Item")
    return {k: from_wire(v) for k, v in item.items()} if item else None


def _rollup_updates(contact: HandledContact, scorecard: scorecards.Scorecard, ratings: Mapping[str, int],
                    score: int, expires: int, settings: Settings) -> list[dict[str, Any]]:
    fields = {"evaluations": 1, "score_sum": score, "critical_fails": int(score == 0 and any(
        c.critical and ratings[c.id] == 0 for c in scorecard.criteria))}
    per_criterion = {f"rating_{cid}": rating for cid, rating in ratings.items()}
    updates = []
    for slot, extra in (("all", per_criterion), (f"agent#{contact.agent}", per_criterion),
                        (f"queue#{contact.queue}", {})):
        updates.append(counter_update(settings.quality_table, {"key": rollup_key(contact.week), "item": slot},
                                      {**fields, **extra}, {"expires_at": expires, "rating_top": scorecard.top}))
    return updates


def record(body: Mapping[str, Any], settings: Settings) -> tuple[int, dict[str, Any]]:
    """Record an evaluation: (201, it) when new, (200, it) when the same was recorded."""
    contact_id, scorecard, ratings, comment = parse(body, settings)
    contact = handled_contact(read_interaction(contact_id, settings), settings.metrics_time_zone)
    if contact is None:
        raise NotFound(f"no ended contact {contact_id} handled by an agent (unknown, still going on, or erased)")
    score = scorecard.score(ratings)
    existing = _existing(contact_id, settings)
    if existing is not None:
        return _same_or_conflict(existing, scorecard, ratings, comment)
    now = utcnow()
    expires = int((now + timedelta(days=settings.qa_retention_days)).timestamp())
    item: dict[str, Any] = {
        "contact_id": contact_id, "evaluated_agent": contact.agent, "evaluated_at": _iso(now),
        "week": contact.week.name, "queue": contact.queue, "channel": contact.channel,
        "started_at": contact.started_at, "scorecard": scorecard.id, "scorecard_version": scorecard.version,
        "ratings": ratings, "score": score, "expires_at": expires}
    if contact.reason:
        item["reason"] = contact.reason
    if comment:
        item["comment"] = comment
    put = {"Put": {"TableName": settings.quality_table,
                   "Item": {**evaluation_key(contact_id), **{k: to_wire(v) for k, v in item.items()}},
                   "ConditionExpression": "attribute_not_exists(#k)", "ExpressionAttributeNames": {"#k": "key"}}}
    try:
        with dynamo_errors("recording an evaluation"):
            transact_write(connection().client,
                           [put, *_rollup_updates(contact, scorecard, ratings, score, expires, settings)])
    except Contended:
        # Another supervisor's evaluation of the same contact landed first.
        existing = _existing(contact_id, settings)
        if existing is None:
            raise Conflict("the evaluation could not be recorded: the roll-ups were busy; send it again") from None
        return _same_or_conflict(existing, scorecard, ratings, comment)
    return 201, document(item)


def _same_or_conflict(existing: Mapping[str, Any], scorecard: scorecards.Scorecard, ratings: Mapping[str, int],
                      comment: str) -> tuple[int, dict[str, Any]]:
    if (existing.get("scorecard") == scorecard.id and existing.get("ratings") == dict(ratings)
            and existing.get("comment", "") == comment):
        return 200, document(existing)
    raise Conflict(f"contact {existing['contact_id']} was already evaluated on {existing['evaluated_at'][:10]}: "
                   "an evaluation is recorded once")


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def of_agent(agent: str, settings: Settings, limit: int = 50) -> list[dict[str, Any]]:
    """The agent's live evaluations, newest first."""
    now = utcnow().timestamp()
    with dynamo_errors("reading an agent's evaluations"):
        page = connection().client.query(
            TableName=settings.quality_table, IndexName="by_agent", Limit=limit, ScanIndexForward=False,
            KeyConditionExpression="evaluated_agent = :agent",
            ExpressionAttributeValues={":agent": to_wire(agent)})
    items = [{k: from_wire(v) for k, v in raw.items()} for raw in page.get("Items", [])]
    return [document(item) for item in items if int(item.get("expires_at") or now + 1) > now]


def evaluated(contact_ids: list[str], settings: Settings) -> dict[str, dict[str, Any]]:
    """The evaluations of these contacts that exist, by contact id (BatchGetItem)."""
    found: dict[str, dict[str, Any]] = {}
    client = connection().client
    for start in range(0, len(contact_ids), 100):
        pending: dict[str, Any] = {settings.quality_table: {
            "Keys": [evaluation_key(cid) for cid in dict.fromkeys(contact_ids[start:start + 100])]}}
        for _ in range(6):
            with dynamo_errors("reading evaluations"):
                answer = client.batch_get_item(RequestItems=pending)
            for raw in answer.get("Responses", {}).get(settings.quality_table, []):
                item = {k: from_wire(v) for k, v in raw.items()}
                found[item["contact_id"]] = item
            pending = answer.get("UnprocessedKeys") or {}
            if not pending:
                break
    return found


def rollups(week: Week, settings: Settings) -> dict[str, dict[str, int]]:
    """The week's roll-ups by slot (`all`, `agent#<agent>`, `queue#<queue>`)."""
    now = utcnow().timestamp()
    request: dict[str, Any] = {"TableName": settings.quality_table, "KeyConditionExpression": "#k = :key",
                               "ExpressionAttributeNames": {"#k": "key"},
                               "ExpressionAttributeValues": {":key": to_wire(rollup_key(week))}}
    found = {}
    while True:
        with dynamo_errors("reading quality scores"):
            page = connection().client.query(**request)
        for raw in page.get("Items", []):
            item = {k: from_wire(v) for k, v in raw.items()}
            if int(item.get("expires_at") or now + 1) > now:
                found[item["item"]] = {k: v for k, v in item.items() if isinstance(v, int) and k != "expires_at"}
        if not page.get("LastEvaluatedKey"):
            return found
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]


def average(values: Mapping[str, int] | None) -> float | None:
    if not values or not values.get("evaluations"):
        return None
    return round(values["score_sum"] / values["evaluations"], 1)


def criterion_percent(values: Mapping[str, int], criterion_id: str) -> float | None:
    n, top = values.get("evaluations"), values.get("rating_top")
    if not n or not top or f"rating_{criterion_id}" not in values:
        return None
    return round(values[f"rating_{criterion_id}"] * 100 / (n * top), 1)


def erase_agent(agent: str, settings: Settings) -> dict[str, int]:
    """Delete everything quality holds about an agent who asks for it (or leaves):
    their evaluations, expired ones included, and their roll-ups of the weeks those
    were in. The totals per queue and week keep their numbers (no one's in particular).
    Safe to run again: a second run finds nothing left."""
    client = connection().client
    request: dict[str, Any] = {"TableName": settings.quality_table, "IndexName": "by_agent",
                               "KeyConditionExpression": "evaluated_agent = :agent",
                               "ExpressionAttributeValues": {":agent": to_wire(agent)}}
    weeks: set[str] = set()
    erased = 0
    while True:
        with dynamo_errors("reading an agent's evaluations"):
            page = client.query(**request)
        for raw in page.get("Items", []):
            weeks.add(from_wire(raw["week"]))
            with dynamo_errors("erasing an agent's evaluation"):
                client.delete_item(TableName=settings.quality_table, Key={"key": raw["key"], "item": raw["item"]})
            erased += 1
        if not page.get("LastEvaluatedKey"):
            break
        request["ExclusiveStartKey"] = page["LastEvaluatedKey"]
    for week in sorted(weeks):
        with dynamo_errors("erasing an agent's scores"):
            client.delete_item(TableName=settings.quality_table,
                               Key={"key": to_wire(f"scores#{week}"), "item": to_wire(f"agent#{agent}")})
    return {"evaluations": erased, "weeks": len(weeks)}
