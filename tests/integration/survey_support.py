"""What the survey tests share: a clock for the surveys, contact records of handled
contacts (from the AWS-shaped fixture), the invitation link, the stored survey."""

from __future__ import annotations

import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from tests.helpers import kinesis_event, load_json

BUCHAREST = ZoneInfo("Europe/Bucharest")
# Midday in Bucharest today: outside the quiet hours of every seeded time zone.
NOON = datetime.now(BUCHAREST).replace(hour=12, minute=0, second=0, microsecond=0).astimezone(UTC)
_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")
LINK = re.compile(r"http://127\.0\.0\.1:8000/api(/s/[A-Za-z0-9_.-]+)")


@pytest.fixture
def clock(monkeypatch):
    """The surveys' clock, frozen at NOON unless set: clock(datetime)."""
    state = {"now": NOON}
    monkeypatch.setattr("chalicelib.surveys.service.utcnow", lambda: state["now"])

    def set_to(moment: datetime) -> datetime:
        state["now"] = moment
        return moment

    return set_to


def shifted(document: dict[str, Any], start: datetime) -> dict[str, Any]:
    """The record with every timestamp moved so that its contact started at `start`."""
    first = datetime.fromisoformat(document["InitiationTimestamp"].replace("Z", "+00:00"))
    shift = start - first

    def walk(value: Any) -> Any:
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, str) and _STAMP.match(value):
            moment = datetime.fromisoformat(value.replace("Z", "+00:00")) + shift
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        return value

    return walk(document)


def contact_record(customer_id: str | None, *, contact_id: str | None = None, channel: str = "VOICE",
                   start: datetime | None = None, queue: str = "Billing", agent: str | None = "ioana.m",
                   method: str = "INBOUND", reason: str = "billing", **fields: Any) -> dict[str, Any]:
    """The contact record of a contact an agent handled (the CTR fixture, moved to
    `start`, by default 25 minutes before NOON)."""
    record = shifted(load_json("contact-records/chat.json"), start or NOON - timedelta(minutes=25))
    record.update(ContactId=contact_id or str(uuid.uuid4()), Channel=channel, InitiationMethod=method)
    record["Attributes"] = {"contactReason": reason, **({"customerId": customer_id} if customer_id else {})}
    record["Queue"]["Name"] = queue
    if agent is None:
        record["Agent"] = None
    else:
        record["Agent"]["Username"] = agent
    record["MediaStreams"] = [{"Type": "AUDIO" if channel == "VOICE" else channel}]
    record.update(fields)
    return record


def deliver(client, *records: dict[str, Any]) -> dict[str, Any]:
    """Kinesis delivers the records to on_contact_record."""
    return client.lambda_.invoke("on_contact_record", kinesis_event(list(records))).payload


def survey_item(contact_id: str) -> Any:
    from chalicelib.surveys.models import SurveyModel

    try:
        return SurveyModel.get(contact_id, consistent_read=True)
    except SurveyModel.DoesNotExist:
        return None


def invitations() -> list[Any]:
    from devkit.mailbox import sent_emails

    return [m for m in sent_emails() if LINK.search(m.text)]


def link_of(mail: Any) -> str:
    """The survey page path of an invitation (as the route sees it)."""
    return LINK.search(mail.text).group(1)


def counters_of(day: str) -> dict[str, dict[str, int]]:
    """Every counter of one day: {"<dimension>#<value>": {field: n}}, zeros left out."""
    from chalicelib.db import connection
    from chalicelib.settings import get_settings
    from chalicelib.wire import item_from_wire

    found: dict[str, dict[str, int]] = {}
    for page in connection().client.get_paginator("scan").paginate(TableName=get_settings().metrics_table):
        for item in page["Items"]:
            plain = item_from_wire(item)
            if plain.pop("day", None) != day:  # per-interval counters (wfm) have none
                continue
            fields = found.setdefault(f"{plain.pop('dimension')}#{plain.pop('value')}", {})
            for name, n in plain.items():  # the shards of a counter add up
                if name not in ("series", "slot", "expires_at"):
                    fields[name] = fields.get(name, 0) + n
    return {key: kept for key, fields in found.items() if (kept := {k: n for k, n in fields.items() if n})}


def form(**answers: Any) -> dict[str, Any]:
    from urllib.parse import urlencode

    return {"headers": {"Content-Type": "application/x-www-form-urlencoded"}, "body": urlencode(answers)}


def metrics(client, day: str, by: str | None = None) -> dict[str, Any]:
    path = f"/metrics?from={day}&to={day}" + (f"&by={by}" if by else "")
    response = client.http.get(path)
    assert response.status_code == 200, response.body
    return json.loads(response.body)
