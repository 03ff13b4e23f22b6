"""What `make package` hands to CloudFormation: linted, least privilege, complete."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from deploy import flows, hardening, infra
from tests.stack import Stack

STAGE = "prod"


@pytest.fixture(scope="module")
def package(tmp_path_factory):
    return infra.package(STAGE, tmp_path_factory.mktemp("package"))


@pytest.fixture(scope="module")
def template(package):
    return json.loads((package / "sam.json").read_text(encoding="utf-8"))


def resources(template, kind):
    return {name: r for name, r in template["Resources"].items() if r["Type"] == kind}


def test_the_packaged_template_passes_cfn_lint(package):
    cfn_lint = str(Path(sys.executable).with_name("cfn-lint"))
    lint = subprocess.run([cfn_lint, str(package / "sam.json")], capture_output=True, text=True)
    # cfn-lint's exit code is a bit mask: 2 means errors (4 warnings, 8 informational).
    assert lint.returncode & 2 == 0, lint.stdout + lint.stderr


def test_every_model_has_its_table_with_keys_and_ttl(template):
    from chalicelib.tables import all_models

    tables = resources(template, "AWS::DynamoDB::Table")
    config = json.loads(Path(".chalice/config.json").read_text())["stages"][STAGE]["environment_variables"]
    for model in all_models():
        table = tables[infra.table_logical_id(model)]
        assert table["Properties"]["TableName"] == config[model.Meta.setting.upper()]
        keys = table["Properties"]["KeySchema"]
        assert keys[0]["KeyType"] == "HASH"  # CloudFormation rejects any other order
        assert sorted(keys, key=lambda k: k["KeyType"]) == sorted(model._get_schema()["key_schema"],
                                                                   key=lambda k: k["KeyType"])
        assert table["Properties"]["TimeToLiveSpecification"] == {"AttributeName": "expires_at", "Enabled": True}
        # Recoverable to any second of the last 35 days
        assert table["Properties"]["PointInTimeRecoverySpecification"] == {"PointInTimeRecoveryEnabled": True}
        # Every index the code queries exists, with the model's keys and projection
        schema = model._get_schema()
        indexes = {i["IndexName"]: i for i in table["Properties"].get("GlobalSecondaryIndexes", [])}
        assert set(indexes) == {i["index_name"] for i in schema["global_secondary_indexes"]}, model.__name__
        for wanted in schema["global_secondary_indexes"]:
            index = indexes[wanted["index_name"]]
            assert sorted(index["KeySchema"], key=str) == sorted(
                [{"AttributeName": k["AttributeName"], "KeyType": k["KeyType"]} for k in wanted["key_schema"]],
                key=str)
            assert index["Projection"]["ProjectionType"] == wanted["projection"]["ProjectionType"]
        declared = {d["AttributeName"]: d["AttributeType"] for d in table["Properties"]["AttributeDefinitions"]}
        assert declared == {d["AttributeName"]: d["AttributeType"] for d in schema["attribute_definitions"]}
        assert table["Properties"]["BillingMode"] == "PAY_PER_REQUEST"
        assert table["DeletionPolicy"] == "Retain"
    assert len(tables) == len(all_models())


def _statements(template):
    for resource in template["Resources"].values():
        if resource["Type"] == "AWS::IAM::Role":
            for policy in resource["Properties"].get("Policies", []):
                yield from policy["PolicyDocument"]["Statement"]
        if resource["Type"] == "AWS::IAM::Policy":
            yield from resource["Properties"]["PolicyDocument"]["Statement"]


def test_iam_policies_name_their_actions_and_resources(template):
    statements = list(_statements(template))
    assert statements
    for statement in statements:
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert all(a != "*" and not a.endswith(":*") for a in actions), statement
        resources_ = statement["Resource"] if isinstance(statement["Resource"], list) else [statement["Resource"]]
        text = json.dumps(resources_)
        assert '"*"' not in text and "table/*" not in text, statement


def test_functions_reach_only_the_tables_of_this_stack(template):
    tables = {infra.table_logical_id(m) for m in __import__("chalicelib.tables").tables.all_models()}
    granted = [r for s in _statements(template) if s.get("Sid") == "Tables" for r in s["Resource"]]
    assert granted
    for resource in granted:
        logical = resource["Fn::GetAtt"][0] if "Fn::GetAtt" in resource else resource["Fn::Sub"][2:].split(".")[0]
        assert logical in tables, resource


def test_every_flow_is_a_contact_flow_resource_that_names_only_stack_values(template):
    flow_resources = resources(template, "AWS::Connect::ContactFlow")
    assert sorted(flow_resources) == sorted(flows.flow_resource(n) for n in flows.template_names())
    known = set(template["Resources"]) | set(template["Parameters"])
    for flow in flow_resources.values():
        content = flow["Properties"]["Content"]["Fn::Sub"]
        assert json.loads(content)["Version"] == "2019-10-30"
        for reference in re.findall(r"\$\{([^}]+)\}", content):
            assert reference.split(".")[0] in known, reference
        assert flow["Properties"]["InstanceArn"] == {"Ref": "ConnectInstanceArn"}


def test_connect_may_invoke_the_flow_functions_of_its_instance_only(template):
    permissions = resources(template, "AWS::Lambda::Permission")
    connect = [p["Properties"] for p in permissions.values() if p["Properties"]["Principal"] == "connect.amazonaws.com"]
    invoked = [{"Fn::GetAtt": [name, "Arn"]} for name in infra.flow_invoked_functions(STAGE)]
    assert sorted(map(json.dumps, (p["FunctionName"] for p in connect))) == sorted(map(json.dumps, invoked))
    assert {"Fn::GetAtt": ["LookupCustomer", "Arn"]} in invoked
    assert {"Fn::GetAtt": ["RecordSurveyAnswer", "Arn"]} in invoked
    assert all(p["SourceArn"] == {"Ref": "ConnectInstanceArn"} for p in connect)


def test_event_sources_lose_nothing(template):
    for function in resources(template, "AWS::Serverless::Function").values():
        for event in function["Properties"].get("Events", {}).values():
            if event["Type"] == "CloudWatchEvent":
                assert "DeadLetterConfig" in event["Properties"]
            if event["Type"] in ("Kinesis", "SQS", "DynamoDB"):
                assert event["Properties"].get("FunctionResponseTypes") == ["ReportBatchItemFailures"]
            if event["Type"] in ("Kinesis", "DynamoDB"):
                # After its retries, a record that still fails is kept in a queue, not dropped.
                failure = event["Properties"]["DestinationConfig"]["OnFailure"]
                assert failure["Type"] == "SQS"
                assert template["Resources"][failure["Destination"]["Fn::GetAtt"][0]]["Type"] == "AWS::SQS::Queue"


def test_the_counter_aggregator_reads_the_stream_of_its_own_table_new_items_only(template):
    function = template["Resources"]["OnCounterChanges"]["Properties"]
    [event] = function["Events"].values()
    assert event["Type"] == "DynamoDB"
    # The table the stack creates (not the placeholder app.py gives), and nothing else
    assert event["Properties"]["Stream"] == {"Fn::GetAtt": ["CounterChangesTable", "StreamArn"]}
    assert template["Resources"]["CounterChangesTable"]["Properties"]["StreamSpecification"] == {
        "StreamViewType": "NEW_IMAGE"}
    # The Deletes that apply changes, and expiries, do not wake it
    [pattern] = event["Properties"]["FilterCriteria"]["Filters"]
    assert json.loads(pattern["Pattern"]) == {"eventName": ["INSERT"]}
    # And its role reads that stream, and only that one
    grants = [s for p in template["Resources"]["OnCounterChangesRole"]["Properties"]["Policies"]
              for s in p["PolicyDocument"]["Statement"] if "dynamodb:GetRecords" in s["Action"]]
    assert [g["Resource"] for g in grants] == [[{"Fn::GetAtt": ["CounterChangesTable", "StreamArn"]}]]


def test_contact_flow_functions_stop_before_connect_gives_up(template):
    for name in infra.flow_invoked_functions(STAGE):
        assert template["Resources"][name]["Properties"]["Timeout"] <= 8, name


def test_the_deployment_zip_holds_the_app_and_its_runtime_only(package):
    names = zipfile.ZipFile(package / "deployment.zip").namelist()
    top = {n.split("/")[0] for n in names}
    assert "app.py" in top and "chalicelib" in top
    assert not top & {"devkit", "deploy", "tests", "moto", "templates", "infra", "pytest", "hypothesis", "cfnlint"}
    # Nor the reason classifier's training sentences (customers' words among them, from wrap-up)
    assert not [n for n in names if n.startswith("chalicelib/reasons/examples/")]
    assert "chalicelib/reasons/model.json" in names
    # Test oracles and heavy libraries stay out of the Lambda: staffing and forecasts are pure Python.
    assert not top & {"pyworkforce", "ortools", "pandas", "numpy", "scipy", "sklearn", "joblib"}


_SMOKE = """
import sys
from datetime import datetime, timezone
assert not any("site-packages" in p for p in sys.path), sys.path
import phonenumbers
assert phonenumbers.format_number(phonenumbers.parse("0712 345 678", "RO"),
                                  phonenumbers.PhoneNumberFormat.E164) == "+40712345678"
import app  # the deployed handler module, with its packaged chalice runtime
from chalicelib.notify import messages
from chalicelib.notify.render import LANGUAGES, locale_for, render
from chalicelib.notify.ses import EmailSender
from chalicelib.settings import get_settings
brand = EmailSender(get_settings()).brand
for kind in messages.on_channel("email"):
    for language in LANGUAGES:
        rendered = render("email", kind, messages.check_variables(kind, kind.sample), locale=locale_for(language),
                          time_zone="Europe/Bucharest", brand=brand, first_name="Ana",
                          unsubscribe_url="https://example.test/unsubscribe/t")
        assert rendered.subject and rendered.text and rendered.html
from chalicelib.knowledge import index
assert index.INDEX_FILE.exists() and not index.INDEX_FILE.with_name("articles").exists()
assert index.load().search("factura platita de doua ori", "ro")[0].article["id"] == "double-charge-refund"
print("ok", len(messages.on_channel("email")) * len(LANGUAGES))
"""


def test_the_slimmed_package_still_renders_every_message_in_every_language(package, tmp_path):
    # Given the deployment zip as Lambda unpacks it, and nothing else on the path
    with zipfile.ZipFile(package / "deployment.zip") as deployed:
        names = deployed.namelist()
        deployed.extractall(tmp_path)
    # Then the data nobody reads is gone
    assert not [n for n in names if n.startswith("phonenumbers/geodata/")]
    assert "babel/locale-data/ro.dat" in names and "babel/locale-data/hu_HU.dat" in names
    assert "babel/locale-data/ja.dat" not in names
    # And the functions still import, parse numbers and render every message in every language
    from devkit import localenv

    env = {**localenv.LOCAL_ENV, "PYTHONPATH": str(tmp_path), "PATH": os.environ.get("PATH", "")}
    result = subprocess.run([sys.executable, "-S", "-c", _SMOKE], cwd=tmp_path, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.startswith("ok ")


def _clients_the_code_creates() -> set[str]:
    """Every AWS service chalicelib and app.py create a client for, read from the source:
    aws.client("x"), boto3.client("x"), session.client("x"), and PynamoDB (DynamoDB)."""
    import ast

    services = set()
    sources = [Path("app.py"), *Path("chalicelib").rglob("*.py")]
    for source in sources:
        tree = ast.parse(source.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute | ast.Name)
                    and (node.func.attr if isinstance(node.func, ast.Attribute) else node.func.id)
                    in ("client", "create_client") and node.args
                    and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)):
                services.add(node.args[0].value)
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("pynamodb"):
                services.add("dynamodb")
    return services


def test_the_package_keeps_the_aws_models_of_every_client_the_code_creates_and_no_other(package):
    # Given the services the code creates clients for
    created = _clients_the_code_creates()
    assert {"dynamodb", "sesv2", "connect"} <= created
    # Then the package keeps exactly their botocore models, plus botocore's own data
    names = zipfile.ZipFile(package / "deployment.zip").namelist()
    kept = {n.split("/")[2] for n in names if n.startswith("botocore/data/") and n.count("/") > 2}
    assert kept == set(infra.BOTOCORE_SERVICES) == created
    assert {"botocore/data/endpoints.json", "botocore/data/_retry.json"} <= set(names)
    assert "botocore/data/dynamodb/2012-08-10/service-2.json.gz" in names
    # and is small: Lambda downloads all of it on every cold start
    assert (package / "deployment.zip").stat().st_size < 5_000_000


def test_chalice_deploy_reuses_the_same_slim_package(package):
    # Given what `make package` left in chalice's cache, which `chalice deploy` reuses
    cached = infra.deployment_cache()
    assert cached is not None
    # Then it holds the same files as the stack's package (the app is replaced on deploy)
    shipped = set(zipfile.ZipFile(package / "deployment.zip").namelist())
    assert set(zipfile.ZipFile(cached).namelist()) == shipped


_LOOKUP = """
import sys
assert not any("site-packages" in p for p in sys.path), sys.path
from chalicelib import tables
from chalicelib.profiles import schema
from chalicelib.profiles.identity import Identity
from chalicelib.profiles.service import Profiles
from chalicelib.settings import get_settings
import app

tables.create_all(wait=True)
Profiles(get_settings()).create(schema.ProfileInput(values={"first_name": "Ana"},
                                                    identities={"phone": Identity("phone", "+40712345678")}))
event = {"Name": "ContactFlowEvent", "Details": {"Parameters": {}, "ContactData": {
    "Channel": "VOICE", "ContactId": "c-1", "InitiationMethod": "INBOUND", "Attributes": {},
    "CustomerEndpoint": {"Address": "+40712345678", "Type": "TELEPHONE_NUMBER"}}}}
answer = app.lookup_customer(event, None)

# What the slimmed package still has to do: every message in the four languages, with
# dates and money formatted; a country's public holidays; a reason predicted; a metric.
import holidays
from chalicelib.notify import messages, render
from chalicelib.reasons import model
brand = {"name": "Shop", "color": "#0B5CAD", "accent_color": "#F5A623", "support_email": "help@example.ro",
         "support_phone": None}
rendered = 0
for language in render.LANGUAGES:
    for kind in messages.TYPES.values():
        try:
            render.render("email", kind, messages.check_variables(kind, kind.sample),
                          locale=render.explicit_locale(language),
                          time_zone="Europe/Bucharest", brand=brand)
        except render.RenderError as e:
            assert e.code == "UNKNOWN_TEMPLATE", e
            continue
        rendered += 1
assert rendered >= 4 * 10, rendered
# English as written in the UK; where the package has no regional English, plain English
assert (render.locale_for("en-GB").formatting, render.locale_for("en-SG").formatting) == ("en_GB", "en")
assert len(holidays.country_holidays("RO", years=2026)) > 10
assert max(model.load().probabilities("vreau sa returnez comanda", "ro").values()) > 0
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
published = EphemeralMetrics(namespace="ContactCenter", service="packaged-check")
published.add_metric(name="PackagedCheck", unit=MetricUnit.Count, value=1)
published.flush_metrics()
print(answer["status"], answer["firstName"])
"""


def test_the_unpacked_zip_alone_answers_a_lookup_against_the_embedded_aws(package, tmp_path):
    from moto.server import ThreadedMotoServer

    from devkit import localenv

    # Given the zip as Lambda unpacks it, nothing else on the path, and an AWS to talk to
    with zipfile.ZipFile(package / "deployment.zip") as deployed:
        deployed.extractall(tmp_path)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        env = {**localenv.LOCAL_ENV, "PYTHONPATH": str(tmp_path), "PATH": os.environ.get("PATH", ""),
               "AWS_ENDPOINT_URL": f"http://{host}:{port}", "POWERTOOLS_LOG_LEVEL": "ERROR"}
        # When a caller's lookup runs on it
        result = subprocess.run([sys.executable, "-S", "-c", _LOOKUP], cwd=tmp_path, env=env,
                                capture_output=True, text=True, timeout=120)
    finally:
        server.stop()
    # Then the caller is recognised
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.split()[-2:] == ["OK", "Ana"]


def test_whatsapp_events_reach_their_handler_which_knows_the_one_topic_to_trust(template):
    function = template["Resources"]["OnWhatsappEvent"]["Properties"]
    [subscription] = function["Events"].values()
    assert (subscription["Type"], subscription["Properties"]["Topic"]) == ("SNS", {"Fn::Sub": "${WhatsAppEventsTopic}"})
    assert function["Environment"]["Variables"]["WHATSAPP_EVENTS_TOPIC_ARN"] == {"Ref": "WhatsAppEventsTopic"}
    assert function["DeadLetterQueue"]["TargetArn"] == {"Fn::GetAtt": ["OnWhatsappEventDeadLetterQueue", "Arn"]}
    publisher = template["Resources"]["WhatsAppEventsTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert publisher["Principal"] == {"Service": "social-messaging.amazonaws.com"}


def test_sms_events_reach_their_handler_which_knows_the_one_topic_to_trust(template):
    function = template["Resources"]["OnSmsEvent"]["Properties"]
    [subscription] = function["Events"].values()
    assert (subscription["Type"], subscription["Properties"]["Topic"]) == ("SNS", {"Fn::Sub": "${SmsEventsTopic}"})
    variables = function["Environment"]["Variables"]
    assert variables["SMS_EVENTS_TOPIC_ARN"] == {"Ref": "SmsEventsTopic"}
    assert variables["SMS_DEAD_LETTER_QUEUE_ARN"] == {"Fn::GetAtt": ["OnSmsEventDeadLetterQueue", "Arn"]}
    assert function["ReservedConcurrentExecutions"] == 10
    publisher = template["Resources"]["SmsEventsTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert publisher["Principal"] == {"Service": "sms-voice.amazonaws.com"}


def test_functions_that_send_sms_may_only_from_the_identity_and_configuration_set_given(template):
    policies = {name: r for name, r in resources(template, "AWS::IAM::Policy").items() if name.endswith("SmsPolicy")}
    assert "OnSmsEventSmsPolicy" in policies and "ScheduledStepSmsPolicy" in policies
    for policy in policies.values():
        # Only in a stack given an origination identity
        assert policy["Condition"] == "HasSms"
        [statement] = policy["Properties"]["PolicyDocument"]["Statement"]
        assert statement["Action"] == ["sms-voice:SendTextMessage"]
        assert statement["Resource"] == [{"Ref": "SmsOriginationIdentityArn"}, {"Fn::If": [
            "HasSmsConfigurationSet", {"Ref": "SmsConfigurationSetArn"}, {"Ref": "AWS::NoValue"}]}]


# ---- nothing lost, least privilege, names from the stack, operations ----

def _functions(template):
    return resources(template, "AWS::Serverless::Function")


def test_every_asynchronous_function_keeps_what_it_could_not_process(template):
    flow_functions = infra.flow_invoked_functions(STAGE)
    asynchronous = hardening.asynchronous(template, flow_functions)
    # SNS (SES feedback, WhatsApp), EventBridge rules (contact events) and Scheduler targets
    assert {"OnSesFeedback", "OnWhatsappEvent", "OnContactEvent", "ScheduledStep"} <= set(asynchronous)
    for name, function in _functions(template).items():
        properties = function["Properties"]
        if name in asynchronous:
            queue = properties["DeadLetterQueue"]
            assert queue["Type"] == "SQS", name
            assert template["Resources"][queue["TargetArn"]["Fn::GetAtt"][0]]["Type"] == "AWS::SQS::Queue"
        elif name != "APIHandler" and name not in flow_functions:
            # Stream consumers: what keeps failing goes to the event source's on-failure queue.
            for event in properties["Events"].values():
                assert event["Properties"]["DestinationConfig"]["OnFailure"]["Type"] == "SQS", name
    # Scheduler's own dead letters (a schedule it could not deliver) reach the queue through its role.
    statements = template["Resources"]["SchedulerRole"]["Properties"]["Policies"][0]["PolicyDocument"]
    assert any(s["Action"] == "sqs:SendMessage" for s in statements["Statement"])


_OWN = ("logs:", "dynamodb:", "sqs:SendMessage", "kms:", "kinesis:", "iam:PassRole")


def unneeded_actions(template):
    """Actions a function's role allows that no module its handler can load calls."""
    modules = hardening.function_modules()
    found = []
    for name, function in _functions(template).items():
        role = function["Properties"]["Role"]["Fn::GetAtt"][0]
        statements = [s for p in template["Resources"][role]["Properties"]["Policies"]
                      for s in p["PolicyDocument"]["Statement"]]
        statements += [s for r in resources(template, "AWS::IAM::Policy").values() if {"Ref": role} in
                       r["Properties"]["Roles"] for s in r["Properties"]["PolicyDocument"]["Statement"]]
        calls = hardening.aws_calls(modules[name])
        for statement in statements:
            for action in statement["Action"]:
                schedules = any(c.startswith("scheduler:Create") for c in calls)
                if (action == "iam:PassRole" and not schedules) or (not action.startswith(_OWN)
                                                                    and action not in calls):
                    found.append((name, action))
        tables = {infra.table_logical_id(m) for m in hardening.model_tables(modules[name])}
        for statement in statements:
            if statement.get("Sid") == "Tables":
                for resource in statement["Resource"]:
                    logical = resource["Fn::GetAtt"][0] if "Fn::GetAtt" in resource \
                        else resource["Fn::Sub"][2:].split(".")[0]
                    if logical not in tables:
                        found.append((name, logical))
    return found


def _role_statements(template, function):
    """The statements of a packaged function's role and of the policies attached to it."""
    role = _functions(template)[function]["Properties"]["Role"]["Fn::GetAtt"][0]
    statements = [s for p in template["Resources"][role]["Properties"]["Policies"]
                  for s in p["PolicyDocument"]["Statement"]]
    return statements + [s for r in resources(template, "AWS::IAM::Policy").values() if {"Ref": role} in
                         r["Properties"]["Roles"] for s in r["Properties"]["PolicyDocument"]["Statement"]]


def _allowed(template, function):
    """Every action the role of a packaged function allows."""
    return {action for statement in _role_statements(template, function) for action in statement["Action"]}


def test_a_function_may_do_what_the_handlers_wired_to_it_do(template):
    # Given the wiring: a WhatsApp message is answered by the first capability that
    # answers it, the reason predictor asks the history sources registered with it
    modules = hardening.function_modules()
    # Then the function that receives WhatsApp messages loads every handler that may answer
    assert {"chalicelib.cases.replies", "chalicelib.knowledge.whatsapp",
            "chalicelib.clinic.whatsapp"} <= modules["OnWhatsappEvent"]
    # And its role lets them reply on WhatsApp and pass a message to the front desk as a task
    assert {"social-messaging:SendWhatsAppMessage", "connect:StartTaskContact"} <= _allowed(template, "OnWhatsappEvent")
    # And the predictor loads its history sources, so it may read the open cases and appointments
    assert {"chalicelib.cases.reasons", "chalicelib.clinic.reasons"} <= modules["PredictReason"]
    tables = {infra.table_logical_id(m) for m in hardening.model_tables(modules["PredictReason"])}
    assert {infra.table_logical_id(m) for m in hardening.model_tables({"chalicelib.cases.models",
                                                                       "chalicelib.clinic.models"})} <= tables
    # And erasure reaches every registered holder's tables, a report every rate provider
    assert {"chalicelib.notify.privacy", "chalicelib.verification.privacy"} <= modules["APIHandler"]
    assert "chalicelib.surveys.scoring" in modules["APIHandler"]


_TELLS = ("ses:", "sms-voice:", "social-messaging:", "scheduler:", "connect:", "iam:PassRole", "ssm:")


def test_the_flow_functions_that_tell_a_caller_something_load_nothing_that_changes_it(template):
    # Given next_appointment and return_status, which tell a caller about their
    # appointment or return (confirming it and starting a return are other functions)
    modules = hardening.function_modules()
    for function in ("NextAppointment", "ReturnStatus"):
        # Then neither loads the code that books, changes, reminds, opens or sends
        assert not {"chalicelib.clinic.appointments", "chalicelib.retail.returns", "chalicelib.cases.service",
                    "chalicelib.profiles.service", "chalicelib.schedules", "chalicelib.notify.service",
                    "chalicelib.connect.client"} & modules[function], function
        # So its role may not send e-mail, SMS or WhatsApp, schedule, start tasks or chats, sign links
        assert not {a for a in _allowed(template, function) if a.startswith(_TELLS)}, function
        assert f"{function}ConnectPolicy" not in template["Resources"]
        assert f"{function}SmsPolicy" not in template["Resources"]


_ITEM_ACTIONS = {"Put": "PutItem", "Update": "UpdateItem", "Delete": "DeleteItem",
                 "ConditionCheck": "ConditionCheckItem", "Get": "GetItem"}


def _asked(operation, params):
    """The tables one DynamoDB request touches, with the action each needs: (action,
    table, index); a transaction's items each with their own."""
    if operation in ("TransactWriteItems", "TransactGetItems"):
        return [(f"dynamodb:{_ITEM_ACTIONS[kind]}", body["TableName"], None)
                for item in params["TransactItems"] for kind, body in item.items()]
    if operation in ("BatchGetItem", "BatchWriteItem"):
        return [(f"dynamodb:{operation}", table, None) for table in params["RequestItems"]]
    return [(f"dynamodb:{operation}", params["TableName"], params.get("IndexName"))]


def _granted(template, function):
    """{(table logical id, action)} a packaged function's role allows; "<table>/index"
    for its indexes."""
    found = set()
    for statement in [s for s in _role_statements(template, function) if s.get("Sid") == "Tables"]:
        for resource in statement["Resource"]:
            if "Fn::GetAtt" in resource:
                table = resource["Fn::GetAtt"][0]
            else:
                table = resource["Fn::Sub"][2:].split(".")[0] + "/index"
            found |= {(table, action) for action in statement["Action"]}
    return found


@pytest.fixture
def dynamodb_requests(monkeypatch):
    """Every table a DynamoDB request of the code under test touches, as it is sent."""
    import botocore.client

    asked: list[tuple[str, str, str | None]] = []
    send = botocore.client.BaseClient._make_api_call

    def recorded(self, operation, params):
        if self.meta.service_model.service_name == "dynamodb":
            asked.extend(_asked(operation, params))
        return send(self, operation, params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", recorded)
    return asked


def test_what_booking_contacts_and_the_journeys_ask_of_dynamodb_their_roles_allow(template, client,
                                                                                   dynamodb_requests):
    from datetime import UTC, datetime, timedelta

    from chalicelib.tables import all_models
    from deploy.flows import cfn_name
    from tests.helpers import create_customer, kinesis_event, load_json
    from tests.journeys import flow_event, save_order

    tables = {model.Meta.table_name: infra.table_logical_id(model) for model in all_models()}
    asked = dynamodb_requests

    def refused(function, requests=asked):
        """What was asked that the function's packaged role does not allow."""
        grants = _granted(template, function)
        return sorted({(action, table, index) for action, table, index in requests
                       if (tables[table] + ("/index" if index else ""), action) not in grants})

    # What the counter aggregator asks, as the stream is delivered to it, is its own
    aggregated: list[tuple[str, str, str | None]] = []
    deliver = client.streams.invoke

    def aggregate(name, event):
        before = len(asked)
        try:
            return deliver(name, event)
        finally:
            aggregated.extend(asked[before:])
            del asked[before:]

    client.streams.invoke = aggregate

    # Given a patient books a visit through the API (counted in the day's KPIs)
    patient = create_customer(client, firstName="Ioana", phone="+40 745 112 233", email="ioana@exemplu.ro")
    starts = (datetime.now(UTC) + timedelta(days=5)).replace(microsecond=0).isoformat()
    asked.clear()
    booked = client.http.post("/appointments", headers={"Content-Type": "application/json"}, body=json.dumps({
        "appointmentId": "APT-1", "customerId": patient, "startsAt": starts, "durationMinutes": 30,
        "service": "Consultație", "location": "Clinica Lumen", "address": "Calea Victoriei 155"}))
    assert booked.status_code == 201, booked.body
    # Then everything the booking asked of DynamoDB, the API's role allows (the KPI
    # counters' journal included, which the code names by its setting)
    assert any(tables[table] == "CounterChangesTable" for _, table, _ in asked)
    assert refused("APIHandler") == []

    # When a customer with a delivered order calls, and the call's contact records arrive
    # (it was transferred once), a chat's too, and contact events
    customer = create_customer(client, phone="+40 712 345 678")
    save_order("100-4821", customer)
    for documents in (["voice_transfer_leg1", "voice_transfer_leg2"], ["chat"]):
        asked.clear()
        answer = client.lambda_.invoke("on_contact_record", kinesis_event(
            [load_json(f"contact-records/{name}.json") for name in documents])).payload
        assert answer == {"batchItemFailures": []}
        # Then the timeline, the customer and the KPI counters' journal are written within its role
        assert any(tables[table] == "CounterChangesTable" for _, table, _ in asked)
        assert refused("OnContactRecord") == []
    for name in ("initiated", "queued", "connected_to_agent", "disconnected"):
        asked.clear()
        client.lambda_.invoke("on_contact_event", load_json(f"contact-events/{name}.json"))
        assert refused("OnContactEvent") == [], name

    # When each of the journeys' flow functions answers a call
    calls = [("next_appointment", "+40745112233", {}, {}),
             ("confirm_appointment", "+40745112233", {}, {"appointmentId": "APT-1"}),
             ("return_status", "+40712345678", {}, {}),
             ("start_return", "+40712345678", {"orderNumber": "1004821"}, {}),
             ("return_status", "+40712345678", {"orderNumber": "100-4821"}, {})]
    for number, (function, caller, parameters, attributes) in enumerate(calls):
        asked.clear()
        answer = client.lambda_.invoke(function, flow_event(f"call-{number}", address=caller, parameters=parameters,
                                                            attributes=attributes)).payload
        assert answer["status"] in ("OK", "NOT_FOUND"), (function, answer)
        # Then everything it asked DynamoDB for, its role allows
        assert asked and refused(cfn_name(function)) == [], function

    # And the aggregator applied every change within its role
    assert any(tables[table] == "MetricsTable" for _, table, _ in aggregated)
    assert refused("OnCounterChanges", aggregated) == []


def test_a_registration_the_packaging_cannot_follow_is_refused(tmp_path, monkeypatch):
    # Given a wiring that registers a handler with a registry the packaging does not know
    wiring = tmp_path / "wiring.py"
    wiring.write_text('from chalicelib import somewhere\n\nsomewhere.enlist("chalicelib.cases.desk:finish_opening")\n')
    monkeypatch.setattr(hardening, "_module_file", lambda name: wiring if name == hardening.WIRING else None)
    hardening._wiring.cache_clear()
    try:
        # When the functions' permissions are derived
        with pytest.raises(ValueError) as refused:
            hardening._wiring()
    finally:
        hardening._wiring.cache_clear()
    # Then packaging stops and names the call, instead of leaving its permissions out
    assert "somewhere.enlist() is no registry" in str(refused.value)


def test_each_function_may_do_only_what_its_code_does(template):
    # Given the roles of the packaged functions, each derived from the code its handler loads
    roles = {name: f["Properties"]["Role"]["Fn::GetAtt"][0] for name, f in _functions(template).items()}
    assert len(set(roles.values())) == len(roles)  # one role per function
    # Then no role allows an AWS call its function's code never makes
    assert unneeded_actions(template) == []
    # And a caller being recognised cannot e-mail, message, schedule or start contacts
    lookup = [a for p in template["Resources"]["LookupCustomerRole"]["Properties"]["Policies"]
              for s in p["PolicyDocument"]["Statement"] for a in s["Action"]]
    assert sorted({a.split(":")[0] for a in lookup}) == ["dynamodb", "logs"]
    assert "LookupCustomerConnectPolicy" not in template["Resources"]
    # And a role that does allow something its code does not use is caught
    widened = json.loads(json.dumps(template))
    widened["Resources"]["LookupCustomerRole"]["Properties"]["Policies"][0]["PolicyDocument"]["Statement"].append(
        {"Effect": "Allow", "Action": ["ses:SendEmail"], "Resource": ["arn:aws:ses:eu-west-1:1:identity/x"]})
    assert unneeded_actions(widened) == [("LookupCustomer", "ses:SendEmail")]


def test_predict_reason_may_read_what_its_history_sources_read_and_keep_what_it_read(template):
    # Given the history sources are named in chalicelib/wiring.py, loaded where predict_reason gathers history
    role = template["Resources"]["PredictReasonRole"]["Properties"]["Policies"]
    tables = {resource["Fn::GetAtt"][0] for policy in role for statement in policy["PolicyDocument"]["Statement"]
              if statement.get("Sid") == "Tables" for resource in statement["Resource"] if "Fn::GetAtt" in resource}
    # Then in a deployed stage it may read open cases and appointments, and keep the customer's words
    assert {"CasesTable", "AppointmentsTable", "ReasonTextsTable"} <= tables
    # And reading them gives it nothing to send, schedule or write elsewhere: a caller's
    # reason is predicted, never acted upon
    attached = [r["Properties"] for r in template["Resources"].values() if r["Type"] == "AWS::IAM::Policy"
                and {"Ref": "PredictReasonRole"} in r["Properties"]["Roles"]]
    actions = {action for policy in [*role, *attached] for statement in policy["PolicyDocument"]["Statement"]
               for action in ([statement["Action"]] if isinstance(statement["Action"], str) else statement["Action"])}
    assert not {a for a in actions if a.split(":")[0] in {"ses", "sms-voice", "social-messaging", "scheduler"}}
    assert not {a for a in actions if a.startswith("dynamodb:TransactWrite")}
    # It reads an e-mail's message from Connect, and starts no contact
    assert {"connect:ListContactReferences", "connect:GetAttachedFile"} <= actions
    assert not {a for a in actions if a.startswith("connect:Start")}


def test_no_function_may_act_on_resources_of_other_stacks_or_accounts(template):
    for statement in _statements(template):
        text = json.dumps(statement["Resource"])
        for wide in ("identity/*", "instance/*", "iam::*", ":*:*:", "phone-number-id/*", "stream/*"):
            assert wide not in text, statement


def test_a_stage_naming_another_stages_resources_is_refused(template):
    stages = json.loads(Path(".chalice/config.json").read_text())["stages"]
    environments = {name: infra.stage_environment(name) for name in stages}
    assert all(infra.stage_problems(name, environments) == [] for name in stages)
    # Given a dev stage reading production's contact records, and one reading no stream of its own
    shared = {**environments, "dev": {**environments["dev"],
                                      "CONTACT_RECORDS_STREAM": environments["prod"]["CONTACT_RECORDS_STREAM"]}}
    missing = {**environments, "dev": {k: v for k, v in environments["dev"].items() if k != "CONTACT_RECORDS_STREAM"}}
    # (app.py would fall back to a name every stage shares)
    no_agent_events = {**environments, "dev": {k: v for k, v in environments["dev"].items()
                                               if k != "AGENT_EVENTS_STREAM"}}
    renamed = {**environments, "dev": {**environments["dev"], "ORDERS_TABLE": "contact-center-prod-orders-copy"}}
    # Then packaging refuses each, naming the setting
    assert infra.stage_problems("dev", shared) == [
        "CONTACT_RECORDS_STREAM=contact-center-prod-contact-records is stage 'prod''s too"]
    assert infra.stage_problems("dev", missing) == ["CONTACT_RECORDS_STREAM is not set for the stage"]
    assert infra.stage_problems("dev", no_agent_events) == ["AGENT_EVENTS_STREAM is not set for the stage"]
    assert infra.stage_problems("dev", renamed) == ["ORDERS_TABLE=contact-center-prod-orders-copy names stage 'prod'"]
    # And the template consumes this stage's streams
    for function, stream in [("OnContactRecord", "contact-records"), ("OnAgentEvent", "agent-events")]:
        [event] = template["Resources"][function]["Properties"]["Events"].values()
        assert event["Properties"]["Stream"]["Fn::Sub"].endswith(f":stream/contact-center-{STAGE}-{stream}")


_NAME = re.compile(r"\w+_(TABLE|ARN|GROUP|SET|ID|TOPIC|QUEUE)")


def test_any_stack_name_works_the_functions_read_the_names_the_stack_creates(template):
    # Given the template deployed as a stack not named contact-center-<stage>
    instance = "arn:aws:connect:eu-west-1:210987654321:instance/11111111-2222-3333-4444-555555555555"
    stack = Stack(template, "acme-care-eu", {
        "ConnectInstanceArn": instance, "WhatsAppPhoneNumberId": "pn-1",
        "SmsOriginationIdentityArn": "arn:aws:sms-voice:eu-west-1:210987654321:pool/pool-1",
        "SmsConfigurationSetArn": "arn:aws:sms-voice:eu-west-1:210987654321:configuration-set/acme-sms"})
    created = stack.created() | {v for v in stack.parameters.values() if v}
    for name in _functions(template):
        environment = stack.environment(name)
        # Then every name or ARN a function reads is one the stack creates (or a parameter)
        wrong = {k: v for k, v in environment.items() if _NAME.fullmatch(k) and v and v not in created}
        assert wrong == {}, name
        assert stack.resolve(template["Resources"][name]["Properties"]["FunctionName"]).startswith("acme-care-eu-")
    worker = stack.environment("ScheduledStep")
    assert worker["SCHEDULE_GROUP"] == "acme-care-eu-schedules"
    assert worker["SCHEDULED_STEP_ARN"] == stack.arn("ScheduledStep")
    assert stack.environment("APIHandler")["SES_CONFIGURATION_SET"] == "acme-care-eu-email"
    # And every resource a role names is the stack's, or one the stage names outside it
    outside = {"EMAIL_SENDER", "TOKEN_SECRET_PARAMETER", "CONTACT_RECORDS_STREAM", "AGENT_EVENTS_STREAM"}
    settings = infra.stage_environment(STAGE)
    external = [settings[k].rpartition("@")[2] for k in outside] + [settings[k] for k in outside]
    arns = {a for a in created if a.startswith("arn:")}
    for statement in _statements(template):
        for resource in stack.resolve(statement["Resource"]) if isinstance(statement["Resource"], list) \
                else [stack.resolve(statement["Resource"])]:
            ours = any(resource == a or resource.startswith(a.rstrip("*") + ("" if a.endswith("*") else "/"))
                       or resource.startswith(a + ":") for a in arns)
            ours = ours or resource.startswith(instance + "/contact/") or any(
                resource.startswith(f"arn:aws:scheduler:eu-west-1:210987654321:schedule/{g}/")
                for g in created)
            assert ours or any(resource.endswith(e) for e in external) or resource.endswith("phone-number-id/pn-1"), \
                (statement.get("Sid"), resource)


def test_operators_hear_of_failures(template):
    alarms = resources(template, "AWS::CloudWatch::Alarm")
    topic = {"Fn::If": ["CreateAlarmTopic", {"Ref": "AlarmTopic"}, {"Ref": "AlarmTopicArn"}]}
    assert alarms and all(a["Properties"]["AlarmActions"] == [topic] for a in alarms.values())
    watched = {(a["Properties"]["MetricName"], json.dumps(a["Properties"]["Dimensions"][0]["Value"]))
               for a in alarms.values()}
    # Every dead-letter or failure queue's depth
    for queue in resources(template, "AWS::SQS::Queue"):
        assert ("ApproximateNumberOfMessagesVisible", json.dumps({"Fn::GetAtt": [queue, "QueueName"]})) in watched
    # Each function's errors and throttles
    for name in _functions(template):
        assert {("Errors", json.dumps({"Ref": name})), ("Throttles", json.dumps({"Ref": name}))} <= watched
    # The flow functions' duration against their budget, the contact-record consumer's lag
    budget = int(infra.stage_environment(STAGE)["FLOW_BUDGET_MS"])
    for name in infra.flow_invoked_functions(STAGE):
        duration = alarms[f"{name}DurationAlarm"]["Properties"]
        assert (duration["MetricName"], duration["ExtendedStatistic"], duration["Threshold"]) == (
            "Duration", "p99", budget)
    assert alarms["OnContactRecordIteratorAgeAlarm"]["Properties"]["MetricName"] == "IteratorAge"
    assert template["Parameters"]["AlarmTopicArn"]["Default"] == ""


def test_operators_find_what_to_do_for_every_queue_and_alarm_of_the_stack(template):
    # Given the operations page of the documentation
    page = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text(encoding="utf-8")
    sections = re.findall(r"^### `(\w+)`", page, re.M)
    # Then every dead-letter or failure queue of the stack has its section, and no section names a queue that is gone
    assert sorted(sections) == sorted(resources(template, "AWS::SQS::Queue"))
    # And every kind of alarm is explained
    for alarm in resources(template, "AWS::CloudWatch::Alarm"):
        kind = re.sub(r"^[A-Z]\w*?(Errors|Throttles|Duration|IteratorAge)?Alarm$", r"\1Alarm", alarm)
        assert f"{kind}`" in page, alarm


def test_personal_data_at_rest_is_under_the_data_key_and_public_routes_are_throttled(template):
    key = {"Fn::If": ["CreateDataKey", {"Fn::GetAtt": ["DataKey", "Arn"]}, {"Ref": "DataKeyArn"}]}
    # The e-mail feedback topic carries recipients' addresses; queues hold whole events
    assert template["Resources"]["EmailFeedbackTopic"]["Properties"]["KmsMasterKeyId"] == key
    for queue in resources(template, "AWS::SQS::Queue").values():
        assert queue["Properties"]["KmsMasterKeyId"] == key
    for table in resources(template, "AWS::DynamoDB::Table").values():
        assert table["Properties"]["SSESpecification"] == {"SSEEnabled": True, "SSEType": "KMS",
                                                           "KMSMasterKeyId": key}
    # SES may publish to the encrypted topic, and the key is rotated
    data_key = template["Resources"]["DataKey"]["Properties"]
    assert data_key["EnableKeyRotation"] is True
    publishers = data_key["KeyPolicy"]["Statement"][1]["Principal"]["Service"]
    assert {"ses.amazonaws.com", "events.amazonaws.com", "cloudwatch.amazonaws.com"} <= set(publishers)
    # Survey pages and unsubscribe links are throttled at the API stage, the rest has a ceiling
    api = template["Resources"]["RestAPI"]["Properties"]
    throttled = {(s["ResourcePath"], s["HttpMethod"]): s["ThrottlingRateLimit"] for s in api["MethodSettings"]}
    for path, method in [("/s/{token}", "GET"), ("/s/{token}", "POST"), ("/unsubscribe/{token}", "GET"),
                         ("/unsubscribe/{token}", "POST"), ("/webhooks/whatsapp", "GET"),
                         ("/webhooks/whatsapp", "POST")]:
        assert throttled[("/" + path.replace("/", "~1"), method)] == hardening.PUBLIC_RATE_PER_S
    assert throttled[("/*", "*")] == hardening.API_RATE_PER_S
    # Access logs name the route, never the token or customer id in the path
    assert "$context.resourcePath" in api["AccessLogSetting"]["Format"]
    assert "$context.path" not in api["AccessLogSetting"]["Format"]
    assert "$context.identity.sourceIp" not in api["AccessLogSetting"]["Format"]


def test_a_contact_center_holding_its_own_key_has_every_store_under_it(template):
    # Given the stack deployed with the clinic's own customer-managed key
    own = "arn:aws:kms:eu-west-1:210987654321:key/0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    stack = Stack(template, "clinic-care", {"DataKeyArn": own})
    # Then the stack creates no key of its own
    assert not stack.exists("DataKey")
    # And every table, queue, topic and log group is encrypted with the clinic's key
    stores = {name: r["Properties"] for name, r in template["Resources"].items() if r["Type"] in (
        "AWS::DynamoDB::Table", "AWS::SQS::Queue", "AWS::SNS::Topic", "AWS::Logs::LogGroup") and stack.exists(name)}
    assert len(stores) > 20
    for name, properties in stores.items():
        key = properties.get("SSESpecification", {}).get("KMSMasterKeyId") or properties.get("KmsMasterKeyId") \
            or properties.get("KmsKeyId")
        assert stack.resolve(key) == own, name


def test_no_function_can_take_the_accounts_concurrency(template):
    for name, function in _functions(template).items():
        assert function["Properties"]["ReservedConcurrentExecutions"] >= 1, name


def test_checkov_passes_every_check_or_names_why_it_does_not_apply(package):
    # checkov runs from its own virtualenv (its pinned boto3 differs from the functions')
    checkov = Path(sys.prefix) / "checkov" / "bin" / "checkov"
    env = {**os.environ, "BC_SKIP_MAPPING": "TRUE", "CHECKOV_RUN_SCA_PACKAGE_SCAN_V2": "false"}
    result = subprocess.run([str(checkov), "-f", str(package / "sam.json"), "--framework", "cloudformation",
                             "--compact", "--skip-download", "-o", "json"],
                            capture_output=True, text=True, env=env, timeout=300)
    report = json.loads(result.stdout)
    failed = [(c["check_id"], c["resource"]) for c in report["results"]["failed_checks"]]
    assert failed == [], failed
    assert report["summary"]["passed"] > 300
    # Each suppression sits on its resource with a one-line reason
    for skipped in report["results"]["skipped_checks"]:
        assert skipped["check_result"]["suppress_comment"].strip(), skipped["check_id"]
        assert "\n" not in skipped["check_result"]["suppress_comment"]


def test_the_agent_panel_is_registered_as_a_per_contact_workspace_app_that_writes_to_its_instance_only(template):
    [application] = resources(template, "AWS::AppIntegrations::Application").values()
    properties = application["Properties"]
    assert properties["ApplicationConfig"] == {"ContactHandling": {"Scope": "PER_CONTACT"}}
    assert "Contact.Attributes.View" in properties["Permissions"]
    source = properties["ApplicationSourceConfig"]["ExternalUrlConfig"]
    assert source["AccessUrl"]["Fn::Sub"].endswith("/api/agent")
    assert source["ApprovedOrigins"][0]["Fn::Sub"] == source["AccessUrl"]["Fn::Sub"].removesuffix("/api/agent")
    # The wrap-up's UpdateContactAttributes is derived from the code for the API's
    # function only, on the stack's instance's contacts.
    granted = {name: r for name, r in resources(template, "AWS::IAM::Policy").items()
               if "connect:UpdateContactAttributes" in json.dumps(r)}
    assert list(granted) == ["APIHandlerConnectPolicy"]
    [statement] = granted["APIHandlerConnectPolicy"]["Properties"]["PolicyDocument"]["Statement"]
    assert {"Fn::Sub": "${ConnectInstanceArn}/contact/*"} in statement["Resource"]


def test_the_apis_openapi_document_lies_next_to_the_template_and_describes_its_routes(package, template):
    from openapi_spec_validator import validate

    document = json.loads((package / "openapi.json").read_text(encoding="utf-8"))
    validate(document)
    deployed = {(path, method) for path, item in template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
                ["paths"].items() for method in item if method != "options"}
    described = {(path, method) for path, item in document["paths"].items() for method in item}
    assert described == deployed
    # The stage's authorizer (IAM) guards every route but the public ones
    assert document["components"]["securitySchemes"]["sigv4"]["x-amazon-apigateway-authtype"] == "awsSigv4"
    assert document["paths"]["/customers"]["post"]["security"] == [{"sigv4": []}]
    assert document["paths"]["/s/{token}"]["get"]["security"] == []


def test_agents_and_supervisors_sign_in_through_the_stacks_user_pool_when_the_stage_names_its_domain(template):
    # The pool, its hosted UI domain, the two groups and the panel's client exist only
    # when the AgentSignInDomain parameter (the stage's AGENT_SIGN_IN_DOMAIN) is set.
    created = {name: r for name, r in template["Resources"].items() if r["Type"].startswith("AWS::Cognito::")}
    assert {r.get("Condition") for r in created.values()} <= {"CreateAgentUserPool", "FederateAgents"}
    assert template["Parameters"]["AgentSignInDomain"]["Default"] == ""
    pool = created["AgentUserPool"]
    assert pool["DeletionPolicy"] == "Retain" and pool["Properties"]["AdminCreateUserConfig"] == {
        "AllowAdminCreateUserOnly": True}
    assert sorted(r["Properties"]["GroupName"] for r in created.values()
                  if r["Type"] == "AWS::Cognito::UserPoolGroup") == ["agents", "supervisors"]
    # Federated with the instance's identity provider when its SAML metadata is given
    assert created["AgentIdentityProvider"]["Condition"] == "FederateAgents"
    client = created["AgentPanelClient"]["Properties"]
    assert client["SupportedIdentityProviders"] == {
        "Fn::If": ["FederateAgents", [{"Ref": "AgentIdentityProvider"}], ["COGNITO"]]}
    # The panel gets an ID token back in the fragment of its own address, and no other
    assert (client["AllowedOAuthFlows"], client["GenerateSecret"]) == (["implicit"], False)
    assert [url["Fn::Sub"] for url in client["CallbackURLs"]] == [
        "https://${RestAPI}.execute-api.${AWS::Region}.${AWS::URLSuffix}/api/agent"]
    assert "response_type=token" in template["Outputs"]["AgentSignInUrl"]["Value"]["Fn::Sub"]


def test_a_stage_with_cognito_stack_has_its_authorizer_trust_the_stacks_pool(template):
    import copy

    # Given the template of a stage with API_AUTHORIZER=cognito and COGNITO_USER_POOL_ARN=stack
    # (chalice writes the authorizer with the setting's value)
    staged = copy.deepcopy(template)
    body = staged["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]
    body["securityDefinitions"] = {"agents": {"type": "apiKey", "name": "Authorization", "in": "header",
                                              "x-amazon-apigateway-authtype": "cognito_user_pools",
                                              "x-amazon-apigateway-authorizer": {"type": "cognito_user_pools",
                                                                                 "providerARNs": ["stack"]}}}
    variables = staged["Resources"]["APIHandler"]["Properties"]["Environment"]["Variables"]
    variables["COGNITO_USER_POOL_ARN"] = "stack"
    # When it is hardened
    hardening.agent_user_pool(staged, {"COGNITO_USER_POOL_ARN": "stack", "AGENT_SIGN_IN_DOMAIN": "lumen-agents"})
    # Then the authorizer trusts the stack's pool, the pool is created with the stage's
    # domain, and the API's function reads the pool and the sign-in page from the stack
    pool = {"Fn::GetAtt": ["AgentUserPool", "Arn"]}
    assert body["securityDefinitions"]["agents"]["x-amazon-apigateway-authorizer"]["providerARNs"] == [pool]
    assert staged["Parameters"]["AgentSignInDomain"]["Default"] == "lumen-agents"
    assert variables["COGNITO_USER_POOL_ARN"] == pool
    assert variables["AGENT_SIGN_IN_URL"] == template["Outputs"]["AgentSignInUrl"]["Value"]
    # And a stage asking for the stack's pool without naming its domain is refused
    stages = json.loads(Path(".chalice/config.json").read_text())["stages"]
    environments = {name: infra.stage_environment(name) for name in stages}
    environments["dev"] = {**environments["dev"], "API_AUTHORIZER": "cognito", "COGNITO_USER_POOL_ARN": "stack"}
    assert infra.stage_problems("dev", environments) == [
        "COGNITO_USER_POOL_ARN=stack needs AGENT_SIGN_IN_DOMAIN: "
        "the stack creates the pool only with its sign-in domain"]
