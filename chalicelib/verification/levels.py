"""The assurance each contact-flow action needs, in one place.

`none` < `recognised` < `verified`. A business raises an action with the setting
ASSURANCE_LEVELS (`next_appointment=verified`); lowering one below its default is a
settings error, so a deployment cannot quietly say more to a spoofed number than the
product promises.
"""

from __future__ import annotations

from functools import cache

from chalicelib.settings import ASSURANCE, Settings, SettingsError, assurance_raises

NONE, RECOGNISED, VERIFIED = ASSURANCE

# Actions that say or change something personal, and what they need by default.
# Greeting by first name and routing (lookup_customer, predict_reason) stay at `none`.
DEFAULTS: dict[str, str] = {
    # retail: opening a return (changes an order) and hearing its AWB and pickup day
    "start_return": RECOGNISED,
    "return_status": RECOGNISED,
    # clinic: hearing the next appointment (health data) and confirming it
    "next_appointment": RECOGNISED,
    "confirm_appointment": RECOGNISED,
}


def rank(level: str) -> int:
    return ASSURANCE.index(level)


@cache
def _required(raw: str) -> dict[str, str]:
    raised = assurance_raises(raw)
    unknown = sorted(set(raised) - set(DEFAULTS))
    if unknown:
        raise SettingsError(f"ASSURANCE_LEVELS names actions that do not exist: {', '.join(unknown)}; "
                            f"actions: {', '.join(sorted(DEFAULTS))}")
    lowered = sorted(a for a, level in raised.items() if rank(level) < rank(DEFAULTS[a]))
    if lowered:
        raise SettingsError(f"ASSURANCE_LEVELS may only raise an action's assurance: {', '.join(lowered)} "
                            f"would go below {', '.join(DEFAULTS[a] for a in lowered)}")
    return {**DEFAULTS, **raised}


def required(action: str, settings: Settings) -> str:
    """The assurance `action` needs under these settings."""
    return _required(settings.assurance_levels)[action]


def check(settings: Settings) -> None:
    """SettingsError when ASSURANCE_LEVELS names an unknown action or lowers one."""
    _required(settings.assurance_levels)
