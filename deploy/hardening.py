"""What the packaged template adds around the functions Chalice generates, so each
function may do only its own job, nothing is lost when one fails, and operators hear
of it without looking.

Applied to `chalice package`'s template (where every function, its role and the API
exist), in this order:

- **Names from the stack.** Every function is named `<stack>-<function>`, and every
  name or ARN a function reads that the stack creates (tables, schedule groups, the
  SES configuration set, queues, roles, topics) is handed to it as an intrinsic in its
  environment, so any stack name works: `.chalice/config.json` names only what lives
  outside the stack.
- **Keys.** One customer-managed KMS key (`DataKey`, rotated yearly) encrypts every
  queue, topic, table and log group, unless the `DataKeyArn` parameter names the
  contact center's own key.
- **Nothing lost.** Every asynchronously invoked function (SNS, EventBridge rules,
  Scheduler targets) has a dead-letter queue; Kinesis consumers send what keeps
  failing to an on-failure queue.
- **Least privilege, derived from the code.** Each function's role allows the AWS
  calls its code path can make (the modules app.py's handler imports, transitively,
  function-local imports included) on the resources this stack creates or the stage
  names, and nothing else: `lookup_customer` reads and writes its tables and logs.
- **Operations.** The API stage keeps access logs (no personal data: templated paths,
  no addresses) and throttles the public routes; CloudWatch alarms watch every
  dead-letter queue, each function's errors and throttles, the contact-flow functions'
  duration against their budget and the stream consumers' iterator age, and publish
  to `AlarmTopicArn` (or the stack's own alarm topic).
- **Scanner suppressions.** The checkov checks that do not apply are suppressed on the
  resource with a one-line reason (`SUPPRESSIONS`); `make test` fails on any other.
"""

from __future__ import annotations

import ast
import copy
import functools
import re
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
DLQ_RETENTION_S = 14 * 24 * 3600
LOG_RETENTION_DAYS = 90
# Public routes (survey pages, unsubscribe links): a link forwarded to a crowd or a
# scripted client must not take the API's account-wide rate from the agents' tools.
PUBLIC_RATE_PER_S = 20
PUBLIC_BURST = 40
API_RATE_PER_S = 200
API_BURST = 400
STREAM_MAX_ITERATOR_AGE_MS = 5 * 60 * 1000
DATA_KEY = {"Fn::If": ["CreateDataKey", {"Fn::GetAtt": ["DataKey", "Arn"]}, {"Ref": "DataKeyArn"}]}
ALARM_TOPIC = {"Fn::If": ["CreateAlarmTopic", {"Ref": "AlarmTopic"}, {"Ref": "AlarmTopicArn"}]}

DYNAMODB_ACTIONS = sorted([
    "dynamodb:BatchGetItem", "dynamodb:BatchWriteItem", "dynamodb:ConditionCheckItem", "dynamodb:DeleteItem",
    "dynamodb:DescribeTable", "dynamodb:GetItem", "dynamodb:PutItem", "dynamodb:Query", "dynamodb:UpdateItem",
])

# checkov checks that do not apply, by resource type: the reason is written into the
# template next to the suppression.
SUPPRESSIONS: dict[str, dict[str, str]] = {
    "AWS::Serverless::Function": {
        "CKV_AWS_117": "Reaches only AWS APIs over TLS with IAM; a VPC would add NAT cost and cold-start time",
        "CKV_AWS_173": "No secret in the environment: the link-signing secret is read from SSM at run time",
    },
    "AWS::Serverless::Api": {
        "CKV_AWS_120": "Answers are per caller and hold personal data: nothing may be cached",
        "CKV_AWS_73": "No X-Ray tracing: the contact-flow cold path stays free of the tracer",
    },
}
SYNCHRONOUS_REASON = "Invoked synchronously ({}): the caller gets the error, there is no event to dead-letter"
KINESIS_REASON = "Stream consumer: records that keep failing go to the event source's on-failure queue"


# ---- what each function's code can call, derived from the code ----

def _module_file(name: str) -> Path | None:
    path = PROJECT / (name.replace(".", "/") + ".py")
    if path.exists():
        return path
    package = PROJECT / name.replace(".", "/") / "__init__.py"
    return package if package.exists() else None


def _imported(tree: ast.AST, package: str, by_name: bool = True) -> set[str]:
    """Modules named by the imports anywhere in `tree` (function-local ones included)
    and, with `by_name`, by "module:function" strings (handlers loaded by name)."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(parts + ([node.module] if node.module else []))
            names.add(base)
            names |= {f"{base}.{alias.name}" for alias in node.names}
        elif by_name and isinstance(node, ast.Constant) and isinstance(node.value, str) \
                and re.fullmatch(r"chalicelib(\.\w+)+:\w+", node.value):
            names.add(node.value.split(":")[0])
    found = set()
    for name in names:
        parts = name.split(".")
        for end in range(1, len(parts) + 1):
            prefix = ".".join(parts[:end])
            if prefix.startswith("chalicelib") and _module_file(prefix):
                found.add(prefix)
    return found


@functools.cache
def _imports_of(module: str) -> frozenset[str]:
    path = _module_file(module)
    if path is None:
        return frozenset()
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    # The wiring's handlers load only when their event comes or their step runs
    # (`_wiring`), not with the wiring itself.
    return frozenset(_imported(ast.parse(path.read_text(encoding="utf-8")), package, by_name=module != WIRING))


WIRING = "chalicelib.wiring"
# Each registry chalicelib/wiring.py registers with, and the code that loads what is
# registered: steps where steps run, the predictor's history sources where it gathers
# evidence, personal-data holders where export and erasure walk them, KPI rate
# providers where a report is first read. (An event's subscribers load where that
# event is announced: `_wiring`.)
LOADED_BY = {
    "steps.register": r"\bsteps\.run\(",
    "history.register": r"\bhistory\.gather\(",
    "holders.register": r"(?<!def )\bholders\(\)",
    "rate_providers.register": r"\brate_providers\.load\(\)",
}


@functools.cache
def _wiring() -> tuple[tuple[re.Pattern[str], str], ...]:
    """Each handler chalicelib/wiring.py names, with the call that loads it: an event's
    subscribers load where that event is announced (to all, or to the first that
    answers), what is registered with a registry where that registry is used
    (LOADED_BY). A name registered any other way is refused: its permissions would
    go missing."""
    path = _module_file(WIRING)
    if path is None:
        return ()
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        named = [a.value for a in getattr(node, "args", ()) if isinstance(a, ast.Constant)
                 and isinstance(a.value, str) and re.fullmatch(r"chalicelib(\.\w+)+:\w+", a.value)]
        if not (isinstance(node, ast.Call) and named):
            continue
        module = named[0].split(":")[0]
        func = node.func
        call = f"{func.value.id}.{func.attr}" if isinstance(func, ast.Attribute) and isinstance(
            func.value, ast.Name) else ast.unparse(func)
        if call == "events.subscribe" and isinstance(node.args[0], ast.Attribute):
            found.append((re.compile(rf"\b(?:announce|first_answer)\(\s*events\.{node.args[0].attr}\b"), module))
        elif call in LOADED_BY:
            found.append((re.compile(LOADED_BY[call]), module))
        else:
            raise ValueError(f"chalicelib/wiring.py line {node.lineno}: {call}() is no registry the packaging "
                             f"knows; name where it loads {named[0]} in deploy/hardening.py LOADED_BY")
    return tuple(found)


def _source(module: str) -> str:
    path = _module_file(module)
    return path.read_text(encoding="utf-8") if path else ""


def reachable(modules: set[str], handler_source: str = "") -> set[str]:
    """The modules a handler can load: its imports' closure, plus the handlers of the
    events it can announce and of the steps it can run, and theirs."""
    found = closure(modules)
    while True:
        text = handler_source + "".join(_source(m) for m in sorted(found))
        more = {module for trigger, module in _wiring() if trigger.search(text)} - found
        if not more:
            return found
        found = closure(found | more)


def closure(modules: set[str]) -> set[str]:
    seen: set[str] = set()
    todo = list(modules)
    while todo:
        module = todo.pop()
        if module not in seen:
            seen.add(module)
            todo += _imports_of(module)
    return seen


_DECORATORS = {"lambda_function", "on_sns_message", "on_cw_event", "on_kinesis_record", "on_sqs_message",
               "schedule", "on_s3_event", "on_dynamodb_record"}


def function_modules(app_file: Path = PROJECT / "app.py") -> dict[str, set[str]]:
    """Each function's logical id (as Chalice names it) and the chalicelib modules its
    handlers can load: the module-level imports of app.py plus each handler's own."""
    from deploy.flows import cfn_name

    tree = ast.parse(app_file.read_text(encoding="utf-8"))
    common = _imported(ast.Module(body=[n for n in tree.body if isinstance(n, (ast.Import, ast.ImportFrom))],
                                  type_ignores=[]), "")
    functions: dict[str, set[str]] = {}
    sources: dict[str, str] = {}
    for node in tree.body:
        if not isinstance(node, ast.FunctionDef):
            continue
        for decorator in node.decorator_list:
            if not (isinstance(decorator, ast.Call) and isinstance(decorator.func, ast.Attribute)):
                continue
            kind = decorator.func.attr
            if kind == "route":
                logical = "APIHandler"
            elif kind in _DECORATORS:
                named = [k.value.value for k in decorator.keywords if k.arg == "name"]
                logical = cfn_name(named[0] if named else node.name)
            else:
                continue
            functions.setdefault(logical, set(common)).update(_imported(node, ""))
            sources[logical] = sources.get(logical, "") + ast.unparse(node)
    return {logical: reachable(modules, sources[logical]) for logical, modules in functions.items()}


@functools.cache
def _operations(service: str) -> tuple[str, dict[str, str]]:
    """The IAM prefix of a boto3 service and its operations by method name."""
    import botocore.session
    from botocore import xform_name

    model = botocore.session.get_session().get_service_model(service)
    prefix = model.metadata.get("signingName") or model.metadata["endpointPrefix"]
    return prefix, {xform_name(name): name for name in model.operation_names}


def aws_calls(modules: set[str]) -> set[str]:
    """IAM actions of the AWS calls `modules` can make: the services whose client
    they create (`aws.client("...")`) and the operations of those services they call,
    as a method or by name."""
    sources = [_module_file(m).read_text(encoding="utf-8") for m in sorted(modules) if _module_file(m)]
    services = {s for text in sources for s in re.findall(r"""aws\.client\(\s*["']([\w-]+)["']""", text)}
    actions = set()
    for service in services:
        prefix, operations = _operations(service)
        for text in sources:
            called = set(re.findall(r"\.([a-z_]+)\(", text)) | set(re.findall(r"""["']([a-z_]+)["']""", text))
            actions |= {f"{prefix}:{operations[name]}" for name in called & operations.keys()}
    return actions


def model_tables(modules: set[str]) -> list[Any]:
    """The tables (their PynamoDB models) the code of `modules` reaches: those whose
    model it defines, and those it names by their setting (`settings.metrics_table`),
    which the low-level client writes without loading the model (the KPI counters,
    quality evaluations)."""
    from chalicelib.tables import all_models

    named = set().union(*(_table_settings(module) for module in modules))
    return [model for model in all_models() if model.__module__ in modules or model.Meta.setting in named]


@functools.cache
def _table_settings(module: str) -> frozenset[str]:
    """The table settings a module names (`settings.metrics_table`)."""
    return frozenset(re.findall(r"\.(\w+_table)\b", _source(module)))


# ---- the template ----

def _sub(text: str) -> dict[str, str]:
    return {"Fn::Sub": text}


def _arn(service: str, resource: str, region: bool = True) -> dict[str, str]:
    where = "${AWS::Region}:${AWS::AccountId}" if region else ":${AWS::AccountId}"
    return _sub(f"arn:${{AWS::Partition}}:{service}:{where}:{resource}")


def _functions(template: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {name: r for name, r in template["Resources"].items() if r["Type"] == "AWS::Serverless::Function"}


def _chalice_name(resource: dict[str, Any]) -> str:
    handler = resource["Properties"]["Handler"].split(".", 1)[1]
    return "api_handler" if handler == "app" else handler


def _suppress(resource: dict[str, Any], check: str, reason: str) -> None:
    skips = resource.setdefault("Metadata", {}).setdefault("checkov", {}).setdefault("skip", [])
    if all(skip["id"] != check for skip in skips):
        skips.append({"id": check, "comment": reason})


def _event_types(function: dict[str, Any]) -> set[str]:
    return {event["Type"] for event in function["Properties"].get("Events", {}).values()}


def asynchronous(template: dict[str, Any], flow_functions: list[str]) -> list[str]:
    """Functions Lambda invokes asynchronously: everything but the API, the contact-flow
    functions (Connect waits for them) and stream consumers (polled by Lambda)."""
    return sorted(name for name, function in _functions(template).items()
                  if name != "APIHandler" and name not in flow_functions
                  and not _event_types(function) & {"Kinesis", "DynamoDB", "SQS"})


def _arn_or_empty(value: str) -> str:
    return value if value.startswith("arn:") else ""


def parameters_and_conditions(environment: dict[str, str]) -> dict[str, Any]:
    return {
        "Parameters": {
            "WhatsAppPhoneNumberId": {
                "Type": "String", "Default": environment.get("WHATSAPP_PHONE_NUMBER_ID", ""),
                "AllowedPattern": r"^[\w-]*$",
                "Description": "End User Messaging Social phone number id WhatsApp messages are sent from "
                               "(empty: no WhatsApp)"},
            "SmsOriginationIdentityArn": {
                "Type": "String", "Default": _arn_or_empty(environment.get("SMS_ORIGINATION_IDENTITY", "")),
                "AllowedPattern": r"^$|^arn:aws[\w-]*:sms-voice:.+",
                "Description": "ARN of the End User Messaging SMS phone number, pool or sender ID SMS are sent "
                               "from (empty: no SMS)"},
            "SmsConfigurationSetArn": {
                "Type": "String", "Default": _arn_or_empty(environment.get("SMS_CONFIGURATION_SET", "")),
                "AllowedPattern": r"^$|^arn:aws[\w-]*:sms-voice:.+",
                "Description": "ARN of the End User Messaging SMS configuration set SMS go through, whose SNS "
                               "event destination is the stack's SMS events topic (empty: none)"},
            "DataKeyArn": {"Type": "String", "Default": "", "AllowedPattern": r"^$|^arn:aws[\w-]*:kms:.+",
                           "Description": "ARN of the contact center's own KMS key for tables, queues, topics and "
                                          "logs (empty: the stack creates one)"},
            "AlarmTopicArn": {"Type": "String", "Default": "", "AllowedPattern": r"^$|^arn:aws[\w-]*:sns:.+",
                              "Description": "SNS topic the alarms publish to (empty: the stack creates one)"},
        },
        "Conditions": {
            "CreateDataKey": {"Fn::Equals": [{"Ref": "DataKeyArn"}, ""]},
            "CreateAlarmTopic": {"Fn::Equals": [{"Ref": "AlarmTopicArn"}, ""]},
            "HasSms": {"Fn::Not": [{"Fn::Equals": [{"Ref": "SmsOriginationIdentityArn"}, ""]}]},
            "HasSmsConfigurationSet": {"Fn::Not": [{"Fn::Equals": [{"Ref": "SmsConfigurationSetArn"}, ""]}]},
        },
    }


def _data_key() -> dict[str, Any]:
    service_use = ["kms:Decrypt", "kms:GenerateDataKey*"]
    publishers = ["ses.amazonaws.com", "social-messaging.amazonaws.com", "sms-voice.amazonaws.com",
                  "events.amazonaws.com", "cloudwatch.amazonaws.com"]
    return {"Type": "AWS::KMS::Key", "Condition": "CreateDataKey", "DeletionPolicy": "Retain",
            "UpdateReplacePolicy": "Retain", "Properties": {
                "Description": {"Fn::Sub": "${AWS::StackName}: contact-center tables, queues, topics and logs"},
                "EnableKeyRotation": True,
                "KeyPolicy": {"Version": "2012-10-17", "Statement": [
                    {"Sid": "AccountAdministers", "Effect": "Allow",
                     "Principal": {"AWS": _sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:root")},
                     "Action": "kms:*", "Resource": "*"},
                    {"Sid": "ServicesPublishEncrypted", "Effect": "Allow",
                     "Principal": {"Service": publishers}, "Action": service_use, "Resource": "*",
                     "Condition": {"StringEquals": {"aws:SourceAccount": {"Ref": "AWS::AccountId"}}}},
                    {"Sid": "LogsEncrypt", "Effect": "Allow",
                     "Principal": {"Service": _sub("logs.${AWS::Region}.amazonaws.com")},
                     "Action": ["kms:Encrypt*", "kms:Decrypt*", "kms:ReEncrypt*", "kms:GenerateDataKey*",
                                "kms:Describe*"], "Resource": "*",
                     "Condition": {"ArnLike": {"kms:EncryptionContext:aws:logs:arn": _arn(
                         "logs", "log-group:*")}}},
                ]}}}


def _queue() -> dict[str, Any]:
    return {"Type": "AWS::SQS::Queue", "Properties": {"MessageRetentionPeriod": DLQ_RETENTION_S}}


def harden(template: dict[str, Any], stage: str, flow_functions: list[str]) -> dict[str, Any]:
    """The template made safe to run, in place (see the module docstring)."""
    from deploy.stages import stage_environment

    environment = stage_environment(stage)
    template = deep_merge_into(template, parameters_and_conditions(environment))
    template.setdefault("Globals", {}).setdefault("Function", {}).setdefault("Environment", {}).setdefault(
        "Variables", {}).update({"WHATSAPP_PHONE_NUMBER_ID": {"Ref": "WhatsAppPhoneNumberId"},
                                 "SMS_ORIGINATION_IDENTITY": {"Ref": "SmsOriginationIdentityArn"},
                                 "SMS_CONFIGURATION_SET": {"Ref": "SmsConfigurationSetArn"}})
    resources = template["Resources"]
    functions = _functions(template)
    resources["DataKey"] = _data_key()
    resources["AlarmTopic"] = {"Type": "AWS::SNS::Topic", "Condition": "CreateAlarmTopic",
                               "Properties": {"DisplayName": "contact-center alarms", "KmsMasterKeyId": DATA_KEY}}
    template.setdefault("Outputs", {})["AlarmTopicArn"] = {"Value": ALARM_TOPIC}

    # Names: every function named after the stack, with its own log group.
    for logical, function in functions.items():
        properties = function["Properties"]
        name = _sub(f"${{AWS::StackName}}-{_chalice_name(function)}")
        properties["FunctionName"] = name
        resources[f"{logical}LogGroup"] = {
            "Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Delete", "Properties": {
                "LogGroupName": _sub(f"/aws/lambda/${{AWS::StackName}}-{_chalice_name(function)}"),
                "RetentionInDays": LOG_RETENTION_DAYS, "KmsKeyId": DATA_KEY}}
        function.setdefault("DependsOn", [])
        if f"{logical}LogGroup" not in function["DependsOn"]:
            function["DependsOn"].append(f"{logical}LogGroup")

    # Nothing lost: a dead-letter queue for every asynchronous function.
    for logical in asynchronous(template, flow_functions):
        properties = functions[logical]["Properties"]
        if "DeadLetterQueue" not in properties:
            resources[f"{logical}DeadLetterQueue"] = _queue()
            properties["DeadLetterQueue"] = {"Type": "SQS",
                                             "TargetArn": {"Fn::GetAtt": [f"{logical}DeadLetterQueue", "Arn"]}}
    # WhatsApp and SMS keep each message they can never handle in their own dead-letter queue, alone.
    for logical, variable in (("OnWhatsappEvent", "WHATSAPP_DEAD_LETTER_QUEUE_ARN"),
                              ("OnSmsEvent", "SMS_DEAD_LETTER_QUEUE_ARN")):
        inbound = functions.get(logical)
        if inbound is not None and "DeadLetterQueue" in inbound["Properties"]:
            inbound["Properties"].setdefault("Environment", {}).setdefault("Variables", {})[
                variable] = inbound["Properties"]["DeadLetterQueue"]["TargetArn"]
    for logical, function in functions.items():
        if logical == "APIHandler":
            _suppress(function, "CKV_AWS_116", SYNCHRONOUS_REASON.format("API Gateway"))
        elif logical in flow_functions:
            _suppress(function, "CKV_AWS_116", SYNCHRONOUS_REASON.format("an Amazon Connect flow"))
        elif "DeadLetterQueue" not in function["Properties"]:
            _suppress(function, "CKV_AWS_116", KINESIS_REASON)
        for check, reason in SUPPRESSIONS["AWS::Serverless::Function"].items():
            _suppress(function, check, reason)

    # Keys: every queue, topic and table under the data key.
    for resource in resources.values():
        properties = resource.setdefault("Properties", {})
        if resource["Type"] == "AWS::SQS::Queue":
            properties.pop("SqsManagedSseEnabled", None)
            properties["KmsMasterKeyId"] = DATA_KEY
        elif resource["Type"] == "AWS::SNS::Topic":
            properties["KmsMasterKeyId"] = DATA_KEY
        elif resource["Type"] == "AWS::DynamoDB::Table":
            properties["SSESpecification"] = {"SSEEnabled": True, "SSEType": "KMS", "KMSMasterKeyId": DATA_KEY}
        elif resource["Type"] == "AWS::IAM::Role":
            # A role that dead-letters (EventBridge Scheduler's) writes to encrypted queues.
            for policy in properties.get("Policies", []):
                statements = policy["PolicyDocument"]["Statement"]
                if any(s.get("Action") in ("sqs:SendMessage", ["sqs:SendMessage"]) for s in statements):
                    statements.append(_statement("DeadLettersEncrypted", ["kms:Decrypt", "kms:GenerateDataKey"],
                                                 [DATA_KEY]))

    agent_user_pool(template, environment)

    # The names each function reads, from the stack.
    handed = stack_names(template)
    for function in functions.values():
        variables = function["Properties"].setdefault("Environment", {}).setdefault("Variables", {})
        for variable, value in handed.items():
            if variable in variables:
                variables[variable] = value

    # Least privilege, per function.
    modules = function_modules()
    for logical, function in functions.items():
        role = function["Properties"]["Role"]["Fn::GetAtt"][0]
        statements = function_statements(template, logical, modules.get(logical, set()), environment)
        resources[role]["Properties"]["Policies"] = [{
            "PolicyName": f"{_chalice_name(function)}-only",
            "PolicyDocument": {"Version": "2012-10-17", "Statement": statements}}]

    _api(template)
    template["Resources"].update(alarms(template, flow_functions, environment))
    return template


# COGNITO_USER_POOL_ARN=stack: the user pool infra/agent-users.json creates.
STACK_USER_POOL = "stack"


def agent_user_pool(template: dict[str, Any], environment: dict[str, str]) -> None:
    """The agents' user pool: created when the stage names its sign-in domain
    (AGENT_SIGN_IN_DOMAIN, the default of the AgentSignInDomain parameter); with
    COGNITO_USER_POOL_ARN=stack the API's Cognito authorizer trusts it, and the
    functions read its ARN and the hosted UI's sign-in URL from the stack."""
    parameter = template.get("Parameters", {}).get("AgentSignInDomain")
    if parameter is not None:
        parameter["Default"] = environment.get("AGENT_SIGN_IN_DOMAIN", "")
    if environment.get("COGNITO_USER_POOL_ARN") != STACK_USER_POOL:
        return
    pool = {"Fn::GetAtt": ["AgentUserPool", "Arn"]}
    api = template["Resources"].get("RestAPI", {}).get("Properties", {}).get("DefinitionBody", {})
    for definition in api.get("securityDefinitions", {}).values():
        authorizer = definition.get("x-amazon-apigateway-authorizer", {})
        if authorizer.get("providerARNs") == [STACK_USER_POOL]:
            authorizer["providerARNs"] = [pool]
    for function in _functions(template).values():
        variables = function["Properties"].get("Environment", {}).get("Variables", {})
        if "COGNITO_USER_POOL_ARN" in variables:
            variables["COGNITO_USER_POOL_ARN"] = pool
            if not variables.get("AGENT_SIGN_IN_URL"):
                variables["AGENT_SIGN_IN_URL"] = copy.deepcopy(template["Outputs"]["AgentSignInUrl"]["Value"])


def deep_merge_into(template: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    for section, values in extra.items():
        template.setdefault(section, {}).update(copy.deepcopy(values))
    return template


def stack_names(template: dict[str, Any]) -> dict[str, Any]:
    """Environment variables naming something the stack creates, as the stack names it."""
    from chalicelib.tables import all_models
    from deploy.infra import table_logical_id

    names: dict[str, Any] = {model.Meta.setting.upper(): {"Ref": table_logical_id(model)} for model in all_models()}
    resources = template["Resources"]
    found = [name for name, r in resources.items() if r["Type"] == "AWS::SES::ConfigurationSet"]
    if len(found) == 1:
        names["SES_CONFIGURATION_SET"] = {"Ref": found[0]}
    groups = [name for name, r in resources.items() if r["Type"] == "AWS::Scheduler::ScheduleGroup"]
    if len(groups) == 1:
        names["SCHEDULE_GROUP"] = {"Ref": groups[0]}
    return names


def _statement(sid: str, actions: list[str], resources: list[Any], **extra: Any) -> dict[str, Any]:
    return {"Sid": sid, "Effect": "Allow", "Action": sorted(actions), "Resource": resources, **extra}


def function_statements(template: dict[str, Any], logical: str, modules: set[str],
                        environment: dict[str, str]) -> list[Any]:
    """The statements of one function's role."""
    from deploy.infra import table_logical_id

    resources = template["Resources"]
    function = resources[logical]
    properties = function["Properties"]
    statements: list[Any] = [_statement("Logs", ["logs:CreateLogStream", "logs:PutLogEvents"],
                                        [{"Fn::GetAtt": [f"{logical}LogGroup", "Arn"]}])]
    tables = model_tables(modules)
    if tables:
        arns = [{"Fn::GetAtt": [table_logical_id(m), "Arn"]} for m in tables]
        indexes = [_sub(f"${{{table_logical_id(m)}.Arn}}/index/*") for m in tables]
        statements.append(_statement("Tables", DYNAMODB_ACTIONS, arns + indexes))
    queues = []
    if "DeadLetterQueue" in properties:
        queues.append(properties["DeadLetterQueue"]["TargetArn"])
    for event in properties.get("Events", {}).values():
        failure = event["Properties"].get("DestinationConfig", {}).get("OnFailure")
        if failure:
            queues.append(failure["Destination"])
        if event["Type"] == "Kinesis":
            statements.append(_statement("ReadContactRecordStream", [
                "kinesis:DescribeStream", "kinesis:DescribeStreamSummary", "kinesis:GetRecords",
                "kinesis:GetShardIterator", "kinesis:ListShards", "kinesis:SubscribeToShard"],
                [event["Properties"]["Stream"]]))
        if event["Type"] == "DynamoDB":
            # What Lambda's event source mapping reads the stream with, on the role.
            statements.append(_statement("ReadCounterChangeStream", [
                "dynamodb:DescribeStream", "dynamodb:GetRecords", "dynamodb:GetShardIterator",
                "dynamodb:ListStreams"], [event["Properties"]["Stream"]]))
    if queues:
        statements.append(_statement("DeadLetters", ["sqs:SendMessage"], queues))
        statements.append(_statement("DeadLettersEncrypted", ["kms:Decrypt", "kms:GenerateDataKey"], [DATA_KEY]))
    calls = aws_calls(modules)
    if "ses:SendEmail" in calls:
        sender = environment.get("EMAIL_SENDER", "")
        domain = sender.rpartition("@")[2]
        statements.append(_statement("SendEmail", ["ses:SendEmail"], [
            _arn("ses", f"identity/{domain}"), _arn("ses", f"identity/{sender}"),
            _sub("arn:${AWS::Partition}:ses:${AWS::Region}:${AWS::AccountId}:configuration-set/"
                 "${EmailConfigurationSet}")]))
    if "social-messaging:SendWhatsAppMessage" in calls:
        statements.append(_statement("SendWhatsApp", ["social-messaging:SendWhatsAppMessage"], [
            _arn("social-messaging", "phone-number-id/${WhatsAppPhoneNumberId}")]))
    mirror = sorted(a for a in calls if a.startswith("cases:"))
    domain = environment.get("CONNECT_CASES_DOMAIN_ID", "")
    if mirror and domain:
        # The mirror to Amazon Connect Cases: that domain's cases and comments only.
        statements.append(_statement("MirrorCases", mirror, [
            _arn("cases", f"domain/{domain}"), _arn("cases", f"domain/{domain}/*")]))
    if "sms-voice:SendTextMessage" in calls:
        # A policy of its own, there only when the stack is given an origination
        # identity: SMS names the identity and configuration set, nothing wider.
        role = properties["Role"]["Fn::GetAtt"][0]
        resources[f"{logical}SmsPolicy"] = {
            "Type": "AWS::IAM::Policy", "Condition": "HasSms", "Properties": {
                "PolicyName": "send-sms", "Roles": [{"Ref": role}],
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [_statement(
                    "SendSms", ["sms-voice:SendTextMessage"], [
                        {"Ref": "SmsOriginationIdentityArn"},
                        {"Fn::If": ["HasSmsConfigurationSet", {"Ref": "SmsConfigurationSetArn"},
                                    {"Ref": "AWS::NoValue"}]}])]}}}
    connect = sorted(a for a in calls if a.startswith("connect:"))
    if connect:
        flows = [{"Ref": name} for name, r in resources.items() if r["Type"] == "AWS::Connect::ContactFlow"]
        # A policy of its own: the flows depend on the functions (through their
        # association with the instance), so the function's role cannot name them.
        role = properties["Role"]["Fn::GetAtt"][0]
        resources[f"{logical}ConnectPolicy"] = {
            "Type": "AWS::IAM::Policy", "Condition": "HasConnect", "Properties": {
                "PolicyName": "start-connect-contacts", "Roles": [{"Ref": role}],
                "PolicyDocument": {"Version": "2012-10-17", "Statement": [_statement(
                    "StartConnectContacts", connect, [_sub("${ConnectInstanceArn}/contact/*"), *flows])]}}}
    schedule = sorted(a for a in calls if a.startswith("scheduler:"))
    if schedule:
        groups = [_sub(f"arn:${{AWS::Partition}}:scheduler:${{AWS::Region}}:${{AWS::AccountId}}:schedule/${{{g}}}/*")
                  for g, r in resources.items() if r["Type"] == "AWS::Scheduler::ScheduleGroup"]
        # By name, not GetAtt: the scheduler roles name the functions they invoke.
        roles = [_sub("arn:${AWS::Partition}:iam::${AWS::AccountId}:role/" + r["Properties"]["RoleName"]["Fn::Sub"])
                 for r in resources.values()
                 if r["Type"] == "AWS::IAM::Role"
                 and r["Properties"]["AssumeRolePolicyDocument"]["Statement"][0]["Principal"]
                 == {"Service": "scheduler.amazonaws.com"}]
        statements.append(_statement("Schedules", schedule, groups))
        statements.append(_statement("PassTheSchedulerRole", ["iam:PassRole"], roles,
                                     Condition={"StringEquals": {"iam:PassedToService": "scheduler.amazonaws.com"}}))
    if "ssm:GetParameter" in calls and environment.get("TOKEN_SECRET_PARAMETER"):
        statements.append(_statement("LinkSigningSecret", ["ssm:GetParameter"], [
            _arn("ssm", f"parameter{environment['TOKEN_SECRET_PARAMETER']}")]))
    return statements


def _api(template: dict[str, Any]) -> None:
    api = template["Resources"].get("RestAPI")
    if api is None:
        return
    template["Resources"]["ApiAccessLogs"] = {
        "Type": "AWS::Logs::LogGroup", "DeletionPolicy": "Delete", "Properties": {
            "LogGroupName": _sub("/aws/apigateway/${AWS::StackName}-access"),
            "RetentionInDays": LOG_RETENTION_DAYS, "KmsKeyId": DATA_KEY}}
    properties = api["Properties"]
    # The templated path, never the actual one: tokens and customer ids stay out of logs.
    properties["AccessLogSetting"] = {
        "DestinationArn": {"Fn::GetAtt": ["ApiAccessLogs", "Arn"]},
        "Format": '{"requestId":"$context.requestId","time":"$context.requestTimeEpoch",'
                  '"method":"$context.httpMethod","resource":"$context.resourcePath",'
                  '"status":"$context.status","latencyMs":"$context.responseLatency",'
                  '"integrationStatus":"$context.integration.status","error":"$context.error.messageString"}'}
    settings = [{"ResourcePath": "/*", "HttpMethod": "*", "ThrottlingRateLimit": API_RATE_PER_S,
                 "ThrottlingBurstLimit": API_BURST}]
    paths = properties["DefinitionBody"]["paths"]
    for path, methods in sorted(paths.items()):
        for method, operation in sorted(methods.items()):
            if "security" not in operation and method != "options":
                # API Gateway's encoding: /s/{token} is /~1s~1{token}.
                settings.append({"ResourcePath": "/" + path.replace("/", "~1"), "HttpMethod": method.upper(),
                                 "ThrottlingRateLimit": PUBLIC_RATE_PER_S, "ThrottlingBurstLimit": PUBLIC_BURST})
    properties["MethodSettings"] = settings
    for check, reason in SUPPRESSIONS["AWS::Serverless::Api"].items():
        _suppress(api, check, reason)


def public_routes(template: dict[str, Any]) -> list[tuple[str, str]]:
    paths = template["Resources"]["RestAPI"]["Properties"]["DefinitionBody"]["paths"]
    return sorted((path, method.upper()) for path, methods in paths.items() for method, operation in methods.items()
                  if "security" not in operation and method != "options")


def _alarm(description: str, namespace: str, metric: str, dimensions: list[dict[str, Any]], *,
           statistic: str = "Sum", threshold: float = 0, extended: str | None = None) -> dict[str, Any]:
    properties: dict[str, Any] = {
        "AlarmDescription": description, "Namespace": namespace, "MetricName": metric,
        "Dimensions": dimensions, "Period": 300, "EvaluationPeriods": 1, "Threshold": threshold,
        "ComparisonOperator": "GreaterThanThreshold", "TreatMissingData": "notBreaching",
        "AlarmActions": [ALARM_TOPIC], "OKActions": [ALARM_TOPIC]}
    if extended:
        properties["ExtendedStatistic"] = extended
    else:
        properties["Statistic"] = statistic
    return {"Type": "AWS::CloudWatch::Alarm", "Properties": properties}


def alarms(template: dict[str, Any], flow_functions: list[str], environment: dict[str, str]) -> dict[str, Any]:
    """CloudWatch alarms: dead letters waiting, function errors and throttles, flow
    functions slower than their budget, stream consumers falling behind."""
    found: dict[str, Any] = {}
    for name, resource in sorted(template["Resources"].items()):
        if resource["Type"] == "AWS::SQS::Queue":
            found[f"{name}Alarm"] = _alarm(
                f"Messages wait in {name}: events that could not be processed (inspect, then redrive)",
                "AWS/SQS", "ApproximateNumberOfMessagesVisible",
                [{"Name": "QueueName", "Value": {"Fn::GetAtt": [name, "QueueName"]}}], statistic="Maximum")
    budget = int(environment.get("FLOW_BUDGET_MS", "2500"))
    for name, function in sorted(_functions(template).items()):
        dimension = [{"Name": "FunctionName", "Value": {"Ref": name}}]
        found[f"{name}ErrorsAlarm"] = _alarm(f"{name} failed", "AWS/Lambda", "Errors", dimension)
        found[f"{name}ThrottlesAlarm"] = _alarm(f"{name} was throttled", "AWS/Lambda", "Throttles", dimension)
        if name in flow_functions:
            found[f"{name}DurationAlarm"] = _alarm(
                f"{name}: 1 % of answers took longer than the {budget} ms flow budget", "AWS/Lambda", "Duration",
                dimension, threshold=budget, extended="p99")
        if _event_types(function) & {"Kinesis", "DynamoDB"}:
            found[f"{name}IteratorAgeAlarm"] = _alarm(
                f"{name} is more than {STREAM_MAX_ITERATOR_AGE_MS // 60000} minutes behind its stream",
                "AWS/Lambda", "IteratorAge", dimension, statistic="Maximum", threshold=STREAM_MAX_ITERATOR_AGE_MS)
    return found
