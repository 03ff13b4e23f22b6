"""Omnichannel memory: contacts end, Connect reports them (contact events through
EventBridge, contact records through Kinesis), and the next agent, the next contact
flow and the supervisor all see it."""

from __future__ import annotations

import base64
import json
import uuid
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from chalicelib.db import utcnow
from chalicelib.settings import get_settings
from devkit.demo.stage import Stage

INSTANCE = "arn:aws:connect:eu-central-1:123456789012:instance/c8c0e68d-2200-4265-82c0-5f3a1b2c3d4e"


def flow_event(channel: str, address: str | None, attributes: dict[str, str] | None = None,
               subtype: str | None = None) -> dict[str, Any]:
    """The event Connect sends lookup_customer from a flow's InvokeLambdaFunction block."""
    contact_id = str(uuid.uuid4())
    return {"Name": "ContactFlowEvent", "Details": {"Parameters": {}, "ContactData": {
        "Attributes": attributes or {}, "Channel": channel, "ContactId": contact_id,
        "InitialContactId": contact_id, "PreviousContactId": None, "InitiationMethod": "INBOUND",
        "InstanceARN": INSTANCE, "Queue": None, "MediaStreams": {},
        "CustomerEndpoint": {"Address": address, "Type": "TELEPHONE_NUMBER"} if address else None,
        "SystemEndpoint": {"Address": "+40312345000", "Type": "TELEPHONE_NUMBER"},
        "SegmentAttributes": {"connect:Subtype": {"ValueString": subtype}} if subtype else {},
    }}}


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


class Contact:
    """One leg of a contact as Connect would report it."""

    def __init__(self, channel: str, start: datetime, queue: str | None, agent: str | None, wait: int,
                 talk: int = 0, acw: int = 0, method: str = "INBOUND", contact_id: str | None = None,
                 initial: Contact | None = None, attributes: dict[str, str] | None = None,
                 endpoint: dict[str, str] | None = None) -> None:
        self.contact_id = contact_id or str(uuid.uuid4())
        self.channel, self.start, self.queue, self.agent = channel, start, queue, agent
        self.wait, self.talk, self.acw, self.method = wait, talk, acw, method
        self.initial, self.attributes, self.endpoint = initial, attributes or {}, endpoint
        self.next: Contact | None = None
        self.end = start + timedelta(seconds=5 + wait + talk)

    def events(self) -> list[dict[str, Any]]:
        detail = {"contactId": self.contact_id, "initialContactId": (self.initial or self).contact_id,
                  "channel": self.channel, "instanceArn": INSTANCE, "initiationMethod": self.method,
                  "initiationTimestamp": _stamp(self.start)}
        queued_at = self.start + timedelta(seconds=5)
        steps: list[tuple[str, datetime, dict[str, Any]]] = [("INITIATED", self.start, {})]
        if self.queue:
            steps.append(("QUEUED", queued_at, {"queueInfo": {
                "queueArn": f"{INSTANCE}/queue/{self.queue}", "enqueueTimestamp": _stamp(queued_at)}}))
        if self.agent:
            connected = queued_at + timedelta(seconds=self.wait)
            steps.append(("CONNECTED_TO_AGENT", connected, {"agentInfo": {
                "agentArn": f"{INSTANCE}/agent/{self.agent}", "connectedToAgentTimestamp": _stamp(connected)}}))
        steps.append(("DISCONNECTED", self.end, {"disconnectTimestamp": _stamp(self.end)}))
        return [{"version": "0", "id": str(uuid.uuid4()), "detail-type": "Amazon Connect Contact Event",
                 "source": "aws.connect", "account": "123456789012", "time": _stamp(at), "region": "eu-central-1",
                 "resources": [INSTANCE], "detail": {**detail, "eventType": kind, **extra}}
                for kind, at, extra in steps]

    def record(self) -> dict[str, Any]:
        queued_at = self.start + timedelta(seconds=5)
        return {
            "AWSContactTraceRecordFormatVersion": "2017-03-10", "ContactId": self.contact_id,
            "InitialContactId": self.initial.contact_id if self.initial else None,
            "PreviousContactId": self.initial.contact_id if self.initial else None,
            "NextContactId": self.next.contact_id if self.next else None,
            "Channel": self.channel, "InitiationMethod": self.method, "InitiationTimestamp": _stamp(self.start),
            "DisconnectTimestamp": _stamp(self.end), "LastUpdateTimestamp": _stamp(self.end + timedelta(minutes=2)),
            "DisconnectReason": "CUSTOMER_DISCONNECT", "Attributes": self.attributes,
            "CustomerEndpoint": self.endpoint, "InstanceARN": INSTANCE,
            "Queue": {"Name": self.queue, "ARN": f"{INSTANCE}/queue/{self.queue}", "Duration": self.wait,
                      "EnqueueTimestamp": _stamp(queued_at),
                      "DequeueTimestamp": _stamp(queued_at + timedelta(seconds=self.wait))} if self.queue else None,
            "Agent": {"Username": self.agent, "ARN": f"{INSTANCE}/agent/{self.agent}",
                      "ConnectedToAgentTimestamp": _stamp(queued_at + timedelta(seconds=self.wait)),
                      "AgentInteractionDuration": self.talk, "CustomerHoldDuration": 0,
                      "AfterContactWorkDuration": self.acw} if self.agent else None,
        }


def _report(stage: Stage, legs: list[Contact]) -> None:
    """Connect reports the contact: events on EventBridge, records on Kinesis."""
    for leg in legs:
        for event in leg.events():
            stage.invoke("on_contact_event", event)
    records = [{"kinesis": {"sequenceNumber": str(n), "partitionKey": "connect", "kinesisSchemaVersion": "1.0",
                            "approximateArrivalTimestamp": 0,
                            "data": base64.b64encode(json.dumps(leg.record()).encode()).decode()},
                "eventSource": "aws:kinesis"} for n, leg in enumerate(legs)]
    answer = stage.invoke("on_contact_record", {"Records": records})
    if answer != {"batchItemFailures": []}:
        raise SystemExit(f"contact records were not recorded: {answer}")


def _lookup(stage: Stage, who: str, event: dict[str, Any]) -> dict[str, Any]:
    answer = stage.invoke("lookup_customer", event)
    stage.transcript.say(who)
    stage.transcript.detail("lookup_customer answered", {k: answer[k] for k in (
        "status", "firstName", "lastChannel", "lastContactReason", "daysSinceLastContact", "contactsLast30Days")})
    return answer


def _timeline_line(item: dict[str, Any]) -> str:
    legs = f", {item['transfers']} transfer" if item["transfers"] else ""
    fcr = ("repeat contact" if item["repeatContact"] else
           "resolved at first contact" if item["resolvedAtFirstContact"] else
           "not resolved at first contact" if item["resolvedAtFirstContact"] is False else "")
    outcome = "abandoned in queue" if item["abandoned"] else f"with {item['agent']}"
    return (f"{item['startedAt'][:16].replace('T', ' ')}  {item['channel']:<5} {item['queue'] or '-':<10} "
            f"{outcome:<18} reason={item['contactReason'] or '-':<8} handle={item['handleSeconds'] or 0}s"
            f"{legs}  {fcr}")


def run(stage: Stage) -> None:
    stage.transcript.act("Omnichannel memory: timeline, first-contact resolution, KPIs")
    ana, james = stage.customers["ana"], stage.customers["james"]
    now = utcnow().replace(microsecond=0)

    # Yesterday: Ana asks about her bill on the web chat; the agent explains it.
    chat_event = flow_event("CHAT", None, attributes={"email": ana["email"]})
    chat_event["Details"]["ContactData"]["InitiationMethod"] = "API"
    stage.invoke("lookup_customer", chat_event)
    chat = Contact("CHAT", now - timedelta(hours=26), "Billing", "maria.t", wait=35, talk=420, acw=40, method="API",
                   contact_id=chat_event["Details"]["ContactData"]["ContactId"],
                   attributes={"customerId": ana["id"], "contactReason": "billing", "disposition": "explained",
                               "resolved": "true"})
    _report(stage, [chat])
    stage.transcript.say("Yesterday: Ana chats about her bill; the agent explains it and marks it resolved.")

    # This morning she calls: the flow already knows what happened yesterday.
    call_event = flow_event("VOICE", "+40712345678")
    _lookup(stage, "This morning Ana calls; the contact flow greets her with yesterday's chat:", call_event)
    first = Contact("VOICE", now - timedelta(hours=2), "Billing", "ioana.m", wait=48, talk=260, acw=20,
                    contact_id=call_event["Details"]["ContactData"]["ContactId"],
                    attributes={"customerId": ana["id"], "contactReason": "billing"},
                    endpoint={"Address": "+40712345678", "Type": "TELEPHONE_NUMBER"})
    second = Contact("VOICE", first.end, "Retention", "andrei.p", wait=22, talk=380, acw=55, method="TRANSFER",
                     initial=first, attributes={"customerId": ana["id"], "contactReason": "billing",
                                                "disposition": "credit_note", "resolved": "true"},
                     endpoint={"Address": "+40712345678", "Type": "TELEPHONE_NUMBER"})
    first.next = second
    _report(stage, [second, first])  # records arrive in any order
    stage.transcript.say("The billing agent transfers her to Retention, who issues a credit note.")

    abandoned = Contact("VOICE", now - timedelta(hours=1), "Billing", None, wait=140,
                        endpoint={"Address": james["phone"], "Type": "TELEPHONE_NUMBER"})
    _report(stage, [abandoned])
    stage.transcript.say("James calls and hangs up after 140 s in the Billing queue.")

    status, timeline = stage.http("GET", f"/customers/{ana['id']}/timeline?limit=10")
    stage.transcript.say(f"GET /customers/{{ana}}/timeline -> {status}: both channels, transfers folded in")
    for item in timeline["interactions"]:
        stage.transcript.say("  " + _timeline_line(item))

    zone = ZoneInfo(get_settings().metrics_time_zone)
    start, end = (now - timedelta(hours=26)).astimezone(zone).date(), now.astimezone(zone).date()
    status, report = stage.http("GET", f"/metrics?from={start}&to={end}&by=queue")
    totals = report["totals"]
    stage.transcript.say(f"GET /metrics?from={start}&to={end}&by=queue -> {status} ({report['timeZone']} days)")
    stage.transcript.say(f"  total: {totals['contacts']} contacts, {totals['handled']} handled legs, "
                         f"FCR {totals['fcrPercent']}% ({totals.get('fcrResolved', 0)}/{totals['fcrEligible']}: "
                         f"Ana's call within {get_settings().repeat_window_hours} h of her chat breaks its FCR), "
                         f"abandonment {totals['abandonmentPercent']}%, AHT {totals['averageHandleSeconds']} s")
    for group in report["groups"]:
        stage.transcript.say(f"  {group['value']:<10} contacts={group['contacts']} handled={group['handled']} "
                             f"AHT={group['averageHandleSeconds']} s abandoned={group['abandoned']} "
                             f"avg wait={group['averageQueueWaitSeconds']} s")

    _lookup(stage, "Ana writes again, on WhatsApp this time; every channel shares the same memory:",
            flow_event("CHAT", "+40712345678", subtype="connect:WhatsApp"))
