"""Checks for what public entry points receive: they sit outside the API authorizer,
so each proves its input is genuine before anything is read or written.

- Meta (WhatsApp Cloud API) webhooks: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256
  of the raw request body under the app secret>`. The raw bytes are what is signed
  (`app.current_request.raw_body`): JSON parsed and serialised again does not match.
- SNS deliveries to Lambda: the invocation itself is authorised by the function's
  resource policy; the record must also come from the one topic configured for that
  function, so a mis-scoped permission cannot feed it another topic's messages.
- Signed tokens for links sent to customers (survey pages, unsubscribe links): an
  id and a purpose, an expiry, and an HMAC-SHA256 over them. They carry ids only,
  never an address: links end up in mail logs, proxies and browser history.

Every comparison of a secret-derived value is constant-time (`hmac.compare_digest`).
Failures raise `Forbidden` with a reason safe to show, never the expected value.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import time
from collections.abc import Mapping
from typing import Any

from chalicelib.errors import Forbidden

META_SIGNATURE_HEADER = "X-Hub-Signature-256"
_META_SIGNATURE = re.compile(r"^sha256=([0-9a-fA-F]{64})$")


def _key(secret: str | bytes) -> bytes:
    key = secret.encode("utf-8") if isinstance(secret, str) else secret
    if not key:
        # An empty key would make every signature forgeable.
        raise ValueError("a signing secret must not be empty")
    return key


def header(headers: Mapping[str, str] | None, name: str) -> str | None:
    """A request header by name, whatever its case (API Gateway keeps the sender's)."""
    if not headers:
        return None
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


def meta_signature_valid(raw_body: bytes, signature: str | None, app_secret: str | bytes) -> bool:
    """Whether `signature` (the X-Hub-Signature-256 header) signs `raw_body`."""
    if not isinstance(raw_body, bytes | bytearray) or not isinstance(signature, str):
        return False
    match = _META_SIGNATURE.match(signature.strip())
    if not match:
        return False
    expected = hmac.new(_key(app_secret), bytes(raw_body), hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, match.group(1).lower())


def require_meta_signature(raw_body: bytes, headers: Mapping[str, str] | None, app_secret: str | bytes) -> None:
    """Raise Forbidden unless the request carries a valid Meta signature."""
    signature = header(headers, META_SIGNATURE_HEADER)
    if signature is None:
        raise Forbidden(f"missing {META_SIGNATURE_HEADER} header")
    if not meta_signature_valid(raw_body, signature, app_secret):
        raise Forbidden(f"{META_SIGNATURE_HEADER} does not match the request body")


def sns_message(event: Mapping[str, Any], topic_arn: str) -> Mapping[str, Any]:
    """The `Sns` part of an SNS-to-Lambda event, after checking it was published on
    `topic_arn`. Raise Forbidden for anything else (another topic, another source,
    not an SNS event). SNS delivers one record per invocation."""
    if not topic_arn:
        raise ValueError("the expected topic ARN must be configured")
    records = event.get("Records") if isinstance(event, Mapping) else None
    if not isinstance(records, list) or len(records) != 1 or not isinstance(records[0], Mapping):
        raise Forbidden("not an SNS notification")
    record = records[0]
    sns = record.get("Sns")
    source = record.get("EventSource") or record.get("eventSource")
    if source != "aws:sns" or not isinstance(sns, Mapping):
        raise Forbidden("not an SNS notification")
    received = sns.get("TopicArn")
    if not isinstance(received, str) or not hmac.compare_digest(received.encode(), topic_arn.encode()):
        raise Forbidden("notification from an unexpected topic")
    return sns


# ---- signed tokens --------------------------------------------------------------

_LINK_FORMAT = "v1"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(key: bytes, purpose: str, body: str) -> str:
    # The purpose is signed but not carried: a survey token is no unsubscribe token.
    message = f"{_LINK_FORMAT}.{purpose}.{body}".encode()
    return _b64(hmac.new(key, message, hashlib.sha256).digest())


def sign_token(purpose: str, subject: str, secret: str | bytes, *, ttl_s: int,
               now: float | None = None) -> str:
    """A URL-safe token binding `subject` (an id, never an address) to `purpose`
    until `ttl_s` seconds from now."""
    if not purpose or not subject:
        raise ValueError("a token needs a purpose and a subject")
    expires = int((time.time() if now is None else now) + ttl_s)
    body = _b64(json.dumps({"s": subject, "e": expires}, separators=(",", ":")).encode())
    return f"{_LINK_FORMAT}.{body}.{_mac(_key(secret), purpose, body)}"


def read_token(token: object, purpose: str, secret: str | bytes, *, now: float | None = None) -> str:
    """The subject of a valid, unexpired token for `purpose`; Forbidden otherwise."""
    if not isinstance(token, str) or len(token) > 512:
        raise Forbidden("the link is not valid")
    version, _, rest = token.partition(".")
    body, _, mac = rest.partition(".")
    if version != _LINK_FORMAT or not body or not mac:
        raise Forbidden("the link is not valid")
    if not hmac.compare_digest(_mac(_key(secret), purpose, body), mac):
        raise Forbidden("the link is not valid")
    try:
        claims = json.loads(_unb64(body))
        subject, expires = claims["s"], int(claims["e"])
    except (ValueError, KeyError, TypeError):
        raise Forbidden("the link is not valid") from None
    if expires < (time.time() if now is None else now):
        raise Forbidden("the link has expired")
    return str(subject)
