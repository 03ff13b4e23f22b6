"""Shared plumbing for the PynamoDB models, which are the single source of truth
for every table: the local run, the tests and the CloudFormation templates create
tables from them.

Each model's `Meta` comes from `table_meta`, which binds the table name from
settings and bounds timeouts and retries like every other client on the
contact-flow path.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any

from chalicelib import aws
from chalicelib.errors import DependencyFailure
from chalicelib.settings import get_settings


def table_meta(setting: str) -> type:
    """A PynamoDB Meta class for the table named by `setting` (a Settings field)."""
    settings = get_settings()

    class Meta:
        table_name = getattr(settings, setting)
        region = settings.region
        billing_mode = "PAY_PER_REQUEST"
        connect_timeout_seconds = aws.CONNECT_TIMEOUT_S
        read_timeout_seconds = aws.READ_TIMEOUT_S
        max_retry_attempts = aws.MAX_ATTEMPTS - 1

    Meta.setting = setting  # type: ignore[attr-defined]
    return Meta


def utcnow() -> datetime:
    return datetime.now(UTC)


def expiry(days: int, now: datetime | None = None) -> datetime:
    """When an item written now stops being kept (the TTL attribute's value)."""
    return (now or utcnow()) + timedelta(days=days)


def is_live(item: object, now: datetime | None = None) -> bool:
    """False for an item past its TTL: DynamoDB deletes expired items lazily, days
    later sometimes, so every read must ignore them itself. False too for a profile
    whose erasure has started: it is gone for every reader from that moment."""
    if item is None or getattr(item, "erasure_started_at", None) is not None:
        return False
    expires_at = getattr(item, "expires_at", None)
    return expires_at is None or expires_at > (now or utcnow())


@contextmanager
def dynamo_errors(action: str) -> Iterator[None]:
    """Turn PynamoDB/botocore failures into DependencyFailure, naming the action."""
    from botocore.exceptions import BotoCoreError, ClientError
    from pynamodb.exceptions import PynamoDBException

    try:
        yield
    except PynamoDBException as e:
        cause = getattr(e, "cause_response_code", None) or (
            type(e.cause).__name__ if e.cause is not None else "unavailable")
        raise DependencyFailure(f"{action} failed: {cause}") from e
    except (BotoCoreError, ClientError) as e:
        raise DependencyFailure(f"{action} failed: {type(e).__name__}") from e


@cache
def connection() -> Any:
    """A bounded PynamoDB connection for transactions across tables."""
    from pynamodb.connection import Connection

    conn = Connection(
        region=get_settings().region,
        connect_timeout_seconds=aws.CONNECT_TIMEOUT_S,
        read_timeout_seconds=aws.READ_TIMEOUT_S,
        max_retry_attempts=aws.MAX_ATTEMPTS - 1,
    )
    # Built once here; every model reuses it (see BaseModel).
    conn.client  # noqa: B018
    return conn


def _make_base_model() -> type:
    from pynamodb.models import Model

    class BaseModel(Model):
        """A PynamoDB model whose table connection reuses the one DynamoDB client of
        `connection()`. PynamoDB would otherwise build a botocore session and client
        per model, loading DynamoDB's service description each time: about 100 ms of
        cold start per table a request touches."""

        @classmethod
        def _get_connection(cls) -> Any:
            table = super()._get_connection()
            if table.connection._client is None:
                table.connection._client = connection().client
            return table

    return BaseModel


BaseModel: Any = _make_base_model()


def plain(value: Any) -> dict[str, Any]:
    """A stored raw MapAttribute (or None) as a plain dict."""
    if value is None:
        return {}
    as_dict = getattr(value, "as_dict", None)
    return as_dict() if callable(as_dict) else dict(value)
