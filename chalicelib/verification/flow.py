"""Contact-flow functions of verification.

- `send_verification_code`: a new six-digit code to an address already on the
  profile. Parameter `channel` (`whatsapp`, `email`, `sms`; empty: the first of
  VERIFICATION_CHANNELS the profile has an address on). Answers `channel` and
  `validMinutes`; refusals are `status=NOT_FOUND` with UNKNOWN_CUSTOMER, NO_CONTACT,
  NO_ADDRESS, UNKNOWN_CHANNEL, CHANNEL_UNAVAILABLE (no sender for it in this
  deployment), TOO_MANY_CODES, NOT_SENT, or LOCKED.
- `check_verification_code` (parameter `code`) and `check_verification_pin`
  (parameter `pin`): `status=OK` with `verification=verified`, `verificationMethod`
  and `verifiedAt`, for the flow to keep as contact attributes; otherwise
  `status=NOT_VERIFIED` with WRONG_CODE, CODE_EXPIRED, NO_CODE, WRONG_PIN, NO_PIN or
  LOCKED, and `triesLeft`.

Neither the code nor the PIN is ever in an answer, a log line or an attribute.
"""

from __future__ import annotations

from chalicelib.connect.flow import Deadline, FlowRequest, FlowResponse, flow_function
from chalicelib.verification.assurance import STATUS_NOT_VERIFIED

SEND_KEYS = ("channel", "validMinutes", "triesLeft")
CHECK_KEYS = ("verification", "verificationMethod", "verifiedAt", "triesLeft")


def _refused(refused: object, status: str) -> FlowResponse:
    left = getattr(refused, "tries_left", None)
    return FlowResponse(status, getattr(refused, "code", "REFUSED"), triesLeft="" if left is None else str(left))


@flow_function(keys=SEND_KEYS)
def send_verification_code(request: FlowRequest, deadline: Deadline) -> FlowResponse:
    from chalicelib.settings import get_settings
    from chalicelib.verification.assurance import establish
    from chalicelib.verification.service import Refused, Verifications

    settings = get_settings()
    standing = establish(request, settings)
    try:
        sent = Verifications(settings).send_code(standing, request.value("channel").lower())
    except Refused as refused:
        return _refused(refused, "NOT_FOUND")
    return FlowResponse.ok(channel=sent.channel, validMinutes=sent.valid_minutes)


def _check(request: FlowRequest, parameter: str) -> FlowResponse:
    from chalicelib.settings import get_settings
    from chalicelib.verification.assurance import establish
    from chalicelib.verification.service import Refused, Verifications

    settings = get_settings()
    standing = establish(request, settings)
    given = request.parameters.get(parameter, "").strip()[:16]
    verifications = Verifications(settings)
    try:
        if parameter == "code":
            verified = verifications.check_code(standing, given)
        else:
            verified = verifications.check_pin(standing, given)
    except Refused as refused:
        return _refused(refused, "NOT_FOUND" if refused.code in ("UNKNOWN_CUSTOMER", "NO_CONTACT")
                        else STATUS_NOT_VERIFIED)
    return FlowResponse.ok(verification="verified", verificationMethod=verified.method,
                           verifiedAt=verified.at.isoformat().replace("+00:00", "Z"))


@flow_function(keys=CHECK_KEYS)
def check_verification_code(request: FlowRequest, deadline: Deadline) -> FlowResponse:
    return _check(request, "code")


@flow_function(keys=CHECK_KEYS)
def check_verification_pin(request: FlowRequest, deadline: Deadline) -> FlowResponse:
    return _check(request, "pin")
