"""WhatsApp through AWS End User Messaging Social (`socialmessaging`
SendWhatsAppMessage), for the Notifier: the same outbox, idempotency, consent and
suppression as e-mail.

WhatsApp's rule decides the form of every message:
- an approved *template* (name, language, parameters; quick-reply buttons) may be
  sent at any time: the messages in `TEMPLATES` always go this way. Each must be
  registered and approved in WhatsApp Manager under the same name, in en, ro, it and
  hu, with its body parameters in the order listed here;
- a *free-form* text only within 24 hours of the customer's last message to us
  (their "customer service window", kept on the profile by the inbound handler).
  Those are rendered from chalicelib/templates/whatsapp/<language>/<type>.j2; outside
  the window the message is refused with OUTSIDE_SERVICE_WINDOW, nothing sent.

The message itself is the WhatsApp Cloud API's JSON, which End User Messaging Social
takes as bytes in `message`, with the Meta API version it is written for.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any

from chalicelib import aws
from chalicelib.db import utcnow
from chalicelib.notify.render import LANGUAGES, plain_context
from chalicelib.notify.render import TEMPLATES as TEMPLATE_DIR
from chalicelib.notify.senders import Outgoing, ProviderSender, Rejected, handing_over, phone_recipient

CHANNEL = "whatsapp"
SERVICE_WINDOW = timedelta(hours=24)
# One attempt, like e-mail: a send that timed out on the way back may have gone out.
SEND_ATTEMPTS = 1
SEND_READ_TIMEOUT_S = 5.0
# WhatsApp limits: a template text parameter, a free-form text body.
MAX_PARAMETER = 1024
MAX_TEXT = 4096
# Provider answers that mean this message will never go out as it is.
_PERMANENT = {"ValidationException", "InvalidParametersException", "AccessDeniedException"}
# The template language each of our languages is approved in.
TEMPLATE_LANGUAGES = {"en": "en", "ro": "ro", "it": "it", "hu": "hu"}


@dataclass(frozen=True)
class ApprovedTemplate:
    """A template as approved in WhatsApp Manager. `body` holds one Jinja2 expression
    per body parameter ({{1}}, {{2}}, ...), rendered in the customer's language and
    time zone; `quick_replies` the payload of each quick-reply button, in order,
    formatted with the message's variables (what comes back when it is tapped)."""

    name: str
    body: tuple[str, ...]
    quick_replies: tuple[str, ...] = ()


TEMPLATES: dict[str, ApprovedTemplate] = {
    # "Your return of order {{1}} is registered. {{2}} collects it; AWB {{3}}. Label: {{4}}"
    "return_label": ApprovedTemplate(
        "return_label", ("{{ order_number }}", "{{ carrier }}", "{{ awb_number }}", "{{ label_url }}")),
    # "Reminder: {{1}} on {{2}} at {{3}}. Please confirm." [Confirm] [Reschedule] [Cancel]
    "appointment_reminder": ApprovedTemplate(
        "appointment_reminder", ("{{ service }}", "{{ appointment_at|datetime }}", "{{ location }}"),
        quick_replies=("appointment:{reference}:confirm", "appointment:{reference}:reschedule",
                       "appointment:{reference}:cancel")),
    # An authentication template: "{{1}} is your verification code."
    "verification_code": ApprovedTemplate("verification_code", ("{{ code }}",)),
}


@dataclass(frozen=True)
class PreparedWhatsApp:
    to: str
    message: dict[str, Any]
    form: str  # template or text
    language: str
    template: str | None


def client() -> Any:
    """The End User Messaging Social client sends use (tests stub this one)."""
    return aws.client("socialmessaging", attempts=SEND_ATTEMPTS, read_timeout=SEND_READ_TIMEOUT_S)


@cache
def _expression(source: str) -> Any:
    from chalicelib.notify.render import environment

    return environment(False).from_string(source)


def has_text(message_type: str, language: str) -> bool:
    return (TEMPLATE_DIR / CHANNEL / language / f"{message_type}.j2").is_file()


def in_service_window(last_inbound_at: datetime | None, now: datetime | None = None) -> bool:
    """Whether free-form messages may be sent: the customer wrote within 24 hours."""
    return last_inbound_at is not None and (now or utcnow()) - last_inbound_at < SERVICE_WINDOW


class WhatsAppSender(ProviderSender):
    """Builds and sends WhatsApp messages for the Notifier."""

    channel = CHANNEL

    def provider_client(self) -> Any:
        return client()

    def address_of(self, customer: Any) -> str | None:
        numbers = sorted(k.partition("#")[2] for k in (customer.identities or ()) if k.startswith("wa#"))
        return numbers[0] if numbers else None

    def prepare(self, message: Outgoing) -> PreparedWhatsApp:
        recipient = message.recipient
        to, locale = phone_recipient(message, self.settings.default_phone_region, channel="WhatsApp",
                                     origin=self.settings.whatsapp_phone_number_id,
                                     origin_setting="WHATSAPP_PHONE_NUMBER_ID")
        context = plain_context(message.variables, locale, recipient.time_zone, recipient.first_name,
                           self.settings.brand_name)
        kind = message.kind.name
        if kind in TEMPLATES:
            body = self._template(TEMPLATES[kind], message.variables, context, locale.language)
            return PreparedWhatsApp(to, {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
                                         "type": "template", "template": body},
                                    "template", locale.language, TEMPLATES[kind].name)
        if locale.language not in LANGUAGES or not has_text(kind, locale.language):
            raise Rejected(f"there is no WhatsApp message {kind} in {locale.language}", code="UNKNOWN_TEMPLATE")
        if not in_service_window(recipient.whatsapp_last_inbound_at):
            raise Rejected("free-form WhatsApp messages may only be sent within 24 hours of the customer's last "
                           "message; send an approved template instead", code="OUTSIDE_SERVICE_WINDOW")
        text = self._text(kind, locale.language, context)
        return PreparedWhatsApp(to, {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to,
                                     "type": "text", "text": {"preview_url": False, "body": text}},
                                "text", locale.language, None)

    @staticmethod
    def _render(source: Any, context: dict[str, Any], what: str) -> str:
        import jinja2

        try:
            return source.render(context).strip()
        except jinja2.TemplateError as e:
            raise Rejected(f"{what} could not be rendered: {e}", code="RENDER_FAILED") from None

    def _template(self, spec: ApprovedTemplate, variables: dict[str, Any], context: dict[str, Any],
                  language: str) -> dict[str, Any]:
        parameters = []
        for position, source in enumerate(spec.body, start=1):
            text = self._render(_expression(source), context, f"{spec.name} parameter {position}")
            if not text or len(text) > MAX_PARAMETER or "\n" in text:
                raise Rejected(f"{spec.name} parameter {position} must be one line of 1-{MAX_PARAMETER} characters",
                               code="INVALID_VARIABLES")
            parameters.append({"type": "text", "text": text})
        components: list[dict[str, Any]] = [{"type": "body", "parameters": parameters}]
        for index, payload in enumerate(spec.quick_replies):
            components.append({"type": "button", "sub_type": "quick_reply", "index": str(index),
                               "parameters": [{"type": "payload", "payload": payload.format(**variables)}]})
        return {"name": spec.name, "language": {"code": TEMPLATE_LANGUAGES[language]}, "components": components}

    def _text(self, kind: str, language: str, context: dict[str, Any]) -> str:
        from chalicelib.notify.render import environment

        source = environment(False).get_template(f"{CHANNEL}/{language}/{kind}.j2")
        text = " ".join(self._render(source, context, kind).split())
        if not text or len(text) > MAX_TEXT:
            raise Rejected(f"{kind} rendered {len(text)} characters; WhatsApp takes 1-{MAX_TEXT}",
                           code="RENDER_FAILED")
        return text

    def describe(self, prepared: PreparedWhatsApp) -> dict[str, Any]:
        return {"locale": prepared.language, "form": prepared.form, "template": prepared.template}

    def deliver(self, prepared: PreparedWhatsApp) -> str:
        body = json.dumps(prepared.message, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        with handing_over("WhatsApp", "End User Messaging Social", _PERMANENT, refused_by="WhatsApp"):
            answer = self.client.send_whatsapp_message(
                originationPhoneNumberId=self.settings.whatsapp_phone_number_id, message=body,
                metaApiVersion=self.settings.whatsapp_meta_api_version)
        return str(answer["messageId"])
