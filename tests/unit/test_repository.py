"""What a fresh clone gets: nothing from anyone's machine."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
MACHINE_LOCAL = (".venv", "out", "vendor", ".chalice/deployments", ".chalice/deployed", ".chalice/policy-")


def test_no_local_environment_is_committed():
    git = shutil.which("git")
    assert git, "git is needed to list tracked files"
    tracked = subprocess.run([git, "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    local = [path for path in tracked.splitlines() if path.startswith(MACHINE_LOCAL)]
    assert local == [], f"machine-local files are tracked: {local}"


def test_every_table_shares_the_one_dynamodb_client():
    # A model with its own client loads DynamoDB's service description again: about
    # 100 ms more cold start for every table a request touches.
    from chalicelib.db import BaseModel
    from chalicelib.tables import all_models

    assert [m.__name__ for m in all_models() if not issubclass(m, BaseModel)] == []
