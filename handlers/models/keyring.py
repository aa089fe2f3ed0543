"""A rotating HMAC key, as stored in one SecureString parameter (docs/contracts.md, "Secrets").

The parameter holds every key still in use:

    {"keys": [{"secret": "<base64, 32 bytes>", "activeFrom": <epoch s>, "acceptUntil": <epoch s> | null}]}

- The key that signs is the newest one whose `activeFrom` has passed.
- A key verifies until its `acceptUntil` (none: for as long as it is in the ring).
- A rotation adds a key that becomes active only after the functions' cache age, so every function has read
  it before anyone signs with it, and gives the key it replaces an `acceptUntil` one partner wait after
  that: a link signed just before the switch still lives its whole life. Keys past `acceptUntil` are
  dropped at the next rotation.
"""

from __future__ import annotations

import base64
import binascii
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any, Final

KEY_BYTES: Final = 32
# How long a function keeps the keyring it read (Powertools Parameters `max_age`); a new key becomes active
# only after this, so every function knows it before a link carries it.
CACHE_SECONDS: Final = 60


class KeyringError(ValueError):
    """The stored keyring cannot be read, or holds no usable key."""


@dataclass(frozen=True, slots=True)
class RingKey:
    secret: bytes
    active_from: int
    accept_until: int | None = None


@dataclass(frozen=True, slots=True)
class Keyring:
    keys: tuple[RingKey, ...]

    @classmethod
    def parse(cls, document: Any) -> Keyring:
        if not isinstance(document, Mapping) or not isinstance(document.get("keys"), list):
            raise KeyringError('a keyring is {"keys": [...]}')
        keys = []
        for entry in document["keys"]:
            try:
                secret = base64.b64decode(entry["secret"], validate=True)
                active_from = int(entry["activeFrom"])
                until = entry.get("acceptUntil")
                keys.append(RingKey(secret, active_from, None if until is None else int(until)))
            except (KeyError, TypeError, ValueError, binascii.Error) as exc:
                raise KeyringError("a keyring entry is not {secret, activeFrom, acceptUntil}") from exc
        if not keys or any(len(key.secret) < 16 for key in keys):
            raise KeyringError("a keyring needs at least one key of 16 bytes or more")
        return cls(tuple(keys))

    def to_document(self) -> dict[str, Any]:
        return {
            "keys": [
                {
                    "secret": base64.b64encode(key.secret).decode("ascii"),
                    "activeFrom": key.active_from,
                    "acceptUntil": key.accept_until,
                }
                for key in self.keys
            ]
        }

    def signing_key(self, now: int) -> bytes:
        """The newest active key (the oldest key while every key is still pending)."""
        active = [key for key in self.keys if key.active_from <= now]
        if not active:
            return min(self.keys, key=lambda key: key.active_from).secret
        return max(active, key=lambda key: key.active_from).secret

    def verification_keys(self, now: int) -> tuple[bytes, ...]:
        """Every key a link may carry now: the signing key first, then pending and retiring ones."""
        signing = self.signing_key(now)
        others = [
            key.secret
            for key in self.keys
            if key.secret != signing and (key.accept_until is None or now < key.accept_until)
        ]
        return (signing, *others)

    def rotated(self, secret: bytes, *, now: int, activate_in: int, grace_seconds: int) -> Keyring:
        """Add a key active `activate_in` s from now; the key it replaces verifies `grace_seconds` longer."""
        if len(secret) < 16:
            raise KeyringError("a new key needs 16 bytes or more")
        active_from = now + activate_in
        kept = []
        for key in self.keys:
            if key.accept_until is not None and key.accept_until <= now:
                continue  # past its grace: no live link carries it
            if key.accept_until is None:
                key = replace(key, accept_until=active_from + grace_seconds)
            kept.append(key)
        return Keyring((RingKey(secret, active_from), *kept))


def new_secret() -> bytes:
    return secrets.token_bytes(KEY_BYTES)


def initial_document(secret_base64: str) -> dict[str, Any]:
    """The first keyring of a stack: one key, active since the epoch (the deployment writes it)."""
    return {"keys": [{"secret": secret_base64, "activeFrom": 0, "acceptUntil": None}]}


def accept_all_document(secrets_base64: list[str]) -> dict[str, Any]:
    """A keyring whose every key verifies, none expiring (the origin keyring: the deployment rewrites it)."""
    return {"keys": [{"secret": secret, "activeFrom": 0, "acceptUntil": None} for secret in secrets_base64]}
