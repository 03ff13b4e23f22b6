"""The pieces of the merge template, on their own."""

from __future__ import annotations

import re

import pytest
from chalice import Chalice

from deploy import infra


def test_fragments_merge_key_by_key_and_lists_add_up():
    base = {"Resources": {"Role": {"Properties": {"Policies": [{"PolicyName": "a"}]}}}}
    extra = {"Resources": {"Role": {"Properties": {"Policies": [{"PolicyName": "b"}]}}, "Queue": {"Type": "q"}}}
    merged = infra.deep_merge(base, extra)
    assert merged["Resources"]["Role"]["Properties"]["Policies"] == [{"PolicyName": "a"}, {"PolicyName": "b"}]
    assert merged["Resources"]["Queue"] == {"Type": "q"}


def test_two_fragments_that_disagree_are_an_error_naming_the_key():
    with pytest.raises(infra.MergeConflict, match=re.escape("Resources.Table.Properties.TableName")):
        infra.deep_merge({"Resources": {"Table": {"Properties": {"TableName": "a"}}}},
                         {"Resources": {"Table": {"Properties": {"TableName": "b"}}}})


def test_every_eventbridge_rule_gets_the_dead_letter_queue_under_chalices_names():
    app = Chalice(app_name="sample")

    @app.on_cw_event({"source": ["aws.connect"]})
    def on_contact_event(event):
        return None

    patch = infra.event_patches(app)
    event = patch["Resources"]["OnContactEvent"]["Properties"]["Events"]["OnContactEventEvent"]["Properties"]
    assert event["DeadLetterConfig"] == {"Arn": {"Fn::GetAtt": ["EventsDeadLetterQueue", "Arn"]}}
    assert patch["Resources"]["EventsDeadLetterQueue"]["Type"] == "AWS::SQS::Queue"


def test_an_app_without_rules_gets_no_dead_letter_queue():
    assert infra.event_patches(Chalice(app_name="sample")) == {}


def test_a_wildcard_in_a_policy_is_reported():
    policy = {"Statement": [{"Sid": "Bad", "Action": ["dynamodb:*"], "Resource": "arn:aws:dynamodb:*:*:table/*"}]}
    assert len(infra.policy_problems(policy)) == 2


def test_the_role_policy_covers_every_table_and_its_indexes():
    from chalicelib.tables import all_models

    policy = infra.role_policy("prod")
    assert infra.policy_problems(policy) == []
    resources = next(s for s in policy["Statement"] if s["Sid"] == "Tables")["Resource"]
    for model in all_models():
        name = infra.table_name(model, "prod")
        assert f"arn:aws:dynamodb:*:*:table/{name}" in resources
        assert f"arn:aws:dynamodb:*:*:table/{name}/index/*" in resources
