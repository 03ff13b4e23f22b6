"""Who is really calling: the returns line needs a verified caller. A call from Ana's
number is recognised, not verified: it hears nothing of her return until she keys in
the one-time code sent by SMS to the number on her profile (recorded
SendTextMessage). The same call with wrong codes locks her profile and reaches a
colleague, and the agent panel's data says "not verified"."""

from __future__ import annotations

import os
from typing import Any

from devkit.demo.act_retail_return import CLOCK, call_ended, show_call
from devkit.demo.act_sms import show_sms
from devkit.demo.stage import Stage

ANA_PHONE = "+40712345678"


def _settings(**changes: str) -> None:
    from chalicelib import settings

    settings._current = settings.load({**os.environ, **changes})


def _last_code(stage: Stage) -> str:
    """The code in the last SMS End User Messaging was asked to send (what Ana reads)."""
    import re

    [*_, text] = stage.recorder.of("SendTextMessage") if stage.recorder else [None]
    found = re.search(r"\b(\d{6})\b", text.params["MessageBody"]) if text else None
    if found is None:
        raise RuntimeError("no code was sent by SMS")
    return found.group(1)


def _wrong_code(stage: Stage) -> str:
    """A code that is not the one sent (a caller guessing)."""
    code = _last_code(stage)
    return str((int(code[0]) + 1) % 10) + code[1:]


def _panel(stage: Stage, contact_id: str) -> dict[str, Any]:
    status, view = stage.http("GET", f"/agent/contacts/{contact_id}?lang=en")
    return {"status": status, "recognisedBy": view.get("who", {}).get("recognisedByText"),
            "verification": view.get("verification", {}).get("text")}


def run(stage: Stage) -> None:
    from app import app
    from deploy import flows
    from devkit.call import local_simulator
    from devkit.flowsim import Customer

    t = stage.transcript
    t.act("Who is really calling: a code by SMS before the return's AWB; wrong codes reach an agent")
    _settings(ASSURANCE_LEVELS="start_return=verified,return_status=verified", VERIFICATION_CHANNELS="sms,email")
    try:
        t.say("The shop raises the returns line to `verified` (ASSURANCE_LEVELS) and sends codes by SMS first "
              "(VERIFICATION_CHANNELS=sms,email)")
        if stage.recorder:
            stage.recorder.calls[:] = [c for c in stage.recorder.calls if c.operation != "SendTextMessage"]
        simulator = local_simulator(stage.client, app, at=CLOCK)
        line = flows.render("return_status", "local")
        result = simulator.run(line, Customer(address=ANA_PHONE, inputs=[lambda: _last_code(stage)]))
        show_call(stage, "A caller from Ana's number asks where her return is; the code goes by SMS to the number "
                         "on her profile, she keys it in, and only then hears the AWB:", result)
        show_sms(stage)
        t.detail("agent panel (GET /agent/contacts/{id})", _panel(stage, result.contact_id))
        call_ended(stage, result.contact_id)

        guesses = [lambda: _wrong_code(stage)] * 3
        result = simulator.run(line, Customer(address=ANA_PHONE, inputs=guesses))
        show_call(stage, "Someone calling from Ana's number (a spoofed caller ID) keys in wrong codes three times: "
                         "the profile is locked, the AWB never said, the call goes to a colleague:", result)
        show_sms(stage)
        t.detail("agent panel (GET /agent/contacts/{id})", _panel(stage, result.contact_id))
        call_ended(stage, result.contact_id)
    finally:
        _settings()
