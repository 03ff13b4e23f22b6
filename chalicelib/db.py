"""Shared plumbing for the PynamoDB models, which are the single source of truth
for every table: the local run, the tests and the CloudFormation templates create
tables from them.

Each model's `Meta` comes from `table_meta`, which binds the table name from
settings and bounds timeouts and retries like every other client on the
contact-flow path.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from functools import cache
from typing import Any, TypeVar

from chalicelib import aws
from chalicelib.errors import DependencyFailure
from chalicelib.settings import get_settings

T = TypeVar("T")


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


# A cancelled transaction's reasons that mean "another writer got there first".
CONTENDED_CODES = frozenset({"ConditionalCheckFailed", "TransactionConflict"})


class Contended(Exception):
    """An item a write was conditional on changed meanwhile: read again and retry."""


def cancellation_reasons(error: Exception) -> list[str | None]:
    """The codes of a cancelled transaction, one per item in the order written
    (None for an item that was fine), from botocore's ClientError or PynamoDB's
    TransactWriteError alike."""
    if hasattr(error, "cancellation_reasons"):
        return [getattr(r, "code", None) if r else None for r in (error.cancellation_reasons or [])]
    response = getattr(error, "response", None) or {}
    return [reason.get("Code") for reason in response.get("CancellationReasons") or []]


def transact_write(client: Any, transaction: list[dict[str, Any]]) -> None:
    """Write the items in one transaction; Contended if it was cancelled because a
    condition failed or another transaction held an item (the caller reads again)."""
    from botocore.exceptions import ClientError

    try:
        client.transact_write_items(TransactItems=transaction)
    except ClientError as e:
        if set(cancellation_reasons(e)) & CONTENDED_CODES:
            raise Contended() from e
        raise


def put_conditional(client: Any, put: dict[str, Any]) -> None:
    """Put one item on its condition (a transaction's "Put", for half the cost when
    it is the only write); Contended if the condition failed or a transaction held the
    item (the caller reads again)."""
    from botocore.exceptions import ClientError

    try:
        client.put_item(**put)
    except ClientError as e:
        if e.response.get("Error", {}).get("Code") in {code + "Exception" for code in CONTENDED_CODES}:
            raise Contended() from e
        raise


def retry_contended(attempt: Callable[[], T], *, attempts: int, max_pause: float, failure: str) -> T:
    """Run `attempt` until it is not Contended, pausing a jittered, growing while
    between tries; DependencyFailure(failure) when every attempt was."""
    import random
    import time

    for number in range(attempts):
        try:
            return attempt()
        except Contended:
            time.sleep(min(max_pause, 0.01 * 2 ** number) * random.random())  # noqa: S311 (jitter)
    raise DependencyFailure(failure)


def write_counted(transaction: list[dict[str, Any]], action: str, *, attempts: int = 4,
                  max_pause: float = 0.2) -> bool:
    """Write an item and the counters it moves in one transaction conditional on the
    first item: True when written, False when that condition failed (done before, or
    changed meanwhile), so counters never move twice. Counter items are shared by
    many writers: a transaction that meets another on one of them is tried again;
    DependencyFailure naming `action` when every try met one."""
    from botocore.exceptions import ClientError

    def attempt() -> bool:
        with dynamo_errors(action):
            try:
                connection().client.transact_write_items(TransactItems=transaction)
            except ClientError as e:
                reasons = cancellation_reasons(e)
                if reasons and reasons[0] == "ConditionalCheckFailed":
                    return False
                if "TransactionConflict" in reasons:
                    raise Contended() from e
                raise
        return True

    return retry_contended(attempt, attempts=attempts, max_pause=max_pause, failure=f"{action} failed: contended")


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
