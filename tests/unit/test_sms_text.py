"""What an SMS costs the business and what the customer reads: GSM-7 where the
language allows, the letters GSM-7 lacks written as on a keypad, parts counted as a
handset counts them."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.notify.sms_text import _REPLACEMENTS, BASIC, EXTENSION, GSM, UCS2, is_gsm, measure, to_gsm


@pytest.mark.parametrize(("written", "sent"), [
    # Romanian: comma-below letters and their cedilla look-alikes
    ("Programarea a fost confirmată: vă așteptăm mâine în Timișoara, ora 9.",
     "Programarea a fost confirmata: va asteptam maine in Timisoara, ora 9."),
    ("ŞŢşţȘȚ ĂÂÎ", "STstST AAI"),
    # Hungarian: ő ű á í ó ú go, é ö ü stay
    ("Időpontja érvényes, köszönjük! Űrlap: Ó, Á, Í, Ú, Ő", "Idopontja érvényes, köszönjük! Urlap: O, A, I, U, O"),
    # Italian keeps its accented small letters; capitals GSM-7 lacks lose the accent
    ("Perché è già così? Più tardi. È l'ora.", "Perché è già così? Più tardi. E l'ora."),
    # German and Nordic letters GSM-7 has stay
    ("Äpfel, Öl, Übung, Ñandú, Ølstue, Åre", "Äpfel, Öl, Übung, Ñandu, Ølstue, Åre"),
    # Typography from templates and Babel's formats
    ("„Ora 2:30\u202fPM” – ‘ok’…", "\"Ora 2:30 PM\" - 'ok'..."),
])
def test_letters_gsm7_lacks_are_written_as_on_a_keypad(written, sent):
    assert to_gsm(written) == sent
    assert measure(to_gsm(written)).encoding == GSM


def test_every_replacement_is_itself_gsm7():
    assert all(is_gsm(replacement) for replacement in _REPLACEMENTS.values())


def test_a_romanian_reminder_fits_one_sms_only_once_its_diacritics_are_replaced():
    # Given a 138-character Romanian text with diacritics
    text = ("Vă reamintim programarea la cardiologie de joi, 12 martie, ora 14:30, "
            "Clinica Victoriei. Pentru modificări sunați la 0312345000. Mulțumim!")
    assert len(text) == 138
    # As written it would go as UCS-2 in three parts; replaced, it is one GSM-7 SMS
    assert (measure(text).encoding, measure(text).segments) == (UCS2, 3)
    assert measure(to_gsm(text)).encoding == GSM and measure(to_gsm(text)).segments == 1


@pytest.mark.parametrize(("length", "parts"), [(1, 1), (160, 1), (161, 2), (306, 2), (307, 3), (459, 3), (460, 4)])
def test_gsm7_parts_are_160_or_153_characters(length, parts):
    size = measure("a" * length)
    assert (size.encoding, size.units, size.segments) == (GSM, length, parts)


@pytest.mark.parametrize(("length", "parts"), [(70, 1), (71, 2), (134, 2), (135, 3)])
def test_ucs2_parts_are_70_or_67_characters(length, parts):
    size = measure("ж" * length)
    assert (size.encoding, size.units, size.segments) == (UCS2, length, parts)


def test_extension_characters_count_twice_and_never_split_across_parts():
    # 80 euro signs are 160 septets: one SMS
    assert (measure("€" * 80).units, measure("€" * 80).segments) == (160, 1)
    # 152 letters then a euro sign: the pair does not fit in the first 153, so it moves
    size = measure("a" * 152 + "€" + "a" * 10)
    assert (size.units, size.segments) == (164, 2)
    # 153 septets exactly at the boundary, then more
    assert measure("a" * 151 + "€" + "a" * 8).segments == 2


def test_an_emoji_keeps_the_message_in_ucs2_and_counts_as_two_units():
    text = to_gsm("Mulțumim 🙂")
    assert text == "Multumim 🙂"
    size = measure(text)
    assert (size.encoding, size.units, size.segments) == (UCS2, 11, 1)


def test_a_surrogate_pair_is_never_split_across_ucs2_parts():
    # 66 units then an emoji (2 units): 68 > 67, so the emoji opens the second part
    assert measure("ж" * 66 + "🙂" + "ж" * 10).segments == 2
    assert measure("ж" * 133 + "🙂").segments == 3


@given(st.text(max_size=400))
def test_the_encoded_text_is_gsm7_or_counted_as_ucs2(text):
    sent = to_gsm(text)
    size = measure(sent)
    if size.encoding == GSM:
        assert all(ch in BASIC or ch in EXTENSION for ch in sent)
        assert size.units == sum(1 if ch in BASIC else 2 for ch in sent)
        single, part = 160, 153
    else:
        assert any(ch not in BASIC and ch not in EXTENSION for ch in sent)
        assert size.units == len(sent.encode("utf-16-le")) // 2
        single, part = 70, 67
    # One part when it fits; otherwise enough parts of `part` units, and never more
    # than one extra per pair kept whole
    if size.units == 0:
        assert size.segments == 0
    elif size.units <= single:
        assert size.segments == 1
    else:
        assert -(-size.units // part) <= size.segments <= -(-size.units // (part - 1))


@given(st.text(alphabet=st.sampled_from(sorted("ăâîșțĂÂÎȘȚşţŞŢáéíóöőúüűÁÉÍÓÖŐÚÜŰàèéìòùÀÈÌÒÙ abc.,!?")), max_size=300))
def test_romanian_hungarian_and_italian_text_always_goes_as_gsm7(text):
    assert measure(to_gsm(text)).encoding == GSM
