"""Quick responses: short agent replies per contact reason and language, with the
customer's first name, order and appointment filled in, for chat and WhatsApp.

The words live in `chalicelib/templates/quick/<language>.j2`, one macro per response,
rendered through the same Jinja2 setup as every customer message
(chalicelib/notify/render.py: StrictUndefined, so a reply that asks for something it
was not given fails in the tests; dates in the customer's locale and time zone). Chat
and WhatsApp are plain text, so they take the text environment, where escaping would
show `&amp;` to the customer; the agent panel escapes them when it puts them in a page.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from chalicelib.knowledge.reasons import reason_ids
from chalicelib.knowledge.text import LANGUAGES


@dataclass(frozen=True)
class QuickResponse:
    id: str
    reasons: tuple[str, ...]
    # What the reply cannot be written without: offered only when the customer has it.
    needs: tuple[str, ...] = ()


EVERY_REASON = reason_ids()

RESPONSES = (
    QuickResponse("hello", EVERY_REASON),
    QuickResponse("billing_double_charge", ("billing",)),
    QuickResponse("delivery_where", ("delivery",), needs=("order",)),
    QuickResponse("return_label", ("return",), needs=("order",)),
    QuickResponse("appointment_details", ("appointment", "cancellation"), needs=("appointment",)),
    QuickResponse("appointment_prepare", ("appointment",)),
    QuickResponse("cancellation_confirm", ("cancellation",)),
    QuickResponse("password_reset", ("account", "technical")),
    QuickResponse("complaint_acknowledge", ("complaint",)),
    QuickResponse("sales_follow_up", ("sales",)),
    QuickResponse("data_request", ("account", "other")),
    QuickResponse("closing", EVERY_REASON),
)


@dataclass(frozen=True)
class Customer:
    """What a reply may say about the customer: nothing more is given to templates."""

    first_name: str | None = None
    order: dict[str, Any] | None = None  # {"number": "100-4821", "awb": "LC123..." or None}
    appointment: dict[str, Any] | None = None  # {"at": datetime, "service": "Blood test"}
    time_zone: str = "Europe/Bucharest"
    locale: str | None = None  # Babel locale for dates: ro_RO, hu_HU ...


def _zone(name: str) -> Any:
    from datetime import UTC
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        return UTC


def for_reason(reason: str) -> list[QuickResponse]:
    return [r for r in RESPONSES if reason in r.reasons]


def render(response: QuickResponse, language: str, customer: Customer) -> str:
    """One reply as plain text, in `language`."""
    from chalicelib.notify import render as messages

    if language not in LANGUAGES:
        raise ValueError(f"no quick responses in {language!r}")
    env = messages.environment(False)
    context = {
        "first_name": customer.first_name, "order": customer.order, "appointment": customer.appointment,
        "_zone": _zone(customer.time_zone),
        "_format_locale": customer.locale or language,
    }
    module = env.get_template(f"quick/{language}.j2").make_module(context)
    return " ".join(str(getattr(module, response.id)()).split())


def offered(reason: str, language: str, customer: Customer) -> list[dict[str, str]]:
    """The replies an agent may send for a reason, written out for this customer;
    those that need what the customer does not have (an order, an appointment) are left out."""
    replies = []
    for response in for_reason(reason):
        if any(getattr(customer, need) is None for need in response.needs):
            continue
        replies.append({"id": response.id, "text": render(response, language, customer)})
    return replies


def check_all() -> None:
    """Render every reply in every language with every variable present: a template
    fault fails here (tests, packaging), not in front of an agent."""
    sample = Customer(first_name="Ana", order={"number": "100-4821", "awb": "LC000123"},
                      appointment={"at": datetime(2026, 3, 12, 9, 30).astimezone(), "service": "Blood test"})
    for language in LANGUAGES:
        for response in RESPONSES:
            render(response, language, sample)
            if not response.needs:
                render(response, language, Customer())
