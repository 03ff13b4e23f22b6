"""Retail return: Ana calls the returns line, keys in her order number and hears the
AWB; a minute later WhatsApp confirms it and the label arrives by e-mail; the next day
she asks on the web chat where her return is. Every step is in her timeline."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Any

from devkit.demo.stage import Stage

INSTANCE = "arn:aws:connect:eu-central-1:123456789012:instance/c8c0e68d-2200-4265-82c0-5f3a1b2c3d4e"
# A Monday morning in Bucharest: every queue is open.
CLOCK = datetime.fromisoformat("2025-03-03T10:00")


def seed_orders(customers: dict[str, dict[str, Any]]) -> None:
    """The shop's order system keeps the orders table current; here it is seeded."""
    from chalicelib.db import utcnow
    from chalicelib.retail.orders import Order, TableOrderSource, order_key
    from chalicelib.settings import get_settings

    now = utcnow()
    source = TableOrderSource(get_settings())
    for number, who, status, delivered_days_ago, total in [
        ("100-4821", "ana", "delivered", 4, 124990),    # a coat, delivered last week
        ("100-3977", "ana", "delivered", 52, 8990),     # delivered in January: past the window
        ("100-5002", "giulia", "delivered", 2, 15900),  # someone else's
    ]:
        delivered = now - timedelta(days=delivered_days_ago)
        source.save(Order(number=number, key=order_key(number), customer_id=customers[who]["id"], status=status,
                          placed_at=delivered - timedelta(days=3), delivered_at=delivered, total_minor=total,
                          currency="RON"))


def schedule(name: str) -> dict[str, Any]:
    """A schedule as EventBridge Scheduler holds it."""
    import boto3

    from chalicelib.settings import get_settings

    settings = get_settings()
    return boto3.client("scheduler", region_name=settings.region).get_schedule(
        Name=name, GroupName=settings.schedule_group)


def fire(stage: Stage, found: dict[str, Any]) -> Any:
    """What EventBridge Scheduler does when the time comes: invoke the target with its input."""
    return stage.invoke("scheduled_step", json.loads(found["Target"]["Input"]))


def call_ended(stage: Stage, contact_id: str, channel: str = "VOICE") -> None:
    """Connect reports the end of the contact (EventBridge), as for every call."""
    from chalicelib.db import utcnow

    now = utcnow().strftime("%Y-%m-%dT%H:%M:%S.000Z")
    stage.invoke("on_contact_event", {
        "version": "0", "id": contact_id, "detail-type": "Amazon Connect Contact Event", "source": "aws.connect",
        "account": "123456789012", "time": now, "region": "eu-central-1", "resources": [INSTANCE],
        "detail": {"eventType": "DISCONNECTED", "contactId": contact_id, "initialContactId": contact_id,
                   "channel": channel, "instanceArn": INSTANCE, "initiationMethod": "INBOUND",
                   "initiationTimestamp": now, "disconnectTimestamp": now,
                   "disconnectReason": "CUSTOMER_DISCONNECT"}})


def show_call(stage: Stage, who: str, result: Any) -> None:
    t = stage.transcript
    t.say(who)
    for step in result.steps:
        if step.kind == "hear":
            t.detail("hears", f'"{step.text}"')
        elif step.kind == "input":
            t.detail("enters", step.text)
        elif step.kind == "lambda" and step.detail.get("function") != "lookup_customer":
            answer = {k: v for k, v in (step.detail.get("answer") or {}).items() if v}
            t.detail(step.text, answer)
    # (The chat widget's own attributes, such as the e-mail it passes, are left out.)
    t.detail("agent's CCP would show", {k: v for k, v in result.attributes.items() if v and k != "email"})
    t.detail("outcome", f"queued in {result.queue}" if result.queue else result.outcome)


def show_whatsapp(stage: Stage) -> None:
    """What went to End User Messaging Social (recorded in the local run)."""
    for call in stage.recorder.of("SendWhatsAppMessage") if stage.recorder else []:
        message = json.loads(call.params["message"])
        stage.transcript.detail("socialmessaging.SendWhatsAppMessage (recorded)", {
            "originationPhoneNumberId": call.params["originationPhoneNumberId"],
            "metaApiVersion": call.params["metaApiVersion"], "message": message})
    if stage.recorder:
        stage.recorder.calls[:] = [c for c in stage.recorder.calls if c.operation != "SendWhatsAppMessage"]


def run(stage: Stage) -> None:
    from app import app
    from deploy import flows
    from devkit.call import local_simulator
    from devkit.flowsim import Customer
    from devkit.mailbox import sent_emails

    t = stage.transcript
    t.act("Retail return: a call, then WhatsApp, then the label by e-mail")
    ana = stage.customers["ana"]
    seed_orders(stage.customers)
    status, _ = stage.http("PATCH", f"/customers/{ana['id']}", {"whatsapp": ana["phone"]})
    t.say(f"Ana adds her WhatsApp number in her account (PATCH /customers/{{id}} -> {status})")

    simulator = local_simulator(stage.client, app, at=CLOCK)
    line = flows.render("retail_return", "local")
    result = simulator.run(line, Customer(address="+40712345678", inputs=["1004821"]))
    show_call(stage, "Ana calls the returns line and keys in order 100-4821:", result)
    call_ended(stage, result.contact_id)
    show_call(stage, "She tries an older order too (delivered 52 days ago):",
              simulator.run(line, Customer(address="+40712345678", inputs=["1003977"])))
    show_call(stage, "...and one that is not hers:",
              simulator.run(line, Customer(address="+40712345678", inputs=["1005002"])))

    follow_up = schedule("return-R-1004821-follow-up")
    t.say("The return's follow-up, an EventBridge Scheduler one-time schedule:")
    t.detail("schedule", {"expression": follow_up["ScheduleExpression"], "target": follow_up["Target"]["Arn"],
                          "input": json.loads(follow_up["Target"]["Input"]),
                          "afterCompletion": follow_up["ActionAfterCompletion"]})
    before = len(sent_emails())
    t.say("A minute later it runs (scheduled_step): WhatsApp confirms the return, the label goes by e-mail")
    t.detail("scheduled_step answered", fire(stage, follow_up))
    show_whatsapp(stage)
    for mail in sent_emails()[before:]:
        t.detail(f"e-mail ({mail.header('Content-Language')})", mail.subject)
    t.detail("run again by a Scheduler retry", fire(stage, follow_up))
    t.detail("WhatsApp messages sent again", len(stage.recorder.of("SendWhatsAppMessage")) if stage.recorder else 0)

    # Signed in on the website, whose backend started the chat (POST /chat/start)
    chat = simulator.run(flows.render("return_status", "local"),
                         Customer(channel="CHAT", address=None,
                                  attributes={"customerId": ana["id"], "recognisedBy": "session"}))
    show_call(stage, "The next day Ana, signed in on the website, asks on the web chat: where is my return?", chat)
    call_ended(stage, chat.contact_id, channel="CHAT")

    status, document = stage.http("GET", "/returns/R-1004821")
    t.say(f"An agent's tool: GET /returns/R-1004821 -> {status}")
    t.detail("return", {k: document[k] for k in ("status", "carrier", "awbNumber", "labelUrl", "pickupOn")})
    t.detail("steps", [f"{s['step']}" for s in document["steps"]])
    status, timeline = stage.http("GET", f"/customers/{ana['id']}/timeline?limit=8")
    t.say(f"Her timeline (GET /customers/{{id}}/timeline -> {status}), newest first:")
    for item in timeline["interactions"]:
        t.say(f"    {item['startedAt'][:19].replace('T', ' ')}  {item['channel']:<8} {item['kind']:<22} "
              f"{item['reference'] or item['id']}")
