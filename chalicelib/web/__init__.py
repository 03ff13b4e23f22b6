"""Pages for people: the agent panel (an Amazon Connect agent-workspace application)
and the data calls behind it. Everything here reads and writes through the layers
below (profiles, interactions, notify, connect); nothing below imports it."""
