"""`open_case`: the contact-flow function that opens a case for the contact's customer.

Parameters (block parameters, then contact attributes): `reason` (a reason id of the
catalogue; else the `predictedReason` the flow kept), `priority` (`low`, `normal`,
`high`, `urgent`; `normal` when absent), `subject` (else the contact's name, which is
an inbound e-mail's subject), `note` (else one naming the channel and the contact),
`customerId` (from the flow's lookup; else the contact's address is used).

Answers `caseId`, `caseStatus` (`NEW`, or `EXISTING` when the customer already has an
open case for that reason: a second e-mail about the same bill joins the first case),
`tier`, `queue` (the routing key of the tier's queue), `reason` and `priority`.
Refusals are `status=NOT_FOUND` with an `errorCode`: UNKNOWN_CUSTOMER, UNKNOWN_REASON,
UNKNOWN_PRIORITY. One case per contact: the case id is derived from the contact id,
so Connect's retries and a timed-out first try get the same case back.

The caller waits in silence meanwhile: the function writes the case and one
one-time schedule, and the rest of the opening (its service-level schedules, the
customer's timeline and message, the Connect Cases mirror) runs a minute later as
the scheduled step `case_opened`, each part safe to repeat.
"""

from __future__ import annotations

import hashlib

from chalicelib.connect.flow import Deadline, FlowRequest, FlowResponse, flow_function

KEYS = ("caseId", "caseStatus", "tier", "queue", "reason", "priority")
NEW, EXISTING = "NEW", "EXISTING"
FLOW_ACTOR = "flow"


def case_id_for(contact_id: str) -> str:
    """The case a contact opens: the same contact always names the same case."""
    return "C-" + hashlib.sha256(contact_id.encode()).hexdigest()[:12].upper()


def _answer(case: object, status: str) -> FlowResponse:
    return FlowResponse.ok(caseId=case.case_id, caseStatus=status, tier=case.tier, queue=case.queue,
                           reason=case.reason_id, priority=case.priority)


@flow_function(keys=KEYS)
def open_case(request: FlowRequest, deadline: Deadline) -> FlowResponse:
    from chalicelib.cases import policies
    from chalicelib.cases.desk import KIND, MAX_NOTE, MAX_SUBJECT, Desk, NewDeskCase, require_reason
    from chalicelib.cases.service import CaseExists, Cases
    from chalicelib.errors import InvalidInput
    from chalicelib.profiles.callers import caller
    from chalicelib.settings import get_settings

    settings = get_settings()
    try:
        reason = require_reason(request.value("reason", "predictedReason"))
    except InvalidInput as e:
        return FlowResponse.not_found(e.code)
    priority = request.value("priority") or "normal"
    if priority not in policies.PRIORITIES:
        return FlowResponse.not_found("UNKNOWN_PRIORITY")
    customer = caller(request, settings)
    if customer is None:
        return FlowResponse.not_found("UNKNOWN_CUSTOMER")
    contact_id = request.initial_contact_id or request.contact_id
    own_id = case_id_for(contact_id) if contact_id else None
    desk = Desk(settings)
    for case in Cases(settings).open_cases(customer.customer_id):
        if case.case_id == own_id:  # this contact's own case: Connect retried
            desk.defer_after_opening(case)
            return _answer(case, NEW)
        # A customer writing again about the same thing joins the open case.
        if case.kind == KIND and case.reason_id == reason and case.status != "closed":
            return _answer(case, EXISTING)
    channel = (request.channel or "contact").lower()
    subject = " ".join((request.value("subject") or request.name or f"{reason} ({channel})").split())[:MAX_SUBJECT]
    note = (request.value("note") or f"Opened by the {channel} flow from contact {contact_id or 'unknown'}.")[:MAX_NOTE]
    new = NewDeskCase(customer_id=customer.customer_id, reason_id=reason, priority=priority, subject=subject,
                      note=note, contact_id=contact_id or None, agent=FLOW_ACTOR)
    try:
        case = desk.open(new, case_id=own_id, defer=True)
    except CaseExists as e:
        # An earlier try wrote the case and ran out of time (the index had not caught
        # up yet): the same case, and what follows its opening on its way.
        case = e.existing
        desk.defer_after_opening(case)
    except InvalidInput as e:  # merged or being erased meanwhile
        return FlowResponse.not_found(e.code)
    return _answer(case, NEW)
