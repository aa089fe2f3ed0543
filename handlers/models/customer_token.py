"""The customer token and the one-time code (issue 10: only a verified customer can text a partner).

Customer token, 28 bytes, 38 base64url characters without padding:
4-byte big-endian expiry (epoch seconds) || 8 random bytes || the first 16 bytes of HMAC-SHA256 over
`"customer-token" || expiry || random || reservation number || phone`.
It names neither the reservation nor the phone: `POST /chat` carries both, and the tag only matches the
pair the code was confirmed for. Checked in constant time, with no database read.

One-time code: 6 digits from a CSPRNG. The table keeps only an HMAC of it (keyed with the same secret and
bound to the pair), so a leaked table cannot be turned back into codes by trying the million of them.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import struct
from dataclasses import dataclass

_EXPIRY_BYTES = 4
_RANDOM_BYTES = 8
_TAG_BYTES = 16
_TOKEN_BYTES = _EXPIRY_BYTES + _RANDOM_BYTES + _TAG_BYTES
_TOKEN = re.compile(r"[A-Za-z0-9_-]{38}")
CODE_DIGITS = 6
CODE = re.compile(r"\d{6}")


class CustomerTokenError(ValueError):
    """Malformed, forged, for another reservation or phone, or expired."""


@dataclass(frozen=True, slots=True)
class IssuedCustomerToken:
    value: str
    expires_at: int


def _tag(key: bytes, signed: bytes, reservation_number: str, phone: str) -> bytes:
    message = b"customer-token\x00" + signed + reservation_number.encode() + b"\x00" + phone.encode()
    return hmac.new(key, message, hashlib.sha256).digest()[:_TAG_BYTES]


def issue(key: bytes, reservation_number: str, phone: str, expires_at: int) -> IssuedCustomerToken:
    signed = struct.pack(">I", expires_at) + secrets.token_bytes(_RANDOM_BYTES)
    raw = signed + _tag(key, signed, reservation_number, phone)
    value = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
    return IssuedCustomerToken(value=value, expires_at=expires_at)


def verify(keys: tuple[bytes, ...], token: str, reservation_number: str, phone: str, now: int) -> int:
    """The token's expiry if one of `keys` issued it for this reservation and phone and `now` is before it
    (the keyring's keys: a rotation leaves the previous one verifying for a while)."""
    if not isinstance(token, str) or not _TOKEN.fullmatch(token):
        raise CustomerTokenError("bad token shape")
    try:
        raw = base64.urlsafe_b64decode(token + "==")
    except (binascii.Error, ValueError) as exc:
        raise CustomerTokenError("bad base64") from exc
    if len(raw) != _TOKEN_BYTES:
        raise CustomerTokenError("bad length")
    signed, tag = raw[: _EXPIRY_BYTES + _RANDOM_BYTES], raw[_EXPIRY_BYTES + _RANDOM_BYTES :]
    if not any(hmac.compare_digest(tag, _tag(key, signed, reservation_number, phone)) for key in keys):
        raise CustomerTokenError("bad tag")
    (expires_at,) = struct.unpack(">I", signed[:_EXPIRY_BYTES])
    if now >= expires_at:
        raise CustomerTokenError("expired")
    return int(expires_at)


def new_code() -> str:
    return f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}"


def code_digest(key: bytes, reservation_number: str, phone: str, code: str) -> str:
    """The stored form of a code: an HMAC bound to the pair, so one pair's code is useless for another."""
    message = b"customer-code\x00" + reservation_number.encode() + b"\x00" + phone.encode() + b"\x00"
    return hmac.new(key, message + code.encode(), hashlib.sha256).hexdigest()


def pair_digest(reservation_number: str, phone: str) -> str:
    """Key of a pair's code item: the table never holds the phone in a key."""
    return hashlib.sha256(f"{reservation_number}\x00{phone}".encode()).hexdigest()[:32]


def code_matches(
    keys: tuple[bytes, ...], stored: str, reservation_number: str, phone: str, code: str
) -> bool:
    """Whether `code` is the one whose HMAC is `stored` (under any key of the ring), in constant time."""
    return any(hmac.compare_digest(stored, code_digest(key, reservation_number, phone, code)) for key in keys)
