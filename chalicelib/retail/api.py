"""`GET /returns/{id}`: where a return is, for agents' tools and chat bots."""

from __future__ import annotations

from typing import Any

from chalicelib.settings import get_settings


def get_return(return_id: str) -> dict[str, Any]:
    from chalicelib.retail.returns import Returns, document

    return document(Returns(get_settings()).get(return_id))
