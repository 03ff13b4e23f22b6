"""E-mail through Amazon SES (API v2), as a raw MIME message.

The message is built with the standard library's `email` package and sent as
`Content.Raw`: that gives full control of the headers (Reply-To, List-Unsubscribe,
List-Unsubscribe-Post, Content-Language), a text and an HTML alternative, and
correct encoding of non-ASCII names and subjects, with the same request in
production and on moto. The configuration set from settings routes SES's delivery
events; the message type travels as an SES tag.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from chalicelib import aws
from chalicelib.notify.messages import TRANSACTIONAL
from chalicelib.notify.render import Rendered, explicit_locale, locale_for, render
from chalicelib.notify.senders import Outgoing, ProviderSender, Rejected, handing_over

CHANNEL = "email"
# One attempt: botocore would retry a read timeout, and a send that timed out on
# the way back may already be on its way to the customer.
SEND_ATTEMPTS = 1
SEND_READ_TIMEOUT_S = 5.0

_LINE_BREAK = re.compile(r"[\r\n\x00-\x1f\x7f]")
# Provider answers that say this message will never be accepted as it is.
_PERMANENT = {"MessageRejected", "BadRequestException", "InvalidParameterValue",
              "MailFromDomainNotVerifiedException", "MailFromDomainNotVerified"}


@dataclass(frozen=True)
class PreparedEmail:
    raw: bytes
    address: str
    rendered: Rendered
    message_type: str
    unsubscribe_url: str | None


def unsubscribe_token(customer_id: str, purpose: str, language: str, days: int) -> str:
    from chalicelib import tokens

    return tokens.issue("unsubscribe", customer_id, timedelta(days=days),
                        data={"ch": CHANNEL, "pu": purpose, "l": language})


class EmailSender(ProviderSender):
    """Renders and sends e-mail for the Notifier."""

    channel = CHANNEL

    def provider_client(self) -> Any:
        return aws.client("sesv2", attempts=SEND_ATTEMPTS, read_timeout=SEND_READ_TIMEOUT_S)

    @property
    def brand(self) -> dict[str, Any]:
        s = self.settings
        return {"name": s.brand_name, "color": s.brand_color, "accent_color": s.brand_accent_color,
                "support_email": s.support_email, "support_phone": s.support_phone or None}

    # ---- addresses -----------------------------------------------------------

    def address_of(self, customer: Any) -> str | None:
        emails = sorted(k.partition("#")[2] for k in (customer.identities or ()) if k.startswith("email#"))
        return emails[0] if emails else None

    @staticmethod
    def normalize_address(raw: object) -> str:
        from chalicelib.errors import InvalidInput
        from chalicelib.profiles.identity import normalize_email

        if raw is None or raw == "":
            raise Rejected("there is no e-mail address to send to", code="NO_ADDRESS")
        if isinstance(raw, str) and _LINE_BREAK.search(raw):
            raise Rejected("the e-mail address contains line breaks or control characters",
                           code="HEADER_INJECTION")
        try:
            return normalize_email(raw)
        except InvalidInput:
            raise Rejected("the e-mail address is not valid", code="INVALID_ADDRESS") from None

    # ---- preparing -----------------------------------------------------------

    def prepare(self, message: Outgoing) -> PreparedEmail:
        recipient = message.recipient
        address = self.normalize_address(recipient.address)
        locale = explicit_locale(message.language) if message.language else locale_for(recipient.preferred_language)
        unsubscribe_url = None
        if message.kind.purpose != TRANSACTIONAL and recipient.customer_id:
            token = unsubscribe_token(recipient.customer_id, message.kind.purpose, locale.language,
                                      self.settings.unsubscribe_link_days)
            unsubscribe_url = f"{self.settings.public_base_url}/unsubscribe/{token}"
        rendered = render(CHANNEL, message.kind, message.variables, locale=locale, time_zone=recipient.time_zone,
                          brand=self.brand, first_name=recipient.first_name, unsubscribe_url=unsubscribe_url)
        if not rendered.subject:
            raise Rejected(f"{message.kind.name} rendered an empty subject", code="RENDER_FAILED")
        for label, value in (("subject", rendered.subject), ("recipient name", recipient.name)):
            if value and _LINE_BREAK.search(value):
                raise Rejected(f"the {label} contains line breaks or control characters; a header cannot hold them",
                               code="HEADER_INJECTION")
        raw = self._mime(address, recipient.name, rendered, unsubscribe_url)
        return PreparedEmail(raw, address, rendered, message.kind.name, unsubscribe_url)

    def _mime(self, address: str, name: str | None, rendered: Rendered, unsubscribe_url: str | None) -> bytes:
        from email import policy
        from email.headerregistry import Address
        from email.message import EmailMessage
        from email.utils import formatdate, make_msgid

        s = self.settings
        # Headers may be up to 998 characters (RFC 5322); at the default 78 the
        # List-Unsubscribe URL would be folded into encoded words no client reads.
        # 7bit: non-ASCII bodies go quoted-printable, safe through any relay.
        msg = EmailMessage(policy=policy.SMTP.clone(max_line_length=998, cte_type="7bit"))
        try:
            msg["From"] = Address(display_name=s.brand_name, addr_spec=s.email_sender)
            msg["To"] = Address(display_name=name or "", addr_spec=address)
            msg["Reply-To"] = Address(addr_spec=s.email_reply_to or s.support_email)
            msg["Subject"] = rendered.subject
        except (ValueError, TypeError) as e:
            # The standard library refuses what would break the header block.
            raise Rejected(f"a header could not be written: {e}", code="HEADER_INJECTION") from None
        msg["Date"] = formatdate(usegmt=True)
        msg["Message-ID"] = make_msgid(domain=s.email_sender.partition("@")[2])
        if unsubscribe_url:
            # RFC 8058 one-click: mail providers POST "List-Unsubscribe=One-Click" to the URL.
            msg["List-Unsubscribe"] = f"<{unsubscribe_url}>"
            msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        msg.set_content(rendered.text, subtype="plain", charset="utf-8")
        msg.add_alternative(rendered.html, subtype="html", charset="utf-8")
        # After the content: setting content clears Content-* headers.
        msg["Content-Language"] = rendered.locale.language
        return msg.as_bytes()

    def describe(self, prepared: PreparedEmail) -> dict[str, Any]:
        return {"subject": prepared.rendered.subject, "locale": prepared.rendered.locale.language,
                "listUnsubscribe": prepared.unsubscribe_url is not None}

    # ---- sending -------------------------------------------------------------

    def deliver(self, prepared: PreparedEmail) -> str:
        request: dict[str, Any] = {
            "FromEmailAddress": self.settings.email_sender,
            "Destination": {"ToAddresses": [prepared.address]},
            "Content": {"Raw": {"Data": prepared.raw}},
            "EmailTags": [{"Name": "message_type", "Value": prepared.message_type}],
        }
        if self.settings.ses_configuration_set:
            request["ConfigurationSetName"] = self.settings.ses_configuration_set
        with handing_over("e-mail", "SES", _PERMANENT):
            answer = self.client.send_email(**request)
        return str(answer["MessageId"])
