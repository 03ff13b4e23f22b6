"""The environment of the local run and the tests: the `local` stage of
.chalice/config.json (the same file every deployed stage is configured from), plus
fake credentials that can only reach the embedded AWS."""

from __future__ import annotations

import os

from deploy import stages
from deploy.stages import PROJECT

STAGE = "local"
REGION = "eu-central-1"
__all__ = ["LOCAL_ENV", "PROJECT", "REGION", "STAGE", "apply", "stage_environment"]

_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": REGION,
    "AWS_REGION": REGION,
    # Never read ~/.aws of whoever runs the demo or the tests.
    "AWS_CONFIG_FILE": os.devnull,
    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    # Business metrics are lines for CloudWatch (embedded metric format); on a console
    # they would only bury the demo's transcript.
    "POWERTOOLS_METRICS_DISABLED": "true",
}


def stage_environment(stage: str = STAGE) -> dict[str, str]:
    """Environment variables a Lambda of `stage` gets from .chalice/config.json."""
    return stages.stage_environment(stage)


LOCAL_ENV = {**stage_environment(), **_CREDENTIALS}


def apply() -> None:
    """Put the local environment in place (before chalicelib is imported)."""
    for key in [k for k in os.environ if k.startswith("AWS_ENDPOINT_URL") or k == "AWS_PROFILE"]:
        del os.environ[key]
    os.environ.update(LOCAL_ENV)
