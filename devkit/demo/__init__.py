"""`make demo`: the product running on an embedded AWS, told as a transcript.

The demo is a list of acts (ACTS in __main__.py), each a module with
`run(stage: Stage) -> None`. An act plays one story through the real entry points
(contact-flow functions, events, routes) and prints what a caller, an agent or a
supervisor would see. Logs go to out/logs/demo.jsonl, not to the transcript.
"""
