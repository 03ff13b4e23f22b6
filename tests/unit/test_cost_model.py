"""The cost model a contact center writes in COST_MODEL: each mistake named where it
is, and cost per contact computed from counters with the parts it adds up from."""

from __future__ import annotations

import json

import pytest

from chalicelib.metrics import cost
from chalicelib.settings import SettingsError

MODEL = cost.parse(json.dumps({
    "currency": "RON", "agentHour": 60, "telephonyMinute": {"inbound": {"*": 0.1, "RO": 0.05}, "outbound": {"*": 0.2}},
    "chatContact": 0.05, "whatsappConversation": {"service": 0, "utility": 0.08}, "emailThousand": 0.5,
    "platformContact": 0.01}))


@pytest.mark.parametrize(("raw", "problem"), [
    ('{"agentHour": -1}', "COST_MODEL.agentHour must be a price"),
    ('{"agentHour": "20"}', "COST_MODEL.agentHour must be a price"),
    ('{"currency": "euro"}', "COST_MODEL.currency must be an ISO 4217 code"),
    ('{"telephonyMinute": {"in": {}}}', "telephonyMinute holds inbound and outbound"),
    ('{"telephonyMinute": {"inbound": {"Romania": 0.1}}}', "keyed by ISO 3166 country"),
    ('{"whatsappConversation": {"promo": 0.1}}', "keyed by service, utility, marketing, authentication"),
    ('{"agentHours": 20}', "COST_MODEL.agentHours is not a part of the cost model"),
    ('[1]', "COST_MODEL. must be a JSON object"),
    ("{", "COST_MODEL is not JSON"),
])
def test_a_mistake_in_the_cost_model_is_named(raw, problem):
    with pytest.raises(SettingsError, match=problem.replace(".", r"\.")):
        cost.parse(raw)


def test_an_empty_model_reports_no_cost():
    assert cost.parse("{}") is None and cost.parse("") is None


def test_cost_per_contact_adds_up_its_parts():
    # Two contacts: 30 min of handle time, a 3-minute call to a Romanian number, an
    # outbound minute to an unpriced country, a chat, a WhatsApp service conversation
    spent = cost.cost({"contacts": 2, "handle_seconds": 1800, "phone_in_seconds_ro": 180,
                       "phone_out_seconds_de": 60, "chats": 1, "whatsapp_service": 1, "emails_sent": 2000}, MODEL)
    parts = [(p["part"], p.get("country"), p["quantity"], p["amount"]) for p in spent["parts"]]
    assert parts == [("agents", None, 0.5, 30.0), ("telephony", "RO", 3.0, 0.15), ("telephony", "DE", 1.0, 0.2),
                     ("chat", None, 1, 0.05), ("email", None, 2.0, 1.0), ("platform", None, 2, 0.02)]
    assert spent["total"] == 31.42 and spent["perContact"] == 15.71 and spent["currency"] == "RON"


def test_no_contacts_cost_nothing_per_contact():
    assert cost.cost({}, MODEL) == {"currency": "RON", "total": 0, "perContact": None, "contacts": 0, "parts": []}
