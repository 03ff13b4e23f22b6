"""A small CloudFormation resolver for tests: what the packaged template's names and
ARNs become under a given stack name, account and region, with the parameters given."""

from __future__ import annotations

import re
from typing import Any

ACCOUNT = "210987654321"
REGION = "eu-west-1"
PARTITION = "aws"

# What `Ref` answers per type (the name, or the ARN for these), and the ARN's shape.
_ARN = {
    "AWS::DynamoDB::Table": "arn:aws:dynamodb:{region}:{account}:table/{name}",
    "AWS::SQS::Queue": "arn:aws:sqs:{region}:{account}:{name}",
    "AWS::SNS::Topic": "arn:aws:sns:{region}:{account}:{name}",
    "AWS::Scheduler::ScheduleGroup": "arn:aws:scheduler:{region}:{account}:schedule-group/{name}",
    "AWS::IAM::Role": "arn:aws:iam::{account}:role/{name}",
    "AWS::Serverless::Function": "arn:aws:lambda:{region}:{account}:function:{name}",
    "AWS::Logs::LogGroup": "arn:aws:logs:{region}:{account}:log-group:{name}:*",
    "AWS::KMS::Key": "arn:aws:kms:{region}:{account}:key/{name}",
    "AWS::SES::ConfigurationSet": "arn:aws:ses:{region}:{account}:configuration-set/{name}",
    "AWS::Connect::ContactFlow": "{instance}/contact-flow/{name}",
}
_NAME_PROPERTY = {
    "AWS::DynamoDB::Table": "TableName", "AWS::SQS::Queue": "QueueName", "AWS::SNS::Topic": "TopicName",
    "AWS::Scheduler::ScheduleGroup": "Name", "AWS::IAM::Role": "RoleName",
    "AWS::Serverless::Function": "FunctionName", "AWS::Logs::LogGroup": "LogGroupName",
    "AWS::SES::ConfigurationSet": "Name",
}
_REF_IS_ARN = {"AWS::SNS::Topic", "AWS::Connect::ContactFlow"}


class Stack:
    def __init__(self, template: dict[str, Any], name: str, parameters: dict[str, str]) -> None:
        self.template = template
        self.name = name
        self.parameters = {key: p.get("Default", "") for key, p in template.get("Parameters", {}).items()}
        self.parameters.update(parameters)
        self.pseudo = {"AWS::StackName": name, "AWS::AccountId": ACCOUNT, "AWS::Region": REGION,
                       "AWS::Partition": PARTITION, "AWS::NoValue": None}

    # -- resources --

    def exists(self, logical: str) -> bool:
        condition = self.template["Resources"][logical].get("Condition")
        return condition is None or self.condition(condition)

    def condition(self, name: str) -> bool:
        return bool(self.resolve(self.template["Conditions"][name]))

    def physical_name(self, logical: str) -> str:
        resource = self.template["Resources"][logical]
        prop = _NAME_PROPERTY.get(resource["Type"])
        given = resource.get("Properties", {}).get(prop) if prop else None
        if given is not None:
            return self.resolve(given)
        # CloudFormation's own: <stack>-<logical id>-<suffix>.
        return f"{self.name}-{logical}-SUFFIX"

    def arn(self, logical: str) -> str:
        resource = self.template["Resources"][logical]
        return _ARN[resource["Type"]].format(region=REGION, account=ACCOUNT, name=self.physical_name(logical),
                                             instance=self.parameters.get("ConnectInstanceArn", ""))

    def ref(self, logical: str) -> str:
        if logical in self.pseudo:
            return self.pseudo[logical]
        if logical in self.parameters:
            return self.parameters[logical]
        resource = self.template["Resources"][logical]
        if resource["Type"] == "AWS::SQS::Queue":
            return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{self.physical_name(logical)}"
        return self.arn(logical) if resource["Type"] in _REF_IS_ARN else self.physical_name(logical)

    def get_att(self, logical: str, attribute: str) -> str:
        if attribute == "Arn":
            return self.arn(logical)
        if attribute == "QueueName":
            return self.physical_name(logical)
        if attribute == "StreamArn":  # a DynamoDB table's stream: the label is its creation time
            return f"{self.arn(logical)}/stream/2026-01-01T00:00:00.000"
        raise KeyError(f"{logical}.{attribute}")

    # -- intrinsics --

    def resolve(self, value: Any) -> Any:
        if isinstance(value, list):
            return [self.resolve(v) for v in value]
        if not isinstance(value, dict):
            return value
        if len(value) == 1:
            [(key, argument)] = value.items()
            if key == "Ref":
                return self.ref(argument)
            if key == "Fn::GetAtt":
                return self.get_att(*argument)
            if key == "Fn::Sub":
                return re.sub(r"\$\{([^}]+)\}", lambda m: self._sub(m.group(1)), argument)
            if key == "Fn::If":
                name, yes, no = argument
                return self.resolve(yes if self.condition(name) else no)
            if key == "Fn::Equals":
                return self.resolve(argument[0]) == self.resolve(argument[1])
            if key == "Fn::Not":
                return not self.resolve(argument[0])
            if key == "Fn::Join":
                return argument[0].join(self.resolve(argument[1]))
        return {k: self.resolve(v) for k, v in value.items()}

    def _sub(self, reference: str) -> str:
        if "." in reference and not reference.startswith("AWS::"):
            logical, attribute = reference.split(".", 1)
            return self.get_att(logical, attribute)
        return self.ref(reference)

    # -- what a function sees --

    def environment(self, logical: str) -> dict[str, str]:
        variables = dict(self.template.get("Globals", {}).get("Function", {}).get("Environment", {})
                         .get("Variables", {}))
        variables.update(self.template["Resources"][logical]["Properties"].get("Environment", {})
                         .get("Variables", {}))
        return {key: self.resolve(value) for key, value in variables.items()}

    def created(self) -> set[str]:
        """Every name and ARN of the resources this stack creates."""
        names = set()
        for logical, resource in self.template["Resources"].items():
            if not self.exists(logical) or resource["Type"] not in _ARN:
                continue
            names |= {self.physical_name(logical), self.arn(logical), self.ref(logical)}
        return names
