"""The project's own errors.

Adapters raise these (`raise ... from e` around ClientError and PynamoDB errors);
each edge translates them once: routes to 4xx answers, contact-flow functions to a
`status`/`errorCode` pair the flow can branch on, event handlers to a reported
failure. Each carries a machine-readable `code` so nobody routes on message text.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


class DomainError(Exception):
    """Base class: a message safe to show a caller (no personal data) and a code."""

    code = "ERROR"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class InvalidInput(DomainError):
    """The request is malformed or breaks a rule; nothing was written."""

    code = "INVALID_INPUT"


class NotFound(DomainError):
    code = "NOT_FOUND"


class Conflict(DomainError):
    """The request clashes with stored state (an identity owned by someone else...)."""

    code = "CONFLICT"


class Forbidden(DomainError):
    """The caller could not prove it may do this: a bad signature, a forged or expired
    token, a message from the wrong source. Nothing was written."""

    code = "FORBIDDEN"


class DependencyFailure(DomainError):
    """An AWS service failed, throttled or timed out; the caller may retry."""

    code = "DEPENDENCY_FAILURE"


NOT_AN_OBJECT = "the body must be a JSON object"
# How much of a caller's own field names an answer repeats: enough to spot a typo,
# never a whole hostile body echoed back (into the answer, the logs, an error page).
_NAME_CHARS = 40
_NAMES_SHOWN = 10
_UNKNOWN_CHARS = 200


def only_fields(body: object, allowed: Iterable[str]) -> Mapping[str, Any]:
    """The body of an API request, checked to be a JSON object whose fields are all
    among `allowed` (none is required here); otherwise InvalidInput, in the same words
    for every route: "the body must be a JSON object", or "unknown field(s): a, b;
    allowed: x, y" (both lists sorted; the unknown names shortened, at most ten of
    them and 200 characters, control characters shown as "?")."""
    if not isinstance(body, Mapping):
        raise InvalidInput(NOT_AN_OBJECT)
    known = frozenset(allowed)
    unknown = sorted(str(name) for name in body if name not in known)
    if unknown:
        raise InvalidInput(f"unknown field(s): {_names(unknown)}; allowed: {', '.join(sorted(known))}")
    return body


def only_params(query: Mapping[str, str] | None, allowed: Iterable[str]) -> dict[str, str]:
    """The query string of an API request as a plain dict ({} when there is none),
    checked to name only parameters among `allowed` (none is required here);
    otherwise InvalidInput, in the same words for every route: "unknown
    parameter(s): a, b; allowed: x, y", the unknown names shortened and bounded as
    `only_fields` does."""
    query = dict(query or {})
    known = frozenset(allowed)
    unknown = sorted(str(name) for name in query if name not in known)
    if unknown:
        raise InvalidInput(f"unknown parameter(s): {_names(unknown)}; allowed: {', '.join(sorted(known))}")
    return query


def _names(unknown: list[str]) -> str:
    shown = [_printable(name) for name in unknown[:_NAMES_SHOWN]]
    listed = ", ".join(shown)
    if len(listed) > _UNKNOWN_CHARS:
        listed = listed[:_UNKNOWN_CHARS - 1] + "\u2026"
    more = len(unknown) - len(shown)
    return f"{listed} and {more} more" if more else listed


def _printable(name: str) -> str:
    if len(name) > _NAME_CHARS:
        name = name[:_NAME_CHARS - 1] + "\u2026"
    return "".join(c if c.isprintable() else "?" for c in name)
