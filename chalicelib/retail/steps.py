"""Retail's scheduled steps (registered in chalicelib/wiring.py, run by scheduled_step)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from chalicelib.settings import get_settings
from chalicelib.steps import text


def return_follow_up(step: Mapping[str, Any]) -> dict[str, Any]:
    from chalicelib.retail.returns import Returns

    return {"messages": Returns(get_settings()).follow_up(text(step, "returnId"))}
