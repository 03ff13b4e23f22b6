"""Clinic appointments: the clinic's system books them here (`POST /appointments`);
the patient gets an e-mail confirmation, WhatsApp reminders before the visit (with
Confirm / Reschedule / Cancel buttons) and the pre-visit instructions by e-mail; their
answers change the appointment or reach the front desk as Amazon Connect tasks; a
caller hears their next appointment and confirms it with a key press; an unconfirmed
appointment nobody attended becomes a no-show, counted per day next to the contact
KPIs.

- `models`: the appointments table; `statuses`: an appointment's statuses and moves;
- `booking`: the booking request checked before anything is written, the API's document;
- `appointments.Appointments`: booking, answers, attendance and no-shows (each
  change one transaction with its counters);
- `reminders`: what is scheduled around an appointment and the messages it sends;
- `frontdesk`: the front desk's Amazon Connect tasks; `kpis`: appointments and no-shows
  per day, `noShowPercent`;
- `api`: the routes; `upcoming`: `next_appointment` (reads only); `flow`:
  `confirm_appointment`; `steps`: the scheduled steps; `whatsapp`: the patient's
  WhatsApp answers; `privacy`: export and erasure.
"""
