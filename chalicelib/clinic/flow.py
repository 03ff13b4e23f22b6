"""Contact-flow function `confirm_appointment`: the caller's key press that confirms
the appointment `upcoming.next_appointment` told them about.

Parameters: `customerId` (from the flow's lookup; else the caller's address),
`appointmentId` (the one next_appointment answered, kept in a contact attribute)."""

from __future__ import annotations

from chalicelib.connect.flow import Deadline, FlowRequest, FlowResponse, flow_function
from chalicelib.verification.assurance import requires

CONFIRM_KEYS = ("appointmentId", "appointmentStatus")


@requires("confirm_appointment")
@flow_function(keys=CONFIRM_KEYS)
def confirm_appointment(request: FlowRequest, deadline: Deadline) -> FlowResponse:
    from chalicelib.clinic.appointments import Appointments
    from chalicelib.clinic.statuses import CONFIRMED
    from chalicelib.errors import InvalidInput
    from chalicelib.journeys.callers import caller
    from chalicelib.settings import get_settings

    settings = get_settings()
    customer = caller(request, settings)
    if customer is None:
        return FlowResponse.not_found("UNKNOWN_CUSTOMER")
    try:
        outcome = Appointments(settings).respond(
            request.value("appointmentId"), customer.customer_id, "confirm", channel=request.channel or "VOICE",
            reference=request.contact_id or "unknown-contact")
    except InvalidInput:
        return FlowResponse.not_found("NO_APPOINTMENT")
    if outcome["outcome"] != CONFIRMED:
        return FlowResponse.not_found("NOT_CONFIRMABLE", appointmentId=outcome["appointment"],
                                      appointmentStatus=outcome["outcome"])
    return FlowResponse.ok(appointmentId=outcome["appointment"], appointmentStatus=CONFIRMED)
