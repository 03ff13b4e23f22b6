"""Each queue's planning settings, as the team that deploys writes them."""

from __future__ import annotations

import json

import pytest

from chalicelib.wfm import queues
from chalicelib.wfm.queues import QueueSettingsError


def test_named_queues_inherit_the_defaults_and_override_them():
    defaults, named = queues.parse(json.dumps({
        "*": {"timeZone": "Europe/Rome", "country": "IT", "shrinkage": 0.25},
        "Billing": {"channels": ["VOICE", "CHAT"], "serviceLevel": {"target": 0.9, "seconds": 30},
                    "chatConcurrency": 3}}), "UTC")
    billing = named["Billing"]
    assert (billing.time_zone, billing.country, billing.shrinkage) == ("Europe/Rome", "IT", 0.25)
    assert (billing.target_service_level, billing.target_seconds) == (0.9, 30)
    assert billing.concurrency("CHAT") == 3 and billing.concurrency("VOICE") == 1
    assert defaults.name == "*" and set(named) == {"Billing"}


@pytest.mark.parametrize("document,where", [
    ({"Billing": {"timeZone": "Mars/Olympus"}}, "WFM_QUEUES['Billing'].timeZone"),
    ({"Billing": {"country": "XX"}}, "WFM_QUEUES['Billing'].country"),
    ({"Billing": {"shrinkage": 1.5}}, "WFM_QUEUES['Billing'].shrinkage"),
    ({"Billing": {"serviceLevel": {"target": 80, "seconds": 20}}}, "WFM_QUEUES['Billing'].serviceLevel.target"),
    ({"Billing": {"channels": ["FAX"]}}, "WFM_QUEUES['Billing'].channels"),
    ({"Billing": {"slaTarget": 0.8}}, "WFM_QUEUES['Billing'].slaTarget"),
    ({"*": []}, "WFM_QUEUES['*']"),
])
def test_a_mistake_names_the_queue_and_the_setting(document, where):
    with pytest.raises(QueueSettingsError) as raised:
        queues.parse(json.dumps(document), "UTC")
    assert str(raised.value).startswith(where + " ")
