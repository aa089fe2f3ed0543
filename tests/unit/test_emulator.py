"""The local runtime's repairs to moto: transactions keep no table copies alive and still roll back."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from moto import mock_aws
from moto.dynamodb.models.dynamo_type import Item

from local import emulator

SEEDED = 200
TRANSACTIONS = 20


@pytest.fixture
def table(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="ap-northeast-2")
        dynamodb.create_table(
            TableName="t",
            KeySchema=[
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[
                {"AttributeName": "PK", "AttributeType": "S"},
                {"AttributeName": "SK", "AttributeType": "S"},
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for index in range(SEEDED):
            dynamodb.put_item(TableName="t", Item={"PK": {"S": f"SEED#{index}"}, "SK": {"S": "A"}})
        yield dynamodb


@pytest.fixture
def repaired() -> Iterator[None]:
    emulator.install()
    yield
    emulator.uninstall()


def _live_items() -> int:
    gc.collect()
    return sum(1 for obj in gc.get_objects() if isinstance(obj, Item))


def _put(index: int) -> dict[str, Any]:
    return {"Put": {"TableName": "t", "Item": {"PK": {"S": f"TX#{index}"}, "SK": {"S": "A"}}}}


def test_transactions_keep_no_copy_of_the_table_alive(table: Any, repaired: None) -> None:
    before = _live_items()
    for index in range(TRANSACTIONS):
        table.transact_write_items(TransactItems=[_put(index)])
        emulator.after_call()

    # moto 5.2.5 alone keeps every backup copy: 20 transactions x 200 seeded items.
    assert _live_items() - before <= TRANSACTIONS * 3


def test_a_transaction_copies_only_the_items_it_names(
    table: Any, repaired: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    created: list[Any] = []
    monkeypatch.setattr(Item, "instances_tracked", created)  # moto appends every Item it creates

    table.transact_write_items(TransactItems=[_put(1), _put(2)])

    # moto 5.2.5 alone deep-copies the whole table first: 200 seeded items and more.
    assert len(created) <= 4


def test_a_cancelled_transaction_leaves_every_named_item_as_it_was(table: Any, repaired: None) -> None:
    table.put_item(TableName="t", Item={"PK": {"S": "REQ#1"}, "SK": {"S": "A"}, "status": {"S": "Created"}})

    with pytest.raises(ClientError) as raised:
        table.transact_write_items(
            TransactItems=[
                {
                    "Update": {
                        "TableName": "t",
                        "Key": {"PK": {"S": "REQ#1"}, "SK": {"S": "A"}},
                        "UpdateExpression": "SET #s = :s",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": {":s": {"S": "Responded"}},
                    }
                },
                _put(1),
                {
                    "ConditionCheck": {
                        "TableName": "t",
                        "Key": {"PK": {"S": "SEED#0"}, "SK": {"S": "A"}},
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
            ]
        )

    assert raised.value.response["Error"]["Code"] == "TransactionCanceledException"
    request = table.get_item(TableName="t", Key={"PK": {"S": "REQ#1"}, "SK": {"S": "A"}})["Item"]
    assert request["status"] == {"S": "Created"}
    assert "Item" not in table.get_item(TableName="t", Key={"PK": {"S": "TX#1"}, "SK": {"S": "A"}})
    assert table.scan(TableName="t", Select="COUNT")["Count"] == SEEDED + 1


def test_a_committed_transaction_writes_every_item(table: Any, repaired: None) -> None:
    table.transact_write_items(TransactItems=[_put(1), _put(2)])

    assert table.scan(TableName="t", Select="COUNT")["Count"] == SEEDED + 2


def test_tracking_still_lists_live_models(table: Any, repaired: None) -> None:
    emulator.after_call()

    assert isinstance(Item.instances_tracked, emulator.WeakTracking)  # type: ignore[attr-defined]
    assert len(list(Item.instances_tracked)) >= SEEDED  # type: ignore[attr-defined]


QUERIES: list[dict[str, Any]] = [
    {"KeyConditionExpression": "PK = :pk", "ExpressionAttributeValues": {":pk": {"S": "REQ#3"}}},
    {
        "KeyConditionExpression": "PK = :pk AND begins_with(SK, :e)",
        "ExpressionAttributeValues": {":pk": {"S": "REQ#3"}, ":e": {"S": "EVENT#"}},
        "ScanIndexForward": False,
        "Limit": 2,
    },
    {
        "IndexName": "GSI1",
        "KeyConditionExpression": "GSI1PK = :n AND GSI1SK = :p",
        "ExpressionAttributeValues": {":n": {"S": "RSV-4"}, ":p": {"S": "+821000000004"}},
    },
    {
        "IndexName": "GSI1",
        "KeyConditionExpression": "GSI1PK = :n",
        "ExpressionAttributeValues": {":n": {"S": "RSV-4"}},
    },
    {
        "IndexName": "GSI2",
        "KeyConditionExpression": "n = :n",
        "ExpressionAttributeValues": {":n": {"N": "7"}},
    },
]


@pytest.fixture
def indexed(monkeypatch: pytest.MonkeyPatch) -> Iterator[Any]:
    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    strings = ("PK", "SK", "GSI1PK", "GSI1SK")
    with mock_aws():
        dynamodb = boto3.client("dynamodb", region_name="ap-northeast-2")
        dynamodb.create_table(
            TableName="t",
            KeySchema=[
                {"AttributeName": "PK", "KeyType": "HASH"},
                {"AttributeName": "SK", "KeyType": "RANGE"},
            ],
            AttributeDefinitions=[{"AttributeName": n, "AttributeType": "S"} for n in strings]
            + [{"AttributeName": "n", "AttributeType": "N"}],
            GlobalSecondaryIndexes=[
                {
                    "IndexName": "GSI1",
                    "KeySchema": [
                        {"AttributeName": "GSI1PK", "KeyType": "HASH"},
                        {"AttributeName": "GSI1SK", "KeyType": "RANGE"},
                    ],
                    "Projection": {"ProjectionType": "ALL"},
                },
                {
                    "IndexName": "GSI2",
                    "KeySchema": [{"AttributeName": "n", "KeyType": "HASH"}],
                    "Projection": {"ProjectionType": "ALL"},
                },
            ],
            BillingMode="PAY_PER_REQUEST",
        )
        for request in range(8):
            for event in range(4):
                dynamodb.put_item(
                    TableName="t",
                    Item={
                        "PK": {"S": f"REQ#{request}"},
                        "SK": {"S": f"EVENT#{event}"},
                        "n": {"N": f"{(request + event) % 9}.0" if event % 2 else str((request + event) % 9)},
                    },
                )
            dynamodb.put_item(
                TableName="t",
                Item={
                    "PK": {"S": f"RSV#{request}"},
                    "SK": {"S": "A"},
                    "GSI1PK": {"S": f"RSV-{request % 5}"},
                    "GSI1SK": {"S": f"+82100000000{request % 5}"},
                },
            )
        yield dynamodb


@pytest.mark.parametrize("query", QUERIES, ids=lambda q: q["KeyConditionExpression"])
def test_a_query_answers_what_moto_alone_answers(indexed: Any, query: dict[str, Any]) -> None:
    alone = indexed.query(TableName="t", **query)
    emulator.install()
    try:
        repaired = indexed.query(TableName="t", **query)
    finally:
        emulator.uninstall()

    assert repaired["Count"] > 0
    assert repaired["Items"] == alone["Items"]
    assert repaired.get("LastEvaluatedKey") == alone.get("LastEvaluatedKey")
