"""Deploy the repository's Pulumi program onto the emulator.

`__main__.py` is evaluated under a Pulumi mock monitor (no engine, no CLI). Each resource the program
registers reaches `LocalCloud.new_resource`, which creates what the emulator can hold (the table and its
items, the state machine, the site bucket and objects, SMS preferences) with ordinary boto3 calls, and
records what the local runtime itself plays (functions, API routes, the CDN's behaviour). Computed
outputs get values a real deployment would have, in the emulator's account and region, with loopback
URLs for the API and the distribution. So what runs locally is what the program declares: a wrong
ARN, route or environment variable fails here as it would in AWS.
"""

from __future__ import annotations

import json
import os
import runpy
import secrets
import string
import sys
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import boto3
import pulumi
import yaml
from boto3.dynamodb.types import TypeDeserializer
from pulumi.runtime import rpc

from local.authorizer import JwtAuthorizer

ACCOUNT_ID = "123456789012"  # moto's default account
REGION = "ap-northeast-2"

# The only two documented substitutions: Lex and Bedrock have no emulator. With `BEDROCK=stand-in`
# (`local/converse.py`) the notifier keeps the stack's setting and only the classifier is replaced.
LOCAL_FUNCTION_OVERRIDES = {"INTENT_CLASSIFIER": "local", "NOTIFIER": "template"}
STAND_IN_FUNCTION_OVERRIDES = {"INTENT_CLASSIFIER": "local"}

_RESERVATION_KEYS = {"PK", "SK", "GSI1PK", "GSI1SK"}
# Where the runtime plays an HTTP API's own execute-api endpoint (what CloudFront forwards to, and what
# a request that skips the edge reaches). Its host is the loopback port itself.
EXECUTE_API_PATH = "/_local/execute-api"
# Where the pages reach Cognito's JSON API here (AWS: `https://cognito-idp.<region>.amazonaws.com/`): the
# runtime hands it to the emulator's cognito-idp. config.js and the console's CSP name it instead.
COGNITO_PATH = "/_local/cognito-idp/"
COGNITO_ENDPOINT = f"https://cognito-idp.{REGION}.amazonaws.com/"


@dataclass
class LocalFunction:
    logical_name: str
    name: str
    arn: str
    handler: str
    environment: dict[str, str]
    timeout_seconds: int
    memory_mb: int
    code_paths: frozenset[str] | None  # files in the declared code archive; None when not knowable
    async_retries: int = 2  # Lambda's default for asynchronous invocations
    on_failure: str | None = None  # destination ARN for asynchronous invocations that failed for good

    @property
    def key(self) -> str:
        """The function key of docs/contracts.md: its handler's module (`handlers.intake.handler`)."""
        return self.handler.rsplit(".", 2)[-2] if self.handler.count(".") >= 1 else self.name


@dataclass
class LocalApi:
    api_id: str
    endpoint: str
    execution_arn: str
    cors: Mapping[str, Any] | None
    stage_names: list[str] = field(default_factory=list)


@dataclass
class LocalIntegration:
    integration_id: str
    api_id: str
    integration_type: str
    uri: str
    payload_format_version: str


@dataclass
class LocalRoute:
    api_id: str
    route_key: str
    target: str | None
    authorization_type: str = "NONE"
    authorizer_id: str | None = None


@dataclass
class LocalPermission:
    function: str
    principal: str
    action: str
    source_arn: str | None


@dataclass
class LocalSchedule:
    """An EventBridge Scheduler schedule the runtime plays itself (see `local/schedules.py`)."""

    name: str
    expression: str
    target_arn: str
    input: str


@dataclass
class SiteObject:
    bucket: str
    key: str
    body: bytes
    content_type: str
    cache_control: str | None


@dataclass
class Deployment:
    """What the program declared that the runtime plays itself, filled in while the program runs."""

    base_url: str
    functions: dict[str, LocalFunction] = field(default_factory=dict)  # by physical name
    apis: dict[str, LocalApi] = field(default_factory=dict)
    integrations: dict[str, LocalIntegration] = field(default_factory=dict)
    routes: list[LocalRoute] = field(default_factory=list)
    authorizers: dict[str, JwtAuthorizer] = field(default_factory=dict)
    user_pools: dict[str, str] = field(default_factory=dict)  # Cognito user pool id -> name
    permissions: list[LocalPermission] = field(default_factory=list)
    schedules: list[LocalSchedule] = field(default_factory=list)
    objects: dict[tuple[str, str], SiteObject] = field(default_factory=dict)
    distributions: list[dict[str, Any]] = field(default_factory=list)
    response_headers_policies: dict[str, dict[str, Any]] = field(default_factory=dict)
    edge_functions: dict[str, str] = field(default_factory=dict)  # CloudFront Function code by ARN
    web_acls: dict[str, dict[str, Any]] = field(default_factory=dict)  # WAF web ACL inputs by ARN
    table_items: list[dict[str, Any]] = field(default_factory=list)
    bots: list[dict[str, Any]] = field(default_factory=list)
    # Bedrock guardrails by id and by ARN (one shared set each): the versions a Converse call may name.
    guardrails: dict[str, set[str]] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)

    def reservations(self) -> list[dict[str, Any]]:
        """The seeded reservations, as plain JSON values without the table's key attributes."""
        rows = []
        for item in self.table_items:
            if "reservationNumber" in item:
                rows.append({k: v for k, v in item.items() if k not in _RESERVATION_KEYS})
        # Items are registered concurrently: sort so the same reservations come first on every start.
        return sorted(rows, key=lambda row: str(row["reservationNumber"]))


class DeploymentError(RuntimeError):
    """The program declared something the emulator (and so AWS) would refuse."""


def _suffix(length: int = 7, alphabet: str = "0123456789abcdef") -> str:
    return "".join(secrets.choice(alphabet) for _ in range(length))


def _plain(value: Any) -> Any:
    """DynamoDB numbers come back as Decimal; JSON wants int/float."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list | set | tuple):
        return [_plain(v) for v in value]
    if type(value).__name__ == "Decimal":
        return int(value) if value == int(value) else float(value)
    if isinstance(value, bytes | bytearray):
        return value.decode("utf-8", "replace")
    return value


def _archive_paths(code: Any) -> frozenset[str] | None:
    if isinstance(code, pulumi.AssetArchive):
        paths: set[str] = set()
        for name, asset in code.assets.items():
            if isinstance(asset, pulumi.AssetArchive | pulumi.FileArchive):
                inner = _archive_paths(asset)
                if inner is None:
                    return None
                paths.update(f"{name.rstrip('/')}/{p}" for p in inner)
            else:
                paths.add(name)
        return frozenset(paths)
    if isinstance(code, pulumi.FileArchive) and Path(code.path).is_dir():
        root = Path(code.path)
        return frozenset(p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file())
    return None


def _asset_bytes(asset: Any) -> bytes:
    if isinstance(asset, pulumi.FileAsset):
        return Path(asset.path).read_bytes()
    if isinstance(asset, pulumi.StringAsset):
        return asset.text.encode()
    raise DeploymentError(f"the local runtime cannot read a {type(asset).__name__} site object")


class LocalCloud(pulumi.runtime.Mocks):
    """A Pulumi mock monitor that materialises resources on the emulator at `endpoint`."""

    def __init__(
        self,
        deployment: Deployment,
        endpoint: str,
        *,
        progress: Callable[[str], None],
        heartbeat: Callable[[], None] = lambda: None,
    ) -> None:
        self.deployment = deployment
        self._endpoint = endpoint
        self._progress = progress
        self._heartbeat = heartbeat  # told of every resource made: a deployment that stalls is stuck
        self._lock = threading.Lock()  # the SDK registers resources from executor threads
        self._session = boto3.session.Session(region_name=REGION)  # the emulator's credentials from the env
        self._clients: dict[tuple[str, str], Any] = {}
        self._handlers: dict[str, Callable[[str, str, dict[str, Any]], tuple[str, dict[str, Any]]]] = {
            "aws:dynamodb/table:Table": self._table,
            "aws:dynamodb/tableItem:TableItem": self._table_item,
            "aws:sfn/stateMachine:StateMachine": self._state_machine,
            "aws:lambda/function:Function": self._function,
            "aws:lambda/permission:Permission": self._permission,
            "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": self._invoke_config,
            "aws:scheduler/schedule:Schedule": self._schedule,
            "aws:apigatewayv2/api:Api": self._api,
            "aws:apigatewayv2/stage:Stage": self._stage,
            "aws:apigatewayv2/integration:Integration": self._integration,
            "aws:apigatewayv2/route:Route": self._route,
            "aws:apigatewayv2/authorizer:Authorizer": self._authorizer,
            "aws:cognito/userPool:UserPool": self._user_pool,
            "aws:cognito/userPoolClient:UserPoolClient": self._user_pool_client,
            "aws:cognito/userGroup:UserGroup": self._user_group,
            "aws:s3/bucket:Bucket": self._bucket,
            "aws:s3/bucketV2:BucketV2": self._bucket,
            "aws:s3/bucketObjectv2:BucketObjectv2": self._bucket_object,
            "aws:s3/bucketObject:BucketObject": self._bucket_object,
            "aws:cloudfront/distribution:Distribution": self._distribution,
            "aws:cloudfront/responseHeadersPolicy:ResponseHeadersPolicy": self._response_headers_policy,
            "aws:cloudfront/function:Function": self._edge_function,
            "aws:wafv2/webAcl:WebAcl": self._web_acl,
            "aws:bedrock/guardrail:Guardrail": self._guardrail,
            "aws:bedrock/guardrailVersion:GuardrailVersion": self._guardrail_version,
            "pulumi:providers:aws": self._provider,
            "aws:iam/role:Role": self._iam("role"),
            "aws:iam/policy:Policy": self._iam("policy"),
            "aws:cloudwatch/logGroup:LogGroup": self._log_group,
            "aws:sns/topic:Topic": self._topic,
            "aws:sns/smsPreferences:SmsPreferences": self._sms_preferences,
            "aws:kms/key:Key": self._kms_key,
            "aws:kms/alias:Alias": self._kms_alias,
            "aws:ssm/parameter:Parameter": self._parameter,
            "random:index/randomBytes:RandomBytes": self._random_bytes,
            "random:index/randomPassword:RandomPassword": self._random_string,
            "random:index/randomString:RandomString": self._random_string,
            "random:index/randomId:RandomId": self._random_id,
            "pulumi-python:dynamic:Resource": self._dynamic,
        }

    # -- Pulumi Mocks interface -------------------------------------------------------------------

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        inputs = _reveal(dict(args.inputs))
        if not getattr(args, "custom", True):
            return f"{args.name}_id", inputs  # components hold no state of their own
        handler = self._handlers.get(args.typ, self._generic)
        with self._lock:
            try:
                return handler(args.typ, args.name, inputs)
            except DeploymentError:
                raise
            except Exception as exc:
                raise DeploymentError(f"{args.typ} '{args.name}': {exc}") from exc
            finally:
                self._heartbeat()

    def call(self, args: pulumi.runtime.MockCallArgs) -> dict[str, Any]:  # type: ignore[override]
        invoked = args.token
        if invoked == "aws:index/getCallerIdentity:getCallerIdentity":
            arn = f"arn:aws:iam::{ACCOUNT_ID}:user/local"
            return {"accountId": ACCOUNT_ID, "arn": arn, "userId": "LOCAL", "id": ACCOUNT_ID}
        if invoked == "aws:index/getRegion:getRegion":
            return {"name": REGION, "region": REGION, "id": REGION, "description": "Asia Pacific (Seoul)"}
        if invoked == "aws:index/getPartition:getPartition":
            return {"partition": "aws", "dnsSuffix": "amazonaws.com", "id": "aws"}
        if invoked == "aws:iam/getPolicyDocument:getPolicyDocument":
            return {"json": json.dumps(_policy_document(args.args)), "id": "policy"}
        if invoked == "aws:ssm/getParameter:getParameter":
            # AWS's public parameters (the Powertools layer ARN): no emulator has them; no layer runs here.
            name = str(args.args.get("name", ""))
            layer = f"arn:aws:lambda:{REGION}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64"
            return {"name": name, "value": f"{layer}:1", "type": "String", "id": name}
        return {}

    # -- helpers ----------------------------------------------------------------------------------

    def _client(self, service: str, region: str = REGION) -> Any:
        key = (service, region)
        if key not in self._clients:
            self._clients[key] = self._session.client(
                service, region_name=region, endpoint_url=self._endpoint
            )
        return self._clients[key]

    def _arn(self, service: str, resource: str, *, region: str = REGION) -> str:
        return f"arn:aws:{service}:{region}:{ACCOUNT_ID}:{resource}"

    @staticmethod
    def _name(name: str, inputs: dict[str, Any], key: str = "name") -> str:
        return str(inputs.get(key) or f"{name}-{_suffix()}")

    def _generic(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        service = typ.split(":")[1].split("/")[0]
        kind = typ.rsplit(":", 1)[-1]
        physical = self._name(name, inputs)
        outputs = {"arn": self._arn(service, f"{kind.lower()}/{physical}"), "name": physical}
        for computed in ("intentId", "slotId", "slotTypeId"):
            outputs[computed] = _suffix(10, string.ascii_uppercase + string.digits)
        outputs.update(inputs)
        return physical, outputs

    def _iam(self, kind: str) -> Callable[[str, str, dict[str, Any]], tuple[str, dict[str, Any]]]:
        def handler(typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
            physical = self._name(name, inputs)
            arn = f"arn:aws:iam::{ACCOUNT_ID}:{kind}/{physical}"
            return physical, {**inputs, "name": physical, "arn": arn, "uniqueId": _suffix(21).upper()}

        return handler

    # -- data -------------------------------------------------------------------------------------

    def _table(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        table = self._name(name, inputs)
        request: dict[str, Any] = {
            "TableName": table,
            "BillingMode": inputs.get("billingMode", "PROVISIONED"),
            "AttributeDefinitions": [
                {"AttributeName": a["name"], "AttributeType": a["type"]} for a in inputs.get("attributes", [])
            ],
            "KeySchema": _key_schema(inputs.get("hashKey"), inputs.get("rangeKey")),
        }
        if request["BillingMode"] == "PROVISIONED":
            request["ProvisionedThroughput"] = _throughput(inputs)
        indexes = []
        for index in inputs.get("globalSecondaryIndexes") or []:
            if index.get("keySchemas"):
                schema = [
                    {"AttributeName": k["attributeName"], "KeyType": k["keyType"]}
                    for k in index["keySchemas"]
                ]
            else:
                schema = _key_schema(index.get("hashKey"), index.get("rangeKey"))
            projection: dict[str, Any] = {"ProjectionType": index.get("projectionType", "ALL")}
            if index.get("nonKeyAttributes"):
                projection["NonKeyAttributes"] = index["nonKeyAttributes"]
            gsi: dict[str, Any] = {"IndexName": index["name"], "KeySchema": schema, "Projection": projection}
            if request["BillingMode"] == "PROVISIONED":
                gsi["ProvisionedThroughput"] = _throughput(index)
            indexes.append(gsi)
        if indexes:
            request["GlobalSecondaryIndexes"] = indexes
        client = self._client("dynamodb")
        described = client.create_table(**request)["TableDescription"]
        ttl = inputs.get("ttl") or {}
        if ttl.get("enabled") and ttl.get("attributeName"):
            client.update_time_to_live(
                TableName=table,
                TimeToLiveSpecification={"Enabled": True, "AttributeName": ttl["attributeName"]},
            )
        self._progress(f"table {table} with {len(indexes)} index(es)")
        return table, {**inputs, "name": table, "arn": described["TableArn"], "streamArn": ""}

    def _table_item(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        item = json.loads(inputs["item"])
        self._client("dynamodb").put_item(TableName=inputs["tableName"], Item=item)
        deserializer = TypeDeserializer()
        self.deployment.table_items.append(_plain({k: deserializer.deserialize(v) for k, v in item.items()}))
        hash_value = next(iter(item[inputs["hashKey"]].values()))
        return f"{inputs['tableName']}|{inputs['hashKey']}||{hash_value}|", inputs

    # -- workflow and functions -------------------------------------------------------------------

    def _state_machine(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        machine = self._name(name, inputs)
        self._progress(f"state machine {machine} (the first one loads the interpreter: a few seconds)")
        created = self._client("stepfunctions").create_state_machine(
            name=machine,
            definition=inputs["definition"],
            roleArn=inputs["roleArn"],
            type=inputs.get("type", "STANDARD"),
        )
        arn = created["stateMachineArn"]
        return arn, {**inputs, "name": machine, "arn": arn, "status": "ACTIVE", "stateMachineVersionArn": ""}

    def _function(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        function = self._name(name, inputs)
        arn = self._arn("lambda", f"function:{function}")
        variables = dict((inputs.get("environment") or {}).get("variables") or {})
        self.deployment.functions[function] = LocalFunction(
            logical_name=name,
            name=function,
            arn=arn,
            handler=str(inputs.get("handler", "")),
            environment={k: str(v) for k, v in variables.items()},
            timeout_seconds=int(inputs.get("timeout") or 3),
            memory_mb=int(inputs.get("memorySize") or 128),
            code_paths=_archive_paths(inputs.get("code")),
        )
        invoke_arn = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"
        return function, {
            **inputs,
            "name": function,
            "arn": arn,
            "qualifiedArn": f"{arn}:$LATEST",
            "invokeArn": invoke_arn,
            "qualifiedInvokeArn": invoke_arn.replace(arn, f"{arn}:$LATEST"),
            "version": "$LATEST",
        }

    def _invoke_config(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        function = self.deployment.functions.get(str(inputs.get("functionName")).rsplit(":", 1)[-1])
        if function is None:
            raise DeploymentError(f"invoke config '{name}' names a function the program did not declare")
        if inputs.get("maximumRetryAttempts") is not None:
            function.async_retries = int(inputs["maximumRetryAttempts"])
        destination = ((inputs.get("destinationConfig") or {}).get("onFailure") or {}).get("destination")
        if destination:
            function.on_failure = str(destination)
        return function.name, inputs

    def _schedule(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        target = inputs.get("target") or {}
        arn = str(target.get("arn", ""))
        if arn.rsplit(":", 1)[-1] not in self.deployment.functions:
            raise DeploymentError(f"schedule '{name}' targets {arn!r}, not a function the program declared")
        physical = self._name(name, inputs)
        self.deployment.schedules.append(
            LocalSchedule(
                physical, str(inputs.get("scheduleExpression", "")), arn, str(target.get("input") or "{}")
            )
        )
        return physical, {
            **inputs,
            "name": physical,
            "arn": self._arn("scheduler", f"schedule/default/{physical}"),
        }

    def _permission(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        self.deployment.permissions.append(
            LocalPermission(
                function=str(inputs.get("function", "")),
                principal=str(inputs.get("principal", "")),
                action=str(inputs.get("action", "")),
                source_arn=inputs.get("sourceArn"),
            )
        )
        statement = str(inputs.get("statementId") or f"{name}-{_suffix()}")
        return statement, {**inputs, "statementId": statement}

    # -- HTTP API ---------------------------------------------------------------------------------

    def _api(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        api_id = _suffix(10, string.ascii_lowercase + string.digits)
        endpoint = f"{self.deployment.base_url}{EXECUTE_API_PATH}"
        execution_arn = self._arn("execute-api", api_id)
        self.deployment.apis[api_id] = LocalApi(
            api_id, endpoint, execution_arn, inputs.get("corsConfiguration")
        )
        return api_id, {
            **inputs,
            "name": self._name(name, inputs),
            "apiEndpoint": endpoint,
            "executionArn": execution_arn,
            "arn": f"arn:aws:apigateway:{REGION}::/apis/{api_id}",
        }

    def _stage(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        api = self.deployment.apis.get(str(inputs.get("apiId")))
        if api is None:
            raise DeploymentError(f"stage '{name}' names an API the program did not declare")
        stage = str(inputs.get("name") or name)
        api.stage_names.append(stage)
        invoke_url = f"{api.endpoint}/" if stage == "$default" else f"{api.endpoint}/{stage}"
        return stage, {
            **inputs,
            "name": stage,
            "invokeUrl": invoke_url,
            "executionArn": f"{api.execution_arn}/{stage}",
            "arn": f"arn:aws:apigateway:{REGION}::/apis/{api.api_id}/stages/{stage}",
        }

    def _integration(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        integration_id = _suffix(7, string.ascii_lowercase + string.digits)
        self.deployment.integrations[integration_id] = LocalIntegration(
            integration_id=integration_id,
            api_id=str(inputs.get("apiId")),
            integration_type=str(inputs.get("integrationType", "")),
            uri=str(inputs.get("integrationUri", "")),
            # AWS's default is 1.0 for proxy integrations; a program that forgets "2.0" must break here too.
            payload_format_version=str(inputs.get("payloadFormatVersion") or "1.0"),
        )
        return integration_id, inputs

    def _route(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        self.deployment.routes.append(
            LocalRoute(
                api_id=str(inputs.get("apiId")),
                route_key=str(inputs["routeKey"]),
                target=inputs.get("target"),
                authorization_type=str(inputs.get("authorizationType") or "NONE"),
                authorizer_id=inputs.get("authorizerId"),
            )
        )
        return _suffix(7, string.ascii_lowercase + string.digits), inputs

    def _authorizer(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if str(inputs.get("apiId")) not in self.deployment.apis:
            raise DeploymentError(f"authorizer '{name}' names an API the program did not declare")
        authorizer_id = _suffix(6, string.ascii_lowercase + string.digits)
        try:
            self.deployment.authorizers[authorizer_id] = JwtAuthorizer.from_inputs(authorizer_id, inputs)
        except ValueError as exc:
            raise DeploymentError(f"authorizer '{name}': {exc}") from exc
        return authorizer_id, inputs

    # -- Cognito ----------------------------------------------------------------------------------

    def _user_pool(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        pool_name = self._name(name, inputs)
        request: dict[str, Any] = {"PoolName": pool_name}
        admin = inputs.get("adminCreateUserConfig") or {}
        if admin:
            request["AdminCreateUserConfig"] = {
                "AllowAdminCreateUserOnly": bool(admin.get("allowAdminCreateUserOnly", False))
            }
        policy = inputs.get("passwordPolicy") or {}
        if policy:
            request["Policies"] = {
                "PasswordPolicy": {
                    "MinimumLength": int(policy.get("minimumLength") or 8),
                    "RequireUppercase": bool(policy.get("requireUppercase", True)),
                    "RequireLowercase": bool(policy.get("requireLowercase", True)),
                    "RequireNumbers": bool(policy.get("requireNumbers", True)),
                    "RequireSymbols": bool(policy.get("requireSymbols", True)),
                }
            }
        if inputs.get("autoVerifiedAttributes"):
            request["AutoVerifiedAttributes"] = list(inputs["autoVerifiedAttributes"])
        if inputs.get("usernameAttributes"):
            request["UsernameAttributes"] = list(inputs["usernameAttributes"])
        client = self._client("cognito-idp")
        pool = client.create_user_pool(**request)["UserPool"]
        mfa = str(inputs.get("mfaConfiguration") or "OFF")
        if mfa != "OFF":
            totp = bool((inputs.get("softwareTokenMfaConfiguration") or {}).get("enabled"))
            client.set_user_pool_mfa_config(
                UserPoolId=pool["Id"], SoftwareTokenMfaConfiguration={"Enabled": totp}, MfaConfiguration=mfa
            )
        self.deployment.user_pools[pool["Id"]] = pool_name
        self._progress(f"user pool {pool_name} ({pool['Id']}, MFA {mfa})")
        return pool["Id"], {
            **inputs,
            "name": pool_name,
            "arn": pool["Arn"],
            "endpoint": f"cognito-idp.{REGION}.amazonaws.com/{pool['Id']}",
        }

    def _user_pool_client(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        pool_id = str(inputs.get("userPoolId"))
        if pool_id not in self.deployment.user_pools:
            raise DeploymentError(f"app client '{name}' names a user pool the program did not declare")
        request: dict[str, Any] = {
            "UserPoolId": pool_id,
            "ClientName": self._name(name, inputs),
            "GenerateSecret": bool(inputs.get("generateSecret", False)),
        }
        if inputs.get("explicitAuthFlows"):
            request["ExplicitAuthFlows"] = list(inputs["explicitAuthFlows"])
        created = self._client("cognito-idp").create_user_pool_client(**request)["UserPoolClient"]
        return created["ClientId"], {**inputs, "name": request["ClientName"], "clientSecret": ""}

    def _user_group(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        pool_id = str(inputs.get("userPoolId"))
        if pool_id not in self.deployment.user_pools:
            raise DeploymentError(f"group '{name}' names a user pool the program did not declare")
        group = str(inputs["name"])
        request = {"UserPoolId": pool_id, "GroupName": group}
        if inputs.get("description"):
            request["Description"] = str(inputs["description"])
        self._client("cognito-idp").create_group(**request)
        return f"{pool_id}/{group}", inputs

    # -- site -------------------------------------------------------------------------------------

    def _bucket(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        bucket = str(inputs.get("bucket") or f"{name.lower()}-{_suffix()}")
        self._client("s3").create_bucket(
            Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION}
        )
        return bucket, {
            **inputs,
            "bucket": bucket,
            "arn": f"arn:aws:s3:::{bucket}",
            "bucketDomainName": f"{bucket}.s3.amazonaws.com",
            "bucketRegionalDomainName": f"{bucket}.s3.{REGION}.amazonaws.com",
            "region": REGION,
        }

    def _bucket_object(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        if inputs.get("content") is not None:
            body = str(inputs["content"]).encode()
        elif inputs.get("contentBase64") is not None:
            import base64

            body = base64.b64decode(inputs["contentBase64"])
        else:
            body = _asset_bytes(inputs.get("source"))
        bucket, key = str(inputs["bucket"]), str(inputs["key"])
        content_type = str(inputs.get("contentType") or "binary/octet-stream")
        self._client("s3").put_object(Bucket=bucket, Key=key, Body=body, ContentType=content_type)
        self.deployment.objects[(bucket, key)] = SiteObject(
            bucket, key, body, content_type, inputs.get("cacheControl")
        )
        return key, {**inputs, "etag": _suffix(32), "versionId": ""}

    def _distribution(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        distribution_id = "E" + _suffix(13, string.ascii_uppercase + string.digits)
        self.deployment.distributions.append(inputs)
        domain = self.deployment.base_url.removeprefix("http://")
        return distribution_id, {
            **inputs,
            "domainName": domain,
            "arn": f"arn:aws:cloudfront::{ACCOUNT_ID}:distribution/{distribution_id}",
            "hostedZoneId": "Z2FDTNDATAQYW2",
            "status": "Deployed",
            "etag": _suffix(14).upper(),
        }

    def _response_headers_policy(
        self, typ: str, name: str, inputs: dict[str, Any]
    ) -> tuple[str, dict[str, Any]]:
        policy_id = f"{_suffix(8)}-{_suffix(4)}-{_suffix(4)}-{_suffix(4)}-{_suffix(12)}"
        self.deployment.response_headers_policies[policy_id] = inputs
        return policy_id, {**inputs, "etag": _suffix(14).upper(), "arn": ""}

    def _edge_function(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        function = self._name(name, inputs)
        arn = f"arn:aws:cloudfront::{ACCOUNT_ID}:function/{function}"
        self.deployment.edge_functions[arn] = str(inputs.get("code", ""))
        return function, {
            **inputs,
            "name": function,
            "arn": arn,
            "etag": _suffix(14).upper(),
            "status": "DEPLOYED",
        }

    def _web_acl(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        acl_id = f"{_suffix(8)}-{_suffix(4)}-{_suffix(4)}-{_suffix(4)}-{_suffix(12)}"
        acl_name = self._name(name, inputs)
        scope = "global" if inputs.get("scope") == "CLOUDFRONT" else REGION
        arn = f"arn:aws:wafv2:{'us-east-1' if scope == 'global' else REGION}:{ACCOUNT_ID}:{scope}/webacl/"
        arn += f"{acl_name}/{acl_id}"
        self.deployment.web_acls[arn] = inputs
        return acl_id, {**inputs, "name": acl_name, "arn": arn, "capacity": 0, "lockToken": _suffix(36)}

    # Bedrock has no emulator (moto 5.2 has neither guardrails nor Converse): the guardrail is recorded with
    # the ids AWS would give it. The notification function runs with NOTIFIER=template here (see
    # LOCAL_FUNCTION_OVERRIDES), unless the runtime's Converse stand-in answers it (`local/converse.py`,
    # which checks that a call names this guardrail and version; it applies none of the policies).
    def _guardrail(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        guardrail_id = _suffix(12, string.ascii_lowercase + string.digits)
        arn = self._arn("bedrock", f"guardrail/{guardrail_id}")
        versions = {"DRAFT"}  # the working draft can always be named
        self.deployment.guardrails[guardrail_id] = self.deployment.guardrails[arn] = versions
        outputs = {"guardrailId": guardrail_id, "guardrailArn": arn, "version": "DRAFT", "status": "READY"}
        return f"{guardrail_id},DRAFT", {**inputs, "name": self._name(name, inputs), **outputs}

    def _guardrail_version(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        versions = self.deployment.guardrails.get(str(inputs.get("guardrailArn")))
        if versions is None:
            raise DeploymentError(f"guardrail version '{name}' names no guardrail the program declared")
        version = str(len(versions))  # versions are numbered from 1 as they are published
        versions.add(version)
        return f"{inputs.get('guardrailArn')},{version}", {**inputs, "version": version}

    def _provider(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        # An explicit provider (the web ACL's us-east-1 one): everything here runs on one emulator.
        return f"{name}-{_suffix()}", inputs

    # -- everything else that has an emulator -----------------------------------------------------

    def _log_group(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        group = self._name(name, inputs)
        return group, {**inputs, "name": group, "arn": self._arn("logs", f"log-group:{group}")}

    def _topic(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        topic = self._name(name, inputs)
        arn = self._client("sns").create_topic(Name=topic)["TopicArn"]
        return arn, {**inputs, "name": topic, "arn": arn}

    def _sms_preferences(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        names = {
            "defaultSmsType": "DefaultSMSType",
            "defaultSenderId": "DefaultSenderID",
            "monthlySpendLimit": "MonthlySpendLimit",
        }
        attributes = {aws: str(inputs[key]) for key, aws in names.items() if inputs.get(key) is not None}
        if attributes:
            self._client("sns").set_sms_attributes(attributes=attributes)
        return f"{name}_id", inputs

    # -- secrets and dynamic resources ------------------------------------------------------------

    def _kms_key(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        key = self._client("kms").create_key(Description=str(inputs.get("description") or name))[
            "KeyMetadata"
        ]
        if inputs.get("enableKeyRotation"):
            self._client("kms").enable_key_rotation(KeyId=key["KeyId"])
        return key["KeyId"], {**inputs, "arn": key["Arn"], "keyId": key["KeyId"]}

    def _kms_alias(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        alias = str(inputs["name"])
        self._client("kms").create_alias(AliasName=alias, TargetKeyId=str(inputs["targetKeyId"]))
        return alias, {**inputs, "arn": self._arn("kms", alias)}

    def _parameter(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        # SecureString with the stack's key, as on AWS: the functions read it through SSM (Powertools).
        parameter = self._name(name, inputs)
        # The program writes secrets write-only (`valueWo`, never in state); plain values come as `value`.
        value = inputs["valueWo"] if inputs.get("valueWo") is not None else inputs["value"]
        request = {"Name": parameter, "Value": str(value), "Type": str(inputs.get("type") or "String")}
        if inputs.get("keyId"):
            request["KeyId"] = str(inputs["keyId"])
        if inputs.get("description"):
            request["Description"] = str(inputs["description"])
        self._client("ssm").put_parameter(**request)
        arn = self._arn("ssm", f"parameter/{parameter.lstrip('/')}")
        return parameter, {**inputs, "name": parameter, "arn": arn, "version": 1}

    def _random_bytes(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        import base64

        raw = secrets.token_bytes(int(inputs.get("length", 32)))
        encoded = base64.b64encode(raw).decode()
        return encoded, {**inputs, "base64": encoded, "hex": raw.hex()}

    def _random_string(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        alphabet = string.ascii_letters + string.digits
        value = "".join(secrets.choice(alphabet) for _ in range(int(inputs.get("length", 32))))
        return "none", {**inputs, "result": value, "bcryptHash": ""}

    def _random_id(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        import base64

        raw = secrets.token_bytes(int(inputs.get("byteLength", 8)))
        b64url = base64.urlsafe_b64encode(raw).decode().rstrip("=")
        return b64url, {
            **inputs,
            "b64Url": b64url,
            "b64Std": base64.b64encode(raw).decode(),
            "hex": raw.hex(),
            "dec": str(int.from_bytes(raw, "big")),
        }

    def _dynamic(self, typ: str, name: str, inputs: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        # The Lex bot's build/version/alias resource: no Lex emulator exists, so it is only remembered.
        visible = {k: v for k, v in inputs.items() if not k.startswith("__")}
        self.deployment.bots.append(visible)
        alias = _suffix(10, string.ascii_uppercase + string.digits)
        outputs = dict(inputs)
        for key in ("botAliasId", "bot_alias_id", "aliasId", "alias_id"):
            outputs[key] = alias
        for key in ("botVersion", "bot_version"):
            outputs[key] = "1"
        return f"{name}-{alias}", outputs


# How the Pulumi wire format marks a secret: {_SIGNATURE_KEY: _SECRET_SIGNATURE, "value": ...}
_SIGNATURE_KEY = rpc._special_sig_key
_SECRET_SIGNATURE = rpc._special_secret_sig


def _reveal(value: Any) -> Any:
    """Unwrap secrets: the emulator needs the plain value (a function's environment holds the HMAC key)."""
    if isinstance(value, dict):
        if value.get(_SIGNATURE_KEY) == _SECRET_SIGNATURE:
            return _reveal(value.get("value"))
        return {k: _reveal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_reveal(v) for v in value]
    return value


def _key_schema(hash_key: str | None, range_key: str | None) -> list[dict[str, str]]:
    if not hash_key:
        raise DeploymentError("a table or index declares no hash key")
    schema = [{"AttributeName": hash_key, "KeyType": "HASH"}]
    if range_key:
        schema.append({"AttributeName": range_key, "KeyType": "RANGE"})
    return schema


def _throughput(inputs: Mapping[str, Any]) -> dict[str, int]:
    return {
        "ReadCapacityUnits": int(inputs.get("readCapacity") or 1),
        "WriteCapacityUnits": int(inputs.get("writeCapacity") or 1),
    }


def _policy_document(args: Mapping[str, Any]) -> dict[str, Any]:
    statements = []
    for statement in args.get("statements") or []:
        rendered: dict[str, Any] = {"Effect": statement.get("effect", "Allow")}
        if statement.get("sid"):
            rendered["Sid"] = statement["sid"]
        for key, aws_key in (("actions", "Action"), ("resources", "Resource")):
            if statement.get(key):
                rendered[aws_key] = statement[key]
        for principal in statement.get("principals") or []:
            rendered.setdefault("Principal", {})[principal["type"]] = principal["identifiers"]
        statements.append(rendered)
    return {"Version": "2012-10-17", "Statement": statements}


def _rewrite_loopback(value: Any, base_url: str) -> Any:
    """The local distribution is plain HTTP on loopback: `https://<its domain>` becomes `http://...`."""
    secure = "https://" + base_url.removeprefix("http://")
    if isinstance(value, str):
        return value.replace(secure, base_url)
    if isinstance(value, dict):
        return {k: _rewrite_loopback(v, base_url) for k, v in value.items()}
    if isinstance(value, list):
        return [_rewrite_loopback(v, base_url) for v in value]
    return value


def stack_config(project_dir: Path, stack: str, overrides: Mapping[str, str]) -> tuple[str, dict[str, str]]:
    """The project's name and the stack's config as the Pulumi engine hands it to the program."""
    project = yaml.safe_load((project_dir / "Pulumi.yaml").read_text())["name"]
    stack_file = project_dir / f"Pulumi.{stack}.yaml"
    declared = (yaml.safe_load(stack_file.read_text()) or {}).get("config") or {}
    config: dict[str, str] = {}
    for key, value in {**declared, **overrides}.items():
        full_key = key if ":" in key else f"{project}:{key}"
        if isinstance(value, dict) and "secure" in value:
            raise DeploymentError(
                f"{stack_file.name}: secret '{key}' cannot be decrypted without the Pulumi CLI"
            )
        config[full_key] = value if isinstance(value, str) else json.dumps(value)
    return project, config


def deploy(
    project_dir: Path,
    *,
    stack: str,
    base_url: str,
    config_overrides: Mapping[str, str],
    progress: Callable[[str], None],
    heartbeat: Callable[[], None] = lambda: None,
    function_overrides: Mapping[str, str] = LOCAL_FUNCTION_OVERRIDES,
) -> Deployment:
    """Evaluate the program in `project_dir` and materialise it on the emulator behind `base_url`;
    `heartbeat` is called after each resource; `function_overrides` replace what has no emulator."""
    from pulumi.runtime.stack import run_pulumi_func
    from pulumi.runtime.sync_await import _sync_await

    project, config = stack_config(project_dir, stack, config_overrides)
    deployment = Deployment(base_url=base_url)
    cloud = LocalCloud(deployment, base_url, progress=progress, heartbeat=heartbeat)
    pulumi.runtime.set_all_config(config)
    pulumi.runtime.set_mocks(cloud, project=project, stack=stack, preview=False)

    async def program() -> None:
        runpy.run_path(str(project_dir / "__main__.py"), run_name="__main__")
        root = pulumi.runtime.get_root_resource()
        outputs = getattr(root, "outputs", {})
        deployment.outputs = await pulumi.Output.from_input(dict(outputs)).future() or {}

    sys.path.insert(0, str(project_dir))
    previous = Path.cwd()
    os.chdir(project_dir)  # the program reads its own files (site/, handlers/) relative to the project
    try:
        _sync_await(run_pulumi_func(program))
    finally:
        os.chdir(previous)

    deployment.outputs = _rewrite_loopback(_plain(deployment.outputs), base_url)
    for function in deployment.functions.values():
        function.environment = _rewrite_loopback(function.environment, base_url)
        function.environment.update(function_overrides)
    for api in deployment.apis.values():
        api.cors = _rewrite_loopback(dict(api.cors), base_url) if api.cors else None
    for obj in deployment.objects.values():
        if obj.content_type.startswith(("text/", "application/javascript", "application/json")):
            text = _rewrite_loopback(obj.body.decode(), base_url)
            obj.body = text.replace(COGNITO_ENDPOINT, f"{base_url}{COGNITO_PATH}").encode()
    # The console's CSP names the Cognito endpoint the page calls: here, the runtime's own path to it.
    deployment.response_headers_policies = {
        policy_id: json.loads(json.dumps(policy).replace(COGNITO_ENDPOINT, f"{base_url}{COGNITO_PATH}"))
        for policy_id, policy in deployment.response_headers_policies.items()
    }
    return deployment
