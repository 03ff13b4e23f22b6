"""Learning from wrap-up: predict_reason keeps what the customer said (masked, for a
known customer, under its retention), and `make reasons-export` turns it, with the
reason the agent set, into training examples; export and erasure reach the kept text."""

from __future__ import annotations

import json
import time
from datetime import timedelta

import pytest

from chalicelib.db import utcnow
from chalicelib.reasons import model as reason_model
from chalicelib.reasons.models import ReasonTextModel
from devkit import reasons_export
from tests.agent_panel import INSTANCE_ID, contact_record, lookup, post, records
from tests.helpers import create_customer, load_event
from tests.journeys import connect
from tests.stored import stored_text

__all__ = ["connect"]  # fixture used here

ANA_CALL = "5fb2b0c4-7f3e-4a61-9d2b-1c0e8a7d6b51"
ANA_WORDS = "Bună ziua, factura platita de doua ori,\tsunați-mă la 0712 345 678 sau ana.popescu@example.ro"
ANA_KEPT = "Bună ziua, factura platita de doua ori, sunați-mă la ***78 sau ***@***.ro"


def predict(client, contact_id, text, customer_id="", language="", channel="CHAT"):
    event = load_event("connect/chat_inbound.json", ContactId=contact_id, InitialContactId=contact_id,
                       Channel=channel, Attributes={"customerId": customer_id} if customer_id else {})
    event["Details"]["Parameters"] = {"text": text, **({"language": language} if language else {})}
    return client.lambda_.invoke("predict_reason", event).payload


def wrap_up(client, connect, contact_id, reason):
    connect.add_response("update_contact_attributes", {}, {
        "InstanceId": INSTANCE_ID, "InitialContactId": contact_id,
        "Attributes": {"contactReason": reason, "disposition": "answered", "resolved": "true"}})
    status, answer = post(client, f"/agent/contacts/{contact_id}/wrap-up",
                          {"reason": reason, "disposition": "answered", "resolved": True})
    assert status == 201, answer


def exported(tmp_path):
    out = tmp_path / "wrapup.tsv"
    _, skipped = reasons_export.run(out)
    return out.read_text(encoding="utf-8").splitlines(), skipped


@pytest.fixture
def ana(client):
    ana = create_customer(client, phone="+40712345678")
    assert lookup(client, ANA_CALL)["customerId"] == ana
    return ana


def test_what_the_customer_wrote_and_the_agents_reason_become_a_training_example(client, connect, ana, tmp_path,
                                                                                  monkeypatch):
    # Given Ana writes why she is here, with her number and address in it, and is routed
    answer = predict(client, ANA_CALL, ANA_WORDS, customer_id=ana)
    assert (answer["status"], answer["reason"], answer["language"]) == ("OK", "billing", "ro")
    # And Giulia writes in Italian; the flow guesses delivery, the contact record says the
    # agent set "refund" (an older name of return)
    giulia = create_customer(client, firstName="Giulia", phone="+393331234567", email=None, preferredLanguage="it-IT")
    predict(client, "giulia-chat", "il pacco non è ancora arrivato e voglio i soldi indietro", customer_id=giulia)
    records(client, contact_record("giulia-chat", utcnow() - timedelta(minutes=5), address="+393331234567",
                                   contactReason="refund"))
    # And two contacts teach nothing: one the agent set to other, one without a wrap-up
    predict(client, "other-chat", "am o întrebare despre altceva", customer_id=ana)
    records(client, contact_record("other-chat", utcnow() - timedelta(minutes=4), contactReason="other"))
    predict(client, "open-chat", "vreau să anulez abonamentul", customer_id=ana)
    # When the agent wraps Ana's contact up as billing, and the examples are exported
    wrap_up(client, connect, ANA_CALL, "billing")
    lines, skipped = exported(tmp_path)
    # Then the file has her masked words with the agent's reason, and Giulia's with hers
    assert lines == ["it\treturn\til pacco non è ancora arrivato e voglio i soldi indietro",
                     f"ro\tbilling\t{ANA_KEPT}"]
    assert skipped == {"the agent set other": 1, "no reason from the agent": 1}
    # And `make reasons-model` trains on them beside the written examples
    monkeypatch.setattr(reason_model, "WRAPUP_EXAMPLES", tmp_path / "wrapup.tsv")
    trained = [(e.language, e.reason, e.text) for e in reason_model.read_examples() if not e.held_out]
    assert ("ro", "billing", ANA_KEPT) in trained and ("it", "return", lines[0].split("\t")[2]) in trained


def test_the_kept_text_is_masked_expires_and_never_reaches_the_flow_or_the_logs(client, ana, capsys):
    before = utcnow()
    answer = predict(client, ANA_CALL, ANA_WORDS, customer_id=ana)
    item = ReasonTextModel.get(ANA_CALL)
    assert (item.customer_id, item.text, item.language, item.predicted_reason, item.channel) == (
        ana, ANA_KEPT, "ro", "billing", "CHAT")
    assert float(item.confidence) == float(answer["confidence"])
    # Kept under its retention (REASON_TEXT_RETENTION_DAYS, 90 in the configuration)
    assert timedelta(days=89) < item.expires_at - before < timedelta(days=91)
    # And the words go neither back to the flow (contact attributes) nor into the logs
    assert not any("factura" in value for value in answer.values())
    logged = capsys.readouterr()
    assert "factura" not in logged.out + logged.err


def test_a_contact_without_a_customer_keeps_nothing(client):
    answer = predict(client, "anonymous-chat", "factura platita de doua ori")
    assert answer["reason"] == "billing"
    assert ReasonTextModel.count() == 0


def test_hostile_text_is_kept_folded_and_bounded(client, ana):
    predict(client, ANA_CALL, "factura\x00\x1b[31m\u202e" + " dublă" * 400 + "\n\r0712345678", customer_id=ana)
    text = ReasonTextModel.get(ANA_CALL).text
    assert len(text) <= 1000 and text.startswith("factura [31m dublă dublă")
    assert not any(ch in text for ch in "\x00\x1b\u202e\n\r\t")


def test_a_second_prediction_on_the_same_contact_replaces_the_first(client, ana):
    predict(client, ANA_CALL, "vreau să anulez abonamentul", customer_id=ana)
    predict(client, ANA_CALL, ANA_WORDS, customer_id=ana)
    assert [item.text for item in ReasonTextModel.scan()] == [ANA_KEPT]


def test_a_stalled_write_never_holds_up_the_answer(client, ana, dynamodb_fault, settings_env):
    # Given DynamoDB hangs on the reason texts table, and a short flow budget
    settings_env(FLOW_BUDGET_MS="400")
    heal = dynamodb_fault("slow", seconds=1.5, table="cc-local-reason-texts")
    # When the flow predicts
    answer = predict(client, ANA_CALL, ANA_WORDS, customer_id=ana)
    # Then it is answered with the prediction, not cut off
    assert (answer["status"], answer["reason"]) == ("OK", "billing")
    # And the text is still kept once DynamoDB answers
    heal()
    for _ in range(50):
        if ReasonTextModel.count() == 1:
            break
        time.sleep(0.1)
    assert ReasonTextModel.get(ANA_CALL).text == ANA_KEPT


def test_a_failed_write_costs_the_example_not_the_answer(client, ana, dynamodb_fault):
    dynamodb_fault("timeout", table="cc-local-reason-texts")
    answer = predict(client, ANA_CALL, ANA_WORDS, customer_id=ana)
    assert (answer["status"], answer["reason"]) == ("OK", "billing")


def test_the_customers_export_holds_her_kept_words_and_erasure_removes_them(client, connect, ana, tmp_path):
    # Given Ana's words were kept and exported as an example, and Bogdan's too
    predict(client, ANA_CALL, ANA_WORDS, customer_id=ana)
    wrap_up(client, connect, ANA_CALL, "billing")
    bogdan = create_customer(client, firstName="Bogdan", phone="+40722334455", email=None)
    predict(client, "bogdan-chat", "coletul nu a ajuns nici azi", customer_id=bogdan)
    records(client, contact_record("bogdan-chat", utcnow() - timedelta(minutes=5), address="+40722334455",
                                   contactReason="delivery"))
    assert len(exported(tmp_path)[0]) == 2
    # When she asks for her data
    document = json.loads(client.http.get(f"/customers/{ana}/export").body)
    # Then her kept words are in it, with the prediction
    [kept] = document["data"]["reasonTexts"]
    assert (kept["contactId"], kept["text"], kept["predictedReason"], kept["language"]) == (
        ANA_CALL, ANA_KEPT, "billing", "ro")
    # When she is erased
    response = client.http.post(f"/customers/{ana}/erase")
    record = json.loads(response.body)
    assert (response.status_code, record["erased"]["reasonTexts"]) == (200, 1)
    # Then no table holds her words, and the next export leaves them out; Bogdan's stay
    assert "factura platita" not in stored_text()
    lines, _ = exported(tmp_path)
    assert lines == ["ro\tdelivery\tcoletul nu a ajuns nici azi"]


def test_expired_texts_are_neither_exported_nor_trained_on(client, connect, ana, tmp_path):
    predict(client, ANA_CALL, ANA_WORDS, customer_id=ana)
    wrap_up(client, connect, ANA_CALL, "billing")
    ReasonTextModel(ANA_CALL).update(actions=[ReasonTextModel.expires_at.set(utcnow() - timedelta(hours=1))])
    assert exported(tmp_path)[0] == []
    document = json.loads(client.http.get(f"/customers/{ana}/export").body)
    assert document["data"]["reasonTexts"] == []


def test_the_export_tool_names_where_it_needs_to_read_from(monkeypatch):
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with pytest.raises(SystemExit, match="make serve"):
        reasons_export.main(["--stage", "local"])
    with pytest.raises(SystemExit, match="--region"):
        monkeypatch.delenv("AWS_REGION", raising=False)
        monkeypatch.delenv("AWS_DEFAULT_REGION", raising=False)
        reasons_export.main(["--stage", "prod"])


def test_a_chat_customer_who_typed_why_in_romanian_is_routed_on_it_and_her_words_kept(client):
    # Given Ana (Romanian: no Lex locale to ask her) typed why in the chat widget before the chat
    from datetime import datetime

    from app import app
    from deploy import flows
    from devkit.call import local_simulator
    from devkit.flowsim import Customer

    ana = create_customer(client)
    simulator = local_simulator(client, app, at=datetime.fromisoformat("2025-03-03T10:00"))
    # When the inbound chat flow runs
    result = simulator.run(flows.render("inbound_chat", "local"), Customer(
        channel="CHAT", address=None, inputs=["2"],
        attributes={"email": "ana.popescu@example.ro",
                    "question": "factura platita de doua ori, sunati la 0712345678"}))
    # Then her words route her to billing, and are kept masked for her contact
    assert (result.outcome, result.queue, result.attributes["predictedReason"]) == ("queued", "billing", "billing")
    item = ReasonTextModel.get(result.contact_id)
    assert (item.customer_id, item.text) == (ana, "factura platita de doua ori, sunati la ***78")
