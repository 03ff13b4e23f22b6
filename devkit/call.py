"""Place a simulated contact through a flow and print what happens:

    python -m devkit.call templates/flows/inbound_voice.json.j2 --from +40712345678 --press 1
    python -m devkit.call templates/flows/inbound_chat.json.j2 --chat --attribute email=giulia.rossi@example.it
    python -m devkit.call exported-from-connect.json --from +393331234567 --at 2025-03-01T22:00

A template (.json.j2) is rendered for the stage (default `local`); a .json file is
run as it is, so a flow exported from a Connect instance runs too. The contact goes
through the real contact-flow functions on an embedded AWS (moto) seeded with the
demo customers (ana +40712345678, giulia +393331234567, james +447400123456 vip,
eszter on WhatsApp +36201234567); nothing is left running afterwards.
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
    """A flow from a template (rendered for `stage`) or from flow-language JSON."""
    from deploy import flows

    if path.name.endswith(".json.j2"):
        if path.resolve().parent != flows.FLOWS_DIR.resolve():
            raise SystemExit(f"{path}: templates are rendered from {flows.FLOWS_DIR}")
        return flows.render(path.name.removesuffix(".json.j2"), stage)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as e:
        raise SystemExit(f"{path}: cannot read a flow ({e})") from None


def local_simulator(client: Any, app: Any, stage: str = localenv.STAGE, at: datetime | None = None,
                    full_queues: tuple[str, ...] = ()) -> Any:
    """A simulator of the stage's Connect instance: our flows loaded under their ARNs,
    the stage's queues and opening hours, our real functions behind the Lambda ARNs."""
    from deploy import flows
    from devkit.flowsim import AppFunctions, Hours, Simulator

    connect = flows.stage_connect(stage)
    instance = connect["instance_arn"]
    queues = connect.get("queues", {})
    loaded = {}
    for name, flow in flows.render_all(stage).items():
        loaded[flows.flow_arn_for(instance, name)] = flow
        loaded[name] = flow
    return Simulator(
        functions=AppFunctions.from_client(client, app),
        instance_arn=instance,
        flows=loaded,
        hours=Hours(connect.get("hours"), queues, at),
        queue_names={arn: key for key, arn in queues.items()},
        full_queues=full_queues,
    )


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m devkit.call", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("flow", type=Path, help="templates/flows/<name>.json.j2 or a flow-language .json file")
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
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = _parse(argv)
    localenv.apply()
    from devkit.flowsim import Customer, FlowStop

    flow = load_flow(args.flow, args.stage)
    chat = args.chat or args.whatsapp
    address = args.address if args.address is not None else (None if chat else "+40712345678")
    attributes = dict(item.split("=", 1) for item in args.attribute if "=" in item)
    customer = Customer(
        channel="CHAT" if chat else "VOICE",
        address=address,
        address_type="EMAIL_ADDRESS" if address and "@" in address else "TELEPHONE_NUMBER",
        inputs=[*args.press, *args.typed],
        attributes=attributes,
        subtype="connect:WhatsApp" if args.whatsapp else ("connect:Chat" if chat else None),
    )
    at = datetime.fromisoformat(args.at) if args.at else None

    from devkit import recorder

    recorder.install()  # Connect APIs moto lacks are recorded, before any AWS client exists
    from chalice.test import Client

    from app import app
    from devkit.demo.stage import Stage, Transcript
    from devkit.embedded_aws import embedded_aws

    _quiet_logs()
    with embedded_aws(), Client(app, stage_name=localenv.STAGE) as client:
        if not args.no_seed:
            from devkit.demo import seed

            seed.create(Stage(client=client, transcript=Transcript()))
        simulator = local_simulator(client, app, stage=localenv.STAGE, at=at, full_queues=tuple(args.full))
        try:
            result = simulator.run(flow, customer)
        except FlowStop as e:
            print(f"stopped: {e}", file=sys.stderr)
            return 2
    print(result.transcript())
    print(f"\noutcome: {result.outcome}" + (f" in queue {result.queue}" if result.queue else ""))
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
