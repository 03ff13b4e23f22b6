"""`GET /reasons?lang=`: the catalogue, labels in the requested language."""

from __future__ import annotations

from typing import Any

from chalicelib.errors import InvalidInput, only_params
from chalicelib.reasons import catalogue as cat


def catalogue(query: dict[str, str] | None) -> dict[str, Any]:
    query = only_params(query, ("lang",))
    tag = query.get("lang", "")
    if tag and not cat.language_of(tag):
        raise InvalidInput(f"lang must be one of {', '.join(cat.LANGUAGES)} (a BCP 47 tag such as ro-RO)")
    return cat.load().to_document(tag or cat.DEFAULT_LANGUAGE)
