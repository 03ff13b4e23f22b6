"""Contact-flow functions of the return journey: `start_return` and `return_status`.

Parameters (block parameters or contact attributes): `orderNumber` (keys pressed or
text typed), `customerId` (from the flow's lookup; else the caller's address is
used), `language` (the language the flow speaks, for spoken dates).

A refusal is `status=NOT_FOUND` with an `errorCode` the flow speaks: INVALID_ORDER_NUMBER,
UNKNOWN_ORDER, NOT_YOUR_ORDER, NOT_DELIVERED, RETURN_WINDOW_PASSED, ALREADY_RETURNED,
UNKNOWN_CUSTOMER; NO_RETURN when there is no return to report on.
"""

from __future__ import annotations

from datetime import date

from chalicelib.connect.flow import Deadline, FlowRequest, FlowResponse, flow_function
from chalicelib.errors import InvalidInput
from chalicelib.verification.assurance import requires

START_KEYS = ("returnId", "orderNumber", "pickupStatus", "awbNumber", "awbSpoken", "carrier", "pickupDate")
STATUS_KEYS = ("returnId", "orderNumber", "returnStatus", "awbNumber", "awbSpoken", "carrier", "pickupDate")


def _facts(case: object, language: str) -> dict[str, str]:
    from chalicelib.journeys.speech import spelled, spoken_date

    details = case.details or {}
    awb = details.get("awbNumber") or ""
    pickup = details.get("pickupOn")
    return {"returnId": case.case_id, "orderNumber": details.get("orderNumber", ""), "awbNumber": awb,
            "awbSpoken": spelled(awb) if awb else "", "carrier": details.get("carrier", ""),
            "pickupDate": spoken_date(date.fromisoformat(pickup), language) if pickup else ""}


@requires("start_return")
@flow_function(keys=START_KEYS)
def start_return(request: FlowRequest, deadline: Deadline) -> FlowResponse:
    from chalicelib.interactions import activity
    from chalicelib.journeys.callers import caller
    from chalicelib.retail.returns import PICKUP_BOOKED, ReturnRefused, Returns
    from chalicelib.settings import get_settings

    settings = get_settings()
    customer = caller(request, settings)
    if customer is None:
        return FlowResponse.not_found("UNKNOWN_CUSTOMER")
    language = request.value("language") or customer.preferred_language
    try:
        started = Returns(settings).start(customer, request.value("orderNumber"),
                                          opened_by=request.contact_id or "unknown-contact",
                                          time_left_ms=deadline.remaining_ms())
    except ReturnRefused as refused:
        facts = _facts(refused.case, language) if refused.case is not None else {}
        return FlowResponse.not_found(refused.code, **facts)
    except InvalidInput as e:  # the order number as entered cannot be one
        return FlowResponse.not_found(e.code)
    case = started.case
    if not started.replayed:
        activity.note_quietly(customer.customer_id, channel=request.channel or "VOICE", kind="return_opened",
                              reference=case.case_id,
                              detail={"orderNumber": case.reference, "contactId": request.contact_id,
                                      "pickupStatus": case.status})
    return FlowResponse.ok(pickupStatus="BOOKED" if case.status == PICKUP_BOOKED else "PENDING",
                           **_facts(case, language))


@requires("return_status")
@flow_function(keys=STATUS_KEYS)
def return_status(request: FlowRequest, deadline: Deadline) -> FlowResponse:
    """Where is my return? The one named (`returnId`, or `orderNumber`), else the
    caller's open return."""
    from chalicelib.errors import NotFound
    from chalicelib.interactions import activity
    from chalicelib.journeys.callers import caller
    from chalicelib.retail.orders import order_key
    from chalicelib.retail.returns import Returns, return_id
    from chalicelib.settings import get_settings

    settings = get_settings()
    customer = caller(request, settings)
    if customer is None:
        return FlowResponse.not_found("UNKNOWN_CUSTOMER")
    returns = Returns(settings)
    named = request.value("returnId")
    if not named and request.value("orderNumber"):
        try:
            named = return_id(order_key(request.value("orderNumber")))
        except InvalidInput:
            return FlowResponse.not_found("INVALID_ORDER_NUMBER")
    try:
        case = returns.get(named) if named else returns.latest_of(customer)
    except NotFound:
        case = None
    # Someone else's return reads as no return at all.
    if case is None or case.customer_id != customer.customer_id:
        return FlowResponse.not_found("NO_RETURN")
    activity.note_quietly(customer.customer_id, channel=request.channel or "VOICE", kind="return_status_checked",
                          reference=f"{case.case_id}@{request.contact_id or 'unknown-contact'}",
                          detail={"status": case.status, "contactId": request.contact_id})
    language = request.value("language") or customer.preferred_language
    return FlowResponse.ok(returnStatus=case.status, **_facts(case, language))
