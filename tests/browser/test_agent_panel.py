"""The agent panel used in a real browser, as an agent in the Amazon Connect agent
workspace uses it.

The workspace is stood in for by a tiny fake of the vendored SDK file, served in its
place: `AmazonConnectSDK.AmazonConnectApp.init({onCreate})` calls onCreate with
`{context: {scope: {contactId}}}`, which is how the real SDK hands a per-contact
application its contact. Everything else is real: the app's routes on loopback, its
page, script and data calls, over this test's moto; Amazon Connect stubbed."""

from __future__ import annotations

import json
import re

import pytest

from tests.agent_panel import ANA_PHONE, CONTACT, INSTANCE_ID, known_caller, lookup, many_activities
from tests.helpers import create_customer
from tests.journeys import connect

__all__ = ["connect"]  # fixture used here

FAKE_WORKSPACE_SDK = """
globalThis.AmazonConnectSDK = {
  AmazonConnectApp: {
    init(handlers) {
      globalThis.__workspace = handlers;
      setTimeout(() => handlers.onCreate({context: {scope: {contactId: %s}}}), 0);
      return {};
    },
  },
  ContactClient: class {},
};
"""


def in_workspace(page, site, contact_id=CONTACT):
    """Open the panel as the agent workspace does: framed page, contact from onCreate."""
    page.route("**/agent/static/amazon-connect-sdk.js", lambda route: route.fulfill(
        status=200, content_type="text/javascript", body=FAKE_WORKSPACE_SDK % json.dumps(contact_id)))
    page.goto(site + "/agent")


def tab_to(page, element_id, limit=60):
    """Press Tab until the element has focus: it is reachable with the keyboard."""
    for _ in range(limit):
        if page.evaluate("() => document.activeElement && document.activeElement.id") == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} cannot be reached with Tab")


def test_a_known_caller_is_shown_in_the_agents_language_when_the_workspace_names_the_contact(site, page, client):
    # Given Ana, a VIP with history, calls, and the workspace opens the panel (a Romanian agent)
    known_caller(client, history=3)
    in_workspace(page, site)
    # Then the agent reads who she is, masked, and her calls, in Romanian
    who = page.locator("#who")
    who.wait_for()
    assert page.locator("html").get_attribute("lang") == "ro"
    assert "Ana Popescu" in page.locator("#who-name").inner_text() and "VIP" in page.locator("#who-name").inner_text()
    assert page.locator("#who-addresses").inner_text().count("+40 7•• ••• 678") == 1
    assert page.locator("#who-how").inner_text() == "număr de telefon"
    items = page.locator("#timeline li")
    assert items.count() == 3 and all("Apel" in t for t in items.all_inner_texts())
    assert "0712345678" not in page.content() and "712345678" not in page.content()


def test_the_panel_opened_on_its_own_takes_the_contact_from_the_address(site, page, client):
    known_caller(client, history=1)
    page.goto(f"{site}/agent?contactId={CONTACT}&lang=en")
    page.locator("#who").wait_for()
    assert page.get_by_role("heading", name="Before").is_visible()
    assert page.locator("#timeline li").count() == 1


def test_200_timeline_items_are_paged_and_older_ones_load_on_request(site, page, client):
    ana = known_caller(client, history=0)
    many_activities(ana, 200)
    page.goto(f"{site}/agent?contactId={CONTACT}&lang=en")
    page.locator("#timeline li").first.wait_for()
    assert page.locator("#timeline li").count() == 20
    for shown in (40, 60):
        page.get_by_role("button", name="Show older").click()
        page.wait_for_function(f"() => document.querySelectorAll('#timeline li').length === {shown}")
    assert page.locator("#timeline-count").inner_text() == "Showing 60 items"
    first = page.locator("#timeline li").first.inner_text()
    assert "E-mail: message sent" in first


def test_an_unknown_caller_is_found_by_email_and_merged_with_the_keyboard_only(site, page, client):
    # Given Ana, known by e-mail, calls from a new number: the lookup made a profile for it
    ana = create_customer(client)
    lookup(client, CONTACT, address="+40733999888")
    page.goto(f"{site}/agent?contactId={CONTACT}&lang=en")
    page.locator("#find").wait_for()
    assert "created for this contact" in page.locator("#find-intro").inner_text()
    # When the agent, with the keyboard only, searches by e-mail and merges
    tab_to(page, "find-by-phone")
    page.keyboard.press("ArrowRight")  # radio group: e-mail
    assert page.locator("#find-by-email").is_checked()
    tab_to(page, "find-value")
    page.keyboard.type("ana.popescu@example.ro")
    page.keyboard.press("Enter")
    merge = page.get_by_role("button", name="Merge the new profile into this customer")
    merge.wait_for()
    assert "a•••@example.ro" in page.locator("#find-results").inner_text()
    tab_to(page, "find-name")
    page.keyboard.press("Tab")  # the search button
    page.keyboard.press("Tab")  # link
    page.keyboard.press("Tab")  # merge
    page.keyboard.press("Enter")
    # Then the panel shows Ana, now with the new number
    page.wait_for_function("() => document.getElementById('status').textContent.includes('linked')")
    assert "Ana Popescu" in page.locator("#who-name").inner_text()
    assert "+40 7•• ••• 888" in page.locator("#who-addresses").inner_text()
    assert ana


def test_an_erased_customer_shows_a_notice_and_nothing_of_theirs(site, page, client):
    from datetime import timedelta

    from chalicelib.db import utcnow
    from tests.agent_panel import contact_record, records

    ana = known_caller(client, history=1)
    records(client, contact_record(CONTACT, utcnow() - timedelta(minutes=5)))
    client.http.post(f"/customers/{ana}/erase")
    page.goto(f"{site}/agent?contactId={CONTACT}&lang=en")
    page.wait_for_function("() => document.getElementById('status').textContent.includes('erased')")
    assert page.locator("#who").is_hidden() and page.locator("#before").is_hidden()
    assert "Ana" not in page.locator("main").inner_text()


def test_a_failing_backend_gives_a_readable_message_and_no_stack_trace(site, page, client, dynamodb_fault):
    known_caller(client, history=1)
    dynamodb_fault("throttle")
    page.goto(f"{site}/agent?contactId={CONTACT}&lang=en")
    status = page.get_by_role("status")
    page.wait_for_function("() => document.getElementById('status').classList.contains('error')")
    assert status.inner_text() == "The customer data could not be loaded just now. Try again in a moment."
    assert not re.search(r"Traceback|Exception|\.py", page.locator("main").inner_text())


def test_the_agent_wraps_up_with_the_keyboard_and_the_contact_gets_the_attributes(site, page, client, connect):
    # Given Ana's call is in the workspace
    known_caller(client, history=0)
    connect.add_response("update_contact_attributes", {}, {
        "InstanceId": INSTANCE_ID, "InitialContactId": CONTACT,
        "Attributes": {"contactReason": "billing", "disposition": "callback", "resolved": "false"}})
    in_workspace(page, site)
    page.locator("#wrap").wait_for()
    # When the agent fills the wrap-up with the keyboard only
    tab_to(page, "wrap-reason")
    page.keyboard.type("billing")
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowDown")  # Revenire promisă (callback)
    tab_to(page, "wrap-resolved-yes")
    page.keyboard.press("ArrowRight")  # Nu
    page.keyboard.press("Tab")
    page.keyboard.type("Sună înapoi mâine.")
    page.keyboard.press("Tab")
    assert page.evaluate("() => document.activeElement.id") == "wrap-save"
    page.keyboard.press("Enter")
    # Then it is saved to the contact (the stub asserts the exact request) and the timeline
    page.wait_for_function("() => document.getElementById('status').textContent.includes('salvată')")
    view = json.loads(client.http.get(f"/agent/contacts/{CONTACT}?lang=ro").body)
    assert view["wrapUp"] | {"savedAt": None} == {"reason": "billing", "disposition": "callback", "resolved": False,
                                                  "note": "Sună înapoi mâine.", "savedAt": None, "editable": True}


@pytest.mark.parametrize("contact_state", ["known", "unknown"])
def test_every_control_has_a_label(site, page, client, contact_state):
    if contact_state == "known":
        known_caller(client, history=1)
    else:
        lookup(client, CONTACT, address="+40733999888")
    page.goto(f"{site}/agent?contactId={CONTACT}&lang=en")
    page.locator("#wrap").wait_for()
    unlabelled = page.evaluate("""() => [...document.querySelectorAll('input, select, textarea, button')]
        .filter(el => el.tagName === 'BUTTON' ? !el.textContent.trim() : !(el.labels && el.labels.length
                && [...el.labels].every(l => l.textContent.trim())))
        .map(el => el.id || el.outerHTML)""")
    assert unlabelled == []


def test_a_signed_in_agent_s_token_goes_with_every_data_call_and_leaves_the_address(site, page, client):
    # Given the agent comes back from the sign-in page with an ID token in the fragment
    known_caller(client, history=0)
    sent = []
    page.on("request", lambda request: sent.append(request.headers.get("authorization"))
            if "/agent/contacts/" in request.url else None)
    page.goto(f"{site}/agent?contactId={CONTACT}&lang=en#id_token=agent-token-123")
    page.locator("#who").wait_for()
    # Then the data call carries it, and the address bar no longer shows it
    assert sent == ["agent-token-123"]
    assert "id_token" not in page.url


def test_an_agent_who_is_not_signed_in_is_asked_to_sign_in(site, page, client, settings_env):
    settings_env(AGENT_SIGN_IN_URL="https://agents.auth.eu-central-1.amazoncognito.com/oauth2/authorize?x=1")
    known_caller(client, history=0)
    page.route("**/agent/contacts/**", lambda route: route.fulfill(
        status=401, content_type="application/json", body='{"message": "Unauthorized"}'))
    page.goto(f"{site}/agent?contactId={CONTACT}&lang=en")
    page.wait_for_function("() => document.getElementById('status').classList.contains('error')")
    assert page.get_by_role("status").inner_text() == "Please sign in to see the customer."
    link = page.get_by_role("link", name="Sign in")
    assert link.is_visible() and link.get_attribute("href").startswith("https://agents.auth.")


def test_the_agent_sees_consent_per_channel_and_records_what_the_customer_states(site, page, client):
    # Given Ana on the phone, the panel in Hungarian: she may get service messages and
    # surveys on e-mail, SMS and phone, no marketing
    ana = known_caller(client, history=0)
    page.goto(f"{site}/agent?contactId={CONTACT}&lang=hu")
    page.locator("#consent-form").wait_for()
    email = page.locator("#consent-channels fieldset").first
    assert email.locator("legend").inner_text() == "e-mail"
    assert page.get_by_label("marketing").first.is_checked() is False
    assert page.locator("#consent-email-surveys").is_checked() and page.locator("#consent-sms-surveys").is_checked()
    assert page.locator("#consent-channels legend").all_inner_texts() == ["e-mail", "SMS", "telefon"]
    # When she says she wants offers by e-mail and no more SMS surveys, and the agent saves it with the keyboard
    tab_to(page, "consent-email-marketing")
    page.keyboard.press("Space")
    tab_to(page, "consent-sms-surveys")
    page.keyboard.press("Space")
    tab_to(page, "consent-save")
    page.keyboard.press("Enter")
    # Then the agent is told it is recorded with the contact as evidence, and sees the new consent
    page.wait_for_function("() => document.getElementById('status').textContent.includes('rögzítve')")
    assert page.locator("#consent-email-marketing").is_checked()
    assert not page.locator("#consent-sms-surveys").is_checked()
    assert "hozzájárulás módosítva" in page.locator("#timeline").inner_text()
    # And it is stored: the profile every sender reads, and the evidence naming this contact
    profile = json.loads(client.http.get(f"/customers/{ana}").body)
    assert profile["consent"]["email"]["marketing"] is True and profile["consent"]["sms"]["surveys"] is False
    timeline = json.loads(client.http.get(f"/customers/{ana}/timeline").body)["interactions"]
    assert [i["detail"]["contactId"] for i in timeline if i.get("kind") == "consent_changed"] == [CONTACT]


def test_an_unknown_caller_is_found_by_phone_and_the_name_they_give(site, page, client, settings_env):
    # Given Ana, known by phone, calls from a number nobody knows
    settings_env(AUTO_CREATE_PROFILES="false")
    create_customer(client, phone=ANA_PHONE)
    lookup(client, CONTACT, address="+40733999888")
    page.goto(f"{site}/agent?contactId={CONTACT}&lang=en")
    page.locator("#find").wait_for()
    # When the agent searches her number with another name, nobody is found
    page.get_by_label("Phone number or e-mail address").fill("0712 345 678")
    page.get_by_label("Name the caller gives").fill("Maria Popescu")
    page.get_by_role("button", name="Search").click()
    page.get_by_text("No customer has that address and that name.").wait_for()
    # And with the name she gives, Ana is found and can be linked
    page.get_by_label("Name the caller gives").fill("ana popescu")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("button", name="Link this contact").click()
    page.wait_for_function("() => document.getElementById('status').textContent.includes('linked')")
    assert "Ana Popescu" in page.locator("#who-name").inner_text()


def test_the_agent_opens_a_case_for_the_caller_from_the_panel(site, page, client):
    # Given Ana's call is in the workspace (a Romanian agent)
    ana = known_caller(client, history=0)
    in_workspace(page, site)
    page.locator("#case").wait_for()
    # When the agent opens a high-priority billing case with a subject and a first note
    page.select_option("#case-reason", "billing")
    page.select_option("#case-priority", "high")
    page.fill("#case-subject", "Taxată de două ori")
    page.fill("#case-note", "Două debitări de 49 RON pe factura din noiembrie.")
    page.click("#case-open")
    # Then she reads the case's number, its tier and when the first reply is due
    page.wait_for_function("() => document.getElementById('status').textContent.includes('a fost deschis la L1')")
    [case] = json.loads(client.http.get(f"/customers/{ana}/cases").body)["cases"]
    assert (case["reason"], case["priority"], case["queue"], case["subject"]) == (
        "billing", "high", "billing_l1", "Taxată de două ori")
    assert case["caseId"] in page.locator("#status").text_content()


def test_the_agent_escalates_the_open_case_and_sees_it_move_to_l2(site, page, client, connect):
    # Given Ana's open billing case at L1 with only her identity checked (a Romanian agent)
    ana = known_caller(client, history=0)
    opened = client.http.post(f"/agent/contacts/{CONTACT}/case", headers={"Content-Type": "application/json"},
                              body=json.dumps({"reason": "billing", "priority": "high", "subject": "Taxată de două ori",
                                               "note": "Două debitări"}))
    case_id = json.loads(opened.body)["caseId"]
    client.http.post(f"/cases/{case_id}/steps", headers={"Content-Type": "application/json"},
                     body=json.dumps({"step": "verify_identity", "result": "done", "agent": "maria"}))
    in_workspace(page, site)
    page.locator("#escalate").wait_for()
    assert f"{case_id} la L1" in page.locator("#why-list").inner_text()
    # When she escalates without the required steps
    page.select_option("#escalate-reason", "needs_authority")
    page.fill("#escalate-note", "Clientul cere rambursarea.")
    page.click("#escalate-button")
    # Then she reads, in Romanian, which steps are missing, and the case stays at L1
    page.wait_for_function("() => document.getElementById('status').textContent.includes('Neescaladat')")
    assert "check_duplicate_charge" in page.locator("#status").text_content()
    assert f"{case_id} la L1" in page.locator("#escalate-case").inner_text()
    # And when she says why they were skipped, the case moves to L2 in the panel
    connect.add_response("start_task_contact", {"ContactId": "task-l2"}, None)
    page.fill("#escalate-note", "Clientul cere rambursarea.")
    page.fill("#escalate-skip", "Aplicația de facturare nu răspunde.")
    page.click("#escalate-button")
    page.wait_for_function("() => document.getElementById('status').textContent.includes('de la L1 la L2')")
    assert f"{case_id} la L2" in page.locator("#why-list").inner_text()
    assert f"{case_id} la L2" in page.locator("#escalate-case").inner_text()
    [case] = json.loads(client.http.get(f"/customers/{ana}/cases").body)["cases"]
    assert (case["tier"], case["queue"]) == ("L2", "billing_l2")


def test_the_agent_sees_not_verified_sends_a_code_and_sees_verified_by_code_once_read_back(site, page, client):
    from tests.agent_panel import caller_says_code, code_in, sms_texts

    # Given Ana, recognised by her number, and the panel open in English
    known_caller(client, history=0)
    page.goto(f"{site}/agent?contactId={CONTACT}&lang=en")
    page.locator("#who").wait_for()
    assert page.locator("#who-how").inner_text() == "phone number"
    assert page.locator("#who-verified").inner_text() == "not verified"
    # When the agent sends her a code by SMS from the panel
    with sms_texts(ANA_PHONE) as sent:
        page.get_by_label("Send the code by").select_option("sms")
        page.get_by_role("button", name="Send a one-time code").click()
        page.wait_for_function("() => document.getElementById('status').textContent.includes('Code sent')")
    # Then the agent reads where it went, masked, and never the code
    status = page.locator("#status").inner_text()
    assert "Code sent by SMS to +40 7•• ••• 678" in status
    code = code_in(sent[0])
    assert code not in page.content() and ANA_PHONE not in page.content()
    # And once Ana keys it in, the panel says she is verified, and how
    assert caller_says_code(client, code)["verification"] == "verified"
    page.reload()
    page.wait_for_function("() => document.getElementById('who-verified').textContent.includes('verified by')")
    assert page.locator("#who-verified").inner_text() == "verified by code (SMS)"
