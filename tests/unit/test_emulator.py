"""The local runtime's repairs to moto: transactions keep no table copies alive and still roll back."""

from __future__ import annotations

import gc
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
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


def test_models_are_not_tracked_and_are_still_listed_live(table: Any, repaired: None) -> None:
    emulator.after_call()

    assert isinstance(Item.instances_tracked, emulator.LiveInstances)  # type: ignore[attr-defined]
    assert len(Item.instances_tracked) >= SEEDED  # type: ignore[attr-defined]
    assert all(type(item) is Item for item in Item.instances_tracked)  # type: ignore[attr-defined]
    assert vars(Item.instances_tracked) == {"_model": Item}  # type: ignore[attr-defined]  # holds no instance


def test_a_text_is_kept_once_and_the_outbox_still_reads_it(
    repaired: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.sns.models import sns_backends

    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}.items():
        monkeypatch.setenv(name, value)
    with mock_aws():
        boto3.client("sns", region_name="ap-northeast-2").publish(
            PhoneNumber="+821012345678", Message="안녕하세요"
        )
        backend = sns_backends[DEFAULT_ACCOUNT_ID]["ap-northeast-2"]

        assert emulator.drop_sms_models() == 1
        assert not backend.sms_message_objects
        assert list(backend.sms_messages.values()) == [("+821012345678", "안녕하세요")]


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


def _count_once(token: str, by: int = 1) -> dict[str, Any]:
    return {
        "TransactItems": [
            {
                "Update": {
                    "TableName": "t",
                    "Key": {"PK": {"S": "COUNTER"}, "SK": {"S": "A"}},
                    "UpdateExpression": "ADD hits :by",
                    "ExpressionAttributeValues": {":by": {"N": str(by)}},
                }
            },
            {
                "Put": {
                    "TableName": "t",
                    "Item": {"PK": {"S": f"ONCE#{token}"}, "SK": {"S": "A"}},
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
        ],
        "ClientRequestToken": token,
    }


def _hits(table: Any) -> int:
    item = table.get_item(TableName="t", Key={"PK": {"S": "COUNTER"}, "SK": {"S": "A"}})["Item"]
    return int(item["hits"]["N"])


def test_moto_alone_applies_a_repeated_client_request_token_again(table: Any) -> None:
    # What the repair is for: the store's retry after a lost answer fails the conditions it satisfied.
    table.transact_write_items(**_count_once("lost-answer"))
    with pytest.raises(ClientError) as refused:
        table.transact_write_items(**_count_once("lost-answer"))
    assert refused.value.response["Error"]["Code"] == "TransactionCanceledException"


def test_a_repeated_client_request_token_succeeds_without_applying_twice(table: Any, repaired: None) -> None:
    table.transact_write_items(**_count_once("lost-answer"))
    table.transact_write_items(**_count_once("lost-answer"))  # the retry after a lost answer
    table.transact_write_items(**_count_once("another"))

    assert _hits(table) == 2


def test_a_client_request_token_reused_for_another_request_is_refused(table: Any, repaired: None) -> None:
    table.transact_write_items(**_count_once("reused"))
    with pytest.raises(ClientError) as refused:
        table.transact_write_items(**_count_once("reused", by=5))

    assert refused.value.response["Error"]["Code"] == "IdempotentParameterMismatchException"
    assert _hits(table) == 1


def test_a_cancelled_transaction_does_not_claim_its_token(table: Any, repaired: None) -> None:
    table.put_item(TableName="t", Item={"PK": {"S": "ONCE#early"}, "SK": {"S": "A"}})
    for _ in range(2):  # cancelled both times: nothing was applied, so nothing is remembered
        with pytest.raises(ClientError) as refused:
            table.transact_write_items(**_count_once("early"))
        assert refused.value.response["Error"]["Code"] == "TransactionCanceledException"


def test_moto_answers_a_repeated_start_execution_as_step_functions_does(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # What `handlers/adapters/workflow.py` relies on when it starts again after a lost answer.
    import json

    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    waiting = {"StartAt": "W", "States": {"W": {"Type": "Wait", "Seconds": 60, "End": True}}}
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn = boto3.client("stepfunctions", region_name="ap-northeast-2")
        machine = sfn.create_state_machine(
            name="m", definition=json.dumps(waiting), roleArn="arn:aws:iam::123456789012:role/r"
        )["stateMachineArn"]
        first = sfn.start_execution(stateMachineArn=machine, name="req-1", input='{"requestId": "req-1"}')
        again = sfn.start_execution(stateMachineArn=machine, name="req-1", input='{"requestId": "req-1"}')
        with pytest.raises(ClientError) as other_input:
            sfn.start_execution(stateMachineArn=machine, name="req-1", input='{"requestId": "other"}')
        sfn.stop_execution(executionArn=first["executionArn"])
        for _ in range(100):  # the interpreter stops it on its own thread
            if sfn.describe_execution(executionArn=first["executionArn"])["status"] != "RUNNING":
                break
            time.sleep(0.05)
        with pytest.raises(ClientError) as ended:
            sfn.start_execution(stateMachineArn=machine, name="req-1", input='{"requestId": "req-1"}')
        executions = sfn.list_executions(stateMachineArn=machine)["executions"]

    assert again["executionArn"] == first["executionArn"]
    assert other_input.value.response["Error"]["Code"] == "ExecutionAlreadyExists"
    assert ended.value.response["Error"]["Code"] == "ExecutionAlreadyExists"
    assert len(executions) == 1


def _run_executions(count: int) -> tuple[Any, list[str]]:
    import json

    steps = {
        "StartAt": "A",
        "States": {
            "A": {"Type": "Pass", "Result": {"x": "y" * 200}, "ResultPath": "$.a", "Next": "B"},
            "B": {"Type": "Pass", "ResultPath": "$.b", "End": True},
        },
    }
    sfn = boto3.client("stepfunctions", region_name="ap-northeast-2")
    machine = sfn.create_state_machine(
        name="m", definition=json.dumps(steps), roleArn="arn:aws:iam::123456789012:role/r"
    )["stateMachineArn"]
    arns = []
    for index in range(count):
        arn = sfn.start_execution(stateMachineArn=machine, name=f"e{index}", input='{"n": 1}')["executionArn"]
        for _ in range(200):
            if sfn.describe_execution(executionArn=arn)["status"] != "RUNNING":
                break
            time.sleep(0.01)
        arns.append(arn)
    return sfn, arns


def _live(type_name: str) -> int:
    gc.collect()
    return sum(1 for obj in gc.get_objects() if type(obj).__name__ == type_name)


def test_ended_executions_keep_only_their_description_and_history(monkeypatch: pytest.MonkeyPatch) -> None:
    from moto.stepfunctions.parser.asl.eval.environment import Environment
    from moto.stepfunctions.parser.utils import TMP_THREADS

    for name, value in {"AWS_ACCESS_KEY_ID": "test", "AWS_SECRET_ACCESS_KEY": "test"}.items():
        monkeypatch.setenv(name, value)
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    with mock_aws(config={"stepfunctions": {"execute_state_machine": True}}):
        sfn, arns = _run_executions(10)
        time.sleep(0.2)  # the interpreter's threads finish just after the status changes
        before = [
            (sfn.describe_execution(executionArn=a), sfn.get_execution_history(executionArn=a)) for a in arns
        ]
        environments_before = _live(Environment.__name__)

        assert emulator.compact_ended_executions() == 10
        after = [
            (sfn.describe_execution(executionArn=a), sfn.get_execution_history(executionArn=a)) for a in arns
        ]

        assert environments_before >= 10  # today's moto keeps every ended execution's whole environment
        assert _live(Environment.__name__) == 0
        assert [t for t in TMP_THREADS if not t.is_alive()] == []

        def read(answers: list[tuple[dict[str, Any], dict[str, Any]]]) -> list[Any]:
            return [
                ({k: v for k, v in d.items() if k != "ResponseMetadata"}, h["events"]) for d, h in answers
            ]

        assert read(after) == read(before)
        assert [h["events"][-1]["type"] for _, h in after] == ["ExecutionSucceeded"] * 10
        assert len(_snapshots_of_executions()) == 1  # moto's ten equal copies of the machine, now one
        with pytest.raises(ClientError) as late:
            sfn.send_task_failure(taskToken="an-ended-callback", error="E")
        assert late.value.response["Error"]["Code"] == "InvalidToken"


def _snapshots_of_executions() -> set[int]:
    from moto.stepfunctions.parser.models import stepfunctions_parser_backends

    return {
        id(execution.state_machine)  # type: ignore[attr-defined]
        for regions in dict.values(stepfunctions_parser_backends)
        for backend in dict.values(regions)
        for machine in backend.state_machines
        for execution in machine.executions
    }


def test_items_long_past_their_ttl_leave_the_table_and_no_other_does(table: Any) -> None:
    ttl = {"Enabled": True, "AttributeName": "exp"}
    table.update_time_to_live(TableName="t", TimeToLiveSpecification=ttl)
    now = time.time()
    stamped = {"gone": now - emulator.EXPIRY_GRACE_SECONDS - 1, "just-expired": now - 1, "alive": now + 60}
    for name, expires in stamped.items():
        item = {"PK": {"S": name}, "SK": {"S": "A"}, "exp": {"N": str(int(expires))}}
        table.put_item(TableName="t", Item=item)

    assert emulator.expire_items(now) == 1

    left = {item["PK"]["S"] for item in table.scan(TableName="t")["Items"]}
    assert left == {"just-expired", "alive"} | {f"SEED#{index}" for index in range(SEEDED)}


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="VmRSS and malloc_trim are glibc/Linux's")
def test_memory_freed_on_a_request_thread_goes_back_to_the_system() -> None:
    # Every request runs on a thread of its own; glibc keeps what it freed in that thread's arena, between
    # the allocations that live on (here one in a hundred).
    survivors: list[bytearray] = []

    def request() -> None:
        buffers = [bytearray(4096) for _ in range(20_000)]
        survivors.extend(buffers[::100])

    thread = threading.Thread(target=request)
    thread.start()
    thread.join()
    before = _resident_bytes()

    assert emulator.give_back_freed_memory()
    assert before - _resident_bytes() > 40 * 2**20  # of the 78 MB freed


def _resident_bytes() -> int:
    status = Path("/proc/self/status").read_text()
    return int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmRSS:"))) * 1024


def test_items_share_their_attribute_names_and_short_values(table: Any, repaired: None) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    message = "안녕하세요. " * 20  # a long value stays the item's own
    for name in ("first", "second"):
        item = {"PK": {"S": name}, "SK": {"S": "A"}, "status": {"S": "Responded"}, "note": {"S": message}}
        table.put_item(TableName="t", Item=item)

    stored = dynamodb_backends[DEFAULT_ACCOUNT_ID]["ap-northeast-2"].tables["t"]
    first, second = (next(iter(stored.items[key].values())) for key in _keys(stored, "first", "second"))
    assert next(k for k in first.attrs if k == "status") is next(k for k in second.attrs if k == "status")
    assert first.attrs["status"].value is second.attrs["status"].value
    assert first.attrs["note"].value is not second.attrs["note"].value
    assert table.get_item(TableName="t", Key={"PK": {"S": "first"}, "SK": {"S": "A"}})["Item"] == {
        "PK": {"S": "first"},
        "SK": {"S": "A"},
        "status": {"S": "Responded"},
        "note": {"S": message},
    }


def _keys(stored: Any, *names: str) -> list[Any]:
    return [next(key for key in stored.items if key.value == name) for name in names]


def test_equal_values_of_written_items_become_one_object_and_updates_stay_their_own(
    table: Any, repaired: None
) -> None:
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.dynamodb.models import dynamodb_backends

    message = "안녕하세요. " * 20  # a long value stays the item's own
    for name in ("first", "second"):
        table.put_item(
            TableName="t",
            Item={
                "PK": {"S": name},
                "SK": {"S": "A"},
                "status": {"S": "Responded"},
                "count": {"N": "1"},
                "tags": {"SS": ["a"]},
                "reply": {"M": {"response": {"S": "accept"}, "at": {"L": [{"BOOL": True}]}}},
                "note": {"S": message},
            },
        )

    assert emulator.share_equal_values() >= 2
    assert emulator.share_equal_values() == 0  # nothing written since

    stored = dynamodb_backends[DEFAULT_ACCOUNT_ID]["ap-northeast-2"].tables["t"]
    first, second = (next(iter(stored.items[key].values())) for key in _keys(stored, "first", "second"))
    for name in ("status", "count"):
        assert first.attrs[name] is second.attrs[name]
    assert first.attrs["reply"] is not second.attrs["reply"]  # the map is each item's own...
    assert (
        first.attrs["reply"].value["response"] is second.attrs["reply"].value["response"]
    )  # ...its members not
    assert first.attrs["reply"].value["at"].value[0] is second.attrs["reply"].value["at"].value[0]
    assert first.attrs["note"] is not second.attrs["note"]
    assert first.attrs["tags"] is not second.attrs["tags"]  # sets change in place: never shared
    assert first.attrs["PK"] is first.hash_key

    # Changing one item, however the expression does it, leaves the other as it was.
    first_key = {"PK": {"S": "first"}, "SK": {"S": "A"}}
    table.update_item(
        TableName="t",
        Key=first_key,
        UpdateExpression="SET #s = :s, reply.#r = :r ADD #c :one, tags :b",
        ExpressionAttributeNames={"#s": "status", "#c": "count", "#r": "response"},
        ExpressionAttributeValues={
            ":s": {"S": "Closed"},
            ":r": {"S": "reject"},
            ":one": {"N": "1"},
            ":b": {"SS": ["b"]},
        },
    )
    second_item = table.get_item(TableName="t", Key={"PK": {"S": "second"}, "SK": {"S": "A"}})["Item"]
    assert (second_item["status"], second_item["count"], second_item["tags"]) == (
        {"S": "Responded"},
        {"N": "1"},
        {"SS": ["a"]},
    )
    assert second_item["reply"]["M"]["response"] == {"S": "accept"}
    first_item = table.get_item(TableName="t", Key=first_key)["Item"]
    assert (first_item["status"], first_item["count"]) == ({"S": "Closed"}, {"N": "2"})
    assert sorted(first_item["tags"]["SS"]) == ["a", "b"]
    assert first_item["reply"]["M"]["response"] == {"S": "reject"}
