"""Consent: may this customer be sent this kind of message on this channel?

Consent lives on the profile, per channel (email, sms, whatsapp, voice) and purpose
(transactional, surveys, marketing); transactional messages and surveys are allowed
until the customer opts out, marketing needs an opt-in. It changes through
`PATCH /customers/{id}` (`{"consent": {"email": {"marketing": true}}}`), through an
unsubscribe link, or through an opt-out keyword (STOP) written on a messaging channel.

Every sender asks `allows()` right before it sends, with the profile as just read,
and sends nothing when the answer is no.
"""

from __future__ import annotations

import unicodedata
from typing import Any

from chalicelib.db import is_live, plain
from chalicelib.errors import InvalidInput
from chalicelib.profiles.schema import CHANNELS, PURPOSES, ProfileInput, consent_given
from chalicelib.profiles.service import Profiles
from chalicelib.settings import get_settings

# What customers write to stop messages, in the markets served (compared without
# case, accents or punctuation). Any of them stops every purpose on that channel:
# someone who writes STOP does not want a survey either. Words such as CANCEL or
# ANNULLA are left out on purpose: in a conversation they usually mean "cancel my
# appointment", not "never write to me again".
OPT_OUT_KEYWORDS = frozenset({
    "STOP", "STOPALL", "STOP ALL", "UNSUBSCRIBE", "OPTOUT", "OPT OUT",
    "DEZABONARE", "DEZABONEAZA", "DEZABONEAZA MA", "OPRIRE",  # Romanian
    "DISISCRIVIMI", "DISISCRIZIONE", "ANNULLA ISCRIZIONE",  # Italian
    "LEIRATKOZAS", "LEIRATKOZOM",  # Hungarian
})


def allows(customer: Any, channel: str, purpose: str) -> bool:
    """Whether a message of `purpose` may go to `customer` on `channel`. A missing,
    expired or erased profile allows nothing."""
    if channel not in CHANNELS:
        raise InvalidInput(f"unknown channel {channel!r}; channels are {', '.join(CHANNELS)}")
    if purpose not in PURPOSES:
        raise InvalidInput(f"unknown purpose {purpose!r}; purposes are {', '.join(PURPOSES)}")
    if customer is None or not is_live(customer) or getattr(customer, "merged_into", None):
        return False
    return consent_given(plain(customer.consent), channel, purpose)


def is_opt_out(text: object) -> bool:
    """Whether an inbound message is an opt-out keyword ("Stop", "stop!", "Leiratkozás")."""
    if not isinstance(text, str) or len(text) > 40:
        return False
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    words = "".join(ch if ch.isalnum() else " " for ch in folded.upper()).split()
    return " ".join(words) in OPT_OUT_KEYWORDS


def withdraw(customer_id: str, channel: str, purposes: tuple[str, ...] = PURPOSES) -> Any:
    """Record an opt-out on one channel (an unsubscribe link: the purpose of that
    message; a STOP keyword: every purpose). Follows a merge to the profile in use;
    repeating it changes nothing. Returns the updated profile."""
    if channel not in CHANNELS:
        raise InvalidInput(f"unknown channel {channel!r}; channels are {', '.join(CHANNELS)}")
    unknown = sorted(set(purposes) - set(PURPOSES))
    if unknown or not purposes:
        raise InvalidInput(f"purposes must be among {', '.join(PURPOSES)}")
    profiles = Profiles(get_settings())
    customer = profiles.get(customer_id)
    if not any(allows(customer, channel, purpose) for purpose in purposes):
        return customer
    change = {channel: dict.fromkeys(purposes, False)}
    return profiles.update(customer.customer_id, ProfileInput(consent_change=change))
