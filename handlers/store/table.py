"""The single-table store: the only module that speaks DynamoDB.

Every state change that must happen at most once is a conditional write; a lost condition becomes a
domain answer (or `False`), never a raw `ConditionalCheckFailedException`. Status changes and their
`EVENT#` items go in one transaction, so the timeline never disagrees with the status.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

from handlers.models.domain import ANSWERABLE, LIFECYCLE_ORDER, Status
from handlers.models.errors import RequestOpenError, TokenUsedError, WaitEndedError
from handlers.store import keys
from handlers.store.retry import RetryingClient
from handlers.store.schema import (
    GSI1,
    GSI1_PARTITION,
    GSI1_SORT,
    GSI2,
    GSI2_PARTITION,
    GSI2_SORT,
    TTL_ATTRIBUTE,
)

_WAIT_OVER = frozenset({Status.TIMEOUT.value, Status.FAILED.value, Status.CLOSED.value})
_serializer = TypeSerializer()
_deserializer = TypeDeserializer()

Item = dict[str, Any]


def to_dynamo(values: Mapping[str, Any]) -> dict[str, Any]:
    return {name: _serializer.serialize(value) for name, value in values.items() if value is not None}


def from_dynamo(item: Mapping[str, Any]) -> Item:
    return {name: _plain(_deserializer.deserialize(value)) for name, value in item.items()}


def _plain(value: Any) -> Any:
    """Numbers come back as Decimal; everything this table stores is integral."""
    if isinstance(value, Decimal):
        return int(value)
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


@dataclass(frozen=True, slots=True)
class Cancelled:
    """Why a transaction was cancelled: per action, the failed condition's code and the item before."""

    codes: tuple[str, ...]
    items: tuple[Item | None, ...]

    def failed(self, index: int) -> bool:
        return self.codes[index] == "ConditionalCheckFailed"


class TransactionCancelledError(Exception):
    def __init__(self, cancelled: Cancelled) -> None:
        super().__init__(f"transaction cancelled: {cancelled.codes}")
        self.cancelled = cancelled


def event_put(
    table: str,
    request_id: str,
    event_type: str,
    at_ms: int,
    details: Mapping[str, Any],
    retention_days: int = keys.DEFAULT_RETENTION_DAYS,
) -> Item:
    return {
        "Put": {
            "TableName": table,
            "Item": to_dynamo(
                {
                    "PK": keys.request_partition(request_id),
                    "SK": keys.event_sort_key(at_ms),
                    "eventType": event_type,
                    "at": at_ms,
                    "details": dict(details),
                    TTL_ATTRIBUTE: keys.retention_expiry(at_ms, retention_days),
                }
            ),
            "ConditionExpression": "attribute_not_exists(PK)",
        }
    }


def event_time_ms(event: Mapping[str, Any]) -> int:
    """An event's time in epoch milliseconds. The functions write `at` as that number; the workflow's own
    events (`components/state_machine.py`: a status it set when no function could) carry the ISO 8601 time
    Step Functions gives, since a workflow cannot compute the number."""
    at = event.get("at", 0)
    if isinstance(at, str):
        try:
            return int(datetime.fromisoformat(at).timestamp() * 1000)
        except ValueError:
            return 0
    return int(at)


class Store:
    def __init__(
        self, client: Any, table_name: str, *, retention_days: int = keys.DEFAULT_RETENTION_DAYS
    ) -> None:
        self._client = RetryingClient(client)
        self._table = table_name
        self._retention_days = retention_days

    # -- plumbing ------------------------------------------------------------------------------------

    def _transact_unless_first_refused(self, actions: Sequence[Item]) -> Item | None:
        """`_transact`; when the first action's condition refused it, that item as it was (the caller says
        why not) instead of the error. None when applied."""
        try:
            self._transact(actions)
        except TransactionCancelledError as exc:
            if exc.cancelled.failed(0):
                return exc.cancelled.items[0] or {}
            raise
        return None

    def _transact(self, actions: Sequence[Item]) -> None:
        """One transaction. Cancellations that decided nothing (another transaction held an item, throttling)
        are retried by the client (`handlers/store/retry.py`); what reaches here is the verdict of the
        conditions, handed to the caller as `TransactionCancelledError`."""
        try:
            self._client.transact_write_items(TransactItems=list(actions))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") != "TransactionCanceledException":
                raise
            reasons = exc.response.get("CancellationReasons") or []
            codes = tuple(str(r.get("Code", "None")) for r in reasons)
            items = tuple(from_dynamo(r["Item"]) if r.get("Item") else None for r in reasons)
            raise TransactionCancelledError(Cancelled(codes=codes, items=items)) from exc

    def _get(self, key: Mapping[str, Any]) -> Item | None:
        answer = self._client.get_item(TableName=self._table, Key=dict(key), ConsistentRead=True)
        item = answer.get("Item")
        return from_dynamo(item) if item else None

    def _event(self, request_id: str, event_type: str, at_ms: int, details: Mapping[str, Any]) -> Item:
        return event_put(self._table, request_id, event_type, at_ms, details, self._retention_days)

    # -- requests ------------------------------------------------------------------------------------

    def create_request(
        self,
        request: Mapping[str, Any],
        event_details: Mapping[str, Any],
        *,
        replaces: str | None = None,
        open_until: int,
    ) -> None:
        """Request + `Created` event + the reservation's open-question marker, all or nothing.

        The marker (one item per reservation) names the request that waits for the partner. It is written
        only if there is none, if it still names `replaces` (a request seen to have ended), or if it is
        older than `open_until` allows (a request stuck for longer than any wait); otherwise
        `RequestOpenError` names the request that holds it, so a double submit makes one request.
        """
        request_id = str(request["requestId"])
        at_ms = int(request["createdAt"])
        reservation_number = str(request["reservationNumber"])
        item = {
            **keys_plain(keys.request_key(request_id)),
            **request,
            "status": Status.CREATED.value,
            TTL_ATTRIBUTE: keys.retention_expiry(at_ms, self._retention_days),
        }
        condition = "attribute_not_exists(PK) OR openUntil < :now"
        values: dict[str, Any] = {":now": at_ms // 1000}
        if replaces is not None:
            condition += " OR requestId = :replaces"
            values[":replaces"] = replaces
        actions = [
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_dynamo(item),
                    "ConditionExpression": "attribute_not_exists(PK)",
                }
            },
            self._event(request_id, Status.CREATED.value, at_ms, event_details),
            {
                "Put": {
                    "TableName": self._table,
                    "Item": to_dynamo(
                        {
                            **keys_plain(keys.open_request_key(reservation_number)),
                            "requestId": request_id,
                            "openUntil": open_until,
                            TTL_ATTRIBUTE: open_until,
                        }
                    ),
                    "ConditionExpression": condition,
                    "ExpressionAttributeValues": to_dynamo(values),
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
        ]
        try:
            self._transact(actions)
        except TransactionCancelledError as exc:
            if exc.cancelled.failed(2):
                holder = exc.cancelled.items[2] or {}
                raise RequestOpenError(str(holder.get("requestId", ""))) from exc
            raise

    def open_request(self, reservation_number: str) -> Item | None:
        """The reservation's open-question marker (`requestId`, `openUntil`), if any."""
        return self._get(keys.open_request_key(reservation_number))

    def get_many(self, item_keys: Sequence[Mapping[str, Any]]) -> list[Item | None]:
        """Several items in one consistent round trip, in the order asked (None where there is none)."""
        wanted = [dict(key) for key in item_keys]
        found: dict[tuple[str, str], Item] = {}
        request: dict[str, Any] = {self._table: {"Keys": wanted, "ConsistentRead": True}}
        while request:
            answer = self._client.batch_get_item(RequestItems=request)
            for raw in answer.get("Responses", {}).get(self._table, []):
                item = from_dynamo(raw)
                found[(str(item["PK"]), str(item["SK"]))] = item
            request = answer.get("UnprocessedKeys") or {}
        return [found.get((key["PK"]["S"], key["SK"]["S"])) for key in wanted]

    def get_request(self, request_id: str) -> Item | None:
        return self._get(keys.request_key(request_id))

    def request_with_events(self, request_id: str) -> tuple[Item | None, list[Item]]:
        """The request and its timeline in one Query (events sort by time after `EVENT#`)."""
        items: list[Item] = []
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "KeyConditionExpression": "PK = :pk",
            "ExpressionAttributeValues": {":pk": {"S": keys.request_partition(request_id)}},
            "ConsistentRead": True,
        }
        while True:
            page = self._client.query(**kwargs)
            items.extend(from_dynamo(raw) for raw in page.get("Items", []))
            if "LastEvaluatedKey" not in page:
                break
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]
        meta = next((i for i in items if i.get("SK") == keys.METADATA), None)
        events = [
            {**i, "at": event_time_ms(i)} for i in items if str(i.get("SK", "")).startswith(keys.EVENT_PREFIX)
        ]
        # By when they happened; events of one millisecond in the order a request's life allows.
        events.sort(key=lambda e: (int(e.get("at", 0)), LIFECYCLE_ORDER.get(str(e.get("eventType")), -1)))
        return meta, events

    def find_reservation(self, reservation_number: str, customer_phone: str) -> Item | None:
        answer = self._client.query(
            TableName=self._table,
            IndexName=GSI1,
            KeyConditionExpression="#pk = :number AND #sk = :phone",
            ExpressionAttributeNames={"#pk": GSI1_PARTITION, "#sk": GSI1_SORT},
            ExpressionAttributeValues=to_dynamo(
                {":number": keys.reservation_lookup(reservation_number), ":phone": customer_phone}
            ),
            Limit=1,
        )
        found = answer.get("Items") or []
        return from_dynamo(found[0]) if found else None

    def requests_created_before(self, status: Status, before_ms: int) -> Iterator[Item]:
        """Requests in `status` created before `before_ms`, oldest first: one paginated Query on GSI2."""
        start: dict[str, Any] = {}
        while True:
            page = self._client.query(
                TableName=self._table,
                IndexName=GSI2,
                KeyConditionExpression="#status = :status AND #created < :before",
                ExpressionAttributeNames={"#status": GSI2_PARTITION, "#created": GSI2_SORT},
                ExpressionAttributeValues=to_dynamo({":status": status.value, ":before": before_ms}),
                **start,
            )
            for raw in page.get("Items", []):
                yield from_dynamo(raw)
            if "LastEvaluatedKey" not in page:
                return
            start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}

    def untold_requests(self, status: Status, after_ms: int, before_ms: int) -> Iterator[Item]:
        """Requests in `status` created between `after_ms` and `before_ms` that hold no notification."""
        start: dict[str, Any] = {}
        while True:
            page = self._client.query(
                TableName=self._table,
                IndexName=GSI2,
                KeyConditionExpression="#status = :status AND #created BETWEEN :after AND :before",
                FilterExpression="attribute_not_exists(notification)",
                ExpressionAttributeNames={"#status": GSI2_PARTITION, "#created": GSI2_SORT},
                ExpressionAttributeValues=to_dynamo(
                    {":status": status.value, ":after": after_ms, ":before": before_ms}
                ),
                **start,
            )
            for raw in page.get("Items", []):
                yield from_dynamo(raw)
            if "LastEvaluatedKey" not in page:
                return
            start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}

    def assign_partner(self, request_id: str, partner: Mapping[str, Any], now_ms: int) -> bool:
        """Copy the reservation's partner onto a request still `Created`; False if it moved on."""
        names = {f"#f{i}": name for i, name in enumerate(partner)}
        values = {f":v{i}": value for i, value in enumerate(partner.values())}
        sets = ", ".join(f"#f{i} = :v{i}" for i in range(len(partner)))
        try:
            self._client.update_item(
                TableName=self._table,
                Key=keys.request_key(request_id),
                UpdateExpression=f"SET {sets}, updatedAt = :now",
                ConditionExpression="#status = :created",
                ExpressionAttributeNames={**names, "#status": "status"},
                ExpressionAttributeValues=to_dynamo(
                    {**values, ":now": now_ms, ":created": Status.CREATED.value}
                ),
            )
        except ClientError as exc:
            if _conditional(exc):
                return False
            raise
        return True

    def end_request(
        self,
        request_id: str,
        status: Status,
        now_ms: int,
        details: Mapping[str, Any],
        *,
        failure_reason: str | None = None,
        notification: Mapping[str, Any] | None = None,
        only_from: Sequence[Status] = ANSWERABLE,
        failure: Mapping[str, Any] | None = None,
    ) -> Item | None:
        """Move a request that is not terminal yet (or in one of `only_from`) to `Timeout` or `Failed`,
        with its event. `failure`: what failed, for operators (`{"error", "cause"}`, issue 13).

        Returns None when it moved, otherwise the request as it was.
        """
        sets = ["#status = :status", "updatedAt = :now"]
        allowed = {f":from{i}": s.value for i, s in enumerate(only_from)}
        values: dict[str, Any] = {":status": status.value, ":now": now_ms, **allowed}
        if failure_reason is not None:
            sets.append("failureReason = :reason")
            values[":reason"] = failure_reason
        if notification is not None:
            sets.append("notification = if_not_exists(notification, :notification)")
            values[":notification"] = dict(notification)
        if failure is not None:
            sets.append("failure = :failure")
            values[":failure"] = dict(failure)
        actions = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": keys.request_key(request_id),
                    "UpdateExpression": "SET " + ", ".join(sets),
                    "ConditionExpression": f"#status IN ({', '.join(allowed)})",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": to_dynamo(values),
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            self._event(request_id, status.value, now_ms, details),
        ]
        return self._transact_unless_first_refused(actions)

    def save_notification(self, request_id: str, notification: Mapping[str, Any]) -> Item | None:
        """Store the customer's message once; returns the one already stored if there is one."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=keys.request_key(request_id),
                UpdateExpression="SET notification = :n",
                ConditionExpression="attribute_exists(PK) AND attribute_not_exists(notification)",
                ExpressionAttributeValues=to_dynamo({":n": dict(notification)}),
                ReturnValuesOnConditionCheckFailure="ALL_OLD",
            )
        except ClientError as exc:
            if _conditional(exc):
                old = exc.response.get("Item")
                existing = from_dynamo(old).get("notification") if old else None
                return existing if isinstance(existing, dict) else {}
            raise
        return None

    # -- SMS and link token --------------------------------------------------------------------------

    def claim_sms(
        self,
        request_id: str,
        task_token: str,
        token_item: Mapping[str, Any],
        now_ms: int,
        lease_until_ms: int,
    ) -> bool:
        """First invocation for a request: remember the task token and create the link token.

        The claim is attempt 1 and is held until `lease_until_ms`, when the claiming invocation has been
        stopped for sure. False when another invocation already claimed the send.
        """
        digest = str(token_item["tokenDigest"])
        actions = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": keys.request_key(request_id),
                    "UpdateExpression": "SET taskToken = :task, smsClaimedAt = :now, smsLeaseUntil = :lease, "
                    "smsAttempt = :one, tokenDigest = :digest, updatedAt = :now",
                    "ConditionExpression": "attribute_exists(PK) AND attribute_not_exists(smsClaimedAt)",
                    "ExpressionAttributeValues": to_dynamo(
                        {
                            ":task": task_token,
                            ":now": now_ms,
                            ":lease": lease_until_ms,
                            ":one": 1,
                            ":digest": digest,
                        }
                    ),
                }
            },
            self._put_token(token_item),
        ]
        try:
            self._transact(actions)
        except TransactionCancelledError as exc:
            if exc.cancelled.failed(0):
                return False
            raise
        return True

    def reclaim_sms(
        self,
        request: Mapping[str, Any],
        task_token: str,
        token_item: Mapping[str, Any],
        now_ms: int,
        lease_until_ms: int,
    ) -> bool:
        """Take over a send whose claim expired unsent: next attempt, and the new link replaces the old.

        One transaction, so exactly one link is valid at any time. False when another invocation took it
        over first, the SMS was recorded as sent, or the partner already opened or used the old link
        (then the partner has it and nothing is resent).
        """
        request_id = str(request["requestId"])
        old_digest = str(request["tokenDigest"])
        actions = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": keys.request_key(request_id),
                    "UpdateExpression": "SET taskToken = :task, smsClaimedAt = :now, smsLeaseUntil = :lease, "
                    "smsAttempt = :next, tokenDigest = :digest, updatedAt = :now",
                    "ConditionExpression": "smsAttempt = :seen AND tokenDigest = :old "
                    "AND attribute_not_exists(smsSentAt)",
                    "ExpressionAttributeValues": to_dynamo(
                        {
                            ":task": task_token,
                            ":now": now_ms,
                            ":lease": lease_until_ms,
                            ":seen": int(request.get("smsAttempt", 1)),
                            ":next": int(request.get("smsAttempt", 1)) + 1,
                            ":old": old_digest,
                            ":digest": str(token_item["tokenDigest"]),
                        }
                    ),
                }
            },
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": keys.token_key(old_digest),
                    "ConditionExpression": "used = :false AND attribute_not_exists(openedAt)",
                    "ExpressionAttributeValues": to_dynamo({":false": False}),
                }
            },
            self._put_token(token_item),
        ]
        try:
            self._transact(actions)
        except TransactionCancelledError as exc:
            if exc.cancelled.failed(0) or exc.cancelled.failed(1):
                return False
            raise
        return True

    def _put_token(self, token_item: Mapping[str, Any]) -> Item:
        return {
            "Put": {
                "TableName": self._table,
                "Item": to_dynamo(
                    {**keys_plain(keys.token_key(str(token_item["tokenDigest"]))), **token_item}
                ),
                "ConditionExpression": "attribute_not_exists(PK)",
            }
        }

    def refresh_task_token(self, request_id: str, token_digest: str, task_token: str, now_ms: int) -> None:
        """A retried workflow task carries a new task token: only the newest one can answer."""
        self._transact(
            [
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": keys.request_key(request_id),
                        "UpdateExpression": "SET taskToken = :task, updatedAt = :now",
                        "ConditionExpression": "attribute_exists(smsClaimedAt)",
                        "ExpressionAttributeValues": to_dynamo({":task": task_token, ":now": now_ms}),
                    }
                },
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": keys.token_key(token_digest),
                        "UpdateExpression": "SET taskToken = :task",
                        "ConditionExpression": "attribute_exists(PK)",
                        "ExpressionAttributeValues": to_dynamo({":task": task_token}),
                    }
                },
            ]
        )

    def mark_sms_sent(self, request_id: str, now_ms: int, details: Mapping[str, Any]) -> bool:
        """`SMSSent` unless the partner already opened the link (then only `smsSentAt` and the event)."""
        update = {
            "Update": {
                "TableName": self._table,
                "Key": keys.request_key(request_id),
                "UpdateExpression": "SET #status = :sent, smsSentAt = :now, updatedAt = :now",
                "ConditionExpression": "#status = :created",
                "ExpressionAttributeNames": {"#status": "status"},
                "ExpressionAttributeValues": to_dynamo(
                    {":sent": Status.SMS_SENT.value, ":now": now_ms, ":created": Status.CREATED.value}
                ),
            }
        }
        event = self._event(request_id, Status.SMS_SENT.value, now_ms, details)
        try:
            self._transact([update, event])
        except TransactionCancelledError as exc:
            if not exc.cancelled.failed(0):
                raise
            sent_at = {
                "Update": {
                    "TableName": self._table,
                    "Key": keys.request_key(request_id),
                    "UpdateExpression": "SET smsSentAt = :now",
                    "ConditionExpression": "attribute_exists(PK)",
                    "ExpressionAttributeValues": to_dynamo({":now": now_ms}),
                }
            }
            self._transact([sent_at, event])
            return False
        return True

    def get_token(self, token_digest: str) -> Item | None:
        return self._get(keys.token_key(token_digest))

    def record_open(
        self, token_digest: str, request_id: str, now_ms: int, details: Mapping[str, Any]
    ) -> bool:
        """The first open of a link: mark the token, move the request to `Opened`, add the event.

        Raises `WaitEndedError` when the request timed out or failed before the link was opened.
        """
        actions = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": keys.token_key(token_digest),
                    "UpdateExpression": "SET openedAt = :now",
                    "ConditionExpression": "attribute_exists(PK) AND attribute_not_exists(openedAt)",
                    "ExpressionAttributeValues": to_dynamo({":now": now_ms}),
                }
            },
            {
                "Update": {
                    "TableName": self._table,
                    "Key": keys.request_key(request_id),
                    "UpdateExpression": "SET #status = :opened, updatedAt = :now",
                    "ConditionExpression": "#status IN (:created, :sent)",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": to_dynamo(
                        {
                            ":opened": Status.OPENED.value,
                            ":now": now_ms,
                            ":created": Status.CREATED.value,
                            ":sent": Status.SMS_SENT.value,
                        }
                    ),
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            self._event(request_id, Status.OPENED.value, now_ms, details),
        ]
        try:
            self._transact(actions)
        except TransactionCancelledError as exc:
            request = exc.cancelled.items[1]
            if exc.cancelled.failed(1) and request and request.get("status") in _WAIT_OVER:
                raise WaitEndedError(f"request is {request.get('status')}") from exc
            return False  # opened concurrently: the other call recorded it
        return True

    def claim_answer(
        self,
        token_digest: str,
        request_id: str,
        answer: Mapping[str, Any],
        now: float,
        details: Mapping[str, Any],
        also: Sequence[tuple[str, Mapping[str, Any]]] = (),
    ) -> None:
        """Claim the token and record the answer in one step (the linearisation point of `POST /respond`).

        `also`: further timeline events `(type, details)` of the same step (an operator's answer records
        its action with it). A refusal raises the domain error that explains it.
        """
        now_s, now_ms = int(now), int(now * 1000)
        statuses = {f":s{i}": s.value for i, s in enumerate(ANSWERABLE)}
        actions = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": keys.token_key(token_digest),
                    "UpdateExpression": "SET used = :true, usedAt = :now_ms",
                    "ConditionExpression": "attribute_exists(PK) AND used = :false AND "
                    "(deadlineMs > :now_ms OR (attribute_not_exists(deadlineMs) AND expiresAt > :now))",
                    "ExpressionAttributeValues": to_dynamo(
                        {":true": True, ":false": False, ":now": now_s, ":now_ms": now_ms}
                    ),
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            {
                "Update": {
                    "TableName": self._table,
                    "Key": keys.request_key(request_id),
                    "UpdateExpression": "SET #status = :responded, partnerResponse = :answer, "
                    "respondedAt = :now_ms, updatedAt = :now_ms",
                    "ConditionExpression": f"#status IN ({', '.join(statuses)})",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": to_dynamo(
                        {
                            **statuses,
                            ":responded": Status.RESPONDED.value,
                            ":answer": dict(answer),
                            ":now_ms": now_ms,
                        }
                    ),
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            self._event(request_id, Status.RESPONDED.value, now_ms, details),
            *(self._event(request_id, kind, now_ms, more) for kind, more in also),
        ]
        try:
            self._transact(actions)
        except TransactionCancelledError as exc:
            raise _answer_refused(exc.cancelled, now_ms) from exc

    # -- the customer's text and reply to a proposed time (issue 12) ---------------------------------

    def claim_customer_sms(self, request_id: str, now_ms: int) -> bool:
        """Claim the request's one customer text once it has its message; False when it was claimed
        before (a retried task, a sweep, a race between the two) or there is no message yet."""
        try:
            self._client.update_item(
                TableName=self._table,
                Key=keys.request_key(request_id),
                UpdateExpression="SET customerSms = :claim",
                ConditionExpression="attribute_exists(notification) AND attribute_not_exists(customerSms)",
                ExpressionAttributeValues=to_dynamo({":claim": {"claimedAt": now_ms}}),
            )
        except ClientError as exc:
            if _conditional(exc):
                return False
            raise
        return True

    def record_customer_sms(self, request_id: str, outcome: Mapping[str, Any]) -> None:
        """What became of the claimed text (`sentAt`, `refused`, `failed`, `uncertain`)."""
        names = {f"#o{i}": name for i, name in enumerate(outcome)}
        values = {f":o{i}": value for i, value in enumerate(outcome.values())}
        self._client.update_item(
            TableName=self._table,
            Key=keys.request_key(request_id),
            UpdateExpression="SET " + ", ".join(f"customerSms.#o{i} = :o{i}" for i in range(len(outcome))),
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=to_dynamo(values),
        )

    def untexted_requests(self, status: Status, after_ms: int, before_ms: int) -> Iterator[Item]:
        """Requests in `status` created between `after_ms` and `before_ms` whose customer is to be texted,
        that hold their message and no claim of the text yet."""
        start: dict[str, Any] = {}
        while True:
            page = self._client.query(
                TableName=self._table,
                IndexName=GSI2,
                KeyConditionExpression="#status = :status AND #created BETWEEN :after AND :before",
                FilterExpression="textCustomer = :true AND attribute_exists(notification) "
                "AND attribute_not_exists(customerSms)",
                ExpressionAttributeNames={"#status": GSI2_PARTITION, "#created": GSI2_SORT},
                ExpressionAttributeValues=to_dynamo(
                    {":status": status.value, ":after": after_ms, ":before": before_ms, ":true": True}
                ),
                **start,
            )
            for raw in page.get("Items", []):
                yield from_dynamo(raw)
            if "LastEvaluatedKey" not in page:
                return
            start = {"ExclusiveStartKey": page["LastEvaluatedKey"]}

    def record_reply(
        self,
        request_id: str,
        reply: Mapping[str, Any],
        event_type: str,
        details: Mapping[str, Any],
        *,
        answered_after_ms: int,
    ) -> Item | None:
        """The customer's one reply to a proposal and its event, all or nothing: only while the request
        holds the partner's alternative, no reply yet, and was answered after `answered_after_ms`.

        Returns None when recorded, otherwise the request as it was (the caller says why not)."""
        at_ms = int(reply["at"])
        actions = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": keys.request_key(request_id),
                    "UpdateExpression": "SET customerReply = :reply, updatedAt = :now",
                    "ConditionExpression": "#status = :responded AND "
                    "partnerResponse.#response = :alternative AND "
                    "attribute_not_exists(customerReply) AND respondedAt > :after",
                    "ExpressionAttributeNames": {"#status": "status", "#response": "response"},
                    "ExpressionAttributeValues": to_dynamo(
                        {
                            ":reply": dict(reply),
                            ":now": at_ms,
                            ":responded": Status.RESPONDED.value,
                            ":alternative": "alternative",
                            ":after": answered_after_ms,
                        }
                    ),
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            self._event(request_id, event_type, at_ms, details),
        ]
        return self._transact_unless_first_refused(actions)

    def mark_partner_told(self, request_id: str, outcome: str) -> None:
        """Whether the partner got the text about the customer's reply (`sent`, `refused`, `failed`...)."""
        self._client.update_item(
            TableName=self._table,
            Key=keys.request_key(request_id),
            UpdateExpression="SET customerReply.partnerTexted = :outcome",
            ExpressionAttributeValues=to_dynamo({":outcome": outcome}),
        )


def _answer_refused(cancelled: Cancelled, now_ms: int) -> Exception:
    token, request = cancelled.items[0], cancelled.items[1]
    if cancelled.failed(0) and token is not None and token.get("used"):
        return TokenUsedError("token already used")
    if cancelled.failed(1) and request is not None:
        if request.get("status") == Status.RESPONDED.value:
            return TokenUsedError("request already answered")
        return WaitEndedError(f"request is {request.get('status')}")
    if cancelled.failed(0) and token is not None and link_deadline_ms(token) <= now_ms:
        # Only answers are claimed, and the link lives exactly as long as the wait (410, not 401).
        return WaitEndedError("token expired")
    return TransactionCancelledError(cancelled)


def link_deadline_ms(token: Mapping[str, Any]) -> int:
    """When a link stops working: its wait's deadline in milliseconds (`deadlineMs`); links issued before
    that attribute existed end at their whole-second `expiresAt`."""
    if token.get("deadlineMs") is not None:
        return int(token["deadlineMs"])
    return int(token.get("expiresAt", 0)) * 1000


def keys_plain(key: Mapping[str, Mapping[str, str]]) -> dict[str, str]:
    return {name: value["S"] for name, value in key.items()}


def _conditional(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") == "ConditionalCheckFailedException"
