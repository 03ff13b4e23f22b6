"""What the businesses built on the capabilities share: who is calling
(`callers.py`) and how dates and codes are said (`speech.py`).

Work a journey does later (an appointment reminder two days before, a no-show check
after the visit, a return's confirmations once the pickup is booked) is a one-time
schedule of the platform's (chalicelib/schedules.py), named after what it is for, so
scheduling twice keeps one schedule. Every step is idempotent (messages go through
the outbox, state changes are conditional), so a retry never sends twice.
"""
