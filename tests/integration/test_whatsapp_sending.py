"""WhatsApp to customers through AWS End User Messaging Social (botocore Stubber:
moto has no backend for it): the exact request, approved templates at any time,
free-form text only within 24 hours of the customer's last message, and the same
outbox, consent and suppression rules as e-mail."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from botocore.stub import Stubber

from chalicelib.db import utcnow
from chalicelib.errors import DependencyFailure
from chalicelib.interactions.models import InteractionModel
from chalicelib.notify import messages, whatsapp
from chalicelib.notify.models import OutboxModel
from chalicelib.notify.service import notifier
from chalicelib.notify.suppressions import Suppressions
from chalicelib.profiles.models import CustomerModel
from chalicelib.settings import get_settings
from tests.helpers import create_customer as create

RETURN = messages.TYPES["return_label"].sample
REMINDER = messages.TYPES["appointment_reminder"].sample
UPDATE = messages.TYPES["appointment_update"].sample
PHONE_NUMBER_ID = "phone-number-id-5f811eaa4c81499384c496b909afbb1a"


@pytest.fixture
def social(aws):
    """End User Messaging Social, stubbed: every request must be one the test expects."""
    with Stubber(whatsapp.client()) as stub:
        yield stub
        stub.assert_no_pending_responses()


def expect_send(social, message: dict, message_id: str = "a1b2c3d4-0000-4000-8000-000000000001") -> None:
    body = json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    social.add_response("send_whatsapp_message", {"messageId": message_id},
                        {"originationPhoneNumberId": PHONE_NUMBER_ID, "message": body, "metaApiVersion": "v20.0"})


def test_the_return_confirmation_is_an_approved_template_in_the_customers_language(client, social):
    # Given Ana, who prefers Romanian and gave us her WhatsApp number
    ana = create(client, whatsapp="+40 755 998 877")
    # Then exactly this template message goes to End User Messaging Social
    expect_send(social, {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+40755998877", "type": "template",
        "template": {"name": "return_label", "language": {"code": "ro"}, "components": [{"type": "body", "parameters": [
            {"type": "text", "text": "100-4821"}, {"type": "text", "text": "FAN Courier"},
            {"type": "text", "text": "FAN-7781-2290-RO"},
            {"type": "text", "text": "https://care.lumen.example/labels/FAN-7781-2290-RO.pdf"}]}]}})
    # When the return journey confirms her return on WhatsApp
    outcome = notifier().send_to_customer(ana, "return_label", RETURN, "return:R-77", channel="whatsapp")
    # Then it is recorded as sent under its own key
    assert (outcome.status, outcome.provider_message_id) == ("sent", "a1b2c3d4-0000-4000-8000-000000000001")
    entry = OutboxModel.get("whatsapp#return_label#return:R-77")
    assert (entry.status, entry.channel, entry.locale) == ("sent", "whatsapp", "ro")
    # And it is in her timeline, by reference, without its text
    [note] = InteractionModel.by_customer.query(ana)
    assert (note.channel, note.kind) == ("WHATSAPP", "message_sent")
    assert note.reference == "whatsapp#return_label#return:R-77"
    assert "FAN-7781" not in json.dumps(note.detail)


def test_the_same_confirmation_asked_for_again_is_not_sent_twice(client, social):
    ana = create(client, whatsapp="+40 755 998 877")
    social.add_response("send_whatsapp_message", {"messageId": "m-1"})
    first = notifier().send_to_customer(ana, "return_label", RETURN, "return:R-78", channel="whatsapp")
    # The stub holds no second answer: a second request would fail the test
    again = notifier().send_to_customer(ana, "return_label", RETURN, "return:R-78", channel="whatsapp")
    assert (first.status, first.duplicate) == ("sent", False)
    assert (again.status, again.duplicate) == ("sent", True)
    assert len(list(InteractionModel.by_customer.query(ana))) == 1


def test_the_appointment_reminder_carries_confirm_reschedule_and_cancel_buttons(client, social):
    giulia = create(client, firstName="Giulia", whatsapp="+39 333 123 4567", preferredLanguage="it-IT",
                    timeZone="Europe/Rome", email=None)
    expect_send(social, {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+393331234567", "type": "template",
        "template": {"name": "appointment_reminder", "language": {"code": "it"}, "components": [
            {"type": "body", "parameters": [
                {"type": "text", "text": "Cardiology consultation"},
                # 12:30 UTC, in Rome
                {"type": "text", "text": "giovedì 12 marzo 2026 13:30"},
                {"type": "text", "text": "Lumen Clinic Victoriei"}]},
            {"type": "button", "sub_type": "quick_reply", "index": "0",
             "parameters": [{"type": "payload", "payload": "appointment:APT-20931:confirm"}]},
            {"type": "button", "sub_type": "quick_reply", "index": "1",
             "parameters": [{"type": "payload", "payload": "appointment:APT-20931:reschedule"}]},
            {"type": "button", "sub_type": "quick_reply", "index": "2",
             "parameters": [{"type": "payload", "payload": "appointment:APT-20931:cancel"}]}]}})
    outcome = notifier().send_to_customer(giulia, "appointment_reminder", REMINDER,
                                          "appointment:APT-20931:reminder-48h", channel="whatsapp")
    assert outcome.status == "sent"


def test_free_form_text_is_refused_outside_the_24_hour_window(client, social):
    # Given Ana, who has never written to us on WhatsApp
    ana = create(client, whatsapp="+40 755 998 877")
    # When a free-form update is sent to her
    outcome = notifier().send_to_customer(ana, "appointment_update", UPDATE, "appointment:APT-1:confirmed",
                                          channel="whatsapp")
    # Then nothing goes out (the stub saw no request) and the reason is recorded
    assert (outcome.status, outcome.error_code) == ("failed", "OUTSIDE_SERVICE_WINDOW")


def test_free_form_text_goes_out_within_24_hours_of_the_customers_last_message(client, social):
    ana = create(client, whatsapp="+40 755 998 877", firstName="Ana")
    CustomerModel(ana).update(actions=[CustomerModel.whatsapp_last_inbound_at.set(utcnow() - timedelta(hours=23))])
    expect_send(social, {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": "+40755998877", "type": "text",
        "text": {"preview_url": False, "body": "Vă mulțumim, Ana! Programarea pentru Cardiology consultation din "
                                               "12 martie 2026, ora 14:30, este confirmată. Codul programării: "
                                               "APT-20931. Lumen Care"}})
    outcome = notifier().send_to_customer(ana, "appointment_update", UPDATE, "appointment:APT-1:confirmed",
                                          channel="whatsapp")
    assert outcome.status == "sent"


def test_a_customer_who_opted_out_of_whatsapp_gets_nothing(client, social):
    ana = create(client, whatsapp="+40 755 998 877", consent={"whatsapp": {"transactional": False}})
    outcome = notifier().send_to_customer(ana, "return_label", RETURN, "return:R-79", channel="whatsapp")
    assert (outcome.status, outcome.error_code) == ("suppressed", "OPTED_OUT")


def test_a_suppressed_number_gets_nothing(client, social):
    ana = create(client, whatsapp="+40 755 998 877")
    Suppressions(get_settings()).add("whatsapp", "+40755998877", "bounce", "not on WhatsApp")
    outcome = notifier().send_to_customer(ana, "return_label", RETURN, "return:R-80", channel="whatsapp")
    assert (outcome.status, outcome.error_code) == ("suppressed", "BOUNCE")


def test_a_customer_without_a_whatsapp_number_is_recorded_not_sent(client, social):
    ana = create(client)
    outcome = notifier().send_to_customer(ana, "return_label", RETURN, "return:R-81", channel="whatsapp")
    assert (outcome.status, outcome.error_code) == ("failed", "NO_ADDRESS")


def test_a_message_the_provider_refuses_is_failed_for_good(client, social):
    ana = create(client, whatsapp="+40 755 998 877")
    social.add_client_error("send_whatsapp_message", service_error_code="ValidationException",
                            service_message="Template name does not exist in the translation", http_status_code=400)
    outcome = notifier().send_to_customer(ana, "return_label", RETURN, "return:R-82", channel="whatsapp")
    assert (outcome.status, outcome.error_code) == ("failed", "PROVIDER_REJECTED")


def test_a_throttled_send_raises_for_a_retry_which_then_sends_once(client, social):
    ana = create(client, whatsapp="+40 755 998 877")
    social.add_client_error("send_whatsapp_message", service_error_code="ThrottledRequestException",
                            service_message="Rate exceeded", http_status_code=429)
    social.add_response("send_whatsapp_message", {"messageId": "m-2"})
    with pytest.raises(DependencyFailure):
        notifier().send_to_customer(ana, "return_label", RETURN, "return:R-83", channel="whatsapp")
    assert OutboxModel.get("whatsapp#return_label#return:R-83").retryable is True
    outcome = notifier().send_to_customer(ana, "return_label", RETURN, "return:R-83", channel="whatsapp")
    assert (outcome.status, outcome.duplicate) == ("sent", False)
