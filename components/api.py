"""PartnerApi: the HTTP API (payload 2.0), its four routes, the three API functions and the orchestrator."""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

import pulumi
import pulumi_aws as aws

from components import iam
from components.functions import DeployedFunction, FunctionDefaults, deploy_function, secret_statements
from handlers.settings import ENV, CustomerVerification, SmsMode

# Route key -> function key (docs/contracts.md, "HTTP API").
ROUTES: Final[dict[str, str]] = {
    "POST /chat": "intake",
    "GET /confirm/{token}": "partner_response",
    "POST /respond": "partner_response",
    "GET /requests/{requestId}": "status",
    "POST /verify": "verify",
    "POST /verify/confirm": "verify",
    # The customer's answer to a proposed time (issue 12): verify already holds the customer key and texts.
    "POST /requests/{requestId}/reply": "verify",
}
API_FUNCTIONS: Final = ("intake", "partner_response", "status", "verify")
# Route key -> throttle group (stack setting `routeThrottles`): each route named here gets its own
# route-level limits, so a flood of customer questions cannot use up what partners' answers need.
# Routes not named here keep the stage default (`apiThrottle`).
ROUTE_THROTTLE_GROUPS: Final[dict[str, str]] = {
    "POST /chat": "customer",
    "POST /verify": "customer",
    "POST /verify/confirm": "customer",
    "POST /requests/{requestId}/reply": "customer",
    "GET /confirm/{token}": "partner",
    "POST /respond": "partner",
}
# The stage is named after the path the site serves the API under: CloudFront forwards `/api/chat` as it
# is, and execute-api reads a named stage from the first path segment (`/api` + route `/chat`).
STAGE_NAME: Final = "api"
INTEGRATION_TIMEOUT_MS: Final = 29_000
_PATH_PARAMETER: Final = re.compile(r"\{[^/]+\}")
# The operator console's routes: every one of them sits behind the JWT authorizer (`declare_routes`).
ADMIN_PATH: Final = "/admin"


def access_log_format() -> dict[str, str]:
    """One JSON line per request. `routeKey`, never `path`: partner tokens live in `/confirm/{token}`."""
    return {
        "requestId": "$context.requestId",
        "time": "$context.requestTime",
        "ip": "$context.identity.sourceIp",
        "routeKey": "$context.routeKey",
        "status": "$context.status",
        "latencyMs": "$context.responseLatency",
        "integrationLatencyMs": "$context.integrationLatency",
        "integrationError": "$context.integrationErrorMessage",
        # Why the JWT authorizer refused a console request (expired, wrong audience, ...); never the token.
        "authorizerError": "$context.authorizer.error",
        "responseLength": "$context.responseLength",
    }


def origin_secret_statements(
    parameter_arn: pulumi.Input[str], key_arn: pulumi.Input[str]
) -> list[pulumi.Output[dict[str, Any]]]:
    """Read the origin secret: `iam.secret_read_statements` under their own ids, since a policy's ids are
    unique and partner_response reads the link keyring too."""

    def renamed(arns: list[str]) -> list[dict[str, Any]]:
        return [{**s, "Sid": f"{s['Sid']}Origin"} for s in iam.secret_read_statements(arns[0], arns[1])]

    both = pulumi.Output.all(parameter_arn, key_arn).apply(renamed)
    return [both.apply(lambda statements: statements[0]), both.apply(lambda statements: statements[1])]


def route_source_arn(execution_arn: str, route_key: str) -> str:
    """The execute-api ARN of one route on any stage: `<api>/*/<METHOD>/<path with * for parameters>`."""
    method, path = route_key.split(" ", 1)
    return f"{execution_arn}/*/{method}{_PATH_PARAMETER.sub('*', path)}"


def requires_sign_in(route_key: str) -> bool:
    """Whether a route is the operator console's: its path is `/admin` or under `/admin/`."""
    path = route_key.partition(" ")[2]
    return path == ADMIN_PATH or path.startswith(f"{ADMIN_PATH}/")


def route_slug(route_key: str) -> str:
    """`GET /requests/{requestId}` -> `get-requests-requestid`: the route's part of its resources' names."""
    return re.sub(r"[^a-z0-9]+", "-", route_key.lower()).strip("-")


def cognito_issuer(region: str, user_pool_id: str) -> str:
    """The `iss` of a user pool's tokens; its JWKS is at `<iss>/.well-known/jwks.json`."""
    return f"https://cognito-idp.{region}.amazonaws.com/{user_pool_id}"


def jwt_authorizer(
    name: str,
    *,
    api_id: pulumi.Input[str],
    issuer: pulumi.Input[str],
    audience: pulumi.Input[str],
    opts: pulumi.ResourceOptions,
) -> aws.apigatewayv2.Authorizer:
    """The HTTP API's JWT authorizer: a bearer token signed by the issuer's JWKS, for this audience.

    API Gateway checks the signature, `exp` (and `nbf`/`iat` when present), `iss`, and `aud` (or, when the
    token has none, `client_id`: Cognito access tokens), and answers 401 itself when any check fails.
    """
    return aws.apigatewayv2.Authorizer(
        f"{name}-authorizer",
        api_id=api_id,
        authorizer_type="JWT",
        identity_sources=["$request.header.Authorization"],
        jwt_configuration={"issuer": issuer, "audiences": [audience]},
        name=f"{name}-operators",
        opts=opts,
    )


def declare_routes(
    name: str,
    *,
    api_id: pulumi.Input[str],
    execution_arn: pulumi.Input[str],
    routes: Mapping[str, DeployedFunction],
    authorizer_id: pulumi.Input[str] | None = None,
    opts: pulumi.ResourceOptions,
) -> list[aws.apigatewayv2.Route]:
    """The one way routes reach the HTTP API: a payload 2.0 proxy integration per function, then per route
    key a route and API Gateway's permission to invoke its function from that route only.

    Every route under `/admin` gets the JWT authorizer (`authorizer_id`), and only those do; declaring one
    without an authorizer raises, so no console route can ever be left open.
    """
    guarded = [route_key for route_key in routes if requires_sign_in(route_key)]
    if guarded and authorizer_id is None:
        raise ValueError(f"{name}: routes {guarded} need sign-in, but no JWT authorizer was given")
    integrations: dict[str, aws.apigatewayv2.Integration] = {}
    for function in routes.values():
        if function.key not in integrations:
            integrations[function.key] = aws.apigatewayv2.Integration(
                f"{name}-{function.key.replace('_', '-')}-integration",
                api_id=api_id,
                integration_type="AWS_PROXY",
                integration_uri=function.function.invoke_arn,
                integration_method="POST",
                payload_format_version="2.0",
                timeout_milliseconds=INTEGRATION_TIMEOUT_MS,
                opts=opts,
            )
    declared = []
    for route_key, function in routes.items():
        slug = route_slug(route_key)
        sign_in: dict[str, Any] = (
            {"authorization_type": "JWT", "authorizer_id": authorizer_id}
            if requires_sign_in(route_key)
            else {}
        )
        declared.append(
            aws.apigatewayv2.Route(
                f"{name}-route-{slug}",
                api_id=api_id,
                route_key=route_key,
                target=integrations[function.key].id.apply(lambda integration: f"integrations/{integration}"),
                **sign_in,
                opts=opts,
            )
        )
        aws.lambda_.Permission(
            f"{name}-permission-{slug}",
            action="lambda:InvokeFunction",
            function=function.name,
            principal="apigateway.amazonaws.com",
            source_arn=pulumi.Output.from_input(execution_arn).apply(
                functools.partial(route_source_arn, route_key=route_key)
            ),
            opts=opts,
        )
    return declared


@dataclass(frozen=True, kw_only=True)
class PartnerApiArgs:
    defaults: FunctionDefaults
    """Code, layer and logging shared by every function."""
    table_name: pulumi.Input[str]
    """The single table."""
    table_arn: pulumi.Input[str]
    """Its ARN, for the functions' policies."""
    table_indexes: tuple[str, ...]
    """Index names the functions may query."""
    state_machine_arn: pulumi.Input[str]
    """The workflow the orchestrator starts."""
    link_key_parameter: pulumi.Input[str]
    """Name of the SecureString keyring that signs partner links."""
    link_key_parameter_arn: pulumi.Input[str]
    """Its ARN, for the partner-response policy."""
    secrets_key_arn: pulumi.Input[str]
    """The stack's KMS key that encrypts it."""
    customer_key_parameter: pulumi.Input[str]
    """Name of the SecureString keyring that signs customer tokens and the codes' HMACs."""
    customer_key_parameter_arn: pulumi.Input[str]
    """Its ARN, for the intake and verify policies."""
    orchestrator_failure_arn: pulumi.Input[str]
    """The workflow's `failure` function: it ends a request whose orchestrator retries ran out."""
    bot_id: pulumi.Input[str]
    """Lex bot the intake function asks."""
    bot_alias_id: pulumi.Input[str]
    """Its alias."""
    bot_alias_arn: pulumi.Input[str]
    """The alias ARN, for `lex:RecognizeText`."""
    bot_locale_id: str
    """`ko_KR`."""
    intent_confidence_threshold: float
    """Below this, the intake uses the default intent."""
    intent_tie_break: bool
    """When Lex is unsure, the intake asks the model below to pick the intent before the default."""
    bedrock_model_id: str
    """The model of the intent tie-break (the notification's model)."""
    region: str
    """Region of the model (for its ARN)."""
    account_id: pulumi.Input[str]
    """Account of the model's inference profile (for its ARN)."""
    rate_limit_per_minute: int
    """Requests per address in any 60 s to `/chat` and `/verify` (sliding window)."""
    customer_verification: CustomerVerification = CustomerVerification.SMS
    """`sms`: `/chat` needs a customer token from a texted code; `off`: it does not."""
    code_texts_per_reservation: int = 3
    """Code texts per reservation in any 10 minutes."""
    code_texts_per_address: int = 10
    """Code texts per address in any 10 minutes."""
    sms_daily_budget_parts: int = 45
    """SMS parts the stack may send per UTC day, all kinds."""
    sms_mode: SmsMode = SmsMode.SNS
    """How the verification codes are sent (as the partner texts)."""
    sms_region: str = "ap-northeast-1"
    """SNS SMS is not offered in Seoul: the region that sends."""
    origin_key_parameter: pulumi.Input[str]
    """SSM parameter of the secret CloudFront sends in the origin header; requests without it are refused."""
    origin_key_parameter_arn: pulumi.Input[str]
    """Its ARN, for the API functions' policies."""
    throttle_rate_limit: float
    """Stage default steady requests per second (routes without their own limits)."""
    throttle_burst_limit: int
    """Stage default burst."""
    route_throttles: dict[str, tuple[float, int]]
    """Throttle group (`ROUTE_THROTTLE_GROUPS`) -> (steady requests per second, burst) of each route."""
    log_retention_days: int
    """Retention of the access log group."""
    access_log_group_name: str
    """Name of the access log group."""
    support_phone: str
    """The number customers are told to call when their question could not be passed on."""
    customer_sms: bool = False
    """A verified customer's request is marked to be texted its ending (issue 12)."""
    reply_window_hours: int = 24
    """How long after the partner's proposal the customer may confirm or decline it."""
    brand_name: str = "예약확인"
    """The service's name: the partner's text about the customer's reply starts with it."""


class PartnerApi(pulumi.ComponentResource):
    """HTTP API + intake / orchestrator / partner-response / status functions."""

    api_id: pulumi.Output[str]
    execution_arn: pulumi.Output[str]
    api_endpoint: pulumi.Output[str]
    stage_name: pulumi.Output[str]
    functions: dict[str, DeployedFunction]
    function_names: dict[str, pulumi.Output[str]]
    log_group_names: dict[str, pulumi.Output[str]]

    def __init__(self, name: str, args: PartnerApiArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("partnerconfirm:index:PartnerApi", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)
        # Every function behind a route checks that its request came through CloudFront.
        edge = {ENV["origin_key_parameter"]: args.origin_key_parameter}
        edge_statements = origin_secret_statements(args.origin_key_parameter_arn, args.secrets_key_arn)

        limits = {
            ENV["rate_limit_per_minute"]: str(args.rate_limit_per_minute),
            ENV["sms_daily_budget_parts"]: str(args.sms_daily_budget_parts),
        }

        def table(function: str) -> pulumi.Output[dict]:
            return pulumi.Output.from_input(args.table_arn).apply(
                lambda arn: iam.table_statement(arn, function, args.table_indexes)
            )

        orchestrator = deploy_function(
            name,
            "orchestrator",
            defaults=args.defaults,
            description="Finds the reservation's partner and starts the workflow",
            environment={
                ENV["table_name"]: args.table_name,
                ENV["state_machine_arn"]: args.state_machine_arn,
                ENV["support_phone"]: args.support_phone,
            },
            statements=pulumi.Output.all(
                table("orchestrator"),
                pulumi.Output.from_input(args.state_machine_arn).apply(
                    lambda arn: iam.statement(["states:StartExecution"], [arn], sid="StartWorkflow")
                ),
                pulumi.Output.from_input(args.orchestrator_failure_arn).apply(
                    lambda arn: iam.invoke_statement([arn], sid="ReportFailure")
                ),
            ),
            parent=self,
            # Without it an orchestrator that keeps failing leaves the request `Created` for good.
            on_failure_arn=args.orchestrator_failure_arn,
        )
        intake = deploy_function(
            name,
            "intake",
            defaults=args.defaults,
            description="Accepts a customer's question, classifies it and hands it to the orchestrator",
            environment={
                ENV["table_name"]: args.table_name,
                ENV["orchestrator_function"]: orchestrator.name,
                ENV["intent_classifier"]: "lex",
                ENV["bot_id"]: args.bot_id,
                ENV["bot_alias_id"]: args.bot_alias_id,
                ENV["bot_locale_id"]: args.bot_locale_id,
                ENV["intent_confidence_threshold"]: str(args.intent_confidence_threshold),
                **(
                    {ENV["intent_tie_break"]: "true", ENV["bedrock_model_id"]: args.bedrock_model_id}
                    if args.intent_tie_break
                    else {}
                ),
                **edge,
                ENV["support_phone"]: args.support_phone,
                ENV["customer_verification"]: args.customer_verification.value,
                ENV["customer_key_parameter"]: args.customer_key_parameter,
                ENV["customer_sms"]: "on" if args.customer_sms else "off",
                **limits,
            },
            statements=pulumi.Output.all(
                table("intake"),
                *secret_statements(args.customer_key_parameter_arn, args.secrets_key_arn),
                orchestrator.arn.apply(lambda arn: iam.invoke_statement([arn], sid="HandOver")),
                pulumi.Output.from_input(args.bot_alias_arn).apply(
                    lambda arn: iam.statement(["lex:RecognizeText"], [arn], sid="ClassifyIntent")
                ),
                *(
                    [
                        pulumi.Output.from_input(args.account_id).apply(
                            lambda account: iam.statement(
                                ["bedrock:InvokeModel"],
                                iam.bedrock_model_arns(args.bedrock_model_id, args.region, account),
                                sid="SettleIntent",
                            )
                        )
                    ]
                    if args.intent_tie_break
                    else []
                ),
                *edge_statements,
            ),
            parent=self,
        )
        partner_response = deploy_function(
            name,
            "partner_response",
            defaults=args.defaults,
            description="Shows the partner the request and records the answer (task callback)",
            environment={
                ENV["table_name"]: args.table_name,
                ENV["link_key_parameter"]: args.link_key_parameter,
                **edge,
            },
            statements=pulumi.Output.all(
                table("partner_response"),
                iam.wildcard_statement(iam.TASK_CALLBACKS, sid="AnswerWorkflow"),
                *secret_statements(args.link_key_parameter_arn, args.secrets_key_arn),
                *edge_statements,
            ),
            parent=self,
        )
        status = deploy_function(
            name,
            "status",
            defaults=args.defaults,
            description="Answers the customer page's polling: status, timeline, notification",
            environment={
                ENV["table_name"]: args.table_name,
                **edge,
                ENV["reply_window_hours"]: str(args.reply_window_hours),
            },
            statements=pulumi.Output.all(table("status"), *edge_statements),
            parent=self,
        )
        verify_statements: list[pulumi.Input[dict]] = [
            table("verify"),
            *secret_statements(args.customer_key_parameter_arn, args.secrets_key_arn),
            *edge_statements,
        ]
        if args.sms_mode is SmsMode.SNS:
            verify_statements.append(iam.wildcard_statement(["sns:Publish"], sid="TextPhoneNumbers"))
        verify = deploy_function(
            name,
            "verify",
            defaults=args.defaults,
            description="Texts a customer a one-time code and exchanges it for a customer token",
            environment={
                ENV["table_name"]: args.table_name,
                **edge,
                ENV["customer_key_parameter"]: args.customer_key_parameter,
                ENV["code_texts_per_reservation"]: str(args.code_texts_per_reservation),
                ENV["code_texts_per_address"]: str(args.code_texts_per_address),
                ENV["sms_mode"]: args.sms_mode.value,
                ENV["sms_region"]: args.sms_region,
                **limits,
                ENV["customer_verification"]: args.customer_verification.value,
                ENV["reply_window_hours"]: str(args.reply_window_hours),
                ENV["brand_name"]: args.brand_name,
            },
            statements=pulumi.Output.all(*verify_statements),
            parent=self,
        )
        self.functions = {f.key: f for f in (intake, orchestrator, partner_response, status, verify)}

        api = aws.apigatewayv2.Api(
            f"{name}-api",
            protocol_type="HTTP",
            description="partner-confirm: customer questions and partner answers",
            # No CORS: the pages call the API on their own origin, through CloudFront (`/api/*`).
            opts=child,
        )
        routes = declare_routes(
            name,
            api_id=api.id,
            execution_arn=api.execution_arn,
            routes={route_key: self.functions[key] for route_key, key in ROUTES.items()},
            opts=child,
        )
        self.execution_arn = api.execution_arn

        access_logs = aws.cloudwatch.LogGroup(
            f"{name}-access-logs",
            name=args.access_log_group_name,
            retention_in_days=args.log_retention_days,
            opts=child,
        )
        stage = aws.apigatewayv2.Stage(
            f"{name}-stage",
            api_id=api.id,
            name=STAGE_NAME,
            auto_deploy=True,
            # Both values, always, here and in every route setting: a setting with only one of them
            # throttles the other to 0 (every call 429).
            default_route_settings={
                "throttling_rate_limit": args.throttle_rate_limit,
                "throttling_burst_limit": args.throttle_burst_limit,
                "detailed_metrics_enabled": True,
            },
            route_settings=[
                {
                    "route_key": route_key,
                    "throttling_rate_limit": args.route_throttles[group][0],
                    "throttling_burst_limit": args.route_throttles[group][1],
                    "detailed_metrics_enabled": True,
                }
                for route_key, group in ROUTE_THROTTLE_GROUPS.items()
            ],
            access_log_settings={
                "destination_arn": access_logs.arn,
                "format": pulumi.Output.json_dumps(access_log_format()),
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=routes),
        )

        self.api_id = api.id
        self.stage_name = stage.name
        self.function_names = {key: f.name for key, f in self.functions.items()}
        # The endpoint alone (not the stage): the distribution needs it, and must not wait on the stage,
        # whose routes reach the functions that need the distribution's domain for their links.
        self.api_endpoint = api.api_endpoint
        self.log_group_names = {
            **{key: f.log_group.name for key, f in self.functions.items()},
            "api": access_logs.name,
        }
        self.register_outputs(
            {
                "apiEndpoint": self.api_endpoint,
                "functionNames": self.function_names,
            }
        )
