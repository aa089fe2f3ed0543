"""SMS: SNS (Transactional; transient refusals retried with backoff) or, for demos where texting is
blocked, the log."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError, ConnectionClosedError, ReadTimeoutError

from handlers import clock
from handlers.models.errors import SmsDeliveryError, SmsOutcomeUnknownError
from handlers.models.phone import mask

# A throttled or failing SNS is tried again with exponential backoff (0.25 s, 0.5 s, 1 s, 2 s, then 4 s
# each time, with jitter), up to this many attempts in all, while time allows (see `SnsSms.send`).
SNS_MAX_ATTEMPTS = 8
SNS_BACKOFF_SECONDS = 0.25
SNS_BACKOFF_CAP_SECONDS = 4.0
# Another attempt only starts with this much of the invocation left: the client's connect and read
# timeouts (`handlers/clients.py`) plus the time to record the outcome.
ATTEMPT_NEEDS_SECONDS = 10.0
# Refusals that say "not now" (throttling, SNS failing on its side): worth another attempt. Any other
# refusal (a bad number, an opted-out phone, no permission) would be refused again, so it is final.
TRANSIENT_CODES = frozenset(
    {
        "Throttling",
        "ThrottlingException",
        "ThrottledException",
        "TooManyRequestsException",
        "KMSThrottling",
        "InternalError",
        "InternalFailure",
        "InternalServerError",
        "ServiceUnavailable",
    }
)
# Starts every text written in log mode; `python -m ops smoke` finds the texts in the log by it.
LOG_MODE_MARKER = "[SMS log mode]"


class SmsSender(Protocol):
    def send(self, phone: str, body: str, *, give_up_at: float | None = None) -> str: ...


class SnsSms:
    def __init__(
        self,
        client: Any,
        pause: Callable[[float], None] = time.sleep,
        remaining: Callable[[], float | None] = clock.remaining_seconds,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._client = client
        self._pause = pause
        self._remaining = remaining
        self._jitter = jitter

    def send(self, phone: str, body: str, *, give_up_at: float | None = None) -> str:
        """The message id. `SmsOutcomeUnknownError` when SNS may have texted without saying so (never
        retried: the recipient must not get the text twice); `SmsDeliveryError` when SNS refused for good.

        A transient refusal (`TRANSIENT_CODES`, or no connection at all) is tried again after a pause, up to
        `SNS_MAX_ATTEMPTS` in all, as long as the invocation has `ATTEMPT_NEEDS_SECONDS` left after the
        pause and, when `give_up_at` (epoch seconds) is given, the attempt would start by then."""
        last: Exception | None = None
        made = 0
        for attempt in range(SNS_MAX_ATTEMPTS):
            if attempt:
                if not _transient(last):
                    break
                pause = self._backoff(attempt)
                left = self._remaining()
                if left is not None and left - pause < ATTEMPT_NEEDS_SECONDS:
                    break
                if give_up_at is not None and clock.now() + pause > give_up_at:
                    break
                self._pause(pause)
            made += 1
            try:
                answer = self._client.publish(
                    PhoneNumber=phone,
                    Message=body,
                    MessageAttributes={
                        "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}
                    },
                )
                return str(answer["MessageId"])
            except (ReadTimeoutError, ConnectionClosedError) as exc:
                raise SmsOutcomeUnknownError("SNS did not answer the publish") from exc
            except (ClientError, BotoCoreError) as exc:
                last = exc
        raise SmsDeliveryError(f"SNS refused the SMS {made} times") from last

    def _backoff(self, attempt: int) -> float:
        """Exponential, capped, with equal jitter: half the step fixed, half random (`jitter()` in [0, 1])."""
        step = min(SNS_BACKOFF_CAP_SECONDS, SNS_BACKOFF_SECONDS * 2 ** (attempt - 1))
        return step / 2 + step / 2 * self._jitter()


def _transient(exc: Exception | None) -> bool:
    if isinstance(exc, ClientError):
        error = exc.response.get("Error", {})
        status = int(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode") or 0)
        return str(error.get("Code", "")) in TRANSIENT_CODES or status >= 500 or status == 429
    return isinstance(exc, BotoCoreError)  # no connection: nothing was sent


class LogSms:
    """Writes the message to the function's log instead of texting (demos only: the link is in the log)."""

    def __init__(self, log: Any) -> None:
        self._log = log

    def send(self, phone: str, body: str, *, give_up_at: float | None = None) -> str:
        del give_up_at  # writing to the log is never refused
        # The link is the point of this mode, so it bypasses the token scrubbing on purpose, via print.
        self._log.info("SMS (log mode) to %s", mask(phone))
        print(f"{LOG_MODE_MARKER} to={mask(phone)} body={body}")
        return "log"
