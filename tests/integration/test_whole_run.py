"""The whole demo, played in-process through the real entry points, watched for
personal data where it must never be: log lines and contact attributes. Then
every stored item is checked for its retention TTL.

The acts are the demo's own (devkit.demo ACTS), so every capability that adds an act
is covered without changing this test.
"""

from __future__ import annotations

import contextlib
import importlib
import io
import json
import logging
import re
from datetime import timedelta

import moto
import phonenumbers
import pytest

from devkit import localenv

REGIONS = ("RO", "IT", "HU", "GB")
# Any e-mail address at all, independent of the masking code's own patterns.
ANY_EMAIL = re.compile(r"[\w.+'-]+@[\w-]+(?:\.[\w-]+)+")


class _Records(logging.Handler):
    """Lines other libraries log (boto, pynamodb, chalice...), rendered plainly."""

    def __init__(self) -> None:
        super().__init__(logging.INFO)
        self.lines: list[str] = []
        self.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append(self.format(record))


@pytest.fixture(scope="module")
def whole_run():
    """Run every demo act; capture every log line, every flow answer and, at the end,
    every stored item."""
    from chalicelib import tables
    from chalicelib.connect import flow
    from chalicelib.observability import SERVICE, get_logger
    from devkit.demo.__main__ import ACTS
    from devkit.demo.stage import Stage, Transcript
    from devkit.streams import Client
    from tests.conftest import create_schedule_group, verify_email_sender
    from tests.stored import every_item

    service_logger = logging.getLogger(SERVICE)
    get_logger()
    # What the service writes to CloudWatch (pytest attaches its own capture handler to
    # non-propagating loggers while a test runs: that one is not the product's).
    handlers = [h for h in service_logger.handlers if not type(h).__module__.startswith("_pytest")]
    streams = []
    for handler in handlers:
        stream = io.StringIO()
        streams.append((handler, handler.setStream(stream), stream))
    others = _Records()
    root = logging.getLogger()
    root_level = root.level
    root.addHandler(others)
    root.setLevel(logging.INFO)
    answers: list[dict[str, str]] = []
    real_run = flow.run

    def recording_run(event, context, target):
        answer = real_run(event, context, target)
        answers.append(answer)
        return answer

    # AWS APIs moto lacks (WhatsApp, Connect tasks and chats) are recorded, as in the
    # local run; clients made before the recorder would not see it.
    from chalicelib import aws
    from devkit import recorder

    calls = recorder.install()
    aws.reset()
    try:
        with moto.mock_aws(), pytest.MonkeyPatch.context() as patch:
            patch.setattr(flow, "run", recording_run)
            tables.create_all()
            verify_email_sender()
            create_schedule_group()
            from app import app

            with Client(app, stage_name=localenv.STAGE) as client, contextlib.redirect_stdout(io.StringIO()):
                stage = Stage(client=client, transcript=Transcript(), recorder=calls)
                for name in ACTS:
                    importlib.import_module(name).run(stage)
            stored = every_item()
    finally:
        recorder.uninstall()
        aws.reset()
        root.removeHandler(others)
        root.setLevel(root_level)
        for handler, previous, _ in streams:
            handler.setStream(previous)
    service_lines = [line for _, _, stream in streams for line in stream.getvalue().splitlines()]
    yield {"service_lines": service_lines, "other_lines": others.lines, "answers": answers,
           "stored": stored, "customers": stage.customers, "handlers": handlers}


def seeded_secrets(customers) -> list[str]:
    """The seeded customers' phone numbers (national digits), e-mails and surnames."""
    from devkit.demo.seed import CUSTOMERS

    found = []
    for seed in CUSTOMERS.values():
        for key in ("phone", "whatsapp"):
            if seed.get(key):
                found.append(str(phonenumbers.parse(seed[key], None).national_number))
        found.append(seed["email"].lower())
        found.append(seed["lastName"])
    return found


def phone_numbers_in(text: str) -> list[str]:
    return [match.raw_string for region in REGIONS
            for match in phonenumbers.PhoneNumberMatcher(text, region, leniency=phonenumbers.Leniency.VALID)]


def test_the_run_logged_something_and_correlated_it_by_contact(whole_run):
    lines = [json.loads(line) for line in whole_run["service_lines"]]
    flow_lines = [line for line in lines if line["message"] == "flow answered"]
    assert len(flow_lines) >= 5
    assert all(line.get("correlation_id") for line in flow_lines if line.get("contact_id"))
    assert any(line["message"] == "customer erased" for line in lines)


def test_only_the_masking_formatter_writes_the_service_logs(whole_run):
    from chalicelib.observability import _formatter_class

    assert whole_run["handlers"]
    assert all(isinstance(handler.formatter, _formatter_class()) for handler in whole_run["handlers"])


def test_no_log_line_of_the_whole_run_holds_a_phone_number_or_an_email(whole_run):
    text = "\n".join(whole_run["service_lines"] + whole_run["other_lines"])
    compact = re.sub(r"[ \-().]", "", text).lower()  # numbers however they were spaced
    for secret in seeded_secrets(whole_run["customers"]):
        assert secret.lower() not in compact, secret
    assert ANY_EMAIL.findall(text) == []
    assert phone_numbers_in(text) == []


def test_no_contact_attribute_the_flows_set_holds_a_phone_number_or_an_email(whole_run):
    assert whole_run["answers"]
    text = json.dumps(whole_run["answers"], ensure_ascii=False)
    for secret in seeded_secrets(whole_run["customers"]):
        assert secret.lower() not in text.lower(), secret
    assert ANY_EMAIL.findall(text) == []
    assert phone_numbers_in(text) == []


def test_every_stored_item_holding_personal_data_expires(whole_run):
    from chalicelib import tables
    from chalicelib.db import utcnow
    from chalicelib.privacy.holders import NO_PERSONAL_DATA
    from chalicelib.settings import get_settings

    settings = get_settings()
    longest = max(getattr(settings, name) for name in vars(settings) if name.endswith("_retention_days"))
    now = utcnow()
    checked = 0
    for model in tables.all_models():
        setting = model.Meta.setting
        if setting in NO_PERSONAL_DATA:
            continue
        for item in whole_run["stored"][setting]:
            assert "expires_at" in item, f"{setting} item without a TTL: {sorted(item)}"
            expires = int(item["expires_at"]["N"])
            assert now.timestamp() < expires <= (now + timedelta(days=longest + 1)).timestamp()
            checked += 1
    assert checked >= len(whole_run["stored"]["customers_table"]) + len(whole_run["stored"]["identities_table"]) > 0
