"""Contact-flow function `record_survey_answer`: one keypad answer of the post-call
survey (templates/flows/post_call_survey).

Block parameters: `surveyId` (a voice survey definition, `post_call`), `questionId`
and `answer` (the keys pressed: `$.StoredCustomerInput`). The contact is the one
that started the call (InitialContactId), the customer the `customerId` attribute
the lookup left. It answers `accepted=true` when the answer is recorded and
`accepted=false` (status INVALID, errorCode OUT_OF_RANGE) when the keys are not an
answer to that question, so the flow can ask again; a broken block (an unknown
survey or question) is an ERROR. Connect may call it more than once for one answer
(it retries throttles): the same answer again changes nothing. For that reason a
write DynamoDB refused (throttled, or contended past its own retries) is tried again
while the call's budget allows: the caller pressed a valid key and is not asked twice
because of us.
"""

from __future__ import annotations

import random
import re
import time

from chalicelib.connect.flow import Deadline, FlowRequest, FlowResponse, flow_function

RESPONSE_KEYS = ("surveyId", "questionId", "accepted")
STATUS_INVALID = "INVALID"
_DIGITS = re.compile(r"^[0-9]{1,2}\Z")
TRIES = 3  # recording one answer, within the budget
RESERVE_MS = 1000  # budget a further try needs: a read, a transaction, their retries


def parse_answer(raw: str, question_type: str) -> int | None:
    """The value pressed, if it is an answer to a question of this type."""
    from chalicelib.surveys.scoring import RANGES, in_range

    text = raw.strip().rstrip("#")
    if question_type not in RANGES or not _DIGITS.match(text):
        return None
    value = int(text)
    return value if in_range(question_type, value) else None


@flow_function(keys=RESPONSE_KEYS)
def record_survey_answer(request: FlowRequest, deadline: Deadline) -> FlowResponse:
    from chalicelib.errors import DependencyFailure, InvalidInput
    from chalicelib.profiles import schema
    from chalicelib.settings import get_settings
    from chalicelib.surveys import definitions
    from chalicelib.surveys.service import Surveys

    survey_id, question_id = request.parameters.get("surveyId", "").strip(), request.parameters.get(
        "questionId", "").strip()
    shown = {"surveyId": survey_id[:64], "questionId": question_id[:64], "accepted": "false"}
    survey_def = definitions.get(survey_id)
    if survey_def is None or survey_def.invitation != "voice":
        return FlowResponse.error("UNKNOWN_SURVEY", **shown)
    question = survey_def.question(question_id)
    if question is None or not question.rated:
        return FlowResponse.error("UNKNOWN_QUESTION", **shown)
    value = parse_answer(request.parameters.get("answer", ""), question.type)
    if value is None:
        return FlowResponse(STATUS_INVALID, "OUT_OF_RANGE", **shown)
    contact_id = request.initial_contact_id or request.contact_id
    if not contact_id:
        return FlowResponse.error("NO_CONTACT", **shown)
    try:
        customer_id: str | None = schema.customer_id(request.value("customerId"))
    except InvalidInput:
        customer_id = None
    surveys = Surveys(get_settings())
    for tried in range(1, TRIES + 1):
        try:
            surveys.answer_in_call(contact_id, survey_def, question, value, customer_id=customer_id,
                                   queue=request.queue_name or None, channel=request.channel or "VOICE")
            break
        except DependencyFailure:
            if tried == TRIES or deadline.remaining_ms() < RESERVE_MS:
                raise
            time.sleep(0.05 * tried * random.random())  # noqa: S311 (jitter)
    return FlowResponse.ok(**{**shown, "accepted": "true"})
