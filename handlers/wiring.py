"""Builds the store and adapters a function needs from its settings (clients come from `clients`)."""

from __future__ import annotations

from handlers.clients import client
from handlers.settings import Settings
from handlers.store.table import Store


def store(settings: Settings) -> Store:
    return Store(client("dynamodb", settings), settings.require("table_name"))


def signing_key(settings: Settings) -> bytes:
    return bytes(settings.require("link_signing_key").get_secret_value(), "utf-8")
