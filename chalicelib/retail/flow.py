"""Contact-flow function `start_return` of the return journey (`return_status`, which
only reads, is `status.return_status`).

Parameters (block parameters or contact attributes): `orderNumber` (keys pressed or
text typed), `customerId` (from the flow's lookup; else the caller's address is
used), `language` (the language the flow speaks, for spoken dates).

A refusal is `status=NOT_FOUND` with an `errorCode` the flow speaks: INVALID_ORDER_NUMBER,
UNKNOWN_ORDER, NOT_YOUR_ORDER, NOT_DELIVERED, RETURN_WINDOW_PASSED, ALREADY_RETURNED,
UNKNOWN_CUSTOMER.
"""

from __future__ import annotations

from chalicelib.connect.flow import Deadline, FlowRequest, FlowResponse, flow_function
from chalicelib.errors import InvalidInput
from chalicelib.retail.status import spoken_facts
from chalicelib.verification.assurance import requires

START_KEYS = ("returnId", "orderNumber", "pickupStatus", "awbNumber", "awbSpoken", "carrier", "pickupDate")


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
        facts = spoken_facts(refused.case, language) if refused.case is not None else {}
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
                           **spoken_facts(case, language))
