"""What an attacker or a broken client sends: every route answers 4xx naming the
problem (or 503 when AWS failed), writes nothing, and never fails with a 500."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.notify import messages
from chalicelib.profiles.models import CustomerModel, IdentityModel
from devkit.mailbox import sent_emails
from tests.helpers import create_customer

JSON = {"Content-Type": "application/json"}


def send(client, method, path, body=None, raw=None, headers=JSON):
    data = raw if raw is not None else (json.dumps(body) if body is not None else "")
    response = getattr(client.http, method.lower())(path, headers=headers, body=data)
    return response.status_code, response.body.decode("utf-8", "replace")


def nested(depth: int) -> str:
    return '{"firstName": ' + "[" * depth + "]" * depth + "}"


@pytest.mark.parametrize(("method", "path"), [
    ("POST", "/customers"), ("PATCH", "/customers/{id}"), ("POST", "/customers/{id}/merge"),
    ("POST", "/customers/{id}/messages"), ("POST", "/customers/{id}/erase"), ("POST", "/appointments"),
    ("POST", "/chat/start"),
])
def test_a_body_nested_thousands_deep_is_a_400(client, method, path):
    ana = create_customer(client, firstName="Ana", phone="+40712345678")
    status, body = send(client, method, path.format(id=ana), raw=nested(5000))
    assert status == 400 and "nested" in body


@pytest.mark.parametrize(("method", "path", "body", "named"), [
    ("POST", "/customers", {"firstName": "An\ud800a", "phone": "+40712345678"}, "firstName"),
    ("PATCH", "/customers/{id}", {"lastName": "\udfff"}, "lastName"),
    ("POST", "/customers/{id}/messages", {"template": "case_opened", "idempotencyKey": "case:1:opened",
                                          "variables": {**messages.TYPES["case_opened"].sample,
                                                        "case_title": "x\ud800"}}, "case_title"),
    ("POST", "/appointments", {"appointmentId": "APT-1", "customerId": "{id}", "service": "Cardio\ud800",
                               "startsAt": "2099-01-01T09:00:00+02:00", "location": "L", "address": "A"}, "service"),
])
def test_lone_surrogates_in_text_are_a_400_naming_the_field_and_write_nothing(client, method, path, body, named):
    ana = create_customer(client, firstName="Ana", phone="+40712345678")
    before = {c.customer_id for c in CustomerModel.scan()}, {i.identity for i in IdentityModel.scan()}
    text = json.dumps(body).replace("{id}", ana)
    status, answer = send(client, method, path.format(id=ana), raw=text)
    assert status == 400, answer
    assert named in answer and "retry" not in answer.lower()
    assert ({c.customer_id for c in CustomerModel.scan()}, {i.identity for i in IdentityModel.scan()}) == before
    assert CustomerModel.get(ana).first_name == "Ana"
    assert sent_emails() == []


def test_a_channel_that_is_not_a_string_is_a_400(client):
    ana = create_customer(client, firstName="Ana", phone="+40712345678", email="ana@example.ro")
    status, answer = send(client, "POST", f"/customers/{ana}/messages", {
        "template": "case_opened", "variables": messages.TYPES["case_opened"].sample,
        "idempotencyKey": "case:C-1:opened", "channel": ["email"]})
    assert status == 400 and "channel" in answer
    assert sent_emails() == []


@pytest.mark.parametrize("starts_at", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00",
                                       "9999-12-31T23:59:59+00:00"])
def test_an_appointment_at_the_calendars_edges_is_a_400(client, starts_at):
    ana = create_customer(client, firstName="Ana", phone="+40712345678")
    status, answer = send(client, "POST", "/appointments", {
        "appointmentId": "APT-EDGE", "customerId": ana, "startsAt": starts_at, "service": "Cardio",
        "location": "Clinica", "address": "Calea Victoriei 155"})
    assert status == 400 and "startsAt" in answer


@pytest.mark.parametrize("raw", ["", "   "])
def test_an_erasure_with_a_json_content_type_and_no_body_is_the_erasure(client, raw):
    # The route takes no body: an empty one with a JSON content type is still "no body"
    ana = create_customer(client, firstName="Ana", phone="+40712345678")
    status, answer = send(client, "POST", f"/customers/{ana}/erase", raw=raw)
    assert status == 200, answer
    assert json.loads(answer)["status"] == "done"


def test_unsubscribing_while_dynamodb_throttles_answers_the_503_page(client, dynamodb_fault):
    from tests.integration.test_unsubscribe import unsubscribe_path

    ana = create_customer(client, firstName="Ana", phone="+40712345678", email="ana@example.ro")
    path = unsubscribe_path(ana)
    dynamodb_fault("throttle")
    response = client.http.post(path, headers={"Content-Type": "application/x-www-form-urlencoded"},
                                body="List-Unsubscribe=One-Click")
    assert response.status_code == 503
    assert response.headers["Content-Type"].startswith("text/html")
    assert "<html" in response.body.decode()


# ---- generated hostile JSON at every route ----------------------------------------

FIELDS = ["firstName", "lastName", "phone", "email", "whatsapp", "chatId", "preferredLanguage", "timeZone", "tier",
          "consent", "duplicateId", "template", "variables", "idempotencyKey", "channel", "appointmentId",
          "customerId", "patient", "startsAt", "durationMinutes", "service", "location", "address", "instructions",
          "practitioner", "arriveMinutesEarly", "attended", "displayName", "clientToken", "case_number", "limit"]
HOSTILE_TEXT = ["\ud800", "\udfff x", "\u00b2", "\u0664", "APT-1\n", "9" * 400, "-1", "0", "1e309", "NaN",
                "+40 712 345 678", "ana@example.ro", "2026-01-01T00:00:00Z", "9999-12-31T23:59:59-01:00",
                "0001-01-01T00:00:00+01:00", "<script>", "\x00", "a" * 5000, "email", "case_opened", ""]
scalars = (st.none() | st.booleans() | st.integers(min_value=-(10 ** 30), max_value=10 ** 30)
           | st.floats(allow_nan=False, allow_infinity=False) | st.sampled_from(HOSTILE_TEXT) | st.text(max_size=20))
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3)
                      | st.dictionaries(st.sampled_from(FIELDS) | st.text(max_size=8), inner, max_size=4),
                      max_leaves=12)
hostile = st.sampled_from(HOSTILE_TEXT) | st.sampled_from([["email"], {"nested": {"x": ["\ud800"]}}, 10 ** 30, -1,
                                                          1e308, True, None, [], {}])
bodies = st.dictionaries(st.sampled_from(FIELDS), values, max_size=8) | values

# Each route with a body it accepts: the generated input changes a few of its fields,
# so it gets past the first check and reaches the deeper ones.
CASE = messages.TYPES["case_opened"].sample
ROUTES = [
    ("POST", "/customers", {"firstName": "Ana", "phone": "+40712345679"}),
    ("GET", "/customers?phone={text}", None), ("GET", "/customers/{id}", None),
    ("PATCH", "/customers/{id}", {"lastName": "Popescu"}),
    ("POST", "/customers/{id}/merge", {"duplicateId": "someone"}),
    ("POST", "/customers/{id}/messages", {"template": "case_opened", "variables": CASE,
                                          "idempotencyKey": "case:1:opened"}),
    ("GET", "/customers/{id}/export", None), ("POST", "/customers/{other}/erase", {}),
    ("GET", "/customers/{id}/timeline?limit={text}", None), ("GET", "/metrics?from={text}&to={text}", None),
    ("GET", "/returns/{text}", None),
    ("POST", "/appointments", {"appointmentId": "APT-1", "customerId": "{id}", "startsAt": "2099-01-01T09:00:00Z",
                               "service": "Cardio", "location": "Clinica", "address": "Calea Victoriei 155"}),
    ("GET", "/appointments/{text}", None), ("POST", "/appointments/{text}/attendance", {"attended": True}),
    ("POST", "/chat/start", {"customerId": "{id}"}), ("GET", "/unsubscribe/{text}", None), ("GET", "/s/{text}", None),
    ("GET", "/webhooks/whatsapp?hub.mode=subscribe&hub.verify_token={text}&hub.challenge={text}", None),
    ("POST", "/webhooks/whatsapp", {"object": "whatsapp_business_account", "entry": []}),
]


@pytest.fixture
def connect_answers(aws):
    """Amazon Connect starts every chat asked for (moto has no backend for it): a
    generated body that happens to be valid reaches Connect, and AWS never fails here."""
    from botocore.stub import Stubber

    from chalicelib.connect import client as connect

    with Stubber(connect.client()) as stub:
        for _ in range(500):
            stub.add_response("start_chat_contact", {"ContactId": "7f1e2d3c-0001-4000-8000-00000000c4a7",
                                                     "ParticipantId": "p-1", "ParticipantToken": "t-1"})
        yield stub


def _in_url(text: str) -> str:
    from urllib.parse import quote

    return quote(text.encode("utf-8", "surrogatepass")[:300], safe="") or "x"


@pytest.mark.parametrize(("method", "path", "accepted"), ROUTES, ids=[f"{m} {p}" for m, p, _ in ROUTES])
@settings(max_examples=25)
@given(data=st.data(), text=st.sampled_from(HOSTILE_TEXT) | st.text(min_size=1, max_size=30))
def test_generated_hostile_input_never_gets_a_500(client, connect_answers, method, path, accepted, data, text):
    # Given Ana, a customer
    found = list(CustomerModel.scan(limit=1))
    customer_id = found[0].customer_id if found else create_customer(client, firstName="Ana", phone="+40712345678")
    # When a route gets a body that changes a few fields of one it accepts, or anything at all
    raw = ""
    if accepted is not None:
        keys = st.sampled_from(sorted(accepted)) if accepted else st.sampled_from(FIELDS)
        changes = st.dictionaries(keys | st.sampled_from(FIELDS), hostile | values, min_size=1, max_size=3)
        body = data.draw(st.builds(lambda c: {**accepted, **c}, changes) | bodies)
        raw = json.dumps(body).replace("{id}", customer_id)
    target = (path.replace("{id}", customer_id).replace("{other}", "someone-else")
              .replace("{text}", _in_url(text)))
    status, answer = send(client, method, target, raw=raw)
    # Then it answers, 4xx at worst: no 5xx, as AWS never failed
    assert status < 500, (status, answer[:300])


@pytest.mark.parametrize("path", ["/agent/contacts/c-1?limit=%C2%B2", "/agent/contacts/c-1?limit=%D9%A4",
                                  "/agent/contacts/c-1/timeline?cursor=x&limit=%C2%B2"])
def test_a_page_size_in_other_digits_is_a_400_on_the_agent_panel(client, path):
    # "²".isdigit() is true but int() refuses it; "٤" int() reads as 4
    status, answer = send(client, "GET", path)
    assert status == 400 and "limit" in answer


@pytest.mark.parametrize("note", [{}, [], 0, False])
def test_a_wrap_up_note_that_is_not_text_is_a_400_and_nothing_is_saved(client, note):
    status, answer = send(client, "POST", "/agent/contacts/c-1/wrap-up",
                          {"reason": "billing", "disposition": "answered", "resolved": True, "note": note})
    assert status == 400 and "note" in answer
    status, view = send(client, "GET", "/agent/contacts/c-1")
    assert status == 200 and json.loads(view)["wrapUp"] is None


@pytest.mark.parametrize("query", ["from=0001-01-01", "from=9999-12-31", "from=2026-01-01&to=9999-12-31"])
def test_knowledge_gaps_at_the_calendars_edges_are_a_400(client, query):
    status, answer = send(client, "GET", f"/kb/gaps?{query}")
    assert status == 400 and "must be between" in answer


@pytest.mark.parametrize("path", [
    "/customers", "/customers/C-1/timeline", "/metrics", "/dashboard/data", "/dashboard/review", "/reasons",
    "/wfm/plan", "/agent/contacts/c-1", "/agent/contacts/c-1/timeline", "/cases", "/kb/search",
    "/kb/articles/refund-policy", "/kb/suggest", "/kb/gaps", "/qa/queue", "/qa/evaluations", "/qa/scores",
])
def test_a_huge_unknown_parameter_is_a_short_400_naming_it_and_what_is_allowed(client, path):
    # When a route gets a query parameter it does not take, with a 5,000-character name
    status, answer = send(client, "GET", f"{path}?{'x' * 5000}=1")
    # Then it refuses it in the same words as every route, without echoing the name back
    assert status == 400, answer[:300]
    message = json.loads(answer)["Message"]
    assert message.startswith(f"unknown parameter(s): {'x' * 39}\u2026; allowed: "), message
    assert len(answer) < 400
