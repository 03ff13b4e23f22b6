"""The e-mails the embedded AWS (moto) accepted, read back from its SES store and
parsed like a mail client would: for the demo's out/emails/ and for tests.

SES API v2 sends land in moto's v1 store (`moto.ses.models.ses_backends`); raw
messages keep their MIME source, so headers and both parts can be checked.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from email import message_from_string, policy
from email.message import EmailMessage
from pathlib import Path

from devkit.localenv import REGION


@dataclass(frozen=True)
class SentEmail:
    message_id: str
    source: str
    destinations: tuple[str, ...]
    message: EmailMessage

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    @property
    def to(self) -> str:
        return str(self.message["To"])

    def header(self, name: str) -> str | None:
        value = self.message[name]
        return None if value is None else str(value)

    def _part(self, subtype: str) -> str:
        part = self.message.get_body(preferencelist=(subtype,))
        return part.get_content() if part is not None and part.get_content_subtype() == subtype else ""

    @property
    def text(self) -> str:
        return self._part("plain")

    @property
    def html(self) -> str:
        return self._part("html")


def sent_emails(region: str = REGION) -> list[SentEmail]:
    """Every raw e-mail moto's SES accepted in this process, oldest first."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ses.models import ses_backends

    found = []
    for sent in ses_backends[DEFAULT_ACCOUNT_ID][region].sent_messages:
        raw = getattr(sent, "raw_data", None)
        if raw is None:
            continue
        message = message_from_string(raw, policy=policy.default)
        found.append(SentEmail(sent.id, sent.source, tuple(sent.destinations), message))  # type: ignore[arg-type]
    return found


def _slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:40] or "email"


def write_out(emails: list[SentEmail], directory: Path) -> list[Path]:
    """Write each e-mail as <n>-<recipient>-<subject>.html and .txt; the HTML paths."""
    directory.mkdir(parents=True, exist_ok=True)
    for old in [*directory.glob("*.html"), *directory.glob("*.txt")]:
        old.unlink()
    written = []
    for number, mail in enumerate(emails, start=1):
        recipient = mail.message["To"].addresses[0].username if mail.message["To"] else "unknown"
        stem = f"{number:02d}-{_slug(recipient)}-{_slug(mail.subject)}"
        (directory / f"{stem}.html").write_text(mail.html, encoding="utf-8")
        (directory / f"{stem}.txt").write_text(f"Subject: {mail.subject}\nTo: {mail.to}\n\n{mail.text}",
                                               encoding="utf-8")
        written.append(directory / f"{stem}.html")
    return written
