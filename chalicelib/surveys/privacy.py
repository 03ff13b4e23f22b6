"""Personal data held by surveys: each survey of a customer (its answers, a
comment, scores and dates), found through the `by_customer` index. Registered in
chalicelib.privacy.holders. KPI counters keep their counts: they hold no customer."""

from __future__ import annotations

from typing import Any

from chalicelib.db import dynamo_errors, is_live
from chalicelib.privacy.holders import Subject, delete_if, iso
from chalicelib.surveys.models import SurveyModel


class SurveyAnswers:
    name = "surveys"
    tables = ("surveys_table",)

    def _keys(self, subject: Subject) -> list[str]:
        return [item.survey_id for cid in subject.customer_ids for item in SurveyModel.by_customer.query(cid)]

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        with dynamo_errors("reading surveys"):
            keys = self._keys(subject)
            items = list(SurveyModel.batch_get(keys)) if keys else []
        return [{"contactId": s.survey_id, "survey": s.definition_id, "status": s.status, "reason": s.reason,
                 "answeredBy": s.source, "channel": s.channel, "createdAt": iso(s.created_at),
                 "invitedAt": iso(s.invited_at), "answeredAt": iso(s.answered_at),
                 "answers": s.answers or None,
                 "scores": {k: int(v) for k, v in s.scores.as_dict().items()} if s.scores else None}
                for s in sorted(items, key=lambda s: s.created_at)
                if is_live(s) and s.customer_id in subject.customer_ids]

    def erase(self, subject: Subject) -> int:
        with dynamo_errors("erasing surveys"):
            return sum(delete_if(SurveyModel(key), SurveyModel.customer_id.is_in(*subject.customer_ids))
                       for key in self._keys(subject))


SURVEYS = SurveyAnswers()
