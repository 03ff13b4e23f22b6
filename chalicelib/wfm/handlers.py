"""Contact records counted per queue interval, beside the timeline's own handling.

Each record is decoded again here (a few microseconds) so that a failure to count one
is reported for that record alone; both consumers are idempotent, so a record retried
because either failed changes nothing the second time for the other.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from chalicelib.interactions import parse
from chalicelib.observability import get_logger


def count_intervals(event: dict[str, Any], result: dict[str, list[dict[str, str]]]) -> dict[str, list[dict[str, str]]]:
    """Count every contact record of the batch in its interval; add the records that
    could not be counted to `result`'s batch item failures."""
    from chalicelib.wfm.intervals import record_leg

    logger = get_logger()
    failed = {f["itemIdentifier"] for f in result.get("batchItemFailures", [])}
    newest: dict[str, tuple[str, str, str, parse.Observation]] = {}
    for record in event.get("Records") or []:
        sequence = str(parse.get(parse.get(record, "kinesis"), "sequenceNumber") or "")
        try:
            observation = _decode(record)
        except parse.UnusableInput:
            failed.add(sequence)  # the timeline reported it already
            continue
        # Copies of a record are ordered as the timeline orders them: newest update
        # first, then content.
        rank = (observation.stamp, observation.copy["fp"], sequence)
        if rank > newest.get(observation.contact_id, ("", "", "", observation))[:3]:
            newest[observation.contact_id] = (*rank, observation)
    for stamp, fp, sequence, observation in newest.values():
        try:
            record_leg(observation.contact_id, f"{stamp}|{fp}", observation.facts)
        except Exception:
            logger.exception("contact record not counted per interval; reported for retry",
                             extra={"sequence_number": sequence})
            failed.add(sequence)
    ordered = [r["kinesis"]["sequenceNumber"] for r in event.get("Records") or []
               if str(parse.get(parse.get(r, "kinesis"), "sequenceNumber") or "") in failed]
    return {"batchItemFailures": [{"itemIdentifier": s} for s in dict.fromkeys(ordered)]}


def _decode(record: dict[str, Any]) -> parse.Observation:
    try:
        return parse.contact_record(json.loads(base64.b64decode(record["kinesis"]["data"], validate=True)))
    except (KeyError, TypeError, binascii.Error, UnicodeDecodeError, json.JSONDecodeError) as e:
        raise parse.UnusableInput(f"not a base64 JSON contact record ({type(e).__name__})") from None
