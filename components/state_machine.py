"""The callback workflow's Amazon States Language definition: one pure builder, used by the CallbackWorkflow
component on AWS and by the local runtime on the emulator (docs/contracts.md, "Workflow").

One task both stores the task token and texts the partner (waitForTaskToken), so the link can never be
used before the token exists; its timeout is the partner wait, the same lifetime as the link.
"""

from __future__ import annotations

from typing import Any, Final

NOTIFY_PARTNER: Final = "NotifyPartner"
HANDLE_TIMEOUT: Final = "HandleTimeout"
HANDLE_FAILURE: Final = "HandleFailure"
GENERATE_NOTIFICATION: Final = "GenerateNotification"

WAIT_FOR_CALLBACK: Final = "arn:aws:states:::lambda:invoke.waitForTaskToken"

# Transient Lambda service errors worth retrying (not errors raised by our code).
LAMBDA_SERVICE_ERRORS: Final = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
)


def _service_retry() -> list[dict[str, Any]]:
    # The seed's backoff: 1 s, 2 s, 4 s.
    return [
        {
            "ErrorEquals": list(LAMBDA_SERVICE_ERRORS),
            "IntervalSeconds": 1,
            "BackoffRate": 2.0,
            "MaxAttempts": 3,
        }
    ]


def _invoke(function_arn: str, payload: dict[str, str], *, result_path: str, next_state: str | None) -> dict:
    # A plain function ARN as the resource hands the task the function's answer as is (the `lambda:invoke`
    # integration would wrap it in {"Payload": ...}).
    state: dict[str, Any] = {
        "Type": "Task",
        "Resource": function_arn,
        "Parameters": payload,
        "ResultPath": result_path,
        "Retry": _service_retry(),
    }
    if next_state is None:
        state["End"] = True
    else:
        state["Next"] = next_state
    return state


def build_definition(
    *,
    sms_sender_arn: str,
    timeout_arn: str,
    failure_arn: str,
    notification_arn: str,
    wait_seconds: int,
) -> dict[str, Any]:
    """The Standard workflow: NotifyPartner (wait for the partner) -> GenerateNotification.

    Input `{"requestId"}`. The partner's answer (`SendTaskSuccess` output) lands in `$.outcome`; a timeout or
    any failure goes through a handler that records it and returns an outcome, so the customer always gets
    a notification.
    """
    if wait_seconds < 1:
        raise ValueError("wait_seconds must be at least 1")
    error_handler_payload = {"requestId.$": "$.requestId", "error.$": "$.error"}
    return {
        "Comment": "Text the partner a signed link, wait for the answer, notify the customer",
        "StartAt": NOTIFY_PARTNER,
        "States": {
            NOTIFY_PARTNER: {
                "Type": "Task",
                "Resource": WAIT_FOR_CALLBACK,
                "Parameters": {
                    "FunctionName": sms_sender_arn,
                    "Payload": {"requestId.$": "$.requestId", "taskToken.$": "$$.Task.Token"},
                },
                "TimeoutSeconds": wait_seconds,
                "ResultPath": "$.outcome",
                "Retry": _service_retry(),
                "Catch": [
                    {"ErrorEquals": ["States.Timeout"], "ResultPath": "$.error", "Next": HANDLE_TIMEOUT},
                    {"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": HANDLE_FAILURE},
                ],
                "Next": GENERATE_NOTIFICATION,
            },
            HANDLE_TIMEOUT: _invoke(
                timeout_arn, error_handler_payload, result_path="$.outcome", next_state=GENERATE_NOTIFICATION
            ),
            HANDLE_FAILURE: _invoke(
                failure_arn, error_handler_payload, result_path="$.outcome", next_state=GENERATE_NOTIFICATION
            ),
            GENERATE_NOTIFICATION: _invoke(
                notification_arn,
                {"requestId.$": "$.requestId", "outcome.$": "$.outcome"},
                result_path="$.notification",
                next_state=None,
            ),
        },
    }
