"""The agent panel: Ana calls again and the agent sees who she is, why she may be
calling and what happened before, in one data call; the agent wraps up and the
wrap-up goes to the contact (UpdateContactAttributes, recorded: the embedded AWS has
no Connect) and to her timeline. A caller from an unknown number is found by e-mail.

With Chromium installed, `make demo` also photographs the panel as an agent sees it
(out/screens/): a known caller with history, an unknown caller being linked."""

from __future__ import annotations

from devkit.demo.act_timeline import flow_event
from devkit.demo.screens import browser_page
from devkit.demo.stage import Stage

# Fixed contact ids, so that `make serve` can print the panel's address for them.
KNOWN_CONTACT = "5a1d0c3e-7b2f-4e6a-9c1d-a9e1c0de0001"
JAMES_CONTACT = "5a1d0c3e-7b2f-4e6a-9c1d-a9e1c0de0002"
UNKNOWN_CONTACT = "5a1d0c3e-7b2f-4e6a-9c1d-a9e1c0de0003"
UNKNOWN_NUMBER = "+40 745 000 111"


def _call(stage: Stage, contact_id: str, address: str) -> dict:
    event = flow_event("VOICE", address)
    for key in ("ContactId", "InitialContactId"):
        event["Details"]["ContactData"][key] = contact_id
    return stage.invoke("lookup_customer", event)


def run(stage: Stage) -> None:
    t = stage.transcript
    t.act("Agent panel: the customer in the agent workspace, and the wrap-up written back")
    ana, james = stage.customers["ana"], stage.customers["james"]
    _call(stage, KNOWN_CONTACT, ana["phone"])
    _call(stage, JAMES_CONTACT, james["phone"])
    status, view = stage.http("GET", f"/agent/contacts/{KNOWN_CONTACT}?lang=en")
    who = view["who"]
    t.say(f"GET /agent/contacts/{{contact}} -> {status}: {view['state']} caller, one call for the first paint")
    addresses = ", ".join(f"{a['label']} {a['value']}" for a in who["addresses"])
    t.detail("who", f"{who['name']} · {who['tierName']} · {who['preferredLanguageName']} · {addresses} · "
                    f"recognised by {who['recognisedByText']}")
    for item in view["before"]["items"][:4]:
        t.detail("before", item["line"])
    wrap = {"reason": "billing", "disposition": "answered", "resolved": True, "note": "Explained the second invoice."}
    status, _ = stage.http("POST", f"/agent/contacts/{KNOWN_CONTACT}/wrap-up", wrap)
    t.say(f"POST .../wrap-up -> {status}: saved to the contact and her timeline")
    stage.show_recorded("UpdateContactAttributes")
    again, repeat = stage.http("POST", f"/agent/contacts/{KNOWN_CONTACT}/wrap-up", wrap)
    t.say(f"The same wrap-up again -> {again} {repeat['status']}: nothing sent to Connect twice")

    _call(stage, UNKNOWN_CONTACT, UNKNOWN_NUMBER)
    status, view = stage.http("GET", f"/agent/contacts/{UNKNOWN_CONTACT}?lang=en")
    t.say(f"A call from an unknown number -> {view['state']} (a profile was created for it)")
    status, found = stage.http("POST", f"/agent/contacts/{UNKNOWN_CONTACT}/search", {"email": james["email"]})
    t.say(f"The agent searches by the e-mail address the caller gives -> {status}: "
          f"{found['customers'][0]['name']}, {', '.join(a['value'] for a in found['customers'][0]['addresses'])}")
    if getattr(stage, "screens", False):
        screenshots(stage)


def screenshots(stage: Stage) -> None:
    """The panel in Debian's Chromium, photographed into out/screens/."""
    with browser_page(stage, {"width": 760, "height": 1100}) as (page, base, screens):
        if page is None:
            return
        page.goto(f"{base}/agent?contactId={KNOWN_CONTACT}&lang=en")
        page.locator("#timeline li").first.wait_for()
        page.screenshot(path=str(screens / "agent-panel-known-caller.png"), full_page=True)
        page.goto(f"{base}/agent?contactId={UNKNOWN_CONTACT}&lang=en")
        page.locator("#find").wait_for()
        page.locator("#find-by-email").check()
        page.get_by_label("Phone number or e-mail address").fill(stage.customers["james"]["email"])
        page.get_by_role("button", name="Search").click()
        page.get_by_role("button", name="Merge the new profile into this customer").wait_for()
        page.screenshot(path=str(screens / "agent-panel-unknown-caller-linking.png"), full_page=True)
    stage.transcript.say("Screenshots: out/screens/agent-panel-known-caller.png, "
                         "out/screens/agent-panel-unknown-caller-linking.png")
