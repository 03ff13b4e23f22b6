"""The REST API as an OpenAPI 3.1 document: every route of app.py, its parameters,
bodies, answers and who may call it.

Integrators import it into API Gateway, Postman or a client generator; it is served at
`GET /openapi.json`, written next to the CloudFormation template by `make package`, and
the tests hold it to the app: a route missing from it (or described but not served), a
body field the route's validator takes but the document does not name, or an answer
that does not match it fails them. The field lists and the choices (tiers, statuses,
priorities) come from the validators' own definitions, so they are not typed twice.

Errors are JSON `{"Code": "BadRequestError", "Message": "what is wrong"}` (see
chalicelib/http.py); 503 means AWS failed and the call may be retried.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

VERSION = "1.0.0"
JSON = "application/json"
HTML = "text/html"
FORM = "application/x-www-form-urlencoded"

_ERROR_TEXT = {
    400: "The request is invalid; Message names the field or parameter and what is wrong. Nothing was written.",
    401: "The request is not signed (webhook signature missing or wrong).",
    403: "Not allowed.",
    404: "No such resource.",
    409: "The change conflicts with the resource's current state (or version).",
    410: "The link has expired.",
    415: "The body is not of the media type the route takes.",
    503: "AWS failed or throttled; nothing was lost, retry later.",
}


@dataclass(frozen=True)
class Route:
    """One operation: a path and method of app.py."""

    path: str
    method: str
    summary: str
    tag: str
    query: dict[str, dict[str, Any]] = field(default_factory=dict)
    required_query: tuple[str, ...] = ()
    body: dict[str, Any] | None = None
    body_type: str = JSON
    body_required: bool = True
    ok: tuple[int, ...] = (200,)
    ok_type: str = JSON
    errors: tuple[int, ...] = (400, 404, 503)
    error_type: str = JSON
    fuzz_skip: str | None = None


def _s(**extra: Any) -> dict[str, Any]:
    return {"type": "string", **extra}


def _obj(properties: dict[str, Any], required: tuple[str, ...] = (), **extra: Any) -> dict[str, Any]:
    schema: dict[str, Any] = {"type": "object", "properties": properties, "additionalProperties": False, **extra}
    if required:
        schema["required"] = list(required)
    return schema


def _nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


def _day(meaning: str) -> dict[str, Any]:
    return _s(format="date", description=meaning)


def _int(low: int, high: int, meaning: str) -> dict[str, Any]:
    return {"type": "integer", "minimum": low, "maximum": high, "description": meaning}


def _profile_fields(*, change: bool) -> dict[str, Any]:
    from chalicelib.profiles.schema import CHANNELS, PURPOSES
    from chalicelib.settings import TIERS

    def maybe(schema: dict[str, Any]) -> dict[str, Any]:
        return _nullable(schema) if change else schema

    consent = {"type": "object", "additionalProperties": False, "description": "{channel: {purpose: bool}}",
               "properties": {ch: {"type": "object", "additionalProperties": False,
                                   "properties": {p: {"type": "boolean"} for p in PURPOSES}} for ch in CHANNELS}}
    return {
        "firstName": maybe(_s(minLength=1, maxLength=100)),
        "lastName": maybe(_s(minLength=1, maxLength=100)),
        "preferredLanguage": _s(description="BCP 47 tag such as ro-RO", examples=["ro-RO"]),
        "timeZone": _s(description="IANA time zone", examples=["Europe/Bucharest"]),
        "tier": {"enum": list(TIERS)},
        "consent": consent,
        "phone": maybe(_s(description="E.164 or national number in the default region", examples=["+40712345678"])),
        "email": maybe(_s(format="email")),
        "whatsapp": maybe(_s(description="the WhatsApp number, E.164")),
        "chatId": maybe(_s(maxLength=128)),
    }


def _case_change(*extra_required: str, **properties: Any) -> dict[str, Any]:
    common = {"agent": _s(pattern=r"^[A-Za-z0-9._@+-]{1,128}$", description="who makes the change"),
              "version": {"type": "integer", "minimum": 1,
                          "description": "the case's version as read; a newer one is a 409"}}
    return _obj({**properties, **common}, extra_required)


def routes() -> list[Route]:
    """Every REST route of app.py, in the order of the README's sections."""
    from chalicelib.cases.desk import ESCALATION_REASONS, RESOLUTION_CODES, STATUSES, VISIBILITIES
    from chalicelib.cases.playbooks import LANGUAGES as PLAYBOOK_LANGUAGES
    from chalicelib.cases.policies import PRIORITIES
    from chalicelib.cases.policies import TIERS as CASE_TIERS
    from chalicelib.interactions.api import MAX_LIMIT as TIMELINE_LIMIT
    from chalicelib.knowledge.api import MAX_LIMIT as KB_LIMIT
    from chalicelib.knowledge.source import CHANNELS as KB_CHANNELS
    from chalicelib.metrics.report import GROUPINGS
    from chalicelib.web.dashboard import BY as DASHBOARD_BY
    from chalicelib.web.dashboard import FILES as DASHBOARD_FILES
    from chalicelib.web.panel import FILES
    from chalicelib.web.wrapup import DISPOSITIONS, MAX_NOTE

    text = _s(minLength=1)
    lang = {"lang": _s(description="language, such as ro or ro-RO")}
    days = {"from": _day("first day (YYYY-MM-DD)"), "to": _day("last day, inclusive (default: from)")}
    writes = (400, 404, 409, 503)
    return [
        Route("/openapi.json", "GET", "This document", "meta", errors=()),
        # Customer profiles
        Route("/customers", "POST", "Create a customer profile", "customers",
              body=_obj(_profile_fields(change=False), minProperties=1), ok=(201,), errors=(400, 409, 503)),
        Route("/customers", "GET", "Find a customer by exactly one address", "customers",
              query={"phone": _s(), "email": _s(), "whatsapp": _s(), "chatId": _s()}),
        Route("/customers/{customer_id}", "GET", "A customer's profile", "customers"),
        Route("/customers/{customer_id}", "PATCH", "Change a profile (null removes a name or address)", "customers",
              body=_obj(_profile_fields(change=True), minProperties=1), errors=writes),
        Route("/customers/{customer_id}/pin", "PUT", "Set the PIN the customer verifies calls with", "verification",
              body=_obj({"pin": _s(pattern="^[0-9]{4,8}$")}, ("pin",)), errors=writes),
        Route("/customers/{customer_id}/merge", "POST", "Fold a duplicate profile into this one", "customers",
              body=_obj({"duplicateId": _s()}, ("duplicateId",)), errors=writes),
        Route("/customers/{customer_id}/messages", "POST", "Send the customer a message from a template", "messages",
              body=_obj({"template": text, "variables": {"type": "object"}, "idempotencyKey": text,
                         "channel": _s(description="email (default), sms or whatsapp")},
                        ("template", "idempotencyKey")),
              ok=(200, 201), errors=writes),
        Route("/unsubscribe/{token}", "GET", "The page an unsubscribe link opens (changes nothing)", "messages",
              ok_type=HTML, errors=(400, 404, 410, 503), error_type=HTML),
        Route("/unsubscribe/{token}", "POST", "Unsubscribe (the page's button, RFC 8058 one-click)", "messages",
              body={"type": "object"}, body_type=FORM, body_required=False, ok_type=HTML,
              errors=(400, 404, 410, 503), error_type=HTML),
        # Data protection
        Route("/customers/{customer_id}/export", "GET", "Everything held about a customer", "privacy"),
        Route("/customers/{customer_id}/erase", "POST", "Erase a customer's personal data", "privacy",
              body=_obj({}, maxProperties=0), body_required=False, ok=(200, 202), errors=writes),
        # Memory and KPIs
        Route("/customers/{customer_id}/timeline", "GET", "The customer's interactions, newest first", "memory",
              query={"limit": _int(1, TIMELINE_LIMIT, "page size"), "cursor": _s(description="from the last page")}),
        Route("/metrics", "GET", "KPIs for a day or a range, optionally grouped", "metrics",
              query={**days, "by": {"enum": list(GROUPINGS)}}, required_query=("from",)),
        # Floor and dashboards
        Route("/floor", "GET", "Per queue: contacts waiting, the oldest wait and its status, the service "
              "level today, agents needed now against agents online", "floor"),
        Route("/dashboard/floor", "GET", "The live floor page", "floor", ok_type=HTML, errors=(503,)),
        Route("/dashboard/floor.js", "GET", "The live floor page's script", "floor", ok_type="text/javascript",
              errors=()),
        Route("/dashboard", "GET", "The day and the trend: the page shell (labels only)", "dashboard",
              ok_type=HTML, errors=(503,)),
        Route("/dashboard/data", "GET", "A day's KPIs and cost per contact against the week before, and 30 days "
              "of trend", "dashboard",
              query={"day": _day("the day (default: today)"), "by": {"enum": list(DASHBOARD_BY)}},
              errors=(400, 503)),
        Route("/dashboard/data.csv", "GET", "What the dashboard shows, as CSV", "dashboard",
              query={"day": _day("the day (default: today)"), "by": {"enum": list(DASHBOARD_BY)}},
              ok_type="text/csv", errors=(400, 503)),
        Route("/dashboard/static/{name}", "GET", f"The dashboard's files: {', '.join(sorted(DASHBOARD_FILES))}",
              "dashboard", ok_type="text/plain", errors=(404,)),
        Route("/dashboard/review", "GET", "The monthly review, printable", "dashboard",
              query={"month": _s(description="YYYY-MM (default: this month)"), **lang}, ok_type=HTML,
              errors=(400, 503)),
        # Quality
        Route("/qa/queue", "GET", "Each agent's sampled contacts of a week", "quality",
              query={"week": _s(description="ISO week, such as 2026-W48 (default: this week)"), "agent": _s()},
              errors=(400, 503)),
        Route("/qa/evaluations", "POST", "Evaluate a contact against the scorecard", "quality",
              body=_obj({"contactId": text, "ratings": {"type": "object", "additionalProperties": {"type": "integer"}},
                         "comment": _s(maxLength=2000), "scorecard": _s()}, ("contactId", "ratings")),
              ok=(200, 201), errors=writes),
        Route("/qa/evaluations", "GET", "An agent's evaluations, newest first", "quality",
              query={"agent": text}, required_query=("agent",), errors=(400, 403, 503)),
        Route("/qa/scores", "GET", "A week's average scores in total, per agent and per queue", "quality",
              query={"week": _s(description="ISO week (default: this week)")}, errors=(400, 503)),
        Route("/qa/agents/{agent}/erase", "POST", "Erase an agent's evaluations and scores", "quality",
              body=_obj({}, maxProperties=0), body_required=False, errors=writes),
        Route("/dashboard/qa", "GET", "Supervisors' page: the week's sample and the scorecard", "quality",
              query={"week": _s(), "agent": _s(), **lang}, ok_type=HTML, errors=(400, 503)),
        Route("/dashboard/qa/mine", "GET", "Agents' page: their own evaluations", "quality",
              query={"agent": _s(), **lang}, ok_type=HTML, errors=(400, 403, 503)),
        Route("/dashboard/qa.js", "GET", "The quality pages' script", "quality", ok_type="text/javascript",
              errors=()),
        Route("/reasons", "GET", "The contact-reason catalogue", "reasons", query=lang, errors=(400, 503)),
        # Workforce management
        Route("/wfm/erlang", "POST", "Agents needed for one interval (Erlang C, or A with patience)", "wfm",
              body=_obj({
                  "contacts": {"type": "number", "minimum": 0, "maximum": 1_000_000},
                  "intervalMinutes": {"type": "number", "exclusiveMinimum": 0, "maximum": 1440},
                  "averageHandleSeconds": {"type": "number", "exclusiveMinimum": 0, "maximum": 86_400},
                  "serviceLevel": _obj({"target": {"type": "number"}, "seconds": {"type": "number"}}),
                  "shrinkage": {"type": "number", "minimum": 0, "exclusiveMaximum": 1},
                  "maxOccupancy": {"type": "number", "exclusiveMinimum": 0, "maximum": 1},
                  "patienceSeconds": _nullable({"type": "number", "exclusiveMinimum": 0}),
                  "concurrency": {"type": "integer", "minimum": 1, "maximum": 20}},
                  ("contacts", "intervalMinutes", "averageHandleSeconds")),
              errors=(400, 503)),
        Route("/wfm/plan", "GET", "The staffing plan of a queue, day by day", "wfm",
              query={"queue": text, "from": _day("first day"), "days": _s(pattern="^[0-9]+$"),
                     "channel": _s(description="VOICE (default), CHAT, TASK, EMAIL")},
              required_query=("queue",)),
        # Agent panel
        Route("/agent", "GET", "The agent panel's page shell (no customer data)", "agent", query=lang,
              ok_type=HTML, errors=()),
        Route("/agent/static/{name}", "GET", f"The panel's files: {', '.join(sorted(FILES))}", "agent",
              ok_type="text/plain", errors=(404,)),
        Route("/agent/contacts/{contact_id}", "GET", "Who is on this contact and what happened before", "agent",
              query={**lang, "limit": _s(pattern="^[0-9]+$", description="page size")}),
        Route("/agent/contacts/{contact_id}/timeline", "GET", "More of the customer's history", "agent",
              query={**lang, "limit": _s(pattern="^[0-9]+$", description="page size"), "cursor": _s()},
              required_query=("cursor",)),
        Route("/agent/contacts/{contact_id}/search", "POST",
              "Find the caller's profile by phone or e-mail (and the name they give)",
              "agent", body=_obj({"phone": _s(), "email": _s(), "name": _s(), "lang": _s()})),
        Route("/agent/contacts/{contact_id}/case", "POST", "Open a case for the caller", "agent",
              body=_obj({"reason": text, "priority": {"enum": list(PRIORITIES)},
                         "subject": _s(minLength=1, maxLength=200), "note": _s(maxLength=4000)},
                        ("reason", "subject")),
              ok=(201,), errors=writes),
        Route("/agent/contacts/{contact_id}/case/escalate", "POST",
              "Escalate the caller's open case to the next tier", "agent",
              body=_obj({"reasonCode": {"enum": list(ESCALATION_REASONS)}, "note": _s(minLength=1, maxLength=4000),
                         "skip": {"type": "object", "additionalProperties": _s(minLength=1, maxLength=500)},
                         "skipReason": _s(minLength=1, maxLength=500), "lang": _s()},
                        ("reasonCode", "note")),
              errors=writes),
        Route("/agent/contacts/{contact_id}/link", "POST", "Link the contact to a profile (optionally merging)",
              "agent", body=_obj({"customerId": _s(), "merge": {"type": "boolean"}}, ("customerId",)),
              errors=writes),
        Route("/agent/contacts/{contact_id}/customer", "PATCH", "Correct language, tier or consent", "agent",
              body=_obj({k: v for k, v in _profile_fields(change=True).items()
                         if k in ("preferredLanguage", "tier", "consent")}, minProperties=1),
              errors=writes),
        Route("/agent/contacts/{contact_id}/summary-email", "POST", "E-mail the customer a summary", "agent",
              body=_obj({"done": text, "nextStep": _s(), "agentName": _s()}, ("done",)),
              ok=(200, 201), errors=writes),
        Route("/agent/contacts/{contact_id}/verification-code", "POST",
              "Send the customer a one-time code to an address on their profile", "agent",
              body=_obj({"channel": {"enum": ["sms", "whatsapp", "email"]}, "lang": _s()}),
              ok=(201,), errors=(*writes, 409)),
        Route("/agent/contacts/{contact_id}/wrap-up", "POST", "Save the contact's wrap-up", "agent",
              body=_obj({"reason": text, "disposition": {"enum": list(DISPOSITIONS)}, "resolved": {"type": "boolean"},
                         "note": _nullable(_s(maxLength=MAX_NOTE))}, ("reason", "disposition", "resolved")),
              ok=(200, 201), errors=writes),
        # Surveys
        Route("/s/{token}", "GET", "The survey form a link opens (changes nothing)", "surveys",
              ok_type=HTML, errors=(400, 404, 409, 410, 503), error_type=HTML),
        Route("/s/{token}", "POST", "The survey's answers, recorded once", "surveys",
              body={"type": "object", "additionalProperties": _s()}, body_type=FORM, ok_type=HTML,
              errors=(400, 404, 409, 410, 503), error_type=HTML),
        # Cases
        Route("/cases", "POST", "Open a case", "cases",
              body=_obj({"customerId": _s(pattern=r"^[A-Za-z0-9_-]{1,64}$"), "reason": text,
                         "priority": {"enum": list(PRIORITIES)}, "subject": _s(minLength=1, maxLength=200),
                         "note": _s(minLength=1, maxLength=4000),
                         "contactId": _s(pattern=r"^[A-Za-z0-9-]{1,128}$"),
                         "agent": _s(pattern=r"^[A-Za-z0-9._@+-]{1,128}$")},
                        ("customerId", "reason", "subject", "note")),
              ok=(201,), errors=(400, 404, 409, 503)),
        Route("/cases", "GET", "One queue's worklist", "cases",
              query={"queue": text, "tier": {"enum": list(CASE_TIERS)}, "status": {"enum": list(STATUSES)},
                     "breaching": {"enum": ["true", "false"]}}, required_query=("queue",), errors=(400, 503)),
        Route("/cases/{case_id}", "GET", "A case, its events and its tier's playbook", "cases",
              query={"lang": {"enum": list(PLAYBOOK_LANGUAGES)}}),
        Route("/cases/{case_id}/steps", "POST", "Record a playbook step", "cases",
              body=_case_change("step", "result", step=text, result=_s(minLength=1, maxLength=500),
                                note=_s(maxLength=4000)), errors=writes),
        Route("/cases/{case_id}/priority", "POST", "Change the priority", "cases",
              body=_case_change("priority", priority={"enum": list(PRIORITIES)}), errors=writes),
        Route("/cases/{case_id}/assignment", "POST", "Assign to an agent (null: back to the queue)", "cases",
              body=_case_change("assignee", assignee=_nullable(_s())), errors=writes),
        Route("/cases/{case_id}/escalate", "POST", "Escalate to the next tier", "cases",
              body=_case_change("reasonCode", reasonCode={"enum": list(ESCALATION_REASONS)},
                                skip={"type": "object", "additionalProperties": _s(),
                                      "description": "mandatory step id -> why it was not done"},
                                note=_s(maxLength=4000)), errors=writes),
        Route("/cases/{case_id}/notes", "POST", "Add a note", "cases",
              body=_case_change("text", text=_s(minLength=1, maxLength=4000),
                                visibility={"enum": list(VISIBILITIES)}), errors=writes),
        Route("/cases/{case_id}/status", "POST", "Change the status", "cases",
              body=_case_change("status", status={"enum": list(STATUSES)},
                                resolutionCode={"enum": list(RESOLUTION_CODES)}, note=_s(maxLength=4000)),
              errors=writes),
        Route("/customers/{customer_id}/cases", "GET", "A customer's cases", "cases"),
        # Journeys
        Route("/returns/{return_id}", "GET", "A return and where it is", "retail"),
        Route("/appointments", "POST", "Book (or re-send) an appointment", "clinic",
              body=_obj({"appointmentId": _s(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{0,39}$"),
                         "customerId": _s(), "patient": {"type": "object"},
                         "startsAt": _s(format="date-time"), "durationMinutes": _int(5, 480, "default 30"),
                         "service": text, "practitioner": _s(), "location": text, "address": text,
                         "instructions": {"type": "array", "items": _s(), "minItems": 1, "maxItems": 20},
                         "arriveMinutesEarly": _int(0, 120, "minutes")},
                        ("appointmentId", "startsAt", "service", "location", "address")),
              ok=(200, 201), errors=writes),
        Route("/appointments/{appointment_id}", "GET", "An appointment", "clinic"),
        Route("/appointments/{appointment_id}/attendance", "POST", "Record whether the patient came", "clinic",
              body=_obj({"attended": {"type": "boolean"}}, ("attended",)), errors=writes),
        Route("/chat/start", "POST", "Start a chat that knows the customer", "chat",
              body=_obj({"customerId": _s(), "email": _s(), "chatId": _s(), "phone": _s(),
                         "displayName": _s(), "clientToken": _s()}), errors=writes),
        Route("/webhooks/whatsapp", "GET", "Meta's webhook handshake (echoes hub.challenge)", "webhooks",
              query={"hub.mode": _s(), "hub.verify_token": _s(), "hub.challenge": _s()}, ok_type="text/plain",
              errors=(403, 404)),
        Route("/webhooks/whatsapp", "POST", "Meta's signed WhatsApp notifications", "webhooks",
              body={"type": "object"}, errors=(400, 401, 403, 404, 503)),
        # Knowledge
        Route("/kb/search", "GET", "Search the knowledge base", "knowledge",
              query={"q": text, **lang, "reason": _s(), "channel": {"enum": list(KB_CHANNELS)},
                     "limit": _int(1, KB_LIMIT, "results"), "contactId": _s()}, required_query=("q",),
              errors=(400, 503)),
        Route("/kb/articles/{article_id}", "GET", "An article as JSON, or as a page", "knowledge",
              query={**lang, "format": {"enum": ["json", "html"]}}),
        Route("/kb/suggest", "GET", "Articles for the contact in front of the agent", "knowledge",
              query={"contactId": text, "reason": _s()}, required_query=("contactId",)),
        Route("/kb/feedback", "POST", "Whether an article helped", "knowledge",
              body=_obj({"searchId": text, "helped": {"type": "boolean"}}, ("searchId", "helped"))),
        Route("/kb/gaps", "GET", "Questions without a good answer, unhelpful articles, reviews due", "knowledge",
              query=days, required_query=("from",), errors=(400, 503)),
    ]


def _error_schema() -> dict[str, Any]:
    return {"type": "object", "required": ["Code", "Message"],
            "properties": {"Code": _s(examples=["BadRequestError"]),
                           "Message": _s(minLength=1, examples=["phone is not a valid number for its country"])}}


def _security() -> tuple[dict[str, Any], list[dict[str, list[str]]]]:
    """The scheme the stage's authorizer (API_AUTHORIZER, chalicelib/http.py) puts in front
    of protected routes."""
    kind = os.environ.get("API_AUTHORIZER", "iam")
    if kind == "cognito":
        scheme = {"type": "apiKey", "in": "header", "name": "Authorization",
                  "description": "a Cognito user pool ID token (agents)"}
        return {"cognito": scheme}, [{"cognito": []}]
    scheme = {"type": "apiKey", "in": "header", "name": "Authorization",
              "description": "AWS Signature Version 4 (IAM)", "x-amazon-apigateway-authtype": "awsSigv4"}
    if kind == "none":
        scheme["description"] = "none in the local run; IAM (SigV4) or Cognito when deployed"
    return {"sigv4": scheme}, [{"sigv4": []}]


def _operation(route: Route, public: dict[str, str], security: list[dict[str, list[str]]]) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": f"{route.method.lower()}{route.path.replace('/', '_').replace('{', '').replace('}', '')}"
                       .replace(".", "_").replace("-", "_"),
        "summary": route.summary, "tags": [route.tag]}
    parameters = [{"name": name, "in": "path", "required": True, "schema": _s(minLength=1)}
                  for name in _path_names(route.path)]
    parameters += [{"name": name, "in": "query", "required": name in route.required_query, "schema": schema}
                   for name, schema in route.query.items()]
    if parameters:
        operation["parameters"] = parameters
    if route.body is not None:
        operation["requestBody"] = {"required": route.body_required,
                                    "content": {route.body_type: {"schema": route.body}}}
    responses: dict[str, Any] = {}
    for status in route.ok:
        content: dict[str, Any] = {route.ok_type: {"schema": {"type": "object"}} if route.ok_type == JSON else {}}
        responses[str(status)] = {"description": "Done" if status != 202 else "Accepted, still under way",
                                  "content": content}
    errors = list(route.errors)
    if route.body is not None:
        errors.append(415)  # API Gateway and Chalice refuse a body of another media type
    for status in sorted(errors):
        if route.error_type == JSON or status == 415:
            responses[str(status)] = {"$ref": f"#/components/responses/E{status}"}
        else:
            responses[str(status)] = {"description": _ERROR_TEXT[status], "content": {route.error_type: {}}}
    if route.path not in public:
        responses["403"] = {"$ref": "#/components/responses/Unauthenticated"}
    operation["responses"] = responses
    if route.path in public:
        operation["security"] = []
        operation["x-public"] = public[route.path]
    else:
        operation["security"] = security
    if route.fuzz_skip:
        operation["x-fuzz"] = {"skip": True, "reason": route.fuzz_skip}
    return operation


def _path_names(path: str) -> list[str]:
    return [part[1:-1] for part in path.split("/") if part.startswith("{")]


def document() -> dict[str, Any]:
    """The OpenAPI 3.1 document of the REST API, for the stage's authorizer."""
    from chalicelib.http import PUBLIC_ROUTES

    schemes, security = _security()
    paths: dict[str, dict[str, Any]] = {}
    for route in routes():
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route, PUBLIC_ROUTES, security)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Contact center API", "version": VERSION,
                 "description": "Customer profiles, messages, cases, knowledge, workforce and the pages agents, "
                                "supervisors and customers use. Errors are JSON "
                                '{"Code": "...", "Message": "..."}; 503 means AWS failed: retry later.'},
        "paths": paths,
        "components": {
            "securitySchemes": schemes,
            "schemas": {"Error": _error_schema()},
            "responses": {f"E{status}": {"description": text,
                                         "content": {JSON: {"schema": {"$ref": "#/components/schemas/Error"}}}}
                          for status, text in _ERROR_TEXT.items()}
            | {"Unauthenticated": {
                "description": "API Gateway refused the call: no or wrong credentials for the stage's authorizer",
                "content": {JSON: {"schema": {"type": "object", "properties": {"message": _s()}}}}}},
        },
    }
