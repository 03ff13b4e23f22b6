"""A customer's recent interactions, kept on the customer's item, and what follows
from them: first-contact resolution and the derived profile fields a contact flow
routes on (last contact, channel, agent, reason, open case, contacts in 30 days).

Why on the customer's item: whether a contact was resolved at first contact depends
on the customer's *other* contacts, which may be processed at the same moment by
another Lambda. Every change to a customer's ledger is a conditional write on
`activity_version`, so two writers never both miss each other: the second one fails,
re-reads and sees the first. No index is queried (indexes lag), no batch job runs.

FCR is computed among interactions whose first contact record is in (the KPI view):
- a customer contact (inbound call, chat, e-mail; not a task or an outbound call)
  that an agent handled counts in the denominator (`fcr_eligible`);
- it is resolved at first contact (`fcr_resolved`) unless the same customer starts
  another customer contact within REPEAT_WINDOW_HOURS (about the same reason, with
  REPEAT_SAME_REASON) or the agent marked it `resolved=false`;
- a customer contact that follows another within the window is a `repeat_contacts`.
Each entry keeps what it contributes to the counters (`applied`), so a recomputation
writes only differences.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timedelta
from typing import Any

from chalicelib.interactions.fold import Folded
from chalicelib.interactions.parse import parse_time
from chalicelib.metrics import counters

RECENT_DAYS = 30
# Entries are kept this long past the repeat window, for contact records that arrive late.
GRACE_DAYS = 7
MAX_ENTRIES = 100


def entry(display: Folded, kpi: Folded, previous: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ledger entry of one interaction (its counters' share carried over)."""
    found: dict[str, Any] = {
        "started_at": display.started_at,
        "channel": display.channel,
        "agent": display.agent,
        "reason": display.reason,
        "case_id": display.last("case_id"),
        "resolved": display.last("resolved"),
    }
    if kpi.has_initial and kpi.started_at:
        found["kpi"] = {
            "started_at": kpi.started_at,
            "channel": kpi.channel,
            "queue": kpi.queue,
            "agent": kpi.agent,
            "reason": kpi.reason,
            "handled": kpi.handled,
            "customer_contact": kpi.customer_contact,
            "resolved": kpi.last("resolved"),
        }
    found = {k: v for k, v in found.items() if v not in (None, "")}
    # What the timeline shows and the contact record says alike is kept once, in
    # `kpi` (value() reads it from there): the ledger is on the customer's item, and
    # every contact writes that item, billed by the KB.
    for name in _ALSO_IN_KPI:
        if name in found and found[name] == found.get("kpi", {}).get(name):
            del found[name]
    for carried in ("applied", "fcr"):
        if previous and carried in previous:
            found[carried] = previous[carried]
    return found


_ALSO_IN_KPI = ("started_at", "channel", "agent", "reason", "resolved")


def value(found: Mapping[str, Any], name: str) -> Any:
    """A fact of a ledger entry as the timeline shows it."""
    shown = found.get(name)
    return shown if shown is not None or name not in _ALSO_IN_KPI else (found.get("kpi") or {}).get(name)


def _stored_flags(flags: Mapping[str, bool] | None) -> dict[str, bool]:
    """FCR flags as an entry keeps them: only those that are set."""
    return {name: True for name, flag in (flags or {}).items() if flag}


def _reasons_match(one: Mapping[str, Any], other: Mapping[str, Any]) -> bool:
    a, b = one.get("reason"), other.get("reason")
    return not a or not b or a == b


def fcr_flags(ledger: Mapping[str, Mapping[str, Any]], window_hours: int,
              same_reason: bool) -> dict[str, dict[str, bool]]:
    """{interaction id: {"repeatContact": ..., "repeated": ...}} for the customer
    contacts whose first record is in."""
    contacts = []
    for interaction_id, found in ledger.items():
        kpi = found.get("kpi") or {}
        started = parse_time(kpi.get("started_at"))
        if started and kpi.get("customer_contact"):
            contacts.append((started, interaction_id, kpi))
    contacts.sort(key=lambda c: (c[0], c[1]))
    window = timedelta(hours=window_hours)
    flags = {iid: {"repeatContact": False, "repeated": False} for _, iid, _ in contacts}
    for i, (started, iid, kpi) in enumerate(contacts):
        for later_start, later_id, later in contacts[i + 1:]:
            if later_start - started > window:
                break
            if not same_reason or _reasons_match(kpi, later):
                flags[iid]["repeated"] = True
                flags[later_id]["repeatContact"] = True
    return flags


def fcr_contribution(found: Mapping[str, Any], flags: Mapping[str, bool] | None,
                     time_zone: str) -> counters.Parts:
    """An entry's share of the FCR counters, in the compact form the entry keeps."""
    kpi = found.get("kpi") or {}
    started = parse_time(kpi.get("started_at"))
    if not started or not kpi.get("customer_contact") or flags is None:
        return []
    contribution: counters.Parts = []
    handled = bool(kpi.get("handled"))
    counters.add_part(contribution, counters.local_day(started, time_zone), {
        "channel": kpi.get("channel"), "reason": kpi.get("reason"), "queue": kpi.get("queue"),
        "agent": kpi.get("agent"),
    }, {
        "fcr_eligible": int(handled),
        "fcr_resolved": int(handled and not flags["repeated"] and kpi.get("resolved") != "false"),
        "repeat_contacts": int(flags["repeatContact"]),
    })
    return contribution


def recompute(ledger: dict[str, dict[str, Any]], window_hours: int, same_reason: bool,
              time_zone: str) -> tuple[counters.Contribution, dict[str, dict[str, bool]]]:
    """Refresh every entry's FCR flags and counter share in place. Returns the change
    to apply to the counters and the entries whose flags changed."""
    flags = fcr_flags(ledger, window_hours, same_reason)
    changes = []
    changed_flags = {}
    for interaction_id, found in ledger.items():
        new = fcr_contribution(found, flags.get(interaction_id), time_zone)
        changes.append(counters.delta(counters.expand(found.get("applied")), counters.expand(new)))
        if new:
            found["applied"] = new
        else:
            found.pop("applied", None)
        if interaction_id in flags and (
                "fcr" not in found or _stored_flags(found["fcr"]) != _stored_flags(flags[interaction_id])):
            found["fcr"] = _stored_flags(flags[interaction_id])
            changed_flags[interaction_id] = flags[interaction_id]
    return counters.combine(changes), changed_flags


def _moment(found: Mapping[str, Any]) -> datetime | None:
    return parse_time(found.get("started_at") or (found.get("kpi") or {}).get("started_at"))


def trim(ledger: dict[str, dict[str, Any]], window_hours: int) -> None:
    """Forget entries no future contact can be a repeat of, and keep the newest
    MAX_ENTRIES. Their counter shares stay applied: they are final. Age is measured
    from the customer's newest contact, not the clock, so the outcome does not depend
    on when records are processed."""
    moments = {i: m for i, f in ledger.items() if (m := _moment(f)) is not None}
    if not moments:
        return
    newest = max(moments.values())
    keep = timedelta(days=max(RECENT_DAYS, window_hours / 24) + GRACE_DAYS)
    for interaction_id in [i for i, m in moments.items() if m < newest - keep]:
        del ledger[interaction_id]
    if len(ledger) > MAX_ENTRIES:
        ordered = sorted(ledger, key=lambda i: (moments.get(i, newest), i))
        for interaction_id in ordered[:-MAX_ENTRIES]:
            del ledger[interaction_id]


def profile_fields(ledger: Mapping[str, Mapping[str, Any]], customer: Any, dropped_starts: set[str],
                   now: datetime) -> dict[str, Any]:
    """Derived customer fields: attribute name -> new value (None removes it)."""
    fields: dict[str, Any] = {}
    dated = sorted((m, i) for i, f in ledger.items() if (m := _moment(f)) is not None)
    if dated:
        latest_at, latest_id = dated[-1]
        latest = ledger[latest_id]
        known = customer.last_contact_at
        # A start that moved (a transfer leg seen before the first contact) does not
        # hold the field back.
        if known is None or latest_at >= known or known.isoformat() in dropped_starts:
            fields.update(last_contact_at=latest_at, last_channel=value(latest, "channel"),
                          last_agent=value(latest, "agent"), last_reason=value(latest, "reason"))
    since = now - timedelta(days=RECENT_DAYS)
    recent = {at for at in customer.recent_contacts or [] if at not in dropped_starts}
    recent |= {m.isoformat() for m, _ in dated}
    fields["recent_contacts"] = sorted(at for at in recent if at >= since.isoformat())

    mentioned: set[str] = set()
    open_case: str | None = None
    for _, interaction_id in dated:
        found = ledger[interaction_id]
        case = found.get("case_id")
        if not case:
            continue
        mentioned.add(case)
        if value(found, "resolved") != "true":
            open_case = case
        elif open_case == case:
            open_case = None
    if open_case:
        fields["open_case_id"] = open_case
    elif customer.open_case_id and customer.open_case_id in mentioned:
        fields["open_case_id"] = None
    return fields
