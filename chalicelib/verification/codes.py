"""One-time codes and PINs: drawn from the OS's random source, kept only as a salted
scrypt hash, compared in constant time.

A six-digit code has a million values: the hash keeps it from being read off a copy of
the table, the tries and the lock keep it from being guessed on the line.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

CODE_DIGITS = 6
_CODE = re.compile(r"[0-9]{6}")
_PIN = re.compile(r"[0-9]{4,8}")
# scrypt with n=2**14, r=8: 16 MiB and some tens of milliseconds per hash, once per
# answer; the Lambda has the memory for it.
_N, _R, _P = 2**14, 8, 1
SALT_BYTES = 16


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def is_code(value: str) -> bool:
    return bool(_CODE.fullmatch(value))


def is_pin(value: str) -> bool:
    return bool(_PIN.fullmatch(value))


def new_salt() -> str:
    return secrets.token_hex(SALT_BYTES)


def digest(secret: str, salt: str) -> str:
    """The salted hash kept instead of `secret`."""
    return hashlib.scrypt(secret.encode(), salt=bytes.fromhex(salt), n=_N, r=_R, p=_P, dklen=32).hex()


def same(given: str, expected: str) -> bool:
    """Whether two hashes are equal, in time that does not depend on where they differ."""
    return hmac.compare_digest(given.encode(), expected.encode())


def matches(secret: str, salt: str, expected_digest: str) -> bool:
    return same(digest(secret, salt), expected_digest)
