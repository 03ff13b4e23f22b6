"""Desk cases mirrored to Amazon Connect Cases, when a domain is configured
(CONNECT_CASES_DOMAIN_ID, CONNECT_CASES_TEMPLATE_ID): the case created from the
template with its subject as title, then each of its events as a comment, and its
status (`open`, or `closed` once resolved or closed) kept in step.

Retried without duplicates: CreateCase carries the case id as client token, so a
retry gets the same Connect case; CreateRelatedItem has no token, so the event about
to be mirrored is noted on the case first (`mirror_pending`), and a later try that
finds that note looks for the event's marker among the comments before writing it
again. The number of the last event mirrored (`mirrored`) says where to go on. When
a change cannot be mirrored now, a one-time schedule (step `case_mirror`) tries
again a minute later, and the scheduler's retries and dead-letter queue follow.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from chalicelib.db import dynamo_errors, utcnow
from chalicelib.errors import DependencyFailure
from chalicelib.settings import Settings, get_settings

STEP = "case_mirror"
MAX_TITLE = 200
MAX_COMMENT = 3000
CLOSED = ("resolved", "closed")


def enabled(settings: Settings) -> bool:
    return bool(settings.connect_cases_domain_id)


def _marker(case_id: str, number: int) -> str:
    return f"[{case_id}#{number}]"


def comment(case_id: str, number: int, event: Any) -> str:
    """What an event says in Connect Cases: who, what, and its facts."""
    facts = {k: v for k, v in dict(event.facts or {}).items() if v not in (None, "", {}, [])}
    text = "; ".join(f"{k}: {v}" for k, v in sorted(facts.items()))
    found = f"{_marker(case_id, number)} {event.action} by {event.actor}" + (f". {text}" if text else "")
    return found[:MAX_COMMENT]


class ConnectCasesMirror:
    def __init__(self, settings: Settings, client: Any = None) -> None:
        self.settings = settings
        self._client = client

    @property
    def client(self) -> Any:
        if self._client is None:
            from chalicelib import aws

            self._client = aws.client("connectcases")
        return self._client

    def sync(self, case_id: str) -> int:
        """Bring the Connect case up to the desk case; the number of events mirrored now."""
        from botocore.exceptions import BotoCoreError, ClientError

        from chalicelib.cases.desk import Desk

        desk = Desk(self.settings)
        case = desk.get(case_id)
        try:
            connect_id = case.connect_case_id or self._create(case)
            done = int(case.mirrored or 0)
            events = [e for e in desk.events(case) if int(e.event_key.rsplit("#", 1)[1]) > done]
            for event in events:
                number = int(event.event_key.rsplit("#", 1)[1])
                body = comment(case_id, number, event)
                if case.mirror_pending != number or not self._has_comment(connect_id, _marker(case_id, number)):
                    self._note(case, mirror_pending=number)
                    self.client.create_related_item(
                        domainId=self.settings.connect_cases_domain_id, caseId=connect_id, type="Comment",
                        content={"comment": {"body": body, "contentType": "Text/Plain"}})
                if event.action == "status":
                    status = "closed" if dict(event.facts or {}).get("to") in CLOSED else "open"
                    self.client.update_case(domainId=self.settings.connect_cases_domain_id, caseId=connect_id,
                                            fields=[{"id": "status", "value": {"stringValue": status}}])
                self._note(case, mirrored=number)
        except (BotoCoreError, ClientError) as e:
            raise DependencyFailure(f"mirroring case {case_id} to Amazon Connect Cases failed: {e}") from e
        return len(events)

    def _create(self, case: Any) -> str:
        answer = self.client.create_case(
            domainId=self.settings.connect_cases_domain_id, templateId=self.settings.connect_cases_template_id,
            clientToken=case.case_id,
            fields=[{"id": "title", "value": {"stringValue": f"{case.case_id}: {case.subject}"[:MAX_TITLE]}}])
        self._note(case, connect_case_id=answer["caseId"])
        return answer["caseId"]

    def _has_comment(self, connect_id: str, marker: str) -> bool:
        paginator = self.client.get_paginator("search_related_items")
        for page in paginator.paginate(domainId=self.settings.connect_cases_domain_id, caseId=connect_id,
                                       filters=[{"comment": {}}]):
            for item in page.get("relatedItems", []):
                if item.get("content", {}).get("comment", {}).get("body", "").startswith(marker):
                    return True
        return False

    @staticmethod
    def _note(case: Any, **values: Any) -> None:
        """The mirror's own bookkeeping on the case: never its version (agents' writes
        are conditional on it), never in their way."""
        from chalicelib.cases.models import CaseModel

        actions = []
        for name, value in values.items():
            attribute = getattr(CaseModel, name)
            actions.append(attribute.set(value))
            setattr(case, name, value)
        if "mirrored" in values:
            actions.append(CaseModel.mirror_pending.remove())
            case.mirror_pending = None
        with dynamo_errors("noting a case's mirror"):
            case.update(actions=actions)


def erase_copy(connect_case_id: str, settings: Settings | None = None, client: Any = None) -> None:
    """Delete a case's copy in Amazon Connect Cases (erasure); one already gone is fine."""
    from botocore.exceptions import BotoCoreError, ClientError

    settings = settings or get_settings()
    if not enabled(settings):
        return
    mirror = ConnectCasesMirror(settings, client)
    try:
        mirror.client.delete_case(domainId=settings.connect_cases_domain_id, caseId=connect_case_id)
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") != "ResourceNotFoundException":
            raise DependencyFailure(f"erasing a case in Amazon Connect Cases failed: {e}") from e
    except BotoCoreError as e:
        raise DependencyFailure(f"erasing a case in Amazon Connect Cases failed: {e}") from e


def mirror_after_change(case_id: str, version: int, settings: Settings | None = None) -> None:
    """After a change of a desk case: mirror it now, or schedule another try."""
    from chalicelib.observability import get_logger

    settings = settings or get_settings()
    if not enabled(settings):
        return
    try:
        ConnectCasesMirror(settings).sync(case_id)
    except DependencyFailure as e:
        get_logger().warning("case not mirrored yet; trying again", extra={"caseId": case_id, "error": e.code})
        from chalicelib.schedules import Schedules

        Schedules(settings).at(f"case-mirror-{case_id}-{version}"[:64], utcnow() + timedelta(minutes=1),
                               {"step": STEP, "caseId": case_id})


def mirror_step(step: Mapping[str, Any]) -> dict[str, Any]:
    """The `case_mirror` step: raises while Connect Cases fails, so the scheduler retries."""
    from chalicelib.errors import InvalidInput, NotFound

    case_id = step.get("caseId")
    if not isinstance(case_id, str):
        raise InvalidInput(f"{STEP} needs caseId")
    settings = get_settings()
    if not enabled(settings):
        return {"skipped": "no Connect Cases domain"}
    try:
        return {"mirrored": ConnectCasesMirror(settings).sync(case_id)}
    except NotFound:
        return {"skipped": "case gone"}
