"""Configuration, read from the environment once per container and validated.

Every table name is required: a missing one is an error that names the variable,
never a silent default that would write to the wrong table. Tunables (budgets,
windows, retention) have documented defaults and are checked for range.

`.chalice/config.json` sets all of them per stage; tests and the local run set
them in `devkit.localenv`.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, fields


class SettingsError(RuntimeError):
    """The environment does not describe a usable deployment."""


TIERS = ("standard", "gold", "vip")
AUTHORIZERS = ("none", "iam", "cognito")


@dataclass(frozen=True)
class Settings:
    stage: str
    """`local`, `dev`, `prod`; every stage but `local` is deployed"""
    region: str
    """the region of the tables and every AWS call (`AWS_DEFAULT_REGION` when unset). Set by Lambda."""

    # Tables (PynamoDB models bind to these names).
    customers_table: str
    """DynamoDB table of customer profiles"""
    identities_table: str
    """addresses (phone, e-mail, WhatsApp, chat id) → customer"""
    audit_table: str
    """merges and erasures, ids only"""
    contact_links_table: str
    """Connect contact id → customer, short-lived"""
    interactions_table: str
    """one item per customer contact, transfer legs folded in"""
    metrics_table: str
    """KPI counters per day and queue, agent, channel, reason"""
    counter_changes_table: str
    """counter changes on their way to the KPI counters (its stream feeds on_counter_changes)"""

    # Customer recognition.
    default_phone_region: str = "RO"
    """how national numbers (`0712 345 678`) are read"""
    default_language: str = "en-US"
    """language of a new profile whose country is not served"""
    default_time_zone: str = "Europe/Bucharest"
    """time zone of such a profile"""
    auto_create_profiles: bool = True
    """create a profile for an unknown caller's address"""
    flow_budget_ms: int = 2500
    """a contact-flow function answers within this"""

    # Work done later (chalicelib/schedules.py): the EventBridge Scheduler group, the
    # function its one-time schedules run (scheduled_step), the role Scheduler assumes
    # and the queue that keeps what could not be done (the stack hands all four).
    schedule_group: str = ""
    """the EventBridge Scheduler group of work done later: waiting survey invitations, follow-up retries,
    reminders, no-show checks, return follow-ups (the stack's `<stack>-schedules`, handed to the functions).
    Required to schedule."""
    scheduled_step_arn: str = ""
    """the `scheduled_step` function schedules run. Set by the stack"""
    scheduler_role_arn: str = ""
    """the role EventBridge Scheduler assumes to run them. Set by the stack"""
    schedule_dead_letter_queue_arn: str = ""
    """the queue that keeps what could not be delivered or kept failing. Set by the stack"""

    # Retention of personal data, in days (refreshed on every contact).
    profile_retention_days: int = 1095
    """a profile is kept this long after its last change or contact"""
    contact_link_retention_days: int = 2
    """how long a contact → customer link is kept"""

    # Data protection: how long each kind of item holding personal data is kept, in
    # days from its last write (its TTL attribute `expires_at`), and how long the proof
    # of an erasure (which holds none) is kept. Messages sent are kept for
    # outbox_retention_days (e-mail, below).
    interaction_retention_days: int = 730
    """timeline interactions"""
    survey_retention_days: int = 365
    """survey invitations and answers"""
    case_retention_days: int = 1095
    """cases and their step logs"""
    idempotency_retention_days: int = 7
    """records that stop a redelivered event acting twice"""
    erasure_record_retention_days: int = 2190
    """proof of an erasure, which holds no personal data"""

    # REST API protection in deployed stages.
    api_authorizer: str = "iam"
    """`iam`, `cognito` or `none` (local stage only)"""

    # E-mail (SES), message outbox, suppression and signed links.
    outbox_table: str = ""
    """one entry per message sent or refused (idempotency key, status), no content"""
    suppressions_table: str = ""
    """addresses that bounced hard or complained, keyed by hash"""
    brand_name: str = ""
    """sender name and the name in every message"""
    email_sender: str = ""
    """From address; its domain must be verified in SES"""
    support_email: str = ""
    """shown in every e-mail; the Reply-To unless `EMAIL_REPLY_TO` is set"""
    # Absolute URL the public routes (unsubscribe links) are served under,
    # API stage included: https://api.example.com or https://<id>.execute-api.<region>.amazonaws.com/api
    public_base_url: str = ""
    """https URL the API is reachable at, stage included (unsubscribe links)"""
    email_reply_to: str = ""
    """Reply-To address. Default: `SUPPORT_EMAIL`."""
    support_phone: str = ""
    """shown in every customer e-mail"""
    brand_color: str = "#0B5CAD"
    """colour of the header and buttons in every message"""
    brand_accent_color: str = "#F2F6FB"
    """background colour of every message"""
    ses_configuration_set: str = ""
    """SES configuration set (the stack's `<stack>-email`, handed to the functions)"""
    # The only SNS topic on_ses_feedback accepts bounces and complaints from (set by the stack).
    ses_feedback_topic_arn: str = ""
    """the only SNS topic `on_ses_feedback` accepts bounces and complaints from. Set by the stack."""
    supervisor_email: str = ""
    """where supervisor alerts go"""
    supervisor_language: str = "en"
    """the language supervisor alerts are written in"""
    # Amazon Connect Cases: when a domain is named, every desk case is mirrored there
    # (created from this template, its changes as comments); empty: no mirror.
    connect_cases_domain_id: str = ""
    """mirror desk cases to this Amazon Connect Cases domain (with `CONNECT_CASES_TEMPLATE_ID`: both or
    neither). Empty: no mirror."""
    connect_cases_template_id: str = ""
    """the Amazon Connect Cases template mirrored cases are created from (with `CONNECT_CASES_DOMAIN_ID`)"""
    # Secret for signed links: an SSM parameter name (SecureString; a Secrets Manager
    # secret through /aws/reference/secretsmanager/<name>) in deployed stages, read
    # once per container; a literal value for the local run only.
    token_secret_parameter: str = ""
    """SSM parameter (SecureString) holding the link-signing secret; required in deployed stages"""
    token_secret: str = ""
    """the secret itself, for the local stage only"""
    outbox_retention_days: int = 180
    """how long outbox entries (and so idempotency) are kept"""
    suppression_retention_days: int = 730
    """how long a bounced or complaining address stays suppressed"""
    unsubscribe_link_days: int = 365
    """how long an unsubscribe link works"""

    # Interaction timeline, first-contact resolution and contact KPIs.
    repeat_window_hours: int = 72
    """a contact is resolved at first contact unless the customer comes back within this"""
    repeat_same_reason: bool = False
    """only a return about the same contact reason counts as a repeat"""
    metrics_retention_days: int = 1095
    """how long a day's KPI counters are kept"""
    metrics_time_zone: str = "UTC"
    """the zone KPI days are counted in. Default: `UTC` (`Europe/Bucharest` in config)."""

    # Workforce management: each queue's planning settings, a JSON object described in
    # chalicelib/wfm/queues.py, and how many days ahead the daily job plans.
    wfm_queues: str = "{}"
    """per queue (JSON object keyed by queue name, `"*"` for the defaults of queues not named): `timeZone`,
    `country` (ISO code for public holidays), `subdivision`, `channels` planned (`["VOICE"]`), `serviceLevel`
    (`{"target": 0.8, "seconds": 20}`), `shrinkage` (0.3), `maxOccupancy` (0.85), `chatConcurrency` (2); the
    queues named are planned nightly"""
    wfm_plan_days: int = 14
    """how many days ahead the nightly plan goes"""

    # Cost per contact: what agents' time, telephony, chats, WhatsApp conversations,
    # e-mails and the platform cost, a JSON object described in chalicelib/metrics/cost.py.
    cost_model: str = "{}"
    """prices for cost per contact: `currency`, `agentHour`, `telephonyMinute` (`inbound`/`outbound` by ISO
    country, `"*"` for the rest), `chatContact`, `whatsappConversation` by category, `emailThousand`,
    `platformContact` (see [The
    dashboard](dashboard.md#the-dashboard-the-day-the-trend-and-cost-per-contact)); `{}` reports no cost.
    Default: `{}` (an example in config)."""

    # Post-contact surveys (survey items are kept survey_retention_days, above).
    surveys_table: str = ""
    """one item per contact considered for a survey: decision, answers, scores"""
    survey_cooldown_days: int = 30
    """no new survey for a customer surveyed or invited within this"""
    survey_link_days: int = 7
    """how long a survey link works"""
    survey_sample_percent: int = 100
    """share of contacts surveyed (a definition's `samplePercent` overrides it)"""
    # Invitations are not sent between these local times of the customer ("" for
    # never quiet): they wait, as a one-time EventBridge Scheduler schedule.
    survey_quiet_hours: str = "21:00-09:00"
    """no invitation between these times in the customer's zone; set but empty: never quiet"""
    # A contact whose record arrives later than this after it ended gets no survey.
    survey_max_delay_hours: int = 48
    """a contact whose record arrives later than this after it ended is not surveyed"""
    # Detractor follow-up: the Connect instance and the flow that queues the task
    # (templates/flows/survey_follow_up); empty means alert e-mails only.
    connect_instance_arn: str = ""
    """the Connect instance follow-up tasks (and front-desk tasks and chats) are started in. Set by the stack;
    empty: alerts only"""
    # The agent panel (an agent-workspace application): the origin of the instance's
    # agent workspace, the only page allowed to frame it (https://<alias>.my.connect.aws;
    # empty: the panel can only be opened on its own), and where an agent signs in
    # (the Cognito hosted UI's authorize URL; empty: no sign-in link is shown).
    agent_workspace_origin: str = ""
    """origin(s) of the agent workspace allowed to frame the agent panel (`https://<alias>.my.connect.aws`),
    space-separated"""
    agent_sign_in_url: str = ""
    """the Cognito hosted UI's authorize URL the agent panel links to when an agent must sign in"""
    survey_follow_up_flow_arn: str = ""
    """the flow that queues survey follow-up tasks. Set by the stack; empty: alerts only"""

    # WhatsApp through AWS End User Messaging Social: the phone number id messages go
    # from, and the WhatsApp Cloud API version they are written for.
    whatsapp_phone_number_id: str = ""
    """the End User Messaging Social phone number id WhatsApp messages go from (`phone-number-id-…`)"""
    whatsapp_meta_api_version: str = "v20.0"
    """the WhatsApp Cloud API version messages are written for"""
    # Meta's webhook (POST /webhooks/whatsapp), for accounts not on End User Messaging
    # Social: the app secret that signs notifications (an SSM SecureString name; the
    # value itself on the local stage only) and the verify token of the handshake.
    meta_app_secret_parameter: str = ""
    """SSM parameter (SecureString) holding the Meta app secret that signs `POST /webhooks/whatsapp`; empty: that
    webhook is off (404)"""
    meta_app_secret: str = ""
    """the app secret itself, for the local stage only"""
    meta_verify_token: str = ""
    """the verify token of Meta's webhook handshake (`GET /webhooks/whatsapp`)"""

    # Journeys: retail returns and clinic appointments, WhatsApp through AWS End User
    # Messaging Social, Amazon Connect tasks and chats, EventBridge Scheduler.
    orders_table: str = ""
    """orders (the built-in order source)"""
    cases_table: str = ""
    """cases (returns, clinic journeys, the desk's cases) with their steps and events"""
    appointments_table: str = ""
    """DynamoDB table of the clinic's appointments"""
    return_window_days: int = 30
    """an order can be returned this many days after delivery"""
    order_retention_days: int = 730
    """orders in the built-in source, from delivery"""
    # Counted from the appointment's date.
    appointment_retention_days: int = 730
    """appointments, from their date"""
    # Where orders come from and who collects returns: "table" and "local" are the
    # built-in ones; "package.module:Class" plugs in another (see chalicelib/retail).
    order_source: str = "table"
    """where orders come from: `table` or `package.module:Class`"""
    carrier: str = "local"
    """who collects returns: `local` (deterministic, books nothing) or `package.module:Class`"""
    carrier_name: str = "Lumen Courier"
    """the carrier's name, as customers read it"""
    carrier_label_base_url: str = "https://labels.lumen.example"
    """the local carrier's label links"""
    # How long a call waits for the carrier's booking before answering PENDING.
    carrier_timeout_ms: int = 1200
    """how long a call waits for the carrier's booking before answering `PENDING`"""
    # WhatsApp reminders this many hours before an appointment, comma-separated.
    appointment_reminder_hours: str = "48,24"
    """WhatsApp reminders this many hours before an appointment (at most 3, each 1–720)"""
    # An unconfirmed appointment nobody attended is a no-show this long after its end.
    no_show_grace_minutes: int = 30
    """an unconfirmed appointment nobody attended is a no-show this long after its end"""
    whatsapp_events_topic_arn: str = ""
    """the only SNS topic `on_whatsapp_event` accepts messages from. Set by the stack."""
    connect_chat_flow_id: str = ""
    """the flow chats start in (`inbound_chat`), id or ARN. Set by the stack"""
    connect_task_flow_id: str = ""
    """the flow front-desk tasks start in (`front_desk_task`), id or ARN. Set by the stack"""
    # Where on_whatsapp_event keeps a message it can never handle, alone (the stack hands
    # it the function's own dead-letter queue).
    whatsapp_dead_letter_queue_arn: str = ""
    """where `on_whatsapp_event` keeps, alone, a message it can never handle (the function's own dead-letter
    queue). Set by the stack."""

    # SMS through AWS End User Messaging SMS: what messages go from (a phone number,
    # pool or sender ID, by id or ARN; empty: no SMS), the configuration set whose
    # event destination reports deliveries, and the most parts one SMS may take.
    sms_origination_identity: str = ""
    """the End User Messaging SMS phone number, pool or sender ID SMS go from (id or ARN); empty: SMS is off,
    every SMS refused `NOT_CONFIGURED`"""
    sms_configuration_set: str = ""
    """the configuration set SMS go through (its SNS event destination reports deliveries to `on_sms_event`)"""
    sms_max_segments: int = 3
    """the most parts one SMS may take; a longer text is refused `TOO_LONG`"""
    # The SNS topic of two-way SMS and delivery events (on_sms_event checks it), and
    # where on_sms_event keeps a message it can never handle (the stack hands it the
    # function's own dead-letter queue).
    sms_events_topic_arn: str = ""
    """the only SNS topic `on_sms_event` accepts two-way SMS and delivery events from. Set by the stack."""
    sms_dead_letter_queue_arn: str = ""
    """where `on_sms_event` keeps, alone, an event it can never handle (the function's own dead-letter queue).
    Set by the stack."""
    # Message types that go by SMS when WhatsApp cannot reach the customer, before
    # e-mail, comma-separated (appointment_reminder, return_label); empty: none.
    sms_fallback_messages: str = ""
    """message types sent by SMS when WhatsApp cannot reach the customer, before e-mail, comma-separated
    (`appointment_reminder,return_label`)"""

    # Contact reasons: below this confidence (percent) predict_reason answers `other`
    # and the flow falls back to its menu. The inbound voice flow asks callers in
    # these languages (comma-separated; Amazon Lex V2 has English and Italian locales,
    # none for Romanian or Hungarian) the open question through a Lex V2 bot, whose
    # fallback transcript predict_reason reads; "" asks nobody.
    reason_confidence_percent: int = 50
    """below this, `predict_reason` answers `other` and the flow falls back to its menu"""
    reason_lex_languages: str = "en,it"
    """languages the inbound flows ask the open question in through a Lex V2 bot (only `en`, `it`: Lex V2 has no
    Romanian locale)"""
    # What predict_reason read (masked) for a known customer's contact, with the
    # prediction: `make reasons-export` joins it with the agent's wrap-up reason.
    reason_texts_table: str = ""
    """what a customer said or wrote when `predict_reason` read it (masked), one item per contact"""
    reason_text_retention_days: int = 90
    """how long that text is kept for retraining the reason classifier (`make reasons-export`)"""

    # Knowledge base: how searches and self-service offers are counted, and the gaps
    # (questions nothing answered, their text masked) kept for the content owners.
    knowledge_table: str = ""
    """one item per counted search, suggestion or self-service offer; gaps in a sparse index"""
    # WhatsApp questions of a self-service reason that an article answers confidently
    # get the article before anyone at the front desk sees them.
    whatsapp_self_service: bool = True
    """answer a WhatsApp question of a self-service reason with the article that confidently answers it, before
    the front desk sees it"""
    # The live floor: who waits in which queue now, and each queue's warn/alert
    # thresholds on the oldest wait (a JSON object described in chalicelib/floor/thresholds.py).
    floor_table: str = ""
    """the live floor: one item per contact per queue (ids and times only), 26 h"""
    floor_agents_table: str = ""
    """the live floor: one item per agent per queue (agent id, state, since), 10 min"""
    floor_thresholds: str = "{}"
    """queues the floor shows and their warn/alert oldest-wait seconds (see
    [The live floor](floor.md#the-live-floor))"""
    knowledge_retention_days: int = 90
    """how long those items, and so the gaps' masked questions, are kept"""
    # Quality assurance: evaluations, their roll-ups and the week's candidates; how many
    # contacts of each agent's week are sampled; how long evaluations are kept (they
    # are the agent's personal data); the scorecard used when a request names none;
    # the Cognito group whose members read every agent's evaluations.
    quality_table: str = ""
    """quality: evaluations (the agent's personal data), their roll-ups per agent, queue and week, and each
    week's candidates for sampling"""
    qa_sample_per_agent: int = 5
    """contacts sampled per agent and week for evaluation"""
    qa_retention_days: int = 400
    """how long evaluations and per-agent scores are kept"""
    qa_scorecard: str = "default"
    """the scorecard used when an evaluation names none (a file in `chalicelib/quality/scorecards/`)"""
    qa_supervisor_group: str = "supervisors"
    """with the Cognito authorizer, the group whose members read every agent's evaluations; others read their own"""

    @property
    def sms_fallback(self) -> frozenset[str]:
        """SMS_FALLBACK_MESSAGES as a set of message type names."""
        return frozenset(name.strip() for name in self.sms_fallback_messages.split(",") if name.strip())

    # Verification: who is really on the line before anything personal is said or changed.
    # One-time codes, their tries and locks, a PIN's salted hash, verified contacts.
    verification_table: str = ""
    """one-time codes (salted hashes), tries and locks per profile, PIN hashes, verified contacts (see [Who is
    really calling](verification.md#who-is-really-calling-recognised-is-not-verified))"""
    # Assurance a flow function needs, raised above its default ("action=level", comma-separated,
    # such as next_appointment=verified); see chalicelib/verification/levels.py.
    assurance_levels: str = ""
    """actions raised above their default assurance, `action=level` comma-separated
    (`next_appointment=verified,confirm_appointment=verified`); an unknown action or a level below the default
    is an error. Empty."""
    # Where one-time codes go, in order of preference, when the flow does not name a channel.
    verification_channels: str = "whatsapp,email"
    """where a one-time code goes when the flow names no channel, in order of preference, among `whatsapp`,
    `email`, `sms` (the first the profile has an address on)"""
    verification_code_minutes: int = 5
    """how long a one-time code is valid"""
    # Wrong answers (codes or PIN) a profile may give before it is locked, and for how long.
    verification_max_tries: int = 3
    """wrong answers (codes or PIN) a profile may give before it is locked; also the codes one contact may ask
    for"""
    verification_lock_minutes: int = 30
    """how long a locked profile cannot verify, by any method, on any contact"""

    @property
    def reminder_hours(self) -> tuple[int, ...]:
        """APPOINTMENT_REMINDER_HOURS as whole hours, furthest first."""
        return _reminder_hours(self.appointment_reminder_hours)


# Variables read outside Settings, documented beside them (the configuration reference
# is generated from this module): by app.py when the app is packaged (the names of its
# event sources; their defaults are app.py's), by the HTTP edge and by powertools.
OTHER_VARIABLES = {
    "CONTACT_RECORDS_STREAM": "Kinesis stream of this stage's contact records "
                              "(`contact-center-<stage>-contact-records` in config), read when the app is packaged; "
                              "required to package",
    "AGENT_EVENTS_STREAM": "Kinesis stream of this stage's Connect agent events "
                           "(`contact-center-<stage>-agent-events` in config), read when the app is packaged; "
                           "required to package",
    "SES_FEEDBACK_TOPIC": "the name or ARN of the topic SES feedback arrives on, read when the app is packaged "
                          "(the stack points it at its own)",
    "WHATSAPP_EVENTS_TOPIC": "the name or ARN of the topic WhatsApp events arrive on, read when the app is packaged "
                             "(the stack points it at its own)",
    "SMS_EVENTS_TOPIC": "the name or ARN of the topic two-way SMS and delivery events arrive on, read when the app "
                        "is packaged (the stack points it at its own)",
    "COGNITO_USER_POOL_ARN": "with `API_AUTHORIZER=cognito`: the user pool whose ID tokens the API accepts, an "
                             "existing pool's ARN or `stack` for the pool the stack creates (needs "
                             "`AGENT_SIGN_IN_DOMAIN`)",
    "AGENT_SIGN_IN_DOMAIN": "read when the app is packaged: the prefix of the hosted UI domain of the agents' user "
                            "pool the stack creates (`<prefix>.auth.<region>.amazoncognito.com`, the "
                            "`AgentSignInDomain` parameter's default); empty: no pool",
    "POWERTOOLS_SERVICE_NAME": "the `service` of every log line (`contact-center` in config)",
    "POWERTOOLS_LOG_LEVEL": "the lowest level logged (`INFO` in config, `WARNING` in prod)",
}


# Environment variable for each field: upper-case field name.
_REQUIRED = {"stage", "region", "customers_table", "identities_table", "audit_table",
             "contact_links_table",
             # e-mail
             "outbox_table", "suppressions_table", "brand_name", "email_sender", "support_email",
             "public_base_url",
             # interaction timeline and KPIs
             "interactions_table", "metrics_table", "counter_changes_table",
             # surveys
             "surveys_table",
             # journeys
             "orders_table", "cases_table", "appointments_table",
             # knowledge base
             "knowledge_table", "floor_table", "floor_agents_table",
             # contact reasons
             "reason_texts_table",
             # quality assurance
             "quality_table",
             # verification
             "verification_table"}


# Settings whose empty value means something of its own (SURVEY_QUIET_HOURS="": never
# quiet), rather than "not set, use the default".
_EMPTY_IS_A_VALUE = {"survey_quiet_hours"}
# The stage that runs on a laptop or in CI, against the embedded AWS; every other
# stage is deployed.
LOCAL_STAGES = ("local",)


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _parse_int(name: str, raw: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


_INT_RANGES = {
    # SMS: parts of one message (a long SMS costs one message per part).
    "sms_max_segments": (1, 10),
    # Connect waits at most 8 s for a flow Lambda; leave room for its own overhead.
    "flow_budget_ms": (100, 7500),
    "profile_retention_days": (1, 3650),
    "contact_link_retention_days": (1, 30),
    # e-mail
    "outbox_retention_days": (7, 3650),
    "suppression_retention_days": (30, 3650),
    # Unsubscribe links must keep working for at least 30 days after sending.
    "unsubscribe_link_days": (30, 3650),
    "interaction_retention_days": (1, 3650),
    "survey_retention_days": (1, 3650),
    "case_retention_days": (1, 3650),
    # Long enough to outlast every redelivery (Kinesis keeps records up to 7 days by
    # default, EventBridge retries for 24 h), short enough to hold little.
    "idempotency_retention_days": (1, 30),
    "erasure_record_retention_days": (1, 3650),
    # interaction timeline: a contact is resolved at first contact unless the customer comes back within this.
    "repeat_window_hours": (1, 720),
    # A year of KPIs at least: /metrics reports up to 366 days.
    "metrics_retention_days": (400, 3650),
    # workforce management: Connect's own forecasts go 28 days ahead at 15-minute intervals.
    "wfm_plan_days": (1, 28),
    # surveys
    "survey_cooldown_days": (0, 365),
    # Links live at least a day, and no longer than a survey's answers would mean anything.
    "survey_link_days": (1, 30),
    "survey_sample_percent": (0, 100),
    "survey_max_delay_hours": (1, 168),
    # journeys
    "return_window_days": (1, 365),
    "order_retention_days": (1, 3650),
    "appointment_retention_days": (1, 3650),
    # Part of a contact-flow budget: the call must still be answered after it.
    "carrier_timeout_ms": (100, 5000),
    "no_show_grace_minutes": (0, 1440),
    "reason_confidence_percent": (0, 100),
    # Exported for retraining at least monthly or quarterly; kept no longer than that.
    "reason_text_retention_days": (7, 400),
    # Gaps are reviewed monthly or quarterly; their text is kept no longer than that.
    "knowledge_retention_days": (7, 400),
    # A week's sample per agent: enough to coach on, few enough to evaluate.
    "qa_sample_per_agent": (1, 50),
    # Evaluations serve the yearly review at most; at least a month to act on them.
    "qa_retention_days": (30, 1095),
    # A code is said or typed within minutes; long-lived codes are guessable codes.
    "verification_code_minutes": (1, 15),
    "verification_max_tries": (1, 10),
    "verification_lock_minutes": (1, 1440),
}


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from an environment mapping (os.environ by default)."""
    environ = os.environ if environ is None else environ
    values: dict[str, object] = {}
    missing = []
    for field in fields(Settings):
        var = field.name.upper()
        if field.name == "region":
            raw = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
            var = "AWS_REGION"
        else:
            raw = environ.get(var)
        if raw == "" and field.name in _EMPTY_IS_A_VALUE:
            values[field.name] = ""
            continue
        if raw is None or raw == "":
            if field.name in _REQUIRED:
                missing.append(var)
            continue
        if field.type == "bool":
            values[field.name] = _parse_bool(var, raw)
        elif field.type == "int":
            low, high = _INT_RANGES[field.name]
            values[field.name] = _parse_int(var, raw, low, high)
        else:
            values[field.name] = raw.strip()
    if missing:
        raise SettingsError("missing required setting(s): " + ", ".join(sorted(missing)))
    settings = Settings(**values)  # type: ignore[arg-type]
    if settings.api_authorizer not in AUTHORIZERS:
        raise SettingsError(
            f"API_AUTHORIZER must be one of {', '.join(AUTHORIZERS)}, got {settings.api_authorizer!r}"
        )
    _check_stage(settings)
    _check_email(settings)
    _check_time_zone("METRICS_TIME_ZONE", settings.metrics_time_zone)
    _check_json_object("WFM_QUEUES", settings.wfm_queues)
    _check_json_object("FLOOR_THRESHOLDS", settings.floor_thresholds)
    _check_json_object("COST_MODEL", settings.cost_model)
    _check_schedules(settings)
    _check_surveys(settings)
    _check_journeys(settings)
    _check_agent_panel(settings)
    _check_reasons(settings)
    _check_sms(settings)
    _check_quality(settings)
    _check_connect_cases(settings)
    _check_verification(settings)
    return settings


_SCORECARD_ID = re.compile(r"[a-z][a-z0-9_-]{0,31}")


def _check_quality(settings: Settings) -> None:
    # Which scorecards exist is checked where they are read (chalicelib/quality/scorecards.py).
    if not _SCORECARD_ID.fullmatch(settings.qa_scorecard):
        raise SettingsError(f"QA_SCORECARD must be a scorecard id (a file name under chalicelib/quality/scorecards/), "
                            f"got {settings.qa_scorecard!r}")
    if not settings.qa_supervisor_group.strip():
        raise SettingsError("QA_SUPERVISOR_GROUP must name a Cognito group")


_CASES_ID = re.compile(r"[A-Za-z0-9-]{1,500}")


def _check_connect_cases(settings: Settings) -> None:
    domain, template = settings.connect_cases_domain_id, settings.connect_cases_template_id
    for name, value in (("CONNECT_CASES_DOMAIN_ID", domain), ("CONNECT_CASES_TEMPLATE_ID", template)):
        if value and not _CASES_ID.fullmatch(value):
            raise SettingsError(f"{name} must be an Amazon Connect Cases id (letters, digits, '-'), got {value!r}")
    if bool(domain) != bool(template):
        raise SettingsError("CONNECT_CASES_DOMAIN_ID and CONNECT_CASES_TEMPLATE_ID go together: set both to "
                            "mirror cases to Amazon Connect Cases, or neither")


ASSURANCE = ("none", "recognised", "verified")
VERIFICATION_CHANNELS = ("whatsapp", "email", "sms")
_ASSURANCE_ITEM = re.compile(r"[a-z][a-z0-9_]{0,63}=(none|recognised|verified)")


def assurance_raises(raw: str) -> dict[str, str]:
    """ASSURANCE_LEVELS as {action: level}; which actions exist and that a level only
    raises its default is checked by chalicelib/verification/levels.py."""
    found: dict[str, str] = {}
    for part in raw.split(","):
        part = part.strip()
        if not part:
            continue
        if not _ASSURANCE_ITEM.fullmatch(part):
            raise SettingsError(f"ASSURANCE_LEVELS must be action=level pairs, comma-separated, with a level of "
                                f"{', '.join(ASSURANCE)} (next_appointment=verified); got {part[:80]!r}")
        action, _, level = part.partition("=")
        if action in found:
            raise SettingsError(f"ASSURANCE_LEVELS names {action} twice")
        found[action] = level
    return found


def verification_channels(raw: str) -> tuple[str, ...]:
    names = tuple(part.strip() for part in raw.split(",") if part.strip())
    unknown = [name for name in names if name not in VERIFICATION_CHANNELS]
    if not names or unknown or len(set(names)) != len(names):
        raise SettingsError(f"VERIFICATION_CHANNELS must list channels of {', '.join(VERIFICATION_CHANNELS)} once "
                            f"each, in order of preference (whatsapp,email); got {raw!r}")
    return names


def _check_verification(settings: Settings) -> None:
    assurance_raises(settings.assurance_levels)
    verification_channels(settings.verification_channels)


_SCHEDULE_GROUP = re.compile(r"[0-9A-Za-z_.-]{1,64}")


def _check_schedules(settings: Settings) -> None:
    if settings.schedule_group and not _SCHEDULE_GROUP.fullmatch(settings.schedule_group):
        raise SettingsError(f"SCHEDULE_GROUP must be 1-64 letters, digits, '.', '_' or '-', "
                            f"got {settings.schedule_group!r}")
    for name in ("scheduled_step_arn", "scheduler_role_arn", "schedule_dead_letter_queue_arn",
                 "whatsapp_dead_letter_queue_arn", "sms_events_topic_arn", "sms_dead_letter_queue_arn"):
        value = getattr(settings, name)
        if value and not value.startswith("arn:"):
            raise SettingsError(f"{name.upper()} must be an ARN, got {value!r}")


_SMS_IDENTITY = re.compile(r"[A-Za-z0-9_:/+-]{1,256}")
_SMS_FALLBACK = re.compile(r"[a-z][a-z0-9_]{0,47}(,[a-z][a-z0-9_]{0,47})*")


def _check_sms(settings: Settings) -> None:
    """As End User Messaging SMS's API checks them, so a typo fails the deployment."""
    for name in ("sms_origination_identity", "sms_configuration_set"):
        value = getattr(settings, name)
        if value and not _SMS_IDENTITY.fullmatch(value):
            raise SettingsError(f"{name.upper()} must be an id or ARN of letters, digits and _ : / + -, "
                                f"got {value!r}")
    fallback = settings.sms_fallback_messages.replace(" ", "")
    if fallback and not _SMS_FALLBACK.fullmatch(fallback):
        raise SettingsError(f"SMS_FALLBACK_MESSAGES must be message type names separated by commas, like "
                            f"appointment_reminder,return_label; got {settings.sms_fallback_messages!r}")


LEX_LANGUAGES = ("en", "it")


def _check_reasons(settings: Settings) -> None:
    wanted = [code.strip() for code in settings.reason_lex_languages.split(",") if code.strip()]
    unknown = [code for code in wanted if code not in LEX_LANGUAGES]
    if unknown:
        raise SettingsError(f"REASON_LEX_LANGUAGES lists languages Amazon Lex V2 has a locale for "
                            f"({', '.join(LEX_LANGUAGES)}), got {', '.join(unknown)}")


def _check_json_object(name: str, raw: str) -> None:
    """A JSON object setting; its fields are checked by the package that reads it."""
    import json

    try:
        document = json.loads(raw)
    except json.JSONDecodeError as e:
        raise SettingsError(f"{name} is not JSON: {e.msg}") from None
    if not isinstance(document, dict):
        raise SettingsError(f"{name} must be a JSON object")


def _check_stage(settings: Settings) -> None:
    """What only the local run may do: serve the API without an authorizer, and hold
    the link-signing secret in the environment instead of SSM."""
    if settings.stage in LOCAL_STAGES:
        return
    if settings.api_authorizer == "none":
        raise SettingsError(f"API_AUTHORIZER=none is for the local stage only, not {settings.stage!r}: "
                            "use iam or cognito")
    if settings.token_secret:
        raise SettingsError(f"TOKEN_SECRET is for the local stage only, not {settings.stage!r}: "
                            "put the secret in SSM and name it in TOKEN_SECRET_PARAMETER")
    if not settings.token_secret_parameter:
        raise SettingsError(f"TOKEN_SECRET_PARAMETER is required in the deployed stage {settings.stage!r}")
    if settings.meta_app_secret:
        raise SettingsError(f"META_APP_SECRET is for the local stage only, not {settings.stage!r}: "
                            "put the secret in SSM and name it in META_APP_SECRET_PARAMETER")


_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}\Z")
_ADDRESS = re.compile(r"^[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+\Z")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _check_email(settings: Settings) -> None:
    """The e-mail settings end up in headers and inline styles: check them here so a
    typo fails the deployment, not a customer's message."""
    for name in ("email_sender", "support_email", "email_reply_to", "supervisor_email"):
        value = getattr(settings, name)
        if value and not _ADDRESS.match(value):
            raise SettingsError(f"{name.upper()} must be a plain e-mail address, got {value!r}")
    for name in ("brand_name", "support_phone"):
        if _CONTROL.search(getattr(settings, name)):
            raise SettingsError(f"{name.upper()} must not contain control characters")
    for name in ("brand_color", "brand_accent_color"):
        if not _COLOR.match(getattr(settings, name)):
            raise SettingsError(f"{name.upper()} must be a colour like #0B5CAD, got {getattr(settings, name)!r}")
    url = settings.public_base_url
    local = url.startswith(("http://127.0.0.1", "http://localhost"))
    if not (url.startswith("https://") or local) or url.endswith("/") or _CONTROL.search(url):
        raise SettingsError(f"PUBLIC_BASE_URL must be an https:// URL without a trailing slash, got {url!r}")
    if not settings.token_secret_parameter and not settings.token_secret:
        raise SettingsError("set TOKEN_SECRET_PARAMETER (an SSM parameter name) or, for a local run, TOKEN_SECRET")


def _check_time_zone(name: str, value: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError):
        raise SettingsError(f"{name} must be an IANA time zone such as Europe/Bucharest, got {value!r}") from None


_QUIET_HOURS = re.compile(r"^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-3]):[0-5]\d\Z")


def _check_surveys(settings: Settings) -> None:
    quiet = settings.survey_quiet_hours
    if quiet and (not _QUIET_HOURS.match(quiet) or quiet[:5] == quiet[6:]):
        raise SettingsError(f"SURVEY_QUIET_HOURS must be two different times as HH:MM-HH:MM "
                            f"(21:00-09:00), or empty, got {quiet!r}")
    for name in ("connect_instance_arn", "survey_follow_up_flow_arn"):
        value = getattr(settings, name)
        if value and not value.startswith("arn:"):
            raise SettingsError(f"{name.upper()} must be an ARN, got {value!r}")
_META_VERSION = re.compile(r"^v\d{1,3}\.\d{1,2}\Z")


def _reminder_hours(raw: str) -> tuple[int, ...]:
    hours = []
    for part in raw.split(","):
        part = part.strip()
        if not re.fullmatch(r"[0-9]{1,3}", part) or not 1 <= int(part) <= 720:
            raise SettingsError(f"APPOINTMENT_REMINDER_HOURS must be whole hours from 1 to 720, comma-separated, "
                                f"like 48,24; got {raw!r}")
        hours.append(int(part))
    if len(set(hours)) != len(hours) or len(hours) > 3:
        raise SettingsError(f"APPOINTMENT_REMINDER_HOURS must name at most 3 different hours, got {raw!r}")
    return tuple(sorted(hours, reverse=True))


def _check_journeys(settings: Settings) -> None:
    _reminder_hours(settings.appointment_reminder_hours)
    url = settings.carrier_label_base_url
    if not url.startswith(("https://", "http://127.0.0.1", "http://localhost")) or url.endswith("/"):
        raise SettingsError(f"CARRIER_LABEL_BASE_URL must be an https:// URL without a trailing slash, got {url!r}")
    version = settings.whatsapp_meta_api_version
    if not _META_VERSION.match(version):
        raise SettingsError(f"WHATSAPP_META_API_VERSION must look like v20.0, got {version!r}")
    for name in ("order_source", "carrier"):
        value = getattr(settings, name)
        if not re.fullmatch(r"[a-z]+|[A-Za-z_][\w.]*:[A-Za-z_]\w*", value):
            raise SettingsError(f"{name.upper()} must be a built-in name or package.module:Class, got {value!r}")


_current: Settings | None = None


def get_settings() -> Settings:
    """The container's settings, read once."""
    global _current
    if _current is None:
        _current = load()
    return _current


_ORIGIN = re.compile(r"https://[A-Za-z0-9.-]{1,253}(:[0-9]{1,5})?|http://(127\.0\.0\.1|localhost)(:[0-9]{1,5})?")


def _check_agent_panel(settings: Settings) -> None:
    origins = settings.agent_workspace_origin.split()
    if any(not _ORIGIN.fullmatch(origin) for origin in origins):
        raise SettingsError("AGENT_WORKSPACE_ORIGIN must be origins like https://example.my.connect.aws "
                            f"(scheme and host, no path), separated by spaces; got {settings.agent_workspace_origin!r}")
    url = settings.agent_sign_in_url
    if url and (not url.startswith("https://") or _CONTROL.search(url) or " " in url):
        raise SettingsError(f"AGENT_SIGN_IN_URL must be an https:// URL, got {url!r}")
