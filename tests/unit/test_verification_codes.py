"""Codes, PINs and assurance levels: what a caller can and cannot get past."""

from __future__ import annotations

import hmac
import os

import pytest

from chalicelib import settings
from chalicelib.verification import codes, levels


def test_codes_are_six_digits_and_differ():
    drawn = {codes.new_code() for _ in range(200)}
    assert all(codes.is_code(code) for code in drawn)
    assert len(drawn) > 190


def test_a_code_is_kept_as_a_salted_hash_that_only_the_same_code_matches():
    salt, other_salt = codes.new_salt(), codes.new_salt()
    kept = codes.digest("482913", salt)
    assert "482913" not in kept and kept != codes.digest("482913", other_salt)
    assert codes.matches("482913", salt, kept)
    assert not codes.matches("482914", salt, kept)


def test_hashes_are_compared_with_hmac_compare_digest(monkeypatch):
    # Given a spy on the constant-time comparison
    seen = []
    real = hmac.compare_digest

    def spy(a, b):
        seen.append((a, b))
        return real(a, b)

    monkeypatch.setattr(hmac, "compare_digest", spy)
    # When two equal-length hashes are compared, differing at the first or the last character
    assert codes.same("a" * 64, "a" * 64)
    assert not codes.same("b" + "a" * 63, "a" * 64)
    assert not codes.same("a" * 63 + "b", "a" * 64)
    # Then every comparison went through hmac.compare_digest
    assert len(seen) == 3


@pytest.mark.parametrize("given", ["", "12345", "1234567", "12 456", "١٢٣٤٥٦", "123456\n"])
def test_anything_but_six_ascii_digits_is_not_a_code(given):
    assert not codes.is_code(given)


def test_a_clinic_may_raise_appointment_details_to_verified():
    clinic = settings.load({**os.environ, "ASSURANCE_LEVELS": "next_appointment=verified"})
    assert levels.required("next_appointment", clinic) == "verified"
    assert levels.required("return_status", clinic) == "recognised"


@pytest.mark.parametrize("raw,message", [
    ("next_appointment=trusted", "ASSURANCE_LEVELS must be action=level pairs"),
    ("next_appointment", "ASSURANCE_LEVELS must be action=level pairs"),
    ("next_appointment=verified,next_appointment=none", "names next_appointment twice"),
])
def test_a_malformed_assurance_setting_stops_the_function(raw, message):
    with pytest.raises(settings.SettingsError, match=message):
        settings.load({**os.environ, "ASSURANCE_LEVELS": raw})


@pytest.mark.parametrize("raw,message", [
    ("next_appointmnet=verified", "do not exist: next_appointmnet"),
    ("return_status=none", "may only raise"),
])
def test_an_unknown_action_or_a_lowered_one_is_refused(raw, message):
    with pytest.raises(settings.SettingsError, match=message):
        levels.check(settings.load({**os.environ, "ASSURANCE_LEVELS": raw}))


@pytest.mark.parametrize("raw", ["", "fax", "email,email", "whatsapp,pigeon"])
def test_verification_channels_are_known_channels_once_each(raw):
    with pytest.raises(settings.SettingsError, match="VERIFICATION_CHANNELS"):
        settings.load({**os.environ, "VERIFICATION_CHANNELS": raw or " , "})
