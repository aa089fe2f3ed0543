"""IAM and resource policy documents as plain dicts: pure, so they are tested without the Pulumi runtime.

Every statement names its resources. The only actions granted on `*` are those AWS accepts on no other
resource; they are listed once, in `WILDCARD_ACTIONS`, with the reason.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final

Statement = dict[str, Any]
Document = dict[str, Any]

VERSION: Final = "2012-10-17"

WILDCARD_ACTIONS: Final[dict[str, str]] = {
    "sns:Publish": "a publish to a phone number has no topic, so there is no ARN to name",
    "states:SendTaskSuccess": "task-token callbacks accept no resource but `*`",
    "xray:PutTraceSegments": "X-Ray has no resource-level permissions",
    "xray:PutTelemetryRecords": "X-Ray has no resource-level permissions",
    "xray:GetSamplingRules": "X-Ray has no resource-level permissions",
    "xray:GetSamplingTargets": "X-Ray has no resource-level permissions",
    "logs:CreateLogDelivery": "vended-log delivery (Step Functions logging) is account-wide",
    "logs:GetLogDelivery": "vended-log delivery (Step Functions logging) is account-wide",
    "logs:UpdateLogDelivery": "vended-log delivery (Step Functions logging) is account-wide",
    "logs:DeleteLogDelivery": "vended-log delivery (Step Functions logging) is account-wide",
    "logs:ListLogDeliveries": "vended-log delivery (Step Functions logging) is account-wide",
    "logs:PutResourcePolicy": "vended-log delivery (Step Functions logging) is account-wide",
    "logs:DescribeResourcePolicies": "vended-log delivery (Step Functions logging) is account-wide",
    "logs:DescribeLogGroups": "vended-log delivery (Step Functions logging) is account-wide",
}

GET: Final = "dynamodb:GetItem"
QUERY: Final = "dynamodb:Query"
PUT: Final = "dynamodb:PutItem"
UPDATE: Final = "dynamodb:UpdateItem"
DELETE: Final = "dynamodb:DeleteItem"
BATCH_GET: Final = "dynamodb:BatchGetItem"


@dataclass(frozen=True)
class TableAccess:
    """What one function does to the table, and the indexes it queries."""

    actions: tuple[str, ...]
    indexes: tuple[str, ...] = ()


# Per function, the calls `handlers/store/table.py` makes for it. A `TransactWriteItems` is authorised per
# item, so its `Put`/`Update`/`Delete` parts need PutItem/UpdateItem/DeleteItem (only the SMS sender
# deletes: a resent link replaces the unsent one; no function condition-checks an item). A refused write
# that hands back the item (`ReturnValuesOnConditionCheckFailure`) reads it, so every writer may GetItem.
# The orchestrator and `verify` query GSI1 (the reservation lookup); the sweeper queries GSI2 (requests by
# status). `verify` deletes a one-time code as it is used; intake reads the open-question marker and the SMS
# budget in one batch.
TABLE_ACCESS: Final[dict[str, TableAccess]] = {
    "intake": TableAccess((GET, BATCH_GET, PUT, UPDATE)),
    "orchestrator": TableAccess((GET, QUERY, PUT, UPDATE), indexes=("GSI1",)),
    "sms_sender": TableAccess((GET, PUT, UPDATE, DELETE)),
    "partner_response": TableAccess((GET, PUT, UPDATE)),
    "status": TableAccess((QUERY,)),
    "timeout": TableAccess((GET, PUT, UPDATE)),
    "failure": TableAccess((GET, PUT, UPDATE)),
    "notification": TableAccess((GET, UPDATE)),
    # Finds open requests by status and age (GSI2), then ends them like the workflow's handlers do.
    "sweeper": TableAccess((GET, QUERY, PUT, UPDATE), indexes=("GSI2",)),
    "verify": TableAccess((GET, QUERY, PUT, UPDATE, DELETE), indexes=("GSI1",)),
    # The operator console (issue 13): the queue and the partners' record on GSI2, a request's partition
    # and the rows' link tokens (batch), the actions' transactions; a resent link deletes the old token.
    "admin": TableAccess((GET, BATCH_GET, QUERY, PUT, UPDATE, DELETE), indexes=("GSI2",)),
}
XRAY: Final = ("xray:PutTraceSegments", "xray:PutTelemetryRecords")
STATE_MACHINE_XRAY: Final = (*XRAY, "xray:GetSamplingRules", "xray:GetSamplingTargets")
LOG_DELIVERY: Final = tuple(action for action in WILDCARD_ACTIONS if action.startswith("logs:"))
# The partner's answer completes the wait; a refusal is recorded in the table, never sent as a failure.
TASK_CALLBACKS: Final = ("states:SendTaskSuccess",)


def statement(actions: Iterable[str], resources: Sequence[Any], sid: str | None = None) -> Statement:
    """An Allow statement; `resources` must be named (see `wildcard_statement` for the AWS exceptions)."""
    if not resources:
        raise ValueError("a statement must name its resources")
    if "*" in resources:
        raise ValueError("use wildcard_statement for the actions AWS allows only on `*`")
    body: Statement = {"Effect": "Allow", "Action": sorted(actions), "Resource": list(resources)}
    if sid:
        body["Sid"] = sid
    return body


def wildcard_statement(actions: Iterable[str], sid: str) -> Statement:
    """An Allow on `*`, only for the actions listed in `WILDCARD_ACTIONS`."""
    actions = sorted(actions)
    unlisted = [action for action in actions if action not in WILDCARD_ACTIONS]
    if unlisted:
        raise ValueError(f"{unlisted} accept named resources; grant them with statement()")
    return {"Sid": sid, "Effect": "Allow", "Action": actions, "Resource": "*"}


def policy(statements: Iterable[Statement]) -> Document:
    return {"Version": VERSION, "Statement": list(statements)}


def assume_role_policy(service: str, source_account: str | None = None) -> Document:
    """Trust policy letting one AWS service (e.g. `lambda.amazonaws.com`) assume the role.

    With `source_account`, only on behalf of that account's resources: the confused-deputy guard AWS
    recommends for services that assume a role for a resource (Step Functions, Lex).
    """
    trust: Statement = {"Effect": "Allow", "Principal": {"Service": service}, "Action": "sts:AssumeRole"}
    if source_account is not None:
        trust["Condition"] = {"StringEquals": {"aws:SourceAccount": source_account}}
    return policy([trust])


def table_resources(table_arn: str, indexes: Iterable[str]) -> list[str]:
    return [table_arn, *(f"{table_arn}/index/{index}" for index in indexes)]


def table_statement(table_arn: str, function: str, table_indexes: Iterable[str]) -> Statement:
    """The table access of `function` (see `TABLE_ACCESS`), on the table and the indexes it queries."""
    access = TABLE_ACCESS[function]
    missing = set(access.indexes) - set(table_indexes)
    if missing:
        raise ValueError(f"{function} queries {sorted(missing)}, which the table does not have")
    return statement(access.actions, table_resources(table_arn, access.indexes), sid="Table")


def function_log_statement(log_group_arn: str) -> Statement:
    """Lambda writes to its own log group only (the group is created up front, with retention)."""
    return statement(["logs:CreateLogStream", "logs:PutLogEvents"], [f"{log_group_arn}:*"], sid="OwnLogs")


def function_policy(log_group_arn: str, statements: Iterable[Statement]) -> Document:
    """A function's inline policy: its own logs, X-Ray segments, then what its job needs."""
    return policy(
        [
            function_log_statement(log_group_arn),
            wildcard_statement(XRAY, sid="Tracing"),
            *statements,
        ]
    )


def invoke_statement(function_arns: Sequence[str], sid: str = "Invoke") -> Statement:
    return statement(["lambda:InvokeFunction"], list(function_arns), sid=sid)


def secret_read_statements(parameter_arn: str, key_arn: str) -> list[Statement]:
    """Read one SecureString parameter: the parameter, and its KMS key only when SSM asks for it."""
    region = parameter_arn.split(":")[3]
    return [
        statement(["ssm:GetParameter"], [parameter_arn], sid="ReadSecret"),
        {
            "Sid": "DecryptSecret",
            "Effect": "Allow",
            "Action": ["kms:Decrypt"],
            "Resource": [key_arn],
            "Condition": {"StringEquals": {"kms:ViaService": f"ssm.{region}.amazonaws.com"}},
        },
    ]


def state_machine_policy(function_arns: Sequence[str], table_arn: str) -> Document:
    """The workflow role: invoke its task functions, end a request its handlers could not end (a direct
    UpdateItem on the table, then a PutItem of its timeline event, see `components/state_machine.py`),
    deliver its logs, send traces."""
    return policy(
        [
            invoke_statement(function_arns, sid="InvokeTasks"),
            statement([UPDATE, PUT], [table_arn], sid="EndStrandedRequests"),
            wildcard_statement(LOG_DELIVERY, sid="LogDelivery"),
            wildcard_statement(STATE_MACHINE_XRAY, sid="Tracing"),
        ]
    )


def execution_arns(state_machine_arn: str) -> str:
    """Every execution of one state machine: `...:stateMachine:<name>` -> `...:execution:<name>:*`."""
    return state_machine_arn.replace(":stateMachine:", ":execution:", 1) + ":*"


def bot_alias_arn(bot_arn: str, alias_id: str) -> str:
    """`arn:aws:lex:<region>:<account>:bot/<id>` -> the alias ARN RecognizeText is authorised on."""
    return f"{bot_arn.replace(':bot/', ':bot-alias/', 1)}/{alias_id}"


def bedrock_model_arns(model_id: str, region: str, account_id: str) -> list[str]:
    """What `bedrock:InvokeModel` must name for `model_id`.

    An inference profile id (`global.`, `apac.`, `us.` ... prefix) needs the profile ARN and the foundation
    model in every region the profile routes to; a plain model id needs only the model in this region.
    """
    prefix, _, base = model_id.partition(".")
    if prefix in {"global", "apac", "us", "eu", "jp", "au", "ca", "us-gov"} and base:
        return [
            f"arn:aws:bedrock:{region}:{account_id}:inference-profile/{model_id}",
            f"arn:aws:bedrock:*::foundation-model/{base}",
        ]
    return [f"arn:aws:bedrock:{region}::foundation-model/{model_id}"]


def site_bucket_policy(bucket_arn: str, distribution_arn: str) -> Document:
    """Only this CloudFront distribution (through origin access control) reads the site, and only over TLS."""
    return policy(
        [
            {
                "Sid": "CloudFrontReadsSite",
                "Effect": "Allow",
                "Principal": {"Service": "cloudfront.amazonaws.com"},
                "Action": "s3:GetObject",
                "Resource": f"{bucket_arn}/*",
                "Condition": {"StringEquals": {"AWS:SourceArn": distribution_arn}},
            },
            {
                "Sid": "TlsOnly",
                "Effect": "Deny",
                "Principal": "*",
                "Action": "s3:*",
                "Resource": [bucket_arn, f"{bucket_arn}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ]
    )
