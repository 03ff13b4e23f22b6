"""The return journey as customers live it: a call (or chat) through start_return,
the follow-up a minute later (WhatsApp and e-mail), and "where is my return?"."""

from __future__ import annotations

import json
import re
import time
from datetime import timedelta

import pytest

from chalicelib.cases.models import CaseModel
from chalicelib.db import utcnow
from chalicelib.errors import DependencyFailure
from chalicelib.interactions.models import InteractionModel
from chalicelib.profiles.models import CustomerModel
from chalicelib.retail.carrier import Booking
from devkit.mailbox import sent_emails
from tests.helpers import create_customer
from tests.journeys import connect, expect_whatsapp, fire, flow_event, save_order, schedule, schedule_time, social

__all__ = ["connect", "social"]  # fixtures used here

ANA_PHONE = "+40712345678"


@pytest.fixture
def ana(client):
    customer = create_customer(client, phone="+40 712 345 678", whatsapp="+40 712 345 678")
    save_order("100-4821", customer)
    return customer


def start(client, order_number, contact_id="call-1", **event):
    return client.lambda_.invoke("start_return", flow_event(contact_id, parameters={"orderNumber": order_number},
                                                              **event)).payload


def get(client, path):
    response = client.http.get(path)
    return response.status_code, json.loads(response.body)


def timeline(customer_id):
    return {item.kind: item for item in InteractionModel.by_customer.query(customer_id)}


def test_a_caller_returns_a_delivered_order_and_hears_the_awb(client, ana):
    # When Ana calls and keys in her order number
    answer = start(client, "1004821")
    # Then the flow can tell her the AWB, letter by letter, and the pickup day
    assert answer["status"] == "OK"
    assert (answer["returnId"], answer["orderNumber"], answer["pickupStatus"]) == ("R-1004821", "100-4821", "BOOKED")
    assert re.fullmatch(r"LC\d{10}RO", answer["awbNumber"])
    assert answer["awbSpoken"].replace(", ", " ").split() == list(answer["awbNumber"])
    assert answer["carrier"] == "Lumen Courier"
    assert answer["pickupDate"]  # e.g. "luni, 4 martie 2026": her language
    # And the return is her open case, with the same AWB for agents' tools
    assert CustomerModel.get(ana).open_case_id == "R-1004821"
    status, document = get(client, "/returns/R-1004821")
    assert status == 200
    assert (document["status"], document["awbNumber"], document["orderNumber"]) == (
        "pickup_booked", answer["awbNumber"], "100-4821")
    assert document["labelUrl"] == f"https://labels.lumen.example/{answer['awbNumber']}.pdf"
    # And the confirmations are scheduled for a minute later
    follow_up = schedule("return-R-1004821-follow-up")
    assert json.loads(follow_up["Target"]["Input"]) == {"step": "return_follow_up", "returnId": "R-1004821"}
    assert utcnow() < schedule_time(follow_up) <= utcnow() + timedelta(minutes=2)
    assert follow_up["ActionAfterCompletion"] == "DELETE"
    # And the call's return is in her timeline
    assert timeline(ana)["return_opened"].reference == "R-1004821"


def test_the_order_number_may_be_typed_with_dashes_or_spaces(client, ana):
    assert start(client, "100 4821")["returnId"] == "R-1004821"


def test_connect_retrying_the_same_call_gets_the_same_answer_and_one_return(client, ana):
    first = start(client, "1004821", contact_id="call-7")
    again = start(client, "1004821", contact_id="call-7")
    assert again == first
    assert [c.case_id for c in CaseModel.scan()] == ["R-1004821"]
    assert len([i for i in InteractionModel.by_customer.query(ana) if i.kind == "return_opened"]) == 1


@pytest.mark.parametrize(("setup", "order_number", "code"), [
    (lambda ana, bogdan: None, "9999999", "UNKNOWN_ORDER"),
    (lambda ana, bogdan: save_order("200-1", bogdan), "2001", "NOT_YOUR_ORDER"),
    (lambda ana, bogdan: save_order("300-1", ana, delivered_days_ago=45), "3001", "RETURN_WINDOW_PASSED"),
    (lambda ana, bogdan: save_order("400-1", ana, status="shipped", delivered_days_ago=None), "4001",
     "NOT_DELIVERED"),
    (lambda ana, bogdan: save_order("500-1", ana, status="returned"), "5001", "ALREADY_RETURNED"),
    (lambda ana, bogdan: None, "#", "INVALID_ORDER_NUMBER"),
    (lambda ana, bogdan: None, "", "INVALID_ORDER_NUMBER"),
])
def test_an_order_that_cannot_be_returned_gets_a_reason_the_flow_can_speak_and_nothing_is_created(
        client, ana, setup, order_number, code):
    bogdan = create_customer(client, firstName="Bogdan", phone="+40 722 334 455", email="bogdan@exemplu.ro")
    setup(ana, bogdan)
    answer = start(client, order_number)
    assert (answer["status"], answer["errorCode"]) == ("NOT_FOUND", code)
    assert list(CaseModel.scan()) == []
    assert CustomerModel.get(ana).open_case_id is None
    assert schedule(f"return-R-{re.sub(r'[^0-9A-Z]', '', order_number)}-follow-up") is None
    assert "return_opened" not in timeline(ana)


def test_a_second_call_about_a_returned_order_hears_the_existing_return(client, ana):
    first = start(client, "1004821", contact_id="call-1")
    again = start(client, "1004821", contact_id="call-2")
    assert (again["status"], again["errorCode"]) == ("NOT_FOUND", "ALREADY_RETURNED")
    assert (again["returnId"], again["awbNumber"]) == (first["returnId"], first["awbNumber"])


def test_an_unknown_caller_is_not_given_anyone_s_return(client, ana):
    answer = start(client, "1004821", address="+40799000111")
    assert (answer["status"], answer["errorCode"]) == ("NOT_FOUND", "UNKNOWN_CUSTOMER")
    assert list(CaseModel.scan()) == []


class SlowCarrier:
    """A courier whose API takes longer than a caller should wait."""

    def __init__(self, settings):
        self.name = "Slow Courier"

    def book_pickup(self, request, timeout_s):
        time.sleep(min(timeout_s, 1.5))
        if timeout_s < 1.5:
            raise DependencyFailure("the courier did not answer in time")
        return Booking(awb_number="SLOW0001", label_url="https://slow.example/labels/SLOW0001.pdf",
                       carrier=self.name)


def test_a_slow_carrier_does_not_hold_the_call_and_the_follow_up_books_it(client, ana, settings_env, social):
    # Given a courier slower than the time a call may wait for it
    settings_env(CARRIER="tests.integration.test_returns:SlowCarrier", CARRIER_TIMEOUT_MS="300")
    # When Ana returns her order
    answer = start(client, "1004821")
    # Then she hears that the AWB follows, and the return is open
    assert (answer["status"], answer["pickupStatus"], answer["awbNumber"]) == ("OK", "PENDING", "")
    assert get(client, "/returns/R-1004821")[1]["status"] == "pickup_pending"
    # When the follow-up runs, the courier has time to answer
    expect_whatsapp(social)
    outcome = fire(client, schedule("return-R-1004821-follow-up"))
    # Then the pickup is booked and both confirmations went out
    assert outcome["messages"] == {"whatsapp": "sent", "email": "sent"}
    assert get(client, "/returns/R-1004821")[1]["awbNumber"] == "SLOW0001"
    [mail] = sent_emails()
    assert "SLOW0001" in mail.text and "https://slow.example/labels/SLOW0001.pdf" in mail.text


def test_the_follow_up_confirms_on_whatsapp_and_emails_the_label_once(client, ana, social):
    answer = start(client, "1004821")
    awb = answer["awbNumber"]
    expect_whatsapp(social, {
        "messaging_product": "whatsapp", "recipient_type": "individual", "to": ANA_PHONE, "type": "template",
        "template": {"name": "return_label", "language": {"code": "ro"}, "components": [{"type": "body", "parameters": [
            {"type": "text", "text": "100-4821"}, {"type": "text", "text": "Lumen Courier"},
            {"type": "text", "text": awb}, {"type": "text", "text": f"https://labels.lumen.example/{awb}.pdf"}]}]}})
    follow_up = schedule("return-R-1004821-follow-up")
    assert fire(client, follow_up)["messages"] == {"whatsapp": "sent", "email": "sent"}
    # The e-mail carries the AWB, the label link and the refund, in Romanian
    [mail] = sent_emails()
    assert mail.header("Content-Language") == "ro"
    assert awb in mail.subject and f"https://labels.lumen.example/{awb}.pdf" in mail.text
    # Scheduler retried the step: nothing goes out twice (the stub holds no second answer)
    assert fire(client, follow_up)["messages"] == {"whatsapp": "sent", "email": "sent"}
    assert len(sent_emails()) == 1
    # Both messages are in her timeline, next to the call's return
    kinds = [(i.channel, i.kind) for i in InteractionModel.by_customer.query(ana)]
    assert ("WHATSAPP", "message_sent") in kinds and ("EMAIL", "message_sent") in kinds


class DownCarrier:
    def __init__(self, settings):
        self.name = "Down Courier"

    def book_pickup(self, request, timeout_s):
        raise DependencyFailure("courier API unavailable")


def test_a_follow_up_the_carrier_cannot_serve_yet_raises_so_the_schedule_retries(client, ana, settings_env):
    settings_env(CARRIER="tests.integration.test_returns:DownCarrier")
    assert start(client, "1004821")["pickupStatus"] == "PENDING"
    with pytest.raises(DependencyFailure):
        fire(client, schedule("return-R-1004821-follow-up"))
    assert sent_emails() == []


def test_where_is_my_return_on_chat(client, ana):
    start(client, "1004821")
    # Ana, signed in on the website, opens the web chat the next day (POST /chat/start)
    answer = client.lambda_.invoke("return_status", flow_event(
        "chat-1", channel="CHAT", address=None, attributes={"customerId": ana, "recognisedBy": "session"})).payload
    assert (answer["status"], answer["returnId"], answer["returnStatus"]) == ("OK", "R-1004821", "pickup_booked")
    assert answer["awbNumber"]
    assert timeline(ana)["return_status_checked"].channel == "CHAT"


def test_nobody_hears_someone_else_s_return(client, ana):
    start(client, "1004821")
    create_customer(client, firstName="Bogdan", phone="+40 722 334 455", email="bogdan@exemplu.ro")
    answer = client.lambda_.invoke("return_status", flow_event(
        "call-9", address="+40722334455", parameters={"returnId": "R-1004821"})).payload
    assert (answer["status"], answer["errorCode"], answer["awbNumber"]) == ("NOT_FOUND", "NO_RETURN", "")


def test_a_caller_without_a_return_hears_so(client, ana):
    answer = client.lambda_.invoke("return_status", flow_event("call-3")).payload
    assert (answer["status"], answer["errorCode"]) == ("NOT_FOUND", "NO_RETURN")


@pytest.mark.parametrize("return_id", ["R-404", "nonsense", "R-" + "9" * 100])
def test_an_unknown_return_is_404(client, return_id):
    status, body = get(client, f"/returns/{return_id}")
    assert status == 404 and "no return" in body["Message"]
