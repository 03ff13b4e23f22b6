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


ANA = {"firstName": "Ana", "lastName": "Popescu", "email": "ana.popescu@example.ro", "preferredLanguage": "ro-RO",
       "timeZone": "Europe/Bucharest"}


def create_customer(client, **body: Any) -> str:
    """Create a customer through the REST API and return the id: Ana (Romanian,
    with an e-mail address) unless `body` says otherwise; None drops a field."""
    body = {k: v for k, v in {**ANA, **body}.items() if v is not None}
    response = client.http.post("/customers", headers={"Content-Type": "application/json"}, body=json.dumps(body))
    assert response.status_code == 201, response.body
    return json.loads(response.body)["id"]
