"""Contact reasons at the edges: GET /reasons and predict_reason as Connect invokes it."""

from __future__ import annotations

import json
import re

import pytest

from chalicelib.reasons import history
from chalicelib.reasons.predict import PENDING_RETURN_WEIGHT, Evidence
from tests.helpers import load_event

KEYS = {"status", "reason", "confidence", "alternativeReason", "because", "queue", "selfService", "language",
        "label", "reference", "hasReference", "askOpenQuestion"}


def predict(client, channel="CHAT", attributes=None, **parameters):
    event = load_event("connect/chat_inbound.json", Channel=channel, Attributes=attributes or {})
    event["Details"]["Parameters"] = parameters
    return client.lambda_.invoke("predict_reason", event).payload


def assert_contract(answer):
    assert set(answer) - {"errorCode"} == KEYS
    assert all(isinstance(v, str) for v in answer.values())
    assert all(re.fullmatch(r"[A-Za-z0-9_-]+", k) for k in answer)
    assert len(json.dumps(answer).encode()) < 32 * 1024


def test_the_catalogue_is_served_in_the_requested_language(client):
    response = client.http.get("/reasons?lang=ro-RO")

    assert response.status_code == 200
    body = json.loads(response.body)
    assert body["language"] == "ro"
    labels = {r["id"]: r["label"] for r in body["reasons"]}
    assert labels["return"] == "Retururi și rambursări" and labels["other"] == "Altceva"


def test_the_catalogue_defaults_to_english(client):
    body = json.loads(client.http.get("/reasons").body)
    assert {r["id"]: r["label"] for r in body["reasons"]}["billing"] == "Billing and payments"


@pytest.mark.parametrize(("query", "named"), [("lang=de", "lang must be one of"), ("colour=red", "colour")])
def test_a_bad_catalogue_query_is_refused_naming_the_problem(client, query, named):
    response = client.http.get(f"/reasons?{query}")
    assert response.status_code == 400
    assert named in json.loads(response.body)["Message"]


def test_a_romanian_chat_message_is_routed_to_billing(client):
    answer = predict(client, text="Bună ziua, factura platita de doua ori luna asta", language="ro-RO")

    assert_contract(answer)
    assert (answer["status"], answer["reason"], answer["queue"]) == ("OK", "billing", "billing")
    assert answer["language"] == "ro"
    assert answer["because"] == "text" and float(answer["confidence"]) >= 0.5
    assert answer["selfService"] == "true"


def test_an_italian_email_is_routed_without_a_language_given(client):
    answer = predict(client, channel="EMAIL",
                     text="Oggetto: reso ordine 4471\n\nBuongiorno, vorrei restituire le scarpe, sono troppo piccole.")

    assert (answer["reason"], answer["language"], answer["queue"]) == ("return", "it", "orders")


def test_the_profile_language_picks_the_queue_of_a_per_language_reason(client):
    answer = predict(client, attributes={"preferredLanguage": "hu-HU"}, text="elfelejtettem a jelszavamat")
    assert (answer["reason"], answer["queue"]) == ("account", "hungarian")


def test_a_menu_choice_alone_routes(client):
    answer = predict(client, menuChoice="4")
    assert (answer["reason"], answer["because"], answer["queue"]) == ("appointment", "menu 4", "front_desk")


def test_the_last_contact_reason_is_a_hint_not_a_decision(client):
    answer = predict(client, attributes={"lastContactReason": "refund"}, daysSinceLastContact="2")

    assert (answer["reason"], answer["alternativeReason"]) == ("other", "return")
    assert answer["because"] == "not sure: last contact 2 days ago"


def test_a_registered_history_source_recognises_a_silent_caller(client):
    # Given a journey that knows this customer's return awaits pickup
    def pending_return(customer_id, now):
        return [Evidence("return", PENDING_RETURN_WEIGHT, "open return R-1004821, 2 days ago", "R-1004821")] \
            if customer_id == "cust-1" else []

    history.register("test.returns", pending_return)
    try:
        # When the caller says nothing
        answer = predict(client, channel="VOICE", customerId="cust-1", language="ro-RO")
    finally:
        history._sources.pop("test.returns")
    # Then the flow hears that the call is about the return
    assert (answer["reason"], answer["because"]) == ("return", "open return R-1004821, 2 days ago")
    assert (answer["label"], answer["reference"], answer["hasReference"]) == (
        "Retururi și rambursări", "R-1004821", "true")


def test_a_failing_history_source_costs_only_its_evidence(client):
    def broken(customer_id, now):
        raise RuntimeError("table missing")

    history.register("test.broken", broken)
    try:
        answer = predict(client, customerId="cust-1", text="I want to cancel my subscription")
    finally:
        history._sources.pop("test.broken")
    assert (answer["status"], answer["reason"]) == ("OK", "cancellation")


@pytest.mark.parametrize("text", ["", "\x00\xff\x1b[31m" * 300, "x" * 50_000, "🙂" * 2000,
                                  "{{7*7}} ${jndi:ldap://x} <script>alert(1)</script>", 12345, None, ["list"]])
def test_empty_huge_binary_and_hostile_text_keep_the_contract(client, text):
    answer = predict(client, text=text, language="xx-YY", menuChoice="*#")

    assert_contract(answer)
    assert answer["status"] == "OK"
    assert answer["reason"] in {"other", "billing", "delivery", "return", "appointment", "technical", "account",
                                "complaint", "cancellation", "sales"}
    assert 0.0 <= float(answer["confidence"]) <= 1.0


def test_an_event_without_details_still_answers_with_every_key(client):
    answer = client.lambda_.invoke("predict_reason", {"Name": "ContactFlowEvent"}).payload

    assert_contract(answer)
    assert (answer["status"], answer["reason"], answer["because"]) == ("OK", "other", "no evidence")


# ---- e-mail: the subject and the body ------------------------------------------------

EMAIL_CONTACT = "2e4f6a8c-1b3d-4f5a-9c7e-0d2f4b6a8c05"
INSTANCE_ARN = "arn:aws:connect:eu-central-1:123456789012:instance/c8c0e68d-2200-4265-82c0-5f3a1b2c3d4e"
FILE_ARN = f"{INSTANCE_ARN}/file/7a1f0c2e-5b3d-4e6f-8a9b-0c1d2e3f4a5b"
ITALIAN_BODY = ("Buongiorno,\r\nvorrei restituire le scarpe dell'ordine 4471, sono troppo piccole.\r\n"
                "Potete chiamarmi al +39 347 123 4567.\r\n\r\n"
                "Il 2 marzo, Assistenza <help@shop.example> ha scritto:\r\n"
                "> La fattura di febbraio è stata pagata due volte, rimborso in corso.\r\n")


@pytest.fixture
def mailbox_file():
    """Connect's pre-signed link to the e-mail's plain-text file, served on loopback;
    `.requests` counts the downloads."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    class File(BaseHTTPRequestHandler):
        body = ITALIAN_BODY.encode()
        requests = 0

        def do_GET(self):
            File.requests += 1
            self.send_response(200)
            self.send_header("Content-Type", "text/plain; charset=utf-8")
            self.end_headers()
            self.wfile.write(File.body)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), File)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    File.url = f"http://127.0.0.1:{server.server_port}/email/{EMAIL_CONTACT}.txt?X-Amz-Signature=abc"
    yield File
    server.shutdown()


@pytest.fixture
def connect_email(aws):
    from botocore.stub import Stubber

    from chalicelib.reasons import email

    with Stubber(email.client()) as stub:
        yield stub


def expect_email_file(stub, url):
    stub.add_response("list_contact_references", {"ReferenceSummaryList": [
        {"EmailMessagePlainText": {"Name": "message.txt", "Arn": FILE_ARN}}]}, {
        "InstanceId": "c8c0e68d-2200-4265-82c0-5f3a1b2c3d4e", "ContactId": EMAIL_CONTACT,
        "ReferenceTypes": ["EMAIL_MESSAGE_PLAIN_TEXT"]})
    stub.add_response("get_attached_file", {"FileSizeInBytes": len(ITALIAN_BODY.encode()),
                                            "DownloadUrlMetadata": {"Url": url}}, {
        "InstanceId": "c8c0e68d-2200-4265-82c0-5f3a1b2c3d4e", "FileId": "7a1f0c2e-5b3d-4e6f-8a9b-0c1d2e3f4a5b",
        "AssociatedResourceArn": f"{INSTANCE_ARN}/contact/{EMAIL_CONTACT}", "UrlExpiryInSeconds": 60})


def predict_email(client, subject):
    event = load_event("connect/email_inbound.json", Name=subject, LanguageCode=None)
    return client.lambda_.invoke("predict_reason", event).payload


def test_an_email_whose_subject_says_nothing_is_routed_on_its_body(client, connect_email, mailbox_file):
    # Given an Italian e-mail titled only "Ordine 4471", whose body asks to return shoes
    # (and quotes an earlier answer about a double charge)
    expect_email_file(connect_email, mailbox_file.url)
    # When the inbound e-mail flow predicts its reason
    answer = predict_email(client, "Ordine 4471")
    # Then the body's own words route it to returns, in Italian, and the contract holds
    assert_contract(answer)
    assert (answer["reason"], answer["language"], answer["queue"]) == ("return", "it", "orders")
    assert mailbox_file.requests == 1
    connect_email.assert_no_pending_responses()


def test_an_email_body_that_cannot_be_read_leaves_the_subject_to_route(client, connect_email):
    # Given Connect cannot list the e-mail's files right now
    connect_email.add_client_error("list_contact_references", "ThrottlingException", http_status_code=429)
    # Then the subject alone is read, and the flow still gets its answer
    answer = predict_email(client, "Vorrei restituire le scarpe, sono troppo piccole")
    assert_contract(answer)
    assert (answer["status"], answer["reason"]) == ("OK", "return")


def test_the_text_read_from_an_email_is_masked_and_stops_at_the_quoted_message():
    from chalicelib.observability import mask_pii
    from chalicelib.reasons.email import _own_words

    text = mask_pii(_own_words(ITALIAN_BODY))
    assert "restituire le scarpe" in text
    assert "347 123 4567" not in text and "help@shop.example" not in text
    assert "fattura" not in text  # the quoted earlier message is not why they write now
