"""Entry points of the contact-center integration layer.

A table of contents: each handler names the Connect event, route or schedule it
serves and hands over to chalicelib, where every decision lives. Domain modules are
imported on first use, so a contact-flow cold start loads only what that flow needs.
"""

from __future__ import annotations

import os

from chalice import Chalice, Cron, Response

from chalicelib import wiring  # noqa: F401  (who listens to what: events and scheduled steps)
from chalicelib.connect import flow
from chalicelib.http import answers, authorizer, json_object

# Logging is powertools' (chalicelib/observability.py, personal data masked); Chalice's own
# handler on the same logger name would print every line a second time, unmasked.
app = Chalice(app_name="contact-center", configure_logs=False)
PROTECTED = authorizer()


# ---- Amazon Connect contact flows (InvokeLambdaFunction, flat string map back) ----

@app.lambda_function(name="lookup_customer")
def lookup_customer(event, context):
    """Recognise the customer on any channel and return routing context."""
    return flow.run(event, context, "chalicelib.profiles.lookup:lookup_customer")


@app.lambda_function(name="predict_reason")
def predict_reason(event, context):
    """Why the customer is contacting us (history, menu choice, their words) and the queue for it."""
    return flow.run(event, context, "chalicelib.reasons.flow:predict_reason")


# ---- REST API: its OpenAPI description ----

@app.route("/openapi.json", methods=["GET"])
def openapi_document():
    """Public: the OpenAPI 3.1 description of these routes (no data)."""
    from chalicelib import openapi

    return Response(openapi.document(), headers={"Content-Type": "application/json", "Cache-Control": "max-age=300"})


# ---- REST API: customer profiles ----

@app.route("/customers", methods=["POST"], authorizer=PROTECTED)
@answers
def create_customer():
    from chalicelib.profiles import api

    return Response(api.create_customer(json_object(app.current_request)), status_code=201)


@app.route("/customers", methods=["GET"], authorizer=PROTECTED)
@answers
def find_customer():
    from chalicelib.profiles import api

    return api.find_customer(app.current_request.query_params)


@app.route("/customers/{customer_id}", methods=["GET"], authorizer=PROTECTED)
@answers
def get_customer(customer_id):
    from chalicelib.profiles import api

    return api.get_customer(customer_id)


@app.route("/customers/{customer_id}", methods=["PATCH"], authorizer=PROTECTED)
@answers
def update_customer(customer_id):
    from chalicelib.profiles import api

    return api.update_customer(customer_id, json_object(app.current_request))


@app.route("/customers/{customer_id}/merge", methods=["POST"], authorizer=PROTECTED)
@answers
def merge_customers(customer_id):
    from chalicelib.profiles import api

    return api.merge_customers(customer_id, json_object(app.current_request))


# ---- E-mail: customer messages, unsubscribe links, SES feedback ----

@app.route("/customers/{customer_id}/messages", methods=["POST"], authorizer=PROTECTED)
@answers
def send_customer_message(customer_id):
    from chalicelib.notify import api

    status, document = api.send_message(customer_id, json_object(app.current_request))
    return Response(document, status_code=status)


@app.route("/unsubscribe/{token}", methods=["GET"])
def unsubscribe_page(token):
    """Public: the page an unsubscribe link opens (asks, changes nothing)."""
    from chalicelib.notify import unsubscribe

    status, html = unsubscribe.page(token, app.current_request.headers.get("accept-language"))
    return Response(html, status_code=status, headers=unsubscribe.HEADERS)


@app.route("/unsubscribe/{token}", methods=["POST"],
           content_types=["application/x-www-form-urlencoded", "multipart/form-data", "text/plain"])
def unsubscribe_confirm(token):
    """Public: the confirmation button and RFC 8058 one-click unsubscribe."""
    from chalicelib.notify import unsubscribe

    status, html = unsubscribe.unsubscribe(token, app.current_request.headers.get("accept-language"))
    return Response(html, status_code=status, headers=unsubscribe.HEADERS)


# The topic is part of the deployment, so it is read when chalice packages the app
# (like API_AUTHORIZER): SES_FEEDBACK_TOPIC, the topic SES publishes bounces and
# complaints to (identity notifications or a configuration-set event destination).
# In the CloudFormation stack, infra/email_feedback.json points it at the stack's topic.
@app.on_sns_message(topic=os.environ.get("SES_FEEDBACK_TOPIC", "contact-center-ses-feedback"),
                    name="on_ses_feedback")
def on_ses_feedback(event):
    """SES bounces and complaints from SES_FEEDBACK_TOPIC_ARN only: suppress the address,
    mark the message. Another topic's message, or one that is not an SES notification,
    raises, so it is retried and then dead-lettered."""
    from chalicelib.notify import feedback

    feedback.handle_delivery(event.to_dict())


# ---- Data protection: export and erasure of a customer's personal data ----

@app.route("/customers/{customer_id}/export", methods=["GET"], authorizer=PROTECTED)
@answers
def export_customer(customer_id):
    from chalicelib.privacy import api

    return api.export_customer(customer_id)


@app.route("/customers/{customer_id}/erase", methods=["POST"], authorizer=PROTECTED)
@answers
def erase_customer(customer_id):
    from chalicelib.privacy import api

    record = api.erase_customer(customer_id, json_object(app.current_request, optional=True))
    return Response(record, status_code=200 if record["status"] == "done" else 202)


# ---- Omnichannel memory: interaction timeline, first-contact resolution, KPIs ----

# The Kinesis stream the Connect instance exports contact records to (data streaming),
# named when the app is packaged.
CONTACT_RECORDS_STREAM = os.environ.get("CONTACT_RECORDS_STREAM", "contact-center-contact-records")


@app.on_cw_event({"source": ["aws.connect"], "detail-type": ["Amazon Connect Contact Event"]},
                 name="on_contact_event")
def on_contact_event(event):
    """Fold a contact event into the customer's timeline; a failure raises (retry, DLQ)."""
    from chalicelib.interactions import handlers

    handlers.contact_event(event.to_dict())


@app.on_kinesis_record(stream=CONTACT_RECORDS_STREAM, batch_size=100, starting_position="TRIM_HORIZON",
                       name="on_contact_record")
def on_contact_record(event):
    """Fold contact records into timelines and KPIs; report the records that failed."""
    from chalicelib.interactions import handlers

    return handlers.contact_records(event.to_dict())


# The stream of the counter-changes table (chalicelib/metrics/journal.py). Packaging
# points the event source at the table's own StreamArn (infra/counter-changes.json);
# the local run delivers the stream of the table this names by its setting
# (`counter_changes_table`, devkit/streams.py).
COUNTER_CHANGES_STREAM = "arn:aws:dynamodb:::table/counter-changes/stream/set-when-packaged"


@app.on_dynamodb_record(stream_arn=COUNTER_CHANGES_STREAM, batch_size=100, starting_position="TRIM_HORIZON",
                        name="on_counter_changes")
def on_counter_changes(event):
    """Apply counter changes to the KPI counters; report where a batch stopped."""
    from chalicelib.metrics import journal

    return journal.on_counter_changes(event.to_dict(), event.context)


@app.route("/customers/{customer_id}/timeline", methods=["GET"], authorizer=PROTECTED)
@answers
def customer_timeline(customer_id):
    from chalicelib.interactions import api

    return api.timeline(customer_id, app.current_request.query_params)


@app.route("/metrics", methods=["GET"], authorizer=PROTECTED)
@answers
def contact_metrics():
    from chalicelib.metrics import report

    return report.kpis(app.current_request.query_params)


# ---- Supervisors: the live floor ----

AGENT_EVENTS_STREAM = os.environ.get("AGENT_EVENTS_STREAM", "contact-center-agent-events")


@app.on_kinesis_record(stream=AGENT_EVENTS_STREAM, batch_size=100, starting_position="LATEST",
                       name="on_agent_event")
def on_agent_event(event):
    """Keep each agent's state for the live floor; report the records that failed."""
    from chalicelib.floor import agents

    return agents.agent_events(event.to_dict())


@app.route("/floor", methods=["GET"], authorizer=PROTECTED)
@answers
def floor_now():
    """Per queue: contacts waiting, the oldest wait and its status against thresholds,
    the service level today, and agents online against those the staffing plan needs."""
    from chalicelib.web import floor

    return floor.data()


@app.route("/dashboard/floor", methods=["GET"], authorizer=PROTECTED)
@answers
def floor_page():
    """The floor as a page that refreshes itself every 15 s."""
    from chalicelib.web import floor

    html = floor.page(app.current_request.headers.get("accept-language"))
    return Response(html, status_code=200, headers=floor.HEADERS)


@app.route("/dashboard/floor.js", methods=["GET"], authorizer=PROTECTED)
def floor_script():
    from chalicelib.web import floor

    return Response(floor.script(), status_code=200, headers=floor.SCRIPT_HEADERS)


# ---- Supervisors: the day and the trend ----

@app.route("/dashboard", methods=["GET"], authorizer=PROTECTED)
def dashboard_page():
    """The page shell (labels only); its script reads /dashboard/data."""
    from chalicelib.web import dashboard

    return Response(dashboard.page(app.current_request.headers.get("accept-language")), headers=dashboard.HEADERS)


@app.route("/dashboard/data", methods=["GET"], authorizer=PROTECTED)
@answers
def dashboard_data():
    """A day's KPIs and cost per contact against the week before, by ?by=, and 30 days of trend."""
    from chalicelib.web import dashboard

    return Response(dashboard.data(app.current_request.query_params), headers=dashboard.DATA_HEADERS)


@app.route("/dashboard/data.csv", methods=["GET"], authorizer=PROTECTED)
@answers
def dashboard_csv():
    """What the dashboard shows, as CSV."""
    from chalicelib.web import dashboard

    query = app.current_request.query_params
    return Response(dashboard.csv_export(query), headers=dashboard.csv_headers(query))


@app.route("/dashboard/static/{name}", methods=["GET"], authorizer=PROTECTED)
@answers
def dashboard_file(name):
    """The dashboard's script and style, and the vendored chart library."""
    from chalicelib.web import dashboard

    body, headers = dashboard.static_file(name)
    return Response(body, headers=headers)


@app.route("/reasons", methods=["GET"], authorizer=PROTECTED)
@answers
def contact_reasons():
    from chalicelib.reasons import api

    return api.catalogue(app.current_request.query_params)


# ---- Workforce management: staffing from queueing theory ----

@app.route("/wfm/erlang", methods=["POST"], authorizer=PROTECTED)
@answers
def wfm_erlang():
    from chalicelib.wfm import api

    return api.staff_interval(json_object(app.current_request))


@app.route("/wfm/plan", methods=["GET"], authorizer=PROTECTED)
@answers
def wfm_plan():
    from chalicelib.wfm import api

    return api.staffing_plan(app.current_request.query_params)


@app.schedule(Cron(30, 1, "*", "*", "?", "*"), name="wfm_daily_plan")
def wfm_daily_plan(event):
    """Each night: forecast and staff the planned queues for the next WFM_PLAN_DAYS days."""
    from chalicelib.wfm import plan

    return plan.plan_all()


# ---- Agents: the customer panel in the Amazon Connect agent workspace, and wrap-up ----

def _data(document, status_code=200):
    return Response(document, status_code=status_code, headers={"Cache-Control": "no-store"})


@app.route("/agent", methods=["GET"])
def agent_panel():
    """Public: the panel's page shell (no customer data; its data calls are protected)."""
    from chalicelib.web import panel

    request = app.current_request
    return Response(panel.page(request.query_params, request.headers.get("accept-language")),
                    headers=panel.page_headers())


@app.route("/agent/static/{name}", methods=["GET"])
@answers
def agent_panel_file(name):
    """Public: the panel's script and style files."""
    from chalicelib.web import panel

    body, headers = panel.static_file(name)
    return Response(body, headers=headers)


@app.route("/agent/contacts/{contact_id}", methods=["GET"], authorizer=PROTECTED)
@answers
def agent_contact(contact_id):
    from chalicelib.web import agent

    request = app.current_request
    return _data(agent.contact_view(contact_id, request.query_params, request.headers.get("accept-language")))


@app.route("/agent/contacts/{contact_id}/timeline", methods=["GET"], authorizer=PROTECTED)
@answers
def agent_contact_timeline(contact_id):
    from chalicelib.web import agent

    request = app.current_request
    return _data(agent.timeline_page(contact_id, request.query_params, request.headers.get("accept-language")))


@app.route("/agent/contacts/{contact_id}/search", methods=["POST"], authorizer=PROTECTED)
@answers
def agent_search_customer(contact_id):
    from chalicelib.web import agent

    request = app.current_request
    return _data(agent.search(contact_id, json_object(request), request.headers.get("accept-language")))


@app.route("/agent/contacts/{contact_id}/link", methods=["POST"], authorizer=PROTECTED)
@answers
def agent_link_contact(contact_id):
    from chalicelib.web import agent

    return _data(agent.link(contact_id, json_object(app.current_request)))


@app.route("/agent/contacts/{contact_id}/customer", methods=["PATCH"], authorizer=PROTECTED)
@answers
def agent_correct_customer(contact_id):
    from chalicelib.web import agent

    return _data(agent.correct(contact_id, json_object(app.current_request)))


@app.route("/agent/contacts/{contact_id}/summary-email", methods=["POST"], authorizer=PROTECTED)
@answers
def agent_summary_email(contact_id):
    from chalicelib.web import agent

    status, document = agent.send_summary(contact_id, json_object(app.current_request))
    return _data(document, status)


@app.route("/agent/contacts/{contact_id}/case", methods=["POST"], authorizer=PROTECTED)
@answers
def agent_open_case(contact_id):
    from chalicelib.web import agent

    return _data(agent.open_case(contact_id, json_object(app.current_request)), 201)


@app.route("/agent/contacts/{contact_id}/case/escalate", methods=["POST"], authorizer=PROTECTED)
@answers
def agent_escalate_case(contact_id):
    from chalicelib.web import agent

    request = app.current_request
    return _data(agent.escalate_case(contact_id, json_object(request), request.headers.get("accept-language")))


@app.route("/agent/contacts/{contact_id}/verification-code", methods=["POST"], authorizer=PROTECTED)
@answers
def agent_send_verification_code(contact_id):
    from chalicelib.web import agent

    request = app.current_request
    body = json_object(request, optional=True)
    return _data(agent.send_code(contact_id, body, request.headers.get("accept-language")), 201)


@app.route("/agent/contacts/{contact_id}/wrap-up", methods=["POST"], authorizer=PROTECTED)
@answers
def agent_wrap_up(contact_id):
    from chalicelib.web import wrapup

    status, document = wrapup.save(contact_id, json_object(app.current_request))
    return _data(document, status)


# ---- Post-contact surveys: web answers, post-call keypad answers, scheduled work ----

@app.route("/s/{token}", methods=["GET"])
def survey_page(token):
    """Public: the survey form a link in an invitation opens (changes nothing)."""
    from chalicelib.surveys import web

    status, html = web.page(token, app.current_request.headers.get("accept-language"))
    return Response(html, status_code=status, headers=web.HEADERS)


@app.route("/s/{token}", methods=["POST"], content_types=["application/x-www-form-urlencoded"])
def survey_answer(token):
    """Public: the answers of that form, recorded once."""
    from chalicelib.surveys import web

    request = app.current_request
    status, html = web.submit(token, request.raw_body, request.headers.get("accept-language"))
    return Response(html, status_code=status, headers=web.HEADERS)


@app.lambda_function(name="record_survey_answer")
def record_survey_answer(event, context):
    """One keypad answer of the post-call survey flow."""
    return flow.run(event, context, "chalicelib.surveys.dtmf:record_survey_answer")


@app.lambda_function(name="scheduled_step")
def scheduled_step(event, context):
    """What an EventBridge Scheduler one-time schedule runs: a survey invitation after
    quiet hours or a follow-up retry, an appointment reminder or no-show check, a
    return's follow-up. A failure raises so the schedule retries, then dead-letters."""
    from chalicelib import steps

    return steps.run(event)


# ---- Journeys: retail returns, clinic appointments, WhatsApp, chat with memory ----

@app.lambda_function(name="start_return")
def start_return(event, context):
    """A caller returns an order: checked, case opened, pickup booked, AWB answered."""
    return flow.run(event, context, "chalicelib.retail.flow:start_return")


@app.lambda_function(name="return_status")
def return_status(event, context):
    """Where is my return? On any channel Connect serves."""
    return flow.run(event, context, "chalicelib.retail.status:return_status")


@app.lambda_function(name="next_appointment")
def next_appointment(event, context):
    """The caller's next appointment, said in their language and time zone."""
    return flow.run(event, context, "chalicelib.clinic.upcoming:next_appointment")


@app.lambda_function(name="send_verification_code")
def send_verification_code(event, context):
    """A one-time code to an address already on the caller's profile."""
    return flow.run(event, context, "chalicelib.verification.flow:send_verification_code")


@app.lambda_function(name="check_verification_code")
def check_verification_code(event, context):
    """The code the caller keyed in: this contact is verified, or not."""
    return flow.run(event, context, "chalicelib.verification.flow:check_verification_code")


@app.lambda_function(name="check_verification_pin")
def check_verification_pin(event, context):
    """The PIN the customer set: this contact is verified, or not."""
    return flow.run(event, context, "chalicelib.verification.flow:check_verification_pin")


@app.route("/customers/{customer_id}/pin", methods=["PUT"], authorizer=PROTECTED)
@answers
def set_customer_pin(customer_id):
    from chalicelib.verification import api

    return api.set_pin(customer_id, json_object(app.current_request))


@app.lambda_function(name="confirm_appointment")
def confirm_appointment(event, context):
    """The caller confirms the appointment they just heard."""
    return flow.run(event, context, "chalicelib.clinic.flow:confirm_appointment")


@app.lambda_function(name="open_case")
def open_case(event, context):
    """A case for the contact's customer, for a reason of the catalogue (one per contact)."""
    return flow.run(event, context, "chalicelib.cases.flow:open_case")


@app.route("/cases", methods=["POST"], authorizer=PROTECTED)
@answers
def create_case():
    from chalicelib.cases import api

    return Response(api.open_case(json_object(app.current_request)), status_code=201)


@app.route("/cases", methods=["GET"], authorizer=PROTECTED)
@answers
def case_worklist():
    from chalicelib.cases import api

    return api.worklist(app.current_request.query_params)


@app.route("/cases/{case_id}", methods=["GET"], authorizer=PROTECTED)
@answers
def get_case(case_id):
    from chalicelib.cases import api

    return api.get_case(case_id, app.current_request.query_params)


@app.route("/cases/{case_id}/steps", methods=["POST"], authorizer=PROTECTED)
@answers
def record_case_step(case_id):
    from chalicelib.cases import api

    return api.record_step(case_id, json_object(app.current_request))


@app.route("/cases/{case_id}/priority", methods=["POST"], authorizer=PROTECTED)
@answers
def set_case_priority(case_id):
    from chalicelib.cases import api

    return api.set_priority(case_id, json_object(app.current_request))


@app.route("/cases/{case_id}/assignment", methods=["POST"], authorizer=PROTECTED)
@answers
def assign_case(case_id):
    from chalicelib.cases import api

    return api.assign(case_id, json_object(app.current_request))


@app.route("/cases/{case_id}/escalate", methods=["POST"], authorizer=PROTECTED)
@answers
def escalate_case(case_id):
    from chalicelib.cases import api

    return api.escalate(case_id, json_object(app.current_request))


@app.route("/cases/{case_id}/notes", methods=["POST"], authorizer=PROTECTED)
@answers
def add_case_note(case_id):
    from chalicelib.cases import api

    return api.add_note(case_id, json_object(app.current_request))


@app.route("/cases/{case_id}/status", methods=["POST"], authorizer=PROTECTED)
@answers
def set_case_status(case_id):
    from chalicelib.cases import api

    return api.set_status(case_id, json_object(app.current_request))


@app.route("/customers/{customer_id}/cases", methods=["GET"], authorizer=PROTECTED)
@answers
def customer_cases(customer_id):
    from chalicelib.cases import api

    return api.customer_cases(customer_id)


@app.route("/returns/{return_id}", methods=["GET"], authorizer=PROTECTED)
@answers
def get_return(return_id):
    from chalicelib.retail import api

    return api.get_return(return_id)


@app.route("/appointments", methods=["POST"], authorizer=PROTECTED)
@answers
def book_appointment():
    from chalicelib.clinic import api

    status, appointment = api.book(json_object(app.current_request))
    return Response(appointment, status_code=status)


@app.route("/appointments/{appointment_id}", methods=["GET"], authorizer=PROTECTED)
@answers
def get_appointment(appointment_id):
    from chalicelib.clinic import api

    return api.get(appointment_id)


@app.route("/appointments/{appointment_id}/attendance", methods=["POST"], authorizer=PROTECTED)
@answers
def appointment_attendance(appointment_id):
    from chalicelib.clinic import api

    return api.attendance(appointment_id, json_object(app.current_request))


@app.route("/chat/start", methods=["POST"], authorizer=PROTECTED)
@answers
def start_chat():
    from chalicelib.interactions import chat

    return chat.start(json_object(app.current_request))


@app.route("/webhooks/whatsapp", methods=["GET"])
@answers
def whatsapp_webhook_handshake():
    """Public: Meta verifies the webhook (hub.verify_token), we echo hub.challenge."""
    from chalicelib.notify import meta_webhook

    challenge = meta_webhook.handshake(app.current_request.query_params)
    return Response(challenge, headers={"Content-Type": "text/plain", "X-Content-Type-Options": "nosniff"})


@app.route("/webhooks/whatsapp", methods=["POST"])
@answers
def whatsapp_webhook():
    """Public: Meta's signed WhatsApp notifications (X-Hub-Signature-256 over the raw body)."""
    from chalicelib.notify import meta_webhook

    request = app.current_request
    return meta_webhook.receive(request.raw_body, request.headers)


# The topic End User Messaging Social publishes the WhatsApp Business Account's events
# to (its event destination), read when chalice packages the app; in the CloudFormation
# stack, infra/whatsapp.json points it at the stack's topic. The handler also checks
# each message's TopicArn against WHATSAPP_EVENTS_TOPIC_ARN.
@app.on_sns_message(topic=os.environ.get("WHATSAPP_EVENTS_TOPIC", "contact-center-whatsapp-events"),
                    name="on_whatsapp_event")
def on_whatsapp_event(event):
    """Customers' WhatsApp messages: buttons answer appointments, STOP opts out, the
    rest reaches the front desk. A message that cannot be handled raises (SNS retries)."""
    from chalicelib.notify import whatsapp_inbound

    whatsapp_inbound.handle(event.to_dict())


# The topic End User Messaging SMS publishes two-way SMS and delivery events to (the
# phone number's two-way destination and the configuration set's event destination);
# in the CloudFormation stack, infra/sms.json points it at the stack's topic. The
# handler also checks each message's TopicArn against SMS_EVENTS_TOPIC_ARN.
@app.on_sns_message(topic=os.environ.get("SMS_EVENTS_TOPIC", "contact-center-sms-events"), name="on_sms_event")
def on_sms_event(event):
    """Customers' SMS (STOP opts out, HELP is answered, the rest reaches the front
    desk) and delivery events of ours. One that can never be handled is dead-lettered."""
    from chalicelib.notify import sms_inbound

    return sms_inbound.handle(event.to_dict())


# ---- Knowledge base: search, articles, suggestions, self-service, gaps ----

@app.route("/kb/search", methods=["GET"], authorizer=PROTECTED)
@answers
def kb_search():
    from chalicelib.knowledge import api

    request = app.current_request
    return api.search(request.query_params, str((request.context or {}).get("requestId", "")))


@app.route("/kb/articles/{article_id}", methods=["GET"], authorizer=PROTECTED)
@answers
def kb_article(article_id):
    """The article as JSON, or as a page (`?format=html` or `Accept: text/html`)."""
    from chalicelib.knowledge import api

    request = app.current_request
    document = api.article(article_id, request.query_params)
    if api.wants_html(request.query_params, request.headers.get("accept")):
        return Response(api.article_page(document), headers=api.PAGE_HEADERS)
    return document


@app.route("/kb/suggest", methods=["GET"], authorizer=PROTECTED)
@answers
def kb_suggest():
    from chalicelib.knowledge import suggest

    return suggest.suggest(app.current_request.query_params)


@app.route("/kb/feedback", methods=["POST"], authorizer=PROTECTED)
@answers
def kb_feedback():
    from chalicelib.knowledge import api

    return api.feedback(json_object(app.current_request))


@app.route("/kb/gaps", methods=["GET"], authorizer=PROTECTED)
@answers
def kb_gaps():
    from chalicelib.knowledge import api

    return api.gaps(app.current_request.query_params)


@app.lambda_function(name="offer_article")
def offer_article(event, context):
    """Chat and WhatsApp self-service: the best article for the customer's question."""
    return flow.run(event, context, "chalicelib.knowledge.selfservice:offer_article")


@app.lambda_function(name="answer_article")
def answer_article(event, context):
    """The customer's yes (self-served) or no (to an agent) to the article offered."""
    return flow.run(event, context, "chalicelib.knowledge.selfservice:answer_article")


# ---- Quality: contacts sampled per agent and week, evaluations, scores; the monthly review ----

@app.route("/qa/queue", methods=["GET"], authorizer=PROTECTED)
@answers
def qa_queue():
    from chalicelib.quality import api

    return api.queue(app.current_request.query_params)


@app.route("/qa/evaluations", methods=["POST"], authorizer=PROTECTED)
@answers
def qa_evaluate():
    from chalicelib.quality import api

    status, evaluation = api.record(json_object(app.current_request))
    return Response(evaluation, status_code=status, headers={"Cache-Control": "no-store"})


@app.route("/qa/evaluations", methods=["GET"], authorizer=PROTECTED)
@answers
def qa_agent_evaluations():
    from chalicelib.quality import api

    request = app.current_request
    return _data(api.of_agent(request.query_params, request.context))


@app.route("/qa/scores", methods=["GET"], authorizer=PROTECTED)
@answers
def qa_scores():
    from chalicelib.quality import api

    return api.scores(app.current_request.query_params)


@app.route("/qa/agents/{agent}/erase", methods=["POST"], authorizer=PROTECTED)
@answers
def qa_erase_agent(agent):
    """An agent's evaluations and scores, deleted at their request or when they leave."""
    from chalicelib.quality import api

    return api.erase_agent(agent, json_object(app.current_request, optional=True))


@app.route("/dashboard/qa", methods=["GET"], authorizer=PROTECTED)
@answers
def qa_page():
    """Supervisors: the week's sampled contacts and the scorecard to evaluate them."""
    from chalicelib.web import quality

    request = app.current_request
    return Response(quality.supervisor_page(request.query_params, request.headers.get("accept-language")),
                    headers=quality.HEADERS)


@app.route("/dashboard/qa/mine", methods=["GET"], authorizer=PROTECTED)
@answers
def qa_agent_page():
    """Agents: their own evaluations."""
    from chalicelib.web import quality

    request = app.current_request
    return Response(quality.agent_page(request.query_params, request.headers.get("accept-language"),
                                       request.context), headers=quality.HEADERS)


@app.route("/dashboard/qa.js", methods=["GET"], authorizer=PROTECTED)
def qa_script():
    from chalicelib.web import quality

    return Response(quality.script(), headers=quality.SCRIPT_HEADERS)


@app.route("/dashboard/review", methods=["GET"], authorizer=PROTECTED)
@answers
def monthly_review():
    """The monthly review with the business, printable."""
    from chalicelib.web import review

    request = app.current_request
    return Response(review.page(request.query_params, request.headers.get("accept-language")),
                    headers=review.HEADERS)
