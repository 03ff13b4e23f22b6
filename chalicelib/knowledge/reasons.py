"""The contact reasons articles and quick responses may name: the reason catalogue's
(chalicelib/reasons/catalogue.json), so a reason added there can be given articles
without touching anything here."""

from __future__ import annotations


def reason_ids() -> tuple[str, ...]:
    """Every reason id of the catalogue, in its order."""
    from chalicelib.reasons.catalogue import load

    return load().ids


def require_reason(raw: object) -> str:
    """A known reason id, or InvalidInput (UNKNOWN_REASON) naming the known ones."""
    from chalicelib.reasons.catalogue import load

    return load().require(raw).id


def self_service(reason_id: str | None) -> bool:
    """Whether the catalogue lets customers be served without an agent for this reason."""
    from chalicelib.reasons.catalogue import load

    reason = load().get(reason_id) if reason_id else None
    return reason is not None and reason.self_service
