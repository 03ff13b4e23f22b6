"""Sending e-mail to customers through SES (moto): what arrives, what never does,
and what a retry changes (nothing)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from botocore.exceptions import ClientError, ReadTimeoutError

from chalicelib import aws
from chalicelib.db import utcnow
from chalicelib.errors import Conflict, DependencyFailure
from chalicelib.notify import messages, ses
from chalicelib.notify.models import OutboxModel
from chalicelib.notify.service import notifier
from chalicelib.profiles.models import CustomerModel
from devkit.mailbox import sent_emails
from tests.helpers import create_customer as create

RETURN = messages.TYPES["return_label"].sample
SURVEY = messages.TYPES["survey_invitation"].sample


def post_message(client, customer_id, **body):
    response = client.http.post(f"/customers/{customer_id}/messages", headers={"Content-Type": "application/json"},
                                body=json.dumps(body))
    return response.status_code, json.loads(response.body)


def ses_client():
    return aws.client("sesv2", attempts=ses.SEND_ATTEMPTS, read_timeout=ses.SEND_READ_TIMEOUT_S)


@pytest.fixture
def ses_fault(aws):
    """Make SES refuse like it does when throttling, or not answer at all. Raised
    from botocore's before-send hook, which runs before moto's, so moto never sees
    the request (a returned response would not stop moto from handling it too)."""
    client = ses_client()

    def inject(kind: str) -> None:
        def handler(request, **_: object):
            if kind == "throttle":
                raise ClientError({"Error": {"Code": "TooManyRequestsException",
                                             "Message": "Maximum sending rate exceeded."},
                                   "ResponseMetadata": {"HTTPStatusCode": 429}}, "SendEmail")
            if kind == "timeout":
                raise ReadTimeoutError(endpoint_url=request.url)
            raise ValueError(kind)

        client.meta.events.register("before-send.sesv2", handler, unique_id="ses-fault")

    yield inject
    client.meta.events.unregister("before-send.sesv2", unique_id="ses-fault")


@pytest.fixture
def ses_requests(aws):
    """The SendEmail parameters our code passed to boto3 (they still reach moto)."""
    seen: list[dict] = []
    client = ses_client()

    def capture(params, **_: object):
        seen.append(dict(params))

    client.meta.events.register("provide-client-params.sesv2.SendEmail", capture, unique_id="ses-capture")
    yield seen
    client.meta.events.unregister("provide-client-params.sesv2.SendEmail", unique_id="ses-capture")


def test_a_customer_gets_her_return_label_in_romanian_with_both_parts(client, ses_requests):
    # Given Ana, who prefers Romanian
    ana = create(client)
    # When the return journey sends her label
    outcome = notifier().send_to_customer(ana, "return_label", RETURN, reference="return:R-77")
    # Then one e-mail reached SES, addressed to her, in Romanian, with both parts
    assert outcome.status == "sent" and not outcome.duplicate
    [mail] = sent_emails()
    assert mail.to == "Ana Popescu <ana.popescu@example.ro>"
    assert mail.header("From") == "Lumen Care <care@lumen.example>"
    assert mail.header("Reply-To") == "support@lumen.example"
    assert mail.header("Content-Language") == "ro"
    assert mail.subject == "Returul comenzii 100-4821: eticheta și AWB-ul FAN-7781-2290-RO"
    assert "Număr AWB: FAN-7781-2290-RO" in mail.text
    assert 'href="https://care.lumen.example/labels/FAN-7781-2290-RO.pdf"' in mail.html
    # Transactional: no unsubscribe headers
    assert mail.header("List-Unsubscribe") is None
    # And SES was asked to use the configuration set, with the message type as a tag
    [request] = ses_requests
    assert request["ConfigurationSetName"] == "cc-local-email"
    assert request["EmailTags"] == [{"Name": "message_type", "Value": "return_label"}]
    # And the outbox knows it was sent, with SES's message id, and nothing personal
    entry = OutboxModel.get("email#return_label#return:R-77")
    assert (entry.status, entry.provider_message_id, entry.customer_id) == ("sent", mail.message_id, ana)
    stored = json.dumps(entry.to_simple_dict()).lower()
    assert "popescu" not in stored and "ana.popescu@example.ro" not in stored


def test_a_redelivered_event_does_not_send_twice(client):
    ana = create(client)
    case = messages.TYPES["case_opened"].sample
    first = notifier().send_to_customer(ana, "case_opened", case, "case:CASE-1042:opened")
    for _ in range(3):
        again = notifier().send_to_customer(ana, "case_opened", messages.TYPES["case_opened"].sample,
                                            "case:CASE-1042:opened")
        assert again.duplicate and again.status == "sent" and again.sent_at == first.sent_at
    assert len(sent_emails()) == 1
    assert OutboxModel.get("email#case_opened#case:CASE-1042:opened").attempts == 1


def test_a_key_past_its_retention_may_be_used_again(client):
    # DynamoDB deletes expired items days late: an entry past its TTL no longer counts
    ana = create(client)
    case = messages.TYPES["case_opened"].sample
    notifier().send_to_customer(ana, "case_opened", case, "case:CASE-7:opened")
    OutboxModel("email#case_opened#case:CASE-7:opened").update(actions=[
        OutboxModel.expires_at.set(utcnow() - timedelta(minutes=1))])
    again = notifier().send_to_customer(ana, "case_opened", case, "case:CASE-7:opened")
    assert again.status == "sent" and not again.duplicate
    assert len(sent_emails()) == 2


def test_surveys_carry_one_click_unsubscribe_headers(client):
    ana = create(client)
    notifier().send_to_customer(ana, "survey_invitation", SURVEY, "contact:c-1")
    [mail] = sent_emails()
    link = mail.header("List-Unsubscribe")
    assert link.startswith("<http://127.0.0.1:8000/api/unsubscribe/") and link.endswith(">")
    assert mail.header("List-Unsubscribe-Post") == "List-Unsubscribe=One-Click"
    assert link[1:-1] in mail.text and link[1:-1] in mail.html


def test_a_customer_who_opted_out_of_surveys_gets_no_survey_but_still_gets_her_case_updates(client):
    ana = create(client, consent={"email": {"surveys": False}})
    survey = notifier().send_to_customer(ana, "survey_invitation", SURVEY, "contact:c-1")
    assert (survey.status, survey.error_code) == ("suppressed", "OPTED_OUT")
    case = notifier().send_to_customer(ana, "case_updated", messages.TYPES["case_updated"].sample, "case:CASE-1042:3")
    assert case.status == "sent"
    assert [m.subject for m in sent_emails()] == ["Cazul CASE-1042: rezolvat"]


def test_an_address_on_the_suppression_list_gets_nothing(client):
    from chalicelib.notify.suppressions import COMPLAINT, Suppressions
    from chalicelib.settings import get_settings

    ana = create(client)
    Suppressions(get_settings()).add("email", "Ana.Popescu@example.ro", COMPLAINT, "abuse")
    outcome = notifier().send_to_customer(ana, "case_opened", messages.TYPES["case_opened"].sample, "case:C-9:opened")
    assert (outcome.status, outcome.error_code) == ("suppressed", "COMPLAINT")
    assert sent_emails() == []


@pytest.mark.parametrize(("change", "code"), [
    ({"identities": set()}, "NO_ADDRESS"),
    ({"identities": {"email#not-an-address"}}, "INVALID_ADDRESS"),
    ({"first_name": "Ana\r\nBcc: everyone@example.com"}, "HEADER_INJECTION"),
])
def test_bad_recipient_data_is_recorded_on_the_outbox_and_nothing_is_sent(client, change, code):
    # Given a profile written by some other system, bypassing the API's checks
    ana = create(client)
    customer = CustomerModel.get(ana)
    for attr, value in change.items():
        setattr(customer, attr, value)
    customer.save()
    # When an event asks for an e-mail, twice
    outcomes = [notifier().send_to_customer(ana, "case_opened", messages.TYPES["case_opened"].sample, "case:C-1:opened")
                for _ in range(2)]
    # Then the reason is recorded, nothing was sent, and the retry does not try again
    assert [(o.status, o.error_code, o.duplicate) for o in outcomes] == [
        ("failed", code, False), ("failed", code, True)]
    assert outcomes[0].error
    assert sent_emails() == []
    assert OutboxModel.get("email#case_opened#case:C-1:opened").attempts == 1


def test_a_subject_built_from_a_name_with_a_line_break_never_becomes_a_header(client):
    ana = create(client)
    outcome = notifier().send_to_customer(
        ana, "case_opened", {**messages.TYPES["case_opened"].sample, "title": "Parcel\nBcc: all@example.com"},
        "case:C-2:opened")
    assert (outcome.status, outcome.error_code) == ("failed", "INVALID_VARIABLES")
    assert "one line" in outcome.error
    assert sent_emails() == []


@pytest.mark.parametrize(("message_type", "variables", "code"), [
    ("birthday_greeting", {}, "UNKNOWN_TEMPLATE"),
    ("return_label", {"order_number": "100-4821"}, "INVALID_VARIABLES"),
    ("supervisor_alert", messages.TYPES["supervisor_alert"].sample, "WRONG_AUDIENCE"),
])
def test_an_event_asking_for_an_impossible_message_gets_a_recorded_failure(client, message_type, variables, code):
    ana = create(client)
    outcome = notifier().send_to_customer(ana, message_type, variables, "contact:c-7")
    assert (outcome.status, outcome.error_code) == ("failed", code)
    assert OutboxModel.get(f"email#{message_type}#contact:c-7").error_code == code
    assert sent_emails() == []


def test_a_customer_who_no_longer_exists_gets_a_recorded_failure(client):
    outcome = notifier().send_to_customer("gone-customer", "case_opened", messages.TYPES["case_opened"].sample,
                                          "case:C-3:opened")
    assert (outcome.status, outcome.error_code) == ("failed", "CUSTOMER_NOT_FOUND")


def test_supervisor_alerts_go_to_the_supervisors_in_their_language(client, settings_env):
    outcome = notifier().send_to_staff("supervisor_alert", messages.TYPES["supervisor_alert"].sample, "survey:s-1")
    assert outcome.status == "sent"
    [mail] = sent_emails()
    assert mail.to == "supervisors@lumen.example"
    assert mail.subject == "[Detractor] Customer c0ffee42, NPS 3"
    # A language nobody wrote templates for is a recorded configuration error
    settings_env(SUPERVISOR_LANGUAGE="fr")
    outcome = notifier().send_to_staff("supervisor_alert", messages.TYPES["supervisor_alert"].sample, "survey:s-2")
    assert (outcome.status, outcome.error_code) == ("failed", "UNKNOWN_LOCALE")
    assert len(sent_emails()) == 1


def test_a_throttled_send_is_retried_by_the_event_and_then_sent_once(client, ses_fault):
    ana = create(client)
    ses_fault("throttle")
    with pytest.raises(DependencyFailure):
        notifier().send_to_customer(ana, "case_opened", messages.TYPES["case_opened"].sample, "case:C-4:opened")
    entry = OutboxModel.get("email#case_opened#case:C-4:opened")
    assert (entry.status, entry.error_code, entry.retryable) == ("failed", "PROVIDER_UNAVAILABLE", True)
    assert sent_emails() == []
    # When SES recovers and the event is delivered again
    ses_client().meta.events.unregister("before-send.sesv2", unique_id="ses-fault")
    outcome = notifier().send_to_customer(ana, "case_opened", messages.TYPES["case_opened"].sample, "case:C-4:opened")
    assert outcome.status == "sent" and not outcome.duplicate
    assert len(sent_emails()) == 1
    assert OutboxModel.get("email#case_opened#case:C-4:opened").attempts == 2


def test_a_send_that_timed_out_is_never_repeated(client, ses_fault):
    ana = create(client)
    ses_fault("timeout")
    outcome = notifier().send_to_customer(ana, "case_opened", messages.TYPES["case_opened"].sample, "case:C-5:opened")
    assert (outcome.status, outcome.error_code) == ("failed", "SEND_UNCONFIRMED")
    ses_client().meta.events.unregister("before-send.sesv2", unique_id="ses-fault")
    again = notifier().send_to_customer(ana, "case_opened", messages.TYPES["case_opened"].sample, "case:C-5:opened")
    assert again.duplicate and again.error_code == "SEND_UNCONFIRMED"
    assert sent_emails() == []


def test_ses_refusing_the_sender_is_a_recorded_failure(client, settings_env):
    ana = create(client)
    settings_env(EMAIL_SENDER="care@unverified.example")
    outcome = notifier().send_to_customer(ana, "case_opened", messages.TYPES["case_opened"].sample, "case:C-6:opened")
    assert (outcome.status, outcome.error_code) == ("failed", "PROVIDER_REJECTED")


def test_a_message_being_sent_right_now_is_not_sent_again(client):
    ana = create(client)
    now = utcnow()
    OutboxModel("email#case_opened#case:C-8:opened", channel="email", message_type="case_opened",
                reference="case:C-8:opened", purpose="transactional", status="queued", claim_id="other-attempt",
                lease_until=now + timedelta(minutes=4), attempts=1, created_at=now, updated_at=now,
                expires_at=now + timedelta(days=1)).save()
    with pytest.raises(Conflict) as busy:
        notifier().send_to_customer(ana, "case_opened", messages.TYPES["case_opened"].sample, "case:C-8:opened")
    assert busy.value.code == "IN_FLIGHT"
    # An attempt that vanished mid-send is not repeated either: SES may have taken it
    OutboxModel("email#case_opened#case:C-8:opened").update(actions=[
        OutboxModel.lease_until.set(now - timedelta(seconds=1))])
    outcome = notifier().send_to_customer(ana, "case_opened", messages.TYPES["case_opened"].sample, "case:C-8:opened")
    assert (outcome.status, outcome.error_code, outcome.duplicate) == ("failed", "SEND_UNCONFIRMED", True)
    assert sent_emails() == []


# ---- the REST route agents' tools use -----------------------------------------

def test_an_agent_sends_a_follow_up_summary_once(client):
    ana = create(client)
    body = {"template": "contact_summary", "variables": messages.TYPES["contact_summary"].sample,
            "idempotencyKey": "contact:4a573372"}
    status, document = post_message(client, ana, **body)
    assert status == 201
    assert document["status"] == "sent" and document["messageKey"] == "email#contact_summary#contact:4a573372"
    status, document = post_message(client, ana, **body)
    assert (status, document["duplicate"]) == (200, True)
    [mail] = sent_emails()
    assert mail.subject == "Rezumatul discuției noastre din 2 martie 2026"


@pytest.mark.parametrize(("body", "status", "message"), [
    ({"template": "nope", "idempotencyKey": "contact:1"}, 400, "unknown message type"),
    ({"template": "case_opened", "variables": {"case_number": "C-1"}, "idempotencyKey": "contact:1"}, 400, "needs"),
    ({"template": "case_opened", "variables": messages.TYPES["case_opened"].sample}, 400, "idempotencyKey"),
    ({"template": "case_opened", "variables": messages.TYPES["case_opened"].sample, "idempotencyKey": "a b"}, 400,
     "idempotency reference"),
    ({"template": "case_opened", "variables": messages.TYPES["case_opened"].sample,
      "idempotencyKey": "case:DUP:opened\n"}, 400, "idempotency reference"),
    ({"template": "supervisor_alert", "variables": messages.TYPES["supervisor_alert"].sample,
      "idempotencyKey": "x:1"}, 400, "staff message"),
    ({"template": "case_opened", "idempotencyKey": "x:1", "cc": "boss@example.com"}, 400,
     "unknown field(s): cc; allowed: channel, idempotencyKey, template, variables"),
])
def test_a_bad_request_gets_a_400_and_writes_nothing(client, body, status, message):
    ana = create(client)
    answer, document = post_message(client, ana, **body)
    assert answer == status and message in document["Message"]
    assert list(OutboxModel.scan()) == []
    assert sent_emails() == []


def test_a_customer_without_an_address_gets_a_400_from_the_route(client):
    ana = create(client, email=None, phone="+40712345678")
    status, document = post_message(client, ana, template="case_opened",
                                     variables=messages.TYPES["case_opened"].sample, idempotencyKey="case:C-1:opened")
    assert status == 400 and "no e-mail address" in document["Message"]


def test_an_unknown_customer_gets_a_404(client):
    status, _ = post_message(client, "nobody", template="case_opened",
                             variables=messages.TYPES["case_opened"].sample, idempotencyKey="case:C-1:opened")
    assert status == 404
