"""Partner SMS: SNS (Transactional, two retries) or, for demos where texting is blocked, the log."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from handlers.models.errors import SmsDeliveryError
from handlers.models.phone import mask

SNS_ATTEMPTS = 3  # the first try and two retries
# A throttled publish retried at once fails again: wait 0.25 s, then 0.5 s (well inside the task's time).
SNS_BACKOFF_SECONDS = 0.25
# Starts every text written in log mode; `python -m ops smoke` finds the texts in the log by it.
LOG_MODE_MARKER = "[SMS log mode]"


class SmsSender(Protocol):
    def send(self, phone: str, body: str) -> str: ...


class SnsSms:
    def __init__(self, client: Any, pause: Callable[[float], None] = time.sleep) -> None:
        self._client = client
        self._pause = pause

    def send(self, phone: str, body: str) -> str:
        last: Exception | None = None
        for attempt in range(SNS_ATTEMPTS):
            if attempt:
                self._pause(SNS_BACKOFF_SECONDS * 2 ** (attempt - 1))
            try:
                answer = self._client.publish(
                    PhoneNumber=phone,
                    Message=body,
                    MessageAttributes={
                        "AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}
                    },
                )
                return str(answer["MessageId"])
            except (ClientError, BotoCoreError) as exc:
                last = exc
        raise SmsDeliveryError(f"SNS refused the SMS {SNS_ATTEMPTS} times") from last


class LogSms:
    """Writes the message to the function's log instead of texting (demos only: the link is in the log)."""

    def __init__(self, log: Any) -> None:
        self._log = log

    def send(self, phone: str, body: str) -> str:
        # The link is the point of this mode, so it bypasses the token scrubbing on purpose, via print.
        self._log.info("SMS (log mode) to %s", mask(phone))
        print(f"{LOG_MODE_MARKER} to={mask(phone)} body={body}")
        return "log"
