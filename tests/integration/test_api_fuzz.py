"""Every REST route fuzzed from its OpenAPI description (schemathesis), on the embedded
AWS: valid and invalid parameters and bodies, checking that no answer is a 5xx, every
answer is one the document describes (status, content type, shape) and invalid input
is refused with a 4xx whose Message says what is wrong.

`make test` runs a few examples per route; `make fuzz` runs many more (FUZZ_EXAMPLES)."""

from __future__ import annotations

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from chalicelib import openapi
from tests.wsgi import wsgi_app

# Not checked: methods the app does not serve (API Gateway answers those, not the app) and
# authentication (the local run has no authorizer; tests/integration/test_access.py holds
# every deployed route to it).
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]
EXAMPLES = int(os.environ.get("FUZZ_EXAMPLES", "12"))


class _Current:
    """The WSGI app schemathesis calls, bound to each test's fresh app and AWS."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


CURRENT = _Current()
schema = schemathesis.openapi.from_dict(openapi.document())
schema.app = CURRENT
schema = schema.exclude(func=lambda ctx: "x-fuzz" in ctx.operation.definition.raw)


@pytest.fixture
def bound(client):
    """The app on a fresh embedded AWS; Connect's contact APIs (which moto lacks) answered
    by the local run's recorder, which keeps botocore's parameter validation."""
    from devkit import recorder

    recorder.install()
    CURRENT.app = wsgi_app(client)
    try:
        yield
    finally:
        CURRENT.app = None
        recorder.uninstall()


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=not os.environ.get("FUZZ_EXAMPLES"),
          suppress_health_check=list(HealthCheck))
def test_the_api_answers_as_documented(case, bound):
    case.call_and_validate(checks=CHECKS)
