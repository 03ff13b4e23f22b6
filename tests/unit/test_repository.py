"""What a fresh clone gets: nothing from anyone's machine."""

from __future__ import annotations

import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_no_local_environment_is_committed():
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    local = [p for p in tracked.splitlines() if p.split("/")[0] in (".venv", "out", "vendor", ".chalice/deployments")
             or p.startswith(".chalice/policy-")]
    assert local == [], f"machine-local files are tracked: {local}"
