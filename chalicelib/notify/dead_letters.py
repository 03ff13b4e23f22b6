"""Where an inbound message that can never be handled is kept, alone, for someone to
look at: the dead-letter queue of the function that received it (it holds personal
data, like the queue's other events). The others in the same delivery take effect."""

from __future__ import annotations

import json
from typing import Any

from chalicelib.errors import DependencyFailure


def keep(raw: Any, problem: str, *, queue_arn: str, source: str, setting: str) -> None:
    """Put `raw` with the reason it could not be handled on `queue_arn`. Without a
    queue, fail the delivery instead, so the function's own retries and dead-letter
    queue keep it (the messages already handled are skipped next time)."""
    from botocore.exceptions import BotoCoreError, ClientError

    from chalicelib import aws

    if not queue_arn:
        raise DependencyFailure(f"no dead-letter queue for an unusable message ({setting})")
    _, _, _, region, account, name = queue_arn.split(":", 5)
    body = json.dumps({"source": source, "problem": problem, "message": raw}, ensure_ascii=False, default=str)
    try:
        aws.client("sqs").send_message(QueueUrl=f"https://sqs.{region}.amazonaws.com/{account}/{name}",
                                       MessageBody=body[:250_000])
    except (BotoCoreError, ClientError) as e:
        raise DependencyFailure(f"dead-lettering a message failed: {type(e).__name__}") from e
