"""Why customers contact us: the reason predicted before an agent picks up, on chat,
e-mail and voice (a silent caller with an open return), through the real flows and
predict_reason; then learned from the agent's wrap-up (what `make reasons-export`
writes for `make reasons-model`)."""

from __future__ import annotations

from devkit.demo.act_calls import CLOCK, _show
from devkit.demo.stage import OUT, Stage

ANA_WRITES = "Bună ziua, factura mea a fost plătită de două ori luna asta"
GIULIA_SUBJECT = "Vorrei restituire le scarpe dell'ordine 100-4822, sono troppo piccole"


def _routed(stage: Stage, result) -> None:
    answers = [s.detail.get("answer") for s in result.lambda_calls() if "predict_reason" in s.text]
    answer = next((a for a in reversed(answers) if isinstance(a, dict) and a.get("reason")), {})
    stage.transcript.detail("why", f"{answer.get('reason')} ({answer.get('label')}), confidence "
                                   f"{answer.get('confidence')}, because: {answer.get('because')} "
                                   f"-> queue {result.queue}")


def run(stage: Stage) -> None:
    from app import app
    from deploy import flows
    from devkit import reasons_export
    from devkit.call import local_simulator
    from devkit.flowsim import Customer

    t = stage.transcript
    t.act("Why customers contact us: predicted on every channel, learned from wrap-up")
    simulator = local_simulator(stage.client, app, at=CLOCK)

    t.say("(Amazon Lex has no Romanian: in Romanian the customer's own words come in writing)")
    chat = simulator.run(flows.render("inbound_chat", "local"), Customer(
        channel="CHAT", address=None, inputs=["2"],
        attributes={"email": stage.customers["ana"]["email"], "question": ANA_WRITES}))
    _show(stage, f'Ana opens the web chat, typing why in Romanian: "{ANA_WRITES}"', chat)
    _routed(stage, chat)

    email = simulator.run(flows.render("inbound_email", "local"), Customer(
        channel="EMAIL", address=stage.customers["giulia"]["email"], address_type="EMAIL_ADDRESS",
        subject=GIULIA_SUBJECT, system_address="assistenza@lumen.example"))
    _show(stage, f'Giulia e-mails in Italian: "{GIULIA_SUBJECT}"', email)
    _routed(stage, email)

    giulia_phone = stage.customers["giulia"]["phone"].replace(" ", "")
    returned = simulator.run(flows.render("retail_return", "local"), Customer(address=giulia_phone, inputs=["1005002"]))
    t.say(f"Giulia then calls the returns line and keys in order 100-5002: return "
          f"{returned.attributes.get('returnId')} ({returned.attributes.get('returnStatus')})")
    silent = simulator.run(flows.render("inbound_voice", "local"), Customer(address=giulia_phone, inputs=["1"]))
    _show(stage, "Giulia calls the main line and says nothing: she has an open return", silent)
    _routed(stage, silent)

    t.say("Learning from wrap-up: the agent on Ana's chat sets the reason; what she wrote was kept, masked")
    wrap = {"reason": "billing", "disposition": "answered", "resolved": True}
    status, _ = stage.http("POST", f"/agent/contacts/{chat.contact_id}/wrap-up", wrap)
    t.detail(f"POST /agent/contacts/{{id}}/wrap-up -> {status}", wrap)
    stage.show_recorded("UpdateContactAttributes")
    out = OUT / "reasons" / "wrapup.tsv"
    examples, skipped = reasons_export.run(out)
    t.say(f"make reasons-export (here into {out}; by default chalicelib/reasons/examples/wrapup.tsv, "
          "which make reasons-model trains on):")
    for example in examples:
        t.detail("example", example.line().replace("\t", " | "))
    t.detail("left out", dict(skipped))
