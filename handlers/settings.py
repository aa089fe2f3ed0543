"""Function settings: the environment a function is deployed with, validated once into a typed model.

Every environment variable a function reads is named here, so the Pulumi components and the local runtime
set exactly these. Fields a function does not use may be absent; reading one that is absent raises
`SettingMissingError` naming the variable, which turns a wiring mistake into a clear error, and a value
that breaks its field's type or bounds raises `SettingInvalidError` naming the variable and the rule.

The model is a frozen dataclass checked by hand, not pydantic: every function reads its settings on its
first call, and importing pydantic and building a model would cost a function that parses no body (the
status poll) a third of its cold start again (`make bench`).
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from enum import StrEnum
from functools import lru_cache
from typing import Any


class SmsMode(StrEnum):
    SNS = "sns"
    LOG = "log"  # demos where texting is blocked: the message goes to the log instead


class IntentClassifier(StrEnum):
    LEX = "lex"
    LOCAL = "local"  # no Lex emulator exists: classify from the bot's own sample utterances


class CustomerVerification(StrEnum):
    SMS = "sms"  # a one-time code texted to the reservation's phone; `/chat` needs the customer token
    OFF = "off"  # for integrators who verify customers elsewhere: `/chat` takes no token


class Notifier(StrEnum):
    BEDROCK = "bedrock"
    TEMPLATE = "template"  # built-in Korean templates only


class SettingMissingError(RuntimeError):
    """A function read a setting its deployment does not provide."""


class SettingInvalidError(ValueError):
    """An environment variable's value breaks its setting's type or bounds."""


def Field(default: Any, *, ge: float | None = None, le: float | None = None) -> Any:
    """A setting's default and inclusive bounds (the spelling pydantic's `Field` used here)."""
    return dataclasses.field(default=default, metadata={"ge": ge, "le": le})


# Environment variable names, in one place for the components and the local runtime.
ENV = {
    "table_name": "TABLE_NAME",
    "state_machine_arn": "STATE_MACHINE_ARN",
    "orchestrator_function": "ORCHESTRATOR_FUNCTION",
    "link_key_parameter": "LINK_KEY_PARAMETER",
    "link_base_url": "LINK_BASE_URL",
    "partner_wait_seconds": "PARTNER_WAIT_SECONDS",
    "sms_mode": "SMS_MODE",
    "sms_region": "SMS_REGION",
    "intent_classifier": "INTENT_CLASSIFIER",
    "bot_id": "BOT_ID",
    "bot_alias_id": "BOT_ALIAS_ID",
    "bot_locale_id": "BOT_LOCALE_ID",
    "intent_confidence_threshold": "INTENT_CONFIDENCE_THRESHOLD",
    "intent_tie_break": "INTENT_TIE_BREAK",
    "notifier": "NOTIFIER",
    "bedrock_model_id": "BEDROCK_MODEL_ID",
    # issue 12: the Bedrock guardrail every notification Converse call names (set with `notifier: bedrock`).
    "guardrail_id": "GUARDRAIL_ID",
    "guardrail_version": "GUARDRAIL_VERSION",
    "rate_limit_per_minute": "RATE_LIMIT_PER_MINUTE",
    "origin_key_parameter": "ORIGIN_KEY_PARAMETER",
    "brand_name": "BRAND_NAME",
    "support_phone": "SUPPORT_PHONE",
    # issue 11: the sweeper's margin past the partner wait, and how long request data is kept (TTL).
    "sweep_margin_seconds": "SWEEP_MARGIN_SECONDS",
    "retention_days": "RETENTION_DAYS",
    # Customer verification and the limits on what one person can cost (issue 10).
    "customer_verification": "CUSTOMER_VERIFICATION",
    "customer_key_parameter": "CUSTOMER_KEY_PARAMETER",
    "code_texts_per_reservation": "CODE_TEXTS_PER_RESERVATION",
    "code_texts_per_address": "CODE_TEXTS_PER_ADDRESS",
    "partner_texts_per_hour": "PARTNER_TEXTS_PER_HOUR",
    "sms_daily_budget_parts": "SMS_DAILY_BUDGET_PARTS",
    # The customer told off the page, and the reply to a proposed time (issue 12).
    "customer_sms": "CUSTOMER_SMS",
    "status_page_url": "STATUS_PAGE_URL",
    "reply_window_hours": "REPLY_WINDOW_HOURS",
}


@dataclasses.dataclass(frozen=True)
class Settings:
    table_name: str | None = None
    state_machine_arn: str | None = None
    orchestrator_function: str | None = None
    link_key_parameter: str | None = None  # the SecureString keyring (handlers/models/keyring.py)
    link_base_url: str | None = None
    partner_wait_seconds: int = Field(default=300, ge=5, le=600)
    sms_mode: SmsMode = SmsMode.SNS
    sms_region: str = "ap-northeast-1"
    intent_classifier: IntentClassifier = IntentClassifier.LEX
    bot_id: str | None = None
    bot_alias_id: str | None = None
    bot_locale_id: str = "ko_KR"
    intent_confidence_threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    intent_tie_break: bool = False  # when Lex is unsure, ask Bedrock (bedrock_model_id) to pick the intent
    notifier: Notifier = Notifier.BEDROCK
    bedrock_model_id: str | None = None
    guardrail_id: str | None = None
    guardrail_version: str | None = None
    rate_limit_per_minute: int = Field(default=100, ge=1)
    origin_key_parameter: str | None = None
    brand_name: str | None = None  # the partner SMS starts with it
    support_phone: str | None = None  # customers are told to call it when nobody answered
    sweep_margin_seconds: int = Field(default=120, ge=1, le=3600)
    retention_days: int = Field(default=90, ge=1, le=3650)
    # Off unless the deployment says so: the components always set it (stack setting, `sms` by default).
    customer_verification: CustomerVerification = CustomerVerification.OFF
    customer_key_parameter: str | None = None  # the SecureString keyring of customer tokens and codes
    code_texts_per_reservation: int = Field(default=3, ge=1)
    code_texts_per_address: int = Field(default=10, ge=1)
    partner_texts_per_hour: int = Field(default=20, ge=1)
    sms_daily_budget_parts: int = Field(default=45, ge=0)
    customer_sms: bool = False  # `on`: a verified customer's request ends with one text to the customer
    status_page_url: str | None = None  # `https://<site>/`: the customer text links `?request=<id>` on it
    reply_window_hours: int = Field(default=24, ge=1, le=168)

    def require(self, field: str) -> Any:
        """The value of a setting this function cannot work without."""
        value = getattr(self, field)
        if value is None:
            raise SettingMissingError(f"environment variable {ENV[field]} is not set for this function")
        return value


# The local runtime runs every function in one process; it gives each invocation its function's own
# environment through this variable instead of mutating os.environ.
_environment: ContextVar[Mapping[str, str] | None] = ContextVar("function_environment", default=None)


@contextmanager
def function_environment(environment: Mapping[str, str]) -> Iterator[None]:
    """Run the enclosed calls with `environment` as the function's environment."""
    token = _environment.set(dict(environment))
    try:
        yield
    finally:
        _environment.reset(token)


def get_settings() -> Settings:
    environment = _environment.get()
    source = os.environ if environment is None else environment
    key = tuple(sorted((name, source[name]) for name in ENV.values() if name in source))
    return _load(key)


@lru_cache(maxsize=32)
def _load(key: tuple[tuple[str, str], ...]) -> Settings:
    values = dict(key)
    return parse_settings({field: values[name] for field, name in ENV.items() if name in values})


# What pydantic's lax mode reads as a boolean from a string, as the functions have always read them.
_TRUE = frozenset({"1", "on", "t", "true", "y", "yes"})
_FALSE = frozenset({"0", "off", "f", "false", "n", "no"})


def parse_settings(values: Mapping[str, str]) -> Settings:
    """Settings from raw strings by field name; an absent field keeps its default, unknown names are
    ignored. Raises `SettingInvalidError` naming the environment variable of the first value refused."""
    parsed: dict[str, Any] = {}
    for spec in dataclasses.fields(Settings):
        if spec.name in values:
            parsed[spec.name] = _parse(spec, values[spec.name])
    return Settings(**parsed)


def _kind(spec: dataclasses.Field[Any]) -> Any:
    """The type a field's annotation names (`int`, `str | None`, `SmsMode`): read from the annotation's
    text, which `typing.get_type_hints` would `eval` at a few times the cost."""
    text = str(spec.type).removesuffix(" | None")
    kind = _BUILTIN_KINDS.get(text) or globals().get(text)
    if kind is None:
        raise TypeError(f"setting {spec.name}: unsupported type {spec.type}")
    return kind


_BUILTIN_KINDS: dict[str, type] = {"str": str, "int": int, "float": float, "bool": bool}


def _parse(spec: dataclasses.Field[Any], raw: str) -> Any:
    kind = _kind(spec)
    name = ENV[spec.name]
    if kind is str:
        return raw
    if isinstance(kind, type) and issubclass(kind, StrEnum):
        allowed = [member.value for member in kind]
        if raw not in allowed:
            raise SettingInvalidError(f"environment variable {name} must be one of {allowed}, not {raw!r}")
        return kind(raw)
    if kind is bool:
        lowered = raw.strip().lower()
        if lowered not in _TRUE | _FALSE:
            raise SettingInvalidError(f"environment variable {name} must be true or false, not {raw!r}")
        return lowered in _TRUE
    if kind is int or kind is float:
        try:
            number = kind(raw.strip())
        except ValueError:
            noun = "an integer" if kind is int else "a number"
            raise SettingInvalidError(f"environment variable {name} must be {noun}, not {raw!r}") from None
        low, high = spec.metadata.get("ge"), spec.metadata.get("le")
        if (low is not None and not number >= low) or (high is not None and not number <= high):
            bounds = " and ".join(
                part
                for part in (
                    f">= {low}" if low is not None else "",
                    f"<= {high}" if high is not None else "",
                )
                if part
            )
            raise SettingInvalidError(f"environment variable {name} must be {bounds}, not {raw!r}")
        return number
    raise TypeError(f"setting {spec.name}: unsupported type {spec.type}")


def reset_settings() -> None:
    """Forget validated settings (tests change the environment between cases)."""
    _load.cache_clear()
