"""The in-process event registry: who hears an event, and for a customer's message,
which one handler answers it."""

from __future__ import annotations

import pytest

from chalicelib import events

EVENT = "test: a customer wrote"


@pytest.fixture
def heard(monkeypatch):
    """An empty registry for the test, and the handlers' calls in order."""
    monkeypatch.setattr(events, "_subscribers", {})
    return []


def handler(heard, name, answer=None, error=None):
    def handle(payload):
        heard.append(name)
        if error is not None:
            raise error
        return answer
    return handle


def test_the_first_handler_that_answers_wins_and_the_later_ones_are_not_asked(heard):
    events.subscribe(EVENT, handler(heard, "knowledge base"))  # not its to answer
    events.subscribe(EVENT, handler(heard, "front desk", answer=("front_desk_task", {})))
    events.subscribe(EVENT, handler(heard, "catch-all", answer=("logged", {})))
    assert events.first_answer(EVENT, {}) == ("front_desk_task", {})
    assert heard == ["knowledge base", "front desk"]


def test_an_error_stops_the_asking_so_the_message_is_retried_not_passed_on(heard):
    events.subscribe(EVENT, handler(heard, "knowledge base", error=TimeoutError("WhatsApp did not answer")))
    events.subscribe(EVENT, handler(heard, "front desk", answer=("front_desk_task", {})))
    with pytest.raises(TimeoutError):
        events.first_answer(EVENT, {})
    assert heard == ["knowledge base"]


def test_a_handler_that_passes_may_leave_a_note_for_the_next(heard):
    def knowledge_base(payload):
        payload["asked"] = "how do I return a parcel?"

    events.subscribe(EVENT, knowledge_base)
    events.subscribe(EVENT, lambda payload: ("front_desk_task", {"about": payload["asked"]}))
    assert events.first_answer(EVENT, {}) == ("front_desk_task", {"about": "how do I return a parcel?"})


def test_nobody_answering_is_said_and_announce_still_tells_everyone(heard):
    events.subscribe(EVENT, handler(heard, "a"))
    events.subscribe(EVENT, handler(heard, "b", answer="done"))
    assert events.first_answer("test: nobody listens", {}) is None
    assert events.announce(EVENT, {}) == [None, "done"]
    assert heard == ["a", "b"]


def test_the_knowledge_base_is_asked_before_the_clinic_about_a_whatsapp_message():
    import chalicelib.wiring  # noqa: F401 (the registrations every entry point has)

    # Cases first: they note that the customer wrote and answer nothing, so the asking goes on.
    assert events.subscribers(events.WHATSAPP_MESSAGE) == ("chalicelib.cases.replies:whatsapp_message",
                                                           "chalicelib.knowledge.whatsapp:answer",
                                                           "chalicelib.clinic.whatsapp:answer")
