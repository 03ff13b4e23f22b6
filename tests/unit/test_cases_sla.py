"""Service-level policies and clocks: the targets a reason and priority get, when the
80 % warning and the breach fall, pauses while the case waits on the customer, and
the policies file's mistakes named before anything is deployed."""

from __future__ import annotations

import copy
import json
from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from chalicelib.cases import policies, sla
from chalicelib.cases.policies import PolicyError, UnknownPriority
from chalicelib.cases.sla import Clock

BUCHAREST = ZoneInfo("Europe/Bucharest")
DOCUMENT = json.loads(policies.PATH.read_text(encoding="utf-8"))


def local(*parts: int) -> datetime:
    return datetime(*parts, tzinfo=BUCHAREST)


def billing_clock(priority: str = "high", opened: datetime | None = None) -> tuple[Clock, object]:
    policy = policies.load().for_reason("billing")
    hours = policy.hours["L1"]
    allowed = policy.targets_for(priority).first_response
    return Clock("firstResponse", opened or local(2026, 11, 27, 17, 0), allowed), hours


def test_a_high_priority_billing_complaint_on_friday_evening_is_due_wednesday_noon():
    # Given a billing complaint opened on Friday 27 November 2026 at 17:00 in Bucharest, priority high
    clock, hours = billing_clock("high")
    # When its first-response deadline is computed
    deadline = clock.deadline(hours)
    # Then the breach falls on Wednesday 2 December at 12:00 (weekend, 30 Nov and 1 Dec closed)
    assert deadline.breach_at.astimezone(BUCHAREST) == local(2026, 12, 2, 12, 0)
    # And the warning at 80 % of four business hours (3 h 12 min): Wednesday 11:12
    assert deadline.warning_at.astimezone(BUCHAREST) == local(2026, 12, 2, 11, 12)
    assert sla.at_expression(deadline.breach_at) == "at(2026-12-02T10:00:00)"


def test_the_clock_reads_running_warning_and_breached_as_business_time_passes():
    clock, hours = billing_clock("high")
    assert clock.state(hours, local(2026, 12, 1, 23, 0)) == sla.RUNNING  # only Friday's hour counted
    assert clock.state(hours, local(2026, 12, 2, 11, 30)) == sla.WARNING
    assert clock.state(hours, local(2026, 12, 2, 12, 0)) == sla.BREACHED
    assert clock.percent_used(hours, local(2026, 12, 2, 10, 0)) == 50


def test_waiting_on_the_customer_stops_the_clock_and_moves_the_deadline():
    # Given the complaint is set to pending_customer on Wednesday at 10:00 (two hours used)
    clock, hours = billing_clock("high")
    waiting = clock.pause(local(2026, 12, 2, 10, 0))
    # Then there is no deadline while waiting, and the clock does not breach
    assert waiting.deadline(hours) is None
    assert waiting.state(hours, local(2026, 12, 4, 17, 0)) == sla.PAUSED
    # When the customer answers on Thursday at 16:00
    answered = waiting.resume(local(2026, 12, 3, 16, 0))
    # Then the two hours left run from then: 16:00-18:00 Thursday, breach at Thursday 18:00
    assert answered.deadline(hours).breach_at.astimezone(BUCHAREST) == local(2026, 12, 3, 18, 0)


def test_a_reply_to_the_customer_meets_the_target_and_no_schedule_remains():
    clock, hours = billing_clock("high")
    replied = clock.stop(local(2026, 12, 2, 9, 30))
    assert replied.deadline(hours) is None
    assert replied.state(hours, local(2026, 12, 9, 9, 0)) == sla.MET
    late = clock.stop(local(2026, 12, 2, 12, 1))
    assert late.state(hours, local(2026, 12, 9, 9, 0)) == sla.BREACHED


def test_raising_the_priority_brings_the_deadline_forward():
    clock, hours = billing_clock("normal", opened=local(2026, 12, 2, 9, 0))
    assert clock.deadline(hours).breach_at.astimezone(BUCHAREST) == local(2026, 12, 2, 17, 0)
    urgent = clock.with_allowed(policies.load().for_reason("billing").targets_for("urgent").first_response)
    assert urgent.deadline(hours).breach_at.astimezone(BUCHAREST) == local(2026, 12, 2, 10, 0)


def test_schedule_names_are_stable_per_case_target_kind_and_instant():
    due = local(2026, 12, 2, 12, 0)
    first = sla.schedule_name("C-1", "firstResponse", "breach", due)
    assert first == "case-C-1-firstResponse-breach-1796205600"
    assert first != sla.schedule_name("C-1", "firstResponse", "breach", local(2026, 12, 2, 12, 1))
    assert len(sla.schedule_name("C-" + "x" * 80, "resolution", "warning", due)) <= 64


def test_a_reason_without_its_own_policy_gets_the_default_and_tiers_follow_in_order():
    policy = policies.load().for_reason("technical")
    assert policy.reason_id == "default"
    assert policy.on_breach == "alert"
    billing = policies.load().for_reason("billing")
    assert (billing.queue("L1"), billing.next_tier("L1"), billing.next_tier("L3")) == ("billing_l1", "L2", None)
    assert billing.on_breach == "escalate"


def test_an_unknown_priority_is_refused_naming_the_choices():
    with pytest.raises(UnknownPriority, match="low, normal, high, urgent"):
        policies.load().for_reason("billing").targets_for("asap")


def _broken(path: str, value: object) -> dict:
    document = copy.deepcopy(DOCUMENT)
    *parents, last = path.split(".")
    node = document
    for key in parents:
        node = node[key]
    if value is None:
        del node[last]
    else:
        node[last] = value
    return document


@pytest.mark.parametrize(("path", "value", "named"), [
    ("reasons.billing.tiers.L2", None, "reasons.billing.tiers"),
    ("reasons.billing.tiers.L2", "nowhere", "reasons.billing.tiers.L2"),
    ("reasons.billing.onBreach", "panic", "reasons.billing.onBreach"),
    ("reasons.billing.targets.urgent", None, "reasons.billing.targets"),
    ("reasons.billing.targets.high.firstResponse", 0, "reasons.billing.targets.high.firstResponse"),
    ("reasons.billing.targets.high.resolution", 10, "reasons.billing.targets.high.resolution"),
    ("queues.billing_l1.hours", "moon_office", "queues.billing_l1.hours"),
    ("hours.bucharest_office.time_zone", "Europe/Atlantis", "hours.bucharest_office.time_zone"),
    ("reasons.default", None, "reasons"),
])
def test_mistakes_in_the_policies_file_are_named(path, value, named):
    with pytest.raises(PolicyError) as refused:
        policies.parse(_broken(path, value))
    assert named in str(refused.value)


def test_a_policy_for_a_reason_the_catalogue_does_not_know_is_refused():
    with pytest.raises(PolicyError, match=r"reasons\.billing is not a reason of the catalogue"):
        policies.parse(DOCUMENT, known_reasons={"delivery"})
    assert policies.parse(DOCUMENT, known_reasons={"billing"}).reason_ids == {"billing"}


def test_the_warning_schedule_never_fires_before_its_instant():
    assert sla.at_expression(datetime(2026, 12, 2, 9, 0, 0, 1, tzinfo=BUCHAREST)) == "at(2026-12-02T07:00:01)"
