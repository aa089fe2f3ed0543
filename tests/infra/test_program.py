"""The whole program (`__main__.py`) under Pulumi mocks, once per stack file, each in its own process."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
import yaml
from pulumi_mocks import powertools_layer_for

from components.console import ADMIN_ROUTES
from components.functions import (
    FUNCTION_KEYS,
    handler_path,
    pinned_powertools_version,
    powertools_layer_parameter,
)
from components.iam import WILDCARD_ACTIONS
from components.settings import StackSettings

ROOT = Path(__file__).resolve().parents[2]
STACKS = ("dev", "demo")
# ARNs of resources AWS owns, named in IAM on purpose: the Bedrock model and its inference profile, and the
# system-defined guardrail profile the Standard-tier guardrail runs through.
EXTERNAL_ARN = re.compile(
    r"^arn:aws:bedrock:[^:]*:\d*:(foundation-model|inference-profile|guardrail-profile)/"
)
ARN = re.compile(r"arn:aws:[a-z0-9-]+:[^\"\s,]*")


@cache
def _evaluate(stack: str) -> dict[str, Any]:
    result = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(ROOT / "tests" / "infra" / "evaluate_program.py"), stack],
        capture_output=True,
        text=True,
        timeout=180,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, f"the program failed for stack {stack}:\n{result.stderr[-4000:]}"
    return dict(json.loads(result.stdout))


@pytest.fixture(params=STACKS)
def program(request: pytest.FixtureRequest) -> dict[str, Any]:
    return _evaluate(request.param)


def of_type(program: dict[str, Any], typ: str) -> list[dict[str, Any]]:
    return [resource for resource in program["resources"] if resource["type"] == typ]


def policies(program: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for resource in of_type(program, "aws:iam/rolePolicy:RolePolicy"):
        yield resource["name"], json.loads(resource["inputs"]["policy"])


def statements(program: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    for name, document in policies(program):
        for statement in document["Statement"]:
            yield name, statement


def program_arns(program: dict[str, Any]) -> set[str]:
    arns = {
        r["outputs"][key]
        for r in program["resources"]
        for key in ("arn", "guardrailArn")
        if isinstance(r["outputs"].get(key), str)
    }
    (bot,) = of_type(program, "aws:lex/v2modelsBot:V2modelsBot")
    (release,) = of_type(program, "pulumi-python:dynamic:Resource")
    alias = f"{bot['outputs']['arn'].replace(':bot/', ':bot-alias/')}/{release['outputs']['botAliasId']}"
    return arns | {alias}


def owner(arn: str) -> str:
    """The resource an IAM resource entry points into: drop `:*`, `/*` and DynamoDB index suffixes; a
    state machine's executions belong to the state machine."""
    arn = re.sub(r"(:\*|/\*)$", "", arn)
    arn = re.sub(r"^(arn:aws:states:[^:]*:[^:]*):execution:", r"\1:stateMachine:", arn)
    return re.sub(r"/index/[^/]+$", "", arn)


def test_program_exports_what_operators_need(program: dict[str, Any]) -> None:
    exports = program["exports"]

    assert exports["customerPageUrl"] == "https://d111111abcdef8.cloudfront.net/"
    assert exports["partnerLinkBase"] == "https://d111111abcdef8.cloudfront.net/r/"
    # The public API is the distribution's /api; the execute-api URL refuses requests that skip it.
    assert exports["apiUrl"] == "https://d111111abcdef8.cloudfront.net/api"
    for name in (
        "tableName",
        "stateMachineArn",
        "botId",
        "botAliasId",
        "siteBucketName",
        "distributionId",
        "webAclArn",
        "dashboardUrl",
        "alarmTopicArn",
        "smsMode",
        "linkKeyParameter",
        "partnerWaitSeconds",
        "customerKeyParameter",
        "originSecretVersion",
    ):
        assert exports[name], f"export {name} is empty"
    assert set(FUNCTION_KEYS) <= set(exports["logGroupNames"])


def test_a_bedrock_stack_guards_its_notifications_and_watches_the_template_share(
    program: dict[str, Any],
) -> None:
    (guardrail,) = of_type(program, "aws:bedrock/guardrail:Guardrail")
    (version,) = of_type(program, "aws:bedrock/guardrailVersion:GuardrailVersion")
    (function,) = [
        f
        for f in of_type(program, "aws:lambda/function:Function")
        if f["inputs"]["handler"] == handler_path("notification")
    ]
    variables = function["inputs"]["environment"]["variables"]
    alarms = {alarm["name"] for alarm in of_type(program, "aws:cloudwatch/metricAlarm:MetricAlarm")}

    assert variables["NOTIFIER"] == "bedrock"
    assert variables["BEDROCK_MODEL_ID"] == "apac.anthropic.claude-haiku-4-5-20251001-v1:0"
    assert version["inputs"]["guardrailArn"] == guardrail["outputs"]["guardrailArn"]
    assert variables["GUARDRAIL_ID"] == guardrail["outputs"]["guardrailId"]
    assert variables["GUARDRAIL_VERSION"] == version["outputs"]["version"]
    assert "monitoring-template-share" in alarms
    granted = [
        (name, statement["Resource"])
        for name, statement in statements(program)
        if "bedrock:ApplyGuardrail" in statement["Action"]
    ]
    assert [name for name, _ in granted] == ["workflow-notification-policy"]
    assert granted[0][1][0] == guardrail["outputs"]["guardrailArn"]


def test_program_builds_the_components_their_monitoring_and_secrets(program: dict[str, Any]) -> None:
    types = {r["type"] for r in program["resources"] if r["type"].startswith("partnerconfirm:")}

    assert types == {
        f"partnerconfirm:index:{name}"
        for name in (
            "ConfirmationTable",
            "IntakeBot",
            "CallbackWorkflow",
            "PartnerApi",
            "StaticSite",
            "Monitoring",
            "StackSecrets",
            "OperatorConsole",
        )
    }


def test_every_function_runs_its_entry_module_with_its_own_role(program: dict[str, Any]) -> None:
    functions = of_type(program, "aws:lambda/function:Function")
    handlers = sorted(f["inputs"]["handler"] for f in functions)

    assert handlers == sorted(handler_path(key) for key in FUNCTION_KEYS)
    assert len({f["inputs"]["role"] for f in functions}) == len(functions)
    for function in functions:
        module = function["inputs"]["handler"].rsplit(".", 1)[0].replace(".", "/") + ".py"
        assert module in function["inputs"]["code"]["archive"], f"{module} is not in the code archive"


@pytest.mark.parametrize(("stack", "level"), [("dev", "DEBUG"), ("demo", "INFO")])
def test_functions_log_at_the_stack_level_not_lambdas_default(stack: str, level: str) -> None:
    # With JSON logs Lambda drops application logs below its own level, which Powertools then follows.
    functions = of_type(_evaluate(stack), "aws:lambda/function:Function")

    assert {f["inputs"]["loggingConfig"]["applicationLogLevel"] for f in functions} == {level}
    assert {f["inputs"]["environment"]["variables"]["POWERTOOLS_LOG_LEVEL"] for f in functions} == {level}


def test_no_function_scans_for_pydantic_plugins_on_a_cold_start(program: dict[str, Any]) -> None:
    functions = of_type(program, "aws:lambda/function:Function")
    values = {f["inputs"]["environment"]["variables"]["PYDANTIC_DISABLE_PLUGINS"] for f in functions}
    assert values == {"__all__"}


def test_service_delivered_logs_go_to_vended_log_groups(program: dict[str, Any]) -> None:
    groups = {g["name"]: g["outputs"]["arn"] for g in of_type(program, "aws:cloudwatch/logGroup:LogGroup")}
    (stage,) = of_type(program, "aws:apigatewayv2/stage:Stage")
    (machine,) = of_type(program, "aws:sfn/stateMachine:StateMachine")
    delivered = {
        stage["inputs"]["accessLogSettings"]["destinationArn"],
        machine["inputs"]["loggingConfiguration"]["logDestination"].removesuffix(":*"),
    }

    assert all(":log-group:/aws/vendedlogs/" in arn for arn in delivered)
    assert delivered <= set(groups.values())


def test_every_route_points_at_an_existing_function(program: dict[str, Any]) -> None:
    integrations = {i["id"]: i for i in of_type(program, "aws:apigatewayv2/integration:Integration")}
    invoke_arns = {f["outputs"]["invokeArn"] for f in of_type(program, "aws:lambda/function:Function")}
    routes = of_type(program, "aws:apigatewayv2/route:Route")

    assert sorted(r["inputs"]["routeKey"] for r in routes) == sorted(
        [
            "POST /chat",
            "GET /confirm/{token}",
            "POST /respond",
            "GET /requests/{requestId}",
            "POST /verify",
            "POST /verify/confirm",
            *ADMIN_ROUTES,
            "POST /requests/{requestId}/reply",
        ]
    )
    for route in routes:
        integration = integrations[route["inputs"]["target"].removeprefix("integrations/")]
        assert integration["inputs"]["integrationUri"] in invoke_arns, route["inputs"]["routeKey"]
        assert integration["inputs"]["payloadFormatVersion"] == "2.0"


def test_every_arn_in_the_state_machine_belongs_to_the_program(program: dict[str, Any]) -> None:
    (machine,) = of_type(program, "aws:sfn/stateMachine:StateMachine")
    arns = set(ARN.findall(machine["inputs"]["definition"])) - {
        "arn:aws:states:::lambda:invoke.waitForTaskToken",
        "arn:aws:states:::dynamodb:updateItem",
        "arn:aws:states:::dynamodb:putItem",
    }
    function_arns = {f["outputs"]["arn"] for f in of_type(program, "aws:lambda/function:Function")}
    (table,) = of_type(program, "aws:dynamodb/table:Table")

    assert arns, "the definition names no function"
    assert arns <= function_arns
    assert f'"TableName": "{table["outputs"]["name"]}"' in machine["inputs"]["definition"]


def test_every_arn_in_iam_statements_belongs_to_the_program(program: dict[str, Any]) -> None:
    known = program_arns(program)

    for name, statement in statements(program):
        resources = statement["Resource"]
        for arn in [resources] if isinstance(resources, str) else resources:
            if arn == "*" or EXTERNAL_ARN.match(arn):
                continue
            assert owner(arn) in known, f"{name}: {arn} is not a resource of the program"


def test_no_iam_statement_grants_more_than_the_listed_wildcards(program: dict[str, Any]) -> None:
    for name, statement in statements(program):
        actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
        assert not any(action.endswith("*") for action in actions), f"{name}: wildcard action in {actions}"
        if statement["Resource"] == "*" or "*" in statement["Resource"]:
            assert set(actions) <= set(WILDCARD_ACTIONS), (
                f"{name}: {actions} on * are not in WILDCARD_ACTIONS"
            )


@pytest.mark.parametrize(
    ("secret", "variable", "functions"),
    [
        ("link-signing-key", "LINK_KEY_PARAMETER", {"sms_sender", "partner_response", "admin"}),
        ("customer-token-key", "CUSTOMER_KEY_PARAMETER", {"intake", "verify"}),
    ],
)
def test_only_the_functions_that_sign_or_check_read_a_keyring(
    program: dict[str, Any], secret: str, variable: str, functions: set[str]
) -> None:
    (parameter,) = [
        p for p in of_type(program, "aws:ssm/parameter:Parameter") if p["outputs"]["name"].endswith(secret)
    ]
    readers = [
        f
        for f in of_type(program, "aws:lambda/function:Function")
        if f["inputs"]["environment"]["variables"].get(variable) == parameter["outputs"]["name"]
    ]

    assert {f["inputs"]["handler"] for f in readers} == {handler_path(key) for key in functions}
    granted = {
        name
        for name, statement in statements(program)
        if parameter["outputs"]["arn"] in statement["Resource"]
    }
    assert len(granted) == len(functions), granted


def _variables(program: dict[str, Any], key: str) -> dict[str, str]:
    [function] = [
        f
        for f in of_type(program, "aws:lambda/function:Function")
        if f["inputs"]["handler"] == handler_path(key)
    ]
    return dict(function["inputs"]["environment"]["variables"])


def test_the_stacks_limits_reach_the_functions_that_enforce_them(program: dict[str, Any]) -> None:
    intake, verify, sender = (_variables(program, key) for key in ("intake", "verify", "sms_sender"))

    assert intake["CUSTOMER_VERIFICATION"] == "sms"
    assert (
        intake["SMS_DAILY_BUDGET_PARTS"]
        == verify["SMS_DAILY_BUDGET_PARTS"]
        == sender["SMS_DAILY_BUDGET_PARTS"]
    )
    assert intake["RATE_LIMIT_PER_MINUTE"] == verify["RATE_LIMIT_PER_MINUTE"] == "100"
    assert (verify["CODE_TEXTS_PER_RESERVATION"], verify["CODE_TEXTS_PER_ADDRESS"]) == ("3", "10")
    assert sender["PARTNER_TEXTS_PER_HOUR"] == "20"


def test_no_function_environment_holds_a_secret(program: dict[str, Any]) -> None:
    # Anyone allowed lambda:GetFunctionConfiguration reads environment variables: secrets live in SSM.
    for function in of_type(program, "aws:lambda/function:Function"):
        assert "environment" not in function["secretInputs"], function["inputs"]["handler"]
        assert not any(
            "KEY" in name and "PARAMETER" not in name
            for name in function["inputs"]["environment"]["variables"]
        )


def test_the_api_functions_check_the_secret_cloudfront_sends(program: dict[str, Any]) -> None:
    (distribution,) = of_type(program, "aws:cloudfront/distribution:Distribution")
    (origin,) = [o for o in distribution["inputs"]["origins"] if o.get("customHeaders")]
    (header,) = origin["customHeaders"]
    parameters = {p["name"]: p for p in of_type(program, "aws:ssm/parameter:Parameter")}
    initial = {r["name"]: r for r in of_type(program, "random:index/randomBytes:RandomBytes")}
    api_functions = {handler_path(key) for key in ("intake", "partner_response", "status", "verify", "admin")}
    holders = [
        f
        for f in of_type(program, "aws:lambda/function:Function")
        if "ORIGIN_KEY_PARAMETER" in f["inputs"]["environment"]["variables"]
    ]

    assert header["name"] == "X-Origin-Verify"
    # CloudFront sends key `originSecretVersion` (1: the first) of the origin keyring the functions read.
    assert header["value"] == initial["secrets-origin-initial"]["outputs"]["base64"]
    assert (
        json.loads(parameters["secrets-origin"]["inputs"]["valueWo"])["keys"][0]["secret"] == header["value"]
    )
    assert {f["inputs"]["handler"] for f in holders} == api_functions
    names = {f["inputs"]["environment"]["variables"]["ORIGIN_KEY_PARAMETER"] for f in holders}
    assert names == {parameters["secrets-origin"]["outputs"]["name"]}
    assert "origins" in distribution["secretInputs"]
    assert not any(
        "ALLOWED_ORIGIN" in f["inputs"]["environment"]["variables"]
        for f in of_type(program, "aws:lambda/function:Function")
    )


def test_the_distribution_serves_the_api_stage_under_its_own_path(program: dict[str, Any]) -> None:
    (distribution,) = of_type(program, "aws:cloudfront/distribution:Distribution")
    (stage,) = of_type(program, "aws:apigatewayv2/stage:Stage")
    (api,) = of_type(program, "aws:apigatewayv2/api:Api")
    behaviours = {b["pathPattern"]: b for b in distribution["inputs"]["orderedCacheBehaviors"]}
    origins = {o["originId"]: o for o in distribution["inputs"]["origins"]}

    api_behaviour = behaviours[f"/{stage['inputs']['name']}/*"]
    assert (
        f"https://{origins[api_behaviour['targetOriginId']]['domainName']}" == api["outputs"]["apiEndpoint"]
    )
    assert "corsConfiguration" not in api["inputs"]


def test_the_web_acl_is_created_in_us_east_1_and_guards_the_distribution(program: dict[str, Any]) -> None:
    (distribution,) = of_type(program, "aws:cloudfront/distribution:Distribution")
    (acl,) = of_type(program, "aws:wafv2/webAcl:WebAcl")
    providers = {p["name"]: p for p in of_type(program, "pulumi:providers:aws")}

    assert acl["inputs"]["scope"] == "CLOUDFRONT"
    provider_name = acl["provider"].rsplit("::", 1)[0].rsplit("::", 1)[1]
    assert providers[provider_name]["inputs"]["region"] == "us-east-1"
    assert distribution["inputs"]["webAclId"] == acl["outputs"]["arn"] == program["exports"]["webAclArn"]
    rates = [r for r in acl["inputs"]["rules"] if "rateBasedStatement" in r["statement"]]
    assert [r["statement"]["rateBasedStatement"]["limit"] for r in rates] == [100]


@pytest.mark.parametrize("stack", STACKS)
def test_stack_file_holds_known_settings_and_no_secret(stack: str) -> None:
    config = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))["config"]
    known = {f"partner-confirm:{field.alias}" for field in StackSettings.model_fields.values()} | {
        "aws:region"
    }

    assert set(config) <= known, f"unknown settings: {set(config) - known}"
    assert not any(isinstance(value, dict) and "secure" in value for value in config.values())
    assert config["aws:region"] == "ap-northeast-2"


def test_exactly_one_stack_owns_the_account_sms_preferences() -> None:
    owners = [stack for stack in STACKS if of_type(_evaluate(stack), "aws:sns/smsPreferences:SmsPreferences")]

    assert len(owners) == 1


def test_every_function_runs_the_powertools_layer_of_the_pinned_package(program: dict[str, Any]) -> None:
    # The layer is looked up by the version requirements.txt pins: the deployed Powertools is the tested one.
    pinned = pinned_powertools_version((ROOT / "requirements.txt").read_text(encoding="utf-8"))
    expected = powertools_layer_for(powertools_layer_parameter(pinned))

    for function in of_type(program, "aws:lambda/function:Function"):
        assert function["inputs"]["layers"] == [expected], function["inputs"]["handler"]
