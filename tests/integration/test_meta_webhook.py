"""Meta's WhatsApp webhook, for WhatsApp Business Accounts not on End User Messaging
Social: the handshake, and signed notifications whose messages take effect once."""

from __future__ import annotations

import hashlib
import hmac
import json

import pytest

from chalicelib.notify import meta_webhook
from chalicelib.profiles.models import CustomerModel
from chalicelib.settings import get_settings
from tests.helpers import create_customer
from tests.journeys import connect

__all__ = ["connect"]  # fixtures used here

PATH = "/webhooks/whatsapp"


@pytest.fixture(autouse=True)
def fresh_secret():
    meta_webhook.reset()
    yield
    meta_webhook.reset()


def notification(text: str, sender: str = "40745112233", message_id: str = "wamid.HBgLNDA3NDUxMTIyMzMVAgAS") -> bytes:
    """A message notification as Meta sends it; its exact bytes are what is signed."""
    return json.dumps({"object": "whatsapp_business_account", "entry": [{"id": "102290129340398", "changes": [{
        "field": "messages", "value": {
            "messaging_product": "whatsapp",
            "metadata": {"display_phone_number": "40312345000", "phone_number_id": "729155140271006"},
            "contacts": [{"profile": {"name": "Ioana"}, "wa_id": sender}],
            "messages": [{"from": sender, "id": message_id, "timestamp": "1767225600", "type": "text",
                          "text": {"body": text}}]}}]}]}, ensure_ascii=False).encode()


def signed(body: bytes, secret: str | None = None) -> dict[str, str]:
    key = (secret or get_settings().meta_app_secret).encode()
    return {"Content-Type": "application/json",
            "X-Hub-Signature-256": "sha256=" + hmac.new(key, body, hashlib.sha256).hexdigest()}


@pytest.fixture
def ioana(client):
    return create_customer(client, firstName="Ioana", whatsapp="+40 745 112 233", email="ioana@exemplu.ro")


def whatsapp_consent(customer_id):
    return CustomerModel.get(customer_id).consent.as_dict().get("whatsapp", {})


def test_meta_verifies_the_webhook_with_the_verify_token(client):
    token = get_settings().meta_verify_token
    response = client.http.get(f"{PATH}?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=1158201444")
    assert (response.status_code, response.body.decode()) == (200, "1158201444")
    assert response.headers["Content-Type"] == "text/plain"


@pytest.mark.parametrize("query", ["hub.mode=subscribe&hub.verify_token=guess&hub.challenge=1",
                                   "hub.mode=unsubscribe&hub.verify_token={token}&hub.challenge=1", ""])
def test_a_handshake_without_the_verify_token_is_refused(client, query):
    response = client.http.get(f"{PATH}?{query.format(token=get_settings().meta_verify_token)}")
    assert response.status_code == 403


def test_a_challenge_is_echoed_only_when_it_is_plain(client):
    token = get_settings().meta_verify_token
    response = client.http.get(f"{PATH}?hub.mode=subscribe&hub.verify_token={token}&hub.challenge=%3Cscript%3E")
    assert response.status_code == 400 and "<script>" not in response.body.decode()


def test_a_signed_stop_withdraws_whatsapp_consent_once(client, ioana):
    # When Meta delivers Ioana's STOP, signed, twice (Meta retries)
    body = notification("STOP")
    for _ in range(2):
        response = client.http.post(PATH, headers=signed(body), body=body)
        assert response.status_code == 200
    # Then her WhatsApp consent is withdrawn
    assert whatsapp_consent(ioana) == {"transactional": False, "surveys": False, "marketing": False}
    assert json.loads(response.body)["actions"] == ["duplicate"]


@pytest.mark.parametrize("headers", [
    {"Content-Type": "application/json"},
    "other-secret",
    "reserialised",
])
def test_an_unsigned_or_forged_notification_is_refused_and_changes_nothing(client, ioana, headers):
    body = notification("STOP")
    if headers == "other-secret":
        headers = signed(body, secret="not-the-app-secret-at-all-0000")
    elif headers == "reserialised":  # signed over other bytes of the same JSON
        headers = signed(json.dumps(json.loads(body), separators=(",", ":")).encode())
    response = client.http.post(PATH, headers=headers, body=body)
    assert response.status_code == 403
    assert whatsapp_consent(ioana).get("transactional", True) is True


def test_without_an_app_secret_the_webhook_is_off(client, settings_env):
    settings_env(META_APP_SECRET="", META_APP_SECRET_PARAMETER="")
    body = notification("STOP")
    assert client.http.post(PATH, headers=signed(body, "x" * 32), body=body).status_code == 404
    assert client.http.get(f"{PATH}?hub.mode=subscribe&hub.verify_token=x&hub.challenge=1").status_code == 404


def test_a_deployed_stage_reads_the_app_secret_from_ssm(client, settings_env, aws):
    import boto3

    boto3.client("ssm").put_parameter(Name="/contact-center/test/meta-app-secret", Type="SecureString",
                                      Value="an-app-secret-kept-in-ssm-0123456789")
    settings_env(META_APP_SECRET="", META_APP_SECRET_PARAMETER="/contact-center/test/meta-app-secret")
    body = notification("STOP")
    assert client.http.post(PATH, headers=signed(body, "an-app-secret-kept-in-ssm-0123456789"),
                            body=body).status_code == 200


def test_a_whatsapp_answer_reopens_the_case_waiting_on_the_customer_once(client, ioana, connect):
    # Given Ioana's case, waiting on her
    def post(path, body):
        response = client.http.post(path, headers={"Content-Type": "application/json"}, body=json.dumps(body))
        assert response.status_code in (200, 201), response.body
        return json.loads(response.body)

    case = post("/cases", {"customerId": ioana, "reason": "billing", "subject": "Charged twice",
                           "note": "Asked for the receipts", "agent": "maria.ionescu"})
    post(f"/cases/{case['caseId']}/status", {"status": "pending_customer", "agent": "maria.ionescu"})
    # When she answers on WhatsApp (the front desk gets it as a task), and Meta delivers it twice
    connect.add_response("start_task_contact", {"ContactId": "task-front-desk"})
    body = notification("Am trimis chitanțele pe e-mail.")
    for _ in range(2):
        assert client.http.post(PATH, headers=signed(body), body=body).status_code == 200
    # Then the case is open again, heard once
    seen = json.loads(client.http.get(f"/cases/{case['caseId']}").body)
    assert seen["status"] == "open"
    assert [e["action"] for e in seen["events"]].count("customer_replied") == 1
