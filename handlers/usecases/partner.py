"""The partner's side: open the link (`GET /confirm/{token}`) and answer (`POST /respond`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from handlers import clock as wall_clock
from handlers.adapters.workflow import CallbackClosedError
from handlers.models import link_token
from handlers.models.api import optional_text
from handlers.models.domain import PartnerAnswer
from handlers.models.errors import (
    InvalidInputError,
    TokenExpiredError,
    TokenInvalidError,
    TokenUsedError,
    WaitEndedError,
)
from handlers.models.messages import FIELD_MESSAGES
from handlers.models.partner import MAX_ALTERNATIVE_AHEAD_SECONDS, ConfirmView
from handlers.observability import MetricUnit, append_keys, count, logger, measure, set_correlation_id
from handlers.store.table import Item, Store, link_deadline_ms

if TYPE_CHECKING:
    from handlers.models.outcome import Outcome
    from handlers.models.respond import RespondRequest

ANSWER_METRICS = {
    PartnerAnswer.ACCEPT: "PartnerAccepted",
    PartnerAnswer.REJECT: "PartnerRejected",
    PartnerAnswer.ALTERNATIVE: "PartnerProposedAlternative",
}


class Completer(Protocol):
    def complete(self, task_token: str, output: dict[str, Any]) -> None: ...


def _checked_token(store: Store, link_keys: Sequence[bytes], token: str, now: float) -> tuple[str, Item]:
    """Signature and expiry first (no database read for a forged link), then the stored item."""
    now_s, now_ms = int(now), int(now * 1000)
    try:
        link_token.verify_any(link_keys, token, now_s)
    except link_token.ExpiredTokenError as exc:
        raise TokenExpiredError("token expired") from exc
    except link_token.TokenFormatError as exc:
        raise TokenInvalidError("token rejected") from exc
    digest = link_token.digest(token)
    append_keys(tokenDigest=digest[:12])
    item = store.get_token(digest)
    if item is None:
        raise TokenInvalidError("unknown token")
    set_correlation_id(str(item.get("requestId")))
    if item.get("used"):
        raise TokenUsedError("token already used")
    # TTL deletion runs late, so the stored deadline is checked here too.
    if link_deadline_ms(item) <= now_ms:
        raise TokenExpiredError("token expired")
    return digest, item


def open_link(
    token: str, *, store: Store, link_keys: Sequence[bytes], clock: Callable[[], float] | None = None
) -> ConfirmView:
    clock = clock or wall_clock.now
    now = clock()
    digest, item = _checked_token(store, link_keys, token, now)
    if item.get("openedAt") is None and store.record_open(
        digest, str(item["requestId"]), int(now * 1000), {}
    ):
        count("LinkOpened")
    view = item.get("view") or {}
    return ConfirmView(
        requestId=str(item["requestId"]),
        customerQuery=str(view.get("customerQuery") or ""),
        intent=str(view.get("intent") or ""),
        reservationNumber=str(view.get("reservationNumber") or ""),
        reservationDate=optional_text(view.get("reservationDate"), "reservationDate"),
        serviceType=optional_text(view.get("serviceType"), "serviceType"),
        partnerName=optional_text(view.get("partnerName"), "partnerName"),
        expiresAt=datetime.fromtimestamp(link_deadline_ms(item) / 1000, UTC)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
    )


def respond(
    body: RespondRequest,
    *,
    store: Store,
    workflow: Completer,
    link_keys: Sequence[bytes],
    clock: Callable[[], float] | None = None,
) -> None:
    clock = clock or wall_clock.now
    now = clock()
    try:
        digest, item = _checked_token(store, link_keys, body.token, now)
    except TokenExpiredError as exc:
        # The link lives exactly as long as the wait: an answer past its expiry came after the wait ended.
        raise WaitEndedError("answer after the wait ended") from exc
    proposed = body.answer_time()
    check_alternative_time(proposed, now)
    from handlers.models.outcome import Outcome  # pydantic: only an answer needs it, not opening a link

    outcome = Outcome(response=body.response.value, alternativeTime=proposed, note=body.note)
    deliver_answer(store, workflow, digest=digest, token_item=item, outcome=outcome, now=now)


def check_alternative_time(proposed: datetime | None, now: float) -> None:
    """A proposed time is after now and at most a year ahead (400 `field: alternativeTime` otherwise)."""
    if proposed is not None and not now < proposed.timestamp() <= now + MAX_ALTERNATIVE_AHEAD_SECONDS:
        raise InvalidInputError("alternativeTime", FIELD_MESSAGES["alternativeTime"])


def deliver_answer(
    store: Store,
    workflow: Completer,
    *,
    digest: str,
    token_item: Item,
    outcome: Outcome,
    now: float,
    by: str | None = None,
    also: Sequence[tuple[str, Mapping[str, Any]]] = (),
) -> None:
    """The one callback path of an answer, the partner's (`POST /respond`) or an operator's for them
    (`POST /admin/requests/{id}/answer`, `by` = the operator): claim the link and record the answer in one
    step (with the `also` events), then complete the workflow's wait."""
    answer: dict[str, Any] = dict(outcome.to_payload())
    if by is not None:
        answer["by"] = by
    store.claim_answer(digest, str(token_item["requestId"]), answer, now, answer, also=also)
    count(ANSWER_METRICS[PartnerAnswer(outcome.response)])
    created_ms = token_item.get("requestCreatedAt")
    if isinstance(created_ms, int):
        measure("TimeToAnswer", max(0.0, now - created_ms / 1000), MetricUnit.Seconds)
    logger().info(
        "partner answered",
        extra={"answer": outcome.response, "note": outcome.note is not None, "byOperator": by is not None},
    )
    try:
        workflow.complete(str(token_item["taskToken"]), answer)
    except CallbackClosedError as exc:
        # The answer is recorded; the timeout handler finds it and passes it on to the notification.
        logger().warning("workflow wait already closed", extra={"code": str(exc)})
        count("CallbackClosed")
    except (ClientError, BotoCoreError):
        logger().exception("SendTaskSuccess failed twice; the recorded answer will reach the customer")
        count("CallbackFailed")
