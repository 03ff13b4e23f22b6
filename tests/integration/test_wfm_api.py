"""Workforce-management routes, as a planner or a dashboard calls them."""

from __future__ import annotations

import json

import pytest

JSON = {"Content-Type": "application/json"}
EXAMPLE = {"contacts": 100, "intervalMinutes": 30, "averageHandleSeconds": 180,
           "serviceLevel": {"target": 0.8, "seconds": 20}, "shrinkage": 0.3, "maxOccupancy": 0.85}


def post(client, path, body):
    response = client.http.post(path, headers=JSON, body=json.dumps(body))
    return response.status_code, json.loads(response.body)


def test_erlang_staffs_the_worked_example(client):
    # When a planner asks for the worked example's staffing
    status, plan = post(client, "/wfm/erlang", EXAMPLE)
    # Then the answer holds exactly the documented keys and the known figures
    assert status == 200
    assert set(plan) == {"agents", "agentsFractional", "serviceLevel", "averageSpeedOfAnswerSeconds", "occupancy",
                         "staff"}
    assert (plan["agents"], plan["staff"]) == (14, 20)
    assert round(plan["serviceLevel"], 3) == 0.888
    assert round(plan["averageSpeedOfAnswerSeconds"], 1) == 7.8
    assert round(plan["occupancy"], 3) == 0.714
    assert 13 < plan["agentsFractional"] < 14


def test_erlang_with_patience_uses_erlang_a(client):
    status, impatient = post(client, "/wfm/erlang", {**EXAMPLE, "patienceSeconds": 30})
    assert status == 200
    assert impatient["agents"] <= 14
    assert impatient["serviceLevel"] >= 0.8


@pytest.mark.parametrize("change,field", [
    ({"contacts": -1}, "contacts"),
    ({"contacts": "100"}, "contacts"),
    ({"contacts": None}, "contacts"),
    ({"intervalMinutes": 0}, "intervalMinutes"),
    ({"averageHandleSeconds": True}, "averageHandleSeconds"),
    ({"serviceLevel": 0.8}, "serviceLevel"),
    ({"serviceLevel": {"target": 80, "seconds": 20}}, "serviceLevel.target"),
    ({"serviceLevel": {"target": 0.8}}, "serviceLevel.seconds"),
    ({"shrinkage": 1}, "shrinkage"),
    ({"maxOccupancy": 0}, "maxOccupancy"),
    ({"patienceSeconds": 0}, "patienceSeconds"),
])
def test_erlang_names_the_field_that_is_wrong(client, change, field):
    status, error = post(client, "/wfm/erlang", {**EXAMPLE, **change})
    assert status == 400
    assert error["Message"].startswith(field + " ")


def test_erlang_names_a_field_it_does_not_know_and_those_it_does(client):
    status, error = post(client, "/wfm/erlang", {**EXAMPLE, "agents": 3})
    assert status == 400
    assert error["Message"] == ("unknown field(s): agents; allowed: averageHandleSeconds, concurrency, contacts, "
                                "intervalMinutes, maxOccupancy, patienceSeconds, serviceLevel, shrinkage")


def test_erlang_refuses_a_load_no_queue_staffs(client):
    status, error = post(client, "/wfm/erlang", {**EXAMPLE, "contacts": 1_000_000, "intervalMinutes": 1,
                                                  "averageHandleSeconds": 3600})
    assert status == 400
    assert error["Message"].startswith("contacts")


def test_patience_beyond_an_hour_is_refused(client):
    status, error = post(client, "/wfm/erlang", {**EXAMPLE, "patienceSeconds": 3601})
    assert status == 400
    assert error["Message"] == "patienceSeconds must be in (0, 3600]"
