"""The CloudFormation fragment that lets the contact-record consumer report single
failed records (Chalice has no setting for it) must patch the event source Chalice
actually generates for `on_contact_record`."""

from __future__ import annotations

import json

from chalice.app import KinesisEventConfig
from chalice.utils import to_cfn_resource_name

from devkit.localenv import PROJECT


def test_the_fragment_enables_batch_item_failures_on_the_generated_kinesis_event_source():
    from app import app

    [source] = [s for s in app.event_sources if isinstance(s, KinesisEventConfig) and s.name == "on_contact_record"]
    function = to_cfn_resource_name(source.name)
    event_source = to_cfn_resource_name(f"{source.name}-kinesis-event-source")

    fragment = json.loads((PROJECT / "infra" / "contact-records.json").read_text(encoding="utf-8"))
    events = fragment["Resources"][function]["Properties"]["Events"]
    assert list(events) == [event_source] == ["OnContactRecordKinesisEventSource"]
    properties = events[event_source]["Properties"]
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    # A record that keeps failing must not hold its shard forever.
    assert 0 < properties["MaximumRetryAttempts"] <= 10000


def test_the_agent_event_consumer_reports_single_failed_records_too():
    from app import app

    [source] = [s for s in app.event_sources if isinstance(s, KinesisEventConfig) and s.name == "on_agent_event"]
    function = to_cfn_resource_name(source.name)
    event_source = to_cfn_resource_name(f"{source.name}-kinesis-event-source")
    fragment = json.loads((PROJECT / "infra" / "agent-events.json").read_text(encoding="utf-8"))
    properties = fragment["Resources"][function]["Properties"]["Events"][event_source]["Properties"]
    assert properties["FunctionResponseTypes"] == ["ReportBatchItemFailures"]
    assert 0 < properties["MaximumRetryAttempts"] <= 10000
