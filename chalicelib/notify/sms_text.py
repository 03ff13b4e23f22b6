"""How an SMS is written and what it costs: GSM-7 where possible, segments counted.

An SMS travels in GSM-7 (160 characters, 153 a part when split) unless one
character is outside that alphabet, in which case the whole message goes as UCS-2
(70 characters, 67 a part): a single "ș" more than doubles the price of a long
message. So, before counting, the letters GSM-7 lacks are written the way people
write them on a phone keypad: Romanian ș ț ă â î become s t a a i, Hungarian ő ű
á í ó ú become o u a i o u, typographic quotes and dashes become plain ones. What
GSM-7 has is kept (é è à ì ò ù, Ä Ö Ü ä ö ü, Ç, Ñ...). A character with no GSM-7
form (an emoji, Greek lower case, Chinese) keeps the message in UCS-2, counted as
such.

The extension table (€ [ ] { } ^ ~ \\ | and form feed) costs two septets, and a
part never splits such a pair, nor a UTF-16 surrogate pair in UCS-2: the count
here is the count a handset would see.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

GSM = "GSM"
UCS2 = "UCS2"

# GSM 03.38 default alphabet (the escape 0x1B left out: it is the extension's prefix).
BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà")
EXTENSION = frozenset("^{}\\[~]|€\f")

SINGLE = {GSM: 160, UCS2: 70}
PART = {GSM: 153, UCS2: 67}

# Letters and signs GSM-7 lacks, written as they are on a keypad. Checked against
# BASIC by the tests: every replacement is itself GSM-7.
_REPLACEMENTS = {
    # Romanian (comma-below and the cedilla look-alikes still in use)
    "ș": "s", "Ș": "S", "ş": "s", "Ş": "S", "ț": "t", "Ț": "T", "ţ": "t", "Ţ": "T",
    "ă": "a", "Ă": "A", "â": "a", "Â": "A", "î": "i", "Î": "I",
    # Hungarian (é, ö, ü, É, Ö, Ü are GSM-7)
    "á": "a", "Á": "A", "í": "i", "Í": "I", "ó": "o", "Ó": "O", "ő": "o", "Ő": "O",
    "ú": "u", "Ú": "U", "ű": "u", "Ű": "U",
    # Italian capitals (the small ones are GSM-7), and a few neighbours
    "À": "A", "È": "E", "Ì": "I", "Ò": "O", "Ù": "U", "ç": "Ç", "ê": "e", "ë": "e", "ï": "i",
    # Typography that dates, names and Babel's formats bring in
    "\u2018": "'", "\u2019": "'", "\u201a": "'", "\u201b": "'", "\u2032": "'",
    "\u201c": '"', "\u201d": '"', "\u201e": '"', "\u201f": '"', "\u00ab": '"', "\u00bb": '"',
    "\u2010": "-", "\u2011": "-", "\u2012": "-", "\u2013": "-", "\u2014": "-", "\u2212": "-",
    "\u2026": "...", "\u00a0": " ", "\u202f": " ", "\u2009": " ", "\u2007": " ", "\t": " ",
    "\u00b7": ".", "\u2022": "-",
}


@dataclass(frozen=True)
class Measure:
    """What an SMS costs: its encoding, its length in that encoding's units
    (septets, or UTF-16 code units) and the parts a handset receives."""

    encoding: str
    units: int
    segments: int


def _cost(ch: str, encoding: str) -> int:
    if encoding == GSM:
        return 1 if ch in BASIC else 2
    return 2 if ord(ch) > 0xFFFF else 1


def is_gsm(text: str) -> bool:
    return all(ch in BASIC or ch in EXTENSION for ch in text)


def _replace(ch: str) -> str:
    if ch in BASIC or ch in EXTENSION:
        return ch
    if ch in _REPLACEMENTS:
        return _REPLACEMENTS[ch]
    # Another accented Latin letter: its base letter, when that is GSM-7 (ā -> a).
    base = "".join(c for c in unicodedata.normalize("NFD", ch) if not unicodedata.combining(c))
    return base if base and is_gsm(base) else ch


def to_gsm(text: str) -> str:
    """The text with what GSM-7 lacks replaced where it has a keypad form; anything
    without one is left, and the message will go as UCS-2."""
    return "".join(_replace(ch) for ch in text)


def measure(text: str) -> Measure:
    """The encoding, units and parts of `text` as it is (call to_gsm first)."""
    encoding = GSM if is_gsm(text) else UCS2
    costs = [_cost(ch, encoding) for ch in text]
    units = sum(costs)
    if units <= SINGLE[encoding]:
        return Measure(encoding, units, 1 if units else 0)
    segments, used = 1, 0
    for cost in costs:
        # An escape pair or a surrogate pair never spans two parts.
        if used + cost > PART[encoding]:
            segments, used = segments + 1, 0
        used += cost
    return Measure(encoding, units, segments)
