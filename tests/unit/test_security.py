"""What public endpoints accept: genuine Meta webhooks and SNS messages from the
configured topic (signed links: test_tokens.py)."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.errors import Forbidden
from chalicelib.security import meta_signature_valid, require_meta_signature, sns_message

APP_SECRET = "6f1c2e0d9a8b7c6d5e4f3a2b1c0d9e8f"
# A WhatsApp Cloud API message notification as Meta sends it: its exact bytes are signed.
BODY = (b'{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","changes":[{"value":'
        b'{"messaging_product":"whatsapp","messages":[{"from":"36201234567","id":"wamid.HBgLMzYyMDEyMzQ1NjcVAgAS",'
        b'"timestamp":"1714560000","type":"text","text":{"body":"Szia! \\u00c9rdekel az id\\u0151pont."}}]},'
        b'"field":"messages"}]}]}')
TOPIC = "arn:aws:sns:eu-central-1:123456789012:whatsapp-inbound"


def meta_signature(body: bytes, secret: str = APP_SECRET) -> str:
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def test_a_webhook_signed_with_the_app_secret_is_accepted():
    require_meta_signature(BODY, {"X-Hub-Signature-256": meta_signature(BODY)}, APP_SECRET)
    # API Gateway may hand headers over in any case
    require_meta_signature(BODY, {"x-hub-signature-256": meta_signature(BODY)}, APP_SECRET)


def test_the_signature_covers_the_raw_bytes_not_the_parsed_json():
    reserialised = json.dumps(json.loads(BODY)).encode()
    assert json.loads(reserialised) == json.loads(BODY)
    assert not meta_signature_valid(reserialised, meta_signature(BODY), APP_SECRET)


@pytest.mark.parametrize(("headers", "reason"), [
    ({}, "missing"),
    ({"X-Hub-Signature-256": meta_signature(BODY, "another-apps-secret")}, "does not match"),
    ({"X-Hub-Signature-256": meta_signature(BODY + b" ")}, "does not match"),
    ({"X-Hub-Signature-256": meta_signature(BODY).replace("sha256=", "sha1=")}, "does not match"),
    ({"X-Hub-Signature-256": "sha256=" + "0" * 63}, "does not match"),
    ({"X-Hub-Signature-256": ""}, "does not match"),
])
def test_a_webhook_without_a_valid_signature_is_refused(headers, reason):
    with pytest.raises(Forbidden, match=reason):
        require_meta_signature(BODY, headers, APP_SECRET)


@given(body=st.binary(max_size=200), forged=st.text(max_size=80))
def test_no_forged_signature_passes(body, forged):
    if forged == meta_signature(body):
        return
    assert not meta_signature_valid(body, forged, APP_SECRET)


def test_an_empty_secret_is_a_configuration_error_not_an_open_door():
    with pytest.raises(ValueError):
        meta_signature_valid(BODY, meta_signature(BODY, ""), "")


def sns_event(topic=TOPIC, source="aws:sns"):
    return {"Records": [{"EventSource": source, "EventVersion": "1.0",
                         "EventSubscriptionArn": f"{topic}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55",
                         "Sns": {"Type": "Notification", "MessageId": "95df01b4-ee98-5cb9-9903-4c221d41eb5e",
                                 "TopicArn": topic, "Message": "{}", "Timestamp": "2024-05-01T10:20:30.000Z"}}]}


def test_an_sns_message_from_the_configured_topic_is_accepted():
    assert sns_message(sns_event(), TOPIC)["MessageId"] == "95df01b4-ee98-5cb9-9903-4c221d41eb5e"


@pytest.mark.parametrize("event", [
    sns_event(topic="arn:aws:sns:eu-central-1:999999999999:whatsapp-inbound"),
    sns_event(topic="arn:aws:sns:eu-central-1:123456789012:other-topic"),
    sns_event(source="aws:sqs"),
    {"Records": []},
    {"Records": [sns_event()["Records"][0], sns_event()["Records"][0]]},
    {"Records": "x"},
    {},
])
def test_an_sns_message_from_anywhere_else_is_refused(event):
    with pytest.raises(Forbidden):
        sns_message(event, TOPIC)
