"""Omnichannel memory: every contact a customer has, on any channel, as one timeline.

- `parse`: contact events (EventBridge) and contact records (Kinesis) read tolerantly
  into observations of one contact;
- `fold`: a contact's transfer legs folded into one interaction, and what it counts
  for in the KPIs;
- `ledger`: the customer's recent interactions, first-contact resolution and the
  derived profile fields the contact flow routes on;
- `service.Timeline`: the transactional writer and the timeline reader;
- `handlers`: the two event entry points; `api`: the timeline route.
"""
