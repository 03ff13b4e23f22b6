"""An AWS on loopback for the local run: moto's server in a thread, tables created
from the models, every boto3 and PynamoDB client pointed at it through
AWS_ENDPOINT_URL. Stops with the process; nothing is left running."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager


def _verify_email_sender() -> None:
    """SES sends only from verified identities: verify the sender's domain, as a
    deployment does once."""
    import boto3

    from chalicelib.settings import get_settings

    settings = get_settings()
    boto3.client("sesv2", region_name=settings.region).create_email_identity(
        EmailIdentity=settings.email_sender.partition("@")[2])


def _create_schedule_group() -> None:
    """The EventBridge Scheduler group work done later is scheduled in, as the stack creates it."""
    import boto3

    from chalicelib.settings import get_settings

    settings = get_settings()
    boto3.client("scheduler", region_name=settings.region).create_schedule_group(
        Name=settings.schedule_group)


def _create_dead_letter_queue() -> None:
    """The queues events that can never be handled are kept in, as the stack creates them."""
    import boto3

    from chalicelib.settings import get_settings

    settings = get_settings()
    for arn in (settings.whatsapp_dead_letter_queue_arn, settings.sms_dead_letter_queue_arn):
        boto3.client("sqs", region_name=settings.region).create_queue(QueueName=arn.rpartition(":")[2])


@contextmanager
def embedded_aws() -> Iterator[str]:
    """Start the embedded AWS and yield its endpoint URL."""
    from moto.server import ThreadedMotoServer

    from devkit import moto_transactions

    moto_transactions.install()
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    endpoint = f"http://{host}:{port}"
    os.environ["AWS_ENDPOINT_URL"] = endpoint
    try:
        from chalicelib import tables

        tables.create_all(wait=True)
        _verify_email_sender()
        _create_schedule_group()
        _create_dead_letter_queue()
        yield endpoint
    finally:
        server.stop()
        os.environ.pop("AWS_ENDPOINT_URL", None)
