"""Survey definitions (the files load, the right survey is chosen, a broken file is
refused saying why) and the invitation policy's pure parts (quiet hours, sampling)."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.surveys import definitions, policy
from chalicelib.surveys.definitions import DefinitionError


def raw(name: str) -> dict:
    return json.loads((definitions.DIRECTORY / f"{name}.json").read_text(encoding="utf-8"))


def test_every_definition_loads_with_every_text_in_every_language():
    surveys = definitions.load_all()
    assert set(surveys) == {"post_contact", "chat_quick", "post_call"}
    for survey in surveys.values():
        for question in survey.questions:
            assert set(question.text) == {"en", "ro", "it", "hu"}
    # Diacritics as the languages write them
    assert "mulțumit" in surveys["post_contact"].question("csat").text["ro"]
    assert "kettőskereszt" in surveys["post_call"].question("nps").text["hu"]


@pytest.mark.parametrize(("channel", "queue", "expected"), [
    ("VOICE", "Billing", "post_contact"), ("EMAIL", None, "post_contact"), ("CHAT", "Support", "chat_quick"),
    ("TASK", "Billing", None),
])
def test_the_survey_for_a_contact_depends_on_its_channel(channel, queue, expected):
    found = definitions.for_contact(channel, queue)
    assert (found.id if found else None) == expected


def test_a_survey_naming_the_queue_wins_over_one_for_every_queue():
    vip = definitions.parse("vip_care", {**raw("post_contact"), "id": "vip_care",
                                         "appliesTo": {"channels": ["VOICE"], "queues": ["VIP"]}})
    general = definitions.load_all()["post_contact"]
    assert vip.applies_to("VOICE", "VIP") > general.applies_to("VOICE", "VIP")
    assert vip.applies_to("VOICE", "Billing") == 0


def test_two_surveys_for_the_same_contacts_are_refused():
    twin = definitions.parse("twin", {**raw("post_contact"), "id": "twin"})
    with pytest.raises(DefinitionError, match="all apply to VOICE contacts"):
        definitions.check_unambiguous({**definitions.load_all(), "twin": twin})


def _broken(change):
    document = copy.deepcopy(raw("post_contact"))
    change(document)
    return document


@pytest.mark.parametrize(("change", "problem"), [
    (lambda d: d.update(id="other"), "equal to the file name"),
    (lambda d: d.update(invitation="sms"), "invitation must be"),
    (lambda d: d["questions"][0].update(type="stars"), "type must be"),
    (lambda d: d["questions"][0]["text"].pop("hu"), "in each of en, ro, it, hu"),
    (lambda d: d["questions"][1].update(id="csat"), "question ids must be unique"),
    (lambda d: d["questions"][1].update(type="csat"), "each of nps, csat, ces at most once"),
    (lambda d: d.update(questions=[]), "at least one question"),
    (lambda d: d.update(appliesTo={"channels": ["FAX"], "queues": ["*"]}), "VOICE, CHAT or EMAIL"),
    (lambda d: d.update(samplePercent=120), "samplePercent"),
    (lambda d: d.update(colour="blue"), "unknown field"),
], ids=["id", "invitation", "type", "language", "duplicate id", "two csat", "no question", "channel", "sample",
        "unknown field"])
def test_a_broken_definition_is_refused_saying_what_is_wrong(change, problem):
    with pytest.raises(DefinitionError, match=problem):
        definitions.parse("post_contact", _broken(change))


def test_a_voice_survey_cannot_ask_for_text():
    document = copy.deepcopy(raw("post_call"))
    document["questions"].append({"id": "comment", "type": "text", "required": False,
                                  "text": {k: "?" for k in ("en", "ro", "it", "hu")}})
    with pytest.raises(DefinitionError, match="cannot ask for free text"):
        definitions.parse("post_call", document)


# ---- quiet hours and sampling --------------------------------------------------

BUCHAREST = ZoneInfo("Europe/Bucharest")


def at(text: str, zone=BUCHAREST) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=zone)


@pytest.mark.parametrize(("local", "quiet", "until"), [
    ("2026-03-02T23:10", "21:00-09:00", "2026-03-03T09:00"),
    ("2026-03-03T06:59", "21:00-09:00", "2026-03-03T09:00"),
    ("2026-03-03T09:00", "21:00-09:00", None),
    ("2026-03-03T20:59", "21:00-09:00", None),
    ("2026-03-03T21:00", "21:00-09:00", "2026-03-04T09:00"),
    ("2026-03-03T13:30", "13:00-14:00", "2026-03-03T14:00"),
    ("2026-03-03T14:00", "13:00-14:00", None),
    ("2026-03-03T23:10", "", None),
])
def test_quiet_hours_in_the_customers_zone(local, quiet, until):
    found = policy.quiet_until(at(local).astimezone(UTC), BUCHAREST, quiet)
    assert found == (at(until) if until else None)


def test_quiet_hours_end_on_the_local_clock_across_a_daylight_saving_change():
    # The night clocks go forward in Bucharest (29 March 2026): 09:00 is still 09:00 local
    found = policy.quiet_until(at("2026-03-28T22:00").astimezone(UTC), BUCHAREST, "21:00-09:00")
    assert found.isoformat() == "2026-03-29T09:00:00+03:00"


def test_sampling_decides_the_same_for_a_contact_every_time_and_keeps_about_the_share_asked():
    ids = [f"contact-{n}" for n in range(4000)]
    first = [policy.sampled(i, 25) for i in ids]
    assert first == [policy.sampled(i, 25) for i in ids]
    assert 0.22 < sum(first) / len(ids) < 0.28
    assert all(policy.sampled(i, 100) for i in ids[:50]) and not any(policy.sampled(i, 0) for i in ids[:50])


@pytest.mark.parametrize(("name", "value"), [
    ("SURVEY_QUIET_HOURS", "21:00-21:00"), ("SURVEY_QUIET_HOURS", "9-17"), ("SURVEY_QUIET_HOURS", "24:00-06:00"),
    ("SURVEY_SAMPLE_PERCENT", "101"), ("SURVEY_LINK_DAYS", "0"), ("SCHEDULED_STEP_ARN", "scheduled_step"),
    ("SCHEDULE_GROUP", "surveys and journeys"),
])
def test_survey_settings_are_checked_when_the_function_starts(name, value):
    import os

    from chalicelib.settings import SettingsError, load

    with pytest.raises(SettingsError, match=name):
        load({**os.environ, name: value})
