"""Each component under Pulumi mocks: the resources it declares and their key properties."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pulumi
import pytest
from component_harness import Built, defaults, is_secret, resolve, unwrap
from pulumi_mocks import ACCOUNT, BOT_ALIAS_ID, GUARDRAIL_ID, GUARDRAIL_VERSION, KMS_KEY_ID, REGION, ROOT

from components import guardrail as guardrails
from components.api import ROUTES, PartnerApi, PartnerApiArgs
from components.bot import IntakeBot, IntakeBotArgs, model_hash
from components.functions import ASYNC_RETRIES
from components.secrets import StackSecrets, StackSecretsArgs, origin_versions
from components.seed_data import RESERVATIONS
from components.site import StaticSite, StaticSiteArgs, static_page
from components.table import ConfirmationTable, ConfirmationTableArgs
from components.workflow import CallbackWorkflow, CallbackWorkflowArgs
from handlers.models.intents import INTENTS
from handlers.models.keyring import Keyring
from handlers.settings import Notifier, SmsMode
from handlers.store import schema

TABLE_ARN = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/confirmations"
SITE_ORIGIN = "https://d111111abcdef8.cloudfront.net"
LINK_KEY_PARAMETER = "/partner-confirm/test/link-signing-key"
LINK_KEY_PARAMETER_ARN = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{LINK_KEY_PARAMETER}"
CUSTOMER_KEY_PARAMETER = "/partner-confirm/test/customer-token-key"
CUSTOMER_KEY_PARAMETER_ARN = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{CUSTOMER_KEY_PARAMETER}"
KMS_KEY_ARN = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{KMS_KEY_ID}"
ORIGIN_SECRET = "bW9jay1vcmlnaW4ta2V5LTMyLWJ5dGVzLWxvbmcuLi4="
ORIGIN_KEY_PARAMETER = "/partner-confirm/test/origin-verify-secret"
ORIGIN_KEY_PARAMETER_ARN = f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter{ORIGIN_KEY_PARAMETER}"
API_ENDPOINT = f"https://a1b2c3d4e5.execute-api.{REGION}.amazonaws.com"


# --- ConfirmationTable ----------------------------------------------------------------------------------


def build_table(**overrides: Any) -> Built:
    def build() -> dict[str, Any]:
        table = ConfirmationTable("table", ConfirmationTableArgs(**overrides))
        return {"name": table.table_name, "arn": table.table_arn}

    return resolve(build)


def test_table_is_on_demand_with_the_schema_keys_ttl_recovery_and_encryption() -> None:
    built = build_table(deletion_protection=True)
    table = built.inputs("table-table")

    assert table["billingMode"] == "PAY_PER_REQUEST"
    assert (table["hashKey"], table["rangeKey"]) == (schema.PARTITION_KEY, schema.SORT_KEY)
    assert {a["name"]: a["type"] for a in table["attributes"]} == schema.ATTRIBUTE_TYPES
    assert table["ttl"] == {"attributeName": schema.TTL_ATTRIBUTE, "enabled": True}
    assert table["pointInTimeRecovery"] == {"enabled": True}
    assert table["serverSideEncryption"] == {"enabled": True}
    assert table["deletionProtectionEnabled"] is True
    assert built.outputs["arn"].startswith("arn:aws:dynamodb:")


def test_table_indexes_use_key_schemas_from_the_schema_module() -> None:
    indexes = build_table().inputs("table-table")["globalSecondaryIndexes"]

    declared = {
        index["name"]: tuple(key["attributeName"] for key in index["keySchemas"]) for index in indexes
    }
    assert declared == schema.INDEXES
    assert all("hashKey" not in index and index["projectionType"] == "ALL" for index in indexes)


def test_demo_reservations_are_loaded_with_sparse_gsi1_keys() -> None:
    built = build_table(seed_demo_data=True)
    items = {
        json.loads(item["item"])["PK"]["S"]: json.loads(item["item"])
        for item in built.of_type("aws:dynamodb/tableItem:TableItem")
    }

    assert sorted(items) == sorted(f"RES#{row.reservation_number}" for row in RESERVATIONS)
    for row in RESERVATIONS:
        item = items[f"RES#{row.reservation_number}"]
        assert item["GSI1PK"] == {"S": row.reservation_number}
        assert item["GSI1SK"] == {"S": row.customer_phone}


def test_no_reservations_without_the_seed_setting() -> None:
    assert build_table(seed_demo_data=False).of_type("aws:dynamodb/tableItem:TableItem") == []


def test_seed_partner_phone_reaches_every_demo_partner() -> None:
    built = build_table(seed_demo_data=True, seed_partner_phone="+821011112222")
    phones = {
        json.loads(i["item"])["partnerPhone"]["S"] for i in built.of_type("aws:dynamodb/tableItem:TableItem")
    }

    assert phones == {"+821011112222"}


# --- IntakeBot -----------------------------------------------------------------------------------------


def build_bot() -> Built:
    def build() -> dict[str, Any]:
        bot = IntakeBot("bot", IntakeBotArgs(region=REGION, account_id=ACCOUNT))
        return {"id": bot.bot_id, "alias": bot.bot_alias_id, "aliasArn": bot.bot_alias_arn}

    return resolve(build)


def test_bot_has_the_korean_locale_and_the_three_intents() -> None:
    built = build_bot()
    intents = built.of_type("aws:lex/v2modelsIntent:V2modelsIntent")

    assert built.inputs("bot-locale")["localeId"] == "ko_KR"
    assert {i["name"]: len(i["sampleUtterances"]) for i in intents} == {
        d.lex_name: len(d.utterances) for d in INTENTS
    }
    assert all(i["localeId"] == "ko_KR" and i["botVersion"] == "DRAFT" for i in intents)


def test_bot_release_carries_bot_locale_and_model_hash_and_outputs_the_alias() -> None:
    built = build_bot()
    release = built.inputs("bot-release")

    assert release["botId"] == built.outputs["id"]
    assert (release["localeId"], release["modelHash"], release["region"]) == ("ko_KR", model_hash(), REGION)
    assert built.mocks.named("bot-release").typ == "pulumi-python:dynamic:Resource"
    assert built.outputs["alias"] == BOT_ALIAS_ID
    assert (
        built.outputs["aliasArn"]
        == f"arn:aws:lex:{REGION}:{ACCOUNT}:bot-alias/{built.outputs['id']}/{BOT_ALIAS_ID}"
    )


def test_bot_role_is_trusted_by_lex_only() -> None:
    trust = json.loads(build_bot().inputs("bot-role")["assumeRolePolicy"])

    assert [s["Principal"] for s in trust["Statement"]] == [{"Service": "lexv2.amazonaws.com"}]


@pytest.mark.parametrize(
    ("build", "role"),
    [
        (lambda: build_bot(), "bot-role"),
        (lambda: build_workflow(), "workflow-role"),
        (lambda: build_workflow(), "workflow-sweep-schedule-role"),
    ],
)
def test_service_roles_serve_only_this_accounts_resources(build: Any, role: str) -> None:
    (trust,) = json.loads(build().inputs(role)["assumeRolePolicy"])["Statement"]

    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": ACCOUNT}}


# --- CallbackWorkflow ------------------------------------------------------------------------------------


def workflow_args(**overrides: Any) -> CallbackWorkflowArgs:
    values: dict[str, Any] = {
        "defaults": defaults(),
        "table_name": "confirmations",
        "table_arn": TABLE_ARN,
        "table_indexes": tuple(schema.INDEXES),
        "link_base_url": f"{SITE_ORIGIN}/r/",
        "link_key_parameter": LINK_KEY_PARAMETER,
        "link_key_parameter_arn": LINK_KEY_PARAMETER_ARN,
        "secrets_key_arn": KMS_KEY_ARN,
        "partner_wait_seconds": 240,
        "sms_mode": SmsMode.SNS,
        "sms_region": "ap-northeast-1",
        "own_sms_preferences": False,
        "sms_monthly_spend_limit": 1,
        "notifier": Notifier.BEDROCK,
        "bedrock_model_id": "global.anthropic.claude-haiku-4-5-20251001-v1:0",
        "region": REGION,
        "account_id": ACCOUNT,
        "log_retention_days": 30,
        "log_group_name": "/aws/vendedlogs/states/partner-confirm-test",
        "brand_name": "예약확인센터",
        "support_phone": "1588-0000",
        "sweep_margin_seconds": 120,
    }
    return CallbackWorkflowArgs(**{**values, **overrides})


def build_workflow(**overrides: Any) -> Built:
    def build() -> dict[str, Any]:
        workflow = CallbackWorkflow("workflow", workflow_args(**overrides))
        return {"arn": workflow.state_machine_arn}

    return resolve(build)


def policy_of(built: Built, name: str) -> list[dict[str, Any]]:
    return list(json.loads(built.inputs(name)["policy"])["Statement"])


def test_state_machine_is_standard_traced_and_logs_without_execution_data() -> None:
    machine = build_workflow().inputs("workflow-state-machine")

    assert machine["type"] == "STANDARD"
    assert machine["tracingConfiguration"] == {"enabled": True}
    logging = machine["loggingConfiguration"]
    assert logging["logDestination"].endswith(":log-group:/aws/vendedlogs/states/partner-confirm-test:*")
    assert logging["includeExecutionData"] is False


def test_state_machine_waits_the_configured_time_on_its_own_sms_function() -> None:
    built = build_workflow(partner_wait_seconds=240)
    definition = json.loads(built.inputs("workflow-state-machine")["definition"])
    sms_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:workflow-sms-sender-0a1b2c3"

    assert definition["States"]["NotifyPartner"]["TimeoutSeconds"] == 240
    assert definition["States"]["NotifyPartner"]["Parameters"]["FunctionName"] == sms_arn


def test_workflow_role_may_invoke_exactly_its_four_functions() -> None:
    (invoke, *_) = policy_of(build_workflow(), "workflow-policy")

    assert invoke["Action"] == ["lambda:InvokeFunction"]
    assert sorted(arn.rsplit(":", 1)[-1] for arn in invoke["Resource"]) == sorted(
        f"workflow-{key}-0a1b2c3" for key in ("sms-sender", "timeout", "failure", "notification")
    )


def test_workflow_role_may_end_a_request_on_its_table_only() -> None:
    (table,) = [
        s for s in policy_of(build_workflow(), "workflow-policy") if s.get("Sid") == "EndStrandedRequests"
    ]

    assert (sorted(table["Action"]), table["Resource"]) == (
        ["dynamodb:PutItem", "dynamodb:UpdateItem"],
        [TABLE_ARN],
    )


def test_the_sweeper_runs_every_five_minutes_through_a_role_that_invokes_only_it() -> None:
    built = build_workflow()
    (schedule,) = built.of_type("aws:scheduler/schedule:Schedule")
    sweeper_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:workflow-sweeper-0a1b2c3"

    assert schedule["scheduleExpression"] == "rate(5 minutes)"
    assert schedule["flexibleTimeWindow"] == {"mode": "OFF"}
    assert schedule["target"]["arn"] == sweeper_arn
    (trust,) = json.loads(built.inputs("workflow-sweep-schedule-role")["assumeRolePolicy"])["Statement"]
    assert trust["Principal"] == {"Service": "scheduler.amazonaws.com"}
    assert policy_of(built, "workflow-sweep-schedule-policy") == [
        {
            "Sid": "InvokeSweeper",
            "Effect": "Allow",
            "Action": ["lambda:InvokeFunction"],
            "Resource": [sweeper_arn],
        }
    ]


def test_the_sweeper_queries_only_the_status_index_and_knows_the_wait_and_margin() -> None:
    built = build_workflow(partner_wait_seconds=240, sweep_margin_seconds=90)
    variables = built.inputs("workflow-sweeper")["environment"]["variables"]
    (table,) = [s for s in policy_of(built, "workflow-sweeper-policy") if s.get("Sid") == "Table"]

    assert (variables["PARTNER_WAIT_SECONDS"], variables["SWEEP_MARGIN_SECONDS"]) == ("240", "90")
    assert table["Resource"] == [TABLE_ARN, f"{TABLE_ARN}/index/GSI2"]
    assert "dynamodb:Query" in table["Action"]


def test_sms_sender_gets_link_settings_and_the_name_of_the_link_keyring() -> None:
    built = build_workflow()
    variables = built.inputs("workflow-sms-sender")["environment"]["variables"]

    assert variables["LINK_BASE_URL"] == f"{SITE_ORIGIN}/r/"
    assert (variables["PARTNER_WAIT_SECONDS"], variables["SMS_MODE"], variables["SMS_REGION"]) == (
        "240",
        "sns",
        "ap-northeast-1",
    )
    assert variables["LINK_KEY_PARAMETER"] == LINK_KEY_PARAMETER
    assert not is_secret(built.raw_inputs("workflow-sms-sender")["environment"])
    assert variables["BRAND_NAME"] == "예약확인센터"


@pytest.mark.parametrize("function", ["workflow-failure", "workflow-notification"])
def test_functions_that_write_customer_messages_know_the_support_phone(function: str) -> None:
    variables = build_workflow().inputs(function)["environment"]["variables"]

    assert variables["SUPPORT_PHONE"] == "1588-0000"


def test_sms_sender_may_read_and_decrypt_only_the_link_keyring() -> None:
    statements = {s.get("Sid"): s for s in policy_of(build_workflow(), "workflow-sms-sender-policy")}

    assert statements["ReadSecret"]["Action"] == ["ssm:GetParameter"]
    assert statements["ReadSecret"]["Resource"] == [LINK_KEY_PARAMETER_ARN]
    assert statements["DecryptSecret"]["Resource"] == [KMS_KEY_ARN]
    assert statements["DecryptSecret"]["Condition"] == {
        "StringEquals": {"kms:ViaService": f"ssm.{REGION}.amazonaws.com"}
    }


@pytest.mark.parametrize(("mode", "texts"), [(SmsMode.SNS, True), (SmsMode.LOG, False)])
def test_sms_publish_is_granted_only_when_texting(mode: SmsMode, texts: bool) -> None:
    actions = {
        a for s in policy_of(build_workflow(sms_mode=mode), "workflow-sms-sender-policy") for a in s["Action"]
    }

    assert ("sns:Publish" in actions) is texts


@pytest.mark.parametrize(("notifier", "calls_model"), [(Notifier.BEDROCK, True), (Notifier.TEMPLATE, False)])
def test_bedrock_is_granted_only_to_a_model_notifier(notifier: Notifier, calls_model: bool) -> None:
    statements = policy_of(build_workflow(notifier=notifier), "workflow-notification-policy")
    bedrock = [s for s in statements if s["Action"] == ["bedrock:InvokeModel"]]

    assert bool(bedrock) is calls_model
    if calls_model:
        assert bedrock[0]["Resource"] == [
            f"arn:aws:bedrock:{REGION}:{ACCOUNT}:inference-profile/global.anthropic.claude-haiku-4-5-20251001-v1:0",
            "arn:aws:bedrock:*::foundation-model/anthropic.claude-haiku-4-5-20251001-v1:0",
        ]


GUARDRAIL_ARN = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:guardrail/{GUARDRAIL_ID}"


def test_a_model_notifier_gets_a_guardrail_that_filters_prompt_attacks_masks_pii_and_denies_promises() -> (
    None
):
    (guardrail,) = build_workflow().of_type("aws:bedrock/guardrail:Guardrail")

    filters = guardrail["contentPolicyConfig"]["filtersConfigs"]
    attack = [f for f in filters if f["type"] == "PROMPT_ATTACK"]
    assert attack == [{"type": "PROMPT_ATTACK", "inputStrength": "HIGH", "outputStrength": "NONE"}]
    pii = guardrail["sensitiveInformationPolicyConfig"]["piiEntitiesConfigs"]
    assert {entity["type"]: entity["outputAction"] for entity in pii} == {
        "PHONE": "ANONYMIZE",
        "EMAIL": "ANONYMIZE",
        "URL": "ANONYMIZE",
    }
    assert all(entity["outputEnabled"] for entity in pii)
    (topic,) = guardrail["topicPolicyConfig"]["topicsConfigs"]
    assert topic["type"] == "DENY"
    assert all(word in topic["definition"] for word in ("refunds", "compensation", "legal advice"))
    # Korean needs the Standard tier, which runs through the region's guardrail profile.
    assert guardrail["contentPolicyConfig"]["tierConfigs"] == [{"tierName": "STANDARD"}]
    assert guardrail["topicPolicyConfig"]["tierConfigs"] == [{"tierName": "STANDARD"}]
    assert guardrail["crossRegionConfig"] == {"guardrailProfileIdentifier": "apac.guardrail.v1:0"}


def test_the_guardrail_version_is_cut_from_the_guardrail_and_renewed_when_its_policies_change() -> None:
    version = build_workflow().inputs("workflow-guardrail-version")

    assert version["guardrailArn"] == GUARDRAIL_ARN
    # `replace_on_changes=["description"]`: a new fingerprint cuts a new version.
    assert version["description"] == f"policies {guardrails.fingerprint(REGION)}"


def test_the_fingerprint_follows_the_policies(monkeypatch: pytest.MonkeyPatch) -> None:
    before = guardrails.fingerprint(REGION)
    monkeypatch.setattr(guardrails, "MASKED_ENTITIES", ("PHONE", "EMAIL"))

    assert guardrails.fingerprint(REGION) != before


def test_the_notification_function_names_the_guardrail_and_its_version() -> None:
    environment = build_workflow().inputs("workflow-notification")["environment"]["variables"]

    assert environment["GUARDRAIL_ID"] == GUARDRAIL_ID
    assert environment["GUARDRAIL_VERSION"] == GUARDRAIL_VERSION


def test_apply_guardrail_is_granted_on_that_guardrail_and_its_profile_only() -> None:
    built = build_workflow()
    granted = {
        name: [s for s in policy_of(built, name) if "bedrock:ApplyGuardrail" in s["Action"]]
        for name in built.names("aws:iam/rolePolicy:RolePolicy")
    }
    (apply,) = granted.pop("workflow-notification-policy")

    assert apply["Action"] == ["bedrock:ApplyGuardrail"]
    assert apply["Resource"] == [
        GUARDRAIL_ARN,
        f"arn:aws:bedrock:*:{ACCOUNT}:guardrail-profile/apac.guardrail.v1:0",
    ]
    assert not any(granted.values()), "only the notification function applies the guardrail"


def test_a_template_notifier_has_no_guardrail_and_no_guardrail_settings() -> None:
    built = build_workflow(notifier=Notifier.TEMPLATE)
    environment = built.inputs("workflow-notification")["environment"]["variables"]

    assert built.of_type("aws:bedrock/guardrail:Guardrail") == []
    assert built.of_type("aws:bedrock/guardrailVersion:GuardrailVersion") == []
    assert "GUARDRAIL_ID" not in environment
    assert "GUARDRAIL_VERSION" not in environment


@pytest.mark.parametrize("owns", [True, False])
def test_sms_preferences_belong_to_the_owning_stack_only(owns: bool) -> None:
    built = build_workflow(own_sms_preferences=owns)
    preferences = built.of_type("aws:sns/smsPreferences:SmsPreferences")

    assert preferences == (
        [{"region": "ap-northeast-1", "defaultSmsType": "Transactional", "monthlySpendLimit": 1}]
        if owns
        else []
    )


def test_every_workflow_function_is_python313_arm64_traced_with_json_logs() -> None:
    built = build_workflow()

    for key in ("sms-sender", "timeout", "failure", "notification"):
        function = built.inputs(f"workflow-{key}")
        assert (function["runtime"], function["architectures"]) == ("python3.13", ["arm64"])
        assert (function["memorySize"], function["timeout"]) == (512, 30)
        assert function["tracingConfig"] == {"mode": "Active"}
        assert function["loggingConfig"]["logFormat"] == "JSON"
        assert function["loggingConfig"]["logGroup"] == built.inputs(f"workflow-{key}-logs")["name"]
        assert built.inputs(f"workflow-{key}-logs")["retentionInDays"] == 14
        assert (
            built.inputs(f"workflow-{key}-async")["maximumRetryAttempts"]
            == ASYNC_RETRIES[key.replace("-", "_")]
        )


# --- PartnerApi ------------------------------------------------------------------------------------------

FAILURE_ARN = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:workflow-failure-0a1b2c3"


def build_api(intent_tie_break: bool = False) -> Built:
    def build() -> dict[str, Any]:
        api = PartnerApi(
            "api",
            PartnerApiArgs(
                defaults=defaults(),
                table_name="confirmations",
                table_arn=TABLE_ARN,
                table_indexes=tuple(schema.INDEXES),
                state_machine_arn=f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:callback",
                link_key_parameter=LINK_KEY_PARAMETER,
                link_key_parameter_arn=LINK_KEY_PARAMETER_ARN,
                secrets_key_arn=KMS_KEY_ARN,
                customer_key_parameter=CUSTOMER_KEY_PARAMETER,
                customer_key_parameter_arn=CUSTOMER_KEY_PARAMETER_ARN,
                orchestrator_failure_arn=FAILURE_ARN,
                bot_id="BOT0000001",
                bot_alias_id=BOT_ALIAS_ID,
                bot_alias_arn=f"arn:aws:lex:{REGION}:{ACCOUNT}:bot-alias/BOT0000001/{BOT_ALIAS_ID}",
                bot_locale_id="ko_KR",
                intent_confidence_threshold=0.6,
                intent_tie_break=intent_tie_break,
                bedrock_model_id="global.anthropic.claude-haiku-4-5-20251001-v1:0",
                region=REGION,
                account_id=ACCOUNT,
                rate_limit_per_minute=100,
                origin_key_parameter=ORIGIN_KEY_PARAMETER,
                origin_key_parameter_arn=ORIGIN_KEY_PARAMETER_ARN,
                throttle_rate_limit=25.0,
                throttle_burst_limit=50,
                route_throttles={"customer": (5.0, 10), "partner": (15.0, 30)},
                log_retention_days=14,
                access_log_group_name="/aws/apigateway/partner-confirm-test",
                support_phone="1588-0000",
            ),
        )
        return {"endpoint": api.api_endpoint}

    return resolve(build)


def test_api_is_http_without_cors_since_the_pages_call_it_on_their_own_origin() -> None:
    built = build_api()
    api = built.inputs("api-api")

    assert api["protocolType"] == "HTTP"
    assert "corsConfiguration" not in api
    assert built.outputs["endpoint"] == f"https://a1b2c3d4e5.execute-api.{REGION}.amazonaws.com"


def test_api_functions_read_the_origin_secret_from_its_parameter_only() -> None:
    built = build_api()
    functions = {name: built.inputs(name) for name in built.names("aws:lambda/function:Function")}

    holders = {
        name
        for name, inputs in functions.items()
        if "ORIGIN_KEY_PARAMETER" in inputs["environment"]["variables"]
    }
    assert holders == {"api-intake", "api-partner-response", "api-status", "api-verify"}
    for name in holders:
        variables = functions[name]["environment"]["variables"]
        assert variables["ORIGIN_KEY_PARAMETER"] == ORIGIN_KEY_PARAMETER
        assert "ALLOWED_ORIGIN" not in variables
        statements = policy_of(built, f"{name}-policy")
        reads = [
            s for s in statements if s["Action"] == ["ssm:GetParameter"] and s["Sid"] == "ReadSecretOrigin"
        ]
        assert [r["Resource"] for r in reads] == [[ORIGIN_KEY_PARAMETER_ARN]]
        assert len({s["Sid"] for s in statements}) == len(statements), f"{name}: statement ids repeat"


def test_stage_is_named_after_the_site_path_and_logs_route_keys_not_paths() -> None:
    stage = build_api().inputs("api-stage")
    log_format = json.loads(stage["accessLogSettings"]["format"])

    assert (stage["name"], stage["autoDeploy"]) == ("api", True)
    settings = stage["defaultRouteSettings"]
    assert (settings["throttlingRateLimit"], settings["throttlingBurstLimit"]) == (25.0, 50)
    assert log_format["routeKey"] == "$context.routeKey"
    assert not any("path" in value.lower() for value in log_format.values())


def test_partner_routes_and_chat_are_throttled_apart_each_with_both_values() -> None:
    stage = build_api().inputs("api-stage")
    routes = {setting["routeKey"]: setting for setting in stage["routeSettings"]}

    assert {key: (s["throttlingRateLimit"], s["throttlingBurstLimit"]) for key, s in routes.items()} == {
        "POST /chat": (5.0, 10),
        "POST /verify": (5.0, 10),
        "POST /verify/confirm": (5.0, 10),
        "POST /requests/{requestId}/reply": (5.0, 10),
        "GET /confirm/{token}": (15.0, 30),
        "POST /respond": (15.0, 30),
    }
    assert set(routes) <= set(ROUTES)


def test_lambda_permissions_are_scoped_to_each_route_of_this_api() -> None:
    built = build_api()
    sources = sorted(p["sourceArn"] for p in built.of_type("aws:lambda/permission:Permission"))
    execution = f"arn:aws:execute-api:{REGION}:{ACCOUNT}:a1b2c3d4e5"

    assert sources == sorted(
        f"{execution}/*/{route}"
        for route in (
            "POST/chat",
            "GET/confirm/*",
            "POST/respond",
            "GET/requests/*",
            "POST/verify",
            "POST/verify/confirm",
            "POST/requests/*/reply",
        )
    )
    assert {p["principal"] for p in built.of_type("aws:lambda/permission:Permission")} == {
        "apigateway.amazonaws.com"
    }


def test_intake_hands_over_to_the_orchestrator_only() -> None:
    built = build_api()
    intake = built.inputs("api-intake")["environment"]["variables"]
    invoke = [s for s in policy_of(built, "api-intake-policy") if s["Action"] == ["lambda:InvokeFunction"]]

    assert intake["ORCHESTRATOR_FUNCTION"] == "api-orchestrator-0a1b2c3"
    assert intake["SUPPORT_PHONE"] == "1588-0000"
    assert invoke == [
        {
            "Sid": "HandOver",
            "Effect": "Allow",
            "Action": ["lambda:InvokeFunction"],
            "Resource": [f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:api-orchestrator-0a1b2c3"],
        }
    ]
    assert (intake["BOT_ALIAS_ID"], intake["INTENT_CONFIDENCE_THRESHOLD"]) == (BOT_ALIAS_ID, "0.6")


@pytest.mark.parametrize("on", [False, True], ids=["tie-break-off", "tie-break-on"])
def test_intake_may_ask_the_model_only_when_the_tie_break_is_on(on: bool) -> None:
    built = build_api(intent_tie_break=on)
    variables = built.inputs("api-intake")["environment"]["variables"]
    settle = [s for s in policy_of(built, "api-intake-policy") if s.get("Sid") == "SettleIntent"]
    if not on:
        assert ("INTENT_TIE_BREAK" not in variables, settle) == (True, [])
        return
    assert variables["INTENT_TIE_BREAK"] == "true"
    assert variables["BEDROCK_MODEL_ID"] == "global.anthropic.claude-haiku-4-5-20251001-v1:0"
    (statement,) = settle
    assert statement["Action"] == ["bedrock:InvokeModel"]
    assert all(":inference-profile/" in r or ":foundation-model/" in r for r in statement["Resource"])


def test_status_function_only_reads_the_table() -> None:
    statements = policy_of(build_api(), "api-status-policy")
    table = next(s for s in statements if s.get("Sid") == "Table")

    assert (table["Action"], table["Resource"]) == (["dynamodb:Query"], [TABLE_ARN])


def test_only_the_orchestrator_may_query_the_reservation_index() -> None:
    built = build_api()
    resources = {
        key: next(s for s in policy_of(built, f"api-{key}-policy") if s.get("Sid") == "Table")["Resource"]
        for key in ("intake", "orchestrator", "partner-response", "status")
    }

    assert resources.pop("orchestrator") == [TABLE_ARN, f"{TABLE_ARN}/index/GSI1"]
    assert all(resource == [TABLE_ARN] for resource in resources.values())


def test_partner_answers_only_complete_the_wait() -> None:
    statements = policy_of(build_api(), "api-partner-response-policy")
    callbacks = next(s for s in statements if s.get("Sid") == "AnswerWorkflow")

    assert (callbacks["Action"], callbacks["Resource"]) == (["states:SendTaskSuccess"], "*")


def test_orchestrator_starts_the_workflow_it_is_given() -> None:
    built = build_api()
    start = next(s for s in policy_of(built, "api-orchestrator-policy") if s.get("Sid") == "StartWorkflow")

    assert start["Resource"] == [f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:callback"]
    assert (
        built.inputs("api-orchestrator")["environment"]["variables"]["STATE_MACHINE_ARN"]
        == start["Resource"][0]
    )


def test_orchestrator_hands_exhausted_async_invocations_to_the_failure_function() -> None:
    built = build_api()
    config = built.inputs("api-orchestrator-async")
    invoke = [
        s for s in policy_of(built, "api-orchestrator-policy") if s["Action"] == ["lambda:InvokeFunction"]
    ]

    assert config["destinationConfig"] == {"onFailure": {"destination": FAILURE_ARN}}
    # Lambda sends the record with the orchestrator's own role.
    assert invoke == [
        {
            "Sid": "ReportFailure",
            "Effect": "Allow",
            "Action": ["lambda:InvokeFunction"],
            "Resource": [FAILURE_ARN],
        }
    ]


def test_only_the_orchestrator_has_an_on_failure_destination() -> None:
    configs = build_api().of_type("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig")

    assert [c["functionName"] for c in configs if c.get("destinationConfig")] == ["api-orchestrator-0a1b2c3"]


# --- StaticSite ------------------------------------------------------------------------------------------


def build_site(site_dir: Path, waf_rate_limit: int | None = 100) -> Built:
    def build() -> dict[str, Any]:
        site = StaticSite(
            "site",
            StaticSiteArgs(
                site_dir=site_dir,
                api_endpoint=API_ENDPOINT,
                api_stage="api",
                origin_secret=pulumi.Output.secret(ORIGIN_SECRET),
                waf_rate_limit=waf_rate_limit,
                brand_name="예약확인센터",
                support_phone="1588-0000",
            ),
        )
        outputs = {
            "origin": site.origin,
            "links": site.partner_link_base,
            "bucket": site.bucket_name,
            "api": site.api_url,
        }
        if site.web_acl_arn is not None:
            outputs["webAcl"] = site.web_acl_arn
        return outputs

    return resolve(build)


@pytest.fixture
def site_dir(tmp_path: Path) -> Path:
    (tmp_path / "index.html").write_text("<!doctype html><title>문의</title>", encoding="utf-8")
    (tmp_path / "confirm.html").write_text("<!doctype html><title>확인</title>", encoding="utf-8")
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "app.css").write_text("body{}", encoding="utf-8")
    (tmp_path / "config.js").write_text(
        "window.PARTNER_CONFIRM_CONFIG = {apiBaseUrl: '/api'};", encoding="utf-8"
    )
    return tmp_path


def test_bucket_is_private_owner_enforced_and_encrypted(site_dir: Path) -> None:
    built = build_site(site_dir)

    block = built.inputs("site-public-access-block")
    assert all(
        block[key]
        for key in ("blockPublicAcls", "blockPublicPolicy", "ignorePublicAcls", "restrictPublicBuckets")
    )
    assert built.inputs("site-ownership")["rule"] == {"objectOwnership": "BucketOwnerEnforced"}
    (rule,) = built.inputs("site-encryption")["rules"]
    assert rule["applyServerSideEncryptionByDefault"]["sseAlgorithm"] == "AES256"


def test_only_this_distribution_reads_the_bucket_through_origin_access_control(site_dir: Path) -> None:
    built = build_site(site_dir)
    policy = json.loads(built.inputs("site-policy")["policy"])
    (origin,) = [o for o in built.inputs("site-cdn")["origins"] if o["originId"] == "site-bucket"]

    allow = policy["Statement"][0]
    assert allow["Principal"] == {"Service": "cloudfront.amazonaws.com"}
    assert (
        allow["Condition"]["StringEquals"]["AWS:SourceArn"]
        == f"arn:aws:cloudfront::{ACCOUNT}:distribution/E2EXAMPLE"
    )
    assert origin["originAccessControlId"] == "site-oac-id"
    assert built.inputs("site-oac")["signingBehavior"] == "always"


def test_distribution_is_https_only_and_rewrites_partner_links(site_dir: Path) -> None:
    built = build_site(site_dir)
    distribution = built.inputs("site-cdn")
    (partner_links,) = [b for b in distribution["orderedCacheBehaviors"] if b["pathPattern"] == "/r/*"]

    assert distribution["defaultCacheBehavior"]["viewerProtocolPolicy"] == "https-only"
    assert partner_links["pathPattern"] == "/r/*"
    assert partner_links["viewerProtocolPolicy"] == "https-only"
    assert partner_links["functionAssociations"] == [
        {
            "eventType": "viewer-request",
            "functionArn": f"arn:aws:cloudfront::{ACCOUNT}:function/site-partner-link-rewrite-0a1b2c3",
        }
    ]
    assert "/confirm.html" in built.inputs("site-partner-link-rewrite")["code"]
    assert built.outputs["links"] == f"{SITE_ORIGIN}/r/"


def test_missing_site_paths_get_the_korean_page_as_404(site_dir: Path) -> None:
    built = build_site(site_dir)
    responses = built.inputs("site-cdn")["customErrorResponses"]

    # The private bucket answers 403 for a key it does not have: it becomes the site's own 404. The API's
    # own 404 (unknown request) passes through as JSON: error responses apply to every behaviour.
    assert [(int(r["errorCode"]), int(r["responseCode"]), r["responsePagePath"]) for r in responses] == [
        (403, 404, "/404.html")
    ]


def test_pages_send_security_headers_and_partner_links_are_never_stored(site_dir: Path) -> None:
    built = build_site(site_dir)
    pages = built.inputs("site-headers")["securityHeadersConfig"]
    links = built.inputs("site-partner-link-headers")

    assert pages["referrerPolicy"] == {"referrerPolicy": "no-referrer", "override": True}
    csp = pages["contentSecurityPolicy"]["contentSecurityPolicy"]
    assert csp.startswith("default-src 'self';")
    assert "connect-src 'self';" in csp
    assert "*" not in csp
    assert links["securityHeadersConfig"] == pages
    assert links["customHeadersConfig"]["items"] == [
        {"header": "Cache-Control", "value": "no-store", "override": True}
    ]


def test_every_site_file_is_uploaded_with_its_type_and_config_js_is_generated(site_dir: Path) -> None:
    built = build_site(site_dir)
    objects = {o["key"]: o for o in built.of_type("aws:s3/bucketObjectv2:BucketObjectv2")}

    assert sorted(objects) == ["assets/app.css", "config.js", "confirm.html", "index.html"]
    assert objects["index.html"]["contentType"] == "text/html; charset=utf-8"
    assert objects["assets/app.css"]["contentType"] == "text/css; charset=utf-8"
    assert objects["config.js"]["content"] == (
        'window.PARTNER_CONFIRM_CONFIG = {"apiBaseUrl": "/api",'
        ' "brandName": "예약확인센터", "supportPhone": "1588-0000", "customerVerification": "sms"};\n'
    )


def test_the_404_page_is_published_with_the_stacks_brand_and_support_phone() -> None:
    built = build_site(ROOT / "site")
    (page,) = [o for o in built.of_type("aws:s3/bucketObjectv2:BucketObjectv2") if o["key"] == "404.html"]

    # It runs no script, so the deployment writes in what `config.js` tells the other pages.
    assert not page.get("source")
    assert page["contentType"] == "text/html; charset=utf-8"
    assert '<a href="tel:15880000">1588-0000</a>' in page["content"]
    assert "<title>페이지를 찾을 수 없습니다 · 예약확인센터</title>" in page["content"]
    assert '<div class="wrap narrow">예약확인센터</div>' in page["content"]  # the footer
    assert "{{" not in page["content"]
    assert "파트너 확인" not in page["content"]


def test_a_static_page_escapes_what_it_fills_in() -> None:
    template = '<title>{{brandName}}</title><a href="tel:{{supportTel}}">{{supportPhone}}</a>'

    page = static_page(template, "<b>숙소 & 투어</b>", "+82 2-1234-5678")

    assert (
        page
        == '<title>&lt;b&gt;숙소 &amp; 투어&lt;/b&gt;</title><a href="tel:+82212345678">+82 2-1234-5678</a>'
    )


def test_a_static_page_with_an_unknown_placeholder_fails_the_deploy() -> None:
    with pytest.raises(KeyError):
        static_page("{{supportEmail}}", "예약확인센터", "1588-0000")


def test_the_api_is_served_under_api_uncached_with_every_method_and_viewer_header_but_host(
    site_dir: Path,
) -> None:
    built = build_site(site_dir)
    distribution = built.inputs("site-cdn")
    (api,) = [b for b in distribution["orderedCacheBehaviors"] if b["pathPattern"] == "/api/*"]
    (origin,) = [o for o in distribution["origins"] if o["originId"] == api["targetOriginId"]]

    assert api["viewerProtocolPolicy"] == "https-only"
    assert sorted(api["allowedMethods"]) == sorted(
        ["GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE"]
    )
    assert api["cachePolicyId"] == "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"  # Managed-CachingDisabled
    # Managed-AllViewerExceptHostHeader: headers (Authorization too, as nothing is cached), query strings
    # and cookies, but not Host, which execute-api needs to be its own.
    assert api["originRequestPolicyId"] == "b689b0a8-53d0-40ab-baf2-68738e2966ac"
    assert "functionAssociations" not in api or not api["functionAssociations"]
    # `/api/chat` reaches the stage named `api`, route `/chat`: no origin path, no rewrite.
    assert origin["domainName"] == "a1b2c3d4e5.execute-api.ap-northeast-2.amazonaws.com"
    assert not origin.get("originPath")
    assert origin["customOriginConfig"]["originProtocolPolicy"] == "https-only"
    assert built.outputs["api"] == f"{SITE_ORIGIN}/api"


def test_cloudfront_sends_the_api_the_origin_secret_kept_secret(site_dir: Path) -> None:
    built = build_site(site_dir)
    origins = built.raw_inputs("site-cdn")["origins"]
    (origin,) = [o for o in unwrap(origins) if o["originId"] == "api"]

    assert origin["customHeaders"] == [{"name": "X-Origin-Verify", "value": ORIGIN_SECRET}]
    assert is_secret(origins), "the origins, which carry the secret, are not kept secret in state"


def test_the_web_acl_guards_the_distribution_from_us_east_1(site_dir: Path) -> None:
    built = build_site(site_dir, waf_rate_limit=100)
    acl = built.mocks.named("site-web-acl")
    (provider,) = built.mocks.of_type("pulumi:providers:aws")
    inputs = built.inputs("site-web-acl")

    assert inputs["scope"] == "CLOUDFRONT"
    assert inputs["defaultAction"] == {"allow": {}}
    assert provider.inputs["region"] == "us-east-1"
    assert acl.provider is not None
    assert acl.provider.rsplit("::", 1)[0].endswith(f"::{provider.name}")
    assert built.inputs("site-cdn")["webAclId"] == built.outputs["webAcl"]
    assert built.outputs["webAcl"].startswith("arn:aws:wafv2:us-east-1:")


def test_the_web_acl_holds_the_rate_per_address_and_the_three_managed_groups(site_dir: Path) -> None:
    inputs = build_site(site_dir, waf_rate_limit=100).inputs("site-web-acl")
    rules = {rule["name"]: rule for rule in inputs["rules"]}
    (body,) = inputs["customResponseBodies"]

    rate = rules["rate-per-address"]["statement"]["rateBasedStatement"]
    assert (rate["limit"], rate["aggregateKeyType"], rate["evaluationWindowSec"]) == (100, "IP", 60)
    assert rules["rate-per-address"]["action"]["block"]["customResponse"]["responseCode"] == 429
    for group in (
        "AWSManagedRulesCommonRuleSet",
        "AWSManagedRulesKnownBadInputsRuleSet",
        "AWSManagedRulesAmazonIpReputationList",
    ):
        statement = rules[group]["statement"]["managedRuleGroupStatement"]
        assert (statement["vendorName"], statement["name"]) == ("AWS", group)
    assert body["key"] == "rate-limited"
    assert body["contentType"] == "APPLICATION_JSON"
    assert json.loads(body["content"])["error"] == "RATE_LIMITED"


def test_no_web_acl_when_the_waf_is_off(site_dir: Path) -> None:
    built = build_site(site_dir, waf_rate_limit=None)

    assert built.of_type("aws:wafv2/webAcl:WebAcl") == []
    assert built.of_type("pulumi:providers:aws") == []
    assert not built.inputs("site-cdn").get("webAclId")


def test_the_real_site_directory_is_published() -> None:
    built = build_site(ROOT / "site")
    keys = {o["key"] for o in built.of_type("aws:s3/bucketObjectv2:BucketObjectv2")}

    # 404.html is the page the distribution's error responses name.
    assert {"index.html", "404.html", "config.js"} <= keys


# --- StackSecrets ----------------------------------------------------------------------------------------


def build_secrets(origin_secret_version: int = 1) -> Built:
    def build() -> dict[str, Any]:
        secrets = StackSecrets(
            "secrets",
            StackSecretsArgs(
                parameter_prefix="/partner-confirm/test",
                key_alias="alias/partner-confirm-test",
                origin_secret_version=origin_secret_version,
            ),
        )
        return {
            "keyArn": secrets.key_arn,
            "link": secrets.parameter_names["link"],
            "originHeader": secrets.origin_header,
        }

    return resolve(build)


def _origin_ring(built: Built) -> list[str]:
    return [key["secret"] for key in json.loads(built.inputs("secrets-origin")["valueWo"])["keys"]]


def test_the_link_keyring_is_a_secure_string_under_the_stacks_own_key() -> None:
    built = build_secrets()
    parameter = built.inputs("secrets-link")

    assert built.outputs["link"] == LINK_KEY_PARAMETER
    assert (parameter["name"], parameter["type"]) == (LINK_KEY_PARAMETER, "SecureString")
    assert parameter["keyId"] == built.outputs["keyArn"] == KMS_KEY_ARN
    # Write-only: the key reaches the parameter but never the Pulumi state.
    assert "value" not in parameter
    assert is_secret(built.raw_inputs("secrets-link")["valueWo"])
    assert parameter["valueWoVersion"] == 1


def test_the_first_keyring_holds_one_generated_key_of_32_bytes() -> None:
    built = build_secrets()
    keyring = Keyring.parse(json.loads(built.inputs("secrets-link")["valueWo"]))

    assert [len(key.secret) for key in keyring.keys] == [32]
    # The only generated keys in the state are the origin secret's, which CloudFront's header carries anyway.
    assert built.names("random:index/randomBytes:RandomBytes") == [
        "secrets-origin-initial",
        "secrets-origin-v2",
    ]


def test_the_origin_keyring_holds_the_key_cloudfront_sends_and_the_next_one() -> None:
    built = build_secrets()
    generated = {
        r: built.mocks.answers[r][1]["base64"] for r in ("secrets-origin-initial", "secrets-origin-v2")
    }

    assert built.inputs("secrets-origin")["type"] == "SecureString"
    assert built.outputs["originHeader"] == generated["secrets-origin-initial"]
    assert _origin_ring(built) == [generated["secrets-origin-initial"], generated["secrets-origin-v2"]]
    assert {r["length"] for r in built.of_type("random:index/randomBytes:RandomBytes")} == {32}


@pytest.mark.parametrize("version", [1, 2, 7])
def test_raising_the_origin_secret_version_by_one_refuses_no_request(version: int) -> None:
    before, after = build_secrets(version), build_secrets(version + 1)

    # The key CloudFront starts sending was already accepted; the one edges still send is still accepted.
    assert after.outputs["originHeader"] != before.outputs["originHeader"]
    assert after.outputs["originHeader"] in _origin_ring(before)
    assert before.outputs["originHeader"] in _origin_ring(after)
    # The rotation rewrites the write-only keyring; the keys both runs hold keep their resources (and bytes).
    assert (
        after.inputs("secrets-origin")["valueWoVersion"] > before.inputs("secrets-origin")["valueWoVersion"]
    )
    kept = set(before.names("random:index/randomBytes:RandomBytes")) & set(
        after.names("random:index/randomBytes:RandomBytes")
    )
    assert len(kept) == 2
    # The other keyrings are the operator's (ops rotate-*): a new origin version never rewrites them.
    assert after.inputs("secrets-link")["valueWoVersion"] == 1
    assert len(_origin_ring(after)) == 3


def test_the_first_origin_version_is_rewritten_once_with_the_key_cloudfront_already_sends() -> None:
    # Stacks deployed with a one-key origin ring (value version 1) get the next key added, same current key.
    built = build_secrets()

    assert built.inputs("secrets-origin")["valueWoVersion"] == 2
    assert _origin_ring(built)[0] == built.outputs["originHeader"]


@pytest.mark.parametrize(("current", "versions"), [(1, (1, 2)), (2, (1, 2, 3)), (5, (4, 5, 6))])
def test_the_origin_keyring_holds_the_previous_current_and_next_keys(
    current: int, versions: tuple[int, ...]
) -> None:
    assert origin_versions(current) == versions


def test_an_origin_secret_version_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="originSecretVersion"):
        origin_versions(0)


def test_the_stack_key_rotates_and_has_a_name() -> None:
    built = build_secrets()

    assert built.inputs("secrets-key")["enableKeyRotation"] is True
    assert built.inputs("secrets-key-alias")["name"] == "alias/partner-confirm-test"


def test_destroying_the_stack_leaves_the_account_sms_preferences_alone() -> None:
    retained: dict[str, bool | None] = {}

    def record(args: pulumi.ResourceTransformationArgs) -> None:
        retained[args.name] = args.opts.retain_on_delete

    def build() -> dict[str, Any]:
        pulumi.runtime.register_stack_transformation(record)
        return {
            "arn": CallbackWorkflow("workflow", workflow_args(own_sms_preferences=True)).state_machine_arn
        }

    resolve(build)

    assert retained["workflow-sms-preferences"] is True
    assert retained["workflow-state-machine"] is not True
