"""The knowledge base: a Hungarian WhatsApp customer served by an article without an
agent (in a Connect chat, then on the WhatsApp number itself), an agent's suggestions
on a Romanian return call, and the gaps report."""

from __future__ import annotations

from urllib.parse import urlencode

from devkit.demo.act_calls import CLOCK, _show
from devkit.demo.act_timeline import flow_event
from devkit.demo.stage import Stage
from devkit.flowsim import Customer


def run(stage: Stage) -> None:
    from app import app
    from chalicelib.db import utcnow
    from chalicelib.metrics import counters
    from chalicelib.settings import get_settings
    from deploy import flows
    from devkit.call import local_simulator

    t = stage.transcript
    t.act("Knowledge base: self-service, agent suggestions, gaps")
    chat = flows.render("inbound_chat", "local")
    simulator = local_simulator(stage.client, app, at=CLOCK)

    # Eszter asks on WhatsApp about a double charge; the article answers her.
    _show(stage, "Eszter writes on WhatsApp in Hungarian: 'Kétszer terheltek meg a kártyámon, mit tegyek?'",
          simulator.run(chat, Customer(channel="CHAT", address="+36201234567", subtype="connect:WhatsApp",
                                       inputs=["1"],
                                       attributes={"question": "Kétszer terheltek meg a kártyámon, mit tegyek?"})))
    status, timeline = stage.http("GET", f"/customers/{stage.customers['eszter']['id']}/timeline?limit=3")
    served = [i for i in timeline["interactions"] if i.get("kind") == "self_served"]
    t.say(f"Her timeline ({status}) now reads: {served[0]['kind']} on {served[0]['channel']}, "
          f"article {served[0]['detail']['articleId']}" if served else "(no timeline entry)")

    # Eszter writes to the WhatsApp number (End User Messaging Social -> SNS), not a chat:
    # the knowledge base answers before the front desk sees it, and her "1" self-serves it.
    from devkit.demo.act_clinic import whatsapp_event
    from devkit.demo.act_retail_return import show_whatsapp

    eszter = stage.customers["eszter"]
    question = "Vissza szeretném küldeni a cipőt, hogyan kapok AWB címkét?"
    stage.invoke("on_whatsapp_event", whatsapp_event(eszter["whatsapp"], {"type": "text", "text": {"body": question}}))
    t.say(f"Eszter writes on WhatsApp: '{question}': the return article answers, in Hungarian, and no task is started")
    show_whatsapp(stage)
    stage.invoke("on_whatsapp_event", whatsapp_event(eszter["whatsapp"], {"type": "text", "text": {"body": "1"}}))
    t.say("She replies '1': the question is self-served (selfServed, a self_served entry in her timeline)")

    # Ana calls the returns line; the agent's workspace asks for suggestions.
    call = flow_event("VOICE", "+40712345678", attributes={"contactReason": "return"})
    stage.invoke("lookup_customer", call)
    contact_id = call["Details"]["ContactData"]["ContactId"]
    status, found = stage.http("GET", f"/kb/suggest?{urlencode({'contactId': contact_id, 'reason': 'return'})}")
    t.say(f"Ana calls about a return; the agent panel asks GET /kb/suggest?contactId=...&reason=return -> {status}")
    t.detail("language", found["language"])
    for article in found["articles"]:
        t.detail("article", f"{article['title']} ({article['id']})")
    for reply in found["quickResponses"]:
        t.detail(f"quick reply {reply['id']}", reply["text"])
    status, search = stage.http("GET", "/kb/search?" + urlencode(
        {"q": "nu am imprimanta pentru eticheta", "lang": "ro", "reason": "return", "contactId": contact_id}))
    t.say(f"The agent searches 'nu am imprimanta pentru eticheta' -> {status}: "
          f"{search['results'][0]['title']} (score {search['results'][0]['score']})")
    stage.http("POST", "/kb/feedback", {"searchId": search["searchId"], "helped": True})
    t.detail("agent clicks", "this helped")

    # Questions the articles do not answer yet.
    for question, language in (("Unde pot parca la clinica din Cluj?", "ro"),
                               ("Avete la fattura elettronica per la mia azienda? scrivete a mario@example.it", "it"),
                               ("Mennyi a kiszállítási díj Debrecenbe?", "hu")):
        stage.http("GET", "/kb/search?" + urlencode({"q": question, "lang": language}))
    status, unhelpful = stage.http("GET", "/kb/search?" + urlencode({"q": "delivery to Sardinia islands",
                                                                      "lang": "en"}))
    if unhelpful["results"]:
        stage.http("POST", "/kb/feedback", {"searchId": unhelpful["searchId"], "helped": False})
    day = counters.local_day(utcnow(), get_settings().metrics_time_zone)
    status, gaps = stage.http("GET", f"/kb/gaps?from={day}&to={day}")
    t.say(f"The content owners read GET /kb/gaps?from={day}&to={day} -> {status}")
    for group in gaps["unanswered"]:
        if group["gaps"]:
            t.detail(f"unanswered {group['reason']}/{group['language']}",
                     f"{group['gaps']} of {group['questions']} questions ({group['gapPercent']}%)")
    for question in gaps["questions"]:
        t.detail(f"question ({question['language']})", question["question"])
    for article in gaps["unhelpfulArticles"]:
        t.detail("marked unhelpful", f"{article['id']} ({article['language']}), owner {article['owner']}")
    for article in gaps["reviewsDue"]:
        t.detail("review overdue", f"{article['id']} ({article['language']}) since {article['reviewDue']}, "
                                   f"owner {article['owner']}")
    status, report = stage.http("GET", f"/metrics?from={day}&by=reason")
    totals = report["totals"]
    t.say(f"GET /metrics?from={day}&by=reason -> {status}: {totals.get('kbSearches', 0)} searches, "
          f"{totals.get('kbSuggestions', 0)} suggestions, {totals.get('kbOffers', 0)} self-service offers, "
          f"{totals.get('selfServed', 0)} self-served (deflection {totals['deflectionPercent']}%), "
          f"{totals.get('kbGaps', 0)} gaps")
