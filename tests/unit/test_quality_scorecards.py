"""Scorecards are files a quality lead edits: every one shipped loads, a broken one
is refused naming the field, and the score is the rule the pages promise."""

from __future__ import annotations

import copy
import json
import re

import pytest

from chalicelib.notify.render import LANGUAGES
from chalicelib.quality import scorecards
from chalicelib.quality.scorecards import ScorecardError, parse

DEFAULT = json.loads((scorecards.HERE / "default.json").read_text(encoding="utf-8"))
FULL = {"greeting": 3, "understanding": 3, "resolution": 3, "empathy": 3, "compliance": 3, "documentation": 3}


def test_every_shipped_scorecard_loads_with_words_in_every_language():
    found = scorecards.all_scorecards()
    assert "default" in found
    for card in found.values():
        for language in LANGUAGES:
            document = card.document(language)
            assert all(c["label"] and c["help"] for c in document["criteria"])


def test_the_default_scorecard_rates_what_a_contact_center_coaches_on():
    card = scorecards.get("default")
    assert [(c.id, c.weight, c.critical) for c in card.criteria] == [
        ("greeting", 10, False), ("understanding", 20, False), ("resolution", 30, False), ("empathy", 15, False),
        ("compliance", 15, True), ("documentation", 10, False)]
    assert card.document("ro")["criteria"][4]["label"] == "Conformitate și protecția datelor"


@pytest.mark.parametrize(("ratings", "score"), [
    (FULL, 100),
    ({k: 0 for k in FULL} | {"compliance": 1}, 5),
    ({**FULL, "empathy": 1}, 90),
    ({**FULL, "documentation": 1, "understanding": 2}, 87),  # 86.67 rounds up
    ({**FULL, "compliance": 0}, 0),  # critical: the whole contact fails
    ({k: 2 for k in FULL}, 67),
])
def test_the_score_is_the_weighted_share_of_the_top_rating(ratings, score):
    assert scorecards.get("default").score(ratings) == score


@pytest.mark.parametrize(("change", "message"), [
    (lambda d: d.update(id="other"), "id must be 'default'"),
    (lambda d: d["criteria"][0]["label"].pop("hu"), "criteria[0].label must give text in exactly en, ro, it, hu"),
    (lambda d: d["criteria"][1].update(weight=0), "criteria[1].weight must be a whole number from 1 to 100"),
    (lambda d: d["criteria"][1].update(weight=True), "criteria[1].weight must be a whole number"),
    (lambda d: d["criteria"][2].update(id="greeting"), "criteria[2].id 'greeting' appears twice"),
    (lambda d: d["criteria"][2].update(id="Resolution!"), "criteria[2].id must be lower-case"),
    (lambda d: d["criteria"][0].update(points=3), "criteria[0]: unknown field(s) points"),
    (lambda d: d["ratings"].pop("1"), "ratings must be 0 to N"),
    (lambda d: d["ratings"]["2"].update(en=" "), "ratings.2.en must be non-empty text"),
    (lambda d: d.update(criteria=[]), "criteria must be a non-empty list"),
    (lambda d: d.update(owner="qa"), "unknown field(s) owner"),
])
def test_a_broken_scorecard_is_refused_naming_what_is_wrong(change, message):
    broken = copy.deepcopy(DEFAULT)
    change(broken)
    with pytest.raises(ScorecardError, match=re.escape(message)):
        parse("default", broken)


def test_the_quality_pages_words_are_the_same_in_every_language():
    from chalicelib.web.quality import catalogue

    words = catalogue()
    assert set(words) == set(LANGUAGES)
    keys = set(words["en"])
    for language in LANGUAGES:
        assert set(words[language]) == keys, language
        assert all(isinstance(v, str) and v.strip() for v in words[language].values()), language
