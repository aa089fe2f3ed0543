"""Secrets from SSM Parameter Store (SecureString), read with Powertools Parameters and cached per function.

The provider takes the function's cached boto3 client, so moto and the local runtime see the same calls.
"""

from __future__ import annotations

from typing import Any

from handlers.models.keyring import CACHE_SECONDS, Keyring


class Secrets:
    def __init__(self, provider: Any, max_age: int = CACHE_SECONDS) -> None:
        self._provider = provider
        self._max_age = max_age

    def keyring(self, name: str) -> Keyring:
        """The keyring in parameter `name`, decrypted; read again once it is `max_age` seconds old."""
        document = self._provider.get(name, max_age=self._max_age, transform="json", decrypt=True)
        return Keyring.parse(document)
