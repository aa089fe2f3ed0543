"""Step Functions: start the workflow once per request, and complete the partner's wait."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

# The wait is over (timed out, already completed, or the token was replaced by a retry).
CLOSED_CALLBACK_CODES = frozenset({"TaskTimedOut", "InvalidToken", "TaskDoesNotExist"})


class CallbackClosedError(Exception):
    """The workflow no longer waits for this task token."""


class Workflow:
    def __init__(self, client: Any) -> None:
        self._client = client

    def start(self, state_machine_arn: str, request_id: str, expires_at: int | None = None) -> str:
        """Start the execution named after the request; a second start is harmless. One retry (on top of
        the client's own, `handlers/clients.py`).

        The input is the same on every try (`expires_at` is the request's TTL, which the workflow gives the
        timeline events it writes itself): Step Functions answers a start with the name and input of a
        running execution with that execution, and `ExecutionAlreadyExists` once it ended."""
        execution_input: dict[str, Any] = {"requestId": request_id}
        if expires_at is not None:
            execution_input["expiresAt"] = int(expires_at)
        for attempt in (1, 2):
            try:
                answer = self._client.start_execution(
                    stateMachineArn=state_machine_arn,
                    name=request_id,
                    input=json.dumps(execution_input),
                )
                return str(answer["executionArn"])
            except ClientError as exc:
                if _code(exc) == "ExecutionAlreadyExists":
                    return _execution_arn(state_machine_arn, request_id)
                if attempt == 2:
                    raise
            except BotoCoreError:
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def complete(self, task_token: str, output: dict[str, Any]) -> None:
        """`SendTaskSuccess`, retried once unless the wait is already over."""
        for attempt in (1, 2):
            try:
                self._client.send_task_success(taskToken=task_token, output=json.dumps(output))
                return
            except ClientError as exc:
                if _code(exc) in CLOSED_CALLBACK_CODES:
                    raise CallbackClosedError(_code(exc)) from exc
                if attempt == 2:
                    raise
            except BotoCoreError:
                if attempt == 2:
                    raise

    def stop(self, state_machine_arn: str, request_id: str, error: str, cause: str) -> bool:
        """`StopExecution` of the request's execution (an operator closed it). False when there is none
        running (never started, or already ended: both leave nothing to stop)."""
        try:
            self._client.stop_execution(
                executionArn=_execution_arn(state_machine_arn, request_id), error=error, cause=cause
            )
        except ClientError as exc:
            if _code(exc) == "ExecutionDoesNotExist":
                return False
            raise
        return True


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


def _execution_arn(state_machine_arn: str, name: str) -> str:
    return state_machine_arn.replace(":stateMachine:", ":execution:", 1) + f":{name}"
