"""What the operator console reads and writes (issue 13), on the same single table as `table.Store`.

Reads: the queue (GSI2, newest first per status, several statuses merged), each row's last event and link
deadline, one request's partition, and the requests of a period for the partners' record. Writes: each
action with its timeline event, conditional on the state the action needs, in one transaction.
"""

from __future__ import annotations

import contextvars
from collections.abc import Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from handlers.models.domain import ANSWERABLE, OperatorAction, Status
from handlers.models.errors import AlreadyEndedError, NotWaitingError
from handlers.store import keys
from handlers.store.schema import GSI2, GSI2_PARTITION, GSI2_SORT
from handlers.store.table import (
    Item,
    Store,
    TransactionCancelledError,
    event_time_ms,
    from_dynamo,
    to_dynamo,
)

# Statuses in which the partner's wait runs and a link is out.
LINK_OUT = (Status.SMS_SENT, Status.OPENED)
# Parallel reads of the rows' last events (boto3 clients are thread-safe; the page holds at most 100).
_READERS = 8
# What the partners' record reads of each request.
_PARTNER_FIELDS = ("requestId", "partnerId", "partnerName", "createdAt", "respondedAt", "partnerResponse")


class ConsoleStore(Store):
    # -- the queue -----------------------------------------------------------------------------------

    def newest(self, status: Status, count: int, before: tuple[int, str] | None = None) -> list[Item]:
        """Up to `count` requests in `status`, newest first by (createdAt, requestId), all strictly before
        `before` (the last row of the previous page): one Query on GSI2, newest first.

        GSI2 sorts by createdAt alone, so rows of one millisecond come in no set order: the rows sharing
        the last kept row's createdAt are all read before sorting, so none is skipped between pages.
        """
        found: list[Item] = []
        boundary: int | None = None
        for item in self._by_status_newest(status, None if before is None else before[0], count):
            created = int(item.get("createdAt", 0))
            if boundary is not None and created < boundary:
                break
            if before is not None and (created, str(item.get("requestId"))) >= before:
                continue
            found.append(item)
            if boundary is None and len(found) >= count:
                boundary = created
        found.sort(key=lambda i: (int(i.get("createdAt", 0)), str(i.get("requestId"))), reverse=True)
        return found[:count]

    def _by_status_newest(self, status: Status, at_most: int | None, page_size: int) -> Iterator[Item]:
        names = {"#status": GSI2_PARTITION}
        values: dict[str, Any] = {":status": status.value}
        condition = "#status = :status"
        if at_most is not None:
            condition += " AND #created <= :created"
            names["#created"] = GSI2_SORT
            values[":created"] = at_most
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": GSI2,
            "KeyConditionExpression": condition,
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": to_dynamo(values),
            "ScanIndexForward": False,
            "Limit": page_size + 1,
        }
        while True:
            page = self._client.query(**kwargs)
            for raw in page.get("Items", []):
                yield from_dynamo(raw)
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    def last_events(self, request_ids: Sequence[str]) -> dict[str, Item]:
        """Each request's newest timeline event (one Query each, `Limit 1`, read in parallel)."""
        if not request_ids:
            return {}
        # Each read runs in a copy of this invocation's context (its remaining time, environment, log keys).
        with ThreadPoolExecutor(max_workers=min(_READERS, len(request_ids))) as pool:
            reads = [pool.submit(contextvars.copy_context().run, self._last_event, r) for r in request_ids]
            found = [read.result() for read in reads]
        return {rid: event for rid, event in zip(request_ids, found, strict=True) if event is not None}

    def _last_event(self, request_id: str) -> Item | None:
        page = self._client.query(
            TableName=self._table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :events)",
            ExpressionAttributeValues=to_dynamo(
                {":pk": keys.request_partition(request_id), ":events": keys.EVENT_PREFIX}
            ),
            ScanIndexForward=False,
            Limit=1,
        )
        items = page.get("Items") or []
        if not items:
            return None
        event = from_dynamo(items[0])
        return {**event, "at": event_time_ms(event)}  # the workflow's own events carry an ISO 8601 `at`

    def tokens(self, digests: Sequence[str]) -> dict[str, Item]:
        """The link token items of these digests (one batch read per 100)."""
        unique = list(dict.fromkeys(digests))
        found: dict[str, Item] = {}
        for start in range(0, len(unique), 100):
            chunk = unique[start : start + 100]
            for digest, item in zip(chunk, self.get_many([keys.token_key(d) for d in chunk]), strict=True):
                if item is not None:
                    found[digest] = item
        return found

    def created_since(self, status: Status, since_ms: int) -> Iterator[Item]:
        """Requests in `status` created at or after `since_ms` (only what the partners' record reads)."""
        names = {"#status": GSI2_PARTITION, "#created": GSI2_SORT}
        projected = {f"#p{i}": name for i, name in enumerate(_PARTNER_FIELDS)}
        kwargs: dict[str, Any] = {
            "TableName": self._table,
            "IndexName": GSI2,
            "KeyConditionExpression": "#status = :status AND #created >= :since",
            "ExpressionAttributeNames": {**names, **projected},
            "ExpressionAttributeValues": to_dynamo({":status": status.value, ":since": since_ms}),
            "ProjectionExpression": ", ".join(["#status", *projected]),
        }
        while True:
            page = self._client.query(**kwargs)
            for raw in page.get("Items", []):
                yield from_dynamo(raw)
            if "LastEvaluatedKey" not in page:
                return
            kwargs["ExclusiveStartKey"] = page["LastEvaluatedKey"]

    # -- actions -------------------------------------------------------------------------------------

    def replace_link(self, request: Mapping[str, Any], token_item: Mapping[str, Any], now_ms: int) -> None:
        """The new link replaces the old one in one step: the old token item is deleted (the old link is
        refused at once), the new one written, the request pointed at it. Refused (`NotWaitingError`) when
        the wait is no longer running or the old link was used meanwhile."""
        request_id = str(request["requestId"])
        old_digest = str(request["tokenDigest"])
        statuses = {f":s{i}": s.value for i, s in enumerate(LINK_OUT)}
        actions = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": keys.request_key(request_id),
                    "UpdateExpression": "SET tokenDigest = :new, linkReplacedAt = :now, updatedAt = :now",
                    "ConditionExpression": f"tokenDigest = :old AND #status IN ({', '.join(statuses)})",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": to_dynamo(
                        {
                            **statuses,
                            ":new": str(token_item["tokenDigest"]),
                            ":old": old_digest,
                            ":now": now_ms,
                        }
                    ),
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            {
                "Delete": {
                    "TableName": self._table,
                    "Key": keys.token_key(old_digest),
                    "ConditionExpression": "attribute_exists(PK) AND used = :false",
                    "ExpressionAttributeValues": to_dynamo({":false": False}),
                }
            },
            self._put_token(token_item),
        ]
        try:
            self._transact(actions)
        except TransactionCancelledError as exc:
            now_request = exc.cancelled.items[0] or request
            raise NotWaitingError(str(now_request.get("status", ""))) from exc

    def record_resend(self, request_id: str, now_ms: int, details: Mapping[str, Any], *, sent: bool) -> None:
        """The `LinkResent` event, and the time of a text that went out (a minute of repeats are no-ops)."""
        actions = [self._event(request_id, OperatorAction.LINK_RESENT.value, now_ms, details)]
        if sent:
            actions.append(
                {
                    "Update": {
                        "TableName": self._table,
                        "Key": keys.request_key(request_id),
                        "UpdateExpression": "SET linkResentAt = :now, linkResentBy = :by",
                        "ConditionExpression": "attribute_exists(PK)",
                        "ExpressionAttributeValues": to_dynamo({":now": now_ms, ":by": details.get("by")}),
                    }
                }
            )
        self._transact(actions)

    def close(
        self,
        request_id: str,
        now_ms: int,
        *,
        by: str,
        note: str,
        notification: Mapping[str, Any],
    ) -> None:
        """`Closed` with the operator's note for the customer, its status event and the action's event;
        only from a status that has not ended (`AlreadyEndedError` names the one found otherwise)."""
        statuses = {f":s{i}": s.value for i, s in enumerate(ANSWERABLE)}
        actions = [
            {
                "Update": {
                    "TableName": self._table,
                    "Key": keys.request_key(request_id),
                    "UpdateExpression": "SET #status = :closed, closedAt = :now, closedBy = :by, "
                    "closeNote = :note, notification = :notification, updatedAt = :now",
                    "ConditionExpression": f"#status IN ({', '.join(statuses)})",
                    "ExpressionAttributeNames": {"#status": "status"},
                    "ExpressionAttributeValues": to_dynamo(
                        {
                            **statuses,
                            ":closed": Status.CLOSED.value,
                            ":now": now_ms,
                            ":by": by,
                            ":note": note,
                            ":notification": dict(notification),
                        }
                    ),
                    "ReturnValuesOnConditionCheckFailure": "ALL_OLD",
                }
            },
            self._event(request_id, Status.CLOSED.value, now_ms, {"by": by}),
            self._event(request_id, OperatorAction.CLOSED.value, now_ms, {"by": by, "note": note}),
        ]
        found = self._transact_unless_first_refused(actions)
        if found is not None:
            raise AlreadyEndedError(str(found.get("status", "")))

    def record_action(
        self, request_id: str, action: OperatorAction, now_ms: int, details: Mapping[str, Any]
    ) -> None:
        """An action that changes nothing but the timeline (a phone revealed)."""
        self._transact([self._event(request_id, action.value, now_ms, details)])
