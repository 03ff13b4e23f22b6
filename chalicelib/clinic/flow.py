"""Contact-flow functions of the clinic: `next_appointment` (what the caller hears)
and `confirm_appointment` (their key press).

Parameters: `customerId` (from the flow's lookup; else the caller's address),
`language` (the language the flow speaks), `appointmentId` (confirm_appointment:
the one next_appointment answered, kept in a contact attribute)."""

from __future__ import annotations

from chalicelib.connect.flow import Deadline, FlowRequest, FlowResponse, flow_function
from chalicelib.verification.assurance import requires

NEXT_KEYS = ("appointmentId", "appointmentDate", "appointmentTime", "service", "location", "practitioner",
             "appointmentStatus", "canConfirm")
CONFIRM_KEYS = ("appointmentId", "appointmentStatus")


@requires("next_appointment")
@flow_function(keys=NEXT_KEYS)
def next_appointment(request: FlowRequest, deadline: Deadline) -> FlowResponse:
    from chalicelib.clinic.appointments import Appointments
    from chalicelib.clinic.statuses import CONFIRMED
    from chalicelib.journeys.callers import caller
    from chalicelib.journeys.speech import local_date, spoken_date, spoken_time
    from chalicelib.settings import get_settings

    settings = get_settings()
    customer = caller(request, settings)
    if customer is None:
        return FlowResponse.not_found("UNKNOWN_CUSTOMER")
    item = Appointments(settings).next_for(customer.customer_id)
    if item is None:
        return FlowResponse.not_found("NO_APPOINTMENT")
    language = request.value("language") or customer.preferred_language
    zone = customer.time_zone or settings.default_time_zone
    return FlowResponse.ok(
        appointmentId=item.appointment_id, appointmentDate=spoken_date(local_date(item.starts_at, zone), language),
        appointmentTime=spoken_time(item.starts_at, language, zone), service=item.service, location=item.location,
        practitioner=item.practitioner or "", appointmentStatus=item.status,
        canConfirm="false" if item.status == CONFIRMED else "true")


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
