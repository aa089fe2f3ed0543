"""Hands a new request to the orchestrator without making the customer wait for it."""

from __future__ import annotations

import json
from typing import Any


class AsyncInvoker:
    def __init__(self, client: Any, function_name: str) -> None:
        self._client = client
        self._function = function_name

    def hand_over(self, request_id: str) -> None:
        # Event invocation: Lambda queues it and answers 202 at once, retrying the function on its own.
        self._client.invoke(
            FunctionName=self._function,
            InvocationType="Event",
            Payload=json.dumps({"requestId": request_id}).encode(),
        )
