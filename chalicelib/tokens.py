"""Signed, expiring, URL-safe tokens for links sent to customers (unsubscribe,
surveys).

A token is `<payload>.<signature>`, both base64url without padding: the payload is
compact JSON naming the token's purpose, its subject (a customer id, a survey id),
its expiry, a random token id and a few optional values; the signature is
HMAC-SHA256 over the payload. The purpose is inside what is signed, so a token
issued for one purpose is refused for any other. Verification compares in
constant time and refuses anything malformed, forged, expired or too long before
looking at its contents.

The secret comes from settings: an SSM parameter (SecureString, or a Secrets
Manager secret through `/aws/reference/secretsmanager/<name>`) read once per
container in deployed stages, or a literal value in the local run. The value may
hold several secrets separated by whitespace: the first signs, all verify, so a
secret is rotated by prepending the new one and dropping the old one once its
tokens have expired.

Tokens are not single-use by themselves: a caller that needs that records the
token id when it is used.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.errors import DependencyFailure, InvalidInput

MAX_TOKEN_LENGTH = 1024
MIN_SECRET_LENGTH = 32
_PURPOSE = re.compile(r"^[a-z][a-z0-9_-]{0,31}\Z")
_B64 = re.compile(r"^[A-Za-z0-9_-]+\Z")


class TokenError(InvalidInput):
    """The token cannot be used; `code` says why (never which part of a forged
    token was wrong beyond that)."""

    code = "TOKEN_INVALID"


@dataclass(frozen=True)
class Claims:
    purpose: str
    subject: str
    expires_at: datetime
    token_id: str
    data: dict[str, Any] = field(default_factory=dict)


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


_secrets: tuple[bytes, ...] | None = None
_lock = threading.Lock()


def _load_secrets() -> tuple[bytes, ...]:
    from chalicelib.settings import SettingsError, get_settings

    settings = get_settings()
    if settings.token_secret_parameter:
        from botocore.exceptions import BotoCoreError, ClientError

        from chalicelib import aws

        try:
            answer = aws.client("ssm").get_parameter(Name=settings.token_secret_parameter, WithDecryption=True)
        except (BotoCoreError, ClientError) as e:
            raise DependencyFailure(f"reading the link-signing secret failed: {type(e).__name__}") from e
        value = answer["Parameter"]["Value"]
    else:
        value = settings.token_secret
    found = tuple(part.encode("utf-8") for part in value.split())
    if not found or any(len(s) < MIN_SECRET_LENGTH for s in found):
        raise SettingsError(f"the link-signing secret must be at least {MIN_SECRET_LENGTH} characters")
    return found


def _keys() -> tuple[bytes, ...]:
    global _secrets
    if _secrets is None:
        with _lock:
            if _secrets is None:
                _secrets = _load_secrets()
    return _secrets


def reset() -> None:
    """Forget the cached secret (tests change it)."""
    global _secrets
    with _lock:
        _secrets = None


def _sign(key: bytes, payload: str) -> str:
    return _b64encode(hmac.new(key, payload.encode("ascii"), hashlib.sha256).digest())


def issue(purpose: str, subject: str, valid_for: timedelta, data: dict[str, Any] | None = None,
          now: datetime | None = None) -> str:
    """A token for `purpose` about `subject`, valid for `valid_for`. `data` holds a few
    short JSON values the link needs (a locale, a channel); it is signed, not secret."""
    if not _PURPOSE.match(purpose):
        raise ValueError(f"token purpose must be a short lower-case name, got {purpose!r}")
    if not subject or len(subject) > 128:
        raise ValueError("token subject must be 1-128 characters")
    expires = int(((now or datetime.now(UTC)) + valid_for).timestamp())
    body: dict[str, Any] = {"p": purpose, "s": subject, "e": expires, "i": secrets.token_urlsafe(9)}
    if data:
        body["d"] = data
    payload = _b64encode(json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode("utf-8"))
    token = f"{payload}.{_sign(_keys()[0], payload)}"
    if len(token) > MAX_TOKEN_LENGTH:
        raise ValueError("token data is too large for a link")
    return token


def verify(token: object, purpose: str, now: datetime | None = None) -> Claims:
    """The claims of a genuine, unexpired token issued for `purpose`; TokenError
    otherwise (code TOKEN_MALFORMED, TOKEN_FORGED, TOKEN_EXPIRED or TOKEN_WRONG_PURPOSE)."""
    if not isinstance(token, str) or not 3 <= len(token) <= MAX_TOKEN_LENGTH or token.count(".") != 1:
        raise TokenError("this link is not valid", code="TOKEN_MALFORMED")
    payload, signature = token.split(".")
    if not _B64.match(payload) or not _B64.match(signature):
        raise TokenError("this link is not valid", code="TOKEN_MALFORMED")
    # Compare against every accepted secret without stopping early, so timing does not
    # tell which secret (if any) came close.
    matched = False
    for key in _keys():
        matched |= hmac.compare_digest(_sign(key, payload), signature)
    if not matched:
        raise TokenError("this link is not valid", code="TOKEN_FORGED")
    try:
        body = json.loads(_b64decode(payload))
        claims = Claims(
            purpose=str(body["p"]), subject=str(body["s"]),
            expires_at=datetime.fromtimestamp(int(body["e"]), UTC), token_id=str(body["i"]),
            data=dict(body.get("d") or {}),
        )
    except (ValueError, KeyError, TypeError, OverflowError):
        raise TokenError("this link is not valid", code="TOKEN_MALFORMED") from None
    if claims.purpose != purpose:
        raise TokenError("this link is not valid here", code="TOKEN_WRONG_PURPOSE")
    if claims.expires_at <= (now or datetime.now(UTC)):
        raise TokenError("this link has expired", code="TOKEN_EXPIRED")
    return claims
