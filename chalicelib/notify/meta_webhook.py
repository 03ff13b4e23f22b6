"""WhatsApp Cloud API webhooks straight from Meta, for WhatsApp Business Accounts
that are not on AWS End User Messaging Social (those reach `on_whatsapp_event`
through SNS instead).

- `GET /webhooks/whatsapp` is Meta's verification handshake: with `hub.mode=subscribe`
  and `hub.verify_token` equal to META_VERIFY_TOKEN it answers `hub.challenge`.
- `POST /webhooks/whatsapp` carries message notifications, signed by Meta:
  `X-Hub-Signature-256` is the HMAC-SHA256 of the raw body under the app secret
  (META_APP_SECRET_PARAMETER, an SSM SecureString; META_APP_SECRET on the local stage
  only). An unsigned or forged request is refused before its body is read; a genuine
  one has each customer message handled like one from End User Messaging Social
  (chalicelib/notify/whatsapp_inbound.py), each once.

Without an app secret configured the webhook is off: both routes answer 404.
"""

from __future__ import annotations

import hmac
import re
import threading
from collections.abc import Mapping
from typing import Any

from chalicelib.errors import DependencyFailure, Forbidden, InvalidInput, NotFound
from chalicelib.settings import Settings, get_settings

_CHALLENGE = re.compile(r"[A-Za-z0-9_-]{1,128}")
_secret: str | None = None
_lock = threading.Lock()


def enabled(settings: Settings) -> bool:
    return bool(settings.meta_app_secret_parameter or settings.meta_app_secret)


def _app_secret(settings: Settings) -> str:
    global _secret
    if _secret is None:
        with _lock:
            if _secret is None:
                _secret = _load_secret(settings)
    return _secret


def _load_secret(settings: Settings) -> str:
    if not settings.meta_app_secret_parameter:
        return settings.meta_app_secret
    from botocore.exceptions import BotoCoreError, ClientError

    from chalicelib import aws

    try:
        answer = aws.client("ssm").get_parameter(Name=settings.meta_app_secret_parameter, WithDecryption=True)
    except (BotoCoreError, ClientError) as e:
        raise DependencyFailure(f"reading the Meta app secret failed: {type(e).__name__}") from e
    return answer["Parameter"]["Value"]


def reset() -> None:
    """Forget the cached secret (tests change it)."""
    global _secret
    with _lock:
        _secret = None


def handshake(query: Mapping[str, str] | None, settings: Settings | None = None) -> str:
    """The challenge to echo when Meta verifies the webhook; Forbidden otherwise."""
    settings = settings or get_settings()
    if not enabled(settings) or not settings.meta_verify_token:
        raise NotFound("the WhatsApp webhook is not configured")
    query = query or {}
    token, challenge = query.get("hub.verify_token") or "", query.get("hub.challenge") or ""
    if query.get("hub.mode") != "subscribe" or not hmac.compare_digest(
            token.encode("utf-8", "replace"), settings.meta_verify_token.encode("utf-8")):
        raise Forbidden("the verify token does not match")
    if not _CHALLENGE.fullmatch(challenge):
        raise InvalidInput("hub.challenge must be letters, digits, - or _")
    return challenge


def receive(raw_body: bytes | None, headers: Mapping[str, str] | None,
            settings: Settings | None = None) -> dict[str, Any]:
    """Handle one signed notification; Forbidden before anything is read when the
    signature does not hold."""
    from chalicelib.notify import whatsapp_inbound
    from chalicelib.security import require_meta_signature

    settings = settings or get_settings()
    if not enabled(settings):
        raise NotFound("the WhatsApp webhook is not configured")
    require_meta_signature(raw_body or b"", headers, _app_secret(settings))
    try:
        text = (raw_body or b"").decode("utf-8")
    except UnicodeDecodeError:
        raise InvalidInput("the notification is not UTF-8 JSON") from None
    return whatsapp_inbound.handle_notification(text, settings)
