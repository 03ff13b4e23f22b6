"""Who is on the line, for the journeys' contact-flow functions (see
chalicelib.profiles.callers, which the cases' flow function shares)."""

from __future__ import annotations

from chalicelib.profiles.callers import caller

__all__ = ["caller"]
