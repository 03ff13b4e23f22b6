"""The fault fixture must behave like DynamoDB: a throttled write is not applied."""

from __future__ import annotations

import pytest
from pynamodb.exceptions import PutError

from chalicelib.db import utcnow
from chalicelib.profiles.models import ContactLinkModel


def test_a_throttled_write_is_retried_and_then_not_applied(dynamodb_fault):
    # PynamoDB describes the table on the first item operation: not the call under test.
    with pytest.raises(ContactLinkModel.DoesNotExist):
        ContactLinkModel.get("warm-up")
    calls = []
    client = ContactLinkModel._get_connection().connection.client
    client.meta.events.register("before-send.dynamodb", lambda **_: calls.append(1), unique_id="count")
    heal = dynamodb_fault("throttle")
    with pytest.raises(PutError) as raised:
        ContactLinkModel("c-1", customer_id="x", created_at=utcnow(), expires_at=utcnow()).save()
    heal()
    client.meta.events.unregister("before-send.dynamodb", unique_id="count")
    assert raised.value.cause_response_code == "ProvisionedThroughputExceededException"
    assert len(calls) == 2  # botocore retried once, as our bounded clients allow
    assert ContactLinkModel.count() == 0
