"""Where a customer's return stands: the contact-flow function `return_status` and
the reads it makes (a return by id, a customer's latest open return).

It reads returns through the cases table's own queries and loads nothing that opens
a return, books a pickup, schedules a follow-up or sends a message, so its role may
read those tables and note the check on the customer's timeline, nothing more; the
journey itself is `returns.Returns`.

Parameters: `returnId`, else `orderNumber` (keys pressed or text typed), else the
caller's open return; `customerId` (from the flow's lookup; else the caller's address);
`language` (the language the flow speaks, for spoken dates). NO_RETURN when there is
no return to report on (or it is someone else's), INVALID_ORDER_NUMBER, UNKNOWN_CUSTOMER.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from chalicelib.connect.flow import Deadline, FlowRequest, FlowResponse, flow_function
from chalicelib.verification.assurance import requires

KIND = "return"
STATUS_KEYS = ("returnId", "orderNumber", "returnStatus", "awbNumber", "awbSpoken", "carrier", "pickupDate")


def return_id(key: str) -> str:
    """One return per order: the return's id is the order's (normalised) number."""
    return f"R-{key}"


def named_return(case_id: object) -> Any:
    """The live return with this id, or None."""
    from chalicelib.cases.models import live_case

    case = live_case(case_id) if isinstance(case_id, str) and case_id.startswith("R-") else None
    return case if case is not None and case.kind == KIND else None


def latest_return(customer: Any) -> Any:
    """The customer's return to talk about: the open case if it is a return, else
    their most recent open return; None when there is none."""
    from chalicelib.cases.models import open_cases_of

    if customer.open_case_id and customer.open_case_id.startswith("R-"):
        case = named_return(customer.open_case_id)
        if case is not None:
            return case
    returns = [c for c in open_cases_of(customer.customer_id) if c.kind == KIND]
    return returns[0] if returns else None


def spoken_facts(case: Any, language: str) -> dict[str, str]:
    """What a flow says about a return: its AWB number spelled out, the pickup day."""
    from chalicelib.journeys.speech import spelled, spoken_date

    details = case.details or {}
    awb = details.get("awbNumber") or ""
    pickup = details.get("pickupOn")
    return {"returnId": case.case_id, "orderNumber": details.get("orderNumber", ""), "awbNumber": awb,
            "awbSpoken": spelled(awb) if awb else "", "carrier": details.get("carrier", ""),
            "pickupDate": spoken_date(date.fromisoformat(pickup), language) if pickup else ""}


@requires("return_status")
@flow_function(keys=STATUS_KEYS)
def return_status(request: FlowRequest, deadline: Deadline) -> FlowResponse:
    """Where is my return? The one named (`returnId`, or `orderNumber`), else the
    caller's open return."""
    from chalicelib.errors import InvalidInput
    from chalicelib.interactions import activity
    from chalicelib.journeys.callers import caller
    from chalicelib.retail.models import order_key
    from chalicelib.settings import get_settings

    settings = get_settings()
    customer = caller(request, settings)
    if customer is None:
        return FlowResponse.not_found("UNKNOWN_CUSTOMER")
    named = request.value("returnId")
    if not named and request.value("orderNumber"):
        try:
            named = return_id(order_key(request.value("orderNumber")))
        except InvalidInput:
            return FlowResponse.not_found("INVALID_ORDER_NUMBER")
    case = named_return(named) if named else latest_return(customer)
    # Someone else's return reads as no return at all.
    if case is None or case.customer_id != customer.customer_id:
        return FlowResponse.not_found("NO_RETURN")
    activity.note_quietly(customer.customer_id, channel=request.channel or "VOICE", kind="return_status_checked",
                          reference=f"{case.case_id}@{request.contact_id or 'unknown-contact'}",
                          detail={"status": case.status, "contactId": request.contact_id})
    language = request.value("language") or customer.preferred_language
    return FlowResponse.ok(returnStatus=case.status, **spoken_facts(case, language))
