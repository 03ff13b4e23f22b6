"""The people's pages: dashboards for supervisors, rendered on the server with
Jinja2 and enhanced by small scripts served from here."""
