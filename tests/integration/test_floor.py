"""The live floor from contact events: who waits in which queue, the oldest wait and
its status, whatever order and however often Amazon Connect delivers the events."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import load_json

BILLING = "5f1c4c2e-9d4b-4a8e-b8d6-2b1e0c9a7f11"
SALES = "7d2e1f3a-4b5c-4d6e-8f9a-0b1c2d3e4f50"
QUEUE_ARN = "arn:aws:connect:eu-central-1:123456789012:instance/c8c0e68d-2200-4265-82c0-5f3a1b2c3d4e/queue/"
THRESHOLDS = json.dumps({"*": {"warnSeconds": 60, "alertSeconds": 120},
                         BILLING: {"name": "Billing", "warnSeconds": 30, "alertSeconds": 90},
                         SALES: {"name": "Sales"}})


def iso(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def contact_event(kind: str, contact_id: str, queued_at: datetime, *, queue: str = BILLING,
                  channel: str = "VOICE", at: datetime | None = None) -> dict:
    """A contact event of the sample shapes, for `contact_id`, queued at `queued_at`."""
    name = {"QUEUED": "queued", "CONNECTED_TO_AGENT": "connected_to_agent", "DISCONNECTED": "disconnected",
            "COMPLETED": "completed"}[kind]
    document = load_json(f"contact-events/{name}.json")
    at = at or queued_at
    document["time"] = at.strftime("%Y-%m-%dT%H:%M:%SZ")
    detail = document["detail"]
    detail.update(contactId=contact_id, initialContactId=contact_id, channel=channel,
                  initiationTimestamp=iso(queued_at - timedelta(seconds=20)))
    detail["queueInfo"] = {"queueArn": QUEUE_ARN + queue, "queueType": "STANDARD", "enqueueTimestamp": iso(queued_at)}
    if kind != "QUEUED" and detail.get("agentInfo"):
        detail["agentInfo"]["connectedToAgentTimestamp"] = iso(at)
    if kind in ("DISCONNECTED", "COMPLETED"):
        detail["disconnectTimestamp"] = iso(at)
    return document


def deliver(client, *documents: dict) -> None:
    for document in documents:
        client.lambda_.invoke("on_contact_event", document)


@pytest.fixture
def floor(client, settings_env):
    settings_env(FLOOR_THRESHOLDS=THRESHOLDS)

    def read(now: datetime) -> dict:
        from chalicelib.web.floor import data

        return {queue["name"]: queue for queue in data(now)["queues"]}

    return read


NOW = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)


def test_queued_contacts_wait_until_an_agent_answers_or_they_hang_up(client, floor):
    # Given three callers queued for Billing and one chat for Sales
    deliver(client, contact_event("QUEUED", "c-1", NOW - timedelta(seconds=75)),
            contact_event("QUEUED", "c-2", NOW - timedelta(seconds=40)),
            contact_event("QUEUED", "c-3", NOW - timedelta(seconds=10), channel="CHAT"),
            contact_event("QUEUED", "s-1", NOW - timedelta(seconds=5), queue=SALES, channel="CHAT"))
    # Then the supervisor sees them waiting, the oldest for 75 s: Billing over its warn threshold
    billing = floor(NOW)["Billing"]
    assert billing["waiting"] == 3 and billing["waitingByChannel"] == {"CHAT": 1, "VOICE": 2}
    assert billing["oldestWaitSeconds"] == 75 and billing["status"] == "warn"
    assert floor(NOW)["Sales"] == {**floor(NOW)["Sales"], "waiting": 1, "oldestWaitSeconds": 5, "status": "ok"}
    # When the oldest is answered and the next hangs up in the queue
    deliver(client, contact_event("CONNECTED_TO_AGENT", "c-1", NOW - timedelta(seconds=75), at=NOW),
            contact_event("DISCONNECTED", "c-2", NOW - timedelta(seconds=40), at=NOW))
    # Then only the chat waits, and Billing is fine again
    billing = floor(NOW)["Billing"]
    assert (billing["waiting"], billing["oldestWaitSeconds"], billing["status"]) == (1, 10, "ok")


def test_the_oldest_wait_passing_the_alert_threshold_turns_the_queue_to_alert(client, floor):
    deliver(client, contact_event("QUEUED", "c-1", NOW - timedelta(seconds=95)))
    assert floor(NOW)["Billing"]["status"] == "alert"
    assert floor(NOW)["Sales"]["status"] == "ok" and floor(NOW)["Sales"]["oldestWaitSeconds"] is None


def test_events_arriving_late_or_twice_leave_the_same_floor(client, floor):
    queued = contact_event("QUEUED", "c-1", NOW - timedelta(seconds=50))
    answered = contact_event("CONNECTED_TO_AGENT", "c-1", NOW - timedelta(seconds=50), at=NOW - timedelta(seconds=20))
    ended = contact_event("DISCONNECTED", "c-1", NOW - timedelta(seconds=50), at=NOW - timedelta(seconds=1))
    # Given the answer and the end come before the QUEUED event, and everything twice
    deliver(client, ended, answered, queued, answered, queued, ended)
    # Then the contact is not waiting
    assert floor(NOW)["Billing"]["waiting"] == 0
    # And a QUEUED redelivered alone changes nothing either
    from chalicelib.floor import state
    from chalicelib.interactions import parse

    assert state.contact_event({"observation": parse.contact_event(queued)}) is False
    assert floor(NOW)["Billing"]["waiting"] == 0


def test_a_contact_answered_in_the_second_it_was_queued_is_not_left_waiting(client, floor):
    # The envelope's time has whole seconds only; the event's own times break the tie.
    moment = NOW - timedelta(seconds=30)
    deliver(client, contact_event("CONNECTED_TO_AGENT", "c-1", moment, at=moment),
            contact_event("QUEUED", "c-1", moment))
    assert floor(NOW)["Billing"]["waiting"] == 0


def test_a_contact_whose_events_stopped_leaves_the_floor_when_its_item_expires(client, floor):
    # Given a QUEUED whose end was never delivered; DynamoDB deletes expired items
    # late (and moto never), so the read skips them itself
    deliver(client, contact_event("QUEUED", "c-1", NOW - timedelta(hours=30)))
    from chalicelib.floor.models import FloorContactModel

    assert FloorContactModel.count(BILLING) == 1
    assert floor(NOW)["Billing"]["waiting"] == 0


def test_floor_items_hold_ids_and_times_only(client, floor):
    deliver(client, contact_event("QUEUED", "c-1", NOW - timedelta(seconds=5)))
    from chalicelib.floor.models import FloorContactModel

    [item] = FloorContactModel.query(BILLING)
    assert set(item.attribute_values) == {"queue", "contact_id", "rank", "state", "channel", "enqueued_at",
                                          "waiting_queue", "expires_at"}


def test_reading_the_floor_queries_and_never_scans(client, floor):
    deliver(client, *[contact_event("QUEUED", f"c-{n}", NOW - timedelta(seconds=n)) for n in range(25)])
    from chalicelib.db import connection
    from chalicelib.metrics import report

    calls: list[str] = []
    clients = (connection().client, report.reader())
    for dynamodb in clients:
        dynamodb.meta.events.register("before-call.dynamodb", lambda model, **_: calls.append(model.name))
    try:
        assert floor(NOW)["Billing"]["waiting"] == 25
    finally:
        for dynamodb in clients:
            dynamodb.meta.events.unregister("before-call.dynamodb")
    # Two Queries per configured queue (waiting contacts, agents), one for today's
    # counters and one per channel of a planned queue (Billing: voice and chat, in the
    # stage's WFM_QUEUES), whatever the number of contacts
    assert calls == ["Query"] * 7


def test_get_floor_answers_json_for_the_configured_queues(client, settings_env):
    settings_env(FLOOR_THRESHOLDS=THRESHOLDS)
    from chalicelib.db import utcnow

    deliver(client, contact_event("QUEUED", "c-1", utcnow() - timedelta(seconds=100)))
    response = client.http.get("/floor")
    assert response.status_code == 200
    [billing, sales] = response.json_body["queues"]
    assert (billing["name"], billing["waiting"], billing["status"]) == ("Billing", 1, "alert")
    assert 100 <= billing["oldestWaitSeconds"] <= 110
    assert (sales["name"], sales["waiting"], sales["warnSeconds"], sales["alertSeconds"]) == ("Sales", 0, 60, 120)


@pytest.mark.parametrize("thresholds, problem", [
    ({BILLING: {"warnSeconds": 90, "alertSeconds": 30}}, "alertSeconds must not be below warnSeconds"),
    ({BILLING: {"warnSeconds": "30"}}, "warnSeconds must be whole seconds"),
    ({BILLING: {"colour": "red"}}, "must be an object of"),
])
def test_a_mistake_in_the_thresholds_is_named(thresholds, problem):
    from chalicelib.floor import thresholds as floor_thresholds
    from chalicelib.settings import SettingsError

    with pytest.raises(SettingsError, match=problem):
        floor_thresholds.parse(json.dumps(thresholds))


# ---- Agents, from the agent event stream ----

AGENT = "8a3e1d2c-4b5f-4c6d-9e7f-0a1b2c3d4e5f"


def agent_event(kind: str, at: datetime, *, status: str = "Available", status_type: str = "ROUTABLE",
                contact_state: str | None = None, agent: str = AGENT) -> dict:
    document = load_json("agent-events/state_change_available.json")
    document["EventType"] = kind
    document["EventTimestamp"] = iso(at)
    document["AgentARN"] = document["AgentARN"].rsplit("/", 1)[0] + "/" + agent
    snapshot = document["CurrentAgentSnapshot"]
    snapshot["AgentStatus"].update(Name=status, Type=status_type, StartTimestamp=iso(at - timedelta(seconds=30)))
    if contact_state:
        snapshot["Contacts"] = [{"Channel": "VOICE", "ContactId": "c-9", "InitialContactId": "c-9",
                                 "InitiationMethod": "INBOUND", "State": contact_state,
                                 "StateStartTimestamp": iso(at), "Queue": {"ARN": QUEUE_ARN + BILLING}}]
    return document


def deliver_agents(client, *documents) -> dict:
    from tests.helpers import kinesis_event

    return client.lambda_.invoke("on_agent_event", kinesis_event(list(documents))).payload


def test_agents_are_counted_by_state_in_each_queue_of_their_routing_profile(client, floor):
    answer = deliver_agents(
        client,
        agent_event("LOGIN", NOW - timedelta(seconds=50), agent="a-1"),
        agent_event("STATE_CHANGE", NOW - timedelta(seconds=40), contact_state="CONNECTED", agent="a-2"),
        agent_event("STATE_CHANGE", NOW - timedelta(seconds=30), contact_state="ENDED", agent="a-3"),
        agent_event("HEART_BEAT", NOW - timedelta(seconds=20), status="Break", status_type="CUSTOM", agent="a-4"),
        agent_event("LOGOUT", NOW - timedelta(seconds=10), status="Offline", status_type="OFFLINE", agent="a-5"))
    assert answer == {"batchItemFailures": []}
    assert floor(NOW)["Billing"]["agents"] == {"available": 1, "onContact": 1, "afterContactWork": 1, "custom": 1}
    assert floor(NOW)["Sales"]["agents"] == {"available": 1, "onContact": 1, "afterContactWork": 1, "custom": 1}


def test_an_older_agent_event_arriving_late_changes_nothing(client, floor):
    # Given the agent took a call, and the earlier "available" event comes after, twice
    on_call = agent_event("STATE_CHANGE", NOW - timedelta(seconds=10), contact_state="CONNECTED")
    available = agent_event("STATE_CHANGE", NOW - timedelta(seconds=40))
    deliver_agents(client, on_call, available, available)
    # Then the agent is on a contact
    assert floor(NOW)["Billing"]["agents"]["onContact"] == 1
    assert floor(NOW)["Billing"]["agents"]["available"] == 0


def test_an_agent_whose_events_stop_drops_off_the_floor(client, floor):
    deliver_agents(client, agent_event("HEART_BEAT", NOW - timedelta(minutes=15)))
    assert floor(NOW)["Billing"]["agents"]["available"] == 0


def test_a_bad_agent_record_is_reported_alone_and_the_others_are_kept(client, floor):
    from tests.helpers import kinesis_event

    good = agent_event("STATE_CHANGE", NOW - timedelta(seconds=5))
    event = kinesis_event([good, {"EventType": "STATE_CHANGE"}])
    answer = client.lambda_.invoke("on_agent_event", event).payload
    assert answer == {"batchItemFailures": [{"itemIdentifier": event["Records"][1]["kinesis"]["sequenceNumber"]}]}
    assert floor(NOW)["Billing"]["agents"]["available"] == 1


def test_agent_items_hold_the_agent_id_and_no_name(client, floor):
    deliver_agents(client, agent_event("STATE_CHANGE", NOW - timedelta(seconds=5)))
    from chalicelib.floor.models import FloorAgentModel

    [item] = FloorAgentModel.query(BILLING)
    assert item.agent_id == AGENT
    assert "ioana" not in json.dumps(item.attribute_values, default=str).lower()


@pytest.mark.parametrize("accept_language, title, over", [
    ("en-GB,en;q=0.8", "Live floor", "Over threshold"), ("ro-RO", "Situația în timp real", "Peste prag"),
    ("it-IT", "Situazione in tempo reale", "Oltre la soglia"), ("hu-HU", "Élő helyzetkép", "Küszöb felett"),
])
def test_the_floor_page_speaks_the_supervisors_language(client, settings_env, accept_language, title, over):
    settings_env(FLOOR_THRESHOLDS=THRESHOLDS)
    from chalicelib.db import utcnow

    deliver(client, contact_event("QUEUED", "c-1", utcnow() - timedelta(seconds=100)))
    response = client.http.get("/dashboard/floor", headers={"accept-language": accept_language})
    assert response.status_code == 200
    html = response.body.decode()
    assert f"<title>{title}</title>" in html and over in html
    assert "<script src=" in html and "<script>" not in html


def test_every_language_has_every_word_of_the_floor_page():
    from chalicelib.web.floor import catalogue

    words = catalogue()
    assert set(words) == {"en", "ro", "it", "hu"}
    assert all(set(words[language]) == set(words["en"]) for language in words)


# ---- Service level today and agents needed now (the staffing plan) ----

# Billing is planned for voice and chat, with the 20 s default threshold; Sales
# answers within 60 s and no plan is stored for it.
WFM_QUEUES = json.dumps({"*": {"serviceLevel": {"target": 0.8, "seconds": 20}},
                         "Billing": {"channels": ["VOICE", "CHAT"]},
                         "Sales": {"serviceLevel": {"target": 0.8, "seconds": 60}}})


def recent_noon() -> datetime:
    """Noon (UTC) yesterday: a whole day of its own, inside every retention."""
    from chalicelib.db import utcnow

    return (utcnow() - timedelta(days=1)).replace(hour=12, minute=0, second=0, microsecond=0)


def store_plan(queue: str, agents_by_channel: dict[str, int], now: datetime) -> None:
    """A stored staffing plan whose interval holding `now` needs these agents per channel."""
    from chalicelib.wfm import erlang
    from chalicelib.wfm.plan import PlannedDay, PlannedInterval, plans_store
    from chalicelib.wfm.queues import planning

    start = now.replace(minute=now.minute - now.minute % 15, second=0, microsecond=0)
    settings = planning(queue)
    for channel, agents in agents_by_channel.items():
        intervals = [PlannedInterval(start + timedelta(minutes=15 * n), 10.0, 300.0, erlang.Staffing(
            agents=agents + abs(n), agents_fractional=agents, service_level=0.8, average_speed_of_answer_seconds=10,
            occupancy=0.8, staff=agents + 1, staff_fractional=agents + 1.0, traffic=3.0)) for n in (-1, 0, 1)]
        day = start.date()
        plans_store().store(settings, channel, [PlannedDay(day, intervals, 28, day - timedelta(days=28),
                                                           day - timedelta(days=1), None, None)], now)


def test_the_floor_shows_service_level_today_and_agents_online_against_the_plan(client, settings_env):
    from tests.dashboard_data import call
    from tests.dashboard_data import deliver as deliver_records

    settings_env(FLOOR_THRESHOLDS=THRESHOLDS, WFM_QUEUES=WFM_QUEUES)
    now = recent_noon()
    # Given today Billing answered one call in 10 s and one in 45 s and lost one, Sales answered in 45 s,
    # and yesterday's calls do not count
    deliver_records(client, call("d-1", now - timedelta(hours=2), wait=10),
                    call("d-2", now - timedelta(hours=1), wait=45),
                    call("d-3", now - timedelta(minutes=30), wait=90, agent=None),
                    call("d-4", now - timedelta(minutes=20), queue="Sales", wait=45),
                    call("y-1", now - timedelta(days=1), wait=5))
    # And Billing's plan needs 3 agents on voice and 1 on chat now; 3 agents are online and 1 on a break
    store_plan("Billing", {"VOICE": 3, "CHAT": 1}, now)
    deliver_agents(client,
                   agent_event("STATE_CHANGE", now - timedelta(seconds=50), agent="a-1"),
                   agent_event("STATE_CHANGE", now - timedelta(seconds=40), contact_state="CONNECTED", agent="a-2"),
                   agent_event("STATE_CHANGE", now - timedelta(seconds=30), contact_state="ENDED", agent="a-3"),
                   agent_event("HEART_BEAT", now - timedelta(seconds=20), status="Break", status_type="CUSTOM",
                               agent="a-4"))
    # When the supervisor reads the floor
    from chalicelib.web.floor import data

    queues = {queue["name"]: queue for queue in data(now)["queues"]}
    # Then Billing answered 1 of 3 within its 20 s, Sales 1 of 1 within its 60 s
    assert queues["Billing"]["serviceLevelToday"] == {"percent": 33.3, "answeredInThreshold": 1, "offered": 3,
                                                      "thresholdSeconds": 20}
    assert queues["Sales"]["serviceLevelToday"]["percent"] == 100.0
    assert queues["Sales"]["serviceLevelToday"]["thresholdSeconds"] == 60
    # And Billing needs 4 agents now and has 3 online: a warning; Sales has no plan, so nothing
    assert queues["Billing"]["staffing"] == {"needed": 4, "online": 3, "status": "warn"}
    assert queues["Sales"]["staffing"] is None
    # When a fourth agent comes back from the break, Billing has the agents it needs
    deliver_agents(client, agent_event("STATE_CHANGE", now - timedelta(seconds=5), agent="a-4"))
    assert data(now)["queues"][0]["staffing"] == {"needed": 4, "online": 4, "status": "ok"}


def test_get_floor_on_an_empty_day_without_a_plan_says_so(client, settings_env):
    # Given queues on the floor, planned but with no plan stored, and no contact today
    settings_env(FLOOR_THRESHOLDS=THRESHOLDS, WFM_QUEUES=WFM_QUEUES)
    response = client.http.get("/floor")
    assert response.status_code == 200
    # Then there is no service level to show, only the threshold it will be measured against,
    # and no staffing figure
    for queue in response.json_body["queues"]:
        assert queue["serviceLevelToday"]["percent"] is None and queue["serviceLevelToday"]["offered"] == 0
        assert queue["staffing"] is None
    assert [q["serviceLevelToday"]["thresholdSeconds"] for q in response.json_body["queues"]] == [20, 60]
