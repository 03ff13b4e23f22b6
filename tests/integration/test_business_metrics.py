"""Business metrics operators chart without reading logs: flow answers by status,
contacts ingested, messages sent by channel and outcome, published as CloudWatch
embedded-metric-format lines (no API call on the way)."""

from __future__ import annotations

import json

import pytest

from chalicelib.notify import messages
from tests.helpers import create_customer, kinesis_event, load_event, load_json


@pytest.fixture
def metrics(monkeypatch, capsys):
    """The metrics the functions publish (the local stage keeps them off)."""
    monkeypatch.setenv("POWERTOOLS_METRICS_DISABLED", "false")

    def published(name):
        found = []
        for line in capsys.readouterr().out.splitlines():
            document = json.loads(line) if line.startswith('{"_aws"') else None
            if document and name in document:
                [directive] = document["_aws"]["CloudWatchMetrics"]
                assert directive["Namespace"] == "ContactCenter"
                value = document[name]
                found.append({**{d: document[d] for d in directive["Dimensions"][0]},
                              "value": sum(value) if isinstance(value, list) else value})
        return found

    return published


def test_each_flow_answer_is_counted_by_function_and_status(client, metrics):
    # Given a caller nobody knows yet
    # When Connect asks who is calling
    answer = client.lambda_.invoke("lookup_customer", load_event("connect/voice_inbound.json")).payload
    # Then the answer is counted under its function and status
    assert metrics("FlowAnswers") == [
        {"function": "lookup_customer", "status": answer["status"], "service": "contact-center", "value": 1.0}]


def test_contacts_ingested_from_contact_records_are_counted(client, metrics):
    # When two contact records arrive, one of them unreadable
    result = client.lambda_.invoke("on_contact_record", kinesis_event(
        [load_json("contact-records/chat.json"), b"not json"])).payload
    # Then the one recorded is counted, the other is reported for retry
    assert len(result["batchItemFailures"]) == 1
    assert [m["value"] for m in metrics("ContactsIngested")] == [1.0]


def test_messages_are_counted_by_channel_and_outcome_once(client, metrics):
    customer = create_customer(client)
    body = {"template": "contact_summary", "variables": messages.TYPES["contact_summary"].sample,
            "idempotencyKey": "contact:4a573372"}
    # When an agent sends a summary, and their tool sends it again
    for _ in range(2):
        client.http.post(f"/customers/{customer}/messages", headers={"Content-Type": "application/json"},
                         body=json.dumps(body))
    # Then one e-mail is counted as sent
    assert [(m["channel"], m["outcome"], m["value"]) for m in metrics("MessagesSent")] == [("email", "sent", 1.0)]
