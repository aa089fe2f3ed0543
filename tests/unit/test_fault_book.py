"""The local runtime's fault book: what a fault request may say, and which attempts a fault fails."""

from __future__ import annotations

from typing import Any

import pytest

from local.faults import FaultBook, FaultError

KEYS = {"intake", "orchestrator", "status"}


def _book(*specs: dict[str, Any]) -> FaultBook:
    book = FaultBook(KEYS)
    for spec in specs:
        book.add(spec)
    return book


@pytest.mark.parametrize(
    ("spec", "field"),
    [
        ({"operation": "dynamodb", "error": "timeout", "times": 1}, "operation"),
        ({"operation": "dynamodb.*", "error": "Boom", "times": 1}, "error"),
        ({"operation": "dynamodb.*", "error": "timeout"}, "times"),
        ({"operation": "dynamodb.*", "error": "timeout", "times": 1, "seconds": 2}, "times"),
        ({"operation": "dynamodb.*", "error": "timeout", "times": 0}, "times"),
        ({"operation": "dynamodb.*", "error": "timeout", "times": True}, "times"),
        ({"operation": "dynamodb.*", "error": "timeout", "seconds": -1}, "seconds"),
        ({"operation": "dynamodb.*", "error": "timeout", "times": 1, "function": "nobody"}, "function"),
        ({"operation": "dynamodb.*", "error": "timeout", "times": 1, "colour": "red"}, "colour"),
    ],
)
def test_a_fault_that_cannot_apply_is_refused_naming_its_field(spec: dict[str, Any], field: str) -> None:
    with pytest.raises(FaultError) as refused:
        FaultBook(KEYS).add(spec)

    assert refused.value.field == field


def test_a_counted_fault_fails_that_many_attempts_then_goes() -> None:
    book = _book({"operation": "dynamodb.TransactWriteItems", "error": "ThrottlingException", "times": 2})

    taken = [book.take("dynamodb.TransactWriteItems", "intake") for _ in range(3)]

    assert taken == ["ThrottlingException", "ThrottlingException", None]
    assert book.active() == []


def test_a_service_wide_fault_covers_every_operation_of_that_service_only() -> None:
    book = _book({"operation": "dynamodb.*", "error": "InternalServerError", "seconds": 60})

    assert book.take("dynamodb.GetItem", "status") == "InternalServerError"
    assert book.take("dynamodb.Query", "status") == "InternalServerError"
    assert book.take("sns.Publish", "status") is None
    assert book.active()[0]["hits"] == 2


def test_a_fault_for_one_function_leaves_the_others_and_the_runtime_alone() -> None:
    book = _book({"operation": "states.*", "error": "timeout", "times": 5, "function": "orchestrator"})

    assert book.take("states.StartExecution", "intake") is None
    assert book.take("states.StartExecution", None) is None  # the runtime's own call, not a function's
    assert book.take("states.StartExecution", "orchestrator") == "timeout"


def test_step_functions_is_named_as_calls_count_it() -> None:
    book = _book({"operation": "sfn.StartExecution", "error": "timeout", "times": 1})

    assert book.active()[0]["operation"] == "states.StartExecution"


def test_clearing_removes_every_fault() -> None:
    book = _book({"operation": "sns.*", "error": "timeout", "seconds": 60})

    book.clear()

    assert book.active() == []
    assert book.take("sns.Publish", "intake") is None


@pytest.mark.parametrize(
    ("service", "operation", "params", "error"),
    [
        ("sns", "Publish", {"PhoneNumber": "+821012345678", "Message": "본문"}, "ThrottlingException"),
        ("sns", "Publish", {"PhoneNumber": "+821012345678", "Message": "본문"}, "InternalServerError"),
        ("dynamodb", "GetItem", {"TableName": "t", "Key": {"PK": {"S": "x"}}}, "ThrottlingException"),
        (
            "stepfunctions",
            "StartExecution",
            {"stateMachineArn": "arn:aws:states:ap-northeast-2:1:stateMachine:m"},
            "ThrottlingException",
        ),
    ],
)
def test_an_injected_error_reaches_the_caller_as_that_services_error(
    service: str, operation: str, params: dict[str, Any], error: str
) -> None:
    # Each protocol gets its own error shape (SNS: XML; botocore sends its Content-Type as bytes there).
    import boto3
    from botocore import xform_name
    from botocore.config import Config
    from botocore.exceptions import ClientError

    from local.faults import _error_response

    client = boto3.client(
        service,
        region_name="ap-northeast-2",
        aws_access_key_id="test",
        aws_secret_access_key="test",
        config=Config(retries={"total_max_attempts": 1}),
    )
    event = f"before-send.{client.meta.service_model.service_id.hyphenize()}.{operation}"
    client.meta.events.register(event, lambda request, **_: _error_response(request, error))
    method = getattr(client, xform_name(operation))

    with pytest.raises(ClientError) as raised:
        method(**params)

    assert raised.value.response["Error"]["Code"] == error
