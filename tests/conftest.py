"""One place that sets up AWS for every test: fake credentials, moto, tables from
the models, a Chalice test client."""

from __future__ import annotations

# The environment must be in place before chalicelib reads its settings, and moto
# must be imported before any botocore client exists.
import os

from devkit import localenv

localenv.apply()

import moto  # noqa: E402
import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

from devkit import moto_transactions  # noqa: E402

# Transactions roll back item by item, so tests run at realistic table sizes (see the module).
moto_transactions.install()

settings.register_profile(
    "default", max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
settings.load_profile("default")


@pytest.fixture
def aws():
    """A fresh, empty AWS (moto) with every table created from the models."""
    from chalicelib import tables, wiring  # noqa: F401  (the subscriptions app.py has)

    with moto.mock_aws():
        tables.create_all()
        verify_email_sender()
        create_schedule_group()
        create_dead_letter_queue()
        yield


def verify_email_sender() -> None:
    """SES refuses to send from an unverified identity: verify the sender's domain,
    as a deployment does once."""
    import boto3

    from chalicelib.settings import get_settings

    domain = get_settings().email_sender.partition("@")[2]
    boto3.client("sesv2", region_name=localenv.REGION).create_email_identity(EmailIdentity=domain)


def create_schedule_group() -> None:
    """The EventBridge Scheduler group work done later is scheduled in (the stack creates it)."""
    import boto3

    from chalicelib.settings import get_settings

    boto3.client("scheduler", region_name=localenv.REGION).create_schedule_group(
        Name=get_settings().schedule_group)


def create_dead_letter_queue() -> None:
    """The queues events that can never be handled are kept in (the stack creates them)."""
    import boto3

    from chalicelib.settings import get_settings

    for arn in (get_settings().whatsapp_dead_letter_queue_arn, get_settings().sms_dead_letter_queue_arn):
        boto3.client("sqs", region_name=localenv.REGION).create_queue(QueueName=arn.rpartition(":")[2])


@pytest.fixture
def client(aws):
    """Chalice's test client over the real app: routes, Lambda functions, events."""
    from app import app
    from devkit.streams import Client

    with Client(app, stage_name=localenv.STAGE) as test_client:
        yield test_client


@pytest.fixture
def settings_env(monkeypatch):
    """Change settings for one test, as the environment would:
    settings_env(AUTO_CREATE_PROFILES="false")."""
    from chalicelib import settings

    def change(**values: str) -> None:
        monkeypatch.setattr(settings, "_current", settings.load({**os.environ, **values}))

    return change


class _Raw:
    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: object):
        yield self._body


def _dynamodb_clients():
    from chalicelib import db, tables

    clients = [model._get_connection().connection.client for model in tables.all_models()]
    return [*clients, db.connection().client]


@pytest.fixture
def dynamodb_fault(aws):
    """Make DynamoDB misbehave the way it does in production, through botocore's own
    `before-send` hook, so retries and timeouts run their real course:
    dynamodb_fault("throttle"), dynamodb_fault("timeout"), dynamodb_fault("slow", seconds=3).
    `table=` limits the fault to requests naming that table, `requests=` to that many
    of them (a brief throttle)."""
    import time

    from botocore.awsrequest import AWSResponse
    from botocore.exceptions import ReadTimeoutError

    clients = []

    def heal() -> None:
        for client in clients:
            client.meta.events.unregister("before-send.dynamodb", unique_id="test-fault")

    def inject(kind: str, seconds: float = 0.0, table: str | None = None, requests: int | None = None):
        """Start the fault (on requests naming `table` only, if given; on the first
        `requests` of them, if given); returns `heal`, which ends it."""
        left = [requests]

        def handler(request, **_: object):
            sent = request.body or b""
            sent = sent.encode() if isinstance(sent, str) else sent
            if table is not None and f'"{table}"'.encode() not in sent:
                return None
            if left[0] is not None:
                if left[0] <= 0:
                    return None
                left[0] -= 1
            if kind == "throttle":
                body = (b'{"__type":"com.amazonaws.dynamodb.v20120810#ProvisionedThroughputExceededException",'
                        b'"message":"The level of configured provisioned throughput for the table was exceeded."}')
                # botocore calls every before-send handler; moto's would still apply the
                # request. Pointed at a host moto does not serve, it is left alone, and
                # the throttle answer below is what botocore sees (and retries).
                request.url = "https://throttled.invalid/"
                return AWSResponse(request.url, 400, {"Content-Type": "application/x-amz-json-1.0"}, _Raw(body))
            if kind == "timeout":
                raise ReadTimeoutError(endpoint_url=request.url)
            if kind == "slow":
                time.sleep(seconds)
                return None
            raise ValueError(kind)

        for client in _dynamodb_clients():
            client.meta.events.register("before-send.dynamodb", handler, unique_id="test-fault")
            clients.append(client)
        return heal

    yield inject
    heal()
