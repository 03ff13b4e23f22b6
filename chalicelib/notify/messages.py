"""The messages the contact center sends, whatever the channel: what each one needs
to be written, and why it is sent (its consent purpose).

Variables are checked here, before any template sees them: a missing one, a typo'd
name, a date without a time zone or a link that is not https is a clear error for
the caller, never a hole or a wrong time in a customer's message. Each type carries
a sample, which documents the variables and feeds the preview and the tests.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from chalicelib.errors import InvalidInput

TRANSACTIONAL = "transactional"
SURVEYS = "surveys"
MARKETING = "marketing"

CUSTOMER = "customer"
STAFF = "staff"

CHANNEL_NAMES = ("voice", "chat", "email", "whatsapp", "sms")
# The channels messages are written for (a template per language on each).
SENT_ON = ("email", "whatsapp", "sms")
CASE_STATUSES = ("open", "in_progress", "waiting_for_customer", "resolved", "closed")
# What became of an appointment after the patient answered a reminder.
APPOINTMENT_UPDATES = ("confirmed", "cancelled", "reschedule_requested")
ALERT_KINDS = ("detractor", "low_csat", "high_effort", "repeat_contact", "complaint", "sla_breach",
               "verification_locked")
METRICS = ("nps", "csat", "ces")

_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,63}\Z")
_URL = re.compile(r"^(https://[^\s/?#]+|http://(127\.0\.0\.1|localhost)(:\d+)?)([/?#][^\s]*)?\Z")
_CURRENCY = re.compile(r"^[A-Z]{3}\Z")


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Var:
    kind: str
    required: bool = True
    choices: tuple[str, ...] = ()


@dataclass(frozen=True)
class MessageType:
    name: str
    purpose: str
    audience: str
    variables: dict[str, Var]
    sample: dict[str, Any] = field(default_factory=dict)
    # Where it may be sent: a one-time code or an answer to HELP is an SMS only.
    channels: tuple[str, ...] = SENT_ON


def _optional(kind: str, choices: tuple[str, ...] = ()) -> Var:
    return Var(kind, required=False, choices=choices)


_APPOINTMENT = {
    "reference": Var("code"),
    "appointment_at": Var("datetime"),
    "service": Var("text"),
    "practitioner": _optional("text"),
    "location": Var("text"),
    "address": Var("text"),
}
_APPOINTMENT_SAMPLE = {
    "reference": "APT-20931",
    "appointment_at": "2026-03-12T12:30:00Z",
    "service": "Cardiology consultation",
    "practitioner": "Dr. Elena Ionescu",
    "location": "Lumen Clinic Victoriei",
    "address": "Calea Victoriei 155, București",
}

TYPES: dict[str, MessageType] = {m.name: m for m in (
    MessageType(
        "contact_summary", TRANSACTIONAL, CUSTOMER,
        {"contact_at": Var("datetime"), "channel": Var("choice", choices=CHANNEL_NAMES),
         "agent_name": _optional("text"), "done": Var("list"), "case_number": _optional("code"),
         "next_step": _optional("long_text"), "next_step_by": _optional("date")},
        {"contact_at": "2026-03-02T08:15:00Z", "channel": "voice", "agent_name": "Mihai",
         "done": ["Checked the delivery of order 100-4821", "Asked the courier to deliver again"],
         "case_number": "CASE-1042", "next_step": "The courier will call you before delivering.",
         "next_step_by": "2026-03-04"},
    ),
    MessageType(
        "case_opened", TRANSACTIONAL, CUSTOMER,
        {"case_number": Var("code"), "title": Var("text"), "opened_at": Var("datetime"),
         "next_step": _optional("long_text"), "expected_by": _optional("date")},
        {"case_number": "CASE-1042", "title": "Order 100-4821 not delivered", "opened_at": "2026-03-02T08:20:00Z",
         "next_step": "We are checking with the courier.", "expected_by": "2026-03-05"},
    ),
    MessageType(
        "case_updated", TRANSACTIONAL, CUSTOMER,
        {"case_number": Var("code"), "title": Var("text"), "status": Var("choice", choices=CASE_STATUSES),
         "update": Var("long_text"), "updated_at": Var("datetime")},
        {"case_number": "CASE-1042", "title": "Order 100-4821 not delivered", "status": "resolved",
         "update": "The parcel was delivered on 3 March.", "updated_at": "2026-03-03T15:45:00Z"},
    ),
    MessageType(
        "survey_invitation", SURVEYS, CUSTOMER,
        {"survey_url": Var("url"), "contact_at": Var("datetime"), "channel": Var("choice", choices=CHANNEL_NAMES),
         "expires_on": _optional("date")},
        {"survey_url": "https://care.lumen.example/s/sample-token", "contact_at": "2026-03-02T08:15:00Z",
         "channel": "voice", "expires_on": "2026-03-09"},
    ),
    MessageType(
        "return_label", TRANSACTIONAL, CUSTOMER,
        {"order_number": Var("code"), "awb_number": Var("code"), "carrier": Var("text"), "label_url": Var("url"),
         "pickup_on": _optional("date"), "return_by": _optional("date"), "refund": _optional("money")},
        {"order_number": "100-4821", "awb_number": "FAN-7781-2290-RO", "carrier": "FAN Courier",
         "label_url": "https://care.lumen.example/labels/FAN-7781-2290-RO.pdf", "pickup_on": "2026-03-04",
         "return_by": "2026-03-16", "refund": {"amount": "1249.90", "currency": "RON"}},
    ),
    MessageType(
        "appointment_confirmation", TRANSACTIONAL, CUSTOMER,
        {**_APPOINTMENT, "instructions": _optional("list")},
        {**_APPOINTMENT_SAMPLE, "instructions": ["Bring your ID card and previous test results",
                                                 "Arrive 15 minutes early"]},
    ),
    MessageType(
        "previsit_instructions", TRANSACTIONAL, CUSTOMER,
        {**_APPOINTMENT, "instructions": Var("list"), "arrive_minutes_early": _optional("int")},
        {**_APPOINTMENT_SAMPLE, "instructions": ["Do not eat for 8 hours before the visit",
                                                 "Bring your ID card and previous test results"],
         "arrive_minutes_early": 15},
    ),
    MessageType(
        "appointment_reminder", TRANSACTIONAL, CUSTOMER,
        dict(_APPOINTMENT), dict(_APPOINTMENT_SAMPLE),
    ),
    MessageType(
        "appointment_update", TRANSACTIONAL, CUSTOMER,
        {"reference": Var("code"), "appointment_at": Var("datetime"), "service": Var("text"),
         "location": _optional("text"), "update": Var("choice", choices=APPOINTMENT_UPDATES)},
        {"reference": "APT-20931", "appointment_at": "2026-03-12T12:30:00Z", "service": "Cardiology consultation",
         "location": "Lumen Clinic Victoriei", "update": "confirmed"},
    ),
    MessageType(
        "kb_answer", TRANSACTIONAL, CUSTOMER,
        {"title": Var("text"), "answer": Var("long_text")},
        {"title": "Returns: how to send a product back",
         "answer": "You can return most products within 30 days. Ask for a return in your account or from us, "
                   "and the courier collects the parcel with the AWB label we send you."},
    ),
    MessageType(
        "supervisor_alert", TRANSACTIONAL, STAFF,
        {"alert": Var("choice", choices=ALERT_KINDS), "customer_id": Var("code"), "contact_id": _optional("code"),
         "metric": _optional("choice", METRICS), "score": _optional("int"), "comment": _optional("long_text"),
         "queue": _optional("text"), "agent_name": _optional("text"), "contact_at": _optional("datetime"),
         "task_url": _optional("url"), "case_number": _optional("code"), "due_at": _optional("datetime")},
        {"alert": "detractor", "customer_id": "c0ffee42", "contact_id": "4a573372-1f28-4e26-b97b-6a2c4b3e1f01",
         "metric": "nps", "score": 3, "comment": "I had to call three times about the same parcel.",
         "queue": "Returns", "agent_name": "Mihai", "contact_at": "2026-03-02T08:15:00Z",
         "task_url": "https://lumen.my.connect.aws/tasks/1b2c"},
    ),
    MessageType(
        # A one-time code: only ever sent to an address already on the profile.
        "verification_code", TRANSACTIONAL, CUSTOMER,
        {"code": Var("code"), "valid_minutes": Var("int")},
        {"code": "482913", "valid_minutes": 5},
    ),
    MessageType(
        # The answer to HELP (AJUTOR, AIUTO, SEGÍTSÉG) written to our SMS number.
        "sms_help", TRANSACTIONAL, CUSTOMER, {}, {}, channels=("sms",),
    ),
)}


def on_channel(channel: str) -> list[MessageType]:
    """The message types written for `channel`, by name."""
    return [TYPES[name] for name in sorted(TYPES) if channel in TYPES[name].channels]


def message_type(name: object) -> MessageType:
    if not isinstance(name, str) or name not in TYPES:
        raise InvalidInput(f"unknown message type {str(name)[:64]!r}; known: {', '.join(sorted(TYPES))}",
                           code="UNKNOWN_TEMPLATE")
    return TYPES[name]


# ---- checking variables ------------------------------------------------------

def _text(name: str, raw: object, limit: int, multiline: bool) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise InvalidInput(f"{name} must be a non-empty string")
    value = raw.strip()
    if len(value) > limit:
        raise InvalidInput(f"{name} must be at most {limit} characters")
    if _CONTROL.search(value) or (not multiline and ("\n" in value or "\r" in value)):
        raise InvalidInput(f"{name} must be {'text' if multiline else 'one line of text'} without control characters")
    return value.replace("\r\n", "\n")


def _datetime(name: str, raw: object) -> datetime:
    value = raw
    if isinstance(raw, str):
        try:
            value = datetime.fromisoformat(raw.replace("Z", "+00:00"))
        except ValueError:
            value = None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise InvalidInput(f"{name} must be an ISO 8601 date-time with a time zone, like 2026-03-12T12:30:00Z")
    return value.astimezone(UTC)


def _date(name: str, raw: object) -> date:
    if isinstance(raw, date) and not isinstance(raw, datetime):
        return raw
    if isinstance(raw, str) and len(raw) == 10:
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    raise InvalidInput(f"{name} must be a date like 2026-03-12")


def _money(name: str, raw: object) -> Money:
    if isinstance(raw, Money):
        return raw
    if not isinstance(raw, dict) or set(raw) != {"amount", "currency"}:
        raise InvalidInput(f'{name} must be {{"amount": "129.90", "currency": "RON"}}')
    amount, currency = raw["amount"], raw["currency"]
    try:
        value = Decimal(str(amount)) if isinstance(amount, str | int) and not isinstance(amount, bool) else None
    except InvalidOperation:
        value = None
    if value is None or not value.is_finite() or abs(value) >= Decimal(10) ** 9:
        raise InvalidInput(f"{name}.amount must be a decimal number given as a string, like \"129.90\"")
    if not isinstance(currency, str) or not _CURRENCY.match(currency):
        raise InvalidInput(f"{name}.currency must be an ISO 4217 code such as RON, EUR, HUF, GBP")
    return Money(value, currency)


def _one(name: str, spec: Var, raw: object) -> Any:
    kind = spec.kind
    if kind == "text":
        return _text(name, raw, 200, multiline=False)
    if kind == "long_text":
        return _text(name, raw, 2000, multiline=True)
    if kind == "code":
        if not isinstance(raw, str) or not _CODE.match(raw):
            raise InvalidInput(f"{name} must be 1-64 letters, digits or . _ / -")
        return raw
    if kind == "url":
        if not isinstance(raw, str) or len(raw) > 2000 or not _URL.match(raw):
            raise InvalidInput(f"{name} must be an https:// link")
        return raw
    if kind == "datetime":
        return _datetime(name, raw)
    if kind == "date":
        return _date(name, raw)
    if kind == "money":
        return _money(name, raw)
    if kind == "int":
        if not isinstance(raw, int) or isinstance(raw, bool) or not 0 <= raw <= 100_000:
            raise InvalidInput(f"{name} must be a whole number from 0 to 100000")
        return raw
    if kind == "choice":
        value = raw.lower() if isinstance(raw, str) else raw
        if value not in spec.choices:
            raise InvalidInput(f"{name} must be one of {', '.join(spec.choices)}")
        return value
    if kind == "list":
        if not isinstance(raw, list | tuple) or not 1 <= len(raw) <= 20:
            raise InvalidInput(f"{name} must be a list of 1 to 20 lines")
        return [_text(f"{name}[{i}]", item, 300, multiline=False) for i, item in enumerate(raw)]
    raise ValueError(f"unknown variable kind {kind}")


def check_variables(kind: MessageType, variables: object) -> dict[str, Any]:
    """The variables, checked and typed (datetimes aware in UTC, dates, Money); every
    optional variable not given is None, so templates can test for it."""
    if variables is None:
        variables = {}
    if not isinstance(variables, dict):
        raise InvalidInput("variables must be an object", code="INVALID_VARIABLES")
    unknown = sorted(set(variables) - set(kind.variables))
    if unknown:
        raise InvalidInput(f"{kind.name} does not take {', '.join(map(str, unknown))}; it takes "
                           f"{', '.join(kind.variables)}", code="INVALID_VARIABLES")
    checked: dict[str, Any] = {}
    for name, spec in kind.variables.items():
        raw = variables.get(name)
        if raw is None or raw == "":
            if spec.required:
                raise InvalidInput(f"{kind.name} needs {name}", code="INVALID_VARIABLES")
            checked[name] = None
            continue
        try:
            checked[name] = _one(name, spec, raw)
        except InvalidInput as e:
            raise InvalidInput(e.message, code="INVALID_VARIABLES") from None
    return checked
