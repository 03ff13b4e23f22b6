"""Quality assurance as supervisors and agents meet it: a fair sample of each agent's
week, evaluations checked before anything is written, scores rolled up once, agents
reading their own, and a customer's erasure reaching what evaluations say about them."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.helpers import create_customer, kinesis_event, load_json
from tests.stored import stored_text

ALL_DONE = {"greeting": 3, "understanding": 3, "resolution": 3, "empathy": 3, "compliance": 3, "documentation": 3}


def last_week_at(day: int, hour: int = 10) -> datetime:
    """A moment of last week (Monday = 0) in UTC, clear of the day's edges in Bucharest."""
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    monday = today - timedelta(days=today.weekday() + 7)
    return monday + timedelta(days=day, hours=hour)


def last_week() -> str:
    year, number, _ = last_week_at(2).isocalendar()
    return f"{year}-W{number:02d}"


def handled(contact_id: str, agent: str = "maria.t", at: datetime | None = None, queue: str = "Support",
            reason: str = "delivery", customer_id: str | None = None, method: str = "API") -> dict:
    """A chat an agent handled, as its contact record arrives."""
    at = at or last_week_at(1)
    record = load_json("contact-records/chat.json", ContactId=contact_id, InitiationMethod=method)
    record["InitiationTimestamp"] = (at).strftime("%Y-%m-%dT%H:%M:%SZ")
    record["Queue"]["EnqueueTimestamp"] = (at + timedelta(seconds=8)).strftime("%Y-%m-%dT%H:%M:%SZ")
    record["Queue"]["DequeueTimestamp"] = (at + timedelta(seconds=38)).strftime("%Y-%m-%dT%H:%M:%SZ")
    record["Queue"]["Name"] = queue
    record["Agent"]["Username"] = agent
    record["Agent"]["ConnectedToAgentTimestamp"] = (at + timedelta(seconds=38)).strftime("%Y-%m-%dT%H:%M:%SZ")
    record["DisconnectTimestamp"] = (at + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    record["LastUpdateTimestamp"] = (at + timedelta(minutes=11)).strftime("%Y-%m-%dT%H:%M:%SZ")
    record["Attributes"]["contactReason"] = reason
    if customer_id:
        record["Attributes"]["customerId"] = customer_id
    else:
        record["Attributes"].pop("customerId")
    return record


def deliver(client, *records):
    result = client.lambda_.invoke("on_contact_record", kinesis_event(list(records))).payload
    assert result == {"batchItemFailures": []}


def post(client, body):
    response = client.http.post("/qa/evaluations", headers={"Content-Type": "application/json"},
                                body=json.dumps(body))
    return response.status_code, json.loads(response.body or b"{}")


def get(client, path):
    response = client.http.get(path)
    return response.status_code, json.loads(response.body)


def test_each_agents_week_is_sampled_the_same_way_for_every_supervisor(client, settings_env):
    settings_env(QA_SAMPLE_PER_AGENT="3")
    # Given Maria handled 7 chats last week and Ioan 2, one of them a task nobody samples
    deliver(client, *[handled(f"m-{i}", at=last_week_at(i % 5)) for i in range(7)],
            handled("i-1", agent="ioan.p"), handled("i-2", agent="ioan.p", at=last_week_at(3)))
    # When a supervisor opens last week's queue, and another one does too
    status, first = get(client, f"/qa/queue?week={last_week()}")
    _, second = get(client, f"/qa/queue?week={last_week()}")
    # Then each agent shows what they handled and a sample of at most 3, the same for both
    assert status == 200 and first == second
    by_agent = {a["agent"]: a for a in first["agents"]}
    assert sorted(by_agent) == ["ioan.p", "maria.t"]
    assert by_agent["maria.t"]["handled"] == 7 and by_agent["maria.t"]["sampled"] == 3
    assert by_agent["ioan.p"]["handled"] == 2 and sorted(c["contactId"] for c in by_agent["ioan.p"]["contacts"]) == [
        "i-1", "i-2"]
    contact = by_agent["maria.t"]["contacts"][0]
    assert contact["queue"] == "Support" and contact["channel"] == "CHAT" and contact["reason"] == "delivery"
    assert contact["handleSeconds"] == 645 and contact["evaluated"] is False
    # And a redelivered batch changes nothing
    deliver(client, *[handled(f"m-{i}", at=last_week_at(i % 5)) for i in range(7)])
    assert get(client, f"/qa/queue?week={last_week()}")[1] == first


def test_an_evaluation_scores_rolls_up_once_and_the_agent_reads_it(client):
    deliver(client, handled("m-1"), handled("m-2", queue="Billing"))
    # When a supervisor evaluates one contact well and one with a data-protection failure
    ratings = {**ALL_DONE, "empathy": 1, "documentation": 2}
    status, evaluation = post(client, {"contactId": "m-1", "ratings": ratings, "comment": "Warm, clear; tag it."})
    # Then the score is the weighted mean of the ratings: (10+20+30+5+15+6.67) of 100
    assert status == 201 and evaluation["score"] == 87
    assert evaluation["agent"] == "maria.t" and evaluation["week"] == last_week() and evaluation["queue"] == "Support"
    status, failed = post(client, {"contactId": "m-2", "ratings": {**ALL_DONE, "compliance": 0}})
    assert status == 201 and failed["score"] == 0
    # When the first is sent again (a retry), it is answered again and counted once
    again = {"contactId": "m-1", "ratings": ratings, "comment": "Warm, clear; tag it."}
    assert post(client, again) == (200, evaluation)
    # And a different evaluation of the same contact is refused
    status, answer = post(client, {"contactId": "m-1", "ratings": ALL_DONE})
    assert status == 409 and "already evaluated" in answer["Message"]
    # Then the week's roll-ups count two evaluations, per agent and per queue
    _, scores = get(client, f"/qa/scores?week={last_week()}")
    assert scores["total"] == {"evaluations": 2, "averageScore": 43.5, "criticalFails": 1}
    assert scores["agents"] == [{"agent": "maria.t", "evaluations": 2, "averageScore": 43.5, "criticalFails": 1}]
    assert {q["queue"]: q["averageScore"] for q in scores["queues"]} == {"Billing": 0.0, "Support": 87.0}
    assert scores["criteria"]["compliance"] == 50.0 and scores["criteria"]["empathy"] == pytest.approx(66.7)
    # And the queue shows them evaluated, with their scores
    _, queue = get(client, f"/qa/queue?week={last_week()}")
    [maria] = queue["agents"]
    assert maria["evaluated"] == 2 and {c["contactId"]: c["score"] for c in maria["contacts"]} == {"m-1": 87, "m-2": 0}
    # And Maria reads her own evaluations, newest first, with the comment
    status, mine = get(client, "/qa/evaluations?agent=maria.t")
    assert status == 200 and [e["contactId"] for e in mine["evaluations"]] == ["m-2", "m-1"]
    assert mine["evaluations"][1]["comment"] == "Warm, clear; tag it."
    assert get(client, "/qa/evaluations?agent=ioan.p")[1]["evaluations"] == []


@pytest.mark.parametrize(("body", "message"), [
    ({"contactId": "m-1", "ratings": {**ALL_DONE, "speed": 3}}, "unknown criterion(s) speed"),
    ({"contactId": "m-1", "ratings": {k: v for k, v in ALL_DONE.items() if k != "empathy"}}, "missing empathy"),
    ({"contactId": "m-1", "ratings": {**ALL_DONE, "empathy": 4}}, "ratings.empathy must be a whole number from 0 to 3"),
    ({"contactId": "m-1", "ratings": {**ALL_DONE, "empathy": True}}, "ratings.empathy must be a whole number"),
    ({"contactId": "m-1", "ratings": {**ALL_DONE, "empathy": 2.5}}, "ratings.empathy must be a whole number"),
    ({"contactId": "m-1", "ratings": ALL_DONE, "scorecard": "nope"}, "scorecard must be one of default"),
    ({"contactId": "m-1", "ratings": ALL_DONE, "comment": "x" * 2001}, "comment must be text of at most 2000"),
    ({"contactId": "m-1", "ratings": ALL_DONE, "agent": "ioan.p"},
     "unknown field(s): agent; allowed: comment, contactId, ratings, scorecard"),
    ({"contactId": "../m-1", "ratings": ALL_DONE}, "contactId must be"),
    ({"contactId": "m-1", "ratings": [3, 3]}, "ratings must be an object"),
    ({"contactId": "never-seen", "ratings": ALL_DONE}, "no ended contact never-seen"),
])
def test_a_bad_evaluation_is_refused_naming_what_is_wrong_and_writes_nothing(client, body, message):
    deliver(client, handled("m-1"))
    status, answer = post(client, body)
    assert status in (400, 404) and message in answer["Message"]
    _, scores = get(client, f"/qa/scores?week={last_week()}")
    assert scores["total"]["evaluations"] == 0
    assert get(client, "/qa/evaluations?agent=maria.t")[1]["evaluations"] == []


def test_contacts_no_agent_handled_or_the_customer_did_not_start_are_not_sampled(client):
    unanswered = handled("u-1")
    unanswered["Agent"] = None
    deliver(client, unanswered, handled("o-1", method="OUTBOUND"))
    _, queue = get(client, f"/qa/queue?week={last_week()}")
    assert all(c["contactId"] not in ("u-1", "o-1") for a in queue["agents"] for c in a["contacts"])
    assert post(client, {"contactId": "u-1", "ratings": ALL_DONE})[0] == 404


def test_bad_queries_are_refused_naming_the_parameter(client):
    assert "week must be an ISO week" in get(client, "/qa/queue?week=2026-48")[1]["Message"]
    assert "does not exist" in get(client, "/qa/queue?week=2026-W54")[1]["Message"]
    assert "unknown parameter(s): sort; allowed: agent, week" in get(client, "/qa/queue?sort=score")[1]["Message"]
    assert "agent must be" in get(client, "/qa/evaluations")[1]["Message"]
    assert "agent must be" in get(client, "/qa/evaluations?agent=a%23b")[1]["Message"]


def test_with_cognito_an_agent_reads_only_their_own_evaluations():
    from chalicelib.errors import Forbidden
    from chalicelib.quality.api import caller_may_read
    from chalicelib.settings import get_settings

    settings = get_settings()
    agent = {"authorizer": {"claims": {"cognito:username": "maria.t"}}}
    supervisor = {"authorizer": {"claims": {"cognito:username": "elena.s", "cognito:groups": "supervisors"}}}
    caller_may_read("maria.t", agent, settings)
    caller_may_read("maria.t", supervisor, settings)
    with pytest.raises(Forbidden):
        caller_may_read("ioan.p", agent, settings)


def test_a_customers_export_and_erasure_reach_the_comments_on_their_contacts(client):
    customer = create_customer(client)
    deliver(client, handled("m-1", customer_id=customer))
    assert post(client, {"contactId": "m-1", "ratings": ALL_DONE, "comment": "Ana said her card was stolen."})[0] == 201
    # When the customer asks for their data
    export = json.loads(client.http.get(f"/customers/{customer}/export").body)
    # Then the comment written about their contact is in it
    assert [e["comment"] for e in export["data"]["qualityEvaluations"]] == ["Ana said her card was stolen."]
    # When they are erased
    response = client.http.post(f"/customers/{customer}/erase", headers={"Content-Type": "application/json"},
                                body="{}")
    assert response.status_code == 200
    # Then the comment is gone; the agent keeps the score, marked as erased
    [kept] = json.loads(client.http.get("/qa/evaluations?agent=maria.t").body)["evaluations"]
    assert kept["score"] == 100 and kept["comment"] == "" and kept["commentErased"] is True
    assert "card was stolen" not in stored_text()


def test_an_agents_evaluations_and_scores_are_erased_at_their_request(client):
    deliver(client, handled("m-1"), handled("i-1", agent="ioan.p"))
    assert post(client, {"contactId": "m-1", "ratings": ALL_DONE, "comment": "Maria was great."})[0] == 201
    assert post(client, {"contactId": "i-1", "ratings": ALL_DONE})[0] == 201
    # When Maria's data is erased (twice: a retry finds nothing left)
    response = client.http.post("/qa/agents/maria.t/erase")
    assert response.status_code == 200
    assert json.loads(response.body)["erased"] == {"evaluations": 1, "weeks": 1}
    assert json.loads(client.http.post("/qa/agents/maria.t/erase").body)["erased"] == {"evaluations": 0, "weeks": 0}
    # Then nothing of hers is read or stored; Ioan's stays, and the week's totals keep their numbers
    assert get(client, "/qa/evaluations?agent=maria.t")[1]["evaluations"] == []
    assert "Maria was great" not in stored_text()
    _, scores = get(client, f"/qa/scores?week={last_week()}")
    assert [a["agent"] for a in scores["agents"]] == ["ioan.p"] and scores["total"]["evaluations"] == 2
    assert len(get(client, "/qa/evaluations?agent=ioan.p")[1]["evaluations"]) == 1
