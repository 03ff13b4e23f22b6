"""Business metrics cost a contact-flow call nothing it does not already pay: they are
a log line (CloudWatch's embedded metric format) written with the Logger's own
powertools, never a CloudWatch API call and never a library the flow did not load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

PROJECT = Path(__file__).resolve().parents[2]

# A fresh interpreter, as on a cold start: the Logger a flow function logs with, then
# the first metric it publishes.
_COLD_START = """
import json, os, sys
from devkit import localenv
localenv.apply()
os.environ["POWERTOOLS_METRICS_DISABLED"] = "false"  # the local stage keeps them off
from chalicelib.observability import count, get_logger
get_logger().info("flow answered")
before = set(sys.modules)
count("FlowAnswers", function="lookup_customer", status="OK")
print(json.dumps(sorted(set(sys.modules) - before)))
"""


def test_the_first_metric_of_a_cold_start_loads_nothing_the_logger_had_not():
    # Given a contact-flow function's container that has just logged its first line
    result = subprocess.run([sys.executable, "-c", _COLD_START], cwd=PROJECT, capture_output=True, text=True,
                            env={"PATH": "/usr/bin:/bin"}, timeout=60)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.strip().splitlines()
    # When it publishes its first business metric
    found = json.loads(lines[-1])  # the modules it imported
    # Then the metric was written as a log line
    assert any('"FlowAnswers"' in line and '"_aws"' in line for line in lines[:-1])
    # And nothing was imported for it: no powertools module, no AWS client (a PutMetricData
    # call would load botocore's models and wait on the network on the caller's time)
    assert found == []
