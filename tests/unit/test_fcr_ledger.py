"""First-contact resolution over a customer's ledger: the window's edges and reasons."""

from __future__ import annotations

from chalicelib.interactions.ledger import fcr_flags


def entry(started_at: str, reason: str = "billing", customer_contact: bool = True) -> dict:
    return {"kpi": {"started_at": started_at, "reason": reason, "customer_contact": customer_contact,
                    "handled": True}}


def test_a_return_exactly_at_the_end_of_the_window_is_a_repeat_and_one_second_later_is_not():
    ledger = {"first": entry("2025-05-14T09:00:00.000Z"), "edge": entry("2025-05-17T09:00:00.000Z"),
              "late": entry("2025-05-20T09:00:01.000Z")}
    flags = fcr_flags(ledger, window_hours=72, same_reason=False)
    assert flags["first"] == {"repeated": True, "repeatContact": False}
    assert flags["edge"] == {"repeated": False, "repeatContact": True}
    assert flags["late"] == {"repeated": False, "repeatContact": False}


def test_tasks_and_outbound_calls_neither_break_nor_make_a_repeat():
    ledger = {"call": entry("2025-05-14T09:00:00.000Z"),
              "task": entry("2025-05-14T10:00:00.000Z", customer_contact=False)}
    assert fcr_flags(ledger, 72, False) == {"call": {"repeated": False, "repeatContact": False}}


def test_with_same_reason_an_unknown_reason_still_counts_as_the_same_matter():
    ledger = {"a": entry("2025-05-14T09:00:00.000Z", "billing"), "b": entry("2025-05-14T10:00:00.000Z", ""),
              "c": entry("2025-05-14T11:00:00.000Z", "delivery")}
    flags = fcr_flags(ledger, 72, same_reason=True)
    assert flags["a"]["repeated"] and flags["b"]["repeatContact"]
    assert flags["c"]["repeatContact"]  # after b, whose reason is unknown
    assert not fcr_flags({"a": ledger["a"], "c": ledger["c"]}, 72, same_reason=True)["a"]["repeated"]
