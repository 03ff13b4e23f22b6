"""Surveys: deciding, inviting, recording answers and rolling them up.

Every write is idempotent on the contact:
- considering a contact writes its survey item once (conditional on the key being
  free), claiming the customer's cooldown in the same transaction, so two contacts
  ending at the same moment cannot both invite the same customer;
- the invitation goes through the Notifier's outbox under `survey:<contact id>`: a
  retried event never sends it twice;
- an answer is written with the survey's new contribution to the KPI counters and
  the difference to what it contributed before, in one transaction conditional on
  the survey's version: a redelivered answer changes nothing, a changed answer
  moves its counts, and the counters always equal the sum of the surveys'
  current contributions;
- the profile's last survey date and scores are written in that same transaction.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from chalicelib.db import (
    Contended,
    cancellation_reasons,
    connection,
    dynamo_errors,
    expiry,
    is_live,
    retry_contended,
    transact_write,
    utcnow,
)
from chalicelib.errors import Conflict, DependencyFailure
from chalicelib.metrics import counters, journal
from chalicelib.observability import get_logger
from chalicelib.schedules import Schedules
from chalicelib.settings import Settings
from chalicelib.surveys import definitions, schedule, scoring
from chalicelib.surveys.models import (
    ANSWERED,
    FAILED,
    FOLLOW_UP_PENDING,
    INVITED,
    INVITING,
    SCHEDULED,
    SKIPPED,
    SurveyModel,
)
from chalicelib.wire import to_wire

MAX_ATTEMPTS = 5
_REFERENCE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,120}\Z")
# The message's words for a contact's channel ("your call on ...").
CHANNEL_WORDS = {"VOICE": "voice", "CHAT": "chat", "EMAIL": "email"}
TOKEN_PURPOSE = "survey"  # noqa: S105 (a token purpose, not a secret)


@dataclass(frozen=True)
class EndedContact:
    """A handled customer contact that ended, as the timeline folded it."""

    survey_id: str  # the id of the contact that started the interaction
    customer_id: str
    channel: str
    queue: str | None
    agent: str | None
    reason: str | None
    started_at: datetime
    ended_at: datetime | None


def message_reference(survey_id: str, suffix: str = "") -> str:
    """The outbox reference of a survey's messages (ids only)."""
    key = survey_id if _REFERENCE.match(survey_id) else hashlib.sha256(survey_id.encode()).hexdigest()[:40]
    return f"survey:{key}{suffix}"


class Surveys:
    def __init__(self, settings: Settings, client: Any = None) -> None:
        self.settings = settings
        self._client = client

    @property
    def client(self) -> Any:
        return self._client or connection().client

    def _day(self, moment: datetime) -> str:
        return counters.local_day(moment, self.settings.metrics_time_zone)

    def _expiry(self, now: datetime) -> datetime:
        return expiry(self.settings.survey_retention_days, now)

    # ---- reading ---------------------------------------------------------------

    def find(self, survey_id: str) -> SurveyModel | None:
        """The survey of a contact, if there is a live one."""
        with dynamo_errors("reading a survey"):
            try:
                survey = SurveyModel.get(survey_id, consistent_read=True)
            except SurveyModel.DoesNotExist:
                return None
        return survey if is_live(survey) else None

    # ---- considering an ended contact ------------------------------------------

    def consider(self, contact: EndedContact, now: datetime | None = None) -> str:
        """Decide the survey of an ended contact and act on it (invite now, schedule,
        or record why not). Returns the survey's status. Safe to call any number of
        times: the first decision stands, unfinished work resumes."""
        from chalicelib.notify.render import locale_for
        from chalicelib.profiles.service import Profiles
        from chalicelib.surveys import policy

        now = now or utcnow()
        existing = self.find(contact.survey_id)
        if existing is not None:
            return self._resume(existing, contact, now)
        customer = Profiles(self.settings).find(contact.customer_id)
        if customer is None:
            return "no_customer"
        survey_def = definitions.for_contact(contact.channel, contact.queue)
        decision = policy.decide(survey_id=contact.survey_id, survey=survey_def, customer=customer,
                                 ended_at=contact.ended_at, settings=self.settings, now=now)
        survey = SurveyModel(
            contact.survey_id, customer_id=customer.customer_id,
            definition_id=survey_def.id if survey_def else "none", status=SKIPPED, source="email",
            language=locale_for(customer.preferred_language).language, channel=contact.channel,
            queue=contact.queue, agent=contact.agent, contact_reason=contact.reason,
            contact_day=self._day(contact.started_at), contact_ended_at=contact.ended_at,
            created_at=now, version=1, expires_at=self._expiry(now))
        if decision.action == policy.SCHEDULE and not Schedules(self.settings).configured:
            get_logger().error("survey not scheduled: the scheduler is not configured",
                               extra={"survey_id": contact.survey_id})
            decision = policy.Decision(policy.SKIP, "cannot_schedule")
        if decision.action == policy.SKIP:
            survey.reason = decision.reason
            return self._create(survey, contact, now)
        survey.status = SCHEDULED if decision.action == policy.SCHEDULE else INVITING
        if decision.send_at is not None:
            survey.scheduled_for = decision.send_at
        if not self._create_claiming_cooldown(survey, customer.customer_id, now):
            current = self.find(contact.survey_id)
            if current is not None:  # another delivery of this contact decided first
                return self._resume(current, contact, now)
            survey.status, survey.reason, survey.scheduled_for = SKIPPED, "cooldown", None
            return self._create(survey, contact, now)
        get_logger().info("survey decided", extra={"survey_id": contact.survey_id, "status": survey.status,
                                                   "definition": survey.definition_id})
        if survey.status == SCHEDULED:
            schedule.later(self.settings, "invite", survey.survey_id, decision.send_at, decision.zone)  # type: ignore[arg-type]
            return SCHEDULED
        return self.invite(survey.survey_id, now)

    def _resume(self, survey: SurveyModel, contact: EndedContact, now: datetime) -> str:
        """A contact seen before: finish what its first delivery started."""
        if survey.status == INVITING:
            return self.invite(survey.survey_id, now)
        if survey.status == SCHEDULED and survey.scheduled_for is not None:
            if survey.scheduled_for <= now:
                return self.invite(survey.survey_id, now)  # its schedule is past: do not wait longer
            # The schedule may not have been created (a failure after the decision).
            schedule.later(self.settings, "invite", survey.survey_id, survey.scheduled_for.astimezone(UTC), "UTC")
        if survey.source == "voice":
            # Answered in the call, before the contact record told us the queue and
            # agent it ended with: file the answers where the contact KPIs are.
            self._refile(survey, contact, now)
        if survey.follow_up == FOLLOW_UP_PENDING:
            from chalicelib.surveys.followup import FollowUp

            FollowUp(self.settings).run(survey.survey_id)
        return survey.status

    def _create(self, survey: SurveyModel, contact: EndedContact, now: datetime) -> str:
        """Write a decision that claims nothing else; the first one stands, and what
        it started is finished (answers given in the call meanwhile are filed where
        the contact's KPIs are)."""
        with dynamo_errors("recording a survey decision"):
            try:
                survey.save(condition=SurveyModel.survey_id.does_not_exist() | (SurveyModel.expires_at < now))
            except Exception as e:
                if _conditional_failed(e):
                    current = self.find(survey.survey_id)
                    return self._resume(current, contact, now) if current else survey.status
                raise
        get_logger().info("survey decided", extra={"survey_id": survey.survey_id, "status": survey.status,
                                                   "reason": survey.reason})
        return survey.status

    def _create_claiming_cooldown(self, survey: SurveyModel, customer_id: str, now: datetime) -> bool:
        """Write the survey and note the invitation on the customer, only if the key is
        free and the customer was not surveyed within the cooldown. False if the
        customer's side failed (surveyed meanwhile, or changed)."""
        from botocore.exceptions import ClientError

        from chalicelib.profiles.models import CustomerModel

        stamp = CustomerModel.last_survey_invited_at.serialize(now)
        since = now - timedelta(days=self.settings.survey_cooldown_days)
        cutoff = CustomerModel.last_survey_invited_at.serialize(since)
        transaction = [
            {"Put": {"TableName": self.settings.surveys_table, "Item": survey.serialize(),
                     "ConditionExpression": "attribute_not_exists(survey_id) OR expires_at < :now",
                     "ExpressionAttributeValues": {":now": to_wire(int(now.timestamp()))}}},
            {"Update": {
                "TableName": self.settings.customers_table,
                "Key": {"customer_id": to_wire(customer_id)},
                "UpdateExpression": "SET last_survey_invited_at = :stamp",
                "ConditionExpression": (
                    "attribute_exists(customer_id) AND attribute_not_exists(merged_into) AND "
                    "attribute_not_exists(erasure_started_at) AND "
                    "(attribute_not_exists(last_survey_invited_at) OR last_survey_invited_at < :cutoff) AND "
                    "(attribute_not_exists(last_survey_at) OR last_survey_at < :cutoff)"),
                "ExpressionAttributeValues": {":stamp": to_wire(stamp), ":cutoff": to_wire(cutoff)},
            }},
        ]
        with dynamo_errors("recording a survey decision"):
            try:
                self.client.transact_write_items(TransactItems=transaction)
            except ClientError as e:
                reasons = cancellation_reasons(e)
                if reasons and (reasons[0] == "ConditionalCheckFailed" or reasons[1:2] == ["ConditionalCheckFailed"]):
                    return False
                raise
        return True

    # ---- inviting ----------------------------------------------------------------

    def invite(self, survey_id: str, now: datetime | None = None) -> str:
        """Send the invitation of a survey that is due (INVITING or SCHEDULED).
        Consent and suppression are checked by the Notifier right before sending."""
        from chalicelib import tokens
        from chalicelib.notify.service import notifier
        from chalicelib.profiles.service import Profiles
        from chalicelib.surveys import policy

        now = now or utcnow()
        survey = self.find(survey_id)
        if survey is None or survey.status not in (INVITING, SCHEDULED):
            return survey.status if survey else "gone"
        customer = Profiles(self.settings).find(survey.customer_id) if survey.customer_id else None
        if customer is None:
            return self._settle(survey, SKIPPED, "no_customer", now)
        days = self.settings.survey_link_days
        token = tokens.issue(TOKEN_PURPOSE, survey_id, timedelta(days=days), data={"l": survey.language or "en"},
                             now=now)
        link_expires = now + timedelta(days=days)
        zone = policy.zone_of(customer, self.settings.default_time_zone)
        variables = {
            "survey_url": f"{self.settings.public_base_url}/s/{token}",
            "contact_at": _iso(survey.contact_ended_at or survey.created_at),
            "channel": CHANNEL_WORDS.get(survey.channel or "", "voice"),
            # The last whole day the link works, in the customer's own calendar.
            "expires_on": (link_expires.astimezone(zone) - timedelta(days=1)).date().isoformat(),
        }
        outcome = notifier(self.settings).send_to_customer(
            customer.customer_id, "survey_invitation", variables, message_reference(survey_id))
        if outcome.sent:
            sent_at = outcome.sent_at or now
            return self._settle(survey, INVITED, None, now, invited_at=sent_at,
                                link_expires_at=sent_at + timedelta(days=days))
        if outcome.status == "suppressed":
            return self._settle(survey, SKIPPED, (outcome.error_code or "suppressed").lower(), now)
        return self._settle(survey, FAILED, (outcome.error_code or "failed").lower(), now)

    def _settle(self, survey: SurveyModel, status: str, reason: str | None, now: datetime, **fields: Any) -> str:
        actions = [SurveyModel.status.set(status), SurveyModel.version.add(1),
                   SurveyModel.expires_at.set(self._expiry(now))]
        actions.append(SurveyModel.reason.set(reason) if reason else SurveyModel.reason.remove())
        actions += [getattr(SurveyModel, name).set(value) for name, value in fields.items()]
        with dynamo_errors("updating a survey"):
            try:
                survey.update(actions=actions, condition=SurveyModel.status.is_in(INVITING, SCHEDULED))
            except Exception as e:
                if not _conditional_failed(e):
                    raise
                current = self.find(survey.survey_id)
                return current.status if current else "gone"
        get_logger().info("survey invitation", extra={"survey_id": survey.survey_id, "status": status,
                                                      "reason": reason})
        return status

    # ---- answers -------------------------------------------------------------------

    def answer_on_the_web(self, survey: SurveyModel, answers: dict[str, Any], token_id: str,
                          now: datetime | None = None) -> SurveyModel:
        """Record the answers of the web form. Conflict if the survey was answered
        meanwhile (another tab, a replayed link): nothing is written then."""
        now = now or utcnow()
        if survey.status == ANSWERED:
            raise Conflict("this survey was already answered", code="ALREADY_ANSWERED")
        try:
            updated = self._record(survey, answers, now, token_id=token_id)
        except Contended:
            current = self.find(survey.survey_id)
            if current is not None and current.status == ANSWERED:
                raise Conflict("this survey was already answered", code="ALREADY_ANSWERED") from None
            raise DependencyFailure("the survey changed while it was answered; try again") from None
        self._after_answer(survey, updated, now, inline=True)
        return updated

    def answer_in_call(self, survey_id: str, survey_def: definitions.Survey, question: definitions.Question,
                       value: int, *, customer_id: str | None, queue: str | None, channel: str,
                       now: datetime | None = None) -> bool:
        """Record one keypad answer of the post-call survey. True if it changed
        anything (a redelivered answer does not)."""
        now = now or utcnow()

        def attempt() -> bool:
            survey = self.find(survey_id)
            new = survey is None
            if survey is None:
                survey = self._new_voice_survey(survey_id, survey_def, customer_id, queue, channel, now)
            elif survey.source != "voice" or survey.definition_id != survey_def.id:
                if survey.status == ANSWERED:
                    raise Conflict("this contact's survey was already answered", code="ALREADY_ANSWERED")
                # Considered for an e-mail survey but not answered: the answers given in
                # the call take its place.
                survey.source, survey.definition_id = "voice", survey_def.id
            answers = dict(survey.answers or {})
            if survey.status == ANSWERED and answers.get(question.id) == value:
                return False
            answers[question.id] = value
            updated = self._record(survey, answers, now, new=new)
            self._after_answer(survey, updated, now, inline=False)
            return True

        return retry_contended(attempt, attempts=MAX_ATTEMPTS, max_pause=0.2,
                               failure="recording the answer failed: the survey kept changing meanwhile")

    def _new_voice_survey(self, survey_id: str, survey_def: definitions.Survey, customer_id: str | None,
                          queue: str | None, channel: str, now: datetime) -> SurveyModel:
        from chalicelib.interactions.models import InteractionModel
        from chalicelib.notify.render import locale_for
        from chalicelib.profiles.service import Profiles

        customer = Profiles(self.settings).find(customer_id) if customer_id else None
        # What the timeline knows of the call so far (contact events); the contact
        # record refiles the answers later if it says otherwise.
        with dynamo_errors("reading an interaction"):
            try:
                interaction = InteractionModel.get(survey_id, consistent_read=True)
            except InteractionModel.DoesNotExist:
                interaction = None
        started = _parse(interaction.started_at) if interaction and interaction.started_at else None
        return SurveyModel(
            survey_id, customer_id=customer.customer_id if customer else None, definition_id=survey_def.id,
            status=ANSWERED, source="voice",
            language=locale_for(customer.preferred_language).language if customer else None,
            channel=channel or (interaction.channel if interaction else None) or "VOICE",
            queue=queue or (interaction.queue if interaction else None),
            agent=interaction.agent if interaction else None,
            contact_reason=interaction.contact_reason if interaction else None,
            contact_day=self._day(started or now), created_at=now, version=0, expires_at=self._expiry(now))

    def _record(self, survey: SurveyModel, answers: dict[str, Any], now: datetime, *, new: bool = False,
                token_id: str | None = None) -> SurveyModel:
        """Write the answers, their counter contribution and the profile's last survey
        in one transaction, conditional on the survey's version."""
        survey_def = definitions.get(survey.definition_id)
        if survey_def is None:
            raise DependencyFailure(f"survey definition {survey.definition_id} is no longer deployed")
        scores = {q.type: answers[q.id] for q in survey_def.questions if q.rated and q.id in answers}
        contribution = scoring.contribution(survey.contact_day, _groups(survey), scores)
        change = counters.delta(dict(survey.applied or {}), contribution)
        version = int(survey.version or 0)
        metric = scoring.needs_follow_up(scores)
        updated = SurveyModel(**{name: getattr(survey, name) for name in SurveyModel.get_attributes()})
        updated.answers = dict(answers)
        updated.scores = dict(scores)
        updated.applied = contribution or None
        updated.status, updated.reason = ANSWERED, None
        updated.answered_at = now
        # The monthly review reads what detractors wrote per month (a sparse index).
        commented = any(isinstance(v, str) and v.strip() for v in answers.values())
        detractor = scoring.NPS in scores and scoring.nps_group(scores[scoring.NPS]) == "detractor"
        updated.detractor_month = survey.contact_day[:7] if detractor and commented else None
        if token_id:
            updated.answer_token_id = token_id
        if metric and not survey.follow_up:
            updated.follow_up, updated.follow_up_metric = FOLLOW_UP_PENDING, metric
        updated.version = version + 1
        updated.expires_at = self._expiry(now)
        condition = ({"ConditionExpression": "attribute_not_exists(survey_id) OR expires_at < :now",
                      "ExpressionAttributeValues": {":now": to_wire(int(now.timestamp()))}} if new else
                     {"ConditionExpression": "version = :v", "ExpressionAttributeValues": {":v": to_wire(version)}})
        transaction: list[dict[str, Any]] = [
            {"Put": {"TableName": self.settings.surveys_table, "Item": updated.serialize(), **condition}}]
        transaction += journal.put(self.settings, kpi=change)
        profile = self._profile_update(survey.customer_id, scores, now)
        if profile is not None:
            transaction.append(profile)
        with dynamo_errors("recording survey answers"):
            transact_write(self.client, transaction)
        get_logger().info("survey answered", extra={"survey_id": survey.survey_id, "source": survey.source,
                                                    "follow_up": updated.follow_up})
        return updated

    def _profile_update(self, customer_id: str | None, scores: dict[str, int], now: datetime) -> dict[str, Any] | None:
        """The profile's last survey date and scores, as a transaction entry, when the
        customer is known and this survey is their newest."""
        from chalicelib.profiles.models import CustomerModel
        from chalicelib.profiles.service import Profiles

        customer = Profiles(self.settings).find(customer_id) if customer_id else None
        if customer is None or not scores or (customer.last_survey_at and customer.last_survey_at > now):
            return None
        return {"Update": {
            "TableName": self.settings.customers_table,
            "Key": {"customer_id": to_wire(customer.customer_id)},
            "UpdateExpression": "SET last_survey_at = :at, last_survey_scores = :scores",
            "ConditionExpression": ("attribute_exists(customer_id) AND attribute_not_exists(merged_into) AND "
                                    "attribute_not_exists(erasure_started_at)"),
            "ExpressionAttributeValues": {":at": to_wire(CustomerModel.last_survey_at.serialize(now)),
                                          ":scores": to_wire(dict(scores))},
        }}

    def _refile(self, survey: SurveyModel, contact: EndedContact, now: datetime) -> None:
        """Move a survey's counts to the day, queue, agent, channel and reason the
        contact record gives (the same groups as the contact KPIs)."""
        facts = {"channel": contact.channel, "queue": contact.queue, "agent": contact.agent,
                 "contact_reason": contact.reason, "contact_day": self._day(contact.started_at)}
        if all(getattr(survey, name) == value for name, value in facts.items()):
            return
        for _ in range(MAX_ATTEMPTS):
            for name, value in facts.items():
                setattr(survey, name, value)
            if survey.customer_id is None and contact.customer_id:
                survey.customer_id = contact.customer_id
            answers = dict(survey.answers or {})
            try:
                self._record(survey, answers, survey.answered_at or now)
                return
            except Contended:
                current = self.find(survey.survey_id)
                if current is None:
                    return
                survey = current
        raise DependencyFailure("refiling survey answers failed: the survey kept changing meanwhile")

    def _after_answer(self, before: SurveyModel, after: SurveyModel, now: datetime, *, inline: bool) -> None:
        """Close the loop on a bad score: at once on the web (a customer waits a few
        hundred milliseconds more), later from the call (a caller must not wait).
        A failure is retried through a schedule; the answer is kept either way."""
        if after.follow_up != FOLLOW_UP_PENDING or before.follow_up == FOLLOW_UP_PENDING:
            return
        if inline:
            from chalicelib.surveys.followup import FollowUp

            try:
                FollowUp(self.settings).run(after.survey_id)
                return
            except Exception:  # the answer is recorded whatever happens here
                get_logger().warning("survey follow-up failed; retrying through a schedule",
                                     extra={"survey_id": after.survey_id}, exc_info=True)
        try:
            schedule.later(self.settings, "follow_up", after.survey_id, (now + timedelta(minutes=1)).astimezone(UTC),
                           "UTC")
        except Exception:
            # The contact record (arriving within minutes) drives pending follow-ups too.
            get_logger().exception("survey follow-up not scheduled", extra={"survey_id": after.survey_id})


def _groups(survey: SurveyModel) -> dict[str, str | None]:
    return {"channel": survey.channel, "queue": survey.queue, "agent": survey.agent, "reason": survey.contact_reason}


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def _parse(text: str) -> datetime | None:
    from chalicelib.interactions.parse import parse_time

    return parse_time(text)


def _conditional_failed(error: Exception) -> bool:
    code = getattr(error, "cause_response_code", None)
    return code == "ConditionalCheckFailedException"

