"""The project's own errors.

Adapters raise these (`raise ... from e` around ClientError and PynamoDB errors);
each edge translates them once: routes to 4xx answers, contact-flow functions to a
`status`/`errorCode` pair the flow can branch on, event handlers to a reported
failure. Each carries a machine-readable `code` so nobody routes on message text.
"""

from __future__ import annotations


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
