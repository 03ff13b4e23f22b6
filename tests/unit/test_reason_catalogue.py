"""The catalogue of contact reasons: loaded and checked once, clear about unknown ids."""

from __future__ import annotations

import copy
import json

import pytest

from chalicelib.errors import InvalidInput
from chalicelib.reasons import catalogue
from chalicelib.reasons.catalogue import CatalogueError, UnknownReason, load, parse

RAW = json.loads(catalogue.PATH.read_text(encoding="utf-8"))


def test_every_required_reason_is_there_with_a_label_in_each_language():
    reasons = load()

    assert set(catalogue.REQUIRED_IDS) <= set(reasons.ids)
    for reason in reasons:
        assert all(reason.label(lang) for lang in catalogue.LANGUAGES)
        assert reason.queue("ro-RO") and reason.queue("xx")


def test_labels_and_queues_follow_the_language_and_fall_back_to_english():
    reasons = load()

    assert reasons.require("return").label("ro-RO") == "Retururi și rambursări"
    assert reasons.require("return").label("de-DE") == "Returns and refunds"
    assert reasons.require("account").queue("it-IT") == "italian"
    assert reasons.require("account").queue("de-DE") == "general"
    assert reasons.require("billing").queue("hu") == "billing"


def test_an_unknown_reason_is_a_validation_error_naming_the_known_ones():
    with pytest.raises(UnknownReason) as raised:
        load().require("refunds-please")

    assert isinstance(raised.value, InvalidInput)
    assert "billing" in raised.value.message and "other" in raised.value.message
    assert raised.value.code == "UNKNOWN_REASON"


@pytest.mark.parametrize(("free", "expected"), [
    ("returns", "return"), ("Refund", "return"), ("billing", "billing"), (" Order Status ", "delivery"),
    ("upgrade", "sales"), ("cancel", "cancellation"), ("banana", None), ("", None), (None, None), (42, None),
])
def test_older_free_strings_map_onto_the_catalogue(free, expected):
    assert load().normalise(free) == expected


def test_menu_choices_are_one_digit_per_reason():
    reasons = load()

    assert [reasons.by_menu(r.menu) for r in reasons] == list(reasons.ids)
    assert reasons.by_menu("#") is None


def _broken(change) -> dict:
    raw = copy.deepcopy(RAW)
    change(raw)
    return raw


@pytest.mark.parametrize(("change", "named"), [
    (lambda raw: raw["reasons"][0]["labels"].pop("hu"), "reasons[billing].labels"),
    (lambda raw: raw["reasons"][0].update(casePolicy="sometimes"), "reasons[billing].casePolicy"),
    (lambda raw: raw["reasons"][0].update(queue={"ro": "romanian"}), "reasons[billing].queue"),
    (lambda raw: raw["reasons"][1].update(menu="1"), "reasons[].menu"),
    (lambda raw: raw["reasons"].pop(), "lacks other"),
    (lambda raw: raw["reasons"][0]["aliases"].append("returns"), "reasons[].aliases"),
    (lambda raw: raw["reasons"][0].update(colour="red"), "unknown colour"),
    (lambda raw: raw["reasons"][0].update(selfService="yes"), "reasons[billing].selfService"),
])
def test_a_broken_catalogue_is_refused_naming_the_file_and_field(change, named):
    with pytest.raises(CatalogueError) as raised:
        parse(_broken(change))

    assert "catalogue.json" in str(raised.value) and named in str(raised.value)


def test_the_api_document_speaks_the_requested_language():
    document = load().to_document("it-IT")

    assert document["language"] == "it"
    assert [r["id"] for r in document["reasons"]] == list(load().ids)
    assert document["reasons"][2] == {"id": "return", "label": "Resi e rimborsi", "queue": "orders", "menu": "3",
                                     "selfService": True, "kbTags": ["returns", "refunds", "pickup"],
                                     "casePolicy": "always"}


def test_lex_languages_are_only_those_lex_v2_has_a_locale_for():
    from chalicelib.settings import SettingsError
    from chalicelib.settings import load as load_settings
    from devkit import localenv

    environment = {**localenv.stage_environment(), "AWS_REGION": "eu-central-1", "REASON_LEX_LANGUAGES": "en,ro"}

    with pytest.raises(SettingsError, match=r"REASON_LEX_LANGUAGES.*got ro"):
        load_settings(environment)
