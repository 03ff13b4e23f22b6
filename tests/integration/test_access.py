"""Who may call what, in deployed stages: every route sits behind the stage's
authorizer, except the few public ones that verify their input themselves."""

from __future__ import annotations

import importlib.util

import pytest
from chalice import CognitoUserPoolAuthorizer, IAMAuthorizer

from chalicelib.http import PUBLIC_ROUTES
from devkit import localenv

POOL = "arn:aws:cognito-idp:eu-central-1:123456789012:userpool/eu-central-1_AbCdEf123"


def load_app(monkeypatch, **environment):
    """app.py as `chalice deploy` loads it for a stage with this environment."""
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    spec = importlib.util.spec_from_file_location("app_as_deployed", localenv.PROJECT / "app.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.app


def routes(app):
    return [(path, method, entry) for path, methods in app.routes.items() for method, entry in methods.items()]


@pytest.mark.parametrize(("environment", "kind"), [
    ({"API_AUTHORIZER": "iam"}, IAMAuthorizer),
    ({"API_AUTHORIZER": "cognito", "COGNITO_USER_POOL_ARN": POOL}, CognitoUserPoolAuthorizer),
])
def test_every_route_but_the_public_ones_needs_the_stage_authorizer(monkeypatch, environment, kind):
    app = load_app(monkeypatch, **environment)
    unprotected = [(path, method) for path, method, entry in routes(app)
                   if entry.authorizer is None and path not in PUBLIC_ROUTES]
    assert unprotected == []
    protected = [entry.authorizer for path, _, entry in routes(app) if path not in PUBLIC_ROUTES]
    assert protected and all(isinstance(a, kind) for a in protected)
    # The data-subject routes are among them
    assert {"/customers/{customer_id}/export", "/customers/{customer_id}/erase"} <= set(app.routes)


def test_public_routes_exist_are_open_and_say_how_they_verify_what_they_receive(monkeypatch):
    app = load_app(monkeypatch, API_AUTHORIZER="iam")
    for path, reason in PUBLIC_ROUTES.items():
        assert path in app.routes, f"{path} is listed as public but app.py has no such route"
        assert all(entry.authorizer is None for entry in app.routes[path].values())
        assert len(reason) > 20, f"{path}: say what it verifies instead of the authorizer"


def test_every_deployed_stage_protects_its_api():
    import json

    config = json.loads((localenv.PROJECT / ".chalice" / "config.json").read_text())
    deployed = [stage for stage in config["stages"] if stage != localenv.STAGE]
    assert deployed
    for stage in deployed:
        environment = localenv.stage_environment(stage)
        assert environment.get("API_AUTHORIZER") in ("iam", "cognito"), stage
        if environment["API_AUTHORIZER"] == "cognito":
            # an existing pool's ARN, or `stack`: the pool the stack creates (infra/agent-users.json)
            pool = environment.get("COGNITO_USER_POOL_ARN", "")
            assert pool.startswith("arn:aws:cognito-idp:") or (pool == "stack" and environment.get(
                "AGENT_SIGN_IN_DOMAIN")), stage


def test_a_misconfigured_authorizer_stops_the_deployment(monkeypatch):
    with pytest.raises(RuntimeError, match="COGNITO_USER_POOL_ARN"):
        load_app(monkeypatch, API_AUTHORIZER="cognito", COGNITO_USER_POOL_ARN="")
    with pytest.raises(RuntimeError, match="iam, cognito or none"):
        load_app(monkeypatch, API_AUTHORIZER="open")
