"""Deployable packaging: `chalice package --merge-template` with the CloudFormation
this application needs besides its functions.

The merge template is built from, in order (later pieces deep-merge over earlier):
1. what is generated from the code itself:
   - a DynamoDB table per PynamoDB model of `chalicelib.tables.all_models()` (names
     from the stage in .chalice/config.json, keys, indexes, TTL on `expires_at`);
   - a dead-letter queue for every EventBridge rule the app declares (`on_cw_event`),
     so an event Lambda could not take is kept, not dropped after 24 h of retries;
   - the Amazon Connect pieces: parameters for the instance and queue ARNs, every
     flow of templates/flows/ as an AWS::Connect::ContactFlow, and, for each function
     a flow invokes, the Lambda permission for connect.amazonaws.com scoped to the
     instance plus its association with the instance;
2. every JSON fragment in infra/*.json, in file-name order (for example the SES
   configuration set, or ReportBatchItemFailures on a Kinesis event source), with
   `{app}` and `{stage}` replaced as in the policies, so a fragment can name what
   Chalice names (`{app}-{stage}-scheduled_step`).

Deep merge: objects merge key by key, lists are concatenated, and two pieces that
set the same key to different values are an error naming the key.

The functions' IAM policy is `.chalice/policy-<stage>.json`, written from
`role_policy()`: every action named, every resource named (this stage's tables and
their indexes, its log groups), plus the statements of infra/policies/*.json
(`{"Statement": [...]}`, where `{app}` and `{stage}` are replaced). Chalice uses it
for `chalice deploy` and `chalice package` alike.

    python -m deploy.infra package --stage prod     # out/package/prod/sam.json + deployment.zip
    python -m deploy.infra policy --stage prod      # .chalice/policy-prod.json
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

from deploy import flows, hardening
from deploy.stages import PROJECT, stage_environment

# chalice package talks to no AWS service; it is given a region and fake credentials.
REGION = "eu-central-1"

INFRA = PROJECT / "infra"
CHALICE_DIR = PROJECT / ".chalice"
APP_NAME = flows.APP_NAME
DLQ_RETENTION_S = 14 * 24 * 3600  # the most SQS keeps a message
EVENT_MAX_AGE_S = 24 * 3600
EVENT_RETRIES = 185  # EventBridge's maximum

DYNAMODB_ACTIONS = sorted([
    "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem",
    "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem",
])


class MergeConflict(ValueError):
    pass


def deep_merge(base: Any, extra: Any, path: str = "") -> Any:
    """`extra` merged over `base`: objects key by key, lists concatenated."""
    if isinstance(base, dict) and isinstance(extra, dict):
        merged = dict(base)
        for key, value in extra.items():
            merged[key] = deep_merge(base[key], value, f"{path}.{key}") if key in base else value
        return merged
    if isinstance(base, list) and isinstance(extra, list):
        return base + [item for item in extra if item not in base]
    if base != extra:
        raise MergeConflict(f"two infra pieces set {path.lstrip('.')} differently: {base!r} and {extra!r}")
    return base


def cfn_name(name: str) -> str:
    return flows.cfn_name(name)


# ---- tables ----

def _models() -> list[Any]:
    from chalicelib.tables import all_models

    return all_models()


def table_logical_id(model: Any) -> str:
    return cfn_name(model.Meta.setting.removesuffix("_table")) + "Table"


def table_name(model: Any, stage: str) -> str:
    variable = model.Meta.setting.upper()
    name = stage_environment(stage).get(variable)
    if not name:
        raise SystemExit(f"stage {stage!r} has no {variable} in .chalice/config.json")
    return name


def _key_schema(keys: list[dict[str, str]]) -> list[dict[str, str]]:
    # CloudFormation wants the HASH key first; PynamoDB lists keys by attribute name.
    return sorted(keys, key=lambda k: k["KeyType"] != "HASH")


def _index(schema: dict[str, Any]) -> dict[str, Any]:
    index = {"IndexName": schema["index_name"], "KeySchema": _key_schema(schema["key_schema"]),
             "Projection": {k[0].upper() + k[1:]: v for k, v in schema["projection"].items()}}
    return index


def table_resources(stage: str) -> dict[str, Any]:
    """One AWS::DynamoDB::Table per model, as the model defines it."""
    resources = {}
    for model in _models():
        schema = model._get_schema()
        properties: dict[str, Any] = {
            "TableName": table_name(model, stage),
            "BillingMode": "PAY_PER_REQUEST",
            "AttributeDefinitions": schema["attribute_definitions"],
            "KeySchema": _key_schema(schema["key_schema"]),
            "PointInTimeRecoverySpecification": {"PointInTimeRecoveryEnabled": True},
            "SSESpecification": {"SSEEnabled": True},
        }
        if schema.get("global_secondary_indexes"):
            properties["GlobalSecondaryIndexes"] = [_index(i) for i in schema["global_secondary_indexes"]]
        if schema.get("local_secondary_indexes"):
            properties["LocalSecondaryIndexes"] = [_index(i) for i in schema["local_secondary_indexes"]]
        ttl = [name for name, attr in model.get_attributes().items() if type(attr).__name__ == "TTLAttribute"]
        if ttl:
            properties["TimeToLiveSpecification"] = {"AttributeName": ttl[0], "Enabled": True}
        stream = getattr(model.Meta, "stream_view_type", None)
        if stream:
            properties["StreamSpecification"] = {"StreamViewType": stream}
        # Customer data outlives a stack: deleting or replacing the stack keeps the table.
        resources[table_logical_id(model)] = {"Type": "AWS::DynamoDB::Table", "DeletionPolicy": "Retain",
                                              "UpdateReplacePolicy": "Retain", "Properties": properties}
    return resources


# ---- IAM ----

def role_policy(stage: str) -> dict[str, Any]:
    """The functions' policy: named actions on this stage's resources only."""
    tables = [f"arn:aws:dynamodb:*:*:table/{table_name(model, stage)}" for model in _models()]
    statements: list[dict[str, Any]] = [
        {"Sid": "Logs", "Effect": "Allow", "Action": ["logs:CreateLogGroup", "logs:CreateLogStream",
                                                       "logs:PutLogEvents"],
         "Resource": [f"arn:aws:logs:*:*:log-group:/aws/lambda/{APP_NAME}-{stage}-*",
                      f"arn:aws:logs:*:*:log-group:/aws/lambda/{APP_NAME}-{stage}-*:log-stream:*"]},
        {"Sid": "Tables", "Effect": "Allow", "Action": DYNAMODB_ACTIONS,
         "Resource": sorted(tables + [f"{arn}/index/*" for arn in tables])},
    ]
    for path in sorted((INFRA / "policies").glob("*.json")):
        text = path.read_text(encoding="utf-8").replace("{app}", APP_NAME).replace("{stage}", stage)
        statements += json.loads(text)["Statement"]
    return {"Version": "2012-10-17", "Statement": statements}


def policy_problems(policy: dict[str, Any]) -> list[str]:
    """Wildcard actions or resources that would grant more than this stage needs."""
    problems = []
    for statement in policy["Statement"]:
        actions = statement.get("Action", [])
        resources = statement.get("Resource", [])
        for action in [actions] if isinstance(actions, str) else actions:
            if action == "*" or action.endswith(":*"):
                problems.append(f"statement {statement.get('Sid', '?')}: action {action!r} is a wildcard")
        for resource in [resources] if isinstance(resources, str) else resources:
            if resource == "*" or (isinstance(resource, str) and resource.endswith(":table/*")):
                problems.append(f"statement {statement.get('Sid', '?')}: resource {resource!r} is a wildcard")
    return problems


def write_policy(stage: str) -> Path:
    policy = role_policy(stage)
    problems = policy_problems(policy)
    if problems:
        raise SystemExit("IAM policy too broad:\n  " + "\n  ".join(problems))
    path = CHALICE_DIR / f"policy-{stage}.json"
    path.write_text(json.dumps(policy, indent=2) + "\n", encoding="utf-8")
    return path


# ---- events ----

def event_patches(app: Any) -> dict[str, Any]:
    """A dead-letter queue and a bounded retry policy on every EventBridge rule of the app."""
    from chalice.app import CloudWatchEventConfig

    rules = [source for source in app.event_sources if isinstance(source, CloudWatchEventConfig)]
    if not rules:
        return {}
    resources: dict[str, Any] = {
        "EventsDeadLetterQueue": {"Type": "AWS::SQS::Queue", "Properties": {
            "MessageRetentionPeriod": DLQ_RETENTION_S, "SqsManagedSseEnabled": True}},
        "EventsDeadLetterQueuePolicy": {"Type": "AWS::SQS::QueuePolicy", "Properties": {
            "Queues": [{"Ref": "EventsDeadLetterQueue"}],
            "PolicyDocument": {"Version": "2012-10-17", "Statement": [{
                "Sid": "EventBridgeDeadLetters", "Effect": "Allow",
                "Principal": {"Service": "events.amazonaws.com"}, "Action": "sqs:SendMessage",
                "Resource": {"Fn::GetAtt": ["EventsDeadLetterQueue", "Arn"]},
                "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}}]}}},
    }
    for rule in rules:
        # Chalice's names: the function after the handler, its event after "<handler>-event".
        function, event = cfn_name(rule.name), cfn_name(f"{rule.name}-event")
        resources[function] = {"Properties": {"Events": {event: {"Properties": {
            "DeadLetterConfig": {"Arn": {"Fn::GetAtt": ["EventsDeadLetterQueue", "Arn"]}},
            "RetryPolicy": {"MaximumEventAgeInSeconds": EVENT_MAX_AGE_S, "MaximumRetryAttempts": EVENT_RETRIES},
        }}}}}
    return {"Resources": resources,
            "Outputs": {"EventsDeadLetterQueueUrl": {"Value": {"Ref": "EventsDeadLetterQueue"}}}}


# ---- Amazon Connect ----

def flow_invoked_functions(stage: str) -> list[str]:
    """Functions of this app that our flows invoke (their Lambda ARN names them)."""
    names = set()
    for flow in flows.render_all(stage, cloudformation=True).values():
        for action in flow["Actions"]:
            if action["Type"] == "InvokeLambdaFunction":
                arn = action["Parameters"]["LambdaFunctionARN"]
                names.add(arn.removeprefix("${").removesuffix(".Arn}"))
    return sorted(names)


def connect_resources(stage: str) -> dict[str, Any]:
    connect = flows.stage_connect(stage)
    parameters: dict[str, Any] = {"ConnectInstanceArn": {
        "Type": "String", "Default": connect.get("instance_arn", ""), "AllowedPattern": r"^$|^arn:aws[\w-]*:connect:.+",
        "Description": "ARN of the Amazon Connect instance the flows run in (empty: no flows, no Connect wiring)"}}
    for key in [*flows.queue_keys(), *flows.TASK_QUEUE_KEYS]:
        parameters[flows.queue_parameter(key)] = {
            "Type": "String", "Default": connect.get("queues", {}).get(key, ""),
            "Description": f"ARN of the Connect queue the flows use for '{key}'"}
    resources: dict[str, Any] = {}
    outputs: dict[str, Any] = {}
    associations = []
    for function in flow_invoked_functions(stage):
        resources[f"{function}ConnectPermission"] = {
            "Type": "AWS::Lambda::Permission", "Condition": "HasConnect", "Properties": {
                "Action": "lambda:InvokeFunction", "FunctionName": {"Fn::GetAtt": [function, "Arn"]},
                "Principal": "connect.amazonaws.com", "SourceArn": {"Ref": "ConnectInstanceArn"},
                "SourceAccount": {"Ref": "AWS::AccountId"}}}
        resources[f"{function}ConnectIntegration"] = {
            "Type": "AWS::Connect::IntegrationAssociation", "Condition": "HasConnect", "Properties": {
                "InstanceId": {"Ref": "ConnectInstanceArn"}, "IntegrationType": "LAMBDA_FUNCTION",
                "IntegrationArn": {"Fn::GetAtt": [function, "Arn"]}}}
        associations.append(f"{function}ConnectIntegration")
    for name in flows.template_names():
        content = json.dumps(flows.render(name, stage, cloudformation=True), ensure_ascii=False,
                             separators=(",", ":"))
        resources[flows.flow_resource(name)] = {
            "Type": "AWS::Connect::ContactFlow", "Condition": "HasConnect", "DependsOn": associations,
            "Properties": {
                "InstanceArn": {"Ref": "ConnectInstanceArn"},
                "Name": f"{APP_NAME}-{stage} {name.replace('_', ' ')}",
                "Type": flows.FLOW_TYPE, "State": "ACTIVE",
                "Description": f"{name.replace('_', ' ')} ({APP_NAME}, stage {stage}), from templates/flows",
                "Content": {"Fn::Sub": content}}}
        outputs[f"{flows.flow_resource(name)}Arn"] = {"Condition": "HasConnect",
                                                      "Value": {"Ref": flows.flow_resource(name)}}
    return {"Parameters": parameters,
            "Conditions": {"HasConnect": {"Fn::Not": [{"Fn::Equals": [{"Ref": "ConnectInstanceArn"}, ""]}]}},
            "Resources": resources, "Outputs": outputs}


# ---- stages ----

# Settings that name something outside the stack (or a table, kept when the stack goes).
_RESOURCE_SETTING = re.compile(r"\w+_(TABLE|STREAM|TOPIC|TOPIC_ARN|PARAMETER|SCHEDULE_GROUP|CONFIGURATION_SET|ARN)")


# The Kinesis streams a stage consumes: created outside the stack (Connect's data
# streaming writes to them), so only the stage's settings keep stages apart.
STAGE_STREAMS = ("CONTACT_RECORDS_STREAM", "AGENT_EVENTS_STREAM")


def stage_names(environment: dict[str, str]) -> dict[str, str]:
    """The resource names a stage's settings give."""
    return {k: v for k, v in environment.items() if _RESOURCE_SETTING.fullmatch(k) and v}


def stage_problems(stage: str, environments: dict[str, dict[str, str]]) -> list[str]:
    """What is wrong with the names `stage` gives, among `environments` (every stage's
    settings): another stage's resource, or a stream it reads that is not its own
    (app.py falls back to one name for every stage)."""
    problems = []
    own = stage_names(environments[stage])
    for stream in STAGE_STREAMS:
        if stream not in own:
            problems.append(f"{stream} is not set for the stage")
    settings = environments[stage]
    if settings.get("COGNITO_USER_POOL_ARN") == "stack" and not settings.get("AGENT_SIGN_IN_DOMAIN"):
        problems.append("COGNITO_USER_POOL_ARN=stack needs AGENT_SIGN_IN_DOMAIN: the stack creates the pool "
                        "only with its sign-in domain")
    for other, environment in environments.items():
        if other == stage:
            continue
        theirs = stage_names(environment)
        for key, value in sorted(own.items()):
            words = set(re.split(r"[^A-Za-z0-9]+", value))
            if value in theirs.values():
                problems.append(f"{key}={value} is stage {other!r}'s too")
            elif other in words and stage not in words:
                problems.append(f"{key}={value} names stage {other!r}")
    return problems


def check_stage_names(stage: str) -> None:
    """Refuse a stage whose settings name another stage's resources: a dev stack must
    never read production's customers or contact records."""
    stages = json.loads((CHALICE_DIR / "config.json").read_text(encoding="utf-8"))["stages"]
    problems = stage_problems(stage, {name: stage_environment(name) for name in stages})
    if problems:
        raise SystemExit(f"stage {stage!r} in .chalice/config.json:\n  " + "\n  ".join(problems))


# ---- the merge template ----

def fragments() -> list[Path]:
    return sorted(INFRA.glob("*.json"))


def merge_template(stage: str, app: Any) -> dict[str, Any]:
    template: dict[str, Any] = {"Resources": table_resources(stage),
                                "Outputs": {f"{table_logical_id(m)}Name": {"Value": {"Ref": table_logical_id(m)}}
                                            for m in _models()}}
    template = deep_merge(template, event_patches(app))
    template = deep_merge(template, connect_resources(stage))
    for path in fragments():
        text = path.read_text(encoding="utf-8").replace("{app}", APP_NAME).replace("{stage}", stage)
        try:
            template = deep_merge(template, json.loads(text))
        except MergeConflict as e:
            raise SystemExit(f"{path.relative_to(PROJECT)}: {e}") from None
    return template


def _chalice_env() -> dict[str, str]:
    # chalice package talks to no AWS service; fake credentials keep it from reading anyone's.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env.update({"AWS_ACCESS_KEY_ID": "packaging", "AWS_SECRET_ACCESS_KEY": "packaging",
                "AWS_DEFAULT_REGION": REGION, "AWS_CONFIG_FILE": os.devnull,
                "AWS_SHARED_CREDENTIALS_FILE": os.devnull})
    return env


def package(stage: str, out: Path | None = None) -> Path:
    """Build out/package/<stage>: sam.json (merged) and deployment.zip. Returns the directory."""
    from devkit import localenv

    check_stage_names(stage)
    localenv.apply()
    from app import app

    out = out or PROJECT / "out" / "package" / stage
    out.mkdir(parents=True, exist_ok=True)
    write_policy(stage)
    merge = out / "merge-template.json"
    merge.write_text(json.dumps(merge_template(stage, app), ensure_ascii=False, indent=1), encoding="utf-8")
    # The cached package was slimmed in place by an earlier run: if what is kept has
    # changed since (a new AWS service, say), chalice must build it afresh.
    stale = deployment_cache()
    if stale is not None and _slim_mark(stale) != _slim_signature():
        stale.unlink()
    chalice = Path(sys.executable).with_name("chalice")
    subprocess.run([str(chalice), "package", "--stage", stage, "--pkg-format", "cloudformation",
                    "--merge-template", str(merge), str(out)],
                   cwd=PROJECT, env=_chalice_env(), check=True, stdout=subprocess.DEVNULL)
    slim(out / "deployment.zip")
    pack_knowledge(out / "deployment.zip")
    # `chalice deploy` reuses the dependency zip `chalice package` just cached: slimmed
    # the same way, it ships what the stack ships.
    cached = deployment_cache()
    if cached is not None:
        slim(cached)
        pack_knowledge(cached)
        _slim_mark_path(cached).write_text(_slim_signature(), encoding="utf-8")
    template_path = out / "sam.json"
    template = hardening.harden(json.loads(template_path.read_text(encoding="utf-8")), stage,
                                flow_invoked_functions(stage))
    template_path.write_text(json.dumps(pin_policy_arns(template), indent=2) + "\n", encoding="utf-8")
    write_openapi(out / "openapi.json")
    return out


def write_openapi(path: Path) -> Path:
    """The REST API's OpenAPI document (chalicelib/openapi.py), for the stage's authorizer."""
    from devkit import localenv

    localenv.apply()
    from chalicelib import openapi

    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(openapi.document(), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return path


# Data the functions never read: babel's locales other than the languages messages
# are written in (their regional variants and `root` stay: babel falls back through
# them), libphonenumber's geocoding and carrier names (only parsing and validation
# are used), and botocore's models of the 430-odd AWS services the functions never
# call (16 MB of the 20). Most of the package, and cold starts download all of it.
# English as written where the contact centers' customers mostly are (the EU, the UK,
# North America, Oceania, India, South Africa; 001 and 150 are the parents babel
# resolves them through). English elsewhere is formatted as plain `en`.
ENGLISH_REGIONS = ("001", "150", "US", "GB", "IE", "MT", "CY", "DE", "AT", "NL", "BE", "DK", "FI", "SE", "SI",
                   "CH", "CA", "AU", "NZ", "IN", "ZA")
_UNUSED_DATA = (
    # Message catalogues' tooling (extracting and compiling translations), not formatting.
    "babel/messages/",
    "phonenumbers/geodata/", "phonenumbers/carrierdata/",
    # Holiday names translated into other languages: the forecast asks for dates only,
    # and without these files the library keeps each country's own names.
    "holidays/locale/",
    # Stock exchanges' calendars: only countries' public holidays are asked for.
    "holidays/financial/",
    # Powertools' REST resolver and its OpenAPI/Swagger assets: routes are Chalice's;
    # only the Logger and Metrics are used (the Logger needs `utilities.jmespath_utils`,
    # type hints `utilities.typing`; no other utility is imported).
    "aws_lambda_powertools/event_handler/",
    *(f"aws_lambda_powertools/utilities/{name}/" for name in (
        "auth_alpha", "batch", "circuit_breaker", "data_classes", "data_masking", "feature_flags",
        "idempotency", "kafka", "metadata", "parameters", "parser", "streaming", "validation")),
    # Short numbers (112, 1919...): callers are recognised by their full numbers only.
    "phonenumbers/shortdata/region_",
    # dateutil's own copy of the time-zone database: zones come from `tzdata`
    # (zoneinfo); botocore asks dateutil only for UTC and the local zone.
    "dateutil/zoneinfo/dateutil-zoneinfo.tar.gz",
    # boto3's resource models: the code uses clients, never resources.
    "boto3/data/",
    # The reason model's training sentences: the functions read the trained model.
    "chalicelib/reasons/examples/",
)
# Installers' file lists and type stubs: nothing reads them at run time (a package's
# METADATA and licence files stay).
_UNUSED_SUFFIXES = (".dist-info/RECORD", ".pyi")
# The AWS services the functions create clients for (PynamoDB's is DynamoDB);
# test_packaging checks this against every client the code creates. botocore's
# top-level data (endpoints, partitions, retry rules, defaults) is always kept.
BOTOCORE_SERVICES = ("connect", "connectcases", "dynamodb", "pinpoint-sms-voice-v2", "scheduler", "sesv2",
                     "socialmessaging", "sqs", "ssm")
_BOTOCORE_DATA = "botocore/data/"


def _unused(name: str, locale_file: re.Pattern[str]) -> bool:
    if name.startswith("babel/locale-data/"):
        return not locale_file.match(name.rsplit("/", 1)[1])
    if name.startswith(_BOTOCORE_DATA):
        service, _, rest = name[len(_BOTOCORE_DATA):].partition("/")
        # Examples are documentation; a kept service keeps its model, paginators,
        # waiters and endpoint rules.
        return bool(rest) and (service not in BOTOCORE_SERVICES or rest.endswith("/examples-1.json"))
    return name.startswith(_UNUSED_DATA) or name.endswith(_UNUSED_SUFFIXES)


def _slim_signature() -> str:
    return json.dumps({"services": BOTOCORE_SERVICES, "unused": [*_UNUSED_DATA, *_UNUSED_SUFFIXES],
                       "english": ENGLISH_REGIONS})


def _slim_mark_path(cached: Path) -> Path:
    return cached.with_name(cached.name + ".slimmed")


def _slim_mark(cached: Path) -> str | None:
    mark = _slim_mark_path(cached)
    return mark.read_text(encoding="utf-8") if mark.exists() else None


def deployment_cache() -> Path | None:
    """The package chalice cached last (named by a hash of the requirements and the
    app's files), which `chalice deploy` reuses while neither changes."""
    cached = list((PROJECT / ".chalice" / "deployments").glob("*.zip"))
    return max(cached, key=lambda path: path.stat().st_mtime) if cached else None


def slim(zip_path: Path) -> tuple[int, int]:
    """Rewrite the deployment zip without data the functions never read. Returns the
    sizes before and after, in bytes."""
    from chalicelib.notify.render import LANGUAGES

    others = "|".join(language for language in LANGUAGES if language != "en")
    locale_file = re.compile(r"^(root|({})(_\w+)?|en(_({}))?)\.dat$".format(others, "|".join(ENGLISH_REGIONS)))
    before = zip_path.stat().st_size
    slimmed = zip_path.with_suffix(".slim.zip")
    with zipfile.ZipFile(zip_path) as source, \
            zipfile.ZipFile(slimmed, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            if not _unused(info.filename, locale_file):
                target.writestr(info, source.read(info), compress_type=zipfile.ZIP_DEFLATED)
    slimmed.replace(zip_path)
    return before, zip_path.stat().st_size


def pack_knowledge(zip_path: Path) -> int:
    """Put the knowledge base's compiled index in the zip in place of its Markdown
    sources, which the functions then never read. A broken article or quick response
    stops packaging here, naming its file and line. Returns the index size in bytes."""
    from chalicelib.knowledge import index, quick

    quick.check_all()
    document = json.dumps(index.build(), ensure_ascii=False, separators=(",", ":"), sort_keys=True).encode()
    sources = "chalicelib/knowledge/articles/"
    rewritten = zip_path.with_suffix(".kb.zip")
    with zipfile.ZipFile(zip_path) as source, \
            zipfile.ZipFile(rewritten, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as target:
        for info in source.infolist():
            if not info.filename.startswith(sources) and info.filename != "chalicelib/knowledge/index.json":
                target.writestr(info, source.read(info), compress_type=zipfile.ZIP_DEFLATED)
        entry = zipfile.ZipInfo("chalicelib/knowledge/index.json", date_time=(2020, 1, 1, 0, 0, 0))
        entry.external_attr = 0o644 << 16
        target.writestr(entry, document, compress_type=zipfile.ZIP_DEFLATED)
    rewritten.replace(zip_path)
    return len(document)


def pin_policy_arns(template: dict[str, Any]) -> dict[str, Any]:
    """In the stack, the policy's resources are this account's and region's: the
    policy file leaves those two parts open because `chalice deploy` has no stack."""
    def pin(value: Any) -> Any:
        if isinstance(value, str) and value.startswith("arn:aws:") and ":*:*:" in value:
            return {"Fn::Sub": value.replace("arn:aws:", "arn:${AWS::Partition}:", 1)
                    .replace(":*:*:", ":${AWS::Region}:${AWS::AccountId}:", 1)}
        if isinstance(value, list):
            return [pin(item) for item in value]
        return value

    for resource in template.get("Resources", {}).values():
        if resource.get("Type") != "AWS::IAM::Role":
            continue
        for policy in resource.get("Properties", {}).get("Policies", []):
            for statement in policy.get("PolicyDocument", {}).get("Statement", []):
                if "Resource" in statement:
                    statement["Resource"] = pin(statement["Resource"])
    return template


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m deploy.infra", description=__doc__.split("\n\n")[0])
    parser.add_argument("command", choices=["package", "policy", "merge-template", "openapi"])
    parser.add_argument("--stage", default="dev")
    parser.add_argument("--out", type=Path, default=None)
    args = parser.parse_args(argv)
    stage_environment(args.stage)
    if args.command == "policy":
        print(write_policy(args.stage))
    elif args.command == "openapi":
        print(write_openapi(args.out or PROJECT / "out" / "openapi.json"))
    elif args.command == "merge-template":
        from devkit import localenv

        localenv.apply()
        from app import app

        print(json.dumps(merge_template(args.stage, app), ensure_ascii=False, indent=1))
    else:
        out = package(args.stage, args.out)
        print(f"{out / 'sam.json'}\n{out / 'deployment.zip'}\n{out / 'openapi.json'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
