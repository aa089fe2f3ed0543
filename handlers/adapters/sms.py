"""Partner SMS: SNS (Transactional, two retries) or, for demos where texting is blocked, the log."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError, ConnectionClosedError, ReadTimeoutError

from handlers import clock
from handlers.models.errors import SmsDeliveryError, SmsOutcomeUnknownError
from handlers.models.phone import mask

SNS_ATTEMPTS = 3  # the first try and two retries
# A throttled publish retried at once fails again: wait 0.25 s, then 0.5 s (well inside the task's time).
SNS_BACKOFF_SECONDS = 0.25
# Another attempt only starts with this much of the invocation left: the client's connect and read
# timeouts (`handlers/clients.py`) plus the time to record the outcome.
ATTEMPT_NEEDS_SECONDS = 10.0
# Starts every text written in log mode; `python -m ops smoke` finds the texts in the log by it.
LOG_MODE_MARKER = "[SMS log mode]"


class SmsSender(Protocol):
    def send(self, phone: str, body: str) -> str: ...


class SnsSms:
    def __init__(
        self,
        client: Any,
        pause: Callable[[float], None] = time.sleep,
        remaining: Callable[[], float | None] = clock.remaining_seconds,
    ) -> None:
        self._client = client
        self._pause = pause
        self._remaining = remaining

    def send(self, phone: str, body: str) -> str:
        """The message id. `SmsOutcomeUnknownError` when SNS may have texted without saying so (never
        retried: the partner must not get the text twice); `SmsDeliveryError` when every attempt was
        refused."""
        last: Exception | None = None
        made = 0
        for attempt in range(SNS_ATTEMPTS):
            if attempt:
                left = self._remaining()
                if left is not None and left < ATTEMPT_NEEDS_SECONDS:
                    break
                self._pause(SNS_BACKOFF_SECONDS * 2 ** (attempt - 1))
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


class LogSms:
    """Writes the message to the function's log instead of texting (demos only: the link is in the log)."""

    def __init__(self, log: Any) -> None:
        self._log = log

    def send(self, phone: str, body: str) -> str:
        # The link is the point of this mode, so it bypasses the token scrubbing on purpose, via print.
        self._log.info("SMS (log mode) to %s", mask(phone))
        print(f"{LOG_MODE_MARKER} to={mask(phone)} body={body}")
        return "log"
