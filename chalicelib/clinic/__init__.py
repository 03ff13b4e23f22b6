"""Clinic appointments: the clinic's system books them here (`POST /appointments`);
the patient gets an e-mail confirmation, WhatsApp reminders before the visit (with
Confirm / Reschedule / Cancel buttons) and the pre-visit instructions by e-mail; their
answers change the appointment or reach the front desk as Amazon Connect tasks; a
caller hears their next appointment and confirms it with a key press; an unconfirmed
appointment nobody attended becomes a no-show, counted per day next to the contact
KPIs.

- `models`: the appointments table;
- `service.Appointments`: booking, reminders, answers, attendance and no-shows;
- `api`: the routes; `flow`: `next_appointment` and `confirm_appointment`.
"""
