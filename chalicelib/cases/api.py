"""Routes an agent's tool and a supervisor's worklist call."""

from __future__ import annotations

from typing import Any

from chalicelib.errors import InvalidInput, only_params
from chalicelib.settings import get_settings


def _desk():
    from chalicelib.cases.desk import Desk

    return Desk(get_settings())


def open_case(body: Any) -> dict[str, Any]:
    """POST /cases: 201 with the case."""
    from chalicelib.cases.desk import document, read_new_case

    new = read_new_case(body)
    desk = _desk()
    return document(desk, desk.open(new))


def get_case(case_id: str, params: dict[str, str] | None = None) -> dict[str, Any]:
    """GET /cases/{id}?lang=ro: the case, its events and its tier's playbook in that language."""
    from chalicelib.cases.desk import document
    from chalicelib.cases.playbooks import LANGUAGES

    language = (params or {}).get("lang", "en")
    if language not in LANGUAGES:
        raise InvalidInput(f"lang must be one of {', '.join(LANGUAGES)}")
    desk = _desk()
    return document(desk, desk.get(case_id), language=language)


def customer_cases(customer_id: str) -> dict[str, Any]:
    from chalicelib.cases.desk import document

    desk = _desk()
    return {"cases": [document(desk, c, with_events=False) for c in desk.customer_cases(customer_id)]}


def worklist(params: dict[str, str] | None) -> dict[str, Any]:
    """GET /cases?queue=&tier=&status=&breaching=true: one queue's worklist."""
    from chalicelib.cases.desk import STATUSES, document
    from chalicelib.cases.policies import TIERS

    params = only_params(params, ("queue", "tier", "status", "breaching"))
    queue = params.get("queue")
    if not queue:
        raise InvalidInput("queue is required: a worklist is one queue's")
    tier, status, breaching = params.get("tier"), params.get("status"), params.get("breaching")
    if tier is not None and tier not in TIERS:
        raise InvalidInput(f"tier must be one of {', '.join(TIERS)}")
    if status is not None and status not in STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(STATUSES)}")
    if breaching not in (None, "true", "false"):
        raise InvalidInput("breaching must be true or false")
    desk = _desk()
    found = desk.worklist(queue, tier=tier, status=status, breaching=breaching == "true")
    return {"queue": queue, "cases": [document(desk, c, with_events=False) for c in found]}


def _change(case_id: str, action: str, body: Any) -> dict[str, Any]:
    """One change an agent makes to a case (a Desk method of that name), answered
    with the case as it now is."""
    from chalicelib.cases.desk import document

    desk = _desk()
    return document(desk, getattr(desk, action)(case_id, body))


def add_note(case_id: str, body: Any) -> dict[str, Any]:
    return _change(case_id, "add_note", body)


def set_status(case_id: str, body: Any) -> dict[str, Any]:
    return _change(case_id, "set_status", body)


def record_step(case_id: str, body: Any) -> dict[str, Any]:
    return _change(case_id, "record_step", body)


def escalate(case_id: str, body: Any) -> dict[str, Any]:
    return _change(case_id, "escalate", body)


def assign(case_id: str, body: Any) -> dict[str, Any]:
    return _change(case_id, "assign", body)


def set_priority(case_id: str, body: Any) -> dict[str, Any]:
    return _change(case_id, "set_priority", body)
