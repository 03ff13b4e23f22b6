"""The REST edge: one translation from domain errors to HTTP answers, and the
authorizer each deployed stage puts in front of the routes.

Answers are JSON: `{"Code": "BadRequestError", "Message": "phone is not a valid
number for its country"}` with 400, 404 or 409; an AWS failure is 503 so clients
know to retry.
"""

from __future__ import annotations

import functools
import json
import os
import re
from collections.abc import Callable
from typing import Any

from chalice import BadRequestError, ChaliceViewError, ConflictError, ForbiddenError, NotFoundError

from chalicelib.errors import NOT_AN_OBJECT, Conflict, DependencyFailure, DomainError, Forbidden, InvalidInput, NotFound


class ServiceUnavailableError(ChaliceViewError):
    STATUS_CODE = 503


_STATUS = {InvalidInput: BadRequestError, NotFound: NotFoundError, Conflict: ConflictError,
           Forbidden: ForbiddenError, DependencyFailure: ServiceUnavailableError}

# Routes served without the authorizer in deployed stages, each with what it checks
# instead (a signed token, a webhook signature). Every other route in app.py takes
# `authorizer=PROTECTED`; a test holds app.py to this list.
PUBLIC_ROUTES: dict[str, str] = {
    "/unsubscribe/{token}": "opened from an e-mail; the token is signed, expiring and for unsubscribing only "
                            "(chalicelib/tokens.py), and names the customer by id",
    "/agent": "the agent panel's page shell: labels only, no customer data; every data call it makes is "
              "protected (chalicelib/web/panel.py)",
    "/agent/static/{name}": "the agent panel's script and style files, a fixed list (chalicelib/web/panel.py)",
    "/s/{token}": "the survey a link in an invitation opens; the token is signed, expiring, for surveys only and "
                  "names the contact's survey, which is answered once",
    "/webhooks/whatsapp": "Meta's WhatsApp webhook: the handshake needs the verify token, every notification "
                          "X-Hub-Signature-256 over its raw body under the app secret (constant-time)",
    "/openapi.json": "the API's OpenAPI description: routes and fields, no data (chalicelib/openapi.py)",
}


def answers(view: Callable[..., Any]) -> Callable[..., Any]:
    """Translate the project's errors raised by a view into HTTP answers."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except DomainError as e:
            for kind, http_error in _STATUS.items():
                if isinstance(e, kind):
                    raise http_error(e.message) from e
            raise ChaliceViewError(e.message) from e
        except ChaliceViewError:
            raise
        except Exception:
            # Chalice logs the traceback of an unexpected error on the service's
            # logger: make sure that logger exists, and so masks, before it does.
            from chalicelib.observability import get_logger

            get_logger()
            raise

    return wrapper


_DIGITS = re.compile(r"[0-9]{1,9}")


def whole_number(raw: object, low: int, high: int) -> int | None:
    """`raw` (a query parameter, a form field) as a whole number from low to high, or
    None. Only ASCII digits count: str.isdigit() also takes "²", which int() refuses,
    and "٤", which int() reads; and a 5,000-digit string is no limit anyone meant."""
    if not isinstance(raw, str) or not _DIGITS.fullmatch(raw):
        return None
    value = int(raw)
    return value if low <= value <= high else None


# Deeper than any body a route takes; a parser follows about a thousand levels before
# it fails with RecursionError, which would be a 500.
MAX_JSON_DEPTH = 32


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


def _unusable(value: Any, path: str, depth: int = 0) -> str | None:
    """What makes a parsed body unusable (too deep, text that is not valid Unicode),
    naming where; None when it is fine."""
    if depth > MAX_JSON_DEPTH:
        return f"request body is nested more than {MAX_JSON_DEPTH} levels deep"
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:  # a lone surrogate (\ud800): no store or mail can carry it
            return f"{path or 'request body'} is not valid text (it holds a lone UTF-16 surrogate)"
        return None
    if isinstance(value, dict):
        for key, item in value.items():
            where = f"{path}.{key}" if path else str(key)
            problem = _unusable(key, where, depth + 1) or _unusable(item, where, depth + 1)
            if problem:
                return problem
    elif isinstance(value, list):
        for index, item in enumerate(value):
            problem = _unusable(item, f"{path}[{index}]", depth + 1)
            if problem:
                return problem
    return None


def json_object(request: Any, *, optional: bool = False) -> dict[str, Any]:
    """The request body, which must be a JSON object (with `optional`, an empty body
    reads as {}). Whatever makes it unusable is a 400 that says what, before any
    route code runs: not JSON (NaN and Infinity are not), nested too deep, text that
    is not valid Unicode."""
    raw = request.raw_body or b""
    if optional and not raw.strip():
        return {}
    try:
        body = json.loads(raw, parse_constant=_not_json)
    except RecursionError:
        raise BadRequestError(f"request body is nested more than {MAX_JSON_DEPTH} levels deep") from None
    except ValueError:  # also UnicodeDecodeError
        raise BadRequestError("request body is not valid JSON") from None
    if not isinstance(body, dict):
        raise BadRequestError(NOT_AN_OBJECT)
    problem = _unusable(body, "")
    if problem:
        raise BadRequestError(problem)
    return body


def authorizer() -> Any:
    """The authorizer for protected routes, chosen per stage by API_AUTHORIZER
    (read when chalice loads the app to deploy or package it): `iam` (the default:
    callers sign requests with SigV4), `cognito` (COGNITO_USER_POOL_ARN; `stack`: the
    pool the stack creates, which packaging puts in its place), or `none` for the
    local run only."""
    from chalice import CognitoUserPoolAuthorizer, IAMAuthorizer

    kind = os.environ.get("API_AUTHORIZER", "iam")
    if kind == "none":
        return None
    if kind == "iam":
        return IAMAuthorizer()
    if kind == "cognito":
        arn = os.environ.get("COGNITO_USER_POOL_ARN")
        if not arn:
            raise RuntimeError("API_AUTHORIZER=cognito needs COGNITO_USER_POOL_ARN")
        return CognitoUserPoolAuthorizer("agents", provider_arns=[arn])
    raise RuntimeError(f"API_AUTHORIZER must be iam, cognito or none, not {kind!r}")
