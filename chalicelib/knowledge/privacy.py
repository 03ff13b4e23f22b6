"""Personal data held by the knowledge base: the questions a known customer asked
(masked, but free text), found through the `by_customer` index. Registered in
chalicelib.privacy.holders."""

from __future__ import annotations

from typing import Any

from chalicelib.db import dynamo_errors
from chalicelib.privacy.holders import Subject, delete_if, iso


class QuestionHolder:
    name = "knowledgeQuestions"
    tables = ("knowledge_table",)

    def _items(self, subject: Subject) -> list[Any]:
        from chalicelib.knowledge.models import KnowledgeEventModel

        with dynamo_errors("reading knowledge base questions"):
            return [item for cid in subject.customer_ids for item in KnowledgeEventModel.by_customer.query(cid)]

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        from chalicelib.db import is_live

        return [{"at": item.at.split("#", 1)[0], "kind": item.kind, "language": item.language,
                 "question": item.question, "articleId": item.article_id, "helped": item.helped,
                 "expiresAt": iso(item.expires_at)}
                for item in self._items(subject) if is_live(item)]

    def erase(self, subject: Subject) -> int:
        from chalicelib.knowledge.models import KnowledgeEventModel

        erased = 0
        for item in self._items(subject):
            with dynamo_errors("erasing knowledge base questions"):
                erased += delete_if(KnowledgeEventModel(item.event_key),
                                    KnowledgeEventModel.customer_id.is_in(*subject.customer_ids))
        return erased


QUESTIONS = QuestionHolder()
