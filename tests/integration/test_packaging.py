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

from deploy import flows, infra

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


def test_functions_reach_only_this_stages_tables(template):
    tables = [json.dumps(r) for s in _statements(template) if s.get("Sid") == "Tables" for r in s["Resource"]]
    assert tables and all(f"table/contact-center-{STAGE}-" in arn for arn in tables)


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


def test_contact_flow_functions_stop_before_connect_gives_up(template):
    for name in infra.flow_invoked_functions(STAGE):
        assert template["Resources"][name]["Properties"]["Timeout"] <= 8, name


def test_the_deployment_zip_holds_the_app_and_its_runtime_only(package):
    names = zipfile.ZipFile(package / "deployment.zip").namelist()
    top = {n.split("/")[0] for n in names}
    assert "app.py" in top and "chalicelib" in top
    assert not top & {"devkit", "deploy", "tests", "moto", "templates", "infra", "pytest", "hypothesis", "cfnlint"}


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
for name, kind in sorted(messages.TYPES.items()):
    for language in LANGUAGES:
        rendered = render("email", kind, messages.check_variables(kind, kind.sample), locale=locale_for(language),
                          time_zone="Europe/Bucharest", brand=brand, first_name="Ana",
                          unsubscribe_url="https://example.test/unsubscribe/t")
        assert rendered.subject and rendered.text and rendered.html
from chalicelib.knowledge import index
assert index.INDEX_FILE.exists() and not index.INDEX_FILE.with_name("articles").exists()
assert index.load().search("factura platita de doua ori", "ro")[0].article["id"] == "double-charge-refund"
print("ok", len(messages.TYPES) * len(LANGUAGES))
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
    assert (package / "deployment.zip").stat().st_size < 6_000_000


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


def test_journey_schedules_may_only_run_journey_step_and_keep_what_keeps_failing(template):
    role = template["Resources"]["JourneySchedulerRole"]["Properties"]
    assert role["AssumeRolePolicyDocument"]["Statement"][0]["Principal"] == {"Service": "scheduler.amazonaws.com"}
    [policy] = role["Policies"]
    granted = {s["Action"]: s["Resource"] for s in policy["PolicyDocument"]["Statement"]}
    assert granted == {"lambda:InvokeFunction": {"Fn::GetAtt": ["JourneyStep", "Arn"]},
                       "sqs:SendMessage": {"Fn::GetAtt": ["JourneyDeadLetterQueue", "Arn"]}}
    for name in ("APIHandler", "StartReturn"):
        variables = template["Resources"][name]["Properties"]["Environment"]["Variables"]
        assert variables["JOURNEY_STEP_FUNCTION_ARN"] == {"Fn::GetAtt": ["JourneyStep", "Arn"]}
        assert variables["JOURNEY_SCHEDULER_ROLE_ARN"] == {"Fn::GetAtt": ["JourneySchedulerRole", "Arn"]}
        assert variables["JOURNEY_SCHEDULE_GROUP"] == "contact-center-prod-journeys"
    assert template["Resources"]["JourneySchedules"]["Properties"]["Name"] == {"Fn::Sub": "${AWS::StackName}-journeys"}


def test_whatsapp_events_reach_their_handler_which_knows_the_one_topic_to_trust(template):
    function = template["Resources"]["OnWhatsappEvent"]["Properties"]
    [subscription] = function["Events"].values()
    assert (subscription["Type"], subscription["Properties"]["Topic"]) == ("SNS", {"Fn::Sub": "${WhatsAppEventsTopic}"})
    assert function["Environment"]["Variables"]["WHATSAPP_EVENTS_TOPIC_ARN"] == {"Ref": "WhatsAppEventsTopic"}
    assert function["DeadLetterQueue"]["TargetArn"] == {"Fn::GetAtt": ["JourneyDeadLetterQueue", "Arn"]}
    publisher = template["Resources"]["WhatsAppEventsTopicPolicy"]["Properties"]["PolicyDocument"]["Statement"][0]
    assert publisher["Principal"] == {"Service": "social-messaging.amazonaws.com"}
