"""Pulumi mocks for the infrastructure tests: record every resource, answer the outputs AWS would compute.

Outputs a mock does not return resolve to None (with `preview=False`), so every output a test or a
component reads is answered here, in the shape AWS gives it.
"""

from __future__ import annotations

import base64
import json
from pathlib import Path
from typing import Any

import pulumi
import yaml

ROOT = Path(__file__).resolve().parents[2]
PROJECT = "partner-confirm"
REGION = "ap-northeast-2"
ACCOUNT = "123456789012"
BOT_ALIAS_ID = "TSTALIAS01"
BOT_VERSION = "1"
GUARDRAIL_ID = "gr0abc123def"
GUARDRAIL_VERSION = "1"
KMS_KEY_ID = "1234abcd-12ab-34cd-56ef-1234567890ab"


def _physical_name(args: pulumi.runtime.MockResourceArgs) -> str:
    return str(args.inputs.get("name") or f"{args.name}-0a1b2c3")


def computed_outputs(args: pulumi.runtime.MockResourceArgs) -> dict[str, Any]:
    """What AWS computes for the resource types the program declares."""
    name = _physical_name(args)
    typ = args.typ
    if typ == "aws:dynamodb/table:Table":
        return {"name": name, "arn": f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/{name}"}
    if typ == "aws:lambda/function:Function":
        arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{name}"
        invoke = f"arn:aws:apigateway:{REGION}:lambda:path/2015-03-31/functions/{arn}/invocations"
        return {"name": name, "arn": arn, "invokeArn": invoke}
    if typ == "aws:iam/role:Role":
        return {"name": name, "arn": f"arn:aws:iam::{ACCOUNT}:role/{name}"}
    if typ == "aws:cloudwatch/logGroup:LogGroup":
        return {"name": name, "arn": f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:{name}"}
    if typ == "aws:sfn/stateMachine:StateMachine":
        return {"name": name, "arn": f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:{name}"}
    if typ == "aws:apigatewayv2/api:Api":
        api_id = "a1b2c3d4e5"
        return {
            "apiEndpoint": f"https://{api_id}.execute-api.{REGION}.amazonaws.com",
            "executionArn": f"arn:aws:execute-api:{REGION}:{ACCOUNT}:{api_id}",
            "arn": f"arn:aws:apigateway:{REGION}::/apis/{api_id}",
        }
    if typ == "aws:cloudfront/distribution:Distribution":
        return {
            "domainName": "d111111abcdef8.cloudfront.net",
            "arn": f"arn:aws:cloudfront::{ACCOUNT}:distribution/E2EXAMPLE",
        }
    if typ == "aws:cloudfront/function:Function":
        return {"arn": f"arn:aws:cloudfront::{ACCOUNT}:function/{name}"}
    if typ == "aws:s3/bucket:Bucket":
        return {
            "bucket": name,
            "arn": f"arn:aws:s3:::{name}",
            "bucketRegionalDomainName": f"{name}.s3.{REGION}.amazonaws.com",
        }
    if typ == "aws:sns/topic:Topic":
        return {"name": name, "arn": f"arn:aws:sns:{REGION}:{ACCOUNT}:{name}"}
    if typ == "aws:lex/v2modelsBot:V2modelsBot":
        return {"arn": f"arn:aws:lex:{REGION}:{ACCOUNT}:bot/BOT0000001"}
    if typ == "pulumi-python:dynamic:Resource":
        return {"botVersion": BOT_VERSION, "botAliasId": BOT_ALIAS_ID}
    if typ == "aws:kms/key:Key":
        return {"arn": f"arn:aws:kms:{REGION}:{ACCOUNT}:key/{KMS_KEY_ID}", "keyId": KMS_KEY_ID}
    if typ == "aws:ssm/parameter:Parameter":
        return {"name": name, "arn": f"arn:aws:ssm:{REGION}:{ACCOUNT}:parameter/{name.lstrip('/')}"}
    if typ == "random:index/randomPassword:RandomPassword":
        return {"result": "mock-origin-secret-0123456789abcdefghijklmnopq"}
    if typ == "aws:wafv2/webAcl:WebAcl":
        acl_id = "a1b2c3d4-0000-4000-8000-000000000000"
        return {"arn": f"arn:aws:wafv2:us-east-1:{ACCOUNT}:global/webacl/{name}/{acl_id}"}
    if typ == "aws:cognito/userPool:UserPool":
        pool_id = physical_id(args)
        return {
            "arn": f"arn:aws:cognito-idp:{REGION}:{ACCOUNT}:userpool/{pool_id}",
            "endpoint": f"cognito-idp.{REGION}.amazonaws.com/{pool_id}",
        }
    if typ == "random:index/randomBytes:RandomBytes":
        # Bytes of its own per resource name, the same each time: a resource kept across two runs keeps them.
        raw = f"mock-{name}".encode().ljust(32, b".")[:32]
        return {"base64": base64.b64encode(raw).decode(), "hex": raw.hex()}
    if typ == "aws:bedrock/guardrail:Guardrail":
        arn = f"arn:aws:bedrock:{REGION}:{ACCOUNT}:guardrail/{GUARDRAIL_ID}"
        return {"guardrailId": GUARDRAIL_ID, "guardrailArn": arn, "version": "DRAFT", "status": "READY"}
    if typ == "aws:bedrock/guardrailVersion:GuardrailVersion":
        return {"version": GUARDRAIL_VERSION}
    return {}


def physical_id(args: pulumi.runtime.MockResourceArgs) -> str:
    if args.typ == "aws:lex/v2modelsBot:V2modelsBot":
        return "BOT0000001"
    if args.typ == "aws:apigatewayv2/api:Api":
        return "a1b2c3d4e5"
    if args.typ == "aws:cloudfront/distribution:Distribution":
        return "E2EXAMPLE"
    if args.typ == "aws:cognito/userPool:UserPool":
        return f"{REGION}_CoNsOlE01"
    if args.typ == "aws:cognito/userPoolClient:UserPoolClient":
        return "1example23456789clientid0"
    return f"{args.name}-id"


def powertools_layer_for(parameter: str) -> str:
    """What AWS's public Powertools parameter answers: a layer ARN (the mock names the version in it)."""
    version = parameter.rsplit("/", 1)[-1].replace(".", "-")
    return f"arn:aws:lambda:{REGION}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:{version}"


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []
        self.answers: dict[str, tuple[str, dict[str, Any]]] = {}

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(args)
        answer = physical_id(args), {**args.inputs, **computed_outputs(args)}
        self.answers[args.name] = answer
        return answer

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        # (outputs, failures): the mock monitor iterates the failures, so never None.
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            user = f"arn:aws:iam::{ACCOUNT}:user/deployer"
            return {"accountId": ACCOUNT, "arn": user, "userId": "AIDAEXAMPLE", "id": ACCOUNT}, []
        if args.token == "aws:ssm/getParameter:getParameter":
            return {
                "name": args.args["name"],
                "value": powertools_layer_for(args.args["name"]),
                "type": "String",
            }, []
        return {}, []

    def of_type(self, typ: str) -> list[pulumi.runtime.MockResourceArgs]:
        return [resource for resource in self.resources if resource.typ == typ]

    def named(self, name: str) -> pulumi.runtime.MockResourceArgs:
        matches = [resource for resource in self.resources if resource.name == name]
        assert len(matches) == 1, f"expected one resource named {name}, found {len(matches)}"
        return matches[0]


# What an operator sets with `pulumi config set` before the first preview (docs/deploy.md), not in the file.
OPERATOR_CONFIG: dict[str, dict[str, str]] = {
    "demo": {"partner-confirm:alarmEmail": "ops@partner-confirm.kr"}
}


def stack_config(stack: str) -> dict[str, str]:
    """The stack's configuration as the engine hands it over: its file plus what the operator set."""
    return {**_file_config(stack), **OPERATOR_CONFIG.get(stack, {})}


def _file_config(stack: str) -> dict[str, str]:
    """`Pulumi.<stack>.yaml` as the engine hands it to the program: every value as text, objects as JSON."""
    document = yaml.safe_load((ROOT / f"Pulumi.{stack}.yaml").read_text(encoding="utf-8"))
    config: dict[str, str] = {}
    for key, value in (document.get("config") or {}).items():
        if isinstance(value, str):
            config[key] = value
        elif isinstance(value, bool):
            config[key] = "true" if value else "false"
        elif isinstance(value, int | float):
            config[key] = str(value)
        else:
            config[key] = json.dumps(value)
    return config


def use_mocks(stack: str = "dev", config: dict[str, str] | None = None) -> RecordingMocks:
    """Fresh mocks and config for one test (the Pulumi runtime is process-global state)."""
    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project=PROJECT, stack=stack, preview=False)
    pulumi.runtime.set_all_config(stack_config(stack) if config is None else config)
    return mocks
