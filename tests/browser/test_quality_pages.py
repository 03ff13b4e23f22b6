"""Quality and the monthly review as people use them: a supervisor evaluates a
sampled contact, the agent reads it in their language, the review prints."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.integration.test_quality import deliver, handled, last_week, last_week_at


def test_a_supervisor_evaluates_a_sampled_contact_and_sees_its_score(client, site, page):
    # Given Maria handled two chats last week
    deliver(client, handled("m-1"), handled("m-2", at=last_week_at(3)))
    # When a supervisor (Romanian browser) opens last week's evaluations
    response = page.goto(f"{site}/dashboard/qa?week={last_week()}")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    assert response.headers["cache-control"] == "no-store"
    assert page.get_by_role("heading", level=1).inner_text() == "Evaluări de calitate"
    maria = page.get_by_role("row").filter(has=page.get_by_role("rowheader", name="maria.t"))
    assert maria.get_by_role("cell").nth(0).inner_text() == "2"
    # And picks the first sampled contact
    first = page.locator("tr[data-contact]").first
    contact_id = first.get_attribute("data-contact")
    first.get_by_role("button", name="Evaluează").click()
    assert page.locator("#form-title").inner_text() == f"Evaluare contact {contact_id}"
    # When they save with a criterion left unrated, they are told, and nothing is sent
    page.get_by_role("button", name="Salvează evaluarea").click()
    assert page.locator("#result").inner_text() == "Evaluați fiecare criteriu înainte de a salva."
    # When they rate every criterion (empathy only partly) and comment
    for criterion in ("Salut și identificare", "Înțelegerea nevoii", "Rezolvare", "Conformitate și protecția datelor",
                      "Documentare"):
        page.get_by_role("group", name=criterion).get_by_label("Excelent").check()
    page.get_by_role("group", name="Empatie").get_by_label("Parțial").check()
    # Then the page previews the score as the service will compute it
    assert page.locator("#preview").inner_text() == "90 / 100"
    page.get_by_label("Comentariu pentru agent (opțional)").fill("Ton cald; rezumați la final.")
    page.get_by_role("button", name="Salvează evaluarea").click()
    # Then the service's score is shown and the contact is marked evaluated
    page.get_by_text("Salvat: scor 90 / 100.").wait_for()
    assert page.locator(f"tr[data-contact='{contact_id}'] .state").inner_text() == "Scor 90 / 100"
    assert page.locator("#evaluation").is_hidden()


def test_a_data_protection_failure_scores_zero_before_saving(client, site, page):
    deliver(client, handled("m-1"))
    page.goto(f"{site}/dashboard/qa?week={last_week()}&lang=en")
    page.get_by_role("button", name="Evaluate").click()
    page.get_by_role("group", name="Compliance and data protection").get_by_label("Not done").check()
    assert page.locator("#preview").inner_text() == "0 / 100"


def test_the_agent_reads_their_evaluation_in_their_language(client, site, browser):
    import json

    deliver(client, handled("m-1"))
    body = {"contactId": "m-1", "comment": "Jó hangnem.",
            "ratings": {"greeting": 3, "understanding": 2, "resolution": 3, "empathy": 3, "compliance": 3,
                        "documentation": 1}}
    assert client.http.post("/qa/evaluations", headers={"Content-Type": "application/json"},
                            body=json.dumps(body)).status_code == 201
    context = browser.new_context(locale="hu-HU")
    tab = context.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda error: errors.append(str(error)))
    tab.goto(f"{site}/dashboard/qa/mine?agent=maria.t")
    assert tab.get_by_role("heading", level=1).inner_text() == "Minőségértékeléseim"
    evaluation = tab.locator("article.evaluation")
    assert "Pontszám: 87 / 100" in evaluation.inner_text()
    documentation = evaluation.get_by_role("row").filter(has=tab.get_by_role("rowheader", name="Dokumentálás"))
    assert "Részben (1/3)" in documentation.inner_text()
    assert evaluation.locator(".comment").inner_text() == "Jó hangnem."
    context.close()
    assert not errors


def test_an_empty_week_and_an_empty_month_render_without_errors(client, site, page):
    page.goto(f"{site}/dashboard/qa?week=2026-W01")
    assert page.locator("#no-agents").is_visible()
    assert "nicio evaluare încă" in page.locator("#week-average").inner_text()
    page.get_by_role("link", name="← Săptămâna anterioară").click()
    expect(page.locator("nav")).to_contain_text("2025-W52")
    page.goto(f"{site}/dashboard/review?month=2026-01&lang=it")
    assert page.get_by_role("heading", level=1).inner_text() == "Revisione mensile · 2026-01"
    assert page.locator(".empty").count() == 4
    # When it is printed, the navigation stays off the paper
    page.emulate_media(media="print")
    assert page.locator("nav").is_hidden()
    assert page.get_by_role("heading", name="Punteggio di qualità per settimana").is_visible()
