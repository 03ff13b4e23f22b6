"""The pages customers open from our e-mails, used in a real browser: the survey form
(mouse and keyboard), its error summary, and the unsubscribe confirmation."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from tests.helpers import create_customer
from tests.integration.survey_support import clock, invitations, link_of, survey_item  # noqa: F401
from tests.integration.test_surveys import invite

NPS = "Cât de probabil este să recomandați Lumen Care unui prieten sau coleg?"
CSAT = "Cât de mulțumit sunteți de ajutorul primit?"


@pytest.fixture
def invited(client, clock):  # noqa: F811
    """Ana (Romanian), invited by e-mail after a call; the link her e-mail holds."""
    ana = create_customer(client)
    contact_id = invite(client, ana)
    [mail] = invitations()
    return {"customer": ana, "contact": contact_id, "link": link_of(mail)}


def test_a_customer_answers_the_survey_with_the_mouse_and_is_thanked(site, page, invited):
    # Given Ana opens the link in her invitation
    page.goto(site + invited["link"])
    assert page.locator("html").get_attribute("lang") == "ro"
    # When she clicks her answers and writes a comment
    page.get_by_role("group", name=CSAT).get_by_text("4", exact=True).click()
    page.get_by_role("group", name="ușor").get_by_text("6", exact=True).click()
    page.get_by_role("group", name=NPS).get_by_text("9", exact=True).click()
    page.get_by_label("Mai doriți să ne spuneți ceva?").fill("Rapid și clar, mulțumesc!")
    page.get_by_role("button", name="Trimiteți răspunsurile").click()
    # Then she reads the thanks in Romanian, and what she chose is what was recorded
    assert "Vă mulțumim!" in page.get_by_role("status").inner_text()
    assert survey_item(invited["contact"]).answers == {"csat": 4, "ces": 6, "nps": 9,
                                                      "comment": "Rapid și clar, mulțumesc!"}


def test_the_survey_can_be_answered_with_the_keyboard_alone(site, page, invited):
    page.goto(site + invited["link"])
    # Tab reaches each question's choices in reading order; arrow keys choose within one
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowRight")  # csat: 1 → 2
    page.keyboard.press("ArrowRight")  # → 3
    page.keyboard.press("Tab")
    page.keyboard.press("ArrowRight")  # ces: 1 → 2
    page.keyboard.press("Tab")
    for _ in range(7):
        page.keyboard.press("ArrowRight")  # nps: 0 → 7
    page.keyboard.press("Tab")  # the comment box
    page.keyboard.type("Ok")
    page.keyboard.press("Tab")  # the send button
    page.keyboard.press("Enter")
    assert "Vă mulțumim!" in page.get_by_role("status").inner_text()
    assert survey_item(invited["contact"]).answers == {"csat": 3, "ces": 2, "nps": 7, "comment": "Ok"}


def test_a_forgotten_answer_is_named_and_the_other_answers_are_kept(site, page, invited):
    # Given Ana answers two questions and forgets the recommendation
    page.goto(site + invited["link"])
    page.get_by_role("group", name=CSAT).get_by_text("5", exact=True).click()
    page.get_by_role("group", name="ușor").get_by_text("7", exact=True).click()
    page.get_by_role("button", name="Trimiteți răspunsurile").click()
    # Then the page names the question she missed, and keeps what she chose
    summary = page.get_by_role("alert")
    assert "Vă rugăm să verificați răspunsurile:" in summary.inner_text()
    assert NPS in summary.inner_text() and "Vă rugăm să alegeți un răspuns." in summary.inner_text()
    assert page.get_by_role("group", name=CSAT).get_by_role("radio", name="5").is_checked()
    # And the link in the summary takes her to that question
    summary.get_by_role("link").click()
    assert page.url.endswith("#q-nps")
    # Nothing was recorded yet; answering it now completes the survey
    assert survey_item(invited["contact"]).answers in (None, {})
    page.get_by_role("group", name=NPS).get_by_text("10", exact=True).click()
    page.get_by_role("button", name="Trimiteți răspunsurile").click()
    assert "Vă mulțumim!" in page.get_by_role("status").inner_text()
    assert survey_item(invited["contact"]).answers["nps"] == 10


def test_a_used_link_says_so_in_the_browser(site, page, invited):
    page.goto(site + invited["link"])
    page.get_by_role("group", name=CSAT).get_by_text("2", exact=True).click()
    page.get_by_role("group", name="ușor").get_by_text("2", exact=True).click()
    page.get_by_role("group", name=NPS).get_by_text("3", exact=True).click()
    page.get_by_role("button", name="Trimiteți răspunsurile").click()
    # (the thanks must have arrived before she goes back, or "back" races the submission)
    expect(page.get_by_role("status")).to_contain_text("Vă mulțumim!")
    page.go_back()
    page.reload()
    assert "deja completat" in page.get_by_role("alert").inner_text()


def test_unsubscribing_from_the_link_in_an_email(site, page, client):
    from chalicelib.db import plain
    from chalicelib.profiles.models import CustomerModel
    from tests.integration.test_unsubscribe import unsubscribe_path

    # Given Ana opens the unsubscribe link of a survey e-mail
    ana = create_customer(client)
    page.goto(site + unsubscribe_path(ana))
    # Then opening it changed nothing yet
    assert plain(CustomerModel.get(ana).consent)["email"]["surveys"] is True
    # When she presses the one button
    page.get_by_role("button", name="Da, vreau să mă dezabonez").click()
    # Then she reads that it is done, and her profile says no more surveys by e-mail
    expect(page.locator("main")).to_contain_text("Gata")
    assert plain(CustomerModel.get(ana).consent)["email"]["surveys"] is False
