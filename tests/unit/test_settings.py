"""Settings are read once and checked when a function starts: a deployment that
would be unsafe or would silently fall back to a default stops with the setting's
name."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from chalicelib.settings import SettingsError, load
from chalicelib.surveys.policy import quiet_until
from devkit import localenv

DEPLOYED = {**localenv.LOCAL_ENV, "STAGE": "prod", "API_AUTHORIZER": "iam", "TOKEN_SECRET": "",
            "TOKEN_SECRET_PARAMETER": "/contact-center/prod/token-secret", "META_APP_SECRET": ""}


def test_a_deployed_stage_loads_with_an_authorizer_and_its_secret_in_ssm():
    settings = load(DEPLOYED)
    assert (settings.stage, settings.api_authorizer) == ("prod", "iam")


@pytest.mark.parametrize(("changes", "named"), [
    ({"API_AUTHORIZER": "none"}, "API_AUTHORIZER=none is for the local stage only"),
    ({"TOKEN_SECRET": "a-secret-in-the-environment-of-a-deployed-function-0123"}, "TOKEN_SECRET is for the local"),
    ({"TOKEN_SECRET_PARAMETER": ""}, "TOKEN_SECRET_PARAMETER is required"),
    ({"META_APP_SECRET": "a-secret-in-the-environment-of-a-deployed-function"}, "META_APP_SECRET is for the local"),
])
def test_what_only_the_local_run_may_do_stops_a_deployed_function(changes, named):
    with pytest.raises(SettingsError, match=named):
        load({**DEPLOYED, **changes})


def test_the_local_stage_may_run_without_an_authorizer_and_with_the_secret_in_the_environment():
    settings = load(localenv.LOCAL_ENV)
    assert settings.api_authorizer == "none" and settings.token_secret


@pytest.mark.parametrize("name", ["CUSTOMERS_TABLE", "OUTBOX_TABLE", "PUBLIC_BASE_URL", "STAGE"])
def test_a_missing_setting_is_named_in_the_error(name):
    environment = {k: v for k, v in localenv.LOCAL_ENV.items() if k != name}
    with pytest.raises(SettingsError, match=f"missing required setting.*{name}"):
        load(environment)


def test_empty_quiet_hours_mean_never_quiet():
    # Given a contact center that does not hold invitations back at night
    settings = load({**localenv.LOCAL_ENV, "SURVEY_QUIET_HOURS": ""})
    # Then an invitation at 3 a.m. goes at once
    assert settings.survey_quiet_hours == ""
    night = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)
    assert quiet_until(night, ZoneInfo("Europe/Bucharest"), settings.survey_quiet_hours) is None


def test_unset_quiet_hours_keep_the_default():
    environment = {k: v for k, v in localenv.LOCAL_ENV.items() if k != "SURVEY_QUIET_HOURS"}
    assert load(environment).survey_quiet_hours == "21:00-09:00"


RETENTION_DEFAULTS = {"PROFILE_RETENTION_DAYS": 1095, "CONTACT_LINK_RETENTION_DAYS": 2,
                      "INTERACTION_RETENTION_DAYS": 730, "SURVEY_RETENTION_DAYS": 365, "OUTBOX_RETENTION_DAYS": 180,
                      "SUPPRESSION_RETENTION_DAYS": 730, "CASE_RETENTION_DAYS": 1095, "ORDER_RETENTION_DAYS": 730,
                      "APPOINTMENT_RETENTION_DAYS": 730, "QA_RETENTION_DAYS": 400, "IDEMPOTENCY_RETENTION_DAYS": 7,
                      "ERASURE_RECORD_RETENTION_DAYS": 2190, "REASON_TEXT_RETENTION_DAYS": 90}
_PERIOD = re.compile(r"\| `(\w+_RETENTION_DAYS)` \| (\d+) (day|days|year|years)\b")


def test_the_data_protection_page_states_these_retention_periods():
    # What the page promises a data protection officer, row by row
    page = (Path(__file__).resolve().parents[2] / "docs" / "data-protection.md").read_text(encoding="utf-8")
    stated = {name: int(count) * (365 if unit.startswith("year") else 1)
              for name, count, unit in _PERIOD.findall(page)}
    assert stated == RETENTION_DEFAULTS


def test_retention_defaults_are_the_documented_ones():
    # Given no retention set at all (only the required settings)
    environment = {k: v for k, v in localenv.LOCAL_ENV.items() if not k.endswith("_RETENTION_DAYS")}
    settings = load(environment)
    # Then each kind of personal data is kept as long as the data-protection page says
    assert {name: getattr(settings, name.lower()) for name in RETENTION_DEFAULTS} == RETENTION_DEFAULTS


def test_the_configured_retention_is_the_documented_default():
    settings = load(localenv.LOCAL_ENV)
    assert {name: getattr(settings, name.lower()) for name in RETENTION_DEFAULTS} == RETENTION_DEFAULTS
