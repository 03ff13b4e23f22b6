"""Who collects a return.

A `Carrier` books a pickup for a return and answers with the AWB (air waybill)
number the parcel travels under and a link to the label to print. Booking is
idempotent on the return's reference: asking again for the same return gives the
same AWB (every courier API worth using takes a client reference for this), so a
booking retried after a timeout never books two couriers.

The built-in `LocalCarrier` books nothing: it derives the AWB and label link from
the reference, always the same for the same return, which is what the local run and
the tests need. A real courier is a class with the same two members, named in the
CARRIER setting (package.module:Class, constructed with the settings).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Protocol

from chalicelib.settings import Settings


@dataclass(frozen=True)
class PickupRequest:
    reference: str  # the return id: the same reference books the same pickup
    order_number: str
    customer_id: str
    requested_at: datetime
    time_zone: str  # the customer's: pickups are on their calendar days


@dataclass(frozen=True)
class Booking:
    awb_number: str
    label_url: str
    carrier: str
    pickup_on: date | None = None


class Carrier(Protocol):
    name: str

    def book_pickup(self, request: PickupRequest, timeout_s: float) -> Booking:
        """Book (or find the booking of) the pickup for `request.reference`, giving up
        after `timeout_s`. Raises DependencyFailure when the courier could not be
        reached (try again later), InvalidInput when it refuses the request."""


def next_working_day(moment: datetime, time_zone: str) -> date:
    from zoneinfo import ZoneInfo

    day = moment.astimezone(ZoneInfo(time_zone)).date() + timedelta(days=1)
    while day.weekday() >= 5:
        day += timedelta(days=1)
    return day


class LocalCarrier:
    """A deterministic courier for the local run and the tests."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.name = settings.carrier_name

    def book_pickup(self, request: PickupRequest, timeout_s: float) -> Booking:
        digest = hashlib.sha256(f"pickup:{request.reference}".encode()).hexdigest()
        awb = f"LC{int(digest[:15], 16) % 10**10:010d}RO"
        return Booking(awb_number=awb, label_url=f"{self.settings.carrier_label_base_url}/{awb}.pdf",
                       carrier=self.name, pickup_on=next_working_day(request.requested_at, request.time_zone))


def carrier(settings: Settings) -> Carrier:
    from chalicelib.retail.orders import plug_in

    return plug_in("CARRIER", settings.carrier, {"local": LocalCarrier}, settings)
