"""Builds the store and adapters a function needs from its settings (clients come from `clients`)."""

from __future__ import annotations

import base64
import functools
from collections.abc import Callable
from typing import TypedDict

from handlers import clock
from handlers.adapters.secrets import Secrets
from handlers.adapters.sms import LogSms, SmsSender, SnsSms
from handlers.clients import client, parameters
from handlers.models.keyring import Keyring
from handlers.observability import logger
from handlers.settings import Settings, SmsMode
from handlers.store.console import ConsoleStore
from handlers.store.guards import Guards
from handlers.store.table import Store


def store(settings: Settings) -> Store:
    return Store(
        client("dynamodb", settings), settings.require("table_name"), retention_days=settings.retention_days
    )


def _link_keyring(settings: Settings) -> Keyring:
    return Secrets(parameters(settings)).keyring(settings.require("link_key_parameter"))


def signing_key(settings: Settings) -> bytes:
    """The key new partner links are signed with."""
    return _link_keyring(settings).signing_key(int(clock.now()))


def link_keys(settings: Settings) -> tuple[bytes, ...]:
    """Every key a partner link may still carry (the previous one for a while after a rotation)."""
    return _link_keyring(settings).verification_keys(int(clock.now()))


def guards(settings: Settings) -> Guards:
    return Guards(client("dynamodb", settings), settings.require("table_name"))


def customer_keys(settings: Settings) -> tuple[bytes, ...]:
    """The customer-token keyring: the key that signs first, then every key a token or code may carry."""
    ring = Secrets(parameters(settings)).keyring(settings.require("customer_key_parameter"))
    now = int(clock.now())
    signing = ring.signing_key(now)
    return (signing, *(key for key in ring.verification_keys(now) if key != signing))


def sms(settings: Settings) -> SmsSender:
    """SNS in the SMS region, or the log (`smsMode: log`)."""
    if settings.sms_mode is SmsMode.LOG:
        return LogSms(logger())
    return SnsSms(client("sns", settings, region=settings.sms_region))


class LinkTexting(TypedDict):
    """What texting a partner a signed link takes, shared by the workflow's send and an operator's resend."""

    sms: SmsSender
    channel: str
    signing_key: bytes
    link_base_url: str
    brand_name: str | None
    guards: Guards
    sms_daily_budget_parts: int


def link_texting(settings: Settings) -> LinkTexting:
    return LinkTexting(
        sms=sms(settings),
        channel=settings.sms_mode.value,
        signing_key=signing_key(settings),
        link_base_url=settings.require("link_base_url"),
        brand_name=settings.brand_name,
        guards=guards(settings),
        sms_daily_budget_parts=settings.sms_daily_budget_parts,
    )


def origin_secrets(settings: Settings) -> tuple[bytes, ...]:
    """Every value the origin header may carry (docs/contracts.md, "The edge"): each key of the origin
    keyring, base64, as CloudFront sends it."""
    keyring = Secrets(parameters(settings)).keyring(settings.require("origin_key_parameter"))
    return tuple(base64.b64encode(key) for key in keyring.verification_keys(int(clock.now())))


def console_store(settings: Settings) -> ConsoleStore:
    """The store with the operator console's queries and actions (issue 13)."""
    return ConsoleStore(
        client("dynamodb", settings), settings.require("table_name"), retention_days=settings.retention_days
    )


def customer_texter(settings: Settings) -> Callable[[str], bool] | None:
    """The one customer text of an ended request (stack setting `customerSms: on`), else None."""
    if not settings.customer_sms:
        return None
    # Imported here: only the functions that text customers load the use case.
    from handlers.usecases.tell_customer import text_customer

    return functools.partial(
        text_customer,
        store=store(settings),
        sms=sms(settings),
        guards=guards(settings),
        status_page_url=settings.require("status_page_url"),
        sms_daily_budget_parts=settings.sms_daily_budget_parts,
        brand_name=settings.brand_name,
        support_phone=settings.support_phone,
    )
