"""The environment of the local run and the tests: the `local` stage of
.chalice/config.json (the same file every deployed stage is configured from), plus
fake credentials that can only reach the embedded AWS."""

from __future__ import annotations

import json
import os
from pathlib import Path

STAGE = "local"
REGION = "eu-central-1"
PROJECT = Path(__file__).resolve().parent.parent

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
}


def stage_environment(stage: str = STAGE) -> dict[str, str]:
    """Environment variables a Lambda of `stage` gets from .chalice/config.json."""
    config = json.loads((PROJECT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    return {**config.get("environment_variables", {}),
            **config["stages"][stage].get("environment_variables", {})}


LOCAL_ENV = {**stage_environment(), **_CREDENTIALS}


def apply() -> None:
    """Put the local environment in place (before chalicelib is imported)."""
    for key in [k for k in os.environ if k.startswith("AWS_ENDPOINT_URL") or k == "AWS_PROFILE"]:
        del os.environ[key]
    os.environ.update(LOCAL_ENV)
