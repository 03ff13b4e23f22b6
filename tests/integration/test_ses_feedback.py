"""SES bounces and complaints, as SNS delivers them to on_ses_feedback."""

from __future__ import annotations

import json

import pytest

from chalicelib.errors import Forbidden
from chalicelib.notify import messages
from chalicelib.notify.models import OutboxModel, SuppressionModel
from chalicelib.notify.service import notifier
from chalicelib.notify.suppressions import suppression_key
from devkit.mailbox import sent_emails
from tests.helpers import create_customer as create
from tests.helpers import load_event, ses_feedback_event

CASE = messages.TYPES["case_opened"].sample


def notification(name: str, address: str, message_id: str) -> str:
    note = load_event(f"ses/{name}")
    note["mail"]["messageId"] = message_id
    note["mail"]["destination"] = [address]
    for key in ("bounce", "complaint"):
        for recipient in (note.get(key) or {}).get("bouncedRecipients", []) + (note.get(key) or {}).get(
                "complainedRecipients", []):
            recipient["emailAddress"] = address
    return json.dumps(note)


def deliver(client, message: str):
    return client.lambda_.invoke("on_ses_feedback", ses_feedback_event(message)).payload


def send_case_mail(ana: str, reference: str):
    outcome = notifier().send_to_customer(ana, "case_opened", CASE, reference)
    assert outcome.status == "sent"
    return outcome


@pytest.mark.parametrize("name", ["bounce_permanent.json", "event_publishing_bounce.json"])
def test_a_hard_bounce_suppresses_the_address_and_marks_the_message(client, name):
    # Given Ana got an e-mail
    ana = create(client)
    outcome = send_case_mail(ana, "case:C-1:opened")
    # When SES reports it bounced for good, twice (SNS delivers at least once)
    for _ in range(2):
        deliver(client, notification(name, "ana.popescu@example.ro", outcome.provider_message_id))
    # Then the message shows as bounced and her address is suppressed (by hash only)
    entry = OutboxModel.get(outcome.key)
    assert (entry.status, entry.feedback) == ("bounced", "Permanent/General")
    suppression = SuppressionModel.get(suppression_key("email", "ana.popescu@example.ro"))
    assert suppression.reason == "bounce"
    assert "ana" not in suppression.suppression_key
    # And the next e-mail is not sent
    later = notifier().send_to_customer(ana, "case_opened", CASE, "case:C-2:opened")
    assert (later.status, later.error_code) == ("suppressed", "BOUNCE")
    assert len(sent_emails()) == 1


def test_a_complaint_suppresses_the_address_and_outranks_a_bounce(client):
    ana = create(client)
    outcome = send_case_mail(ana, "case:C-1:opened")
    deliver(client, notification("bounce_permanent.json", "ana.popescu@example.ro", outcome.provider_message_id))
    deliver(client, notification("complaint.json", "Ana.Popescu@Example.ro", outcome.provider_message_id))
    assert OutboxModel.get(outcome.key).status == "complained"
    assert SuppressionModel.get(suppression_key("email", "ana.popescu@example.ro")).reason == "complaint"
    # A late duplicate of the bounce does not undo the complaint
    deliver(client, notification("bounce_permanent.json", "ana.popescu@example.ro", outcome.provider_message_id))
    assert OutboxModel.get(outcome.key).status == "complained"
    assert SuppressionModel.get(suppression_key("email", "ana.popescu@example.ro")).reason == "complaint"


@pytest.mark.parametrize("name", ["bounce_transient.json", "delivery.json"])
def test_soft_bounces_and_deliveries_change_nothing(client, name):
    ana = create(client)
    outcome = send_case_mail(ana, "case:C-1:opened")
    deliver(client, notification(name, "ana.popescu@example.ro", outcome.provider_message_id))
    assert OutboxModel.get(outcome.key).status == "sent"
    assert list(SuppressionModel.scan()) == []
    assert notifier().send_to_customer(ana, "case_opened", CASE, "case:C-2:opened").status == "sent"


def test_feedback_about_a_message_we_do_not_know_still_suppresses_the_address(client):
    deliver(client, notification("complaint.json", "someone@example.com", "unknown-message-id"))
    assert SuppressionModel.get(suppression_key("email", "someone@example.com")).reason == "complaint"


@pytest.mark.parametrize("message", ["this is not json", json.dumps({"Type": "Notification"}), json.dumps([1, 2])])
def test_a_message_that_is_not_an_ses_notification_is_reported_not_dropped(client, message):
    # Raising makes SNS retry the delivery and then dead-letter it
    with pytest.raises(Exception, match="not"):
        deliver(client, message)
    assert list(SuppressionModel.scan()) == []


def test_a_bounce_from_another_topic_changes_nothing_and_is_refused(client):
    # Given Ana got an e-mail
    ana = create(client)
    outcome = send_case_mail(ana, "case:C-1:opened")
    # When a bounce for her address arrives from a topic that is not ours
    other = "arn:aws:sns:eu-central-1:999999999999:someone-elses-feedback"
    message = notification("bounce_permanent.json", "ana.popescu@example.ro", outcome.provider_message_id)
    with pytest.raises(Forbidden, match="unexpected topic"):
        client.lambda_.invoke("on_ses_feedback", ses_feedback_event(message, topic=other))
    # Then her address is not suppressed and the next e-mail still goes out
    assert list(SuppressionModel.scan()) == []
    assert OutboxModel.get(outcome.key).status == "sent"
    assert notifier().send_to_customer(ana, "case_opened", CASE, "case:C-2:opened").status == "sent"
