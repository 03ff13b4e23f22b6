"""KPI counters per day and dimension, and the read side that turns them into rates.

Writers do not increment counters directly: they describe what one thing they count
(an interaction, a survey answer) contributes, as a `Contribution`
(`{"<day>#<dimension>#<value>": {"field": n}}`), keep that next to the thing itself,
and when it changes write only the difference (`counters.delta(old, new)`) in the same
DynamoDB transaction as the new contribution, as a journal item (`journal.put`) that
`on_counter_changes` applies from the journal table's stream, a batch at a time.
Redelivered or reordered input then changes nothing twice, and counters equal the sum
of current contributions once the stream is delivered (about a second).

The report (`report.py`) reads counters only, never the things counted, and derives
rates from a registry that other capabilities extend with `report.derive(...)`.
"""
