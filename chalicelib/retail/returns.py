"""The return journey.

1. `start` (a contact flow, while the customer waits): the order is checked, a return
   case is opened (and made the customer's open case), its follow-up is scheduled,
   and the carrier is asked for the pickup within what is left of the call's budget.
   Booked in time: the caller hears the AWB. Not in time: the caller hears that the
   AWB follows by WhatsApp and e-mail, and the follow-up books it.
2. `follow_up` (a minute later, EventBridge Scheduler): books the pickup if it is not
   yet, then confirms the return on WhatsApp (approved template) and sends the label
   by e-mail. Retried safely: the carrier books once per return, the outbox sends
   once per message.
3. `status`: where the return is, for any channel.

A refusal (unknown order, someone else's order, not delivered, past the return
window, already returned) raises `ReturnRefused` with a code a flow can speak, and
writes nothing.
"""

from __future__ import annotations

import contextlib
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from chalicelib.cases.service import CaseExists, Cases, NewCase
from chalicelib.connect.flow import Workers
from chalicelib.db import utcnow
from chalicelib.errors import DependencyFailure, InvalidInput, NotFound
from chalicelib.observability import get_logger
from chalicelib.retail.carrier import Booking, PickupRequest, carrier
from chalicelib.retail.orders import Order, order_key, order_source
from chalicelib.retail.status import KIND, latest_return, named_return, return_id
from chalicelib.settings import Settings

PICKUP_PENDING = "pickup_pending"
PICKUP_BOOKED = "pickup_booked"
STATUSES = (PICKUP_PENDING, PICKUP_BOOKED, "in_transit", "received", "refunded", "cancelled")
FOLLOW_UP_DELAY = timedelta(minutes=1)
# The follow-up runs in its own Lambda, not on a call: the carrier gets longer there.
FOLLOW_UP_CARRIER_TIMEOUT_S = 10.0
# Left for writing the booking and answering the flow after the carrier answers.
ANSWER_RESERVE_MS = 500

# A courier that hangs keeps its thread; the next caller's booking gets another.
_carrier_pool = Workers(8)


class ReturnRefused(InvalidInput):
    """The order cannot be returned (the code says why); nothing was written."""

    def __init__(self, message: str, code: str, case: Any = None) -> None:
        super().__init__(message, code=code)
        self.case = case


def schedule_name(case_id: str) -> str:
    return f"return-{case_id}-follow-up"


@dataclass(frozen=True)
class Started:
    case: Any
    replayed: bool  # the same contact asked again (Connect retried the Lambda)


class Returns:
    def __init__(self, settings: Settings, *, orders: Any = None, courier: Any = None, cases: Cases | None = None,
                 schedules: Any = None) -> None:
        self.settings = settings
        self.orders = orders or order_source(settings)
        self.courier = courier or carrier(settings)
        self.cases = cases or Cases(settings)
        if schedules is None:
            from chalicelib.schedules import Schedules

            schedules = Schedules(settings)
        self.schedules = schedules

    # ---- starting ------------------------------------------------------------

    def check(self, customer_id: str, raw_number: str) -> Order:
        """The order, if this customer may return it now; ReturnRefused otherwise."""
        key = order_key(raw_number)
        order = self.orders.find(key)
        if order is None:
            raise ReturnRefused(f"there is no order {key}", "UNKNOWN_ORDER")
        if self._owner(order.customer_id) != customer_id:
            raise ReturnRefused("the order belongs to another customer", "NOT_YOUR_ORDER")
        existing = self.cases.get(return_id(order.key))
        if existing is not None or order.status == "returned":
            raise ReturnRefused(f"order {order.number} is already being returned", "ALREADY_RETURNED", existing)
        if order.status != "delivered" or order.delivered_at is None:
            raise ReturnRefused(f"order {order.number} has not been delivered yet", "NOT_DELIVERED")
        if utcnow() - order.delivered_at > timedelta(days=self.settings.return_window_days):
            raise ReturnRefused(f"order {order.number} was delivered more than "
                                f"{self.settings.return_window_days} days ago", "RETURN_WINDOW_PASSED")
        return order

    def start(self, customer: Any, raw_number: str, *, opened_by: str, time_left_ms: int) -> Started:
        """Open the return and try to book its pickup within `time_left_ms`."""
        try:
            order = self.check(customer.customer_id, raw_number)
        except ReturnRefused as refused:
            case = refused.case
            if case is not None and case.opened_by == opened_by and case.customer_id == customer.customer_id:
                return Started(self._book_if_pending(case, customer, time_left_ms), replayed=True)
            raise
        details = {"orderNumber": order.number, "orderKey": order.key}
        if order.total_minor is not None and order.currency:
            details.update(refundMinor=order.total_minor, currency=order.currency)
        try:
            case = self.cases.open(NewCase(case_id=return_id(order.key), kind=KIND, customer_id=customer.customer_id,
                                           status=PICKUP_PENDING, reference=order.number, opened_by=opened_by,
                                           details=details))
        except CaseExists as e:  # a concurrent request for the same order won
            raise ReturnRefused(f"order {order.number} is already being returned", "ALREADY_RETURNED",
                                e.existing) from None
        self._schedule_follow_up(case)
        return Started(self._book_if_pending(case, customer, time_left_ms), replayed=False)

    def _owner(self, customer_id: str) -> str | None:
        """The live profile an order's customer id is now (merges followed)."""
        from chalicelib.profiles.service import Profiles

        found = Profiles(self.settings).find(customer_id)
        return found.customer_id if found else None

    def _schedule_follow_up(self, case: Any) -> None:
        try:
            self.schedules.at(schedule_name(case.case_id), utcnow() + FOLLOW_UP_DELAY,
                              {"step": "return_follow_up", "returnId": case.case_id})
        except DependencyFailure:
            # The caller still gets their return; the case says what is missing, and
            # asking again (or an agent) schedules it.
            get_logger().error("return follow-up not scheduled", extra={"case_id": case.case_id})
            with contextlib.suppress(Exception):
                self.cases.update(case, note=("follow_up_not_scheduled", None))

    def _book_if_pending(self, case: Any, customer: Any, time_left_ms: int) -> Any:
        if case.status != PICKUP_PENDING:
            return case
        timeout_s = min(self.settings.carrier_timeout_ms, time_left_ms - ANSWER_RESERVE_MS) / 1000
        if timeout_s < 0.1:
            return case
        booking = self._book(case, customer, timeout_s)
        return self._booked(case, booking) if booking else case

    def _pickup(self, case: Any, customer: Any) -> PickupRequest:
        return PickupRequest(reference=case.case_id, order_number=case.reference, customer_id=case.customer_id,
                             requested_at=case.opened_at,
                             time_zone=getattr(customer, "time_zone", None) or self.settings.default_time_zone)

    def _book(self, case: Any, customer: Any, timeout_s: float) -> Booking | None:
        """The carrier's booking, or None when it did not answer in time, failed or
        refused (the follow-up tries again, and notes a refusal on the case)."""
        future = _carrier_pool.submit(self.courier.book_pickup, self._pickup(case, customer), timeout_s)
        try:
            return future.result(timeout=timeout_s)
        except FutureTimeout:
            get_logger().warning("carrier did not answer in time", extra={"case_id": case.case_id,
                                                                            "timeout_ms": int(timeout_s * 1000)})
        except (DependencyFailure, InvalidInput) as e:
            get_logger().warning("carrier did not book", extra={"case_id": case.case_id, "error_code": e.code})
        return None

    def _booked(self, case: Any, booking: Booking) -> Any:
        return self.cases.update(case, status=PICKUP_BOOKED, details={
            "carrier": booking.carrier, "awbNumber": booking.awb_number, "labelUrl": booking.label_url,
            "pickupOn": booking.pickup_on.isoformat() if booking.pickup_on else None,
        }, note=("pickup_booked", booking.awb_number))

    # ---- later -----------------------------------------------------------------

    def follow_up(self, case_id: str) -> dict[str, str]:
        """Book if needed, then confirm on WhatsApp (by SMS when WhatsApp cannot
        reach the customer and SMS_FALLBACK_MESSAGES names return_label) and e-mail
        the label. Returns what
        became of each message. Raises DependencyFailure to be run again."""
        from chalicelib.notify.service import notifier
        from chalicelib.profiles.service import Profiles

        case = self.cases.get(case_id)
        if case is None or case.kind != KIND:
            get_logger().warning("follow-up for a return that is gone", extra={"case_id": case_id})
            return {}
        if case.status == PICKUP_PENDING:
            customer = Profiles(self.settings).find(case.customer_id)
            try:
                booking = self._booking_or_refusal(case, customer)
            except InvalidInput as e:
                self.cases.update(case, note=("pickup_refused", e.message))
                return {}
            if booking is None:
                raise DependencyFailure(f"the carrier could not book the pickup of {case_id} yet")
            case = self._booked(case, booking)
        if case.status != PICKUP_BOOKED:
            return {}
        variables = self._label_variables(case)
        outcomes: dict[str, str] = {}
        failure: DependencyFailure | None = None
        send = notifier(self.settings)
        whatsapp_reached = False
        for channel in ("whatsapp", "sms", "email"):
            # SMS only where WhatsApp said for good that it cannot reach the customer
            # (not while it may still send on a retry), and only if the business wants it.
            if channel == "sms" and ("return_label" not in self.settings.sms_fallback
                                     or outcomes["whatsapp"] == "retry" or whatsapp_reached):
                continue
            try:
                outcome = send.send_to_customer(case.customer_id, "return_label", variables, f"return:{case_id}",
                                                channel=channel)
                outcomes[channel] = outcome.status if outcome.sent else f"{outcome.status}:{outcome.error_code}"
                whatsapp_reached = whatsapp_reached or (channel == "whatsapp" and outcome.sent)
            except DependencyFailure as e:
                failure = failure or e
                outcomes[channel] = "retry"
        if failure:
            raise failure
        return outcomes

    def _booking_or_refusal(self, case: Any, customer: Any) -> Booking | None:
        try:
            return self.courier.book_pickup(self._pickup(case, customer), FOLLOW_UP_CARRIER_TIMEOUT_S)
        except DependencyFailure:
            return None

    @staticmethod
    def _label_variables(case: Any) -> dict[str, Any]:
        details = case.details or {}
        variables: dict[str, Any] = {"order_number": details["orderNumber"], "awb_number": details["awbNumber"],
                                     "carrier": details["carrier"], "label_url": details["labelUrl"],
                                     "pickup_on": details.get("pickupOn")}
        if details.get("refundMinor") is not None and details.get("currency"):
            minor = int(details["refundMinor"])
            variables["refund"] = {"amount": f"{minor // 100}.{minor % 100:02d}", "currency": details["currency"]}
        return variables

    # ---- reading -----------------------------------------------------------------

    def get(self, case_id: str) -> Any:
        case = named_return(case_id)
        if case is None:
            raise NotFound(f"no return {str(case_id)[:40]}")
        return case

    def latest_of(self, customer: Any) -> Any:
        """The customer's return to talk about (`status.latest_return`)."""
        return latest_return(customer)


def document(case: Any) -> dict[str, Any]:
    """A return as agents' tools and chat bots read it."""
    details = case.details or {}
    return {
        "id": case.case_id,
        "customerId": case.customer_id,
        "orderNumber": details.get("orderNumber"),
        "status": case.status,
        "carrier": details.get("carrier"),
        "awbNumber": details.get("awbNumber"),
        "labelUrl": details.get("labelUrl"),
        "pickupOn": details.get("pickupOn"),
        "openedAt": case.opened_at.isoformat().replace("+00:00", "Z"),
        "updatedAt": case.updated_at.isoformat().replace("+00:00", "Z"),
        "closedAt": case.closed_at.isoformat().replace("+00:00", "Z") if case.closed_at else None,
        "steps": list(case.steps or []),
    }
