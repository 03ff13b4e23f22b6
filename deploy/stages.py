"""Stages as .chalice/config.json declares them: the one file every deployed stage,
the local run and the tests are configured from."""

from __future__ import annotations

import json
from pathlib import Path

PROJECT = Path(__file__).resolve().parent.parent


def stage_environment(stage: str) -> dict[str, str]:
    """Environment variables a Lambda of `stage` gets from .chalice/config.json."""
    config = json.loads((PROJECT / ".chalice" / "config.json").read_text(encoding="utf-8"))
    return {**config.get("environment_variables", {}),
            **config["stages"][stage].get("environment_variables", {})}
