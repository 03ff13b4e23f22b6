"""Configuration, read from the environment once per container and validated.

Every table name is required: a missing one is an error that names the variable,
never a silent default that would write to the wrong table. Tunables (budgets,
windows, retention) have documented defaults and are checked for range.

`.chalice/config.json` sets all of them per stage; tests and the local run set
them in `devkit.localenv`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, fields


class SettingsError(RuntimeError):
    """The environment does not describe a usable deployment."""


TIERS = ("standard", "gold", "vip")
AUTHORIZERS = ("none", "iam", "cognito")


@dataclass(frozen=True)
class Settings:
    stage: str
    region: str

    # Tables (PynamoDB models bind to these names).
    customers_table: str
    identities_table: str
    audit_table: str
    contact_links_table: str

    # Customer recognition.
    default_phone_region: str = "RO"
    default_language: str = "en-US"
    default_time_zone: str = "Europe/Bucharest"
    auto_create_profiles: bool = True
    flow_budget_ms: int = 2500

    # Retention of personal data, in days (refreshed on every contact).
    profile_retention_days: int = 1095
    contact_link_retention_days: int = 2

    # REST API protection in deployed stages.
    api_authorizer: str = "iam"


# Environment variable for each field: upper-case field name.
_REQUIRED = {"stage", "region", "customers_table", "identities_table", "audit_table",
             "contact_links_table"}


def _parse_bool(name: str, raw: str) -> bool:
    value = raw.strip().lower()
    if value in ("1", "true", "yes", "on"):
        return True
    if value in ("0", "false", "no", "off"):
        return False
    raise SettingsError(f"{name} must be true or false, got {raw!r}")


def _parse_int(name: str, raw: str, low: int, high: int) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise SettingsError(f"{name} must be a whole number, got {raw!r}") from None
    if not low <= value <= high:
        raise SettingsError(f"{name} must be between {low} and {high}, got {value}")
    return value


_INT_RANGES = {
    # Connect waits at most 8 s for a flow Lambda; leave room for its own overhead.
    "flow_budget_ms": (100, 7500),
    "profile_retention_days": (1, 3650),
    "contact_link_retention_days": (1, 30),
}


def load(environ: Mapping[str, str] | None = None) -> Settings:
    """Build settings from an environment mapping (os.environ by default)."""
    environ = os.environ if environ is None else environ
    values: dict[str, object] = {}
    missing = []
    for field in fields(Settings):
        var = field.name.upper()
        if field.name == "region":
            raw = environ.get("AWS_REGION") or environ.get("AWS_DEFAULT_REGION")
            var = "AWS_REGION"
        else:
            raw = environ.get(var)
        if raw is None or raw == "":
            if field.name in _REQUIRED:
                missing.append(var)
            continue
        if field.type == "bool":
            values[field.name] = _parse_bool(var, raw)
        elif field.type == "int":
            low, high = _INT_RANGES[field.name]
            values[field.name] = _parse_int(var, raw, low, high)
        else:
            values[field.name] = raw.strip()
    if missing:
        raise SettingsError("missing required setting(s): " + ", ".join(sorted(missing)))
    settings = Settings(**values)  # type: ignore[arg-type]
    if settings.api_authorizer not in AUTHORIZERS:
        raise SettingsError(
            f"API_AUTHORIZER must be one of {', '.join(AUTHORIZERS)}, got {settings.api_authorizer!r}"
        )
    return settings


_current: Settings | None = None


def get_settings() -> Settings:
    """The container's settings, read once."""
    global _current
    if _current is None:
        _current = load()
    return _current
