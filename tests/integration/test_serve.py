"""`make serve`: the local stack with the demo's data answers on loopback for a person
with a browser, and Ctrl-C stops it cleanly, leaving nothing running."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from devkit.localenv import PROJECT


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_serve_answers_with_the_demo_data_and_stops_on_ctrl_c():
    port = _free_port()
    environment = {**os.environ, "PORT": str(port)}
    server = subprocess.Popen([sys.executable, "-m", "devkit.serve"], cwd=PROJECT, env=environment,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            line = server.stdout.readline()
            assert line, f"the server stopped before serving: {''.join(lines)}"
            lines.append(line)
            if line.startswith("Serving the app on"):
                break
        base = f"http://127.0.0.1:{port}"
        assert f"Serving the app on {base}" in lines[-1]
        # The demo's contacts are in today's KPIs (the contact center's day), under the
        # API's own path as under the root
        from chalicelib.settings import get_settings

        today = datetime.now(ZoneInfo(get_settings().metrics_time_zone)).date()
        # (from yesterday: the demo's contacts started up to an hour ago, maybe before midnight)
        span = f"from={(today - timedelta(days=1)).isoformat()}&to={today.isoformat()}"
        for prefix in ("", "/api"):
            with urllib.request.urlopen(f"{base}{prefix}/metrics?{span}",  # noqa: S310
                                        timeout=30) as response:
                assert json.load(response)["totals"]["contacts"] > 0
    finally:
        server.send_signal(signal.SIGINT)
        output, _ = server.communicate(timeout=30)
    assert server.returncode == 0, output
    assert "Stopping." in output
