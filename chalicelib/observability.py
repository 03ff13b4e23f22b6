"""Structured logging, owned here once, with personal data masked.

Masking happens on the serialized log line, after every field (message, extras,
exception text) has been rendered, so a phone number or e-mail address cannot slip
into CloudWatch through a field somebody forgot to mask. The Logger is created on
first use: powertools costs tens of milliseconds of cold start.
"""

from __future__ import annotations

import re
from functools import cache
from typing import Any

SERVICE = "contact-center"

# International numbers (+40 712 345 678, +39-06-1234-5678) and bare national
# numbers of nine or more digits (0712345678). Dashes next to the digits are not
# allowed on the bare form so UUIDs and ISO dates stay readable.
_PHONE = re.compile(
    r"\+\d[\d \-().]{6,18}\d"
    r"|(?<![\w\-.:])\d(?: ?\d){8,14}(?![\w\-.:])"
)
_EMAIL = re.compile(r"[A-Za-z0-9._%+\-]+@([A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+)")


def mask_phone(text: str) -> str:
    """Keep the last two digits only: enough to tell numbers apart in support."""
    digits = re.sub(r"\D", "", text)
    return "***" + digits[-2:] if len(digits) > 2 else "***"


def mask_email(match: re.Match[str]) -> str:
    return "***@" + match.group(1)


def mask_pii(text: str) -> str:
    """Mask every phone number and e-mail address in free text."""
    text = _EMAIL.sub(mask_email, text)
    return _PHONE.sub(lambda m: mask_phone(m.group(0)), text)


@cache
def _formatter_class() -> type:
    from aws_lambda_powertools.logging.formatter import LambdaPowertoolsFormatter

    class MaskingFormatter(LambdaPowertoolsFormatter):
        def serialize(self, log: dict[str, Any]) -> str:
            return mask_pii(super().serialize(log))

    return MaskingFormatter


@cache
def get_logger() -> Any:
    """The service's powertools Logger, masking personal data."""
    from aws_lambda_powertools import Logger

    return Logger(service=SERVICE, logger_formatter=_formatter_class()())


def bind_contact(contact_id: str | None) -> None:
    """Use the contact id as correlation key for everything logged in this invocation."""
    logger = get_logger()
    if contact_id:
        logger.set_correlation_id(contact_id)
        logger.append_keys(contact_id=contact_id)
    else:
        logger.remove_keys(["contact_id"])
        logger.set_correlation_id(None)
