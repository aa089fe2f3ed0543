"""Pure builders of the Pulumi program, without the Pulumi runtime: policies, code archive, seed data, site
helpers, the bot model hash, and the stack settings."""

from __future__ import annotations

import ast
import json
import re
from dataclasses import replace
from pathlib import Path

import pulumi
import pytest
from pulumi_mocks import ROOT, stack_config, use_mocks

from components import iam
from components.api import ROUTES, access_log_format, route_source_arn
from components.bot import model_hash
from components.code import source_files
from components.functions import FUNCTION_KEYS, pinned_powertools_version, powertools_layer_parameter
from components.seed_data import RESERVATIONS, item, reservations
from components.settings import InvalidSettingError, StackSettings, load_settings
from components.site import (
    api_origin_domain,
    config_js,
    content_security_policy,
    content_type,
    rate_limited_body,
    site_files,
    web_acl_rules,
)
from handlers.models.intents import INTENTS, IntentDefinition
from handlers.store import schema

HANGUL = re.compile(r"[가-힣]")

# --- IAM ----------------------------------------------------------------------------------------------------


def test_a_named_statement_refuses_the_wildcard_resource() -> None:
    with pytest.raises(ValueError, match="wildcard_statement"):
        iam.statement(["dynamodb:GetItem"], ["*"])


def test_a_named_statement_needs_resources() -> None:
    with pytest.raises(ValueError, match="name its resources"):
        iam.statement(["dynamodb:GetItem"], [])


def test_wildcard_statement_accepts_only_listed_actions() -> None:
    with pytest.raises(ValueError, match="dynamodb:GetItem"):
        iam.wildcard_statement(["sns:Publish", "dynamodb:GetItem"], sid="Nope")


def test_every_wildcard_action_gives_its_reason() -> None:
    assert all(reason.strip() for reason in iam.WILDCARD_ACTIONS.values())


def test_function_policy_writes_only_to_its_own_log_group() -> None:
    log_group = "arn:aws:logs:ap-northeast-2:123456789012:log-group:/aws/lambda/x/intake"

    own_logs = iam.function_policy(log_group, [])["Statement"][0]

    assert own_logs["Resource"] == [f"{log_group}:*"]
    assert own_logs["Action"] == ["logs:CreateLogStream", "logs:PutLogEvents"]


def test_table_statement_names_only_the_indexes_the_function_queries() -> None:
    orchestrator = iam.table_statement("arn:t", "orchestrator", ["GSI1", "GSI2"])
    status = iam.table_statement("arn:t", "status", ["GSI1", "GSI2"])

    assert orchestrator["Resource"] == ["arn:t", "arn:t/index/GSI1"]
    assert (status["Resource"], status["Action"]) == (["arn:t"], ["dynamodb:Query"])


def test_table_statement_refuses_an_index_the_table_lacks() -> None:
    with pytest.raises(ValueError, match="GSI1"):
        iam.table_statement("arn:t", "orchestrator", ["GSI2"])


# The store's boto3 calls -> the IAM actions they need; a transaction needs one action per item kind.
_CLIENT_ACTIONS = {
    "get_item": "dynamodb:GetItem",
    "query": "dynamodb:Query",
    "put_item": "dynamodb:PutItem",
    "update_item": "dynamodb:UpdateItem",
    "delete_item": "dynamodb:DeleteItem",
    "batch_get_item": "dynamodb:BatchGetItem",
}
_TRANSACTION_ACTIONS = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}


def _store_calls() -> tuple[set[str], set[str]]:
    """(IAM actions, index names) that `handlers/store` really uses, read from its source."""
    actions: set[str] = set()
    indexes: set[str] = set()
    for path in (ROOT / "handlers" / "store").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
                chain = ast.unparse(node.func.value)
                if chain.endswith("_client"):
                    assert node.func.attr in {*_CLIENT_ACTIONS, "transact_write_items"}, node.func.attr
                    actions.add(_CLIENT_ACTIONS.get(node.func.attr, ""))
                    indexes.update(
                        getattr(schema, ast.unparse(k.value)) for k in node.keywords if k.arg == "IndexName"
                    )
            if isinstance(node, ast.Dict):
                for key in node.keys:
                    if isinstance(key, ast.Constant) and key.value in _TRANSACTION_ACTIONS:
                        actions.add(_TRANSACTION_ACTIONS[key.value])
    return actions - {""}, indexes


def test_table_grants_cover_exactly_what_the_store_calls() -> None:
    actions, indexes = _store_calls()

    assert {a for access in iam.TABLE_ACCESS.values() for a in access.actions} == actions
    assert {i for access in iam.TABLE_ACCESS.values() for i in access.indexes} == indexes
    assert set(iam.TABLE_ACCESS) == set(FUNCTION_KEYS)


def test_only_the_sms_sender_verify_and_admin_delete_items() -> None:
    # The sender's resend replaces the unsent link token; `verify` spends a one-time code by deleting it;
    # an operator's resent link replaces the partner's (issue 13).
    deleters = [key for key, access in iam.TABLE_ACCESS.items() if iam.DELETE in access.actions]

    assert deleters == ["sms_sender", "verify", "admin"]


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        (
            "apac.anthropic.claude-3-haiku-20240307-v1:0",
            [
                "arn:aws:bedrock:ap-northeast-2:123456789012:inference-profile/apac.anthropic.claude-3-haiku-20240307-v1:0",
                "arn:aws:bedrock:*::foundation-model/anthropic.claude-3-haiku-20240307-v1:0",
            ],
        ),
        (
            "anthropic.claude-3-haiku-20240307-v1:0",
            ["arn:aws:bedrock:ap-northeast-2::foundation-model/anthropic.claude-3-haiku-20240307-v1:0"],
        ),
    ],
)
def test_bedrock_arns_cover_profiles_and_plain_models(model: str, expected: list[str]) -> None:
    assert iam.bedrock_model_arns(model, "ap-northeast-2", "123456789012") == expected


def test_bot_alias_arn_is_derived_from_the_bot_arn() -> None:
    arn = iam.bot_alias_arn("arn:aws:lex:ap-northeast-2:123456789012:bot/BOT1", "ALIAS1")

    assert arn == "arn:aws:lex:ap-northeast-2:123456789012:bot-alias/BOT1/ALIAS1"


def test_site_bucket_refuses_plain_http() -> None:
    deny = iam.site_bucket_policy("arn:aws:s3:::site", "arn:dist")["Statement"][1]

    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"Bool": {"aws:SecureTransport": "false"}}


# --- code archive and functions ----------------------------------------------------------------------------


def test_archive_holds_every_entry_module_under_the_package_prefix() -> None:
    files = source_files(ROOT)

    assert {f"handlers/{key}.py" for key in FUNCTION_KEYS} <= set(files)
    assert "handlers/__init__.py" in files


def test_archive_leaves_out_bytecode(tmp_path: Path) -> None:
    package = tmp_path / "handlers"
    (package / "__pycache__").mkdir(parents=True)
    (package / "__init__.py").write_text("", encoding="utf-8")
    (package / "intake.py").write_text("", encoding="utf-8")
    (package / "__pycache__" / "intake.cpython-311.pyc").write_bytes(b"\0")
    (package / "stale.pyc").write_bytes(b"\0")

    assert sorted(source_files(tmp_path)) == ["handlers/__init__.py", "handlers/intake.py"]


def test_the_layer_is_looked_up_for_the_arm64_python313_release() -> None:
    assert powertools_layer_parameter("3.37.0") == "/aws/service/powertools/python/arm64/python3.13/3.37.0"


def test_the_pinned_powertools_version_is_read_from_requirements() -> None:
    assert pinned_powertools_version("boto3==1.0\naws_lambda_powertools==3.37.0\n") == "3.37.0"
    assert pinned_powertools_version("aws-lambda-powertools==3.23.0 ; python_version>='3.11'") == "3.23.0"
    with pytest.raises(ValueError, match="pins no aws-lambda-powertools"):
        pinned_powertools_version("aws_lambda_powertools>=3\n")


# --- API ------------------------------------------------------------------------------------------------


def test_route_source_arn_replaces_path_parameters() -> None:
    assert route_source_arn("arn:api", "GET /confirm/{token}") == "arn:api/*/GET/confirm/*"


def test_routes_reach_only_the_api_functions() -> None:
    assert set(ROUTES.values()) == {"intake", "partner_response", "status", "verify"}


def test_access_log_never_records_the_path() -> None:
    values = " ".join(access_log_format().values())

    assert "$context.path" not in values
    assert "rawPath" not in values


# --- site ---------------------------------------------------------------------------------------------------


def test_config_js_sets_the_api_base_url_without_trailing_slash_the_brand_the_phone_and_verification() -> (
    None
):
    assert config_js("https://api.example/", "예약확인센터", "1588-0000", "off") == (
        'window.PARTNER_CONFIRM_CONFIG = {"apiBaseUrl": "https://api.example", '
        '"brandName": "예약확인센터", "supportPhone": "1588-0000", "customerVerification": "off"};\n'
    )


def test_csp_allows_scripts_and_connections_only_from_the_own_origin() -> None:
    directives = dict(part.split(" ", 1) for part in content_security_policy().split("; "))

    assert directives["default-src"] == "'self'"
    assert directives["script-src"] == "'self'"
    assert directives["connect-src"] == "'self'"
    assert directives["frame-ancestors"] == "'none'"
    assert "*" not in content_security_policy()


def test_the_api_origin_is_the_execute_api_host() -> None:
    endpoint = "https://a1b2c3d4e5.execute-api.ap-northeast-2.amazonaws.com"

    assert api_origin_domain(endpoint) == "a1b2c3d4e5.execute-api.ap-northeast-2.amazonaws.com"


def test_web_acl_checks_reputation_then_rate_then_inputs() -> None:
    rules = web_acl_rules(100)

    assert [rule["priority"] for rule in rules] == list(range(len(rules)))
    assert [rule["name"] for rule in rules] == [
        "AWSManagedRulesAmazonIpReputationList",
        "rate-per-address",
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
    ]
    for rule in rules:
        assert rule["visibility_config"]["metric_name"] == rule["name"]
        if "managed_rule_group_statement" in rule["statement"]:
            assert rule["override_action"] == {"none": {}}, f"{rule['name']} must block, not only count"
            assert rule["statement"]["managed_rule_group_statement"]["vendor_name"] == "AWS"


def test_the_rate_rule_counts_per_address_over_one_minute_and_answers_429_in_korean() -> None:
    (rate,) = [rule for rule in web_acl_rules(100) if "rate_based_statement" in rule["statement"]]
    response = rate["action"]["block"]["custom_response"]
    body = json.loads(rate_limited_body())

    assert rate["statement"]["rate_based_statement"] == {
        "limit": 100,
        "aggregate_key_type": "IP",
        "evaluation_window_sec": 60,
    }
    assert response["response_code"] == 429
    assert response["response_headers"] == [{"name": "Retry-After", "value": "60"}]
    assert body["error"] == "RATE_LIMITED"
    assert HANGUL.search(body["message"])


def test_site_files_skip_a_local_config_js_and_hidden_files(tmp_path: Path) -> None:
    for name in ("index.html", "config.js", ".DS_Store"):
        (tmp_path / name).write_text("x", encoding="utf-8")

    assert list(site_files(tmp_path)) == ["index.html"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a.html", "text/html; charset=utf-8"),
        ("a.js", "text/javascript; charset=utf-8"),
        ("a.svg", "image/svg+xml"),
    ],
)
def test_content_types(name: str, expected: str) -> None:
    assert content_type(Path(name)) == expected


# --- bot model and seed data ------------------------------------------------------------------------------


def test_model_hash_changes_with_any_utterance() -> None:
    first = INTENTS[0]
    edited = (replace(first, utterances=(*first.utterances, "새 문장")), *INTENTS[1:])

    assert model_hash(edited) != model_hash()
    assert model_hash(INTENTS) == model_hash()


@pytest.mark.parametrize("intent", INTENTS, ids=lambda d: d.lex_name)
def test_each_intent_has_at_least_fifteen_distinct_korean_utterances(intent: IntentDefinition) -> None:
    utterances = intent.utterances

    assert len(set(utterances)) == len(utterances) >= 15
    assert all(re.search(r"[가-힣]", u) for u in utterances)


def test_seed_reservations_are_korean_e164_and_unique() -> None:
    numbers = [row.reservation_number for row in RESERVATIONS]

    assert len(set(numbers)) == len(numbers) >= 5
    for row in RESERVATIONS:
        assert re.fullmatch(r"\+8210\d{8}", row.customer_phone)
        assert re.fullmatch(r"\+8210\d{8}", row.partner_phone)
        assert re.search(r"[가-힣]", row.partner_name)


def test_seed_items_carry_gsi1_keys_only_for_the_reservation_lookup() -> None:
    row = RESERVATIONS[0]

    assert (item(row)["GSI1PK"], item(row)["GSI1SK"]) == (row.reservation_number, row.customer_phone)


def test_partner_phone_override_leaves_the_declared_rows_alone() -> None:
    overridden = reservations("+821099990000")

    assert {row.partner_phone for row in overridden} == {"+821099990000"}
    assert RESERVATIONS[0].partner_phone != "+821099990000"


def test_customer_phone_override_reaches_every_customer_for_the_sms_sandbox() -> None:
    overridden = reservations(customer_phone="+821088887777", extra=3)

    assert {row.customer_phone for row in overridden} == {"+821088887777"}
    assert len(overridden) == len(RESERVATIONS) + 3


def test_generated_reservations_each_have_their_own_customer_and_partner() -> None:
    rows = reservations(extra=100)[len(RESERVATIONS) :]

    assert len(rows) == 100
    for field in ("reservation_number", "customer_phone", "partner_phone", "partner_id"):
        values = [getattr(row, field) for row in rows]
        assert len(set(values)) == 100, field
    assert not {row.customer_phone for row in rows} & {row.customer_phone for row in RESERVATIONS}
    for row in rows:
        assert re.fullmatch(r"\+8210\d{8}", row.customer_phone)
        assert re.fullmatch(r"\+8210\d{8}", row.partner_phone)


# --- settings -------------------------------------------------------------------------------------------


def _settings(config: dict[str, str], stack: str = "dev") -> StackSettings:
    use_mocks(stack, config)
    return load_settings(pulumi.Config(), pulumi.Config("aws"))


@pytest.mark.parametrize("stack", ["dev", "demo"])
def test_stack_files_load_into_settings(stack: str) -> None:
    settings = _settings(stack_config(stack))

    assert settings.region == "ap-northeast-2"
    assert settings.partner_wait_seconds == 300
    assert settings.api_throttle.rate_limit > 0


def test_verification_and_limits_default_to_on_and_bounded() -> None:
    settings = _settings({"aws:region": "ap-northeast-2", "partner-confirm:supportPhone": "1588-0000"})

    assert settings.customer_verification.value == "sms"
    assert (settings.code_texts_per_reservation, settings.code_texts_per_address) == (3, 10)
    assert (settings.partner_texts_per_hour, settings.sms_daily_budget_parts) == (20, 45)
    assert (settings.seed_customer_phone, settings.demo_reservations) == (None, 0)


@pytest.mark.parametrize("stack", ["dev", "demo"])
def test_both_stacks_verify_customers(stack: str) -> None:
    assert _settings(stack_config(stack)).customer_verification.value == "sms"


@pytest.mark.parametrize("stack", ["dev", "demo"])
def test_both_stacks_put_the_seed_rate_behind_the_web_acl_and_throttle_routes_apart(stack: str) -> None:
    settings = _settings(stack_config(stack))

    assert (settings.waf, settings.waf_rate_limit) == ("on", 100)
    assert set(settings.route_throttles.limits()) == {"customer", "partner"}
    assert all(rate > 0 and burst > 0 for rate, burst in settings.route_throttles.limits().values())


@pytest.mark.parametrize(
    ("raw", "expected"), [("on", "on"), ("off", "off"), ("true", "on"), ("false", "off")]
)
def test_waf_reads_on_and_off_also_as_yaml_booleans(raw: str, expected: str) -> None:
    assert _settings({**stack_config("dev"), "partner-confirm:waf": raw}).waf == expected


def test_unset_settings_take_the_documented_defaults() -> None:
    settings = _settings(
        {
            "aws:region": "ap-northeast-2",
            "partner-confirm:supportPhone": "1588-0000",
        }
    )

    assert (settings.sms_region, settings.partner_wait_seconds, settings.rate_limit_per_minute) == (
        "ap-northeast-1",
        300,
        100,
    )
    assert settings.own_sms_preferences is False
    assert settings.brand_name == "예약확인"
    assert (settings.waf, settings.waf_rate_limit) == ("off", 100)


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("partner-confirm:partnerWaitSeconds", "forever"),
        ("partner-confirm:smsMode", "fax"),
        ("partner-confirm:logRetentionDays", "10"),
        ("partner-confirm:apiThrottle", '{"rateLimit": 0, "burstLimit": 10}'),
        ("partner-confirm:seedPartnerPhone", "010-1234-5678"),
        ("partner-confirm:supportPhone", "call us"),
        ("partner-confirm:brandName", "아주 길고 긴 여행 예약 플랫폼 이름"),
        ("partner-confirm:customerVerification", "email"),
        ("partner-confirm:smsDailyBudgetParts", "-1"),
        ("partner-confirm:partnerTextsPerHour", "0"),
        ("partner-confirm:codeTextsPerReservation", "0"),
        ("partner-confirm:seedCustomerPhone", "010-1234-5678"),
        ("partner-confirm:demoReservations", "100000"),
        ("partner-confirm:waf", "maybe"),
        ("partner-confirm:wafRateLimit", "5"),
        ("partner-confirm:routeThrottles", '{"partner": {"rateLimit": 10, "burstLimit": 0}}'),
    ],
)
def test_a_bad_value_fails_with_the_setting_named(key: str, value: str) -> None:
    config = {**stack_config("dev"), key: value}

    with pytest.raises(InvalidSettingError, match=re.escape(key)):
        _settings(config)


def test_a_missing_support_phone_is_named() -> None:
    config = {k: v for k, v in stack_config("dev").items() if k != "partner-confirm:supportPhone"}

    with pytest.raises(InvalidSettingError, match="partner-confirm:supportPhone"):
        _settings(config)


def test_a_missing_region_is_named() -> None:
    config = {k: v for k, v in stack_config("dev").items() if k != "aws:region"}

    with pytest.raises(InvalidSettingError, match="aws:region"):
        _settings(config)


@pytest.mark.parametrize("address", ["ops@example.com", "me@mail.example.org", "x@EXAMPLE.NET"])
def test_a_placeholder_alarm_address_stops_the_preview(address: str) -> None:
    config = {**stack_config("dev"), "partner-confirm:alarmEmail": address}

    with pytest.raises(InvalidSettingError, match=r"partner-confirm:alarmEmail: .*placeholder"):
        _settings(config)


def test_the_demo_stack_needs_an_alarm_address() -> None:
    config = {k: v for k, v in stack_config("demo").items() if k != "partner-confirm:alarmEmail"}

    with pytest.raises(InvalidSettingError, match="partner-confirm:alarmEmail: required for the demo stack"):
        _settings(config, stack="demo")


def test_dev_may_go_without_an_alarm_address() -> None:
    config = {k: v for k, v in stack_config("dev").items() if k != "partner-confirm:alarmEmail"}

    assert _settings(config).alarm_email is None


def test_a_real_alarm_address_is_kept() -> None:
    assert _settings(
        {**stack_config("dev"), "partner-confirm:alarmEmail": "ops@partner-confirm.kr"}
    ).alarm_email
