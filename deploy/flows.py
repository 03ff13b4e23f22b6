"""Amazon Connect flows as code: templates/flows/*.json.j2 rendered per stage.

A template is flow language (Version 2019-10-30, the JSON Connect imports and
DescribeContactFlow returns) with Jinja2 for what differs between stages and
languages: `lambda_arn("lookup_customer")`, `queue_arn("vip")`, `flow_arn("to_queue")`
and the prompts of templates/flows/prompts.json.

Two renderings of the same template:
- `render(name, stage)`: concrete ARNs from templates/flows/stages.json, for the
  simulator and for importing a flow by hand (`python -m deploy.flows --stage prod`);
- `render(name, stage, cloudformation=True)`: `${...}` placeholders for
  `Fn::Sub`, resolved by CloudFormation to the stack's functions, flows and the
  queue parameters (deploy.infra).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from deploy.stages import PROJECT, stage_environment

FLOWS_DIR = PROJECT / "templates" / "flows"
APP_NAME = "contact-center"
FLOW_TYPE = "CONTACT_FLOW"
# InvokeLambdaFunction waits this long (Connect allows 1..8 s): longer than the flow
# functions' own budget (FLOW_BUDGET_MS) plus a cold start, so the function always
# answers before Connect gives up on it.
LAMBDA_TIME_LIMIT_S = 4


def template_names() -> list[str]:
    """Every flow, by name (the template file without .json.j2)."""
    return sorted(p.name.removesuffix(".json.j2") for p in FLOWS_DIR.glob("*.json.j2") if not p.name.startswith("_"))


@cache
def _json(name: str) -> dict[str, Any]:
    return json.loads((FLOWS_DIR / name).read_text(encoding="utf-8"))


@cache
def prompts() -> dict[str, Any]:
    """prompts.json, with each language's prompts from every prompts.<capability>.json
    merged in (a capability keeps its own prompts in its own file)."""
    catalogue = json.loads(json.dumps(_json("prompts.json")))
    for extra in sorted(FLOWS_DIR.glob("prompts.*.json")):
        for code, texts in _json(extra.name).get("languages", {}).items():
            if code not in catalogue["languages"]:
                raise ValueError(f"{extra.name}: language {code} is not in prompts.json")
            clash = set(texts) & set(catalogue["languages"][code])
            if clash:
                raise ValueError(f"{extra.name}: {code} prompts {', '.join(sorted(clash))} are already defined")
            catalogue["languages"][code].update(texts)
    return catalogue


def stage_connect(stage: str) -> dict[str, Any]:
    """The Connect instance and queues of `stage` (templates/flows/stages.json)."""
    stages = _json("stages.json")
    if stage not in stages:
        raise SystemExit(f"no stage {stage!r} in templates/flows/stages.json (stages: {', '.join(stages)})")
    return stages[stage]


def reason_queue_keys() -> list[str]:
    """Queues the contact-reason catalogue routes to (chalicelib/reasons/catalogue.json)."""
    from chalicelib.reasons.catalogue import load

    return sorted({queue for reason in load() for queue in reason.queues.values()})


def queue_keys() -> list[str]:
    """Queues the flows route to: one per language, vip, cases, general and the reasons' queues."""
    keys = {"vip", "cases", "general"} | {p["queue"] for p in prompts()["languages"].values()}
    return sorted(keys | set(reason_queue_keys()))


def reason_menu(languages: dict[str, Any]) -> dict[str, str]:
    """The keypad menu of contact reasons in each prompt language, from the catalogue's
    labels and menu digits: "For Billing and payments, press 1. ..."."""
    from chalicelib.reasons.catalogue import load

    reasons = sorted(load(), key=lambda r: (r.menu == "0", r.menu))
    return {code: " ".join(prompts_["reason_menu_item"].replace("{label}", r.label(code)).replace("{digit}", r.menu)
                           for r in reasons)
            for code, prompts_ in languages.items()}


# Queues only tasks are sent to (not offered by the inbound flows' routing).
TASK_QUEUE_KEYS = ("follow_up",)


def survey_definition(name: str) -> Any:
    """A survey definition (chalicelib/surveys/definitions), for flows that ask it."""
    from chalicelib.surveys import definitions

    survey = definitions.get(name)
    if survey is None:
        raise ValueError(f"no survey definition {name!r} in chalicelib/surveys/definitions")
    return survey


def function_name(stage: str, function: str) -> str:
    """The deployed name Chalice gives a Lambda function."""
    return f"{APP_NAME}-{stage}-{function}"


def cfn_name(name: str) -> str:
    """A CloudFormation logical id the way Chalice makes them (lookup_customer -> LookupCustomer)."""
    from chalice.utils import to_cfn_resource_name

    return to_cfn_resource_name(name)


def queue_parameter(key: str) -> str:
    return f"Queue{cfn_name(key)}Arn"


def flow_resource(name: str) -> str:
    return f"Flow{cfn_name(name)}"


def flow_arn_for(instance_arn: str, name: str) -> str:
    # The simulated instance names flows by their template: the simulator finds them so.
    return f"{instance_arn}/contact-flow/{name}"


@dataclass(frozen=True)
class Targets:
    """How a template names what it calls, for one rendering."""

    lambda_arn: Callable[[str], str]
    queue_arn: Callable[[str], str]
    flow_arn: Callable[[str], str]


def concrete_targets(stage: str) -> Targets:
    connect = stage_connect(stage)
    instance = connect.get("instance_arn") or ""
    if not instance:
        raise SystemExit(f"stage {stage!r} has no instance_arn in templates/flows/stages.json: fill it in, "
                         "or deploy with `make package` and pass it as a CloudFormation parameter")
    region, account = instance.split(":")[3], instance.split(":")[4]

    def queue(key: str) -> str:
        arn = connect.get("queues", {}).get(key)
        if not arn:
            raise SystemExit(f"stage {stage!r} has no ARN for queue {key!r} in templates/flows/stages.json")
        return arn

    return Targets(
        lambda_arn=lambda fn: f"arn:aws:lambda:{region}:{account}:function:{function_name(stage, fn)}",
        queue_arn=queue,
        # A flow imported by hand gets its ARN from Connect: stages.json's "flows" names it.
        flow_arn=lambda name: connect.get("flows", {}).get(name) or flow_arn_for(instance, name),
    )


def cloudformation_targets() -> Targets:
    return Targets(
        lambda_arn=lambda fn: "${" + cfn_name(fn) + ".Arn}",
        queue_arn=lambda key: "${" + queue_parameter(key) + "}",
        # Ref of an AWS::Connect::ContactFlow is its ARN.
        flow_arn=lambda name: "${" + flow_resource(name) + "}",
    )


def _environment() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(FLOWS_DIR)),
        undefined=jinja2.StrictUndefined,
        autoescape=False,  # noqa: S701 - renders JSON, every string goes through the `j` filter
        keep_trailing_newline=True,
    )
    env.filters["j"] = lambda value: json.dumps(value, ensure_ascii=False)
    env.filters["pair"] = lambda code, prefix: (code, f"{prefix}-{code}")
    env.filters["language_queue"] = lambda item: (item[0], "queue-" + item[1]["queue"])
    return env


def render_text(name: str, stage: str, cloudformation: bool = False) -> str:
    """The flow `name` as Connect flow-language JSON text."""
    targets = cloudformation_targets() if cloudformation else concrete_targets(stage)
    catalogue = prompts()
    languages = catalogue["languages"]
    voiced = sorted((code, p) for code, p in languages.items() if p.get("voice"))
    text = _environment().get_template(f"{name}.json.j2").render(
        stage=stage,
        languages=languages,
        default_language=catalogue["default"],
        voice_languages=[code for code, _ in voiced],
        voice_languages_items=voiced,
        queue_keys=queue_keys(),
        reason_queue_keys=reason_queue_keys(),
        reason_menu=reason_menu(languages),
        lex_bot_alias_arn=stage_connect(stage).get("lex_bot_alias_arn", ""),
        lambda_time_limit=LAMBDA_TIME_LIMIT_S,
        lambda_arn=targets.lambda_arn,
        queue_arn=targets.queue_arn,
        flow_arn=targets.flow_arn,
        flow_name=lambda flow: f"{APP_NAME}-{stage} {flow.replace('_', ' ')}",
        survey_definition=survey_definition,
    )
    try:
        json.loads(text)
    except ValueError as e:
        raise ValueError(f"templates/flows/{name}.json.j2 does not render to JSON: {e}") from e
    return text


def render(name: str, stage: str, cloudformation: bool = False) -> dict[str, Any]:
    """The flow `name` as a dict."""
    return json.loads(render_text(name, stage, cloudformation))


def render_all(stage: str, cloudformation: bool = False) -> dict[str, dict[str, Any]]:
    return {name: render(name, stage, cloudformation) for name in template_names()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m deploy.flows",
        description="Render the flows of a stage to JSON files you can import in the Connect console "
                    "(Flows > Create flow > Import).")
    parser.add_argument("--stage", default="local")
    parser.add_argument("--out", type=Path, default=None, help="directory (default out/flows/<stage>)")
    args = parser.parse_args(argv)
    out = args.out or PROJECT / "out" / "flows" / args.stage
    out.mkdir(parents=True, exist_ok=True)
    stage_environment(args.stage)  # an unknown stage fails here, naming the stage
    for name in template_names():
        target = out / f"{name}.json"
        target.write_text(json.dumps(render(name, args.stage), ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
        print(target)
    return 0


if __name__ == "__main__":
    sys.exit(main())
