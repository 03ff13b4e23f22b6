"""What the journey tests share: orders in the built-in order source, contact-flow
events, stubbed services moto lacks, the schedules on moto's EventBridge Scheduler."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

import pytest
from botocore.stub import Stubber

from chalicelib.db import utcnow
from tests.helpers import load_event

PHONE_NUMBER_ID = "phone-number-id-5f811eaa4c81499384c496b909afbb1a"
INSTANCE_ID = "c8c0e68d-2200-4265-82c0-5f3a1b2c3d4e"


@pytest.fixture
def social(aws):
    """End User Messaging Social, stubbed: every request must be one the test expects."""
    from chalicelib.notify import whatsapp

    with Stubber(whatsapp.client()) as stub:
        yield stub
        stub.assert_no_pending_responses()


@pytest.fixture
def connect(aws):
    """Amazon Connect's contact APIs, stubbed."""
    from chalicelib.connect import client

    with Stubber(client.client()) as stub:
        yield stub
        stub.assert_no_pending_responses()


def whatsapp_body(request_message: bytes) -> dict[str, Any]:
    return json.loads(request_message)


def expect_whatsapp(social: Stubber, message: dict[str, Any] | None = None, message_id: str = "m-1") -> None:
    """One SendWhatsAppMessage, with exactly `message` when given."""
    expected = None
    if message is not None:
        expected = {"originationPhoneNumberId": PHONE_NUMBER_ID, "metaApiVersion": "v20.0",
                    "message": json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")}
    social.add_response("send_whatsapp_message", {"messageId": message_id}, expected)


def save_order(number: str, customer_id: str, status: str = "delivered", delivered_days_ago: int | None = 3,
               total_minor: int | None = 124990, currency: str | None = "RON") -> None:
    from chalicelib.retail.orders import Order, TableOrderSource, order_key
    from chalicelib.settings import get_settings

    now = utcnow()
    delivered = now - timedelta(days=delivered_days_ago) if delivered_days_ago is not None else None
    TableOrderSource(get_settings()).save(Order(
        number=number, key=order_key(number), customer_id=customer_id, status=status,
        placed_at=(delivered or now) - timedelta(days=2), delivered_at=delivered, total_minor=total_minor,
        currency=currency))


def flow_event(contact_id: str, *, parameters: dict[str, str] | None = None, address: str | None = "+40712345678",
               channel: str = "VOICE", attributes: dict[str, str] | None = None) -> dict[str, Any]:
    """A ContactFlowEvent as Connect sends an InvokeLambdaFunction block."""
    name = "connect/voice_inbound.json" if channel == "VOICE" else "connect/chat_inbound.json"
    event = load_event(name, ContactId=contact_id, InitialContactId=contact_id,
                       CustomerEndpoint={"Address": address, "Type": "TELEPHONE_NUMBER"} if address else None,
                       Attributes=attributes or {})
    event["Details"]["Parameters"] = parameters or {}
    return event


def schedule(name: str) -> dict[str, Any] | None:
    """A schedule as EventBridge Scheduler (moto) holds it, or None."""
    import boto3
    from botocore.exceptions import ClientError

    from chalicelib.settings import get_settings

    settings = get_settings()
    try:
        return boto3.client("scheduler", region_name=settings.region).get_schedule(
            Name=name, GroupName=settings.schedule_group)
    except ClientError:
        return None


def schedule_time(found: dict[str, Any]) -> datetime:
    from datetime import UTC

    expression = found["ScheduleExpression"]
    assert expression.startswith("at(") and found["ScheduleExpressionTimezone"] == "UTC"
    return datetime.fromisoformat(expression[3:-1]).replace(tzinfo=UTC)


def fire(client, found: dict[str, Any]) -> Any:
    """What EventBridge Scheduler does at the schedule's time: invoke its target
    (scheduled_step) with its input."""
    assert found["Target"]["Arn"].endswith(":function:contact-center-local-scheduled_step")
    return client.lambda_.invoke("scheduled_step", json.loads(found["Target"]["Input"])).payload


def whatsapp_event(name: str, *, sender: str | None = None, message_id: str | None = None,
                   payload: str | None = None, text: str | None = None, at: datetime | None = None,
                   topic: str | None = None) -> dict[str, Any]:
    """tests/events/whatsapp/<name>.json (an SNS delivery of an End User Messaging
    Social event), with its one customer message changed as asked. The message is
    dated now unless `at` says otherwise: the 24-hour window counts from it."""
    from tests.helpers import load_json

    event = load_json(f"whatsapp/{name}.json")
    sns = event["Records"][0]["Sns"]
    note = json.loads(sns["Message"])
    entry = json.loads(note["whatsAppWebhookEntry"])
    for message in entry["changes"][0]["value"].get("messages", []):
        message["timestamp"] = str(int((at or utcnow()).timestamp()))
        if sender is not None:
            message["from"] = sender.lstrip("+")
        if message_id is not None:
            message["id"] = message_id
        if payload is not None:
            message["button"]["payload"] = payload
        if text is not None:
            message.setdefault("text", {})["body"] = text
    note["whatsAppWebhookEntry"] = json.dumps(entry, ensure_ascii=False)
    sns["Message"] = json.dumps(note, ensure_ascii=False)
    if topic is not None:
        sns["TopicArn"] = topic
    return event
