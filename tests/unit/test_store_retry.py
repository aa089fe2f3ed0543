"""The store's retries of transient DynamoDB errors (handlers/store/retry.py), on a fake client."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError, ConnectTimeoutError, EndpointConnectionError, ReadTimeoutError

from handlers.models.errors import UnavailableError
from handlers.store import retry
from handlers.store.retry import RetryingClient, transient


def _error(code: str, status: int = 400, reasons: list[str] | None = None) -> ClientError:
    response: dict[str, Any] = {
        "Error": {"Code": code, "Message": "x"},
        "ResponseMetadata": {"HTTPStatusCode": status},
    }
    if reasons is not None:
        response["CancellationReasons"] = [{"Code": r} for r in reasons]
    return ClientError(response, "Operation")


class Fake:
    """Fails with `errors` in turn, then answers; records every call's parameters."""

    def __init__(self, *errors: Exception) -> None:
        self.errors = list(errors)
        self.calls: list[dict[str, Any]] = []
        self.meta = "the client's meta"

    def _call(self, **kwargs: Any) -> dict[str, Any]:
        self.calls.append(kwargs)
        if self.errors:
            raise self.errors.pop(0)
        return {"ok": True}

    transact_write_items = update_item = put_item = get_item = query = delete_item = _call


def _client(fake: Fake, remaining: float | None = None, sleeps: list[float] | None = None) -> RetryingClient:
    pauses = sleeps if sleeps is not None else []
    return RetryingClient(fake, sleep=pauses.append, jitter=lambda: 1.0, remaining=lambda: remaining)


@pytest.mark.parametrize(
    "error",
    [
        _error("ProvisionedThroughputExceededException"),
        _error("ThrottlingException"),
        _error("RequestLimitExceeded"),
        _error("InternalServerError", 500),
        _error("ServiceUnavailable", 503),
        _error("SomethingNew", 502),
        _error("TransactionConflictException"),
        _error("TransactionCanceledException", reasons=["None", "ThrottlingError"]),
        _error("TransactionCanceledException", reasons=["ProvisionedThroughputExceeded", "None"]),
        _error("TransactionCanceledException", reasons=["TransactionConflict", "None", "None"]),
        EndpointConnectionError(endpoint_url="https://dynamodb"),
        ConnectTimeoutError(endpoint_url="https://dynamodb"),
        ReadTimeoutError(endpoint_url="https://dynamodb"),
    ],
    ids=lambda e: e.response["Error"]["Code"] if isinstance(e, ClientError) else type(e).__name__,
)
def test_transient_errors_are_retried_until_the_call_succeeds(error: Exception) -> None:
    fake = Fake(error, error)

    assert transient(error)
    assert _client(fake).update_item(Key={}) == {"ok": True}
    assert len(fake.calls) == 3


@pytest.mark.parametrize(
    "error",
    [
        _error("ConditionalCheckFailedException"),
        _error("ValidationException"),
        _error("AccessDeniedException"),
        _error("TransactionCanceledException", reasons=["ConditionalCheckFailed", "None"]),
        # A condition failed next to a throttled item: the verdict is the condition's.
        _error("TransactionCanceledException", reasons=["ConditionalCheckFailed", "ThrottlingError"]),
        _error("TransactionCanceledException", reasons=["None", "ValidationError"]),
    ],
    ids=lambda e: "/".join(
        [e.response["Error"]["Code"], *(r["Code"] for r in e.response.get("CancellationReasons", []))]
    ),
)
def test_answers_are_not_retried(error: ClientError) -> None:
    fake = Fake(error)

    with pytest.raises(ClientError):
        _client(fake).transact_write_items(TransactItems=[])
    assert len(fake.calls) == 1


def test_a_transaction_keeps_one_request_token_across_its_retries() -> None:
    fake = Fake(
        _error("TransactionCanceledException", reasons=["ThrottlingError"]),
        ReadTimeoutError(endpoint_url="x"),
    )

    _client(fake).transact_write_items(TransactItems=[])

    tokens = {call["ClientRequestToken"] for call in fake.calls}
    assert len(fake.calls) == 3
    assert len(tokens) == 1


def test_two_transactions_get_two_request_tokens() -> None:
    fake = Fake()
    client = _client(fake)

    client.transact_write_items(TransactItems=[])
    client.transact_write_items(TransactItems=[])

    assert fake.calls[0]["ClientRequestToken"] != fake.calls[1]["ClientRequestToken"]


def test_backoff_grows_with_full_jitter_and_a_cap() -> None:
    sleeps: list[float] = []
    fake = Fake(*[_error("ThrottlingException")] * 8)

    _client(fake, sleeps=sleeps).get_item(Key={})

    assert sleeps == [min(retry.CAP_SECONDS, retry.BASE_SECONDS * 2**n) for n in range(1, 9)]


def test_jitter_spreads_the_waits() -> None:
    sleeps: list[float] = []
    fake = Fake(_error("ThrottlingException"))

    RetryingClient(fake, sleep=sleeps.append, jitter=lambda: 0.25, remaining=lambda: None).get_item(Key={})

    assert sleeps == [0.25 * retry.BASE_SECONDS * 2]


def test_retries_stop_within_the_invocations_remaining_time() -> None:
    fake = Fake(*[_error("ThrottlingException")] * 1000)
    # 2.5 s left and 2 s kept for answering: about half a second of retries.
    client = RetryingClient(fake, sleep=lambda _: None, jitter=lambda: 1.0, remaining=lambda: 2.5)

    with pytest.raises(UnavailableError):
        client.put_item(Item={})
    assert 1 < len(fake.calls) < 1000


def test_no_time_left_means_one_attempt_and_unavailable() -> None:
    fake = Fake(_error("InternalServerError", 500))

    with pytest.raises(UnavailableError):
        _client(fake, remaining=1.0).query(TableName="t")
    assert len(fake.calls) == 1


def test_other_attributes_pass_through() -> None:
    assert _client(Fake()).meta == "the client's meta"
