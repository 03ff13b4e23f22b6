"""Data protection: a customer takes her data with her, then asks to be forgotten."""

from __future__ import annotations

import json
from urllib.parse import quote

from devkit.demo.stage import OUT, Stage


def run(stage: Stage) -> None:
    t = stage.transcript
    t.act("Data protection: Ana exports her data, then asks to be erased")
    ana = stage.customers["ana"]
    phone = ana["phone"]

    status, export = stage.http("GET", f"/customers/{ana['id']}/export")
    path = OUT / "exports" / f"{ana['id']}.json"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(export, ensure_ascii=False, indent=2), encoding="utf-8")
    t.say(f"GET /customers/{{id}}/export -> {status}: one JSON document, written to {path}")
    for section, items in export["data"].items():
        t.detail(section, f"{len(items)} item(s)")

    status, found = stage.http("GET", f"/customers?phone={quote(phone)}")
    t.say(f"GET /customers?phone=<her number> -> {status}: {found.get('firstName')} {found.get('lastName')}")

    status, record = stage.http("POST", f"/customers/{ana['id']}/erase")
    t.say(f"POST /customers/{{id}}/erase -> {status}: every holder erased, a tombstone kept as proof")
    t.detail("tombstone", record)
    again, repeat = stage.http("POST", f"/customers/{ana['id']}/erase")
    t.say(f"Asking again -> {again}, the same record: {'yes' if repeat == record else 'NO'} (nothing left to erase)")

    status, _ = stage.http("GET", f"/customers?phone={quote(phone)}")
    t.say(f"GET /customers?phone=<her number> -> {status} (nobody has that number now)")
    status, _ = stage.http("GET", f"/customers/{ana['id']}")
    t.say(f"GET /customers/{{her old id}} -> {status}")
    from app import app
    from deploy import flows
    from devkit.call import local_simulator
    from devkit.demo.act_calls import CLOCK, _show
    from devkit.flowsim import Customer

    simulator = local_simulator(stage.client, app, at=CLOCK)
    call = simulator.run(flows.render("inbound_voice", "local"), Customer(address=phone))
    _show(stage, "She calls again: nobody knows her; she starts afresh as a new caller, with no history", call)
    if call.attributes.get("customerId") == ana["id"] or record.get("status") != "done":
        raise SystemExit("erasure did not take effect")
