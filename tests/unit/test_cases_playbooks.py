"""Playbooks as agents read them: every shipped file complete in four languages, and
a mistake in a file named before it reaches an agent."""

from __future__ import annotations

import copy
import json

import pytest

from chalicelib.cases import playbooks
from chalicelib.cases.playbooks import PlaybookError

BILLING = json.loads((playbooks.DIRECTORY / "billing.json").read_text(encoding="utf-8"))


def test_every_shipped_playbook_has_each_tier_in_every_language():
    shipped = playbooks.load_all()
    assert {"billing", "default"} <= set(shipped)
    for playbook in shipped.values():
        for tier in ("L1", "L2", "L3"):
            assert playbook.mandatory(tier), f"{playbook.reason_id} {tier} has no mandatory step"
            for step in playbook.steps(tier):
                assert set(step.text) == {"en", "ro", "it", "hu"}


def test_a_reason_without_a_playbook_gets_the_default_one():
    assert playbooks.for_reason("delivery").reason_id == "default"
    assert playbooks.for_reason("billing").mandatory("L1") == ["verify_identity", "identify_invoice",
                                                               "check_duplicate_charge"]


def test_a_step_reads_in_the_agents_language():
    step = playbooks.for_reason("billing").step("L1", "promise_callback")
    assert step.to_document("hu")["text"].startswith("Ígérhet választ")
    assert step.to_document("en")["mandatory"] is False


@pytest.mark.parametrize(("change", "named"), [
    (lambda d: d["tiers"].pop("L3"), "billing.json.tiers must list"),
    (lambda d: d["tiers"]["L1"][0]["text"].pop("hu"), "billing.json.tiers.L1[0].text must say it in each of"),
    (lambda d: d["tiers"]["L1"][1].update(kind="wish"), "billing.json.tiers.L1[1].kind"),
    (lambda d: d["tiers"]["L2"][0].update(mandatory="yes"), "billing.json.tiers.L2[0].mandatory"),
    (lambda d: d["tiers"]["L1"][1].update(id="verify_identity"), "appears twice in L1"),
    (lambda d: d["tiers"]["L1"][1].update(id="Verify Identity"), "billing.json.tiers.L1[1].id"),
])
def test_mistakes_in_a_playbook_are_named(change, named):
    document = copy.deepcopy(BILLING)
    change(document)
    with pytest.raises(PlaybookError) as refused:
        playbooks.parse(document, "billing.json")
    assert named in str(refused.value)
