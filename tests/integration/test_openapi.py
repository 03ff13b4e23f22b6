"""The OpenAPI document integrators import: valid OpenAPI 3.1, every route of the app
and no other, the fields each route's validator takes, who may call what, and served
publicly at /openapi.json."""

from __future__ import annotations

import json

import pytest
from openapi_spec_validator import validate

from chalicelib import openapi
from chalicelib.http import PUBLIC_ROUTES
from tests.integration.test_access import load_app, routes

METHODS = ("get", "put", "post", "patch", "delete")


def operations(document):
    return {(path, method.upper()): operation for path, item in document["paths"].items()
            for method, operation in item.items() if method in METHODS}


def body_fields(document, path, method):
    content = operations(document)[(path, method)]["requestBody"]["content"]
    return set(content["application/json"]["schema"]["properties"])


def test_the_document_is_valid_openapi_3_1():
    document = openapi.document()
    validate(document)
    assert document["openapi"].startswith("3.1")


@pytest.mark.parametrize("authorizer", ["iam", "cognito"])
def test_every_route_of_the_app_is_described_with_the_stages_authorizer_and_nothing_else(monkeypatch, authorizer):
    # Given the app as a stage with this authorizer deploys it
    monkeypatch.setenv("COGNITO_USER_POOL_ARN", "arn:aws:cognito-idp:eu-central-1:123456789012:userpool/x")
    app = load_app(monkeypatch, API_AUTHORIZER=authorizer)
    # When the document is made for that stage
    described = operations(openapi.document())
    served = {(path, method): entry for path, method, entry in routes(app)}
    # Then it has exactly the app's routes
    assert sorted(set(served) - set(described)) == [], "routes missing from the OpenAPI document"
    assert sorted(set(described) - set(served)) == [], "described routes the app does not serve"
    # And a route is public in the document exactly when it has no authorizer
    schemes = {"iam": "sigv4", "cognito": "cognito"}
    for key, entry in served.items():
        operation = described[key]
        if entry.authorizer is None:
            assert operation["security"] == [] and key[0] in PUBLIC_ROUTES and operation["x-public"], key
        else:
            assert operation["security"] == [{schemes[authorizer]: []}], key


def test_path_parameters_are_the_routes_own():
    for (path, _), operation in operations(openapi.document()).items():
        named = {p["name"] for p in operation.get("parameters", []) if p["in"] == "path"}
        assert named == {part[1:-1] for part in path.split("/") if part.startswith("{")}, path


def _validators():
    """Route -> the set of body fields (or query parameters) its validator takes."""
    from chalicelib.cases.desk import BODY_FIELDS
    from chalicelib.clinic.booking import _FIELDS as BOOKING
    from chalicelib.interactions.chat import _FIELDS as CHAT
    from chalicelib.notify.api import _FIELDS as MESSAGE
    from chalicelib.profiles.schema import ALLOWED as PROFILE
    from chalicelib.quality.evaluations import FIELDS as EVALUATION
    from chalicelib.web.agent import _CORRECTABLE
    from chalicelib.web.agent import CASE_FIELDS as PANEL_CASE
    from chalicelib.web.agent import ESCALATE_FIELDS as PANEL_ESCALATE
    from chalicelib.web.wrapup import FIELDS as WRAP_UP
    from chalicelib.wfm.api import _ERLANG_KEYS

    cases = {"/cases": "open", "/cases/{case_id}/notes": "add_note", "/cases/{case_id}/status": "set_status",
             "/cases/{case_id}/steps": "record_step", "/cases/{case_id}/escalate": "escalate",
             "/cases/{case_id}/assignment": "assign", "/cases/{case_id}/priority": "set_priority"}
    return {
        ("/customers", "POST"): PROFILE, ("/customers/{customer_id}", "PATCH"): PROFILE,
        ("/customers/{customer_id}/messages", "POST"): MESSAGE, ("/wfm/erlang", "POST"): _ERLANG_KEYS,
        ("/appointments", "POST"): BOOKING, ("/chat/start", "POST"): CHAT,
        ("/agent/contacts/{contact_id}/wrap-up", "POST"): WRAP_UP,
        ("/agent/contacts/{contact_id}/customer", "PATCH"): _CORRECTABLE,
        ("/agent/contacts/{contact_id}/case", "POST"): PANEL_CASE, ("/qa/evaluations", "POST"): EVALUATION,
        ("/agent/contacts/{contact_id}/case/escalate", "POST"): PANEL_ESCALATE,
        **{(path, "POST"): BODY_FIELDS[name] for path, name in cases.items()},
    }


@pytest.mark.parametrize(("path", "method"), list(_validators()))
def test_the_document_names_every_body_field_the_validator_takes(path, method):
    assert body_fields(openapi.document(), path, method) == set(_validators()[(path, method)])


def test_the_plan_query_is_the_validators():
    from chalicelib.wfm.api import _PLAN_KEYS

    query = {p["name"] for p in operations(openapi.document())[("/wfm/plan", "GET")]["parameters"]}
    assert query == _PLAN_KEYS


def _json_body_routes():
    return [(path, method) for (path, method), operation in operations(openapi.document()).items()
            if operation.get("requestBody", {}).get("content", {}).get("application/json", {})
            .get("schema", {}).get("additionalProperties") is False]


@pytest.mark.parametrize(("path", "method"), _json_body_routes())
def test_a_field_the_document_does_not_name_is_a_400_naming_it(client, path, method):
    # Given a body with a field the document does not describe
    url = path.replace("{customer_id}", "C-1").replace("{contact_id}", "ct-1").replace("{case_id}", "CASE-1") \
              .replace("{appointment_id}", "APT-1")
    response = client.http.request(method, url, headers={"Content-Type": "application/json"},
                                   body=json.dumps({"undocumentedField": 1}))
    # Then the route refuses it and says why
    assert response.status_code == 400, (path, response.body)
    answer = json.loads(response.body)
    assert set(answer) == {"Code", "Message"} and answer["Message"]


def test_the_document_is_served_publicly_without_data(client):
    response = client.http.get("/openapi.json")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/json")
    assert json.loads(response.body) == json.loads(json.dumps(openapi.document()))
