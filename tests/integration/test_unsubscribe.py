"""The unsubscribe link in survey e-mails: asking never changes anything,
confirming records the opt-out, a forged or expired link does nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from chalicelib import tokens
from chalicelib.db import plain
from chalicelib.notify import messages
from chalicelib.notify.service import notifier
from chalicelib.profiles.models import CustomerModel
from devkit.mailbox import sent_emails
from tests.helpers import create_customer as create

SURVEY = messages.TYPES["survey_invitation"].sample
BASE = "http://127.0.0.1:8000/api"


def unsubscribe_path(customer_id: str) -> str:
    notifier().send_to_customer(customer_id, "survey_invitation", SURVEY, f"contact:{customer_id}")
    link = sent_emails()[-1].header("List-Unsubscribe")[1:-1]
    assert link.startswith(BASE)
    return link[len(BASE):]


def consent(customer_id: str) -> dict:
    return plain(CustomerModel.get(customer_id).consent)


def test_opening_the_link_asks_in_the_customers_language_and_changes_nothing(client):
    ana = create(client)
    response = client.http.get(unsubscribe_path(ana))
    assert response.status_code == 200
    page = response.body.decode()
    assert '<html lang="ro">' in page and "Da, vreau să mă dezabonez" in page and '<form method="post"' in page
    assert consent(ana)["email"]["surveys"] is True
    # The token travels in the URL: the page keeps it to itself
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "frame-ancestors 'none'" in response.headers["Content-Security-Policy"]
    assert response.headers["Cache-Control"] == "no-store"


def test_one_click_unsubscribe_records_the_opt_out_and_later_surveys_are_not_sent(client):
    ana = create(client)
    path = unsubscribe_path(ana)
    # A mail provider's RFC 8058 one-click request, sent twice
    for _ in range(2):
        response = client.http.post(path, headers={"Content-Type": "application/x-www-form-urlencoded"},
                                    body="List-Unsubscribe=One-Click")
        assert response.status_code == 200
        assert "nu veți mai primi e-mailuri cu chestionare" in response.body.decode()
    assert consent(ana)["email"] == {"transactional": True, "surveys": False, "marketing": False}
    # The next survey is not sent; a case update still is
    later = notifier().send_to_customer(ana, "survey_invitation", SURVEY, "contact:next")
    assert (later.status, later.error_code) == ("suppressed", "OPTED_OUT")
    case = notifier().send_to_customer(ana, "case_opened", messages.TYPES["case_opened"].sample, "case:C-1:opened")
    assert case.status == "sent"
    assert len(sent_emails()) == 2


def test_a_forged_link_changes_nothing(client):
    ana = create(client)
    path = unsubscribe_path(ana)
    signature = path.rsplit("/", 1)[1].split(".")[1]
    james = create(client, firstName="James", email="james@example.co.uk")
    # Ana's signature on a payload naming James
    forged_payload = tokens.issue("unsubscribe", james, timedelta(days=30),
                                  data={"ch": "email", "pu": "surveys", "l": "en"}).split(".")[0]
    response = client.http.post(f"/unsubscribe/{forged_payload}.{signature}",
                                headers={"Content-Type": "application/x-www-form-urlencoded", "Accept-Language": "en"},
                                body="List-Unsubscribe=One-Click")
    assert response.status_code == 400
    assert "not valid or has expired" in response.body.decode()
    assert consent(james)["email"]["surveys"] is True and consent(ana)["email"]["surveys"] is True


@pytest.mark.parametrize("make_token", [
    lambda customer: tokens.issue("unsubscribe", customer, timedelta(days=30), data={"ch": "email", "pu": "surveys"},
                                  now=datetime.now(UTC) - timedelta(days=31)),
    lambda customer: tokens.issue("survey", customer, timedelta(days=30), data={"ch": "email", "pu": "surveys"}),
    lambda customer: tokens.issue("unsubscribe", customer, timedelta(days=30),
                                  data={"ch": "email", "pu": "transactional"}),
    lambda customer: "not-a-token",
], ids=["expired", "other-purpose", "transactional-cannot-be-unsubscribed", "garbage"])
def test_links_that_cannot_be_used_answer_a_localized_400_and_change_nothing(client, make_token):
    ana = create(client)
    response = client.http.post(f"/unsubscribe/{make_token(ana)}",
                                headers={"Content-Type": "application/x-www-form-urlencoded",
                                         "Accept-Language": "hu-HU,hu;q=0.9,en;q=0.8"}, body="")
    assert response.status_code == 400
    assert '<html lang="hu">' in response.body.decode()
    assert consent(ana)["email"] == {"transactional": True, "surveys": True, "marketing": False}


def test_the_link_of_an_erased_customer_answers_calmly(client):
    ana = create(client)
    path = unsubscribe_path(ana)
    CustomerModel.get(ana).delete()
    response = client.http.post(path, headers={"Content-Type": "application/x-www-form-urlencoded"}, body="")
    assert response.status_code == 200
