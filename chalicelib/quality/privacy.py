"""What quality evaluations hold about a customer, for export and erasure
(registered in chalicelib.privacy.holders).

An evaluation is the agent's personal data (their scores, kept QA_RETENTION_DAYS),
about a customer's contact: its comment may describe or quote the customer. A
customer's export gives the comments written about their contacts, and their
erasure removes those comments; the ratings and score stay with the agent, tied to
a contact id that no longer leads to the customer once the timeline is erased
(this holder runs before the timeline's, which it finds the contacts through).
Candidates for sampling hold no customer data (contact ids, queue, channel, times).
"""

from __future__ import annotations

from typing import Any

from chalicelib.db import connection, dynamo_errors
from chalicelib.errors import DependencyFailure
from chalicelib.privacy.holders import Subject
from chalicelib.settings import get_settings


class EvaluationHolder:
    name = "qualityEvaluations"
    tables = ("quality_table",)

    def _contact_ids(self, subject: Subject) -> list[str]:
        from chalicelib.interactions.models import InteractionModel

        with dynamo_errors("reading a customer's contacts"):
            return [item.interaction_id for cid in subject.customer_ids
                    for item in InteractionModel.by_customer.query(cid)]

    def _evaluations(self, subject: Subject) -> list[dict[str, Any]]:
        from chalicelib.quality.evaluations import evaluated

        found = evaluated(self._contact_ids(subject), get_settings())
        return [found[cid] for cid in sorted(found)]

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        from chalicelib.db import utcnow

        now = utcnow().timestamp()
        return [{"contactId": item["contact_id"], "evaluatedAt": item["evaluated_at"],
                 "scorecard": item["scorecard"], "comment": item.get("comment", "")}
                for item in self._evaluations(subject) if int(item.get("expires_at") or now + 1) > now]

    def erase(self, subject: Subject) -> int:
        from botocore.exceptions import ClientError

        from chalicelib.quality.evaluations import evaluation_key

        settings, erased = get_settings(), 0
        for item in self._evaluations(subject):
            if "comment" not in item:
                continue
            try:
                connection().client.update_item(
                    TableName=settings.quality_table, Key=evaluation_key(item["contact_id"]),
                    UpdateExpression="REMOVE #c SET comment_erased = :yes", ConditionExpression="attribute_exists(#c)",
                    ExpressionAttributeNames={"#c": "comment"}, ExpressionAttributeValues={":yes": {"BOOL": True}})
            except ClientError as e:
                if e.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException":
                    continue  # a rerun: already gone
                raise DependencyFailure(f"erasing what evaluations say about a customer failed: {type(e).__name__}") \
                    from e
            erased += 1
        return erased


EVALUATIONS = EvaluationHolder()
