"""Post-contact surveys as customers and supervisors meet them: a contact ends, the
invitation arrives (or, by policy, does not), the customer answers on the web, the
scores appear in /metrics and on the profile."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.surveys.models import SurveyModel
from devkit.mailbox import sent_emails
from tests.helpers import create_customer
from tests.integration import survey_support
from tests.integration.survey_support import (
    BUCHAREST,
    NOON,
    contact_record,
    counters_of,
    deliver,
    form,
    invitations,
    link_of,
    metrics,
    survey_item,
)
from tests.stored import every_item

DAY = NOON.astimezone(BUCHAREST).date().isoformat()
clock = survey_support.clock  # fixture


@pytest.fixture(autouse=True)
def no_follow_up_tasks(settings_env):
    """These tests are about invitations and scores: no Connect instance, so a bad
    score alerts supervisors by e-mail only (follow-up tasks: test_survey_follow_up)."""
    settings_env(CONNECT_INSTANCE_ARN="", SURVEY_FOLLOW_UP_FLOW_ARN="")


def invite(client, customer_id, **record):
    record = contact_record(customer_id, **record)
    assert deliver(client, record) == {"batchItemFailures": []}
    return record["ContactId"]


# ---- the invitation -------------------------------------------------------------

def test_a_handled_call_gets_one_invitation_in_the_customers_language(client, clock):
    # Given Ana, who speaks Romanian, finished a call with an agent
    ana = create_customer(client)
    record = contact_record(ana)
    # When Connect delivers its contact record, three times, one copy newer
    newer = {**record, "LastUpdateTimestamp": (NOON - timedelta(minutes=1)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    for copy in (record, record, newer):
        assert deliver(client, copy) == {"batchItemFailures": []}
    # Then exactly one invitation went out, in Romanian, with a link to her survey
    [mail] = invitations()
    assert mail.to.endswith("<ana.popescu@example.ro>")
    assert mail.header("Content-Language") == "ro"
    assert mail.subject.startswith("Cum ne-am descurcat?")
    assert link_of(mail).startswith("/s/")
    # It is survey mail: one click unsubscribes from surveys
    assert mail.header("List-Unsubscribe").startswith("<http://127.0.0.1:8000/api/unsubscribe/")
    survey = survey_item(record["ContactId"])
    assert (survey.status, survey.definition_id, survey.customer_id) == ("invited", "post_contact", ana)


def test_a_chat_gets_the_chat_survey(client, clock):
    ana = create_customer(client)
    contact_id = invite(client, ana, channel="CHAT", method="API")
    assert survey_item(contact_id).definition_id == "chat_quick"
    assert len(invitations()) == 1


def test_abandoned_calls_tasks_outbound_calls_and_unknown_callers_get_no_survey(client, clock):
    ana = create_customer(client)
    abandoned = contact_record(ana, Agent=None)
    task = contact_record(ana, channel="TASK", method="API")
    outbound = contact_record(ana, method="OUTBOUND")
    stranger = contact_record(None, CustomerEndpoint=None)
    assert deliver(client, abandoned, task, outbound, stranger) == {"batchItemFailures": []}
    assert invitations() == []
    assert every_item()["surveys_table"] == []


def test_the_first_leg_of_a_transferred_call_is_not_its_end(client, clock):
    ana = create_customer(client)
    first = contact_record(ana, NextContactId="leg-2-of-the-call")
    assert deliver(client, first) == {"batchItemFailures": []}
    assert invitations() == []


def test_a_transferred_call_is_surveyed_once_whatever_order_its_legs_arrive_in(client, clock):
    ana = create_customer(client)
    first = contact_record(ana, contact_id="call-leg-1", NextContactId="call-leg-2", queue="Billing", agent="ioana.m")
    second = contact_record(ana, contact_id="call-leg-2", InitialContactId="call-leg-1",
                            PreviousContactId="call-leg-1", queue="Retention", agent="andrei.p",
                            InitiationMethod="TRANSFER")
    # The last leg's record first, then the first leg's, then both again
    for record in (second, first, second, first):
        assert deliver(client, record) == {"batchItemFailures": []}
    assert len(invitations()) == 1
    survey = survey_item("call-leg-1")
    assert (survey.status, survey.queue, survey.agent) == ("invited", "Retention", "andrei.p")


def test_a_customer_surveyed_within_the_cooldown_is_not_invited_again(client, clock, settings_env):
    ana = create_customer(client)
    invite(client, ana)
    # A second call the next day, well within SURVEY_COOLDOWN_DAYS (30)
    clock(NOON + timedelta(days=1))
    second = invite(client, ana, start=NOON + timedelta(days=1) - timedelta(minutes=25))
    assert len(invitations()) == 1
    assert (survey_item(second).status, survey_item(second).reason) == ("skipped", "cooldown")
    # Once the cooldown is over, she is asked again
    settings_env(SURVEY_COOLDOWN_DAYS="1")
    clock(NOON + timedelta(days=2, hours=1))
    invite(client, ana, start=NOON + timedelta(days=2))
    assert len(invitations()) == 2


def test_two_contacts_ending_together_invite_the_customer_once(client, clock, monkeypatch):
    # Given both contacts' records are processed at the same moment: each one reads
    # the profile before either claimed the cooldown (an eventually consistent read
    # still answers with the profile as it was first read)
    from chalicelib.profiles.models import CustomerModel

    ana = create_customer(client)
    before = CustomerModel.get.__func__
    seen = {}

    def get_as_first_read(cls, customer_id, *args, consistent_read=False, **options):
        if consistent_read:
            return before(cls, customer_id, *args, consistent_read=True, **options)
        seen.setdefault(customer_id, before(cls, customer_id, *args, **options))
        return seen[customer_id]

    monkeypatch.setattr(CustomerModel, "get", classmethod(get_as_first_read))
    first, second = invite(client, ana), invite(client, ana)
    # Then the transaction on the customer lets only one through
    assert len(invitations()) == 1
    assert sorted([survey_item(first).status, survey_item(second).status]) == ["invited", "skipped"]
    assert "cooldown" in (survey_item(first).reason, survey_item(second).reason)


def test_no_invitation_to_a_customer_who_opted_out_of_surveys(client, clock):
    ana = create_customer(client)
    response = client.http.patch(f"/customers/{ana}", headers={"Content-Type": "application/json"},
                                 body=json.dumps({"consent": {"email": {"surveys": False}}}))
    assert response.status_code == 200
    contact_id = invite(client, ana)
    assert invitations() == []
    assert (survey_item(contact_id).status, survey_item(contact_id).reason) == ("skipped", "no_consent")


def test_no_invitation_without_an_email_address(client, clock):
    someone = create_customer(client, email=None, phone="+40 722 111 222")
    contact_id = invite(client, someone)
    assert invitations() == []
    assert survey_item(contact_id).reason == "no_address"


def test_contacts_outside_the_sample_are_not_surveyed(client, clock, settings_env):
    settings_env(SURVEY_SAMPLE_PERCENT="0")
    ana = create_customer(client)
    contact_id = invite(client, ana)
    assert invitations() == []
    assert survey_item(contact_id).reason == "not_sampled"


def test_a_record_arriving_days_after_the_contact_gets_no_survey(client, clock):
    ana = create_customer(client)
    contact_id = invite(client, ana, start=NOON - timedelta(days=3))
    assert invitations() == []
    assert survey_item(contact_id).reason == "too_late"


@pytest.mark.parametrize(("zone", "local_end"), [("Europe/Bucharest", "09:00"), ("Europe/London", "09:00")])
def test_at_night_the_invitation_waits_for_the_morning_in_the_customers_time_zone(client, clock, zone, local_end):
    import boto3

    from chalicelib.settings import get_settings

    # Given a customer whose contact ends at 23:10 their time
    customer = create_customer(client, timeZone=zone)
    from zoneinfo import ZoneInfo

    local = datetime.now(ZoneInfo(zone)).replace(hour=23, minute=10, second=0, microsecond=0)
    clock(local.astimezone(UTC))
    contact_id = invite(client, customer, start=local.astimezone(UTC) - timedelta(minutes=20))
    # Then nothing is sent now, and a one-time schedule sends it at 09:00 their time
    assert invitations() == []
    survey = survey_item(contact_id)
    assert survey.status == "scheduled"
    schedule = boto3.client("scheduler", region_name="eu-central-1").get_schedule(
        Name=f"survey-invite-{contact_id}", GroupName=get_settings().schedule_group)
    tomorrow = (local + timedelta(days=1)).date().isoformat()
    assert schedule["ScheduleExpression"] == f"at({tomorrow}T{local_end}:00)"
    assert schedule["ScheduleExpressionTimezone"] == zone
    assert schedule["ActionAfterCompletion"] == "DELETE"
    assert schedule["Target"]["Arn"] == get_settings().scheduled_step_arn
    assert schedule["Target"]["RoleArn"] == get_settings().scheduler_role_arn
    # (an invocation Scheduler cannot deliver is kept, not dropped)
    assert schedule["Target"]["DeadLetterConfig"] == {"Arn": get_settings().schedule_dead_letter_queue_arn}
    assert json.loads(schedule["Target"]["Input"]) == {"step": "invite", "surveyId": contact_id}
    # When Scheduler calls the worker in the morning (twice: at least once delivery)
    clock(datetime.fromisoformat(f"{tomorrow}T{local_end}").replace(tzinfo=ZoneInfo(zone)).astimezone(UTC))
    for _ in range(2):
        answer = client.lambda_.invoke("scheduled_step", json.loads(schedule["Target"]["Input"])).payload
    # Then the invitation goes out once
    assert answer["status"] == "invited"
    assert len(invitations()) == 1


def test_a_customer_who_opts_out_before_the_morning_gets_nothing(client, clock):
    ana = create_customer(client)
    night = NOON.astimezone(BUCHAREST).replace(hour=23, minute=30).astimezone(UTC)
    clock(night)
    contact_id = invite(client, ana, start=night - timedelta(minutes=20))
    client.http.patch(f"/customers/{ana}", headers={"Content-Type": "application/json"},
                      body=json.dumps({"consent": {"email": {"surveys": False}}}))
    clock(night + timedelta(hours=10))
    assert client.lambda_.invoke("scheduled_step", {"step": "invite", "surveyId": contact_id}).payload[
        "status"] == "skipped"
    assert invitations() == []


def test_the_worker_refuses_input_no_schedule_sends(client):
    with pytest.raises(Exception, match="unknown scheduled step 'delete everything'"):
        client.lambda_.invoke("scheduled_step", {"step": "delete everything", "surveyId": "x"})


# ---- answering on the web ----------------------------------------------------------

@pytest.fixture
def invited(client, clock):
    """Ana, invited after a call in the Billing queue with agent ioana.m."""
    ana = create_customer(client)
    contact_id = invite(client, ana)
    [mail] = invitations()
    return {"customer": ana, "contact": contact_id, "link": link_of(mail)}


def test_the_form_is_in_the_customers_language_and_accessible(client, invited):
    response = client.http.get(invited["link"])
    assert response.status_code == 200
    page = response.body.decode()
    assert '<html lang="ro">' in page
    assert "Cât de mulțumit sunteți de ajutorul primit?" in page
    assert "Cât de probabil este să recomandați Lumen Care unui prieten sau coleg?" in page
    # One fieldset per question, its text as the legend, every choice a labelled radio
    assert page.count("<fieldset") == 4 and page.count("<legend>") == 3
    assert page.count('type="radio" name="nps"') == 11 and page.count('type="radio" name="csat"') == 5
    assert '<label for="i-comment">' in page and "Trimiteți răspunsurile" in page
    assert response.headers["Cache-Control"] == "no-store"
    assert response.headers["Referrer-Policy"] == "no-referrer"


def test_answering_records_scores_in_metrics_and_on_the_profile(client, invited):
    # When Ana answers: satisfied (4), easy (6), a promoter (9), with a comment
    response = client.http.post(invited["link"], **form(csat=4, ces=6, nps=9, comment="Mulțumesc, rapid și clar!"))
    # Then she is thanked, in Romanian
    assert response.status_code == 200
    assert "Vă mulțumim!" in response.body.decode()
    survey = survey_item(invited["contact"])
    assert survey.status == "answered"
    assert survey.answers == {"csat": 4, "ces": 6, "nps": 9, "comment": "Mulțumesc, rapid și clar!"}
    assert survey.answer_token_id
    # And the supervisor's report shows the scores next to the contact KPIs
    report = metrics(client, DAY, by="agent")
    totals = report["totals"]
    assert (totals["npsScore"], totals["csatPercent"], totals["cesAverage"], totals["cesEasyPercent"]) == \
        (100.0, 100.0, 6.0, 100.0)
    assert totals["contacts"] == 1 and totals["surveysAnswered"] == 1
    [agent] = report["groups"]
    assert (agent["value"], agent["npsScore"], agent["csatAverage"]) == ("ioana.m", 100.0, 4.0)
    # And the next contact flow knows what she said
    profile = json.loads(client.http.get(f"/customers/{invited['customer']}").body)
    assert profile["lastSurvey"]["scores"] == {"csat": 4, "ces": 6, "nps": 9}
    from tests.helpers import load_event

    lookup = client.lambda_.invoke("lookup_customer", load_event(
        "connect/voice_inbound.json", Attributes={"customerId": invited["customer"]})).payload
    assert (lookup["lastNps"], lookup["lastCsat"], lookup["daysSinceLastSurvey"], lookup["recentDetractor"],
            lookup["offerSurvey"]) == ("9", "4", "0", "false", "false")


def test_a_link_answers_once(client, invited):
    assert client.http.post(invited["link"], **form(csat=2, ces=3, nps=5)).status_code == 200
    before = every_item()
    # Then the same link again (a double click, a replay) changes nothing
    again = client.http.post(invited["link"], **form(csat=5, ces=7, nps=10))
    assert again.status_code == 409
    assert "deja completat" in again.body.decode()
    assert client.http.get(invited["link"]).status_code == 409
    assert every_item() == before
    assert metrics(client, DAY)["totals"]["npsResponses"] == 1


@pytest.mark.parametrize(("answers", "problem"), [
    ({"csat": 4, "ces": 6}, "Vă rugăm să alegeți un răspuns."),
    ({"csat": 6, "ces": 6, "nps": 9}, "Vă rugăm să alegeți una dintre valorile afișate."),
    ({"csat": 4, "ces": 0, "nps": 9}, "Vă rugăm să alegeți una dintre valorile afișate."),
    ({"csat": 4, "ces": 6, "nps": "nine"}, "Vă rugăm să alegeți una dintre valorile afișate."),
    ({"csat": 4, "ces": 6, "nps": -1}, "Vă rugăm să alegeți una dintre valorile afișate."),
    ({"csat": 4, "ces": 6, "nps": 9, "comment": "x" * 2001}, "cel mult 2.000 de caractere"),
    ({"csat": 4, "ces": 6, "nps": 9, "admin": "true"}, "nu l-am cerut"),
    ({"csat": "\u00b2", "ces": 6, "nps": 9}, "Vă rugăm să alegeți una dintre valorile afișate."),
    ({"csat": "\u0664", "ces": 6, "nps": 9}, "Vă rugăm să alegeți una dintre valorile afișate."),
], ids=["missing", "csat 6", "ces 0", "not a number", "negative", "comment too long", "unknown field",
        "superscript two", "arabic-indic four"])
def test_unusable_answers_get_the_form_back_saying_why_and_write_nothing(client, invited, answers, problem):
    before = every_item()
    response = client.http.post(invited["link"], **form(**answers))
    assert response.status_code == 400
    page = response.body.decode()
    assert problem in page and 'role="alert"' in page
    assert ('aria-invalid="true"' in page) == ("admin" not in answers)
    assert every_item() == before
    # And the link still works
    assert client.http.post(invited["link"], **form(csat=4, ces=6, nps=9)).status_code == 200


def test_a_field_sent_twice_is_refused(client, invited):
    before = every_item()
    response = client.http.post(invited["link"], headers={"Content-Type": "application/x-www-form-urlencoded"},
                                body="csat=4&ces=6&nps=9&nps=0")
    assert response.status_code == 400
    assert every_item() == before


def _tampered(link: str) -> list[str]:
    token = link.removeprefix("/s/")
    payload, signature = token.split(".")
    flipped = payload[:-1] + ("A" if payload[-1] != "A" else "B")
    return [f"/s/{flipped}.{signature}", f"/s/{payload}.{signature[:-2]}", "/s/not-a-token", f"/s/{payload}",
            "/s/" + "A" * 2000 + ".x"]


def test_forged_and_malformed_links_are_refused_and_write_nothing(client, invited):
    before = every_item()
    for link in _tampered(invited["link"]):
        for method in ("get", "post"):
            kwargs = form(csat=1, ces=1, nps=0) if method == "post" else {}
            response = getattr(client.http, method)(link, **kwargs)
            assert response.status_code == 400, (link, method)
            assert "nu este valid" in response.body.decode() or "not valid" in response.body.decode()
    assert every_item() == before


def test_a_link_for_something_else_is_refused(client, invited):
    from chalicelib import tokens

    unsubscribe = tokens.issue("unsubscribe", invited["contact"], timedelta(days=7))
    assert client.http.get(f"/s/{unsubscribe}").status_code == 400
    assert client.http.post(f"/s/{unsubscribe}", **form(csat=1, ces=1, nps=0)).status_code == 400


def test_an_expired_link_is_gone_and_writes_nothing(client, invited):
    from chalicelib import tokens

    old = tokens.issue("survey", invited["contact"], timedelta(days=7), data={"l": "it"},
                       now=datetime.now(UTC) - timedelta(days=8))
    before = every_item()
    response = client.http.post(f"/s/{old}", **form(csat=4, ces=6, nps=9))
    assert response.status_code == 410
    # An expired token's contents are not trusted, its language included: the browser's language
    assert "This survey link has expired" in response.body.decode()
    assert every_item() == before


def test_a_survey_past_its_retention_is_not_found(client, invited):
    from chalicelib.db import utcnow

    SurveyModel(invited["contact"]).update(actions=[SurveyModel.expires_at.set(utcnow() - timedelta(hours=1))])
    assert client.http.get(invited["link"]).status_code == 404
    before = every_item()
    assert client.http.post(invited["link"], **form(csat=4, ces=6, nps=9)).status_code == 404
    assert every_item() == before


def test_an_erased_customers_link_no_longer_works(client, invited):
    client.http.post(f"/customers/{invited['customer']}/erase")
    assert client.http.get(invited["link"]).status_code == 404
    assert every_item()["surveys_table"] == []
    # And the contact's record redelivered afterwards brings no survey back
    record = contact_record(invited["customer"], contact_id=invited["contact"])
    assert deliver(client, record) == {"batchItemFailures": []}
    assert every_item()["surveys_table"] == [] and len(invitations()) == 1


def test_the_export_holds_the_customers_surveys(client, invited):
    client.http.post(invited["link"], **form(csat=4, ces=6, nps=9, comment="Bine"))
    export = json.loads(client.http.get(f"/customers/{invited['customer']}/export").body)
    [survey] = export["data"]["surveys"]
    assert (survey["contactId"], survey["status"], survey["answers"]["comment"]) == (invited["contact"], "answered",
                                                                                     "Bine")
    assert survey["scores"] == {"csat": 4, "ces": 6, "nps": 9}


def test_survey_items_carry_their_retention(client, invited):
    from chalicelib.db import utcnow
    from chalicelib.settings import get_settings

    survey = survey_item(invited["contact"])
    days = (survey.expires_at - utcnow()).days
    assert get_settings().survey_retention_days - 2 <= days <= get_settings().survey_retention_days


def test_a_bad_score_alerts_the_supervisors(client, invited):
    client.http.post(invited["link"], **form(csat=2, ces=2, nps=3, comment="Am sunat de trei ori."))
    alerts = [m for m in sent_emails() if "supervisors@lumen.example" in m.to]
    [alert] = alerts
    assert invited["contact"] in alert.text and "Am sunat de trei ori." in alert.text
    assert survey_item(invited["contact"]).follow_up == "done"
    counts = counters_of(DAY)["all#all"]
    assert (counts["nps_detractors"], counts["csat_responses"], counts.get("csat_satisfied", 0)) == (1, 1, 0)
