"""A customer's returns, orders and appointments are in their data export and go
with them when they are erased, scheduled reminders included."""

from __future__ import annotations

import json
from datetime import timedelta

from chalicelib.db import utcnow
from tests.helpers import create_customer
from tests.journeys import flow_event, save_order, schedule
from tests.stored import stored_text

JSON = {"Content-Type": "application/json"}


def given_a_return_and_an_appointment(client):
    ana = create_customer(client, phone="+40 712 345 678")
    save_order("100-4821", ana)
    answer = client.lambda_.invoke("start_return", flow_event("call-1", parameters={"orderNumber": "1004821"})).payload
    assert answer["status"] == "OK"
    visit = {"appointmentId": "APT-777", "customerId": ana, "startsAt": (utcnow() + timedelta(days=4)).isoformat(),
             "service": "Consultație", "location": "Clinica Lumen", "address": "Calea Victoriei 155"}
    assert client.http.post("/appointments", headers=JSON, body=json.dumps(visit)).status_code == 201
    return ana, answer["awbNumber"]


def test_the_export_holds_the_customer_s_returns_orders_and_appointments(client):
    ana, awb = given_a_return_and_an_appointment(client)
    data = json.loads(client.http.get(f"/customers/{ana}/export").body)["data"]
    [case] = data["cases"]
    assert (case["caseId"], case["kind"], case["details"]["awbNumber"]) == ("R-1004821", "return", awb)
    assert [o["orderNumber"] for o in data["orders"]] == ["100-4821"]
    assert [a["id"] for a in data["appointments"]] == ["APT-777"]
    assert {i["kind"] for i in data["interactions"]} >= {"return_opened", "appointment_booked"}


def test_erasure_removes_them_and_their_schedules(client):
    ana, awb = given_a_return_and_an_appointment(client)
    response = client.http.post(f"/customers/{ana}/erase")
    record = json.loads(response.body)
    assert response.status_code == 200
    assert (record["erased"]["cases"], record["erased"]["orders"], record["erased"]["appointments"]) == (1, 1, 1)
    stored = stored_text()
    for trace in (ana, awb, "100-4821", "APT-777", "Calea Victoriei"):
        assert trace not in stored, trace
    assert schedule("apt-APT-777-r48h") is None and schedule("apt-APT-777-attendance") is None
