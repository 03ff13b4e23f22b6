"""A day of generated traffic replayed the way AWS delivers it: every contact event
and contact record one to three times, in shuffled order, records in Kinesis batches
of random size. The KPI counters must equal a recomputation from the generated truth,
written here independently of the product's code."""

from __future__ import annotations

import contextlib
import json
import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import pytest

from chalicelib.db import utcnow
from chalicelib.profiles.models import CustomerModel
from devkit import moto_transactions
from tests.helpers import kinesis_event
from tests.integration.test_timeline import counters, get

INSTANCE = "arn:aws:connect:eu-central-1:123456789012:instance/c8c0e68d-2200-4265-82c0-5f3a1b2c3d4e"
QUEUES = ["Billing", "Support", "Retention", "Sales"]
AGENTS = ["ioana.m", "andrei.p", "maria.t", "luca.b", "giulia.r", "eszter.k", "james.w", "radu.c"]
REASONS = ["billing", "delivery", "return", "technical"]
WINDOW_HOURS = 4
# Each queue's service-level threshold (WFM_QUEUES serviceLevel.seconds; "*" for the rest).
THRESHOLDS = {"*": 30, "Billing": 60}
INTERACTIONS = 150


@dataclass
class Leg:
    contact_id: str
    start: datetime
    method: str
    queue: str | None
    wait: int
    agent: str | None
    talk: int
    hold: int
    acw: int
    reason: str
    resolved: str = ""
    previous: str | None = None
    next: str | None = None

    @property
    def queued(self) -> bool:
        return self.queue is not None

    @property
    def end(self) -> datetime:
        return self.start + timedelta(seconds=self.wait + self.talk + self.hold + 5)


@dataclass
class Interaction:
    customer: str  # the truth: who it really is (a known profile id or an unknown number)
    channel: str
    legs: list[Leg] = field(default_factory=list)
    address: tuple[str, str] | None = None
    attributes: dict[str, str] = field(default_factory=dict)
    linked: bool = False

    @property
    def id(self) -> str:
        return self.legs[0].contact_id

    @property
    def start(self) -> datetime:
        return self.legs[0].start


def _stamp(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def generate(rng: random.Random, day: datetime, known: dict[str, dict[str, str]], unknown: list[str],
             contacts: int = INTERACTIONS):
    interactions = []
    regulars = list(known)
    for n in range(contacts):
        roll = rng.random()
        channel = rng.choices(["VOICE", "CHAT", "EMAIL", "TASK"], [50, 30, 10, 10])[0]
        if channel == "TASK" or roll < 0.75:
            customer = rng.choice(regulars[: len(regulars) // 2] if rng.random() < 0.5 else regulars)
            profile = known[customer]
        else:
            channel = "VOICE"
            customer, profile = rng.choice(unknown), None
        interaction = Interaction(customer=customer, channel=channel)
        if channel == "VOICE":
            interaction.address = (profile["phone"] if profile else customer, "TELEPHONE_NUMBER")
        elif channel == "EMAIL":
            interaction.address = (profile["email"], "EMAIL_ADDRESS")
        if profile:
            way = rng.choice(["link", "attribute", "address"])
            if way == "link" or (way == "address" and interaction.address is None):
                interaction.linked = True
            elif way == "attribute" or channel == "TASK":
                interaction.attributes["customerId"] = customer
        if channel == "TASK":
            interaction.attributes["customerId"] = customer
            interaction.linked = False
        start = day + timedelta(hours=6, seconds=rng.randrange(0, 12 * 3600))
        method = {"VOICE": "INBOUND", "CHAT": "API", "EMAIL": "INBOUND", "TASK": "API"}[channel]
        legs = rng.choices([1, 2, 3], [70, 20, 10])[0] if channel in ("VOICE", "CHAT") else 1
        reason = rng.choice(REASONS)
        for i in range(legs):
            abandoned = i == legs - 1 and channel == "VOICE" and rng.random() < 0.15
            queued = not (channel == "VOICE" and i == 0 and legs == 1 and rng.random() < 0.05)
            leg = Leg(
                contact_id=f"c{n:03d}-{i}", start=start, method=method if i == 0 else "TRANSFER",
                queue=rng.choice(QUEUES) if queued or abandoned else None, wait=rng.randrange(0, 300),
                agent=None if abandoned or not queued else rng.choice(AGENTS),
                talk=rng.randrange(30, 900), hold=rng.choice([0, 0, rng.randrange(5, 120)]),
                acw=rng.randrange(0, 120), reason=reason)
            if leg.agent is None:
                leg.talk = leg.hold = leg.acw = 0
            if i == legs - 1 and rng.random() < 0.2:
                leg.reason = rng.choice(REASONS)
            if i == legs - 1 and rng.random() < 0.1:
                leg.resolved = "false"
            if interaction.legs:
                leg.previous = interaction.legs[-1].contact_id
                interaction.legs[-1].next = leg.contact_id
            interaction.legs.append(leg)
            start = leg.end
        interactions.append(interaction)
    return interactions


def contact_record(interaction: Interaction, leg: Leg, updated: datetime, reason: str | None = None) -> dict:
    attributes = {**interaction.attributes, "contactReason": reason or leg.reason}
    if leg.resolved:
        attributes["resolved"] = leg.resolved
    record = {
        "AWSAccountId": "123456789012", "AWSContactTraceRecordFormatVersion": "2017-03-10",
        "ContactId": leg.contact_id, "InitialContactId": interaction.id if leg.previous else None,
        "PreviousContactId": leg.previous, "NextContactId": leg.next, "Channel": interaction.channel,
        "InitiationMethod": leg.method, "InitiationTimestamp": _stamp(leg.start), "InstanceARN": INSTANCE,
        "LastUpdateTimestamp": _stamp(updated), "DisconnectTimestamp": _stamp(leg.end),
        "DisconnectReason": "CUSTOMER_DISCONNECT", "Attributes": attributes,
        "CustomerEndpoint": {"Address": interaction.address[0], "Type": interaction.address[1]}
        if interaction.address else None,
        "Queue": {"Name": leg.queue, "ARN": f"{INSTANCE}/queue/{leg.queue}", "Duration": leg.wait,
                  "EnqueueTimestamp": _stamp(leg.start + timedelta(seconds=2)),
                  "DequeueTimestamp": _stamp(leg.start + timedelta(seconds=2 + leg.wait))} if leg.queued else None,
        "Agent": {"Username": leg.agent, "ARN": f"{INSTANCE}/agent/{leg.agent}",
                  "ConnectedToAgentTimestamp": _stamp(leg.start + timedelta(seconds=2 + leg.wait)),
                  "AgentInteractionDuration": leg.talk, "CustomerHoldDuration": leg.hold,
                  "AfterContactWorkDuration": leg.acw} if leg.agent else None,
        "SomethingNew": {"fields": "appear over time"},
    }
    return record


def contact_events(interaction: Interaction, leg: Leg, rng: random.Random) -> list[dict]:
    detail = {"contactId": leg.contact_id, "initialContactId": interaction.id, "channel": interaction.channel,
              "instanceArn": INSTANCE, "initiationMethod": leg.method, "initiationTimestamp": _stamp(leg.start)}
    if leg.previous:
        detail["previousContactId"] = leg.previous
    steps = [("INITIATED", leg.start, {})]
    if leg.queued:
        queue = {"queueArn": f"{INSTANCE}/queue/{leg.queue}", "queueType": "STANDARD",
                 "enqueueTimestamp": _stamp(leg.start + timedelta(seconds=2))}
        steps.append(("QUEUED", leg.start + timedelta(seconds=2), {"queueInfo": queue}))
    if leg.agent:
        agent = {"agentArn": f"{INSTANCE}/agent/{leg.agent}",
                 "connectedToAgentTimestamp": _stamp(leg.start + timedelta(seconds=2 + leg.wait))}
        key = "AgentInfo" if rng.random() < 0.3 else "agentInfo"
        steps.append(("CONNECTED_TO_AGENT", leg.start + timedelta(seconds=2 + leg.wait), {key: agent}))
    if rng.random() < 0.3:
        steps.append(("CONTACT_DATA_UPDATED", leg.start + timedelta(seconds=1), {"updatedProperties": ["Attributes"]}))
    steps.append(("DISCONNECTED", leg.end, {"disconnectTimestamp": _stamp(leg.end),
                                            "disconnectReason": "CUSTOMER_DISCONNECT"}))
    return [{
        "version": "0", "id": f"{leg.contact_id}-{kind}", "detail-type": "Amazon Connect Contact Event",
        "source": "aws.connect", "account": "123456789012", "time": _stamp(at), "region": "eu-central-1",
        "resources": [INSTANCE], "detail": {**detail, "eventType": kind, **extra},
    } for kind, at, extra in steps]


def expected_counters(interactions: list[Interaction], owner: dict[str, str]) -> dict[str, dict[str, int]]:
    """The counters recomputed from the truth, without the product's code."""
    expected: dict[str, dict[str, int]] = {}

    def count(day: str, groups: dict[str, str | None], **fields: int) -> None:
        for dimension, value in [("all", "all")] + [(d, v or "unassigned") for d, v in groups.items()]:
            bucket = expected.setdefault(f"{day}#{dimension}#{value}", {})
            for name, n in fields.items():
                if n:
                    bucket[name] = bucket.get(name, 0) + n

    def local(moment: datetime) -> str:
        from zoneinfo import ZoneInfo

        return moment.astimezone(ZoneInfo("Europe/Bucharest")).date().isoformat()

    for interaction in interactions:
        reason = interaction.legs[-1].reason
        for leg in interaction.legs:
            handled = leg.agent is not None
            count(local(leg.start), {"channel": interaction.channel, "reason": reason, "queue": leg.queue,
                                     "agent": leg.agent},
                  queued=int(leg.queued), queue_wait_seconds=leg.wait if leg.queued else 0, handled=int(handled),
                  answered=int(leg.queued and handled), answer_wait_seconds=leg.wait if leg.queued and handled else 0,
                  answered_in_threshold=int(leg.queued and handled
                                            and leg.wait <= THRESHOLDS.get(leg.queue, THRESHOLDS["*"])),
                  handle_seconds=leg.talk + leg.hold + leg.acw if handled else 0,
                  abandoned=int(leg.queued and not handled and leg.next is None), transfers=int(leg.next is not None),
                  # calls in, to a number whose country the records do not say
                  phone_in_seconds_xx=int((leg.end - leg.start).total_seconds())
                  if interaction.channel == "VOICE" else 0)
        last_queue = next((leg.queue for leg in reversed(interaction.legs) if leg.queue), None)
        last_agent = next((leg.agent for leg in reversed(interaction.legs) if leg.agent), None)
        count(local(interaction.start), {"channel": interaction.channel, "reason": reason, "queue": last_queue,
                                         "agent": last_agent}, contacts=1, chats=int(interaction.channel == "CHAT"))

    by_customer: dict[str, list[Interaction]] = {}
    for interaction in interactions:
        if interaction.channel != "TASK":  # only customer-started contacts count for FCR
            by_customer.setdefault(owner[interaction.customer], []).append(interaction)
    window = timedelta(hours=WINDOW_HOURS)
    for contacts in by_customer.values():
        contacts.sort(key=lambda i: (i.start, i.id))
        for position, interaction in enumerate(contacts):
            later = contacts[position + 1:]
            earlier = contacts[:position]
            repeated = any(other.start - interaction.start <= window for other in later)
            is_repeat = any(interaction.start - other.start <= window for other in earlier)
            handled = any(leg.agent for leg in interaction.legs)
            last_queue = next((leg.queue for leg in reversed(interaction.legs) if leg.queue), None)
            last_agent = next((leg.agent for leg in reversed(interaction.legs) if leg.agent), None)
            count(local(interaction.start), {"channel": interaction.channel, "reason": interaction.legs[-1].reason,
                                             "queue": last_queue, "agent": last_agent},
                  fcr_eligible=int(handled),
                  fcr_resolved=int(handled and not repeated and interaction.legs[-1].resolved != "false"),
                  repeat_contacts=int(is_repeat))
    return {k: v for k, v in expected.items() if v}


# The local run's transaction rollback (devkit/moto_transactions.py) must give what moto
# itself gives: the same exact counters, timelines and profiles. moto as released copies
# whole tables per transaction item, so it replays a shorter day to keep the suite fast.
@pytest.mark.parametrize(("transactions", "contacts"), [("item-level rollback", INTERACTIONS),
                                                        ("moto as released", INTERACTIONS // 2)])
def test_a_day_of_traffic_delivered_at_least_once_in_any_order_gives_exact_counters(client, settings_env,
                                                                                     transactions, contacts):
    with contextlib.ExitStack() as stack:
        if transactions == "moto as released":
            stack.enter_context(moto_transactions.unpatched())
        replay_a_day(client, settings_env, contacts)


def replay_a_day(client, settings_env, contacts: int = INTERACTIONS):
    from chalicelib.profiles import schema
    from chalicelib.profiles.identity import Identity
    from chalicelib.profiles.service import Profiles
    from chalicelib.settings import get_settings

    settings_env(REPEAT_WINDOW_HOURS=str(WINDOW_HOURS), WFM_QUEUES=json.dumps(
        {queue: {"serviceLevel": {"target": 0.8, "seconds": seconds}} for queue, seconds in THRESHOLDS.items()}))
    rng = random.Random(20250514)
    profiles = Profiles(get_settings())
    known = {}
    for n in range(40):
        phone, email = f"+40721{n:06d}", f"customer{n}@example.ro"
        customer = profiles.create(schema.ProfileInput(identities={
            "phone": Identity("phone", phone), "email": Identity("email", email)}))
        known[customer.customer_id] = {"phone": phone, "email": email}
    unknown = [f"+39333{n:07d}" for n in range(12)]
    day = datetime.combine(utcnow().date() - timedelta(days=1), datetime.min.time(), UTC)
    interactions = generate(rng, day, known, unknown, contacts)

    # What the contact flow's lookup would have noted for linked contacts.
    for interaction in interactions:
        if interaction.linked:
            profiles.link_contact(interaction.id, interaction.customer, interaction.channel)

    deliveries: list[tuple[str, dict]] = []
    for interaction in interactions:
        for leg in interaction.legs:
            deliveries += [("event", e) for e in contact_events(interaction, leg, rng)]
            final = contact_record(interaction, leg, leg.end + timedelta(seconds=90))
            deliveries.append(("record", final))
            if rng.random() < 0.2:  # an earlier copy, superseded by the final record
                deliveries.append(("record", contact_record(interaction, leg, leg.end + timedelta(seconds=30),
                                                            reason=rng.choice(REASONS))))
    deliveries = [d for d in deliveries for _ in range(rng.randint(1, 3))]
    rng.shuffle(deliveries)

    batch: list[dict] = []
    batch_size = rng.randint(1, 25)
    for kind, document in deliveries:
        if kind == "event":
            client.lambda_.invoke("on_contact_event", document)
            continue
        batch.append(document)
        if len(batch) >= batch_size:
            assert client.lambda_.invoke("on_contact_record", kinesis_event(batch)).payload == {"batchItemFailures": []}
            batch, batch_size = [], rng.randint(1, 25)
    if batch:
        assert client.lambda_.invoke("on_contact_record", kinesis_event(batch)).payload == {"batchItemFailures": []}

    # Unknown numbers got a profile each; map the truth onto them.
    owner = {customer: customer for customer in known}
    for number in unknown:
        found = profiles.identify([Identity("phone", number)])
        owner[number] = found.customer_id if found else number
    expected = expected_counters(interactions, owner)
    assert counters() == expected

    # The report reads the same totals.
    status, report = get(client, f"/metrics?from={day.date()}&to={day.date()}&by=agent")
    assert status == 200
    totals = expected[f"{day.date()}#all#all"]
    assert report["totals"]["contacts"] == totals["contacts"] == contacts
    assert report["totals"]["fcrResolved"] == totals["fcr_resolved"]
    assert sum(group["handled"] for group in report["groups"]) == totals["handled"]

    # Every customer's timeline holds exactly their contacts, the profile their last one.
    for customer in set(owner.values()):
        theirs = sorted((i for i in interactions if owner[i.customer] == customer), key=lambda i: (i.start, i.id))
        if not theirs:
            continue
        status, timeline = get(client, f"/customers/{customer}/timeline?limit=100")
        # (Their timeline also shows what was sent to them, the survey invitations.)
        contacts = [i["id"] for i in timeline["interactions"] if i["kind"] == "contact"]
        assert contacts == [i.id for i in reversed(theirs)]
        profile = CustomerModel.get(customer)
        assert profile.last_contact_at == theirs[-1].start
        assert profile.last_channel == theirs[-1].channel
