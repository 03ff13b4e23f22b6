"""`make reasons-export`: training examples for the contact-reason classifier from
what customers said and the reason the agent set at wrap-up.

`predict_reason` keeps, for a known customer's contact, the text it read (masked:
phone numbers and e-mail addresses) with its prediction, in the reason texts table
(chalicelib/reasons/texts.py). This joins each kept text with the reason the agent
set on that contact (the agent panel's wrap-up; else the `contactReason` the contact
record carried into the timeline) and writes one `language<TAB>reason<TAB>text` line
per contact to chalicelib/reasons/examples/wrapup.tsv, which `make reasons-model`
trains on beside the written examples. Skipped: contacts without a reason from the
agent, those the agent set to `other` (no reason to learn), reasons the catalogue
does not know and languages the model has no stemmer for.

The file is rewritten whole from what the table keeps now: a customer erased since
the last export, or a text past REASON_TEXT_RETENTION_DAYS, leaves it at the next
export.

An operator's tool, run by hand, never by a function: it reads the whole reason texts
table with a Scan (paginated), which no request or event path may do, and the
interactions with BatchGetItem. Where from:

    python -m devkit.reasons_export --endpoint http://127.0.0.1:PORT   # `make serve`'s embedded AWS
    python -m devkit.reasons_export --stage prod --region eu-central-1  # a deployed stage, with your AWS credentials
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

PROJECT = Path(__file__).resolve().parent.parent
DEFAULT_OUT = PROJECT / "chalicelib" / "reasons" / "examples" / "wrapup.tsv"
BATCH = 100  # BatchGetItem's limit


@dataclass(frozen=True)
class Example:
    language: str
    reason: str
    text: str

    def line(self) -> str:
        # The kept text has no tab or line break (whitespace is folded when kept);
        # folded again so that a hand-edited item cannot break the file.
        return f"{self.language}\t{self.reason}\t{' '.join(self.text.split())}"


def _agent_reasons(contact_ids: list[str]) -> dict[str, str]:
    """The reason the agent set on each contact: the wrap-up entry's, else the
    contact record's (as the timeline keeps it); erased or expired items count as none."""
    from chalicelib.db import is_live
    from chalicelib.interactions.models import InteractionModel
    from chalicelib.web.wrapup import entry_id

    keys = [key for contact in contact_ids for key in (contact, entry_id(contact))]
    found: dict[str, InteractionModel] = {
        item.interaction_id: item for item in InteractionModel.batch_get(keys) if is_live(item) and not item.erased}
    reasons = {}
    for contact in contact_ids:
        wrap_up = found.get(entry_id(contact))
        interaction = found.get(contact)
        reason = (wrap_up.detail or {}).get("reason") if wrap_up is not None else None
        reason = reason or (interaction.contact_reason if interaction is not None else None)
        if reason:
            reasons[contact] = reason
    return reasons


def collect(now: datetime | None = None) -> tuple[list[Example], Counter[str]]:
    """Every kept text joined with the agent's reason (sorted, so that a new export
    changes the file only where the examples changed), and how many kept texts were
    left out, by why. The table is read a page at a time."""
    from chalicelib.db import is_live, utcnow
    from chalicelib.reasons.models import ReasonTextModel

    now = now or utcnow()
    examples: list[Example] = []
    skipped: Counter[str] = Counter()
    page: list[Any] = []
    for item in ReasonTextModel.scan():
        if is_live(item, now):
            page.append(item)
        if len(page) == BATCH // 2:  # two keys per contact in one BatchGetItem
            _join(page, examples, skipped)
            page = []
    _join(page, examples, skipped)
    return sorted(examples, key=lambda e: (e.language, e.reason, e.text)), skipped


def _join(texts: list[Any], examples: list[Example], skipped: Counter[str]) -> None:
    from chalicelib.reasons import catalogue
    from chalicelib.reasons.text import STEMMERS

    if not texts:
        return
    agent = _agent_reasons([item.contact_id for item in texts])
    known = catalogue.load()
    for item in texts:
        reason = known.normalise(agent.get(item.contact_id))
        if item.contact_id not in agent:
            skipped["no reason from the agent"] += 1
        elif reason is None:
            skipped["a reason the catalogue does not know"] += 1
        elif reason == "other":
            skipped["the agent set other"] += 1
        elif item.language not in STEMMERS:
            skipped["a language the model does not read"] += 1
        elif not item.text.strip():
            skipped["no words"] += 1
        else:
            examples.append(Example(item.language, reason, item.text))


def write(examples: list[Example], path: Path = DEFAULT_OUT) -> None:
    """Replace the file with these examples (an empty file when there are none)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text("".join(example.line() + "\n" for example in examples), encoding="utf-8")
    partial.replace(path)


def _environment(args: argparse.Namespace) -> None:
    """Settings and credentials for the stage asked for, before chalicelib is imported."""
    from devkit import localenv

    if args.stage == localenv.STAGE:
        endpoint = args.endpoint or os.environ.get("AWS_ENDPOINT_URL", "")
        if not endpoint:
            raise SystemExit("the local stage lives in the embedded AWS of a running `make serve`: pass the "
                             "endpoint it prints (--endpoint http://127.0.0.1:PORT, or ENDPOINT=... to make), "
                             "or --stage dev|prod for a deployed stage")
        localenv.apply()
        os.environ["AWS_ENDPOINT_URL"] = endpoint
        return
    if args.endpoint:
        raise SystemExit("--endpoint is for the local stage only; a deployed stage is reached with your AWS "
                         "credentials (AWS_PROFILE) and --region")
    region = args.region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    if not region:
        raise SystemExit("name the stage's region: --region eu-central-1 (or AWS_REGION)")
    os.environ.update(localenv.stage_environment(args.stage))
    os.environ.update(AWS_REGION=region, AWS_DEFAULT_REGION=region, POWERTOOLS_LOG_LEVEL="WARNING")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--stage", default="local", help="local (default: `make serve`'s embedded AWS), dev, prod")
    parser.add_argument("--endpoint", default="", help="the embedded AWS `make serve` prints (local stage)")
    parser.add_argument("--region", default="", help="the deployed stage's region")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="where to write the examples")
    args = parser.parse_args(argv)
    _environment(args)
    examples, skipped = run(args.out)
    by_language = Counter(example.language for example in examples)
    shown = ", ".join(f"{language} {n}" for language, n in sorted(by_language.items())) or "none"
    print(f"{len(examples)} examples ({shown}) written to {_shown_path(args.out)}")
    for why, n in sorted(skipped.items()):
        print(f"  left out: {n} ({why})")
    if examples:
        print("Retrain with `make reasons-model`, then `make bench` to compare.")
    return 0


def run(out: Path = DEFAULT_OUT, now: datetime | None = None) -> tuple[list[Example], Counter[str]]:
    """Collect and write; what was written and what was left out."""
    examples, skipped = collect(now)
    write(examples, out)
    return examples, skipped


def _shown_path(path: Path) -> Any:
    try:
        return path.resolve().relative_to(PROJECT)
    except ValueError:
        return path


if __name__ == "__main__":
    sys.exit(main())
