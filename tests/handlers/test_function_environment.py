"""The local runtime runs every function in one process, each with its own environment."""

from __future__ import annotations

import json

import boto3

from handlers.settings import function_environment
from handlers.store.schema import create_table_request


def test_each_invocation_reads_its_own_function_environment(flow, settings_env, monkeypatch):
    request_id = flow.created()
    boto3.client("dynamodb", region_name="ap-northeast-2").create_table(**create_table_request("other-table"))
    for name in settings_env:
        monkeypatch.delenv(name)
    edge = {"ORIGIN_KEY_PARAMETER": settings_env["ORIGIN_KEY_PARAMETER"]}
    with function_environment({"TABLE_NAME": "other-table", **edge}):
        assert flow.status(request_id)["statusCode"] == 404
    with function_environment({"TABLE_NAME": settings_env["TABLE_NAME"], **edge}):
        assert json.loads(flow.status(request_id)["body"])["requestId"] == request_id
