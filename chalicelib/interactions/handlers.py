"""Entry points for Amazon Connect's contact events and contact records.

Both are delivered at least once and in no particular order; the timeline is
idempotent, so these only decode, report and hand over.

- Contact events (EventBridge, asynchronous invocation): a failure raises, so Lambda
  retries the event twice and then hands it to the function's dead-letter queue (the
  rule's own queue only catches events EventBridge could not deliver to Lambda).
- Contact records (Kinesis): each record that cannot be processed is reported in
  `batchItemFailures` (ReportBatchItemFailures is enabled on the event source by
  infra/contact-records.json); the others in the batch are kept.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from chalicelib.interactions import parse
from chalicelib.observability import bind_contact, count, get_logger


def _timeline() -> Any:
    from chalicelib.interactions.service import Timeline
    from chalicelib.settings import get_settings

    return Timeline(get_settings())


def contact_event(event: dict[str, Any]) -> bool:
    """Fold one contact event in; True if it changed anything."""
    logger = get_logger()
    if (parse.get(event, "source") != parse.CONTACT_EVENT_SOURCE
            or parse.get(event, "detail-type") != parse.CONTACT_EVENT_DETAIL_TYPE):
        # The rule's pattern only lets contact events through; anything else is a
        # misrouted event that holds no contact.
        logger.warning("not an Amazon Connect contact event; ignored",
                       extra={"source": parse.text(parse.get(event, "source"), 64)})
        return False
    try:
        observation = parse.contact_event(event)
    except parse.UnusableInput as e:
        logger.error("unusable contact event", extra={"problem": str(e), "event_id": parse.text(event.get("id"))})
        raise
    bind_contact(observation.contact_id)
    timeline = _timeline()
    changed = timeline.record(observation)
    # The live floor keeps who waits in which queue, cases hear a customer who wrote
    # again; each is idempotent on its own.
    from chalicelib import events

    customer_id = (timeline.last_item or {}).get("customer_id")
    events.announce(events.CONTACT_EVENT, {"observation": observation, "customerId": customer_id})
    logger.info("contact event recorded", extra={
        "source": observation.source, "interaction_id": observation.interaction_id, "changed": changed})
    return changed


def _announce_recorded(observation: parse.Observation, interaction: dict[str, Any] | None) -> None:
    """Tell the capabilities that a contact record was kept (surveys consider whether
    the contact ended and is one to survey)."""
    from chalicelib import events

    events.announce(events.CONTACT_ENDED, {"observation": observation, "interaction": interaction})


def _not_json(constant: str) -> None:
    raise ValueError(f"{constant} is not JSON")


def _decode(record: dict[str, Any]) -> parse.Observation:
    """One Kinesis record as an observation, or UnusableInput: whatever is wrong with
    one record (not base64, not JSON, NaN or Infinity, nested past what a parser can
    follow) concerns that record only."""
    try:
        data = base64.b64decode(record["kinesis"]["data"], validate=True)
        return parse.contact_record(json.loads(data, parse_constant=_not_json))
    except parse.UnusableInput:
        raise
    except (KeyError, TypeError, binascii.Error, ValueError, OverflowError, RecursionError) as e:
        raise parse.UnusableInput(f"not a base64 JSON contact record ({type(e).__name__})") from None


def contact_records(event: dict[str, Any]) -> dict[str, list[dict[str, str]]]:
    """Fold a batch of contact records in; report the ones that failed."""
    logger = get_logger()
    failures: list[str] = []
    decoded: list[tuple[str, parse.Observation]] = []
    for record in event.get("Records") or []:
        sequence = str(parse.get(parse.get(record, "kinesis"), "sequenceNumber") or "")
        try:
            decoded.append((sequence, _decode(record)))
        except parse.UnusableInput as e:
            logger.error("unusable contact record", extra={"problem": str(e), "sequence_number": sequence})
            failures.append(sequence)
        except Exception:
            logger.exception("contact record not read; reported", extra={"sequence_number": sequence})
            failures.append(sequence)

    # A batch often holds several copies of one contact's record; only the newest
    # matters (the others would change nothing after it).
    newest: dict[str, tuple[str, str, str]] = {}
    for sequence, observation in decoded:
        rank = (observation.stamp, observation.copy["fp"], sequence)
        if rank > newest.get(observation.contact_id, ("", "", "")):
            newest[observation.contact_id] = rank
    timeline = _timeline()
    ingested = 0
    for sequence, observation in decoded:
        if newest[observation.contact_id][2] != sequence:
            continue
        bind_contact(observation.contact_id)
        try:
            changed = timeline.record(observation)
            _announce_recorded(observation, timeline.last_item)
        except Exception:
            logger.exception("contact record not recorded; reported for retry",
                             extra={"sequence_number": sequence, "interaction_id": observation.interaction_id})
            failures.append(sequence)
            continue
        logger.info("contact record recorded", extra={"interaction_id": observation.interaction_id,
                                                      "changed": changed})
        ingested += 1
    bind_contact(None)
    count("ContactsIngested", ingested, source="contact_record")
    return {"batchItemFailures": [{"itemIdentifier": sequence} for sequence in failures]}
