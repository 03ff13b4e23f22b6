"""boto3 clients: created lazily, once per container, with bounded timeouts.

botocore's defaults (60 s connect and read timeouts, retries) would each blow the
8 s budget Amazon Connect gives a contact-flow Lambda, so every client made here is
bounded. Clients are never created at import time: import time is cold-start time,
and in tests moto must be active before a client exists.
"""

from __future__ import annotations

import threading
from typing import Any

# Short enough that one slow call cannot eat a contact-flow budget, long enough for
# a healthy regional endpoint. One retry covers a dropped connection or a throttle.
CONNECT_TIMEOUT_S = 1.0
READ_TIMEOUT_S = 2.0
MAX_ATTEMPTS = 2

_clients: dict[tuple[str, int, float], Any] = {}
_lock = threading.Lock()


def client(service: str, *, attempts: int = MAX_ATTEMPTS, read_timeout: float = READ_TIMEOUT_S) -> Any:
    """The container's client for `service`, bounded; created on first use.

    `attempts=1` is for calls that must not be repeated blindly: botocore retries a
    read timeout, and a send that timed out on the way back may already have gone out.
    """
    key = (service, attempts, read_timeout)
    found = _clients.get(key)
    if found is not None:
        return found
    with _lock:
        found = _clients.get(key)
        if found is None:
            import boto3
            from botocore.config import Config

            from chalicelib.settings import get_settings

            found = boto3.session.Session().client(
                service,
                region_name=get_settings().region,
                config=Config(
                    connect_timeout=CONNECT_TIMEOUT_S,
                    read_timeout=read_timeout,
                    retries={"total_max_attempts": attempts, "mode": "standard"},
                ),
            )
            _clients[key] = found
    return found


def reset() -> None:
    """Forget every client (tests switch between moto and stubbed clients)."""
    with _lock:
        _clients.clear()
