"""What an inbound e-mail says, for predict_reason: its subject (the contact's name)
and the start of its plain-text body, with phone numbers and e-mail addresses masked.

Amazon Connect keeps an e-mail contact's message as files attached to the contact:
ListContactReferences (type EMAIL_MESSAGE_PLAIN_TEXT) names the plain-text file,
GetAttachedFile gives a short-lived download link for it, and the first
MAX_BODY_BYTES are read from that link. Each step is bounded by what is left of the
flow's budget; when any fails, or the budget is too short, the subject alone is read
(the flow is answered either way). Quoted earlier messages (lines starting with `>`)
are left out: they say why the customer wrote last time, not now.

The text is used to predict and then dropped: never logged, stored or returned.
"""

from __future__ import annotations

import re
from typing import Any

from chalicelib.connect.calls import ConnectCalls, resource_id

REFERENCE_TYPE = "EMAIL_MESSAGE_PLAIN_TEXT"
MAX_BODY_BYTES = 16_384
MAX_TEXT = 2000
# Below this much budget the body is not fetched: the prediction itself needs the rest.
MIN_BUDGET_MS = 1500
LINK_EXPIRY_S = 60
_DOWNLOAD = re.compile(r"(https://[^\s]+|http://(127\.0\.0\.1|localhost)(:\d+)?/[^\s]*)\Z")
_SIGNATURE = re.compile(r"^(-- |__+|On .{5,200} wrote:|Le .{5,200} a écrit ?:)\s*\Z")


def email_text(request: Any, remaining_ms: Any) -> str:
    """The subject and body of the flow's e-mail contact, masked; the subject alone
    when the body cannot be read in time."""
    from chalicelib.observability import get_logger, mask_pii

    body = ""
    if remaining_ms() >= MIN_BUDGET_MS:
        try:
            body = _body(request, remaining_ms)
        except Exception as e:  # the subject still routes the e-mail
            get_logger().warning("e-mail body not read; predicting from the subject",
                                 extra={"problem": type(e).__name__})
    text = f"{request.name} {_own_words(body)}"
    return mask_pii(" ".join(text.split())[:MAX_TEXT])


def _own_words(body: str) -> str:
    """The customer's new text: up to a signature or the quoted earlier message."""
    kept = []
    for line in body.splitlines():
        stripped = line.strip()
        if _SIGNATURE.fullmatch(stripped):
            break
        if not stripped.startswith(">"):
            kept.append(stripped)
    return " ".join(kept)


def client() -> Any:
    """The Connect client the e-mail is read with: one attempt, a short read, since the
    caller's flow is waiting (tests stub this one)."""
    from chalicelib import aws

    return aws.client("connect", attempts=1, read_timeout=1.0)


def _body(request: Any, remaining_ms: Any) -> str:
    from chalicelib.settings import get_settings

    # The read-only calls, not the ConnectClient that starts tasks and chats: this
    # function's role is derived from what it loads.
    connect = ConnectCalls(get_settings(), client())
    contact = request.initial_contact_id or request.contact_id
    listed = connect.call("reading the e-mail's references", "list_contact_references", ContactId=contact,
                          ReferenceTypes=[REFERENCE_TYPE])
    files = [summary["EmailMessagePlainText"]["Arn"] for summary in listed.get("ReferenceSummaryList") or []
             if isinstance(summary.get("EmailMessagePlainText"), dict)
             and summary["EmailMessagePlainText"].get("Arn")]
    if not files or remaining_ms() < MIN_BUDGET_MS:
        return ""
    attached = connect.call("reading the e-mail's message", "get_attached_file", FileId=resource_id(files[0], "file"),
                            AssociatedResourceArn=f"{connect.settings.connect_instance_arn}/contact/{contact}",
                            UrlExpiryInSeconds=LINK_EXPIRY_S)
    url = str((attached.get("DownloadUrlMetadata") or {}).get("Url") or "")
    if not _DOWNLOAD.fullmatch(url):
        return ""
    return _download(url, timeout_s=max(0.2, (remaining_ms() - MIN_BUDGET_MS / 2) / 1000))


def _download(url: str, timeout_s: float) -> str:
    """The first MAX_BODY_BYTES behind Connect's pre-signed link, as text."""
    import urllib.request

    # The link is Connect's own pre-signed https URL (checked above), never the customer's.
    with urllib.request.urlopen(url, timeout=timeout_s) as response:  # noqa: S310  # nosec B310
        raw = response.read(MAX_BODY_BYTES)
    return raw.decode("utf-8", errors="replace")
