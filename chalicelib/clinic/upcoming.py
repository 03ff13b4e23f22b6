"""Contact-flow function `next_appointment`: what the caller hears about their next
appointment.

It only reads (the caller's profile, the appointments index) and loads nothing that
books, changes, reminds or tells the front desk, so its role may read those tables
and do nothing else; the key press that confirms is `flow.confirm_appointment`.

Parameters: `customerId` (from the flow's lookup; else the caller's address),
`language` (the language the flow speaks)."""

from __future__ import annotations

from chalicelib.connect.flow import Deadline, FlowRequest, FlowResponse, flow_function
from chalicelib.verification.assurance import requires

NEXT_KEYS = ("appointmentId", "appointmentDate", "appointmentTime", "service", "location", "practitioner",
             "appointmentStatus", "canConfirm")


@requires("next_appointment")
@flow_function(keys=NEXT_KEYS)
def next_appointment(request: FlowRequest, deadline: Deadline) -> FlowResponse:
    from chalicelib.clinic.models import next_appointment_of
    from chalicelib.clinic.statuses import CONFIRMED
    from chalicelib.journeys.callers import caller
    from chalicelib.journeys.speech import local_date, spoken_date, spoken_time
    from chalicelib.settings import get_settings

    settings = get_settings()
    customer = caller(request, settings)
    if customer is None:
        return FlowResponse.not_found("UNKNOWN_CUSTOMER")
    item = next_appointment_of(customer.customer_id)
    if item is None:
        return FlowResponse.not_found("NO_APPOINTMENT")
    language = request.value("language") or customer.preferred_language
    zone = customer.time_zone or settings.default_time_zone
    return FlowResponse.ok(
        appointmentId=item.appointment_id, appointmentDate=spoken_date(local_date(item.starts_at, zone), language),
        appointmentTime=spoken_time(item.starts_at, language, zone), service=item.service, location=item.location,
        practitioner=item.practitioner or "", appointmentStatus=item.status,
        canConfirm="false" if item.status == CONFIRMED else "true")
