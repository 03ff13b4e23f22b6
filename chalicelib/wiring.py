"""Who listens to what: the one place where capabilities subscribe to the events
lower layers announce (chalicelib.events), register the steps schedules run
(chalicelib.steps), the history sources the contact-reason predictor asks
(chalicelib.reasons.history), the personal-data holders export and erasure walk
(chalicelib.privacy.holders) and the KPI rates of the metrics report
(chalicelib.metrics.rate_providers). app.py imports it, so every entry point has them.

Handlers are named, not imported: each is loaded the first time its event comes,
so an entry point pays at cold start only for what it uses.
"""

from __future__ import annotations

from chalicelib import events, steps
from chalicelib.metrics import rate_providers
from chalicelib.privacy import holders
from chalicelib.reasons import history

events.subscribe(events.CONTACT_ENDED, "chalicelib.surveys.trigger:contact_ended")
events.subscribe(events.CONTACT_ENDED, "chalicelib.wfm.intervals:contact_ended")
events.subscribe(events.CONTACT_ENDED, "chalicelib.quality.sampling:contact_ended")
events.subscribe(events.CONTACT_EVENT, "chalicelib.floor.state:contact_event")
events.subscribe(events.CONTACT_EVENT, "chalicelib.cases.replies:contact_event")
events.subscribe(events.CUSTOMERS_MERGED, "chalicelib.interactions.service:follow_merge")
# Asked in this order, the first to answer wins: cases only note that the customer
# wrote (no answer, so the asking goes on), an article answers what it can, the clinic
# answers its buttons and passes everything else to its front desk.
events.subscribe(events.WHATSAPP_MESSAGE, "chalicelib.cases.replies:whatsapp_message")
events.subscribe(events.WHATSAPP_MESSAGE, "chalicelib.knowledge.whatsapp:answer")
events.subscribe(events.WHATSAPP_MESSAGE, "chalicelib.clinic.whatsapp:answer")
events.subscribe(events.SMS_MESSAGE, "chalicelib.clinic.whatsapp:answer_sms")
events.subscribe(events.CASE_CLOCKS_CHANGED, "chalicelib.cases.clocks:case_clocks_changed")

steps.register("invite", "chalicelib.surveys.worker:invite")
steps.register("follow_up", "chalicelib.surveys.worker:follow_up")
steps.register("return_follow_up", "chalicelib.retail.steps:return_follow_up")
steps.register("appointment_reminder", "chalicelib.clinic.steps:appointment_reminder")
steps.register("no_show_check", "chalicelib.clinic.steps:no_show_check")
steps.register("case_sla", "chalicelib.cases.sla_steps:sla_due")
steps.register("case_mirror", "chalicelib.cases.mirror:mirror_step")
steps.register("case_opened", "chalicelib.cases.desk:finish_opening")

history.register("cases", "chalicelib.cases.reasons:open_cases")
history.register("clinic.appointments", "chalicelib.clinic.reasons:upcoming_appointment")

# Personal data each capability holds, exported and erased in this order (after the
# profile's own identities, contact links and merge records; the profile itself last).
holders.register("chalicelib.notify.privacy:OUTBOX")
holders.register("chalicelib.notify.privacy:SUPPRESSIONS")
# Before the timeline: it finds the customer's contacts through it.
holders.register("chalicelib.quality.privacy:EVALUATIONS")
holders.register("chalicelib.interactions.privacy:INTERACTIONS")
holders.register("chalicelib.surveys.privacy:SURVEYS")
holders.register("chalicelib.cases.privacy:CASES")
holders.register("chalicelib.retail.privacy:ORDERS")
holders.register("chalicelib.clinic.privacy:APPOINTMENTS")
holders.register("chalicelib.knowledge.privacy:QUESTIONS")
holders.register("chalicelib.verification.privacy:VERIFICATIONS")
holders.register("chalicelib.reasons.privacy:TEXTS")

# Rates of the KPIs the capabilities count, derived in the metrics report.
rate_providers.register("chalicelib.surveys.scoring:register_rates")
rate_providers.register("chalicelib.clinic.kpis:register_rates")
rate_providers.register("chalicelib.knowledge.usage:register_rates")
rate_providers.register("chalicelib.cases.kpis:register_rates")
