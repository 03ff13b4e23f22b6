"""Loading events from tests/events/ (the shapes AWS documents)."""

from __future__ import annotations

import copy
import json
from functools import cache
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).parent / "events"


@cache
def _raw(name: str) -> str:
    return (EVENTS / name).read_text(encoding="utf-8")


def load_event(name: str, **contact_data: Any) -> dict[str, Any]:
    """A fresh copy of tests/events/<name>; keyword arguments replace ContactData
    fields of a contact-flow event."""
    event = json.loads(_raw(name))
    if contact_data:
        event["Details"]["ContactData"].update(copy.deepcopy(contact_data))
    return event
