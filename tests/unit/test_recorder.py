"""The local run's stand-in for AWS APIs moto lacks keeps botocore's validation."""

from __future__ import annotations

import boto3
import pytest
from botocore.exceptions import ParamValidationError

from devkit import recorder

INSTANCE = "c8c0e68d-2200-4265-82c0-5f3a1b2c3d4e"
FLOW = "5d6e7f80-1a2b-4c3d-8e9f-0a1b2c3d4e5f"


@pytest.fixture
def calls():
    yield recorder.install()
    recorder.uninstall()


def client(service):
    # A fresh session: the hooks apply to sessions created after install().
    return boto3.session.Session().client(service, region_name="eu-central-1")


def test_a_task_is_recorded_with_its_validated_parameters_and_answered_with_a_contact_id(calls):
    connect = client("connect")
    answer = connect.start_task_contact(InstanceId=INSTANCE, ContactFlowId=FLOW, Name="Call back Ana",
                                        Attributes={"customerId": "c-1"})
    assert len(answer["ContactId"]) == 36
    [call] = calls.of("StartTaskContact")
    assert call.params["Name"] == "Call back Ana"
    assert call.params["Attributes"] == {"customerId": "c-1"}


def test_a_wrong_parameter_still_fails_like_it_would_against_aws(calls):
    connect = client("connect")
    with pytest.raises(ParamValidationError):
        connect.start_task_contact(InstanceId=INSTANCE, Name="missing the flow id and a typo", Atributes={})
    assert calls.calls == []


def test_whatsapp_sends_are_answered_with_a_message_id(calls):
    social = client("socialmessaging")
    answer = social.send_whatsapp_message(originationPhoneNumberId="phone-number-id-1", message=b"{}",
                                          metaApiVersion="v20.0")
    assert answer["messageId"]
    assert calls.of("SendWhatsAppMessage")[0].params["metaApiVersion"] == "v20.0"


def test_sms_sends_are_recorded_with_the_text_that_would_have_gone_and_still_validated(calls):
    sms = client("pinpoint-sms-voice-v2")
    answer = sms.send_text_message(DestinationPhoneNumber="+40745112233", OriginationIdentity="pool-1",
                                   MessageBody="482913 este codul dumneavoastra", MessageType="TRANSACTIONAL")
    assert answer["MessageId"]
    assert calls.of("SendTextMessage")[0].params["MessageBody"] == "482913 este codul dumneavoastra"
    # An empty text is refused by botocore, as AWS would refuse it
    with pytest.raises(ParamValidationError):
        sms.send_text_message(DestinationPhoneNumber="+40745112233", MessageBody="")
    assert len(calls.of("SendTextMessage")) == 1
