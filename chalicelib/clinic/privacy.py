"""Personal data held by the clinic journey: appointments, and the reminders
scheduled for them (deleted with them). Registered in chalicelib.privacy.holders."""

from __future__ import annotations

from typing import Any

from chalicelib.db import dynamo_errors, is_live
from chalicelib.privacy.holders import Subject, delete_if


class AppointmentHolder:
    name = "appointments"
    tables = ("appointments_table",)

    def _items(self, subject: Subject) -> list[Any]:
        from chalicelib.clinic.models import AppointmentModel

        with dynamo_errors("reading appointments"):
            return [item for cid in subject.customer_ids for item in AppointmentModel.by_customer.query(cid)]

    def export(self, subject: Subject) -> list[dict[str, Any]]:
        from chalicelib.clinic.booking import document

        return [document(item) for item in self._items(subject) if is_live(item)]

    def erase(self, subject: Subject) -> int:
        from chalicelib.clinic.models import AppointmentModel
        from chalicelib.clinic.reminders import no_show_schedule, reminder_schedule
        from chalicelib.schedules import Schedules
        from chalicelib.settings import get_settings

        settings = get_settings()
        schedules = Schedules(settings)
        erased = 0
        for item in self._items(subject):
            # Schedules first: an interrupted erasure finds them again through the item.
            for hours in settings.reminder_hours:
                schedules.cancel(reminder_schedule(item.appointment_id, hours))
            schedules.cancel(no_show_schedule(item.appointment_id))
            with dynamo_errors("erasing appointments"):
                erased += delete_if(AppointmentModel(item.appointment_id),
                                    AppointmentModel.customer_id.is_in(*subject.customer_ids))
        return erased


APPOINTMENTS = AppointmentHolder()
