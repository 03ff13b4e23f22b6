"""SMS through AWS End User Messaging SMS (`pinpoint-sms-voice-v2` SendTextMessage),
for the Notifier: the same outbox (sent once), consent (`sms` channel) and
suppression as e-mail and WhatsApp.

Texts are rendered from chalicelib/templates/sms/<language>/<message type>.j2 in
the customer's language and time zone, on one line, then written in GSM-7 where
the language allows (notify/sms_text.py: ș -> s, ő -> o, ...) and counted in
parts. A text longer than SMS_MAX_SEGMENTS parts is refused (TOO_LONG), nothing
sent: a message cut short by a carrier is worse than none.

Messages go from SMS_ORIGINATION_IDENTITY (a phone number, pool, or sender ID, by
id or ARN) through SMS_CONFIGURATION_SET (whose event destination publishes the
delivery events on_sms_event reads). Without an origination identity SMS is off:
every SMS is refused NOT_CONFIGURED.

Sending a one-time code or any message to a number the caller chose:

    from chalicelib.notify.sms import SmsSender
    outcome = SmsSender(settings).send(
        "+40722123456", "verification_code", {"code": "482913", "valid_minutes": 5},
        reference=f"verification:{contact_id}:1", language="ro", customer_id=customer_id)
    outcome.sent, outcome.status, outcome.error_code, outcome.duplicate
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import Any

from chalicelib import aws
from chalicelib.errors import InvalidInput
from chalicelib.notify.messages import MARKETING
from chalicelib.notify.outbox import Outcome
from chalicelib.notify.render import LANGUAGES, TEMPLATES, plain_context
from chalicelib.notify.senders import Outgoing, ProviderSender, Rejected, handing_over, phone_recipient
from chalicelib.notify.sms_text import Measure, measure, to_gsm

CHANNEL = "sms"
# One attempt, like e-mail and WhatsApp: a send that timed out may have gone out.
SEND_ATTEMPTS = 1
SEND_READ_TIMEOUT_S = 5.0
# Provider answers that mean this message will never go out as it is.
_PERMANENT = {"ValidationException", "AccessDeniedException", "ResourceNotFoundException", "ConflictException"}


@dataclass(frozen=True)
class PreparedSms:
    to: str
    body: str
    message_type: str  # TRANSACTIONAL or PROMOTIONAL, as End User Messaging SMS names them
    language: str
    size: Measure


def client() -> Any:
    """The End User Messaging SMS client sends use (tests stub this one)."""
    return aws.client("pinpoint-sms-voice-v2", attempts=SEND_ATTEMPTS, read_timeout=SEND_READ_TIMEOUT_S)


def has_text(message_type: str, language: str) -> bool:
    return (TEMPLATES / CHANNEL / language / f"{message_type}.j2").is_file()


def _mobile_first(number: str) -> tuple[int, str]:
    import phonenumbers

    try:
        kind = phonenumbers.number_type(phonenumbers.parse(number))
    except phonenumbers.NumberParseException:
        return 2, number
    mobile = kind in (phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE)
    return (0 if mobile else 1), number


class SmsSender(ProviderSender):
    """Builds and sends SMS for the Notifier; `send` for a number the caller chose."""

    channel = CHANNEL

    def provider_client(self) -> Any:
        return client()

    # ---- the public API ------------------------------------------------------

    def send(self, to: str, message_type: str, variables: dict[str, Any] | None, *, reference: str,
             language: str | None = None, customer_id: str | None = None) -> Outcome:
        """Send `message_type` to the number `to`, once per `reference` (the outbox key
        is `sms#<message type>#<reference>`: a retry with the same reference returns
        the first outcome, `duplicate=True`, and sends nothing). With `customer_id`
        the customer's SMS consent and time zone apply; `language` (en, ro, it, hu)
        overrides the customer's. Never raises for the message itself: a refusal is
        an Outcome with status `failed` or `suppressed` and an error_code (TOO_LONG,
        INVALID_ADDRESS, OPTED_OUT, NOT_CONFIGURED, ...). Raises DependencyFailure
        when AWS failed and nothing was sent (retry with the same reference), and
        Conflict (IN_FLIGHT) while another attempt is sending the same reference."""
        from chalicelib.notify.service import Notifier
        from chalicelib.profiles.identity import normalize_phone

        # The suppression list knows numbers in E.164; a number that is none is
        # refused as INVALID_ADDRESS, recorded under the reference.
        with contextlib.suppress(InvalidInput):
            to = normalize_phone(to, self.settings.default_phone_region)
        return Notifier(self.settings, {CHANNEL: self}).send_to_address(
            to, message_type, variables, reference, channel=CHANNEL, language=language, customer_id=customer_id)

    # ---- the Sender protocol -------------------------------------------------

    def address_of(self, customer: Any) -> str | None:
        """The customer's mobile number (a landline only when there is no mobile)."""
        numbers = [k.partition("#")[2] for k in (customer.identities or ()) if k.startswith("phone#")]
        return min(numbers, key=_mobile_first) if numbers else None

    def prepare(self, message: Outgoing) -> PreparedSms:
        recipient = message.recipient
        to, locale = phone_recipient(message, self.settings.default_phone_region, channel="SMS",
                                     origin=self.settings.sms_origination_identity,
                                     origin_setting="SMS_ORIGINATION_IDENTITY")
        kind = message.kind.name
        if locale.language not in LANGUAGES or not has_text(kind, locale.language):
            raise Rejected(f"there is no SMS text {kind} in {locale.language}", code="UNKNOWN_TEMPLATE")
        context = plain_context(message.variables, locale, recipient.time_zone, recipient.first_name,
                                self.settings.brand_name)
        context["support_phone"] = self.settings.support_phone
        body = to_gsm(self._text(kind, locale.language, context))
        size = measure(body)
        limit = self.settings.sms_max_segments
        if size.segments > limit:
            raise Rejected(f"{kind} ({locale.language}) is {size.units} {size.encoding} characters, "
                           f"{size.segments} SMS parts; SMS_MAX_SEGMENTS allows {limit}", code="TOO_LONG")
        kind_of_traffic = "PROMOTIONAL" if message.kind.purpose == MARKETING else "TRANSACTIONAL"
        return PreparedSms(to, body, kind_of_traffic, locale.language, size)

    @staticmethod
    def _text(kind: str, language: str, context: dict[str, Any]) -> str:
        import jinja2

        from chalicelib.notify.render import environment

        try:
            text = environment(False).get_template(f"{CHANNEL}/{language}/{kind}.j2").render(context)
        except jinja2.TemplateError as e:
            raise Rejected(f"{kind} could not be rendered: {e}", code="RENDER_FAILED") from None
        text = " ".join(text.split())
        if not text:
            raise Rejected(f"{kind} rendered no text", code="RENDER_FAILED")
        return text

    def describe(self, prepared: PreparedSms) -> dict[str, Any]:
        return {"locale": prepared.language, "encoding": prepared.size.encoding,
                "segments": prepared.size.segments, "characters": prepared.size.units}

    def deliver(self, prepared: PreparedSms) -> str:
        request: dict[str, Any] = {
            "DestinationPhoneNumber": prepared.to, "OriginationIdentity": self.settings.sms_origination_identity,
            "MessageBody": prepared.body, "MessageType": prepared.message_type}
        if self.settings.sms_configuration_set:
            request["ConfigurationSetName"] = self.settings.sms_configuration_set
        # End User Messaging SMS refuses a number on its opt-out list as a permanent
        # error too, with the Reason quoted.
        with handing_over("SMS", "End User Messaging SMS", _PERMANENT, with_reason=True):
            answer = self.client.send_text_message(**request)
        return str(answer["MessageId"])
