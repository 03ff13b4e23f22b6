"""`predict_reason`: the contact-flow function that names why the customer is
contacting us, and the queue that reason routes to.

Block parameters (all optional):

- `text`: what the customer said or typed: a Lex fallback transcript, the first chat
  or WhatsApp message, an e-mail's subject and body (an EMAIL contact without it is
  read from its subject, the contact's name, and the start of its plain-text body,
  masked: chalicelib/reasons/email.py);
- `language`: BCP 47; else the profile's (`preferredLanguage`), else guessed from the text;
- `menuChoice`: the keypad or menu choice the flow already has;
- `customerId`, `preferredLanguage`, `lastContactReason`, `daysSinceLastContact`: what
  `lookup_customer` answered (also read from the contact attributes).

Answer keys, always present: `status`, `reason`, `confidence` (`0.00`-`1.00`),
`alternativeReason`, `because`, `queue`, `selfService` (`true`/`false`), `language`,
and for the flow's prompts `label` (the reason in the caller's language), `reference`
(what history named, such as a return id) and `hasReference`; `askOpenQuestion` is
`true` when no text was given and the language is one the flows ask through Amazon
Lex (REASON_LEX_LANGUAGES).
Below the confidence threshold (REASON_CONFIDENCE_PERCENT) `reason` is `other`,
`alternativeReason` the best guess, and the flow falls back to its menu. The text
itself is never logged or returned; for a known customer's contact it is kept masked,
with the prediction, for REASON_TEXT_RETENTION_DAYS (chalicelib/reasons/texts.py), so
that `make reasons-export` can turn the agents' wrap-up reasons into training examples.
The write runs beside the answer and never delays it past the budget nor fails it.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import Future

from chalicelib.connect.flow import Deadline, FlowRequest, FlowResponse, Workers, flow_function
from chalicelib.reasons import catalogue as cat
from chalicelib.reasons import history
from chalicelib.reasons.predict import Evidence, predict, recent, resolve_language

KEYS = ("reason", "confidence", "alternativeReason", "because", "queue", "selfService", "language",
        "label", "reference", "hasReference", "askOpenQuestion")
# Keeping the text is one PutItem beside the answer: a write stuck behind a DynamoDB
# stall never holds up the next caller's, and the answer leaves this much before the
# budget ends whatever the write is doing.
_side = Workers(8)
KEEP_MARGIN_MS = 100


def _history(request: FlowRequest, deadline: Deadline) -> list[Evidence]:
    from datetime import UTC, datetime

    evidence: list[Evidence] = []
    last = cat.load().normalise(request.value("lastContactReason"))
    days = request.value("daysSinceLastContact")
    if last and days.isdigit() and int(days) <= 90:
        evidence.append(recent(last, int(days)))
    customer_id = request.value("customerId")
    if customer_id and len(customer_id) <= 128 and history.sources():
        found, _missed = history.gather(customer_id, datetime.now(UTC), deadline.remaining_ms)
        evidence.extend(found)
    return evidence


def _settings() -> tuple[float, tuple[str, ...]]:
    """The confidence threshold and the languages asked through Lex."""
    try:
        from chalicelib.settings import get_settings

        settings = get_settings()
        lex = tuple(code.strip() for code in settings.reason_lex_languages.split(",") if code.strip())
        return settings.reason_confidence_percent / 100, lex
    except Exception:  # a broken setting is reported by the settings' own check
        return 0.5, ()


@flow_function(keys=KEYS)
def predict_reason(request: FlowRequest, deadline: Deadline) -> FlowResponse:
    text = request.parameters.get("text", "")
    if not text.strip() and request.channel == "EMAIL":
        # What the customer wrote about: the subject (the contact's name) and the body.
        from chalicelib.reasons.email import email_text

        text = email_text(request, deadline.remaining_ms)
    language = resolve_language(request.parameters.get("language", ""), request.value("preferredLanguage"), text)
    threshold, lex_languages = _settings()
    prediction = predict(text, language, menu_choice=request.parameters.get("menuChoice", ""),
                         history=_history(request, deadline), threshold=threshold)
    reason = prediction.route()
    keeping = _keep_meanwhile(request, text, language, reason.id, prediction.confidence)
    response = FlowResponse.ok(
        reason=reason.id, confidence=f"{prediction.confidence:.2f}", alternativeReason=prediction.alternative,
        because=prediction.because, queue=reason.queue(language),
        selfService="true" if reason.self_service else "false", language=language,
        label=reason.label(language), reference=prediction.reference,
        hasReference="true" if prediction.reference else "false",
        askOpenQuestion="true" if language in lex_languages and not text.strip() else "false")
    if keeping is not None:
        # The caller's answer matters more than the training example: never wait past the budget.
        with contextlib.suppress(TimeoutError):
            keeping.result(timeout=max(0, deadline.remaining_ms() - KEEP_MARGIN_MS) / 1000)
    return response


def _keep_meanwhile(request: FlowRequest, text: str, language: str, reason: str, confidence: float) -> Future | None:
    """Start keeping what the customer said (a known customer's contact only)."""
    customer_id = request.value("customerId")
    contact_id = request.initial_contact_id or request.contact_id
    if not text.strip() or not customer_id or not contact_id:
        return None
    return _side.submit(_keep, contact_id, customer_id, request.channel, text, language, reason, confidence)


def _keep(contact_id: str, customer_id: str, channel: str, text: str, language: str, reason: str,
          confidence: float) -> None:
    # Losing one training example costs nothing the caller notices: log (without the
    # text) and go on.
    try:
        from chalicelib.reasons.texts import keep

        keep(contact_id, customer_id, channel, text, language, reason, confidence)
    except Exception as e:
        with contextlib.suppress(Exception):
            from chalicelib.observability import get_logger

            get_logger().warning("could not keep what the customer said", extra={"problem": type(e).__name__})
