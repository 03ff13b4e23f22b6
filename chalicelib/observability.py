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

# Phone numbers as people and systems write them: E.164 (+40712345678), spaced or
# dashed (+40 712-345-678, 0712 345 678, 06-20-123-4567), with a trunk or area code
# in brackets (+44 (0) 20 7946 0958, (021) 123 4567), with a 00 prefix. A candidate
# counts when it has nine digits or more (seven after a + or with an area code). It
# may not start inside a word, a number, a path, an ARN account field or after a
# dash (UUIDs, ISO dates, times, base64), nor end before a letter (but for an
# extension: 0745112233x, x12, ext), a dash, a colon or a decimal part. Separators
# are spaces of any width (also as JSON or repr escapes, the way a non-breaking space
# reaches a serialized line or a traceback), dashes, dots and brackets; a slash only
# in a number that starts with + (+40/745/112/233), so date ranges stay readable.
_ESCAPE = r"\\{1,2}(?:u00a0|u2007|u2009|u202f|xa0)"  # \u00a0 in JSON, \xa0 in a repr, once more escaped
_SPACE = r"(?:[ \u00a0\u2007\u2009\u202f]|" + _ESCAPE + ")"
_ESCAPED_SPACE = re.compile(_ESCAPE, re.IGNORECASE)
_PHONE = re.compile(
    r"(?<![\w.+\-/])(?<!\d:)(?<!::)"
    r"(?:\+" + _SPACE + r"?\(?\d(?:[\d\-()./]|" + _SPACE + r"){6,30}\d"
    r"|" + _SPACE + r"?\(?\d(?:[\d\-().]|" + _SPACE + r"){6,30}\d)"
    # It may end before an extension (x12, ext) or a short suffix, not inside a word.
    r"(?:(?=(?:x|ext)\d{0,6}(?![\w\-]))|(?![\w\-:]|\.\d))",
    re.IGNORECASE,
)
_DECIMAL = re.compile(r"\d+\.\d+")
# E-mail addresses, also URL-encoded (%40) and with unicode or JSON-escaped characters
# in the local part (o'brien@...). The local part stops at characters that delimit it
# in logs (double quotes, brackets, separators of query strings, identity keys and
# URIs). Parts are bounded as in RFC 5321, which also keeps a long token without
# spaces linear to scan.
_AT = r"(?:@|%40|\uff20|\ufe6b|\\{1,2}uff20|\\{1,2}ufe6b)"
_EMAIL = re.compile(
    # a quoted local part ("john doe"@…, also JSON-escaped) or an unquoted one
    r"(?:\\?\"[^\"\\\n]{1,64}\\?\"|[^\s\"<>(),;:@\uff20\ufe6b\[\]\\/#=&?*]{1,64})" + _AT +
    # a domain name, or an address literal (@[192.0.2.1], @[IPv6:2001:db8::1])
    r"(?:(?:[\w\-\\]{1,63}\.){1,8}([\w\-\\]{2,63})|\[(?:IPv6:)?[0-9A-Fa-f:.]{2,45}\])",
    re.IGNORECASE,
)
_AT_SIGNS = ("@", "%40", "\uff20", "\ufe6b", "\\uff20", "\\ufe6b", "\\UFF20", "\\UFE6B")
MIN_PHONE_DIGITS = 9
MIN_DIALLED_DIGITS = 7


def mask_phone(text: str) -> str:
    """Keep the last two digits only: enough to tell numbers apart in support."""
    digits = re.sub(r"\D", "", _ESCAPED_SPACE.sub(" ", text))
    return "***" + digits[-2:] if len(digits) > 2 else "***"


def _phone(match: re.Match[str]) -> str:
    found = match.group(0)
    digits = sum(ch.isdigit() for ch in _ESCAPED_SPACE.sub(" ", found))
    # A leading + or an area code in brackets says "phone number" even when short
    # ((022) 12345 in Ireland); bare digit runs need more to tell them from dates.
    dialled = found.lstrip().startswith("+") or "(" in found
    if digits < (MIN_DIALLED_DIGITS if dialled else MIN_PHONE_DIGITS) or _DECIMAL.fullmatch(found):
        return found
    return mask_phone(found)


def mask_email(match: re.Match[str]) -> str:
    """Nothing of the address but its top-level domain: a domain can name a person."""
    return "***@***." + match.group(1) if match.group(1) else "***@***"


def mask_pii(text: str) -> str:
    """Mask every phone number and e-mail address in free text."""
    if any(sign in text for sign in _AT_SIGNS):  # most lines have neither: skip the costlier scan
        text = _EMAIL.sub(mask_email, text)
    return _PHONE.sub(_phone, text)


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
    import logging

    from aws_lambda_powertools import Logger

    logger = Logger(service=SERVICE, logger_formatter=_formatter_class()())
    # Records go out through the masking handler only, never up to a root handler
    # that prints them as they are.
    logging.getLogger(SERVICE).propagate = False
    return logger


def bind_contact(contact_id: str | None) -> None:
    """Use the contact id as correlation key for everything logged in this invocation."""
    logger = get_logger()
    if contact_id:
        logger.set_correlation_id(contact_id)
        logger.append_keys(contact_id=contact_id)
    else:
        logger.remove_keys(["contact_id"])
        logger.set_correlation_id(None)


# Business metrics, as CloudWatch's embedded metric format: a log line CloudWatch turns
# into a metric, no API call in the request path. powertools is already loaded for the
# Logger by then, so a contact-flow cold start pays nothing more for it.
NAMESPACE = "ContactCenter"


def count(name: str, value: int = 1, **dimensions: str) -> None:
    """Publish one business metric (`FlowAnswers`, `ContactsIngested`, `MessagesSent`)
    with its dimensions. Never raises: a metric is not worth failing a contact for."""
    try:
        from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit

        metrics = EphemeralMetrics(namespace=NAMESPACE, service=SERVICE)
        for key, dimension in dimensions.items():
            metrics.add_dimension(name=key, value=str(dimension) or "none")
        metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
        metrics.flush_metrics()
    except Exception:  # a broken metric must not break the answer or the event
        get_logger().warning("metric not published", extra={"metric": name})
