"""Checks for what public entry points receive: they sit outside the API authorizer,
so each proves its input is genuine before anything is read or written.

- Meta (WhatsApp Cloud API) webhooks: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256
  of the raw request body under the app secret>`. The raw bytes are what is signed
  (`app.current_request.raw_body`): JSON parsed and serialised again does not match.
- SNS deliveries to Lambda: the invocation itself is authorised by the function's
  resource policy; the record must also come from the one topic configured for that
  function, so a mis-scoped permission cannot feed it another topic's messages.
- Links sent to customers (unsubscribe, survey pages) carry signed tokens:
  `chalicelib/tokens.py`.

Every comparison of a secret-derived value is constant-time (`hmac.compare_digest`).
Failures raise `Forbidden` with a reason safe to show, never the expected value.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from collections.abc import Mapping
from typing import Any

from chalicelib.errors import Forbidden

META_SIGNATURE_HEADER = "X-Hub-Signature-256"
_META_SIGNATURE = re.compile(r"^sha256=([0-9a-fA-F]{64})\Z")


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
