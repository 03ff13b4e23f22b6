"""Signed links: what a customer's link carries, and what a forger cannot do."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import boto3
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib import tokens
from chalicelib.settings import SettingsError


@pytest.fixture(autouse=True)
def fresh_secret():
    tokens.reset()
    yield
    tokens.reset()


def test_a_token_carries_its_purpose_subject_and_data():
    token = tokens.issue("unsubscribe", "c0ffee42", timedelta(days=30), data={"pu": "surveys", "l": "ro"})
    claims = tokens.verify(token, "unsubscribe")
    assert claims.subject == "c0ffee42"
    assert claims.data == {"pu": "surveys", "l": "ro"}
    assert claims.expires_at > datetime.now(UTC) + timedelta(days=29)
    assert claims.token_id
    # URL-safe as it is: no padding, no characters a URL would have to escape
    assert all(c.isalnum() or c in "-_." for c in token)


def test_two_tokens_for_the_same_subject_have_different_ids():
    first = tokens.verify(tokens.issue("survey", "s1", timedelta(days=7)), "survey")
    second = tokens.verify(tokens.issue("survey", "s1", timedelta(days=7)), "survey")
    assert first.token_id != second.token_id


def test_a_changed_payload_is_refused_as_forged():
    token = tokens.issue("unsubscribe", "c0ffee42", timedelta(days=30))
    payload, signature = token.split(".")
    other = tokens.issue("unsubscribe", "someone-else", timedelta(days=30)).split(".")[0]
    with pytest.raises(tokens.TokenError) as refused:
        tokens.verify(f"{other}.{signature}", "unsubscribe")
    assert refused.value.code == "TOKEN_FORGED"
    flipped = signature[:-1] + ("A" if signature[-1] != "A" else "B")
    with pytest.raises(tokens.TokenError) as refused:
        tokens.verify(f"{payload}.{flipped}", "unsubscribe")
    assert refused.value.code == "TOKEN_FORGED"


def test_a_token_for_another_purpose_is_refused():
    survey_token = tokens.issue("survey", "c0ffee42", timedelta(days=7))
    with pytest.raises(tokens.TokenError) as refused:
        tokens.verify(survey_token, "unsubscribe")
    assert refused.value.code == "TOKEN_WRONG_PURPOSE"


def test_an_expired_token_is_refused():
    issued_long_ago = datetime.now(UTC) - timedelta(days=31)
    token = tokens.issue("unsubscribe", "c0ffee42", timedelta(days=30), now=issued_long_ago)
    with pytest.raises(tokens.TokenError) as refused:
        tokens.verify(token, "unsubscribe")
    assert refused.value.code == "TOKEN_EXPIRED"
    # ...but it was genuine while it lasted
    assert tokens.verify(token, "unsubscribe", now=issued_long_ago + timedelta(days=29)).subject == "c0ffee42"


def test_a_token_signed_with_another_secret_is_refused(settings_env):
    token = tokens.issue("unsubscribe", "c0ffee42", timedelta(days=30))
    settings_env(TOKEN_SECRET="an-entirely-different-secret-of-enough-length-42")
    tokens.reset()
    with pytest.raises(tokens.TokenError) as refused:
        tokens.verify(token, "unsubscribe")
    assert refused.value.code == "TOKEN_FORGED"


def test_rotation_keeps_old_links_working_while_new_ones_use_the_new_secret(settings_env):
    old_secret = "the-old-signing-secret-0123456789-abcdef"
    new_secret = "the-new-signing-secret-0123456789-ghijkl"
    settings_env(TOKEN_SECRET=old_secret)
    tokens.reset()
    old_link = tokens.issue("unsubscribe", "c0ffee42", timedelta(days=30))
    # Rotation: the new secret first, the old one kept for verifying
    settings_env(TOKEN_SECRET=f"{new_secret} {old_secret}")
    tokens.reset()
    new_link = tokens.issue("unsubscribe", "c0ffee42", timedelta(days=30))
    assert tokens.verify(old_link, "unsubscribe").subject == "c0ffee42"
    # Once the old secret is dropped, only new links work
    settings_env(TOKEN_SECRET=new_secret)
    tokens.reset()
    assert tokens.verify(new_link, "unsubscribe").subject == "c0ffee42"
    with pytest.raises(tokens.TokenError):
        tokens.verify(old_link, "unsubscribe")


def test_deployed_stages_read_the_secret_from_ssm_once(aws, settings_env):
    ssm = boto3.client("ssm")
    ssm.put_parameter(Name="/contact-center/test/token-secret", Type="SecureString",
                      Value="secret-from-parameter-store-0123456789abcdef")
    settings_env(TOKEN_SECRET="", TOKEN_SECRET_PARAMETER="/contact-center/test/token-secret")
    token = tokens.issue("unsubscribe", "c0ffee42", timedelta(days=30))
    # The container keeps the secret it read: a changed parameter takes effect in new containers
    ssm.put_parameter(Name="/contact-center/test/token-secret", Type="SecureString", Overwrite=True,
                      Value="a-rotated-secret-without-the-old-one-0123456789")
    assert tokens.verify(token, "unsubscribe").subject == "c0ffee42"
    tokens.reset()
    with pytest.raises(tokens.TokenError):
        tokens.verify(token, "unsubscribe")


def test_a_short_secret_is_a_configuration_error(settings_env):
    settings_env(TOKEN_SECRET="short")
    with pytest.raises(SettingsError, match="at least 32"):
        tokens.issue("unsubscribe", "c0ffee42", timedelta(days=30))


@given(st.one_of(st.text(max_size=300), st.binary(max_size=50), st.integers(), st.none()))
def test_anything_that_is_not_a_genuine_token_is_refused_cleanly(garbage):
    with pytest.raises(tokens.TokenError):
        tokens.verify(garbage, "unsubscribe")


@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.", max_size=200))
def test_forged_tokens_built_from_url_safe_characters_are_refused(candidate):
    with pytest.raises(tokens.TokenError):
        tokens.verify(candidate, "unsubscribe")
