"""The timeline as Amazon Connect feeds it: contact events from EventBridge, contact
records from Kinesis, read back through the REST API and the contact flow."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.db import utcnow
from chalicelib.interactions.models import InteractionModel
from chalicelib.profiles.models import CustomerModel
from tests.helpers import kinesis_event, load_event, load_json

EVENT_TYPES = ["initiated", "connected_to_system", "contact_data_updated", "queued", "connected_to_agent",
               "disconnected", "completed"]
VOICE_CONTACT = "4a573372-1f28-4e26-b97b-6a2c4b3e1f01"
TRANSFERRED_CALL = "9b1f6a3c-2d4e-4f5a-8b6c-7d8e9f0a1b2c"
_STAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$")


def create(client, **body):
    response = client.http.post("/customers", headers={"Content-Type": "application/json"}, body=json.dumps(body))
    assert response.status_code == 201, response.body
    return json.loads(response.body)


def get(client, path):
    response = client.http.get(path)
    return response.status_code, json.loads(response.body)


def records(client, *documents):
    return client.lambda_.invoke("on_contact_record", kinesis_event(list(documents))).payload


def event(client, name, **detail):
    document = load_json(f"contact-events/{name}.json")
    document["detail"].update(detail)
    return client.lambda_.invoke("on_contact_event", document).payload


def moved(document, start: datetime):
    """The same document with every timestamp shifted so that its contact started at
    `start` (fixtures are dated; FCR windows and "days since" are relative)."""
    first = datetime.fromisoformat(document["InitiationTimestamp"].replace("Z", "+00:00"))
    shift = start - first

    def walk(value):
        if isinstance(value, dict):
            return {k: walk(v) for k, v in value.items()}
        if isinstance(value, list):
            return [walk(v) for v in value]
        if isinstance(value, str) and _STAMP.match(value):
            moment = datetime.fromisoformat(value.replace("Z", "+00:00")) + shift
            return moment.strftime("%Y-%m-%dT%H:%M:%SZ")
        return value

    return walk(document)


def around(start: datetime) -> str:
    """The /metrics period from `start` to now, a day wider on each side: KPI days are
    the contact center's (METRICS_TIME_ZONE), which may already be tomorrow in UTC."""
    return f"from={(start - timedelta(days=1)).date()}&to={(utcnow() + timedelta(days=1)).date()}"


def counters():
    """Every KPI counter as {"<day>#<dimension>#<value>": {field: n}}, the shards of a
    counter added up, zeros left out."""
    from chalicelib.db import connection
    from chalicelib.settings import get_settings
    from chalicelib.wire import item_from_wire

    found: dict[str, dict[str, int]] = {}
    for page in connection().client.get_paginator("scan").paginate(TableName=get_settings().metrics_table):
        for item in page["Items"]:
            plain = item_from_wire(item)
            if "day" not in plain:
                continue  # per-interval counters (workforce management) share the table
            fields = found.setdefault(f"{plain.pop('day')}#{plain.pop('dimension')}#{plain.pop('value')}", {})
            for name, n in plain.items():
                if name not in ("series", "slot", "expires_at"):
                    fields[name] = fields.get(name, 0) + n
    return {key: kept for key, fields in found.items() if (kept := {k: n for k, n in fields.items() if n})}


# ---- contact events -------------------------------------------------------------

def test_every_contact_event_type_lands_on_one_interaction_of_the_caller_the_flow_recognised(client):
    # Given Ana, recognised by the contact flow on her call (which links the contact to her)
    ana = create(client, firstName="Ana", phone="+40712345678")
    client.lambda_.invoke("lookup_customer", load_event("connect/voice_inbound.json"))
    # When Connect sends every contact event type of that call
    for name in EVENT_TYPES:
        event(client, name)
    # Then her timeline shows one ended call, with its queue, agent and disconnect reason
    status, timeline = get(client, f"/customers/{ana['id']}/timeline")
    assert status == 200
    [call] = timeline["interactions"]
    assert call["id"] == VOICE_CONTACT
    assert call["channel"] == "VOICE"
    assert call["status"] == "ended"
    assert call["startedAt"] == "2025-05-14T07:58:02.000Z"
    assert call["endedAt"] == "2025-05-14T08:05:40.000Z"
    assert call["queue"] == "5f1c4c2e-9d4b-4a8e-b8d6-2b1e0c9a7f11"
    assert call["agent"] == "8a3e1d2c-4b5f-4c6d-9e7f-0a1b2c3d4e5f"
    assert call["disconnectReason"] == "CUSTOMER_DISCONNECT"
    # And her profile already knows her last contact (no need to wait for the record)
    profile = CustomerModel.get(ana["id"])
    assert profile.last_channel == "VOICE"
    assert profile.last_agent == "8a3e1d2c-4b5f-4c6d-9e7f-0a1b2c3d4e5f"
    # But KPI counters wait for the contact record: events are best effort
    assert counters() == {}


def test_older_capitalised_agent_keys_are_read_like_the_new_ones(client):
    ana = create(client, firstName="Ana", phone="+40712345678")
    client.lambda_.invoke("lookup_customer", load_event("connect/voice_inbound.json"))
    event(client, "disconnected_legacy_casing")
    [call] = get(client, f"/customers/{ana['id']}/timeline")[1]["interactions"]
    assert call["agent"] == "8a3e1d2c-4b5f-4c6d-9e7f-0a1b2c3d4e5f"
    assert call["channel"] == "VOICE"


def test_unknown_event_types_channels_and_fields_are_tolerated(client):
    ana = create(client, firstName="Ana", phone="+40712345678")
    client.lambda_.invoke("lookup_customer", load_event("connect/voice_inbound.json"))
    event(client, "unknown_type_channel_and_fields")
    [contact] = get(client, f"/customers/{ana['id']}/timeline")[1]["interactions"]
    assert contact["channel"] == "CARRIER_PIGEON"
    assert contact["initiationMethod"] == "TELEPATHY"


def test_a_contact_event_of_an_unrecognised_caller_waits_for_the_contact_record(client):
    # Given a call nobody looked up (no link): the event is kept without a customer
    event(client, "queued", contactId="not-looked-up", initialContactId="not-looked-up")
    assert InteractionModel.get("not-looked-up").customer_id is None
    # When its contact record arrives with the caller's number
    ana = create(client, firstName="Ana", phone="+40712345678")
    record = load_json("contact-records/voice_abandoned.json", ContactId="not-looked-up",
                       CustomerEndpoint={"Address": "+40712345678", "Type": "TELEPHONE_NUMBER"})
    assert records(client, record) == {"batchItemFailures": []}
    # Then the interaction is Ana's
    [call] = get(client, f"/customers/{ana['id']}/timeline")[1]["interactions"]
    assert call["id"] == "not-looked-up"
    assert call["abandoned"] is True


def test_an_event_without_a_contact_id_raises_so_it_is_retried_and_dead_lettered(client):
    document = load_json("contact-events/queued.json")
    del document["detail"]["contactId"]
    with pytest.raises(ValueError, match="no contact id"):
        client.lambda_.invoke("on_contact_event", document)
    assert list(InteractionModel.scan()) == []


def test_a_contact_event_is_retried_when_dynamodb_fails(client, dynamodb_fault):
    dynamodb_fault("throttle")
    from chalicelib.errors import DependencyFailure

    with pytest.raises(DependencyFailure):
        event(client, "queued")


# ---- contact records ------------------------------------------------------------

def test_a_transferred_call_is_one_interaction_whatever_order_its_legs_arrive_in(client):
    # Given Ana, known by her phone number
    ana = create(client, firstName="Ana", phone="+40712345678")
    # When the second leg's record arrives before the first
    assert records(client, load_json("contact-records/voice_transfer_leg2.json")) == {"batchItemFailures": []}
    assert records(client, load_json("contact-records/voice_transfer_leg1.json")) == {"batchItemFailures": []}
    # Then her timeline shows one call: where it started, where it ended, its whole handle time
    [call] = get(client, f"/customers/{ana['id']}/timeline")[1]["interactions"]
    assert call["id"] == TRANSFERRED_CALL
    assert call["contactIds"] == [TRANSFERRED_CALL, "c3d4e5f6-a7b8-4c9d-8e0f-1a2b3c4d5e6f"]
    assert call["transfers"] == 1
    assert call["startedAt"] == "2025-05-14T09:00:00.000Z"
    assert (call["queue"], call["agent"]) == ("Retention", "andrei.p")
    assert call["queueWaitSeconds"] == 45 + 40
    assert call["handleSeconds"] == (240 + 30) + (420 + 60)
    assert (call["contactReason"], call["disposition"], call["resolved"]) == ("cancellation", "retained", True)
    assert call["resolvedAtFirstContact"] is True
    # And each queue and agent is credited with its own leg; the contact counts once
    status, by_queue = get(client, "/metrics?from=2025-05-14&to=2025-05-14&by=queue")
    assert status == 200
    assert by_queue["totals"]["contacts"] == 1
    assert by_queue["totals"]["handled"] == 2
    assert by_queue["totals"]["transfers"] == 1
    assert by_queue["totals"]["fcrPercent"] == 100.0
    groups = {g["value"]: g for g in by_queue["groups"]}
    assert (groups["Billing"]["handleSeconds"], groups["Billing"]["transfers"]) == (270, 1)
    assert (groups["Retention"]["handleSeconds"], groups["Retention"]["contacts"]) == (480, 1)
    # And her profile says what the next agent needs to know
    profile = CustomerModel.get(ana["id"])
    assert profile.last_contact_at == datetime(2025, 5, 14, 9, 0, tzinfo=UTC)
    assert (profile.last_channel, profile.last_agent, profile.last_reason) == ("VOICE", "andrei.p", "cancellation")


def test_redelivered_records_in_any_order_leave_the_same_items_and_counters(client):
    create(client, firstName="Ana", phone="+40712345678")
    leg1 = load_json("contact-records/voice_transfer_leg1.json")
    leg2 = load_json("contact-records/voice_transfer_leg2.json")
    records(client, leg1, leg2)
    once = counters(), InteractionModel.get(TRANSFERRED_CALL).serialize()
    records(client, leg2, leg1, leg2)
    records(client, leg1)
    assert (counters(), InteractionModel.get(TRANSFERRED_CALL).serialize()) == once


def test_the_newest_copy_of_a_record_wins_even_when_it_arrives_first(client):
    create(client, firstName="Ana", phone="+40712345678")
    newer = load_json("contact-records/voice_transfer_leg1.json", LastUpdateTimestamp="2025-05-14T10:00:00Z")
    newer["Attributes"]["contactReason"] = "technical"
    older = load_json("contact-records/voice_transfer_leg1.json")
    records(client, newer)
    records(client, older)
    assert InteractionModel.get(TRANSFERRED_CALL).contact_reason == "technical"
    assert "2025-05-14#reason#billing" not in counters()
    assert counters()["2025-05-14#reason#technical"]["handled"] == 1


def test_an_abandoned_call_from_an_unknown_number_gets_a_profile_and_counts_as_abandoned(client):
    answer = records(client, load_json("contact-records/voice_abandoned.json"))
    assert answer == {"batchItemFailures": []}
    [interaction] = list(InteractionModel.scan())
    customer = CustomerModel.get(interaction.customer_id)
    assert customer.preferred_language == "en-GB"  # from the +44 number, as the lookup does
    assert interaction.abandoned is True
    status, report = get(client, "/metrics?from=2025-05-14")
    assert status == 200
    assert (report["totals"]["abandoned"], report["totals"]["queued"], report["totals"]["handled"]) == (1, 1, 0)
    assert report["totals"]["abandonmentPercent"] == 100.0
    assert report["totals"]["fcrPercent"] is None  # nobody handled it: not in the FCR denominator


def test_a_task_is_on_the_timeline_and_keeps_its_case_open_but_is_not_a_customer_contact(client):
    ana = create(client, firstName="Ana", phone="+40712345678")
    answer = records(client, load_json("contact-records/task.json",
                                       Attributes={**load_json("contact-records/task.json")["Attributes"],
                                                   "customerId": ana["id"]}))
    assert answer == {"batchItemFailures": []}
    [task] = get(client, f"/customers/{ana['id']}/timeline")[1]["interactions"]
    assert (task["channel"], task["caseId"], task["resolved"]) == ("TASK", "CASE-2001", False)
    assert get(client, f"/customers/{ana['id']}")[1]["openCaseId"] == "CASE-2001"
    totals = get(client, "/metrics?from=2025-05-14")[1]["totals"]
    assert (totals["contacts"], totals["handled"], totals.get("fcrEligible", 0)) == (1, 1, 0)


def test_a_chat_names_its_customer_in_an_attribute_and_closes_the_case_it_resolved(client):
    ana = create(client, firstName="Ana", phone="+40712345678")
    CustomerModel(ana["id"]).update(actions=[CustomerModel.open_case_id.set("CASE-2001")])
    chat = load_json("contact-records/chat.json")
    chat["Attributes"]["customerId"] = ana["id"]
    records(client, chat)
    [contact] = get(client, f"/customers/{ana['id']}/timeline")[1]["interactions"]
    assert (contact["channel"], contact["contactReason"], contact["disposition"]) == ("CHAT", "delivery", "info_given")
    assert get(client, f"/customers/{ana['id']}")[1]["openCaseId"] is None


def test_a_whatsapp_conversation_is_recognised_by_the_whatsapp_number(client):
    eszter = create(client, firstName="Eszter", whatsapp="+36 20 123 4567")
    records(client, load_json("contact-records/whatsapp_chat.json"))
    [contact] = get(client, f"/customers/{eszter['id']}/timeline")[1]["interactions"]
    assert (contact["channel"], contact["agent"]) == ("CHAT", "maria.t")


def test_unreadable_records_are_reported_and_the_rest_of_the_batch_is_kept(client):
    create(client, firstName="Ana", phone="+40712345678")
    no_contact_id = load_json("contact-records/chat.json", ContactId=None)
    event_ = kinesis_event([b"not json at all", no_contact_id, load_json("contact-records/voice_transfer_leg1.json")])
    event_["Records"].append({**event_["Records"][0], "kinesis": {**event_["Records"][0]["kinesis"],
                                                                  "data": "%%% not base64", "sequenceNumber": "7"}})
    answer = client.lambda_.invoke("on_contact_record", event_).payload
    sequences = [r["kinesis"]["sequenceNumber"] for r in event_["Records"]]
    assert answer == {"batchItemFailures": [{"itemIdentifier": s} for s in (sequences[0], sequences[1], "7")]}
    assert InteractionModel.get(TRANSFERRED_CALL).queue == "Billing"


def test_records_with_numbers_or_nesting_no_parser_takes_are_reported_on_their_own(client):
    # Given a batch with records that are JSON only to a lenient parser, or nested deeper
    # than any parser follows, next to a good one
    good = load_json("contact-records/voice_transfer_leg1.json")
    nan = json.dumps(load_json("contact-records/chat.json")).replace('"AgentInteractionDuration": 600',
                                                                     '"AgentInteractionDuration": NaN')
    infinity = json.dumps({**load_json("contact-records/chat.json"), "ContactId": "c-inf"})[:-1] + ', "x": Infinity}'
    nested = '{"ContactId": "c-deep", "Attributes": ' + "[" * 5000 + "]" * 5000 + "}"
    assert "NaN" in nan
    event_ = kinesis_event([nan.encode(), infinity.encode(), nested.encode(), good])
    # When it arrives
    answer = client.lambda_.invoke("on_contact_record", event_).payload
    # Then each bad record is named, and the good one is on the timeline
    sequences = [r["kinesis"]["sequenceNumber"] for r in event_["Records"]]
    assert answer == {"batchItemFailures": [{"itemIdentifier": s} for s in sequences[:3]]}
    assert InteractionModel.get(TRANSFERRED_CALL).queue == "Billing"


@pytest.mark.parametrize("edge", ["9999-12-31T23:59:59-01:00", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59Z",
                                  1e300, -1])
def test_times_at_the_edges_of_the_calendar_are_read_as_unknown_and_the_batch_goes_on(client, edge):
    # Given a record whose times are past the calendar's edges, next to a good one
    create(client, firstName="Ana", phone="+40712345678")
    odd = load_json("contact-records/voice_abandoned.json", LastUpdateTimestamp=edge, DisconnectTimestamp=edge)
    odd["Queue"]["EnqueueTimestamp"] = edge
    good = load_json("contact-records/voice_transfer_leg1.json")
    # When they arrive
    answer = client.lambda_.invoke("on_contact_record", kinesis_event([odd, good])).payload
    # Then nothing fails: the odd record is kept without the times it could not read
    assert answer == {"batchItemFailures": []}
    assert InteractionModel.get(TRANSFERRED_CALL).queue == "Billing"
    assert InteractionModel.get(odd["ContactId"]).channel == "VOICE"


def test_records_that_cannot_be_written_are_reported_for_retry(client, dynamodb_fault):
    dynamodb_fault("throttle")
    event_ = kinesis_event([load_json("contact-records/voice_abandoned.json")])
    answer = client.lambda_.invoke("on_contact_record", event_).payload
    assert answer == {"batchItemFailures": [{"itemIdentifier": event_["Records"][0]["kinesis"]["sequenceNumber"]}]}


# ---- first-contact resolution and what the flow reads ---------------------------

def _call(contact_id: str, start: datetime, reason: str = "billing", **fields):
    document = moved(load_json("contact-records/whatsapp_chat.json"), start)
    document.update({"ContactId": contact_id, "Channel": "VOICE", "InitiationMethod": "INBOUND",
                     "SegmentAttributes": None,
                     "CustomerEndpoint": {"Address": "+40712345678", "Type": "TELEPHONE_NUMBER"}, **fields})
    document["Attributes"] = {"contactReason": reason}
    return document


def test_coming_back_within_the_repeat_window_breaks_first_contact_resolution(client):
    ana = create(client, firstName="Ana", phone="+40712345678")
    start = utcnow().replace(microsecond=0) - timedelta(days=2)
    # A call resolved at first contact ... until she calls again two days later
    records(client, _call("first", start))
    assert get(client, f"/metrics?{around(start)}")[1]["totals"]["fcrPercent"] == 100.0
    records(client, _call("second", start + timedelta(hours=47)))
    report = get(client, f"/metrics?{around(start)}")[1]["totals"]
    assert (report["fcrEligible"], report.get("fcrResolved", 0), report["repeatContacts"]) == (2, 1, 1)
    timeline = {i["id"]: i for i in get(client, f"/customers/{ana['id']}/timeline")[1]["interactions"]}
    assert timeline["first"]["resolvedAtFirstContact"] is False
    assert timeline["second"]["repeatContact"] is True


def test_a_contact_after_the_window_is_not_a_repeat(client, settings_env):
    settings_env(REPEAT_WINDOW_HOURS="24")
    create(client, firstName="Ana", phone="+40712345678")
    start = utcnow().replace(microsecond=0) - timedelta(days=3)
    records(client, _call("second", start + timedelta(hours=25)), _call("first", start))
    report = get(client, f"/metrics?{around(start)}")[1]["totals"]
    assert (report["fcrEligible"], report["fcrResolved"], report.get("repeatContacts", 0)) == (2, 2, 0)


def test_with_same_reason_only_a_repeat_about_the_same_thing_counts(client, settings_env):
    settings_env(REPEAT_SAME_REASON="true")
    create(client, firstName="Ana", phone="+40712345678")
    start = utcnow().replace(microsecond=0) - timedelta(days=2)
    records(client, _call("first", start, "billing"), _call("second", start + timedelta(hours=5), "delivery"))
    report = get(client, f"/metrics?{around(start)}")[1]["totals"]
    assert report.get("repeatContacts", 0) == 0
    records(client, _call("third", start + timedelta(hours=6), "billing"))
    report = get(client, f"/metrics?{around(start)}")[1]["totals"]
    assert report["repeatContacts"] == 1


def test_the_contact_flow_greets_a_returning_caller_with_what_happened_last_time(client):
    create(client, firstName="Ana", phone="+40712345678")
    chat = moved(load_json("contact-records/chat.json"), utcnow().replace(microsecond=0) - timedelta(days=1, hours=2))
    chat["Attributes"].pop("customerId")
    chat["Attributes"]["email"] = "ana@example.ro"
    chat["CustomerEndpoint"] = {"Address": "+40712345678", "Type": "TELEPHONE_NUMBER"}
    records(client, chat)
    answer = client.lambda_.invoke("lookup_customer", load_event("connect/voice_inbound.json")).payload
    assert (answer["lastChannel"], answer["lastContactReason"]) == ("CHAT", "delivery")
    assert (answer["daysSinceLastContact"], answer["contactsLast30Days"]) == ("1", "1")


# ---- reading the timeline and the KPIs ------------------------------------------

def test_the_timeline_pages_newest_first_across_channels(client):
    ana = create(client, firstName="Ana", phone="+40712345678")
    start = utcnow().replace(microsecond=0) - timedelta(days=20)
    documents = [_call(f"call-{n:02d}", start + timedelta(hours=n), Channel=("VOICE", "CHAT", "EMAIL")[n % 3])
                 for n in range(25)]
    records(client, *documents)
    seen, cursor, pages = [], None, 0
    while True:
        after = f"&cursor={cursor}" if cursor else ""
        status, page = get(client, f"/customers/{ana['id']}/timeline?limit=10{after}")
        assert status == 200
        seen += [i["id"] for i in page["interactions"]]
        pages += 1
        cursor = page["nextCursor"]
        if not cursor:
            break
    assert seen == [f"call-{n:02d}" for n in reversed(range(25))]
    assert pages == 3


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "limit=ten", "cursor=bm9wZQ", "page=2", "limit=%C2%B2",
                                   "limit=" + "9" * 5000, "limit=%D9%A3"])
def test_a_bad_timeline_request_says_what_is_wrong(client, query):
    ana = create(client, firstName="Ana", phone="+40712345678")
    status, answer = get(client, f"/customers/{ana['id']}/timeline?{query}")
    assert status == 400
    assert answer["Message"]


def test_the_timeline_of_an_unknown_customer_is_404(client):
    assert get(client, "/customers/nobody/timeline")[0] == 404


def test_expired_interactions_are_not_shown(client):
    ana = create(client, firstName="Ana", phone="+40712345678")
    records(client, load_json("contact-records/voice_transfer_leg1.json"))
    InteractionModel(TRANSFERRED_CALL).update(actions=[InteractionModel.expires_at.set(utcnow() - timedelta(days=1))])
    assert get(client, f"/customers/{ana['id']}/timeline")[1]["interactions"] == []


@pytest.mark.parametrize("query, problem", [
    ("", "from"), ("from=2025-13-01", "from"), ("from=14.05.2025", "from"),
    ("from=2025-05-14&to=2025-05-13", "before"), ("from=2024-01-01&to=2025-01-01", "366"),
    ("from=2025-05-14&by=moon", "by"), ("from=2025-05-14&per=queue", "unknown"),
    ("from=9999-12-01&to=9999-12-31", "from"), ("from=0001-01-01&to=0001-01-02", "from"),
])
def test_a_bad_metrics_request_says_what_is_wrong(client, query, problem):
    status, answer = get(client, f"/metrics?{query}")
    assert status == 400
    assert problem in answer["Message"]


def test_a_full_year_is_accepted(client):
    status, answer = get(client, "/metrics?from=2024-01-01&to=2024-12-31&by=agent")
    assert status == 200
    assert answer["groups"] == []


# ---- merging profiles -----------------------------------------------------------

def test_merging_a_duplicate_moves_its_history_and_sees_repeats_across_both(client):
    # Given Ana twice: her phone profile and a profile made from her chat e-mail
    ana = create(client, firstName="Ana", phone="+40712345678")
    duplicate = create(client, firstName="Ana", email="ana@example.ro")
    start = utcnow().replace(microsecond=0) - timedelta(days=2)
    call = _call("call", start)
    chat = _call("chat", start + timedelta(hours=3), Channel="CHAT", InitiationMethod="API",
                 CustomerEndpoint={"Address": "ana@example.ro", "Type": "EMAIL_ADDRESS"})
    records(client, call, chat)
    period = f"/metrics?{around(start)}"
    assert get(client, period)[1]["totals"]["fcrPercent"] == 100.0
    # When the agent merges the duplicate into Ana
    merge = client.http.post(f"/customers/{ana['id']}/merge", headers={"Content-Type": "application/json"},
                             body=json.dumps({"duplicateId": duplicate["id"]}))
    assert merge.status_code == 200, merge.body
    # Then both contacts are on Ana's timeline, and the chat is a repeat of the call
    # (besides the survey invitation the call brought her)
    timeline = [i for i in get(client, f"/customers/{ana['id']}/timeline")[1]["interactions"] if i["kind"] == "contact"]
    assert [i["id"] for i in timeline] == ["chat", "call"]
    assert timeline[0]["repeatContact"] is True
    totals = get(client, period)[1]["totals"]
    assert (totals["fcrEligible"], totals["fcrResolved"], totals["repeatContacts"]) == (2, 1, 1)
    assert json.loads(merge.body)["contactsLast30Days"] == 2
    # And merging again changes nothing
    before = counters()
    again = client.http.post(f"/customers/{ana['id']}/merge", headers={"Content-Type": "application/json"},
                             body=json.dumps({"duplicateId": duplicate["id"]}))
    assert again.status_code == 200
    assert counters() == before


def test_a_record_redelivered_after_the_customer_was_erased_brings_nothing_back(client):
    # Given Ana's transferred call on her timeline and in the KPIs
    ana = create(client, firstName="Ana", phone="+40712345678")
    records(client, load_json("contact-records/voice_transfer_leg1.json"))
    counted = counters()
    # When she is erased, and Kinesis then redelivers a newer copy of the call's record
    assert client.http.post(f"/customers/{ana['id']}/erase").status_code == 200
    assert records(client, load_json("contact-records/voice_transfer_leg1.json",
                                     LastUpdateTimestamp="2025-05-14T12:00:00Z")) == {"batchItemFailures": []}
    # Then the call is not brought back, no profile is made for her number, and it is not counted twice
    erased = InteractionModel.get(TRANSFERRED_CALL)
    assert (erased.erased, erased.customer_id, erased.legs, erased.agent) == (True, None, None, None)
    assert client.http.get("/customers?phone=%2B40712345678").status_code == 404
    assert counters() == counted


# ---- the predicted reason beside the agent's ----------------------------------------

def test_the_predicted_and_the_agents_reason_are_both_kept_and_measured(client):
    ana = create(client, firstName="Ana", phone="+40712345678")
    start = utcnow().replace(microsecond=0) - timedelta(days=1)
    right = _call("right", start, "billing")
    right["Attributes"]["predictedReason"] = "billing"
    wrong = _call("wrong", start + timedelta(hours=1), "return")
    wrong["Attributes"]["predictedReason"] = "delivery"
    unpredicted = _call("unpredicted", start + timedelta(hours=2), "refund")
    records(client, right, wrong, unpredicted)
    # The timeline shows both reasons; an older free string arrives as its catalogue id
    timeline = {i["id"]: i for i in get(client, f"/customers/{ana['id']}/timeline")[1]["interactions"]}
    assert (timeline["wrong"]["predictedReason"], timeline["wrong"]["contactReason"]) == ("delivery", "return")
    assert (timeline["unpredicted"]["predictedReason"], timeline["unpredicted"]["contactReason"]) == (None, "return")
    # Supervisors see how often routing guessed the agent's reason, in total and per reason
    status, report = get(client, f"/metrics?{around(start)}&by=reason")
    assert status == 200
    assert report["totals"]["predictionAccuracyPercent"] == 50.0
    groups = {g["reason"] if "reason" in g else g.get("value"): g for g in report["groups"]}
    assert groups["billing"]["predictionAccuracyPercent"] == 100.0
    assert groups["return"]["predictionAccuracyPercent"] == 0.0


def test_a_wrap_up_reason_outside_the_catalogue_is_not_counted_as_a_reason(client):
    create(client, firstName="Ana", phone="+40712345678")
    start = utcnow().replace(microsecond=0) - timedelta(days=1)
    records(client, _call("odd", start, "bananas"))
    status, report = get(client, f"/metrics?{around(start)}&by=reason")
    assert status == 200
    assert "bananas" not in json.dumps(report)
    assert InteractionModel.get("odd").contact_reason is None


def test_contacts_stored_before_the_compact_forms_still_move_their_counters_exactly(client):
    from chalicelib.db import connection
    from chalicelib.metrics import counters as counting
    from chalicelib.settings import get_settings

    # Given a call recorded, then stored as earlier versions kept it: every counter
    # its share touches spelled out, on the interaction and in the customer's ledger
    ana = create(client, firstName="Ana", phone="+40712345678")
    older = load_json("contact-records/voice_transfer_leg1.json")
    records(client, older)
    interaction = InteractionModel.get(TRANSFERRED_CALL)
    interaction.applied = counting.expand(interaction.applied)
    interaction.save()
    customer = CustomerModel.get(ana["id"])
    ledger = customer.fcr_ledger
    for entry in ledger.values():
        entry["applied"] = counting.expand(entry["applied"])
        entry["fcr"] = {"repeatContact": False, "repeated": False}
        entry.update({name: entry["kpi"][name] for name in ("started_at", "channel", "agent", "reason")})
    connection().client.update_item(
        TableName=get_settings().customers_table, Key={"customer_id": {"S": ana["id"]}},
        UpdateExpression="SET activity = :ledger", ExpressionAttributeValues={":ledger": {"S": json.dumps(ledger)}})
    assert isinstance(InteractionModel.get(TRANSFERRED_CALL).applied, dict)
    # When a newer copy of its record says the call was about something else
    newer = load_json("contact-records/voice_transfer_leg1.json", LastUpdateTimestamp="2025-05-14T10:00:00Z")
    newer["Attributes"]["contactReason"] = "technical"
    records(client, newer)
    # Then every count moved, the first-contact ones too, and none was left behind
    found = counters()
    assert "2025-05-14#reason#billing" not in found
    assert found["2025-05-14#reason#technical"]["handled"] == 1
    assert found["2025-05-14#reason#technical"]["fcr_eligible"] == found["2025-05-14#all#all"]["fcr_eligible"] == 1
    assert found["2025-05-14#all#all"]["contacts"] == 1
    # And the interaction keeps the compact form from now on
    assert isinstance(InteractionModel.get(TRANSFERRED_CALL).applied, list)
