"""The partner link token (DESIGN.md section 4).

Layout, 32 bytes, 43 base64url characters without padding:
16 random bytes || 4-byte big-endian expiry (epoch seconds) || the first 12 bytes of
HMAC-SHA256 over the first 20.
The tag is checked in constant time before anything touches the database; the table stores only
`sha256(token)`, so a leaked table cannot be turned back into working links.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import re
import secrets
import struct
from collections.abc import Sequence
from dataclasses import dataclass

_RANDOM_BYTES = 16
_EXPIRY_BYTES = 4
_TAG_BYTES = 12
_SIGNED_BYTES = _RANDOM_BYTES + _EXPIRY_BYTES
_TOKEN_BYTES = _SIGNED_BYTES + _TAG_BYTES
TOKEN_LENGTH = 43  # base64url of 32 bytes, unpadded
_ALPHABET = re.compile(r"[A-Za-z0-9_-]{43}")


class TokenFormatError(ValueError):
    """Malformed or forged token."""


class ExpiredTokenError(ValueError):
    """Well-formed, authentic, but past its expiry."""


@dataclass(frozen=True, slots=True)
class IssuedToken:
    value: str
    digest: str
    expires_at: int


def _tag(key: bytes, signed: bytes) -> bytes:
    return hmac.new(key, signed, hashlib.sha256).digest()[:_TAG_BYTES]


def digest(token: str) -> str:
    """The stored form of a token: hex SHA-256. Logs may show its first 12 characters."""
    return hashlib.sha256(token.encode("ascii")).hexdigest()


def issue(key: bytes, expires_at: int) -> IssuedToken:
    signed = secrets.token_bytes(_RANDOM_BYTES) + struct.pack(">I", expires_at)
    raw = signed + _tag(key, signed)
    value = base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii")
    return IssuedToken(value=value, digest=digest(value), expires_at=expires_at)


def verify(key: bytes, token: str, now: int) -> int:
    """The token's expiry (epoch seconds) if it is authentic and `now` is before it."""
    return verify_any((key,), token, now)


def verify_any(keys: Sequence[bytes], token: str, now: int) -> int:
    """`verify` against every key still in use (a rotation keeps the previous key for one partner wait).

    Every key is tried, in constant time each, whatever the first comparisons found.
    """
    if not isinstance(token, str) or not _ALPHABET.fullmatch(token):
        raise TokenFormatError("bad token shape")
    try:
        raw = base64.urlsafe_b64decode(token + "=")
    except (binascii.Error, ValueError) as exc:
        raise TokenFormatError("bad base64") from exc
    # 43 characters carry 258 bits: the last character's two low bits must be zero, otherwise
    # several spellings would decode to the same bytes.
    if len(raw) != _TOKEN_BYTES or base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != token:
        raise TokenFormatError("non-canonical token")
    signed, tag = raw[:_SIGNED_BYTES], raw[_SIGNED_BYTES:]
    matches = [hmac.compare_digest(tag, _tag(key, signed)) for key in keys]
    if not any(matches):
        raise TokenFormatError("bad tag")
    (expires_at,) = struct.unpack(">I", signed[_RANDOM_BYTES:])
    if now >= expires_at:
        raise ExpiredTokenError("expired")
    return int(expires_at)


def claimed_expiry(token: str) -> int | None:
    """The expiry a token claims, unverified (no key): for operator tools reading their own test links."""
    if not isinstance(token, str) or not _ALPHABET.fullmatch(token):
        return None
    raw = base64.urlsafe_b64decode(token + "=")
    (expires_at,) = struct.unpack(">I", raw[_RANDOM_BYTES:_SIGNED_BYTES])
    return int(expires_at)
