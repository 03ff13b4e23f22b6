"""Work a journey does later: an appointment reminder two days before, a no-show
check after the visit, a return's confirmations once the pickup is booked.

Each is an EventBridge Scheduler one-time schedule (`at(...)`) whose target is the
`journey_step` Lambda with the step as its input (`schedules.py`), named after what
it is for, so scheduling twice keeps one schedule. `steps.py` runs a step when its
time comes; a step that fails raises, so Lambda runs it again (twice: Scheduler
invokes it asynchronously, and its own retry policy only covers a delivery to Lambda
that failed) and then the function's dead-letter queue keeps it. Every step is idempotent (messages go
through the outbox, state changes are conditional), so a retry never sends twice.
"""
