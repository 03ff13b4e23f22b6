"""The contact reasons articles and quick responses may name.

One function stands between the knowledge base and the reason catalogue, so the
catalogue can become the only list without touching anything else here.
"""

from __future__ import annotations

from chalicelib.errors import InvalidInput

_REASONS = ("billing", "delivery", "return", "appointment", "technical", "account", "complaint",
            "cancellation", "sales", "other")


def reason_ids() -> tuple[str, ...]:
    """Every known reason id."""
    return _REASONS


def require_reason(raw: object) -> str:
    """A known reason id, or InvalidInput naming the known ones."""
    if not isinstance(raw, str) or raw not in _REASONS:
        raise InvalidInput(f"unknown reason {str(raw)[:32]!r}; reasons are {', '.join(_REASONS)}",
                           code="UNKNOWN_REASON")
    return raw
