"""The timeline: folds contact events and contact records into interactions, keeps
each customer's derived fields and first-contact resolution, and the KPI counters.

Every change is one DynamoDB transaction holding the interaction (conditional on its
`version`), the customer's ledger (conditional on `activity_version`) and the counter
differences, as a journal item of its own that the aggregator applies to the KPI
counters (chalicelib/metrics/journal.py: no item every contact writes). Either all of
it happens or none; a concurrent writer makes
the condition fail and the change is recomputed from fresh reads. A copy that is not
newer than what the interaction already holds changes nothing and writes nothing, so
redelivery costs one read.
"""

from __future__ import annotations

import base64
import copy
import json
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from chalicelib.db import (
    Contended,
    connection,
    dynamo_errors,
    expiry,
    is_live,
    put_conditional,
    retry_contended,
    transact_write,
    utcnow,
)
from chalicelib.errors import DependencyFailure, InvalidInput
from chalicelib.interactions import fold as folding
from chalicelib.interactions import ledger as ledgers
from chalicelib.interactions.models import InteractionModel
from chalicelib.interactions.parse import CTR, Observation, parse_time
from chalicelib.metrics import counters, journal
from chalicelib.profiles import schema
from chalicelib.profiles.identity import contact_addresses
from chalicelib.profiles.models import ContactLinkModel, CustomerModel
from chalicelib.profiles.service import Profiles
from chalicelib.settings import Settings
from chalicelib.wire import item_from_wire, to_wire

MAX_ATTEMPTS = 6
MAX_TRANSACTION_ITEMS = 100
# A put refused because a condition failed or another writer's transaction holds the item.


class _ErasedCustomer(Exception):
    """The contact names a customer who was erased."""


def _erased(customer_id: str) -> bool:
    """Whether this customer id was erased (its erasure record, the tombstone, exists)."""
    from chalicelib.privacy.erasure import find_erasure

    return find_erasure(customer_id) is not None


class Timeline:
    """Interactions, per-customer ledgers and KPI counters."""

    def __init__(self, settings: Settings, client: Any = None) -> None:
        self.settings = settings
        self._client = client
        # The interaction as the last record() left it (plain values), for whoever acts
        # on a contact once it is recorded (surveys) without reading it again.
        self.last_item: dict[str, Any] | None = None

    @property
    def client(self) -> Any:
        return self._client or connection().client

    # ---- writing ---------------------------------------------------------------

    def record(self, observation: Observation) -> bool:
        """Fold one observation in. True if it changed anything."""
        return retry_contended(lambda: self._record_once(observation), attempts=MAX_ATTEMPTS, max_pause=0.5,
                               failure="recording a contact failed: the interaction kept changing meanwhile")

    def _record_once(self, observation: Observation) -> bool:
        interaction_id = observation.interaction_id
        current = self._interaction(interaction_id) or {}
        self.last_item = current or None
        if current.get("erased"):
            return False
        legs = json.loads(current.get("legs") or "{}")
        leg = legs.setdefault(observation.contact_id, {})
        stored, new = leg.get(observation.source), observation.copy
        if isinstance(stored, Mapping) and (stored.get("at", ""), stored.get("fp", "")) >= (new["at"], new["fp"]):
            return False
        leg[observation.source] = new
        folding.compact(leg)
        if current and legs == json.loads(current.get("legs") or "{}"):
            return False  # a contact event the contact record already says all of

        customer = self._customer(current["customer_id"]) if current.get("customer_id") else None
        if customer is None:
            try:
                customer = self._resolve(observation)
            except _ErasedCustomer:
                # A late copy about an erased customer: it brings nothing back, and
                # the mark left makes every later copy change nothing either.
                self._mark_erased(interaction_id, version=int(current.get("version") or 0))
                return False
        display = folding.fold(interaction_id, legs)
        kpi = folding.fold(interaction_id, legs, kpi=True)
        applied = folding.volume_contribution(kpi, self.settings.metrics_time_zone, self.settings.wfm_queues)
        change = counters.delta(counters.expand(json.loads(current.get("applied") or "null")),
                                counters.expand(applied))
        version = int(current.get("version") or 0)
        summary = display.summary()
        item: dict[str, Any] = {
            **summary,
            "interaction_id": interaction_id,
            "customer_id": customer.customer_id if customer else None,
            "started_key": f"{summary['started_at']}#{interaction_id}" if summary["started_at"] else None,
            "legs": _json(legs),
            "applied": _json(applied) if applied else None,
            "fcr": current.get("fcr"),
            "ledgered": current.get("ledgered"),
            "version": version + 1,
            "expires_at": int(expiry(self.settings.interaction_retention_days,
                                     parse_time(summary["started_at"]) or utcnow()).timestamp()),
        }
        transaction = [{"Put": {
            "TableName": self.settings.interactions_table,
            "Item": {k: to_wire(v) for k, v in item.items() if v is not None},
            "ConditionExpression": "version = :v" if current else "attribute_not_exists(interaction_id)",
            **({"ExpressionAttributeValues": {":v": to_wire(version)}} if current else {}),
        }}]

        if customer is not None:
            activity = copy.deepcopy(customer.fcr_ledger or {})
            previous = activity.get(interaction_id)
            # An interaction that had an entry which is no longer there was trimmed:
            # its share of the FCR counters is final and must not be counted again.
            if previous is not None or not current.get("ledgered"):
                entry = ledgers.entry(display, kpi, previous)
                activity[interaction_id] = entry
                fcr_change, changed = self._refresh(activity)
                change = counters.combine([change, fcr_change])
                if interaction_id in changed:
                    item["fcr"] = changed.pop(interaction_id)
                    transaction[0]["Put"]["Item"]["fcr"] = to_wire(item["fcr"])
                transaction[0]["Put"]["Item"]["ledgered"] = to_wire(True)
                dropped = set()
                if previous and previous.get("started_at") != entry.get("started_at"):
                    moment = parse_time(previous.get("started_at"))
                    dropped = {moment.isoformat()} if moment else set()
                fields = ledgers.profile_fields(activity, customer, dropped, utcnow())
                # Most contact events change nothing the ledger keeps (a queue or agent
                # step): writing the customer then would only bump its version.
                if activity != (customer.fcr_ledger or {}) or changed or fcr_change or _differs(customer, fields):
                    transaction.append(self._customer_update(customer, activity, fields))
                    transaction += self._flag_updates(changed)
        transaction += journal.put(self.settings, kpi=change)
        self._commit(transaction, "recording a contact")
        self.last_item = item
        if customer is not None:
            from chalicelib.profiles.service import Profiles

            Profiles(self.settings).in_touch(customer)  # no I/O unless half the retention has passed
        return True

    def _refresh(self, activity: dict[str, dict[str, Any]]) -> tuple[counters.Contribution, dict[str, Any]]:
        change, changed = ledgers.recompute(activity, self.settings.repeat_window_hours,
                                            self.settings.repeat_same_reason, self.settings.metrics_time_zone)
        ledgers.trim(activity, self.settings.repeat_window_hours)
        return change, changed

    def reassign(self, duplicate_id: str, survivor_id: str) -> int:
        """Move a merged duplicate's history to the survivor: its interactions, and its
        ledger folded into the survivor's (first-contact resolution is recomputed over
        both, so a repeat across the two profiles is now seen). Safe to repeat.
        Returns how many interactions moved."""
        from botocore.exceptions import ClientError

        moved = 0
        for interaction_id in self._interaction_ids(duplicate_id):
            with dynamo_errors("moving an interaction"):
                try:
                    self.client.update_item(
                        TableName=self.settings.interactions_table,
                        Key={"interaction_id": to_wire(interaction_id)},
                        UpdateExpression="SET customer_id = :survivor",
                        ConditionExpression="customer_id = :duplicate",
                        ExpressionAttributeValues={":survivor": to_wire(survivor_id),
                                                   ":duplicate": to_wire(duplicate_id)})
                    moved += 1
                except ClientError as e:
                    # Moved meanwhile by a repeated merge: nothing left to do for it.
                    if e.response.get("Error", {}).get("Code") != "ConditionalCheckFailedException":
                        raise
        retry_contended(lambda: self._fold_ledger(duplicate_id, survivor_id), attempts=MAX_ATTEMPTS, max_pause=0.5,
                        failure="moving contact history failed: the customers kept changing meanwhile")
        return moved

    def _fold_ledger(self, duplicate_id: str, survivor_id: str) -> None:
        with dynamo_errors("reading a customer"):
            try:
                duplicate = CustomerModel.get(duplicate_id, consistent_read=True)
            except CustomerModel.DoesNotExist:
                return
        theirs = duplicate.fcr_ledger or {}
        survivor = self._customer(survivor_id)
        if not theirs or survivor is None:
            return
        activity = copy.deepcopy(survivor.fcr_ledger or {})
        for interaction_id, entry in theirs.items():
            activity.setdefault(interaction_id, entry)
        change, changed = self._refresh(activity)
        fields = ledgers.profile_fields(activity, survivor, set(), utcnow())
        version = int(duplicate.fcr_ledger_version or 0)
        transaction = [
            self._customer_update(survivor, activity, fields),
            {"Update": {
                "TableName": self.settings.customers_table,
                "Key": {"customer_id": to_wire(duplicate_id)},
                "UpdateExpression": "REMOVE activity SET activity_version = :next",
                "ConditionExpression": "activity_version = :current",
                "ExpressionAttributeValues": {":next": to_wire(version + 1), ":current": to_wire(version)},
            }},
            *self._flag_updates(changed),
            *journal.put(self.settings, kpi=change),
        ]
        self._commit(transaction, "moving contact history")

    def _customer_update(self, customer: CustomerModel, activity: Mapping[str, Any],
                         fields: Mapping[str, Any]) -> dict[str, Any]:
        version = int(customer.fcr_ledger_version or 0)
        names = {"#activity": "activity", "#version": "activity_version"}
        values: dict[str, Any] = {":activity": to_wire(_json(activity)), ":next": to_wire(version + 1)}
        sets, removes = ["#activity = :activity", "#version = :next"], []
        for name, value in fields.items():
            names[f"#{name}"] = name
            if value is None:
                removes.append(f"#{name}")
                continue
            if isinstance(value, datetime):
                value = getattr(CustomerModel, name).serialize(value)
            values[f":{name}"] = to_wire(value)
            sets.append(f"#{name} = :{name}")
        condition = "attribute_exists(customer_id) AND attribute_not_exists(merged_into) AND "
        if version:
            condition += "#version = :current"
            values[":current"] = to_wire(version)
        else:
            condition += "attribute_not_exists(#version)"
        return {"Update": {
            "TableName": self.settings.customers_table,
            "Key": {"customer_id": to_wire(customer.customer_id)},
            "UpdateExpression": "SET " + ", ".join(sets) + (" REMOVE " + ", ".join(removes) if removes else ""),
            "ConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": values,
        }}

    def _flag_updates(self, changed: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Other interactions whose first-contact resolution changed (a repeat arrived)."""
        return [{"Update": {
            "TableName": self.settings.interactions_table,
            "Key": {"interaction_id": to_wire(interaction_id)},
            "UpdateExpression": "SET fcr = :fcr ADD version :one",
            "ConditionExpression": "attribute_exists(interaction_id)",
            "ExpressionAttributeValues": {":fcr": to_wire(flags), ":one": to_wire(1)},
        }} for interaction_id, flags in sorted(changed.items())]

    def _commit(self, transaction: list[dict[str, Any]], action: str) -> None:
        if len(transaction) > MAX_TRANSACTION_ITEMS:
            raise DependencyFailure(f"{action} failed: {len(transaction)} items exceed one transaction")
        if len(transaction) == 1 and "Put" in transaction[0]:
            # Nothing but the interaction changes (most contact events): a conditional
            # put does it for half the cost of a transaction.
            with dynamo_errors(action):
                put_conditional(self.client, transaction[0]["Put"])
            return
        with dynamo_errors(action):
            transact_write(self.client, transaction)

    # ---- reading ---------------------------------------------------------------

    def _interaction(self, interaction_id: str) -> dict[str, Any] | None:
        with dynamo_errors("reading an interaction"):
            found = self.client.get_item(TableName=self.settings.interactions_table,
                                         Key={"interaction_id": to_wire(interaction_id)}, ConsistentRead=True)
        return item_from_wire(found["Item"]) if found.get("Item") else None

    def _interaction_ids(self, customer_id: str) -> list[str]:
        ids: list[str] = []
        request: dict[str, Any] = {
            "TableName": self.settings.interactions_table, "IndexName": "by_customer",
            "KeyConditionExpression": "customer_id = :c", "ProjectionExpression": "interaction_id",
            "ExpressionAttributeValues": {":c": to_wire(customer_id)},
        }
        while True:
            with dynamo_errors("reading a timeline"):
                page = self.client.query(**request)
            ids += [item["interaction_id"]["S"] for item in page.get("Items", [])]
            if not page.get("LastEvaluatedKey"):
                return ids
            request["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def _customer(self, customer_id: str) -> CustomerModel | None:
        """The live customer for an id, following merges; consistent, for the ledger."""
        return Profiles(self.settings).find(customer_id, consistent=True)

    def _mark_erased(self, interaction_id: str, version: int) -> None:
        """The mark an erasure leaves on an interaction: the id only, kept as long as
        redeliveries may come."""
        from pynamodb.exceptions import PutError

        mark = InteractionModel(interaction_id, erased=True, version=version + 1,
                                expires_at=expiry(self.settings.idempotency_retention_days))
        condition = InteractionModel.interaction_id.does_not_exist() | (InteractionModel.version == version)
        with dynamo_errors("marking an erased contact"):
            try:
                mark.save(condition=condition)
            except PutError as e:
                if e.cause_response_code != "ConditionalCheckFailedException":
                    raise
                raise Contended() from e

    def _resolve(self, observation: Observation) -> CustomerModel | None:
        """Whose contact this is: the `customerId` attribute the flow set from the
        lookup's answer, else the link the lookup left, else (contact records only)
        the customer's address, else a new profile for that address
        (AUTO_CREATE_PROFILES)."""
        # The flow copies the lookup's answer into the contact's attributes; only
        # contact records carry attributes.
        explicit = observation.attributes.get("customerId", "")
        if explicit:
            try:
                customer = self._customer(schema.customer_id(explicit))
            except InvalidInput:
                customer, explicit = None, ""
            if customer is not None:
                return customer
            if explicit and _erased(explicit):
                # Never fall through to the address: it would start the erased
                # customer again. A later contact that names no erased id starts afresh.
                raise _ErasedCustomer(explicit)
        ids = list(dict.fromkeys([observation.contact_id, observation.interaction_id]))
        with dynamo_errors("reading contact links"):
            links = {link.contact_id: link for link in ContactLinkModel.batch_get(ids) if is_live(link)}
        for contact_id in ids:
            if contact_id in links:
                if links[contact_id].erased:
                    # The lookup linked this contact to a customer since erased.
                    raise _ErasedCustomer(contact_id)
                customer = self._customer(links[contact_id].customer_id)
                if customer is not None:
                    return customer
        if observation.source != CTR:
            return None
        candidates, _ = contact_addresses(
            observation.attributes, channel=observation.facts.get("channel", ""), subtype=observation.subtype,
            address=observation.customer_address, address_type=observation.customer_address_type,
            default_region=self.settings.default_phone_region)
        return Profiles(self.settings).identify(candidates, create=self.settings.auto_create_profiles,
                                                consistent=True)

    def page(self, customer_id: str, limit: int, cursor: str | None) -> tuple[list[InteractionModel], str | None]:
        """One page of a customer's interactions, newest first, and the next cursor."""
        request: dict[str, Any] = {
            "TableName": self.settings.interactions_table, "IndexName": "by_customer",
            "KeyConditionExpression": "customer_id = :c", "ScanIndexForward": False, "Limit": limit,
            "ExpressionAttributeValues": {":c": to_wire(customer_id)},
        }
        if cursor:
            request["ExclusiveStartKey"] = _decode_cursor(cursor, customer_id)
        with dynamo_errors("reading a timeline"):
            found = self.client.query(**request)
        items = [InteractionModel.from_raw_data(raw) for raw in found.get("Items", [])]
        following = found.get("LastEvaluatedKey")
        return [i for i in items if is_live(i)], _encode_cursor(following) if following else None


def _differs(customer: CustomerModel, fields: Mapping[str, Any]) -> bool:
    """Whether writing `fields` (None removes) would change the customer's item."""
    for name, value in fields.items():
        current = getattr(customer, name, None)
        if name == "recent_contacts":
            if list(current or []) != list(value or []):
                return True
        elif (current if current not in ("", []) else None) != value:
            return True
    return False


def _json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


_CURSOR_KEYS = {"interaction_id", "customer_id", "started_key"}


def _encode_cursor(key: Mapping[str, Any]) -> str:
    plain_key = {name: value["S"] for name, value in key.items()}
    return base64.urlsafe_b64encode(json.dumps(plain_key, sort_keys=True).encode()).decode().rstrip("=")


def _decode_cursor(cursor: str, customer_id: str) -> dict[str, Any]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        key = json.loads(raw)
    except ValueError:
        key = None
    if (not isinstance(key, dict) or set(key) != _CURSOR_KEYS or not all(isinstance(v, str) for v in key.values())
            or key["customer_id"] != customer_id):
        raise InvalidInput("cursor is not one this timeline handed out; start again without it")
    return {name: {"S": value} for name, value in key.items()}


def follow_merge(event: Mapping[str, Any]) -> int:
    """Subscriber of "customers merged" (chalicelib.events): the duplicate's contact
    history follows it (repeating the merge repeats this too)."""
    from chalicelib.settings import get_settings

    return Timeline(get_settings()).reassign(event["duplicateId"], event["survivorId"])
