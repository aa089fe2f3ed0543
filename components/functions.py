"""How every Lambda function of the system is deployed: one role, one log group, one shared code archive.

Components call `deploy_function` for the functions they own; the resources it creates are children of
that component, named `f"{component}-{key}-<role>"`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Final

import pulumi
import pulumi_aws as aws

from components import iam
from handlers.settings import ENV

# Function keys (docs/contracts.md): the entry module is `handlers.<key>`.
FUNCTION_KEYS: Final = (
    "intake",
    "orchestrator",
    "sms_sender",
    "partner_response",
    "status",
    "timeout",
    "failure",
    "notification",
    "sweeper",
    "verify",
    "admin",
)

# Retries for asynchronous invokes, from the seed's retry policy. `orchestrator` is invoked asynchronously
# by intake, and `failure` by Lambda as the orchestrator's on-failure destination; the others are set so an
# operator's async re-drive behaves the same way.
ASYNC_RETRIES: Final[dict[str, int]] = {
    "intake": 0,  # "재시도 없음 (빠른 실패)"
    "orchestrator": 1,
    "sms_sender": 2,
    "partner_response": 1,
    "status": 0,
    "timeout": 0,
    "failure": 2,  # the last chance to end an abandoned request: a throttled write must not lose it
    "notification": 0,  # falls back to the built-in template instead
    "sweeper": 0,  # the next scheduled sweep is the retry
    "verify": 0,  # a customer waits for the answer; a retried code text would cost twice
    "admin": 0,  # an operator waits for the answer and sees the error
}

RUNTIME: Final = "python3.13"
ARCHITECTURE: Final = "arm64"
MEMORY_MB: Final = 512
TIMEOUT_SECONDS: Final = 30
MAX_EVENT_AGE_SECONDS: Final = 3600
POWERTOOLS_ACCOUNT: Final = "017000801446"  # publishes the AWS-managed layers
_PINNED_POWERTOOLS = re.compile(
    r"^aws[-_]lambda[-_]powertools==([0-9][^\s;#]*)", re.MULTILINE | re.IGNORECASE
)


def pinned_powertools_version(requirements: str) -> str:
    """The Powertools version `requirements.txt` pins: what every test here ran against."""
    match = _PINNED_POWERTOOLS.search(requirements)
    if match is None:
        raise ValueError("requirements.txt pins no aws-lambda-powertools version")
    return match.group(1)


def powertools_layer_parameter(package_version: str) -> str:
    """AWS's public parameter whose value is the layer ARN of exactly this Powertools release.

    Resolving the layer from the pinned package (rather than pinning a layer number beside it) makes the
    deployed functions run the Powertools the tests ran: layer numbers and package versions do not match
    (layer 27 is Powertools 3.23.0) and are easy to bump one without the other.
    """
    return f"/aws/service/powertools/python/{ARCHITECTURE}/{RUNTIME}/{package_version}"


def handler_path(key: str) -> str:
    return f"handlers.{key}.handler"


@dataclass(frozen=True, kw_only=True)
class FunctionDefaults:
    """What every function of the stack shares."""

    code: pulumi.Archive
    """The one archive of the `handlers` package."""
    layer_arn: pulumi.Input[str]
    """The pinned Powertools layer version."""
    log_retention_days: int
    """Retention of every function's log group."""
    log_level: str
    """POWERTOOLS_LOG_LEVEL."""
    log_group_prefix: str
    """Log groups are named `<prefix>/<key>`."""
    retention_days: int = 90
    """RETENTION_DAYS: how long request data is kept (the TTL every function stamps on what it writes)."""


@dataclass(frozen=True)
class DeployedFunction:
    key: str
    function: aws.lambda_.Function
    role: aws.iam.Role
    log_group: aws.cloudwatch.LogGroup

    @property
    def arn(self) -> pulumi.Output[str]:
        return self.function.arn

    @property
    def name(self) -> pulumi.Output[str]:
        return self.function.name


# Python's level names -> the application log level Lambda filters at. Lambda treats a JSON line without
# `level` as INFO, and Powertools' metric lines (EMF) carry none: a WARN or ERROR filter would drop every
# metric and silence the custom-metric alarms. So Lambda never filters above INFO; a stricter stack level
# is applied by the functions' own logger (`POWERTOOLS_LOG_LEVEL`, see `handlers/observability.py`).
_LAMBDA_LOG_LEVELS: Final = {"DEBUG": "DEBUG", "INFO": "INFO", "WARNING": "INFO", "ERROR": "INFO"}


def logging_config(log_level: str, log_group: pulumi.Input[str]) -> aws.lambda_.FunctionLoggingConfigArgsDict:
    """JSON logs to the function's own group, filtered by Lambda at DEBUG or INFO (see above).

    With JSON logs Lambda filters application logs at its own level (INFO unless set) and Powertools
    follows that level (`AWS_LAMBDA_LOG_LEVEL`) over `POWERTOOLS_LOG_LEVEL`: left unset, a DEBUG stack
    would silently log at INFO.
    """
    return {
        "log_format": "JSON",
        "log_group": log_group,
        "application_log_level": _LAMBDA_LOG_LEVELS[log_level],
    }


def powertools_environment(log_level: str) -> dict[str, str]:
    return {
        "POWERTOOLS_SERVICE_NAME": "partner-confirm",
        "POWERTOOLS_METRICS_NAMESPACE": "PartnerConfirm",
        "POWERTOOLS_LOG_LEVEL": log_level,
    }


# pydantic looks for plugins in every installed distribution's entry points when it builds its first
# model; the functions use none, and the scan is part of a cold start (`make bench`, first call).
LIBRARY_ENVIRONMENT: Final = {"PYDANTIC_DISABLE_PLUGINS": "__all__"}


def secret_statements(
    parameter_arn: pulumi.Input[str], key_arn: pulumi.Input[str]
) -> list[pulumi.Output[dict[str, Any]]]:
    """The statements that let a function read one secret (`iam.secret_read_statements`)."""
    both = pulumi.Output.all(parameter_arn, key_arn).apply(lambda arns: iam.secret_read_statements(*arns))
    return [both.apply(lambda statements: statements[0]), both.apply(lambda statements: statements[1])]


def deploy_function(
    component: str,
    key: str,
    *,
    defaults: FunctionDefaults,
    description: str,
    environment: Mapping[str, pulumi.Input[str]],
    statements: pulumi.Input[Sequence[dict[str, Any]]],
    parent: pulumi.Resource,
    on_failure_arn: pulumi.Input[str] | None = None,
) -> DeployedFunction:
    """One function with its own role (its log group, X-Ray, then `statements`) and log group.

    `on_failure_arn`: a function that gets Lambda's record of an asynchronous invocation whose retries
    ran out (the role must be allowed to invoke it: Lambda sends the record with the function's role).
    """
    if key not in FUNCTION_KEYS:
        raise ValueError(f"unknown function key {key!r}")
    prefix = f"{component}-{key.replace('_', '-')}"
    child = pulumi.ResourceOptions(parent=parent)

    log_group = aws.cloudwatch.LogGroup(
        f"{prefix}-logs",
        name=f"{defaults.log_group_prefix}/{key}",
        retention_in_days=defaults.log_retention_days,
        opts=child,
    )
    role = aws.iam.Role(
        f"{prefix}-role",
        description=f"partner-confirm {key} function",
        assume_role_policy=pulumi.Output.json_dumps(iam.assume_role_policy("lambda.amazonaws.com")),
        opts=child,
    )
    document = pulumi.Output.all(log_group.arn, statements).apply(
        lambda values: iam.function_policy(values[0], values[1])
    )
    role_policy = aws.iam.RolePolicy(
        f"{prefix}-policy", role=role.id, policy=pulumi.Output.json_dumps(document), opts=child
    )
    function = aws.lambda_.Function(
        prefix,
        description=description,
        runtime=RUNTIME,
        architectures=[ARCHITECTURE],
        handler=handler_path(key),
        code=defaults.code,
        role=role.arn,
        layers=[defaults.layer_arn],
        memory_size=MEMORY_MB,
        timeout=TIMEOUT_SECONDS,
        tracing_config={"mode": "Active"},
        logging_config=logging_config(defaults.log_level, log_group.name),
        environment={
            "variables": {
                **powertools_environment(defaults.log_level),
                **LIBRARY_ENVIRONMENT,
                ENV["retention_days"]: str(defaults.retention_days),
                **environment,
            }
        },
        # The role must carry its permissions before the first invocation.
        opts=pulumi.ResourceOptions(parent=parent, depends_on=[role_policy]),
    )
    aws.lambda_.FunctionEventInvokeConfig(
        f"{prefix}-async",
        function_name=function.name,
        maximum_retry_attempts=ASYNC_RETRIES[key],
        maximum_event_age_in_seconds=MAX_EVENT_AGE_SECONDS,
        destination_config=(
            {"on_failure": {"destination": on_failure_arn}} if on_failure_arn is not None else None
        ),
        opts=child,
    )
    return DeployedFunction(key=key, function=function, role=role, log_group=log_group)
