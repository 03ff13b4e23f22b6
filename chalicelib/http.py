"""The REST edge: one translation from domain errors to HTTP answers, and the
authorizer each deployed stage puts in front of the routes.

Answers are JSON: `{"Code": "BadRequestError", "Message": "phone is not a valid
number for its country"}` with 400, 404 or 409; an AWS failure is 503 so clients
know to retry.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Callable
from typing import Any

from chalice import BadRequestError, ChaliceViewError, ConflictError, ForbiddenError, NotFoundError

from chalicelib.errors import Conflict, DependencyFailure, DomainError, Forbidden, InvalidInput, NotFound


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


def json_object(request: Any) -> dict[str, Any]:
    """The request body, which must be a JSON object."""
    body = request.json_body  # chalice answers 400 itself for malformed JSON
    if not isinstance(body, dict):
        raise BadRequestError("request body must be a JSON object")
    return body


def authorizer() -> Any:
    """The authorizer for protected routes, chosen per stage by API_AUTHORIZER
    (read when chalice loads the app to deploy or package it): `iam` (the default:
    callers sign requests with SigV4), `cognito` (COGNITO_USER_POOL_ARN), or `none`
    for the local run only."""
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
