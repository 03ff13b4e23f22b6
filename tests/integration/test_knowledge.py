"""The knowledge base through its routes and contact-flow functions, against
DynamoDB (moto): search, articles, suggestions, "this helped", self-service and gaps."""

from __future__ import annotations

import json
from urllib.parse import urlencode

import pytest

from tests.helpers import create_customer, load_event

JSON = {"Content-Type": "application/json"}


def get(client, path, **query):
    return client.http.get(f"{path}?{urlencode(query)}" if query else path)


def body(response):
    return json.loads(response.body)


def metrics(client, day, by=None):
    query = {"from": day, **({"by": by} if by else {})}
    return body(get(client, "/metrics", **query))


def today():
    from chalicelib.db import utcnow
    from chalicelib.metrics import counters
    from chalicelib.settings import get_settings

    return counters.local_day(utcnow(), get_settings().metrics_time_zone)


# ---- search -------------------------------------------------------------------------

def test_a_romanian_question_without_diacritics_finds_the_article_written_with_them(client):
    # When an agent searches as a Romanian customer types
    response = get(client, "/kb/search", q="factura platita de doua ori", lang="ro")
    # Then the double-charge article comes first, in Romanian, with what the agent needs
    assert response.status_code == 200
    found = body(response)
    first = found["results"][0]
    assert first["id"] == "double-charge-refund"
    assert first["title"] == "Ați plătit de două ori? Cum vă primiți banii înapoi"
    assert (first["language"], first["reasons"]) == ("ro", ["billing"])
    assert first["score"] > 0 and first["snippet"].startswith("Dacă pe card")
    assert found["fallback"] is False and found["searchId"].startswith("search#")


def test_a_question_nothing_in_the_language_answers_falls_back_to_english_and_says_so(client):
    response = get(client, "/kb/search", q="GDPR AWB", lang="hu", limit="3")
    found = body(response)
    assert response.status_code == 200
    assert found["results"][0]["language"] == "hu"  # both words are in the Hungarian articles too
    english_only = body(get(client, "/kb/search", q="printer", lang="hu"))
    assert english_only["fallback"] is True and english_only["language"] == "en"
    assert english_only["note"] == "nothing in hu matched; these articles are in English"
    assert english_only["results"][0]["id"] == "return-awb-label"
    assert english_only["results"][0]["language"] == "en"


def test_a_channel_keeps_articles_written_for_it(client):
    found = body(get(client, "/kb/search", q="complaint", lang="en", channel="web"))
    assert "complaint-handling" not in [r["id"] for r in found["results"]]


@pytest.mark.parametrize(("query", "message"), [
    ({"lang": "ro"}, "q is required"),
    ({"q": "   ", "lang": "ro"}, "q is required"),
    ({"q": "a" * 10_240, "lang": "en"}, "q must be at most 500 characters"),
    ({"q": "refund\x00\x1b[31m", "lang": "en"}, "q must not contain control characters"),
    ({"q": "refund", "lang": "de"}, "lang must be one of en, ro, it, hu"),
    ({"q": "refund", "reason": "refunds"}, "unknown contact reason 'refunds': known reasons are billing"),
    ({"q": "refund", "channel": "fax"}, "channel must be one of voice, chat, whatsapp, email, web"),
    ({"q": "refund", "limit": "500"}, "limit must be a whole number from 1 to 20"),
    ({"q": "refund", "sort": "date"},
     "unknown parameter(s): sort; allowed: channel, contactId, lang, limit, q, reason"),
])
def test_a_hostile_or_malformed_search_is_refused_and_counts_nothing(client, query, message):
    response = get(client, "/kb/search", **query)
    assert response.status_code == 400
    assert message in body(response)["Message"]
    assert metrics(client, today())["totals"].get("kbSearches", 0) == 0


def test_markup_in_a_question_is_only_text(client):
    response = get(client, "/kb/search", q='<script>alert("x")</script> refund', lang="en")
    assert response.status_code == 200
    assert b"<script" not in response.body
    assert body(response)["results"][0]["id"] in ("double-charge-refund", "return-awb-label")


def test_the_same_search_for_the_same_contact_is_counted_once(client):
    # Given an agent's search for a contact, sent twice (a retry, a double click)
    for _ in range(2):
        assert get(client, "/kb/search", q="am uitat parola", lang="ro", reason="account",
                   contactId="c0ffee00-0000-4000-8000-000000000001").status_code == 200
    # Then GET /metrics counts one search, for the account reason
    report = metrics(client, today(), by="reason")
    assert report["totals"]["kbSearches"] == 1
    assert next(g for g in report["groups"] if g["value"] == "account")["kbSearches"] == 1


# ---- articles -----------------------------------------------------------------------

def test_an_article_reads_as_json_and_as_a_page(client):
    document = body(get(client, "/kb/articles/visit-preparation", lang="it"))
    assert document["title"] == "Prepararsi alla visita in clinica: digiuno, documenti, cosa portare"
    assert "<strong>Esami del sangue</strong>" in document["html"]
    assert document["reviewDue"] == "2027-02-03"  # reviewed 2026-11-05, every 90 days
    page = client.http.get("/kb/articles/visit-preparation?lang=it", headers={"Accept": "text/html"})
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["Content-Security-Policy"]
    text = page.body.decode()
    assert '<html lang="it">' in text and "<h1>Prepararsi alla visita" in text and "<script" not in text


def test_an_unknown_article_or_language_is_answered_plainly(client):
    assert get(client, "/kb/articles/no-such-article", lang="en").status_code == 404
    assert get(client, "/kb/articles/Bad%20Id", lang="en").status_code == 400
    assert get(client, "/kb/articles/password-reset", lang="fr").status_code == 400


# ---- suggestions for a contact ------------------------------------------------------

def test_an_agent_on_a_romanian_return_call_gets_romanian_articles_and_replies(client):
    from chalicelib.interactions.models import InteractionModel

    # Given Ana, who speaks Romanian, on a call the flow marked as a return
    ana = create_customer(client, firstName="Ana", phone="+40712345678")
    InteractionModel("c0ffee00-0000-4000-8000-0000000000aa", customer_id=ana, channel="VOICE",
                     contact_reason="return").save()
    # When the agent workspace asks for suggestions
    response = get(client, "/kb/suggest", contactId="c0ffee00-0000-4000-8000-0000000000aa")
    # Then it shows the return article and quick replies in Romanian, addressed to Ana
    assert response.status_code == 200
    found = body(response)
    assert (found["reason"], found["reasonSource"], found["language"]) == ("return", "contact", "ro")
    assert found["articles"][0]["title"] == "Returnarea unei comenzi: eticheta AWB și ridicarea de către curier"
    replies = {r["id"]: r["text"] for r in found["quickResponses"]}
    assert replies["hello"].startswith("Bună ziua, Ana,")
    assert "closing" in replies
    # And the suggestion is counted once for the return reason, however often the panel asks
    get(client, "/kb/suggest", contactId="c0ffee00-0000-4000-8000-0000000000aa")
    assert metrics(client, today())["totals"]["kbSuggestions"] == 1


def test_a_contact_without_a_known_reason_gets_none_until_the_agent_picks_one(client):
    found = body(get(client, "/kb/suggest", contactId="c0ffee00-0000-4000-8000-0000000000bb"))
    assert (found["reason"], found["articles"], found["language"]) == (None, [], "en")
    picked = body(get(client, "/kb/suggest", contactId="c0ffee00-0000-4000-8000-0000000000bb", reason="billing"))
    assert picked["articles"][0]["id"] == "double-charge-refund"
    assert get(client, "/kb/suggest").status_code == 400


# ---- helped, gaps -------------------------------------------------------------------

def test_this_helped_is_counted_once_and_a_no_makes_a_gap(client):
    search = body(get(client, "/kb/search", q="double payment", lang="en", reason="billing"))
    send = {"searchId": search["searchId"], "helped": False}
    first = client.http.post("/kb/feedback", headers=JSON, body=json.dumps(send))
    again = client.http.post("/kb/feedback", headers=JSON, body=json.dumps({**send, "helped": True}))
    assert body(first)["counted"] is True and body(again)["counted"] is False
    totals = metrics(client, today())["totals"]
    assert (totals["kbUnhelpful"], totals.get("kbHelped", 0), totals["kbGaps"]) == (1, 0, 1)
    assert totals["kbHelpedPercent"] == 0.0
    report = body(get(client, "/kb/gaps", **{"from": today()}))
    assert report["unhelpfulArticles"][0]["id"] == "double-charge-refund"
    assert report["unhelpfulArticles"][0]["owner"] == "billing-team"


def test_unanswered_questions_are_kept_masked_and_counted_once_under_redelivery(client):
    # Given a question no article answers, with a phone number and an e-mail address in it,
    # sent twice about the same contact
    question = "call me on +40 712 345 678 or ana.popescu@example.ro about the parking fee"
    for _ in range(2):
        get(client, "/kb/search", q=question, lang="en", contactId="c0ffee00-0000-4000-8000-0000000000cc")
    # When the content owners read the gaps report
    report = body(get(client, "/kb/gaps", **{"from": today(), "to": today()}))
    # Then the question is there once, without the number or the address
    assert [q["question"] for q in report["questions"]] == [
        "call me on ***78 or ***@***.ro about the parking fee"]
    assert report["unanswered"][0] == {"reason": "unassigned", "language": "en", "questions": 1, "gaps": 1,
                                       "gapPercent": 100.0, "helped": 0, "unhelpful": 0}


def test_the_gaps_report_lists_articles_past_their_review_date_by_owner(client):
    from datetime import date

    from chalicelib.knowledge import api

    # Given the password article reviewed 2026-05-12 (every 180 days) and the visit
    # preparation one reviewed 2026-11-05 (every 90 days)
    assert {d["id"] for d in api.reviews_due(date(2026, 11, 30))} == {"password-reset"}
    due = api.reviews_due(date(2027, 2, 10))
    assert {d["id"] for d in due} == {"password-reset", "visit-preparation"}
    assert [d["language"] for d in due if d["id"] == "password-reset"] == ["en", "hu", "it", "ro"]
    assert [d["owner"] for d in due][::4] == ["clinic-front-desk", "digital-support"]
    assert get(client, "/kb/gaps", **{"from": "2026-01-01", "to": "2026-12-31"}).status_code == 400
    assert get(client, "/kb/gaps", **{"from": "2026-02-30"}).status_code == 400


# ---- self-service contact-flow functions ---------------------------------------------

def chat_event(contact_id, name="connect/chat_inbound.json", **parameters):
    event = load_event(name, ContactId=contact_id, InitialContactId=contact_id)
    event["Details"]["Parameters"] = parameters
    return event


def test_a_confident_question_is_offered_its_article_and_a_yes_is_self_service(client):
    from chalicelib.interactions.models import InteractionModel

    # Given Réka, who writes Hungarian on WhatsApp
    reka = create_customer(client, firstName="Réka", email=None, phone="+36201234567", preferredLanguage="hu-HU",
                           timeZone="Europe/Budapest")
    contact = "c0ffee00-0000-4000-8000-0000000000dd"
    # When she asks how to get her money back for a double charge
    offer = client.lambda_.invoke("offer_article", chat_event(
        contact, "connect/whatsapp_chat.json", question="kétszer vonták le a pénzt a kártyámról, +36 20 123 4567",
        language="hu")).payload
    # Then the Hungarian article is offered, and her number is not in what the flow keeps
    assert offer["status"] == "OK"
    assert offer["articleTitle"] == "Kétszer terhelték meg? Így kapja vissza a pénzét"
    assert offer["articleText"].startswith("Ha a kártyáján")
    assert "4567" not in offer["question"] and offer["question"].startswith("kétszer vonták le")
    # When she answers 1 (yes), and Connect retries the call
    for _ in range(2):
        answer = client.lambda_.invoke("answer_article", chat_event(
            contact, "connect/whatsapp_chat.json", offerId=offer["offerId"], answer="1", customerId=reka)).payload
        assert (answer["status"], answer["outcome"]) == ("OK", "SELF_SERVED")
    # Then she was served without an agent, once, and GET /metrics says so per reason
    report = metrics(client, today(), by="reason")
    assert (report["totals"]["kbOffers"], report["totals"]["selfServed"]) == (1, 1)
    assert report["totals"]["deflectionPercent"] == 100.0
    # And her timeline shows it
    entries = [i for i in InteractionModel.by_customer.query(reka) if i.kind == "self_served"]
    assert len(entries) == 1 and entries[0].channel == "WHATSAPP"
    assert entries[0].detail["articleId"] == "double-charge-refund"


def test_a_no_or_an_unclear_question_goes_to_an_agent_with_the_question_attached(client):
    contact = "c0ffee00-0000-4000-8000-0000000000ee"
    offer = client.lambda_.invoke("offer_article", chat_event(contact, question="am uitat parola",
                                                              language="ro")).payload
    assert offer["status"] == "OK" and offer["articleId"] == "password-reset"
    answer = client.lambda_.invoke("answer_article", chat_event(contact, offerId=offer["offerId"],
                                                                answer="2")).payload
    assert answer["outcome"] == "TO_AGENT"
    vague = client.lambda_.invoke("offer_article", chat_event("c0ffee00-0000-4000-8000-0000000000ef",
                                                              question="salut", language="ro")).payload
    assert (vague["status"], vague["errorCode"], vague["question"]) == ("NOT_FOUND", "NO_CONFIDENT_ARTICLE", "salut")
    totals = metrics(client, today())["totals"]
    assert (totals["kbOffers"], totals["kbGaps"], totals.get("selfServed", 0)) == (2, 2, 0)
    assert totals["deflectionPercent"] == 0.0


# ---- self-service through the real chat flow ----------------------------------------

@pytest.fixture
def chat(client):
    from datetime import datetime

    from app import app
    from deploy import flows
    from devkit.call import local_simulator

    def start(customer):
        monday = datetime.fromisoformat("2025-03-03T10:00")
        return local_simulator(client, app, at=monday).run(flows.render("inbound_chat", "local"), customer)

    return start


def test_a_hungarian_chat_customer_answered_by_an_article_leaves_without_an_agent(client, chat):
    from devkit.flowsim import Customer

    # Given Réka, who chats in Hungarian and asks about a double charge in the widget
    create_customer(client, firstName="Réka", email="reka.nagy@example.hu", preferredLanguage="hu-HU")
    customer = Customer(channel="CHAT", address=None, inputs=["1"], attributes={
        "email": "reka.nagy@example.hu", "question": "Kétszer terheltek meg a kártyámon"})
    # When the chat flow runs and she answers 1
    result = chat(customer)
    # Then she reads the Hungarian article and the question, and the chat ends without a queue
    heard = result.heard()
    assert heard[0] == "Jó napot, Réka! Köszönjük, hogy kapcsolatba lépett velünk."
    assert heard[1].startswith("Talán ez segít: Kétszer terhelték meg? Így kapja vissza a pénzét\nHa a kártyáján")
    assert heard[2].startswith("Választ adott ez a cikk a kérdésére?")
    assert heard[3] == "Örülünk, hogy segíthettünk! Szép napot kívánunk."
    assert result.queue is None and result.outcome != "queued"
    assert metrics(client, today())["totals"]["selfServed"] == 1


def test_a_chat_customer_who_needs_more_is_queued_with_the_question_for_the_agent(client, chat):
    from devkit.flowsim import Customer

    create_customer(client, firstName="Ana", email="ana.popescu@example.ro")
    customer = Customer(channel="CHAT", address=None, inputs=["2"], attributes={
        "email": "ana.popescu@example.ro", "question": "am uitat parola, sunati-ma la 0712 345 678"})
    result = chat(customer)
    assert (result.outcome, result.queue) == ("queued", "romanian")
    assert result.attributes["kbArticleId"] == "password-reset"
    assert result.attributes["kbQuestion"] == "am uitat parola, sunati-ma la ***78"
    # And the phone number she typed in the widget does not stay on the contact
    assert result.attributes["question"] == "am uitat parola, sunati-ma la ***78"
    totals = metrics(client, today())["totals"]
    assert (totals["kbOffers"], totals["kbUnhelpful"], totals.get("selfServed", 0)) == (1, 1, 0)


def test_a_chat_customer_who_does_not_answer_is_queued(client, chat):
    from devkit.flowsim import Customer

    create_customer(client, firstName="Giulia", email="giulia.rossi@example.it", preferredLanguage="it-IT")
    result = chat(Customer(channel="CHAT", address=None, inputs=[], attributes={
        "email": "giulia.rossi@example.it", "question": "ho dimenticato la password"}))
    assert (result.outcome, result.queue) == ("queued", "italian")
    assert result.attributes["kbArticleId"] == "password-reset"
    assert metrics(client, today())["totals"]["kbUnhelpful"] == 1
