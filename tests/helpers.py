"""Loading events from tests/events/ (the shapes AWS documents)."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).parent / "events"


@cache
def _raw(name: str) -> str:
    return (EVENTS / name).read_text(encoding="utf-8")


def load_event(name: str, **contact_data: Any) -> dict[str, Any]:
    """A fresh copy of tests/events/<name>; keyword arguments replace ContactData
    fields of a contact-flow event."""
    event = json.loads(_raw(name))
    if contact_data:
        event["Details"]["ContactData"].update(copy.deepcopy(contact_data))
    return event


ANA = {"firstName": "Ana", "lastName": "Popescu", "email": "ana.popescu@example.ro", "preferredLanguage": "ro-RO",
       "timeZone": "Europe/Bucharest"}


def create_customer(client, **body: Any) -> str:
    """Create a customer through the REST API and return the id: Ana (Romanian,
    with an e-mail address) unless `body` says otherwise; None drops a field."""
    body = {k: v for k, v in {**ANA, **body}.items() if v is not None}
    response = client.http.post("/customers", headers={"Content-Type": "application/json"}, body=json.dumps(body))
    assert response.status_code == 201, response.body
    return json.loads(response.body)["id"]


def load_json(name: str, **fields: Any) -> dict[str, Any]:
    """A fresh copy of tests/events/<name>; keyword arguments replace top-level fields."""
    document = json.loads(_raw(name))
    document.update(copy.deepcopy(fields))
    return document


def ses_feedback_event(message: str, topic: str | None = None) -> dict[str, Any]:
    """An SNS delivery to on_ses_feedback, published on the configured topic unless
    `topic` names another."""
    from chalicelib.settings import get_settings

    topic = topic or get_settings().ses_feedback_topic_arn
    return {"Records": [{"EventSource": "aws:sns", "EventVersion": "1.0", "EventSubscriptionArn": f"{topic}:sub",
                         "Sns": {"Type": "Notification", "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
                                 "TopicArn": topic, "Subject": None, "Message": message,
                                 "Timestamp": "2026-03-02T10:00:00.000Z", "MessageAttributes": {}}}]}


FIRST_SEQUENCE = 49590338271490256608559692538361571095921575989136588898


def kinesis_event(records: list[Any], first_sequence: int = FIRST_SEQUENCE) -> dict[str, Any]:
    """A Kinesis event as Lambda delivers it: each record (a dict is sent as JSON,
    bytes as they are) base64-encoded, with its own sequence number."""
    import base64

    entries = []
    for offset, record in enumerate(records):
        body = record if isinstance(record, bytes) else json.dumps(record).encode()
        sequence = str(first_sequence + offset)
        entries.append({
            "kinesis": {"kinesisSchemaVersion": "1.0", "partitionKey": "connect", "sequenceNumber": sequence,
                        "data": base64.b64encode(body).decode("ascii"), "approximateArrivalTimestamp": 1747213570.123},
            "eventSource": "aws:kinesis", "eventVersion": "1.0",
            "eventID": f"shardId-000000000000:{sequence}", "eventName": "aws:kinesis:record",
            "invokeIdentityArn": "arn:aws:iam::123456789012:role/contact-center-dev",
            "awsRegion": "eu-central-1",
            "eventSourceARN": "arn:aws:kinesis:eu-central-1:123456789012:stream/contact-center-contact-records",
        })
    return {"Records": entries}
