"""Run the demo: `python -m devkit.demo` (or `make demo`)."""

from __future__ import annotations

import importlib
import logging
import sys

from devkit import localenv

# The acts, in order. Each capability adds its own act module here.
ACTS = [
    "devkit.demo.seed",
    "devkit.demo.act_calls",
    "devkit.demo.act_timeline",
    "devkit.demo.act_surveys",
    "devkit.demo.act_email",
    "devkit.demo.act_retail_return",
    "devkit.demo.act_clinic",
    "devkit.demo.act_sms",
    "devkit.demo.act_wfm",
    "devkit.demo.act_knowledge",
    "devkit.demo.act_quality",
    "devkit.demo.act_agent_panel",
    "devkit.demo.act_dashboard",
    "devkit.demo.act_cases",
    "devkit.demo.act_verification",
    "devkit.demo.act_reasons",
    # Keep last: it erases a seeded customer.
    "devkit.demo.act_privacy",
]


def _logs_to_file() -> None:
    """Keep the transcript readable: the service's JSON logs go to a file."""
    from chalicelib.observability import get_logger
    from devkit.demo.stage import OUT

    logger = get_logger()
    (OUT / "logs").mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(OUT / "logs" / "demo.jsonl", mode="w", encoding="utf-8")
    handler.setFormatter(logger.registered_formatter)
    service_logger = logging.getLogger(logger.name)
    service_logger.handlers = [handler]
    service_logger.propagate = False


def main() -> int:
    localenv.apply()
    from devkit import recorder

    calls = recorder.install()  # before any AWS client exists
    from app import app
    from devkit.demo.stage import Stage, Transcript
    from devkit.embedded_aws import embedded_aws
    from devkit.streams import Client

    _logs_to_file()
    with embedded_aws() as endpoint, Client(app, stage_name=localenv.STAGE) as client:
        stage = Stage(client=client, transcript=Transcript(), recorder=calls, screens=True)
        print(f"Embedded AWS (moto) on {endpoint}; tables created from the PynamoDB models.")
        for name in ACTS:
            importlib.import_module(name).run(stage)
    print("\nDemo finished. Logs (personal data masked): out/logs/demo.jsonl")
    return 0


if __name__ == "__main__":
    sys.exit(main())
