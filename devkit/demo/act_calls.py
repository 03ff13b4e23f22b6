"""Customers call and chat through the real Amazon Connect flows (templates/flows),
played by the flow simulator against the real lookup_customer and DynamoDB."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

from devkit.demo.stage import Stage
from devkit.flowsim import CallResult, Customer

# A Monday morning in Bucharest: every queue is open.
CLOCK = datetime.fromisoformat("2025-03-03T10:00")


def _show(stage: Stage, who: str, result: CallResult) -> None:
    t = stage.transcript
    t.say(who)
    for step in result.steps:
        if step.kind == "hear":
            t.detail("hears", f'"{step.text}"')
        elif step.kind == "input":
            t.detail("enters", step.text)
        elif step.kind == "lambda":
            answer = step.detail.get("answer")
            shown = {k: v for k, v in (answer or {}).items() if v} if isinstance(answer, dict) else answer
            t.detail(step.text, shown if shown is not None else "")
        elif step.kind in ("voice", "queue", "flow", "hours"):
            t.detail(step.kind, step.text)
    t.detail("agent's CCP shows", {k: v for k, v in result.attributes.items() if v})
    t.detail("outcome", f"queued in {result.queue}" if result.queue else result.outcome)


@contextmanager
def dynamodb_throttled() -> Iterator[None]:
    """DynamoDB answering every request with a throttle, through botocore's own hook."""
    from botocore.awsrequest import AWSResponse

    from chalicelib import tables

    body = (b'{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",'
            b'"message":"Rate of requests exceeds the allowed throughput."}')

    class Raw:
        def stream(self, **_: object) -> Iterator[bytes]:
            yield body

    def throttle(request, **_: object) -> AWSResponse:
        return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.0"}, Raw())

    clients = [model._get_connection().connection.client for model in tables.all_models()]
    for client in clients:
        client.meta.events.register("before-send.dynamodb", throttle, unique_id="demo-throttle")
    try:
        yield
    finally:
        for client in clients:
            client.meta.events.unregister("before-send.dynamodb", unique_id="demo-throttle")


def run(stage: Stage) -> None:
    from app import app
    from deploy import flows
    from devkit.call import local_simulator

    simulator = local_simulator(stage.client, app, at=CLOCK)
    voice, chat = flows.render("inbound_voice", "local"), flows.render("inbound_chat", "local")

    stage.transcript.act("Calls and chats through the Connect flows")
    stage.transcript.say(f"(flows from templates/flows, clock {CLOCK:%A %H:%M} Europe/Bucharest)")
    _show(stage, "Ana calls from her Romanian mobile (known, gold, speaks Romanian)",
          simulator.run(voice, Customer(address="+40712345678")))
    _show(stage, "An unknown caller from Italy (a profile is started, language guessed from +39)",
          simulator.run(voice, Customer(address="+393471112223")))
    _show(stage, "James calls (VIP)", simulator.run(voice, Customer(address="+447400123456")))
    _show(stage, "Giulia opens the web chat; the widget passes her e-mail",
          simulator.run(chat, Customer(channel="CHAT", address=None,
                                       attributes={"email": "giulia.rossi@example.it"})))
    _show(stage, "Eszter writes on WhatsApp",
          simulator.run(chat, Customer(channel="CHAT", address="+36201234567", subtype="connect:WhatsApp")))
    with dynamodb_throttled():
        _show(stage, "Ana calls while DynamoDB is throttling (the lookup fails: safe fallback)",
              simulator.run(voice, Customer(address="+40712345678")))

    answer = stage.invoke("lookup_customer", {"Details": "this is not a Connect event"})
    stage.transcript.say("A malformed event sent straight to lookup_customer (nothing raises)")
    stage.transcript.detail("lookup_customer answered", answer)
