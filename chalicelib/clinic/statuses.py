"""An appointment's statuses and how it moves between them.

    booked --confirm--> confirmed
    booked/confirmed --reschedule--> reschedule_requested (a task for the front desk)
    booked/confirmed/reschedule_requested --cancel--> cancelled (reminders deleted)
    after the visit: attended or no_show (the clinic says so), or no_show when nobody
    confirmed it and nobody reported attendance by its end + NO_SHOW_GRACE_MINUTES.
"""

BOOKED, CONFIRMED, RESCHEDULE, CANCELLED, ATTENDED, NO_SHOW = (
    "booked", "confirmed", "reschedule_requested", "cancelled", "attended", "no_show")
UPCOMING = (BOOKED, CONFIRMED, RESCHEDULE)
# What a patient can answer (a WhatsApp button, a key press).
ACTIONS = ("confirm", "reschedule", "cancel")
