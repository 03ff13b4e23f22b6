"""The contract with Amazon Connect, independent of any one flow function."""

from __future__ import annotations

import json
import time

from chalicelib.connect import flow
from chalicelib.connect.flow import Deadline, FlowRequest, FlowResponse


class _Context:
    def __init__(self, remaining_ms: int) -> None:
        self._remaining = remaining_ms

    def get_remaining_time_in_millis(self) -> int:
        return self._remaining


def slow(request: FlowRequest, deadline: Deadline) -> FlowResponse:
    time.sleep(2)
    return FlowResponse.ok(answer="late")


def crashes(request: FlowRequest, deadline: Deadline) -> FlowResponse:
    raise KeyError("Channel")


def huge(request: FlowRequest, deadline: Deadline) -> FlowResponse:
    return FlowResponse.ok(**{f"k{i}": "x" * 4000 for i in range(20)})


def weird_keys(request: FlowRequest, deadline: Deadline) -> FlowResponse:
    return FlowResponse.ok(**{"first name": "Ana", "ok_key": 3, "flag": True, "nothing": None})


def test_a_slow_function_is_answered_with_error_inside_the_lambdas_remaining_time():
    # Given a Lambda with 600 ms left and a function that needs 2 s
    started = time.monotonic()
    answer = flow.run({}, _Context(600), f"{__name__}:slow")
    elapsed = time.monotonic() - started
    # Then Connect gets a TIMEOUT error before the Lambda itself would be killed
    assert answer == {"status": "ERROR", "errorCode": "TIMEOUT"}
    assert elapsed < 0.6


def test_an_exception_becomes_an_error_status_not_a_failed_invocation():
    assert flow.run({"Details": None}, None, f"{__name__}:crashes") == {"status": "ERROR", "errorCode": "INTERNAL"}


def test_an_unimportable_function_is_an_error_status():
    assert flow.run({}, None, "chalicelib.nowhere:missing")["status"] == "ERROR"


def test_responses_stay_under_32_kb_and_keep_their_status():
    answer = flow.run({}, None, f"{__name__}:huge")
    assert answer["status"] == "OK"
    assert len(json.dumps(answer).encode()) < 32 * 1024


def test_keys_are_sanitised_and_values_are_strings():
    answer = flow.run({}, None, f"{__name__}:weird_keys")
    assert answer == {"first_name": "Ana", "ok_key": "3", "flag": "true", "nothing": "", "status": "OK"}


def test_request_parsing_tolerates_nulls_and_wrong_types():
    request = FlowRequest.from_event({"Details": {"ContactData": {
        "Channel": 7, "CustomerEndpoint": None, "Queue": None, "Attributes": ["not", "a", "map"],
        "ContactId": {"nested": True}}, "Parameters": {"phone": 40712345678}}})
    assert request.channel == "7"
    assert request.customer_address == ""
    assert request.attributes == {}
    assert request.contact_id == ""
    assert request.value("phone") == "40712345678"


_STALL = __import__("threading").Event()


def stalls(request: FlowRequest, deadline: Deadline) -> FlowResponse:
    _STALL.wait(30)  # a DynamoDB call stuck far past the budget
    return FlowResponse.ok(answer="late")


def answers(request: FlowRequest, deadline: Deadline) -> FlowResponse:
    return FlowResponse.ok(answer="now")


def test_calls_stuck_past_their_budget_never_starve_the_next_caller():
    # Given a stall: more calls stuck on a dependency than a small worker pool holds
    try:
        for _ in range(6):
            assert flow.run({}, _Context(400), f"{__name__}:stalls") == {"status": "ERROR", "errorCode": "TIMEOUT"}
        # When the next caller comes while they are all still stuck
        started = time.monotonic()
        answer = flow.run({}, _Context(400), f"{__name__}:answers")
        # Then they are answered at once, not timed out behind the stuck calls
        assert answer == {"status": "OK", "answer": "now"}
        assert time.monotonic() - started < 0.3
    finally:
        _STALL.set()


def test_the_workers_are_reused_once_a_stall_is_over():
    workers = flow.Workers(limit=4)
    for _ in range(20):
        assert workers.submit(lambda: 42).result(timeout=1) == 42
    assert workers.threads <= 2
