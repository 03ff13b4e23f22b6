"""Place a simulated contact through a flow and print what happens:

    python -m devkit.call templates/flows/inbound_voice.json.j2 --from +40712345678 --press 1
    python -m devkit.call templates/flows/inbound_chat.json.j2 --chat --attribute email=giulia.rossi@example.it
    python -m devkit.call exported-from-connect.json --from +393331234567 --at 2025-03-01T22:00
    python -m devkit.call queue-flow.json --module modules/ --queue-waiting billing=12 --say "my bill" --json
    python -m devkit.call exported-flows/ --press 1 --say "my bill"
    python -m devkit.call other-ivr.json --lambda checkBalance='{"balance":"12.50","status":"OK"}'

A template (.json.j2) is rendered for the stage (default `local`); a .json file is
run as it is, so a flow exported from a Connect instance runs too, with the flows and
flow modules in the files beside it (and any --module file or folder) reachable by
TransferToFlow and InvokeFlowModule under their ARN, id or name. The contact goes
through the real contact-flow functions on an embedded AWS (moto) seeded with the
demo customers (ana +40712345678, giulia +393331234567, james +447400123456 vip,
eszter on WhatsApp +36201234567); nothing is left running afterwards. Given a
folder, every flow in it (and its subfolders) runs for the same customer, one line
each, then how many ended, hung up or stopped. A Lambda function that is not this
application's takes the block's Error branch, unless `--lambda NAME=JSON` (or
NAME=@answer.json) gives the flat string map it answers: then that is `$.External`
and the block goes on by its Success branch.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from devkit import localenv


def load_flow(path: Path, stage: str) -> dict[str, Any]:
    """A flow from a template (rendered for `stage`) or from flow-language JSON (the flow
    itself or DescribeContactFlow / DescribeContactFlowModule output)."""
    from deploy import flows
    from devkit.flowsim import FlowStop, load_flow_document

    if path.name.endswith(".json.j2"):
        if path.resolve().parent != flows.FLOWS_DIR.resolve():
            raise SystemExit(f"{path}: templates are rendered from {flows.FLOWS_DIR}")
        return flows.render(path.name.removesuffix(".json.j2"), stage)
    try:
        return load_flow_document(json.loads(path.read_text(encoding="utf-8")))[0]
    except (OSError, ValueError, FlowStop) as e:
        raise SystemExit(f"{path}: cannot read a flow ({e})") from None


def load_library(paths: list[Path]) -> Any:
    """Flows and modules from files and folders (*.json), by ARN, id, name and file name.
    A file that is not a flow is skipped: a folder of exports holds other things too."""
    from devkit.flowsim import FlowStop, Library, load_flow_document

    library = Library()
    for path in paths:
        files = sorted(path.glob("*.json")) if path.is_dir() else [path]
        for file in files:
            try:
                flow, names = load_flow_document(json.loads(file.read_text(encoding="utf-8")))
            except (OSError, ValueError, FlowStop):
                if file in paths:
                    raise SystemExit(f"{file}: cannot read a flow module") from None
                continue
            if flow.get("Version") == "2019-10-30":
                library.add(flow, *names, file.stem)
    return library


def local_simulator(client: Any, app: Any, stage: str = localenv.STAGE, at: datetime | None = None,
                    full_queues: tuple[str, ...] = (), library: Any = None, **options: Any) -> Any:
    """A simulator of the stage's Connect instance: our flows loaded under their ARNs,
    the stage's queues and opening hours, our real functions behind the Lambda ARNs,
    Customer Profiles and Cases reads answered from our own profiles and cases, queue
    metrics from our live floor where no option names the queue, tasks
    created through boto3 (recorded in the local run). `library` adds flows and modules
    (load_library); `options` go to the Simulator (metrics, lex, max_steps)."""
    from deploy import flows
    from devkit.flowsim import AppFunctions, Hours, Library, Simulator
    from devkit.flowworld import FloorMetrics, LocalDirectory

    connect = flows.stage_connect(stage)
    instance = connect["instance_arn"]
    queues = connect.get("queues", {})
    options["metrics"] = FloorMetrics(options.get("metrics"))
    loaded = library or Library()
    for name, flow in flows.render_all(stage).items():
        loaded.add(flow, flows.flow_arn_for(instance, name), name)
    return Simulator(
        functions=AppFunctions.from_client(client, app),
        instance_arn=instance,
        flows=loaded,
        modules=loaded,
        hours=Hours(connect.get("hours"), queues, at),
        queue_names={arn: key for key, arn in queues.items()},
        full_queues=full_queues,
        directory=LocalDirectory(),
        connect=_LazyConnect(instance.split(":")[3]),
        **options,
    )


def _queue_arn(queue: str | None, stage: str) -> str | None:
    """A queue named on the command line: the stage's ARN for one of its queue names."""
    if not queue or queue.startswith("arn:"):
        return queue
    from deploy import flows

    return flows.stage_connect(stage).get("queues", {}).get(queue, queue)


class _LazyConnect:
    """A Connect client made on first use (most runs create no task)."""

    def __init__(self, region: str) -> None:
        self._region = region
        self._client: Any = None

    def start_task_contact(self, **request: Any) -> dict[str, Any]:
        if self._client is None:
            import boto3

            self._client = boto3.client("connect", region_name=self._region)
        return self._client.start_task_contact(**request)


def _parse(argv: list[str] | None) -> argparse.Namespace:
    from devkit.flowworld import LAMBDA_MATCHING

    parser = argparse.ArgumentParser(prog="python -m devkit.call", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("flow", type=Path, help="templates/flows/<name>.json.j2, a flow-language .json file, or "
                                                "a folder of them (each flow runs, then how many ended or stopped)")
    parser.add_argument("--from", dest="address", default=None,
                        help="the customer's number (calls, WhatsApp) or e-mail; default +40712345678 on calls")
    parser.add_argument("--chat", action="store_true", help="a chat contact instead of a call")
    parser.add_argument("--whatsapp", action="store_true", help="a WhatsApp chat (implies --chat)")
    parser.add_argument("--press", action="append", default=[], metavar="DIGITS",
                        help="keys pressed at the next prompt that asks (repeatable)")
    parser.add_argument("--type", dest="typed", action="append", default=[], metavar="TEXT",
                        help="text typed at the next prompt that asks (repeatable)")
    parser.add_argument("--attribute", action="append", default=[], metavar="KEY=VALUE",
                        help="a contact attribute present when the flow starts (e.g. email=... from a chat widget)")
    parser.add_argument("--at", default=None, help="the clock for opening hours, ISO 8601 (default: now)")
    parser.add_argument("--full", action="append", default=[], metavar="QUEUE", help="a queue that is at capacity")
    parser.add_argument("--stage", default=localenv.STAGE, help="whose queues and ARNs render the templates")
    parser.add_argument("--no-seed", action="store_true", help="start with no customers")
    parser.add_argument("--queue", default=None, metavar="QUEUE",
                        help="the queue the contact already waits in (queue flows), by name or ARN")
    parser.add_argument("--module", action="append", default=[], type=Path, metavar="PATH",
                        help="a flow or flow module file, or a folder of them (repeatable); "
                             "the files beside the flow are always loaded")
    parser.add_argument("--say", action="append", default=[], metavar="TEXT",
                        help="words said to a Lex bot or typed at an open question (repeatable)")
    parser.add_argument("--intent", default=None, metavar="NAME",
                        help="the intent the Lex bot recognises (default: the reason classifier, "
                             "when the application has one, else FallbackIntent)")
    parser.add_argument("--queue-waiting", action="append", default=[], metavar="QUEUE=N",
                        help="contacts waiting in a queue, for CheckMetricData and GetMetricData (repeatable; "
                             "default: the live floor)")
    parser.add_argument("--agents-available", action="append", default=[], metavar="QUEUE=N",
                        help="agents available in a queue (default 1) (repeatable)")
    parser.add_argument("--draw", type=int, default=1, choices=range(1, 101), metavar="N",
                        help="the number 1..100 a DistributeByPercentage draws (default 1: its first branch)")
    parser.add_argument("--lambda", dest="lambdas", action="append", default=[], metavar="NAME=JSON",
                        help="what a Lambda function that is not this application's answers: a JSON object of "
                             "strings, or @file.json holding one, becomes $.External and the block takes its "
                             f"Success branch (repeatable). {LAMBDA_MATCHING.replace('%', '%%')}")
    parser.add_argument("--max-steps", type=int, default=None, metavar="N",
                        help="stop a flow that loops on its own after N actions (default 300)")
    parser.add_argument("--json", action="store_true", help="print the run as JSON, for other tools")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    localenv.apply()
    from devkit.flowworld import LambdaStandIns, LexStandIn, QueueMetrics, default_classifier

    folder = args.flow.is_dir()
    flows = _flows_in(args.flow) if folder else [(args.flow, load_flow(args.flow, args.stage))]
    try:
        metrics = QueueMetrics.from_options(args.queue_waiting, args.agents_available)
    except ValueError as e:
        raise SystemExit(f"--queue-waiting/--agents-available {e}") from None
    try:
        lambdas = LambdaStandIns.from_options(args.lambdas)
    except ValueError as e:
        raise SystemExit(f"--lambda {e}") from None
    lex = LexStandIn(args.intent, None if args.intent else default_classifier())
    at = datetime.fromisoformat(args.at) if args.at else None

    from devkit import recorder

    recorder.install()  # Connect APIs moto lacks are recorded, before any AWS client exists
    from app import app
    from devkit.demo.stage import Stage, Transcript
    from devkit.embedded_aws import embedded_aws
    from devkit.flowsim import MAX_STEPS
    from devkit.streams import Client

    _quiet_logs()
    with embedded_aws(), Client(app, stage_name=localenv.STAGE) as client:
        if not args.no_seed:
            from devkit.demo import seed

            seed.create(Stage(client=client, transcript=Transcript()))
        simulators: dict[Path, Any] = {}

        def simulator_for(path: Path) -> Any:
            # The flows and modules beside each flow, as its export keeps them.
            beside = path.resolve().parent
            if beside not in simulators:
                library = load_library([*([] if path.name.endswith(".json.j2") else [beside]), *args.module])
                simulators[beside] = local_simulator(
                    client, app, stage=localenv.STAGE, at=at, full_queues=tuple(args.full), library=library,
                    metrics=metrics, lex=lex, max_steps=args.max_steps or MAX_STEPS, draw=args.draw,
                    lambdas=lambdas)
            return simulators[beside]

        if folder:
            return _survey(flows, simulator_for, args)
        path, flow = flows[0]
        return _one(simulator_for(path), flow, args)


def _customer(args: argparse.Namespace) -> Any:
    """The contact the options describe (a new one for each flow: it answers prompts in order)."""
    from devkit.flowsim import Customer

    chat = args.chat or args.whatsapp
    address = args.address if args.address is not None else (None if chat else "+40712345678")
    return Customer(
        channel="CHAT" if chat else "VOICE",
        address=address,
        address_type="EMAIL_ADDRESS" if address and "@" in address else "TELEPHONE_NUMBER",
        inputs=[*args.press, *args.typed],
        attributes=dict(item.split("=", 1) for item in args.attribute if "=" in item),
        subtype="connect:WhatsApp" if args.whatsapp else ("connect:Chat" if chat else None),
        said=list(args.say),
        queue=_queue_arn(args.queue, args.stage),
    )


def _flows_in(folder: Path) -> list[tuple[Path, dict[str, Any]]]:
    """Every flow-language file under a folder (its subfolders too); other JSON is skipped."""
    from devkit.flowsim import FlowStop, load_flow_document

    found = []
    for file in sorted(folder.rglob("*.json")):
        try:
            flow = load_flow_document(json.loads(file.read_text(encoding="utf-8")))[0]
        except (OSError, ValueError, FlowStop):
            continue
        if flow.get("Version") == "2019-10-30":
            found.append((file, flow))
    if not found:
        raise SystemExit(f"{folder}: no flow-language files (*.json) in it")
    return found


def _survey(flows: list[tuple[Path, dict[str, Any]]], simulator_for: Any, args: argparse.Namespace) -> int:
    """Each flow of a folder for one contact: a line each, then how many ended, hung up or
    stopped. Exit 0 when every flow ended or the customer hung up, 2 when one stopped."""
    from devkit.flowsim import FlowStop

    runs = []
    for path, flow in flows:
        name = str(path.relative_to(args.flow))
        try:
            result = simulator_for(path).run(flow, _customer(args))
        except FlowStop as e:
            runs.append({"flow": name, "outcome": "stopped", "reason": str(e)})
            continue
        runs.append({"flow": name, "outcome": result.outcome, "queue": result.queue, "steps": len(result.steps),
                     "unresolved": result.unresolved})
    counts: dict[str, int] = {}
    for run in runs:
        counts[run["outcome"]] = counts.get(run["outcome"], 0) + 1
    if args.json:
        print(json.dumps({"flows": runs, "counts": counts}, ensure_ascii=False, indent=2))
    else:
        for run in runs:
            said = run.get("reason") or run["outcome"] + (f" in queue {run['queue']}" if run.get("queue") else "")
            print(f"{run['flow']}: {said}")
        print(f"\n{len(runs)} flows: " + ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())))
    return 2 if counts.get("stopped") else 0


def _one(simulator: Any, flow: dict[str, Any], args: argparse.Namespace) -> int:
    from devkit.flowsim import FlowStop

    try:
        result = simulator.run(flow, _customer(args))
    except FlowStop as e:
        if args.json:
            print(json.dumps({"outcome": "stopped", "reason": str(e)}, ensure_ascii=False))
        print(f"stopped: {e}", file=sys.stderr)
        return 2
    if args.json:
        print(json.dumps(result.as_json(), ensure_ascii=False, indent=2))
        return 0
    print(result.transcript())
    print(f"\noutcome: {result.outcome}" + (f" in queue {result.queue}" if result.queue else ""))
    for callback in result.callbacks:
        print(f"callback queued: {callback['number']} in {callback['queue']}")
    for task in result.tasks:
        print(f"task created: {task['Name']} ({task['ContactId']})")
    if result.tags:
        print("contact tags: " + json.dumps(result.tags, ensure_ascii=False, sort_keys=True))
    if result.routing:
        print("routing: " + json.dumps(result.routing, ensure_ascii=False, sort_keys=True, default=str))
    if result.unresolved:
        print("unresolved placeholders: " + ", ".join(result.unresolved))
    print("contact attributes: " + json.dumps(result.attributes, ensure_ascii=False, sort_keys=True))
    return 0


def _quiet_logs() -> None:
    """The transcript is the output: the service's JSON logs stay out of it."""
    import logging

    from chalicelib.observability import get_logger

    logger = logging.getLogger(get_logger().name)
    logger.handlers = [logging.NullHandler()]
    logger.propagate = False


if __name__ == "__main__":
    sys.exit(main())
