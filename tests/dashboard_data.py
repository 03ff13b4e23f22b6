"""Contact records for the dashboard's tests, its demo and its benchmark: calls and
chats on given days, with the waits, handle times and endpoints a supervisor's figures
come from."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from tests.helpers import kinesis_event

INSTANCE = "arn:aws:connect:eu-central-1:123456789012:instance/5f1c4c2e"
# Each queue's service-level threshold, in WFM_QUEUES as a contact center sets it.
WFM_QUEUES = json.dumps({"*": {"serviceLevel": {"target": 0.8, "seconds": 20}},
                         "Sales": {"serviceLevel": {"target": 0.8, "seconds": 60}}})
COST_MODEL = json.dumps({
    "currency": "EUR", "agentHour": 18.0,
    "telephonyMinute": {"inbound": {"*": 0.02, "RO": 0.01}, "outbound": {"*": 0.05}},
    "chatContact": 0.015, "whatsappConversation": {"service": 0.0, "utility": 0.02}, "platformContact": 0.001,
})


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%S.000Z")


def call(contact_id: str, start: datetime, *, queue: str = "Billing", wait: int = 10, agent: str | None = "ioana.m",
         talk: int = 300, hold: int = 0, acw: int = 60, reason: str = "billing", channel: str = "VOICE",
         method: str = "INBOUND", dialled: str = "+40312345000", customer: str | None = "+40712345678",
         ) -> dict[str, Any]:
    """A contact record: queued `wait` s, then handled by `agent` (None: abandoned);
    `customer` None for a caller whose number is withheld."""
    answered = start + timedelta(seconds=5 + wait)
    talk, hold, acw = (talk, hold, acw) if agent else (0, 0, 0)
    end = answered + timedelta(seconds=talk + hold)
    return {
        "AWSContactTraceRecordFormatVersion": "2017-03-10", "ContactId": contact_id, "InstanceARN": INSTANCE,
        "Channel": channel, "InitiationMethod": method, "InitiationTimestamp": _stamp(start),
        "DisconnectTimestamp": _stamp(end), "LastUpdateTimestamp": _stamp(end + timedelta(seconds=acw)),
        "DisconnectReason": "CUSTOMER_DISCONNECT", "Attributes": {"contactReason": reason},
        "CustomerEndpoint": {"Address": customer, "Type": "TELEPHONE_NUMBER"} if channel == "VOICE" and customer
        else None,
        "SystemEndpoint": {"Address": dialled, "Type": "TELEPHONE_NUMBER"} if channel == "VOICE" else None,
        "Queue": {"Name": queue, "ARN": f"{INSTANCE}/queue/{queue}", "Duration": wait,
                  "EnqueueTimestamp": _stamp(start + timedelta(seconds=5)),
                  "DequeueTimestamp": _stamp(answered)},
        "Agent": {"Username": agent, "ARN": f"{INSTANCE}/agent/{agent}", "ConnectedToAgentTimestamp": _stamp(answered),
                  "AgentInteractionDuration": talk, "CustomerHoldDuration": hold,
                  "AfterContactWorkDuration": acw} if agent else None,
    }


def deliver(client, *records: dict[str, Any]) -> None:
    """Contact records through the Kinesis handler, as Connect streams them."""
    for start in range(0, len(records), 100):
        answer = client.lambda_.invoke("on_contact_record", kinesis_event(list(records[start:start + 100]))).payload
        assert answer == {"batchItemFailures": []}, answer
