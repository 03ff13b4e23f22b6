"""The people's pages: the agent panel (an Amazon Connect agent-workspace application)
and the supervisors' dashboards, rendered on the server with Jinja2 and enhanced by
small scripts served from here. Everything here reads and writes through the layers
below; nothing below imports it."""
