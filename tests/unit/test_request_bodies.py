"""Every API route answers a body or a query string it cannot use in the same words:
not an object, or which fields (parameters) it does not know and which it does, without
echoing a hostile request back."""

from __future__ import annotations

import pytest

from chalicelib.errors import InvalidInput, only_fields, only_params

ALLOWED = {"template", "channel", "idempotencyKey"}


def refusal(body: object) -> InvalidInput:
    with pytest.raises(InvalidInput) as refused:
        only_fields(body, ALLOWED)
    return refused.value


@pytest.mark.parametrize("body", [["template"], "template", None, 42, True],
                         ids=["list", "string", "null", "number", "boolean"])
def test_a_body_that_is_not_an_object_is_refused_saying_so(body):
    refused = refusal(body)
    assert refused.message == "the body must be a JSON object"
    assert refused.code == "INVALID_INPUT"


def test_an_object_of_known_fields_passes_as_it_is():
    body = {"template": "case_opened", "channel": "email"}
    assert only_fields(body, ALLOWED) is body
    assert only_fields({}, ALLOWED) == {}


def test_unknown_fields_are_named_sorted_with_the_fields_allowed():
    refused = refusal({"template": "t", "zebra": 1, "cc": "boss@example.com", "Bcc": 2})
    assert refused.message == "unknown field(s): Bcc, cc, zebra; allowed: channel, idempotencyKey, template"


def test_a_huge_field_name_is_shortened_not_echoed():
    refused = refusal({"x" * 100_000: 1})
    assert refused.message == f"unknown field(s): {'x' * 39}\u2026; allowed: channel, idempotencyKey, template"


def test_thousands_of_unknown_fields_are_counted_not_listed():
    refused = refusal({f"field{n:05d}": n for n in range(5000)})
    unknown = refused.message.split("; allowed: ")[0]
    assert unknown.startswith("unknown field(s): field00000, field00001, ")
    assert unknown.endswith(" and 4990 more")
    assert len(unknown) < 260


def test_long_names_together_stay_within_two_hundred_characters():
    refused = refusal({letter * 60: 1 for letter in "abcdefgh"})
    listed = refused.message.removeprefix("unknown field(s): ").split("; allowed: ")[0]
    assert len(listed) == 200 and listed.endswith("\u2026")
    assert listed.startswith("a" * 39 + "\u2026, " + "b" * 39)


def test_control_characters_in_a_field_name_are_not_passed_on():
    refused = refusal({"evil\r\nX-Injected: 1\x1b[31m": 1})
    assert refused.message.startswith("unknown field(s): evil??X-Injected: 1?[31m; allowed:")
    assert not any(c in refused.message for c in "\r\n\x1b")


# ---- query strings ------------------------------------------------------------

PARAMS = ("from", "to", "by")


def params_refusal(query: dict[str, str]) -> InvalidInput:
    with pytest.raises(InvalidInput) as refused:
        only_params(query, PARAMS)
    return refused.value


def test_no_query_string_is_an_empty_query():
    assert only_params(None, PARAMS) == {}


def test_a_query_of_known_parameters_passes_as_a_plain_dict_of_its_own():
    given = {"from": "2026-05-01", "by": "queue"}
    query = only_params(given, PARAMS)
    assert query == given and type(query) is dict
    query["to"] = "2026-05-02"
    assert "to" not in given


def test_unknown_parameters_are_named_sorted_with_the_parameters_allowed():
    refused = params_refusal({"from": "2026-05-01", "zebra": "1", "day": "x", "By": "queue"})
    assert refused.message == "unknown parameter(s): By, day, zebra; allowed: by, from, to"
    assert refused.code == "INVALID_INPUT"


def test_a_huge_parameter_name_is_shortened_not_echoed():
    refused = params_refusal({"x" * 100_000: "1"})
    assert refused.message == f"unknown parameter(s): {'x' * 39}\u2026; allowed: by, from, to"


def test_thousands_of_unknown_parameters_are_counted_not_listed():
    refused = params_refusal({f"p{n:05d}": "1" for n in range(5000)})
    unknown = refused.message.split("; allowed: ")[0]
    assert unknown.startswith("unknown parameter(s): p00000, p00001, ")
    assert unknown.endswith(" and 4990 more")
    assert len(unknown) < 260


def test_control_characters_in_a_parameter_name_are_not_passed_on():
    refused = params_refusal({"evil\r\nX-Injected: 1": "1"})
    assert refused.message.startswith("unknown parameter(s): evil??X-Injected: 1; allowed:")
