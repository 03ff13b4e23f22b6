"""Post-contact surveys: NPS, CSAT and CES, scored as counters, with the loop closed.

- `definitions`: the surveys, as files in definitions/ (questions, which contacts);
- `policy`: whether and when a customer is invited (consent, sampling, cooldown,
  quiet hours in their time zone);
- `trigger`: the timeline hands over contacts its contact records say ended;
- `service.Surveys`: decisions, invitations (e-mail through chalicelib.notify),
  answers and their roll-up into the KPI counters and the profile;
- `schedule`: one-time EventBridge Scheduler schedules for work that waits;
- `web`: the public survey pages; `dtmf`: the post-call survey's flow function;
- `followup`: a Connect task and a supervisor alert for a bad score;
- `worker`: what the schedules call; `privacy`: export and erasure.
"""
