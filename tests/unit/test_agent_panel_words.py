"""The agent panel's words and masks: every language says everything, addresses
are shown masked the way agents read them."""

from __future__ import annotations

import pytest

from chalicelib.web.agent import mask_email, mask_phone
from chalicelib.web.words import agent_language, catalogue


def _shape(value):
    return {k: _shape(v) for k, v in value.items()} if isinstance(value, dict) else None


def test_every_language_has_every_word_of_the_english_catalogue():
    words = catalogue()
    assert set(words) == {"en", "ro", "it", "hu"}
    for language in ("ro", "it", "hu"):
        assert _shape(words[language]) == _shape(words["en"]), language


@pytest.mark.parametrize("number", ["+40712345678", "+390612345678", "+36201234567", "+447700900123"])
def test_a_phone_number_shows_its_country_first_digit_and_last_three_only(number):
    shown = mask_phone(number)
    visible = "".join(c for c in shown if c.isdigit())
    country = shown.split(" ")[0]
    assert shown.endswith(number[-3:]) and number.startswith(country)
    assert len(visible) == len(country) - 1 + 1 + 3


def test_the_romanian_example_is_exactly_as_agents_see_it():
    assert mask_phone("+40712345678") == "+40 7•• ••• 678"


def test_an_email_address_keeps_its_first_letter_and_domain():
    assert mask_email("ana.popescu@example.ro") == "a•••@example.ro"


@pytest.mark.parametrize(("explicit", "header", "language"), [
    ("hu", "ro-RO", "hu"), (None, "it-IT,it;q=0.9,en;q=0.8", "it"), (None, "de-DE,ro;q=0.5", "ro"),
    ("xx", None, "en"), (None, "de-DE", "en"),
])
def test_the_agents_language(explicit, header, language):
    assert agent_language(explicit, header) == language
