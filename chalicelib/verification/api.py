"""`PUT /customers/{id}/pin`: the PIN a customer chose (on the business's signed-in
website or app, which calls this route) for the phone line's knowledge check. Kept
only as a salted hash; the answer never repeats it."""

from __future__ import annotations

from typing import Any

from chalicelib.errors import InvalidInput, only_fields


def set_pin(customer_id: str, body: Any) -> dict[str, Any]:
    from chalicelib.profiles import schema
    from chalicelib.settings import get_settings
    from chalicelib.verification.service import Verifications

    if "pin" not in only_fields(body, {"pin"}):
        raise InvalidInput('send {"pin": "<4 to 8 digits>"}')
    return Verifications(get_settings()).set_pin(schema.customer_id(customer_id), body["pin"])
