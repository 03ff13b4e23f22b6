"""What every demo act gets: the app's test client, the seeded customers and a
transcript printer."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

OUT = Path("out")


class Transcript:
    """Readable output: one heading per act, indented lines below it."""

    def act(self, title: str) -> None:
        print(f"\n=== {title} " + "=" * max(3, 72 - len(title)))

    def say(self, text: str) -> None:
        print(f"  {text}")

    def detail(self, label: str, value: Any) -> None:
        if isinstance(value, dict | list):
            value = json.dumps(value, ensure_ascii=False, sort_keys=True)
        print(f"    {label}: {value}")


@dataclass
class Stage:
    client: Any
    transcript: Transcript
    # Calls to AWS APIs moto lacks (Connect contact APIs, WhatsApp, SMS), validated by
    # botocore and recorded instead of sent: devkit/recorder.py.
    recorder: Any = None
    customers: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Photograph the pages into out/screens/ (the demo does; `make serve` does not).
    screens: bool = False

    def show_recorded(self, operation: str) -> None:
        """Print what would have been sent to AWS for `operation` since the last call."""
        for call in self.recorder.of(operation):
            self.transcript.detail(f"{call.service}.{operation} (recorded)", call.params)
        self.recorder.calls[:] = [c for c in self.recorder.calls if c.operation != operation]

    def invoke(self, function: str, event: dict[str, Any]) -> dict[str, Any]:
        return self.client.lambda_.invoke(function, event).payload

    def http(self, method: str, path: str, body: Any = None) -> tuple[int, Any]:
        kwargs: dict[str, Any] = {}
        if body is not None:
            kwargs = {"headers": {"Content-Type": "application/json"}, "body": json.dumps(body)}
        response = getattr(self.client.http, method.lower())(path, **kwargs)
        try:
            payload = json.loads(response.body) if response.body else None
        except ValueError:
            payload = response.body.decode("utf-8", "replace")
        return response.status_code, payload
