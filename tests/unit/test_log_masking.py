"""Phone numbers and e-mail addresses never reach a log line; ids, dates and ARNs
stay readable."""

from __future__ import annotations

import json
import logging
import re
import uuid

import phonenumbers
import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.observability import get_logger, mask_pii

WRITTEN_NUMBERS = [
    # Romania
    "+40 712 345 678", "+40712345678", "0712 345 678", "0712-345-678", "0040 712 345 678", "(021) 123 4567",
    "021 123 4567", "+40 (0)21 123 45 67",
    # Italy
    "+39 333 123 4567", "333 1234567", "3331234567", "333.123.4567", "06 1234 5678", "+39 06 1234 5678",
    # Hungary
    "+36 20 123 4567", "06 20 123 4567", "06-20-123-4567", "+36 (20) 123-4567", "0036 1 234 5678",
    # United Kingdom
    "+44 7911 123456", "07911 123456", "07911 123 456", "(020) 7946 0958", "+44 (0) 20 7946 0958",
]
ADDRESSES = ["ana.popescu@example.ro", "Giulia.Rossi+promo@mail.example.it", "eszter_nagy@posta.example.hu",
             "j.walker@example.co.uk", "ștefan.ionescu@exemplu.ro", "o'brien@example.ie"]
KEPT = [
    "4a573372-1f28-4e26-b97b-6a2c4b3e1f01", "12345678-1234-1234-1234-123456789012",
    "8ab145361d184affbce018d086d0e83d", "2024-05-01T10:20:30.123456+00:00", "2024-05-01 10:20:30,123+0000",
    "arn:aws:connect:eu-central-1:123456789012:instance/c8c0e68d-2200-4265-82c0-5f3a1b2c3d4e",
    "arn:aws:iam::123456789012:role/contact-center", "1714560000.123", "elapsed_ms=1234",
    "010701923e4a5b6c-12345678-abcd-4e5f-9a8b-7c6d5e4f3a2b-000000", "wamid.HBgLMzYyMDEyMzQ1NjcVAgAS",
    "v1.eyJzIjoiMTIzNDU2Nzg5MCJ9.abc+12345678xyz", "2024-05-01/2024-05-31", "CASE-1042", "version 1.34.0",
]


def digits(text: str) -> str:
    return "".join(ch for ch in text if ch.isdigit())


@pytest.mark.parametrize("number", WRITTEN_NUMBERS)
@pytest.mark.parametrize("context", ["{}", "called from {} today", '{{"phone": "{}"}}', "phone#{}", "tel:{}",
                                     "phone:{}", "({})"])
def test_phone_numbers_are_masked_however_they_are_written(number, context):
    masked = mask_pii(context.format(number))
    assert digits(number)[-6:] not in digits(masked)
    assert "***" in masked


@pytest.mark.parametrize("address", ADDRESSES)
@pytest.mark.parametrize("render", [str, json.dumps, lambda a: f"<{a}>", lambda a: f"mailto:{a}",
                                    lambda a: "/customers?email=" + a.replace("@", "%40") + "&x=1",
                                    lambda a: f"email#{a}"])
def test_email_addresses_are_masked_however_they_are_written(address, render):
    masked = mask_pii(render(address)).lower()
    # Every part of the address but its top-level domain is gone
    parts = set(re.split(r"[^\w]+", address.lower().rpartition(".")[0])) - {""}
    assert not {part for part in parts if part in masked and part not in render("").lower()}
    assert "***@***." in masked


@pytest.mark.parametrize("text", KEPT)
def test_ids_dates_and_arns_are_left_readable(text):
    assert mask_pii(text) == text


@given(st.uuids())
def test_contact_ids_are_never_mangled(contact_id):
    assert mask_pii(f'{{"contact_id":"{contact_id}"}}') == f'{{"contact_id":"{contact_id}"}}'


@given(st.datetimes(timezones=st.just(__import__("datetime").UTC)))
def test_timestamps_are_never_mangled(moment):
    assert mask_pii(moment.isoformat()) == moment.isoformat()


@given(region=st.sampled_from(["RO", "IT", "HU", "GB", "IE", "US", "DE", "FR"]),
       kind=st.sampled_from([phonenumbers.PhoneNumberType.MOBILE, phonenumbers.PhoneNumberType.FIXED_LINE]),
       form=st.sampled_from([phonenumbers.PhoneNumberFormat.E164, phonenumbers.PhoneNumberFormat.INTERNATIONAL,
                             phonenumbers.PhoneNumberFormat.NATIONAL]))
def test_example_numbers_of_many_countries_are_masked(region, kind, form):
    number = phonenumbers.example_number_for_type(region, kind)
    written = phonenumbers.format_number(number, form)
    assert digits(written)[-6:] not in digits(mask_pii(f"caller {written} waited"))


def test_the_service_logger_masks_message_extras_and_exceptions():
    logger = get_logger()
    lines: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    handler = Capture()
    handler.setFormatter(logger.registered_formatter)
    logging.getLogger(logger.name).addHandler(handler)
    try:
        logger.info("sms to +40 712 345 678 failed", extra={"to": "ana.popescu@example.ro", "id": str(uuid.uuid4())})
        try:
            raise ValueError("no route to 0712-345-678")
        except ValueError:
            logger.exception("sending failed")
    finally:
        logging.getLogger(logger.name).removeHandler(handler)
    text = "\n".join(lines)
    assert len(lines) == 2
    assert "712345678" not in digits(text.replace("-", ""))
    assert "ana.popescu" not in text and "example.ro" not in text
    assert "***78" in text


HOSTILE_NUMBERS = ["+40/745/112/233", "0745\u00a0112\u00a0233", "0745\u202f112\u202f233", "0745112233x",
                   "0745112233 ext 12", "+40\u00a0745\u00a0112\u00a0233"]
HOSTILE_ADDRESSES = ["ana.popescu\uff20example.ro", '"ana popescu"@example.ro', "ana.popescu@[192.168.10.20]",
                     "ana.popescu@[IPv6:2001:db8::1]"]


@pytest.mark.parametrize("number", HOSTILE_NUMBERS)
@pytest.mark.parametrize("render", [str, json.dumps, repr, lambda n: json.dumps(n, ensure_ascii=False)])
def test_numbers_written_with_slashes_odd_spaces_or_extensions_are_masked(number, render):
    masked = mask_pii(f"caller {render(number)} waited")
    assert "745112" not in digits(masked.replace("00a0", "").replace("202f", ""))
    assert "***33" in masked


@pytest.mark.parametrize("address", HOSTILE_ADDRESSES)
@pytest.mark.parametrize("render", [str, json.dumps, repr])
def test_full_width_at_signs_quoted_local_parts_and_address_literals_are_masked(address, render):
    masked = mask_pii(f"to {render(address)} now")
    assert "popescu" not in masked and "example" not in masked and "192.168" not in masked
    assert "2001" not in masked
    assert "***@***" in masked


def test_an_unexpected_error_on_a_route_is_logged_with_its_values_masked(capsys):
    # Given a route whose code fails on a value holding a number with non-breaking spaces
    from chalice import Chalice
    from chalice.test import Client

    from chalicelib.http import answers

    app = Chalice(app_name="contact-center", configure_logs=False)

    @app.route("/boom")
    @answers
    def boom():
        raise ValueError(repr("0745\u00a0112\u00a0233 ana.popescu\uff20example.ro"))

    lines: list[str] = []

    class Capture(logging.Handler):
        def emit(self, record):
            lines.append(self.format(record))

    logger = get_logger()
    handler = Capture()
    handler.setFormatter(logger.registered_formatter)
    logging.getLogger(logger.name).addHandler(handler)
    try:
        # When it is called
        with Client(app) as client:
            assert client.http.get("/boom").status_code == 500
    finally:
        logging.getLogger(logger.name).removeHandler(handler)
    # Then the traceback is logged, with neither the number nor the address in it
    text = "\n".join(lines)
    assert "ValueError" in text
    assert "745" not in text.replace("***33", "") and "popescu" not in text
