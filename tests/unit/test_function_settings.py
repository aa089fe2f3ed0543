"""Function settings are read from strings the way the functions always read them, and refuse clearly."""

from __future__ import annotations

import dataclasses

import pytest

from handlers.settings import (
    ENV,
    CustomerVerification,
    SettingInvalidError,
    SettingMissingError,
    Settings,
    SmsMode,
    parse_settings,
)


def test_absent_settings_keep_their_defaults():
    assert parse_settings({}) == Settings()
    assert (Settings().partner_wait_seconds, Settings().sms_mode) == (300, SmsMode.SNS)


def test_values_are_read_as_their_fields_types():
    settings = parse_settings(
        {
            "table_name": "t",
            "partner_wait_seconds": " 30 ",
            "intent_confidence_threshold": "0.75",
            "intent_tie_break": "TRUE",
            "customer_verification": "sms",
        }
    )
    assert settings.table_name == "t"
    assert settings.partner_wait_seconds == 30
    assert settings.intent_confidence_threshold == 0.75
    assert settings.intent_tie_break is True
    assert settings.customer_verification is CustomerVerification.SMS


@pytest.mark.parametrize(("raw", "expected"), [("1", True), ("yes", True), ("off", False), ("f", False)])
def test_booleans_read_as_pydantic_read_them(raw, expected):
    assert parse_settings({"intent_tie_break": raw}).intent_tie_break is expected


@pytest.mark.parametrize(
    ("field", "raw", "message"),
    [
        ("partner_wait_seconds", "4", "PARTNER_WAIT_SECONDS must be >= 5 and <= 600, not '4'"),
        ("partner_wait_seconds", "601", "PARTNER_WAIT_SECONDS must be >= 5 and <= 600, not '601'"),
        ("partner_wait_seconds", "5m", "PARTNER_WAIT_SECONDS must be an integer, not '5m'"),
        ("sms_daily_budget_parts", "-1", "SMS_DAILY_BUDGET_PARTS must be >= 0, not '-1'"),
        ("intent_confidence_threshold", "high", "INTENT_CONFIDENCE_THRESHOLD must be a number, not 'high'"),
        ("sms_mode", "email", "SMS_MODE must be one of ['sns', 'log'], not 'email'"),
        ("intent_tie_break", "maybe", "INTENT_TIE_BREAK must be true or false, not 'maybe'"),
    ],
)
def test_a_value_out_of_type_or_bounds_names_its_variable(field, raw, message):
    with pytest.raises(SettingInvalidError, match=rf"^environment variable {message}$".replace("[", r"\[")):
        parse_settings({field: raw})


def test_every_setting_has_a_variable_and_a_type_the_parser_reads():
    fields = {spec.name: spec for spec in dataclasses.fields(Settings)}
    assert set(fields) == set(ENV)
    # A value of the right kind for each field parses: a new setting of a type the parser cannot read
    # fails here rather than on a function's first call.
    samples = {int: "7", float: "0.5", bool: "false", str: "x"}
    for name, spec in fields.items():
        default = spec.default
        raw = default.value if hasattr(default, "value") else samples.get(type(default), "x")
        parse_settings({name: raw})


def test_settings_are_frozen_and_a_missing_one_names_its_variable():
    settings = Settings()
    with pytest.raises(dataclasses.FrozenInstanceError):
        settings.table_name = "other"  # type: ignore[misc]
    with pytest.raises(SettingMissingError, match="TABLE_NAME is not set"):
        settings.require("table_name")
