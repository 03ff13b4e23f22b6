"""The live floor: who is waiting in which queue right now, and for how long.

Built from Amazon Connect's contact events (announced by the contact-event handler
as `events.CONTACT_EVENT`): `QUEUED` puts a contact in its queue, `CONNECTED_TO_AGENT`,
`DISCONNECTED` and `COMPLETED` take it out. Events come at least once and in any
order, so each contact has its own item (queue + contact id) carrying the time of
the newest event applied; an older or repeated event changes nothing. No item is
shared by all contacts, and a queue's waiting contacts are read with one Query.
"""
