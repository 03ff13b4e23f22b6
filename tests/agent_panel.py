"""What the agent panel's tests share: callers as the contact flow and the timeline
leave them (a lookup for the contact, contact records, activities), and the panel's
data call."""

from __future__ import annotations

import json
import re
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any

from chalicelib.db import utcnow
from tests.helpers import create_customer, kinesis_event, load_event, load_json
from tests.integration.survey_support import shifted

INSTANCE_ID = "c8c0e68d-2200-4265-82c0-5f3a1b2c3d4e"
ANA_PHONE = "+40712345678"
CONTACT = "5fb2b0c4-7f3e-4a61-9d2b-1c0e8a7d6b51"


def lookup(client, contact_id: str, address: str = ANA_PHONE) -> dict[str, Any]:
    """The inbound flow's lookup for `contact_id` (it links the contact to the caller)."""
    event = load_event("connect/voice_inbound.json", ContactId=contact_id, InitialContactId=contact_id,
                       CustomerEndpoint={"Address": address, "Type": "TELEPHONE_NUMBER"}, Attributes={})
    event["Details"]["Parameters"] = {}
    return client.lambda_.invoke("lookup_customer", event).payload


def contact_record(contact_id: str, start: datetime, address: str = ANA_PHONE, **attributes: str) -> dict[str, Any]:
    """A handled call's contact record, moved to `start`."""
    document = shifted(load_json("contact-records/whatsapp_chat.json"), start)
    document.update({"ContactId": contact_id, "InitialContactId": contact_id, "Channel": "VOICE",
                     "InitiationMethod": "INBOUND", "SegmentAttributes": None, "PreviousContactId": None,
                     "NextContactId": None, "CustomerEndpoint": {"Address": address, "Type": "TELEPHONE_NUMBER"}})
    document["Attributes"] = dict(attributes)
    return document


def records(client, *documents: dict[str, Any]) -> Any:
    return client.lambda_.invoke("on_contact_record", kinesis_event(list(documents))).payload


def known_caller(client, history: int = 3) -> str:
    """Ana, a VIP who speaks Romanian, with `history` earlier calls, calling now on
    CONTACT. Returns her id."""
    from chalicelib.settings import get_settings

    ana = create_customer(client, phone=ANA_PHONE, tier="vip")
    # Her earlier calls ended before the survey window, so none of them invites her
    # by e-mail: her history is those calls alone, whatever the hour of the run.
    window = timedelta(hours=get_settings().survey_max_delay_hours)
    start = utcnow().replace(microsecond=0) - window - timedelta(days=history + 1)
    records(client, *[contact_record(f"earlier-{n}", start + timedelta(days=n), contactReason="billing")
                      for n in range(history)])
    assert lookup(client, CONTACT)["customerId"] == ana
    return ana


def many_activities(customer_id: str, count: int) -> None:
    """`count` e-mails sent to the customer over the last days, one a minute."""
    from chalicelib.interactions import activity

    now = utcnow()
    for n in range(count):
        activity.note(customer_id, channel="EMAIL", kind="message_sent", reference=f"msg-{n:04d}",
                      at=now - timedelta(minutes=n + 1), detail={"template": "contact_summary"})


def panel(client, contact_id: str = CONTACT, query: str = "?lang=en") -> tuple[int, dict[str, Any]]:
    response = client.http.get(f"/agent/contacts/{contact_id}{query}")
    return response.status_code, json.loads(response.body)


def post(client, path: str, body: Any) -> tuple[int, dict[str, Any]]:
    response = client.http.post(path, headers={"Content-Type": "application/json"}, body=json.dumps(body))
    return response.status_code, json.loads(response.body)


@contextmanager
def sms_texts(*numbers: str):
    """End User Messaging SMS stubbed to accept one text to each of `numbers`; yields
    the SendTextMessage parameters it was asked for (what the customer's phone gets)."""
    from botocore.stub import ANY, Stubber

    from chalicelib.notify import sms

    sent: list[dict[str, Any]] = []
    texts = sms.client()
    texts.meta.events.register("provide-client-params.pinpoint-sms-voice-v2.SendTextMessage",
                               lambda params, **_: sent.append(dict(params)))
    with Stubber(texts) as stub:
        for n, number in enumerate(numbers):
            stub.add_response("send_text_message", {"MessageId": f"sms-{n}"}, {
                "DestinationPhoneNumber": number, "OriginationIdentity": ANY, "MessageBody": ANY,
                "MessageType": "TRANSACTIONAL", "ConfigurationSetName": ANY})
        yield sent
        stub.assert_no_pending_responses()


def code_in(text: dict[str, Any]) -> str:
    return re.search(r"\b(\d{6})\b", text["MessageBody"]).group(1)


def caller_says_code(client, code: str, contact_id: str = CONTACT) -> dict[str, Any]:
    """The flow's check of the code the caller keys in on `contact_id`."""
    event = load_event("connect/voice_inbound.json", ContactId=contact_id, InitialContactId=contact_id,
                       CustomerEndpoint={"Address": ANA_PHONE, "Type": "TELEPHONE_NUMBER"}, Attributes={})
    event["Details"]["Parameters"] = {"code": code}
    return client.lambda_.invoke("check_verification_code", event).payload
