"""The local stack over HTTP, for a person with a browser: `make serve`.

Starts the embedded AWS (moto on loopback), plays the demo quietly so there is data
to look at, then serves the app's routes and pages on http://127.0.0.1:8000 (PORT to
change it) until Ctrl-C, which stops everything cleanly. Calls to AWS APIs that the
embedded AWS lacks are validated by botocore and recorded, as in the demo.

`http_server(app)` is the same server for the browser tests: the app's real routes on a
free loopback port, in a thread of the calling process (so it shares that process's
moto).
"""

from __future__ import annotations

import contextlib
import importlib
import io
import os
import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from devkit import localenv

HOST = "127.0.0.1"


def _handler(prefix: str) -> Any:
    """Chalice's request handler, also answering under the API stage's path (`/api`),
    where the links in e-mails (PUBLIC_BASE_URL) point."""
    from chalice.local import ChaliceRequestHandler

    class Handler(ChaliceRequestHandler):
        def parse_request(self) -> bool:
            parsed = super().parse_request()
            if parsed and prefix and (self.path == prefix or self.path.startswith((prefix + "/", prefix + "?"))):
                self.path = self.path[len(prefix):] or "/"
            return parsed

    return Handler


@contextmanager
def http_server(app: Any, port: int = 0) -> Iterator[str]:
    """Serve `app` on HOST:`port` (0: a free port) in a thread; yield its base URL."""
    from urllib.parse import urlsplit

    from chalice.cli.factory import CLIFactory
    from chalice.local import CustomLocalChalice, LocalChalice, LocalDevServer

    from chalicelib.settings import get_settings

    config = CLIFactory(str(localenv.PROJECT)).create_config_obj(chalice_stage_name=localenv.STAGE)
    if not isinstance(app, LocalChalice):
        # Chalice's local server keeps the current request per thread, so a page and
        # the requests its scripts make at the same time never see each other's.
        CustomLocalChalice.__bases__ = (LocalChalice, app.__class__)
        app.__class__ = CustomLocalChalice
    prefix = urlsplit(get_settings().public_base_url).path.rstrip("/")
    server = LocalDevServer(app, config, HOST, port, handler_cls=_handler(prefix))
    thread = threading.Thread(target=server.server.serve_forever, name="local-http", daemon=True)
    thread.start()
    try:
        yield f"http://{HOST}:{server.server.server_address[1]}"
    finally:
        server.shutdown()
        server.server.server_close()
        thread.join(timeout=5)


def _wait_for_stop() -> None:
    """Until Ctrl-C (SIGINT) or SIGTERM, however the process was started (a shell
    starts background jobs with SIGINT ignored)."""
    stop = threading.Event()
    for signal_number in (signal.SIGINT, signal.SIGTERM):
        signal.signal(signal_number, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass


@contextmanager
def demo_site(port: int = 0) -> Iterator[str]:
    """The embedded AWS with the demo's data, the app served on `port`; yields its base URL."""
    localenv.apply()
    from devkit import recorder

    calls = recorder.install()  # before any AWS client exists
    from app import app
    from devkit.demo.__main__ import ACTS, _logs_to_file
    from devkit.demo.stage import Stage, Transcript
    from devkit.embedded_aws import embedded_aws
    from devkit.streams import Client

    _logs_to_file()
    with embedded_aws() as endpoint:
        print(f"Embedded AWS (moto) on {endpoint}. Loading the demo's data…", flush=True)
        with Client(app, stage_name=localenv.STAGE) as client:
            with contextlib.redirect_stdout(io.StringIO()):
                stage = Stage(client=client, transcript=Transcript(), recorder=calls)
                for name in ACTS:
                    importlib.import_module(name).run(stage)
            # What the pages change reaches the counters as Lambda would deliver it.
            with client.streams.in_background(), http_server(app, port) as base:
                yield base


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    with demo_site(port) as base:
        from chalicelib.settings import get_settings

        print(f"Serving the app on {base} (Ctrl-C stops it).")
        today = datetime.now(ZoneInfo(get_settings().metrics_time_zone)).date().isoformat()
        for path in PAGES:
            print(f"  {base}{path.format(today=today)}")
        _wait_for_stop()
        print("\nStopping.")
    return 0


# Pages and reads worth opening first; capabilities with pages add theirs here.
PAGES = [
    "/dashboard/floor",
    "/dashboard?by=queue&range=30",
    "/dashboard/qa",
    "/dashboard/review",
    # The agent panel, for a known caller and for a caller from an unknown number
    # (devkit/demo/act_agent_panel.py).
    "/agent?contactId=5a1d0c3e-7b2f-4e6a-9c1d-a9e1c0de0002",
    "/agent?contactId=5a1d0c3e-7b2f-4e6a-9c1d-a9e1c0de0003",
    "/metrics?from={today}&by=queue",
    "/customers?phone=%2B40712345678",
]


if __name__ == "__main__":
    sys.exit(main())
