"""Customer recognition, as Amazon Connect invokes lookup_customer from a flow."""

from __future__ import annotations

import uuid

from devkit.demo.stage import Stage

INSTANCE = "arn:aws:connect:eu-central-1:123456789012:instance/c8c0e68d-2200-4265-82c0-5f3a1b2c3d4e"


def flow_event(channel: str, address: str | None, address_type: str = "TELEPHONE_NUMBER",
               attributes: dict[str, str] | None = None, subtype: str | None = None) -> dict:
    contact_id = str(uuid.uuid4())
    return {"Name": "ContactFlowEvent", "Details": {"Parameters": {}, "ContactData": {
        "Attributes": attributes or {}, "Channel": channel, "ContactId": contact_id,
        "InitialContactId": contact_id, "PreviousContactId": None, "InitiationMethod": "INBOUND",
        "InstanceARN": INSTANCE, "Queue": None, "MediaStreams": {},
        "CustomerEndpoint": {"Address": address, "Type": address_type} if address else None,
        "SystemEndpoint": {"Address": "+40312345000", "Type": "TELEPHONE_NUMBER"},
        "SegmentAttributes": {"connect:Subtype": {"ValueString": subtype}} if subtype else {},
    }}}


def _show(stage: Stage, who: str, event: dict) -> dict:
    answer = stage.invoke("lookup_customer", event)
    stage.transcript.say(who)
    stage.transcript.detail("lookup_customer answered", answer)
    return answer


def run(stage: Stage) -> None:
    stage.transcript.act("Contact flow: who is calling?")
    _show(stage, "Ana calls from her Romanian mobile (known caller)", flow_event("VOICE", "+40712345678"))
    _show(stage, "An unknown caller from Italy (a profile is created, language guessed from +39)",
          flow_event("VOICE", "+393471112223"))
    _show(stage, "Eszter writes on WhatsApp (recognised by her WhatsApp number)",
          flow_event("CHAT", "+36201234567", subtype="connect:WhatsApp"))
    _show(stage, "Giulia opens the web chat; the widget passes her e-mail",
          flow_event("CHAT", None, attributes={"email": "giulia.rossi@example.it"}))
    _show(stage, "A caller with a withheld number", flow_event("VOICE", "anonymous"))
    answer = stage.invoke("lookup_customer", {"Details": "this is not a Connect event"})
    stage.transcript.say("A malformed event (the flow takes its safe branch, nothing raises)")
    stage.transcript.detail("lookup_customer answered", answer)
