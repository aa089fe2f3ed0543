"""OperatorConsole: operators' sign-in (Cognito) and the console's routes on the HTTP API, behind it.

A user pool nobody can sign up to (operators are created by `python -m ops operators add`), the group
`operators`, one public app client for the console page (no secret: a page cannot keep one), and the
HTTP API's JWT authorizer for that pool and client. Every `/admin/*` route goes through
`components.api.declare_routes`, which puts the authorizer on it. The authorizer proves a token is the
pool's, for this client, unexpired and untampered; the functions check the group (`handlers/api.py`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

import pulumi
import pulumi_aws as aws

from components import iam
from components.api import cognito_issuer, declare_routes, jwt_authorizer, origin_secret_statements
from components.functions import DeployedFunction, FunctionDefaults, deploy_function, secret_statements
from handlers.settings import ENV, SmsMode

OPERATORS_GROUP: Final = "operators"
# The page's flow on AWS and on the local runtime alike (moto's SRP flow never checks the password, so
# SRP could not be exercised locally), plus refreshing: the page keeps a short-lived access token.
AUTH_FLOWS: Final = ("ALLOW_USER_PASSWORD_AUTH", "ALLOW_REFRESH_TOKEN_AUTH")
ACCESS_TOKEN_MINUTES: Final = 60
REFRESH_TOKEN_HOURS: Final = 12  # one shift: after that, the operator signs in again
TEMPORARY_PASSWORD_DAYS: Final = 3
MIN_PASSWORD_LENGTH: Final = 12
INVITE_SUBJECT: Final = "운영 콘솔 계정이 만들어졌습니다"
# Cognito fills in {username} and {####} (the temporary password); both must appear.
INVITE_MESSAGE: Final = (
    "운영 콘솔 계정이 만들어졌습니다. 아이디: {username} / 임시 비밀번호: {####} "
    "처음 로그인할 때 새 비밀번호를 정합니다."
)

# Route key -> function key of the console's API (docs/contracts.md, "Operator console API"): one `admin`
# function serves them all. Every key here is under /admin and gets the JWT authorizer.
ADMIN_ROUTES: Final[dict[str, str]] = {
    "GET /admin/requests": "admin",
    "GET /admin/requests/{requestId}": "admin",
    "GET /admin/partners": "admin",
    "POST /admin/requests/{requestId}/resend-link": "admin",
    "POST /admin/requests/{requestId}/answer": "admin",
    "POST /admin/requests/{requestId}/close": "admin",
    "POST /admin/requests/{requestId}/reveal": "admin",
}


def cognito_endpoint(region: str) -> str:
    """Where the page sends Cognito's JSON API calls (InitiateAuth, RespondToAuthChallenge, ...)."""
    return f"https://cognito-idp.{region}.amazonaws.com/"


@dataclass(frozen=True, kw_only=True)
class OperatorConsoleArgs:
    api_id: pulumi.Input[str]
    """The HTTP API the console's routes join."""
    execution_arn: pulumi.Input[str]
    """Its execute-api ARN, for the functions' invoke permissions."""
    region: str
    """The stack's region: the pool's, so the tokens' issuer."""
    mfa: bool = False
    """Every operator signs in with a TOTP code as well (stack setting `consoleMfa: on`)."""
    deletion_protection: bool = False
    """Refuse to delete the pool (and with it every operator)."""
    # -- what the admin function needs (capi) --
    defaults: FunctionDefaults
    """Code, layer and logging shared by every function."""
    table_name: pulumi.Input[str]
    """The single table."""
    table_arn: pulumi.Input[str]
    """Its ARN, for the function's policy."""
    table_indexes: tuple[str, ...]
    """Index names the table has."""
    state_machine_arn: pulumi.Input[str]
    """The workflow whose executions a close stops."""
    link_key_parameter: pulumi.Input[str]
    """Name of the SecureString keyring that signs partner links (a resent link is signed with it)."""
    link_key_parameter_arn: pulumi.Input[str]
    """Its ARN."""
    link_base_url: pulumi.Input[str]
    """`https://<site domain>/r/`: the partner link's base."""
    origin_key_parameter: pulumi.Input[str]
    """SSM parameter of the secret CloudFront sends in the origin header."""
    origin_key_parameter_arn: pulumi.Input[str]
    """Its ARN."""
    secrets_key_arn: pulumi.Input[str]
    """The stack's KMS key that encrypts both parameters."""
    brand_name: str
    """The partner SMS starts with it."""
    sms_mode: SmsMode = SmsMode.SNS
    """How a resent link is texted (as the workflow's)."""
    sms_region: str = "ap-northeast-1"
    """SNS SMS is not offered in Seoul: the region that sends."""
    sms_daily_budget_parts: int = 45
    """SMS parts the stack may send per UTC day: a resent link books its parts too."""


class OperatorConsole(pulumi.ComponentResource):
    """Cognito user pool + group + app client, the JWT authorizer, and the console's routes."""

    user_pool_id: pulumi.Output[str]
    user_pool_arn: pulumi.Output[str]
    client_id: pulumi.Output[str]
    issuer: pulumi.Output[str]
    authorizer_id: pulumi.Output[str]
    page_config: pulumi.Output[dict[str, str]]
    """What the console page needs to sign in (`config.js`, `console`)."""
    functions: dict[str, DeployedFunction]
    function_names: dict[str, pulumi.Output[str]]
    log_group_names: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: OperatorConsoleArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("partnerconfirm:index:OperatorConsole", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        pool = aws.cognito.UserPool(
            f"{name}-user-pool",
            # Usernames are the operators' email addresses (no username attributes, so `by` in every
            # event reads as the person); the address is verified by the invitation itself.
            username_configuration={"case_sensitive": False},
            auto_verified_attributes=["email"],
            schemas=[{"name": "email", "attribute_data_type": "String", "required": True, "mutable": True}],
            admin_create_user_config={
                "allow_admin_create_user_only": True,
                "invite_message_template": {"email_subject": INVITE_SUBJECT, "email_message": INVITE_MESSAGE},
            },
            password_policy={
                "minimum_length": MIN_PASSWORD_LENGTH,
                "require_lowercase": True,
                "require_uppercase": True,
                "require_numbers": True,
                "require_symbols": False,
                "temporary_password_validity_days": TEMPORARY_PASSWORD_DAYS,
            },
            account_recovery_setting={"recovery_mechanisms": [{"name": "verified_email", "priority": 1}]},
            deletion_protection="ACTIVE" if args.deletion_protection else "INACTIVE",
            # TOTP only (no SMS MFA: no texting budget for sign-ins), required of everyone when on.
            mfa_configuration="ON" if args.mfa else "OFF",
            software_token_mfa_configuration={"enabled": True} if args.mfa else None,
            opts=child,
        )
        client = aws.cognito.UserPoolClient(
            f"{name}-client",
            user_pool_id=pool.id,
            generate_secret=False,
            explicit_auth_flows=list(AUTH_FLOWS),
            prevent_user_existence_errors="ENABLED",
            enable_token_revocation=True,
            supported_identity_providers=["COGNITO"],
            read_attributes=["email", "email_verified"],
            write_attributes=[],
            access_token_validity=ACCESS_TOKEN_MINUTES,
            id_token_validity=ACCESS_TOKEN_MINUTES,
            refresh_token_validity=REFRESH_TOKEN_HOURS,
            token_validity_units={"access_token": "minutes", "id_token": "minutes", "refresh_token": "hours"},
            opts=child,
        )
        aws.cognito.UserGroup(
            f"{name}-operators",
            name=OPERATORS_GROUP,
            user_pool_id=pool.id,
            description="Operators of the console: every /admin route answers them",
            opts=child,
        )
        issuer = pool.id.apply(lambda pool_id: cognito_issuer(args.region, pool_id))
        authorizer = jwt_authorizer(name, api_id=args.api_id, issuer=issuer, audience=client.id, opts=child)

        # -- the console's functions and routes (capi) -----------------------------------------------
        self.functions = {"admin": _admin_function(name, args, parent=self)}
        declare_routes(
            name,
            api_id=args.api_id,
            execution_arn=args.execution_arn,
            routes={route_key: self.functions[key] for route_key, key in ADMIN_ROUTES.items()},
            authorizer_id=authorizer.id,
            opts=child,
        )

        self.function_names = {key: f.name for key, f in self.functions.items()}
        self.log_group_names = {key: f.log_group.name for key, f in self.functions.items()}
        self.user_pool_id = pool.id
        self.user_pool_arn = pool.arn
        self.client_id = client.id
        self.issuer = issuer
        self.authorizer_id = authorizer.id
        self.page_config = pulumi.Output.all(pool.id, client.id).apply(
            lambda ids: {
                "region": args.region,
                "userPoolId": ids[0],
                "clientId": ids[1],
                "cognitoEndpoint": cognito_endpoint(args.region),
            }
        )
        self.register_outputs(
            {
                "userPoolId": self.user_pool_id,
                "clientId": self.client_id,
                "issuer": self.issuer,
            }
        )


def _admin_function(name: str, args: OperatorConsoleArgs, *, parent: pulumi.Resource) -> DeployedFunction:
    """The console's API (`handlers/admin.py`) and its least-privilege role: the table as
    `iam.TABLE_ACCESS["admin"]` says, the task callback (an operator's answer completes the partner's wait),
    StopExecution on this workflow's executions only (a close), the link and origin keyrings, and SMS."""
    statements: list[pulumi.Input[dict[str, Any]]] = [
        pulumi.Output.from_input(args.table_arn).apply(
            lambda arn: iam.table_statement(arn, "admin", args.table_indexes)
        ),
        iam.wildcard_statement(iam.TASK_CALLBACKS, sid="AnswerWorkflow"),
        pulumi.Output.from_input(args.state_machine_arn).apply(
            lambda arn: iam.statement(["states:StopExecution"], [iam.execution_arns(arn)], sid="StopWorkflow")
        ),
        *secret_statements(args.link_key_parameter_arn, args.secrets_key_arn),
        *origin_secret_statements(args.origin_key_parameter_arn, args.secrets_key_arn),
    ]
    if args.sms_mode is SmsMode.SNS:
        statements.append(iam.wildcard_statement(["sns:Publish"], sid="TextPartners"))
    return deploy_function(
        name,
        "admin",
        defaults=args.defaults,
        description="The operator console's API: the queue, a request's story, partners, actions",
        environment={
            ENV["table_name"]: args.table_name,
            ENV["state_machine_arn"]: args.state_machine_arn,
            ENV["link_key_parameter"]: args.link_key_parameter,
            ENV["link_base_url"]: args.link_base_url,
            ENV["origin_key_parameter"]: args.origin_key_parameter,
            ENV["sms_mode"]: args.sms_mode.value,
            ENV["sms_region"]: args.sms_region,
            ENV["sms_daily_budget_parts"]: str(args.sms_daily_budget_parts),
            ENV["brand_name"]: args.brand_name,
        },
        statements=pulumi.Output.all(*statements),
        parent=parent,
    )
