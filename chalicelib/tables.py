"""Every PynamoDB model that owns a table. The local run, the tests and the
CloudFormation tables are all made from this list, so a table is defined once."""

from __future__ import annotations

from typing import Any


def all_models() -> list[Any]:
    from chalicelib.cases.models import CaseModel
    from chalicelib.clinic.models import AppointmentModel
    from chalicelib.floor.models import FloorAgentModel, FloorContactModel
    from chalicelib.interactions.models import InteractionModel
    from chalicelib.knowledge.models import KnowledgeEventModel
    from chalicelib.metrics.models import CounterChangeModel, MetricCounterModel
    from chalicelib.notify.models import OutboxModel, SuppressionModel
    from chalicelib.profiles.models import AuditModel, ContactLinkModel, CustomerModel, IdentityModel
    from chalicelib.quality.models import QualityModel
    from chalicelib.reasons.models import ReasonTextModel
    from chalicelib.retail.models import OrderModel
    from chalicelib.surveys.models import SurveyModel
    from chalicelib.verification.models import VerificationModel

    return [CustomerModel, IdentityModel, AuditModel, ContactLinkModel, OutboxModel, SuppressionModel,
            InteractionModel, MetricCounterModel, CounterChangeModel, SurveyModel, OrderModel, CaseModel,
            AppointmentModel, KnowledgeEventModel, FloorContactModel,
            FloorAgentModel, QualityModel, VerificationModel, ReasonTextModel]


def create_all(wait: bool = False) -> None:
    """Create every table (local run and tests; deployed stages use CloudFormation)."""
    for model in all_models():
        if not model.exists():
            model.create_table(billing_mode="PAY_PER_REQUEST", wait=wait)
