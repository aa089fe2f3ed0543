"""The callback workflow's Amazon States Language definition: one pure builder, used by the CallbackWorkflow
component on AWS and by the local runtime on the emulator (docs/contracts.md, "Workflow").

One task both stores the task token and texts the partner (waitForTaskToken), so the link can never be
used before the token exists; its timeout is the partner wait, the same lifetime as the link.

No failure strands a request: every task retries Lambda's service errors and throttling, and catches
everything else on a path that ends. When a handler cannot end the request, the workflow ends it itself
with direct DynamoDB writes (no Lambda involved): the status becomes `Timeout` or `Failed` if it is still
open, and when no function could write the customer's message, the built-in one for the outcome is stored.
A status the workflow set itself gets its timeline event too, written right after it: the workflow cannot
compute epoch milliseconds, so the event's `at` is the state's ISO 8601 entry time (the store reads both
forms) and its TTL is the request's own, handed over in the execution input (`expiresAt`).
The sweeper (`handlers/sweeper.py`) is the net below this one.
"""

from __future__ import annotations

from typing import Any, Final

from handlers.models.domain import OutcomeKind
from handlers.models.messages import LAST_RESORT_NOTIFICATIONS, WORKFLOW_FAILED, last_resort_notification

NOTIFY_PARTNER: Final = "NotifyPartner"
HANDLE_TIMEOUT: Final = "HandleTimeout"
HANDLE_FAILURE: Final = "HandleFailure"
GENERATE_NOTIFICATION: Final = "GenerateNotification"
# The last-resort path: direct DynamoDB writes, no Lambda.
RECORD_TIMEOUT: Final = "RecordTimeout"
RECORD_FAILURE: Final = "RecordFailure"
TIMEOUT_OUTCOME: Final = "TimeoutOutcome"
FAILED_OUTCOME: Final = "FailedOutcome"
CHOOSE_TEMPLATE: Final = "ChooseTemplate"
END_STRANDED: Final = "EndStranded"
STORE_TEMPLATE_NOTIFICATION: Final = "StoreTemplateNotification"
RECORD_TIMEOUT_EVENT: Final = "RecordTimeoutEvent"
RECORD_FAILURE_EVENT: Final = "RecordFailureEvent"
END_STRANDED_EVENT: Final = "EndStrandedEvent"
STRANDED: Final = "Stranded"

UPDATE_ITEM: Final = "arn:aws:states:::dynamodb:updateItem"
PUT_ITEM: Final = "arn:aws:states:::dynamodb:putItem"
WORKFLOW_ACTOR: Final = "workflow"  # `endedBy` on the request and `by` in the event's details

WAIT_FOR_CALLBACK: Final = "arn:aws:states:::lambda:invoke.waitForTaskToken"

# Transient Lambda service errors worth retrying (not errors raised by our code).
LAMBDA_SERVICE_ERRORS: Final = (
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
)


# Transient DynamoDB errors of the direct writes (`DynamoDB.AmazonDynamoDBException`: no answer at all).
DYNAMODB_TRANSIENT_ERRORS: Final = (
    "DynamoDB.ProvisionedThroughputExceededException",
    "DynamoDB.ThrottlingException",
    "DynamoDB.RequestLimitExceeded",
    "DynamoDB.InternalServerErrorException",
    "DynamoDB.TransactionConflictException",
    "DynamoDB.AmazonDynamoDBException",
)
OPEN_STATUSES: Final = ("Created", "SMSSent", "Opened")


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


def _invoke(
    function_arn: str, payload: dict[str, str], *, result_path: str, next_state: str | None, catch: str
) -> dict:
    # A plain function ARN as the resource hands the task the function's answer as is (the `lambda:invoke`
    # integration would wrap it in {"Payload": ...}).
    state: dict[str, Any] = {
        "Type": "Task",
        "Resource": function_arn,
        "Parameters": payload,
        "ResultPath": result_path,
        "Retry": _service_retry(),
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.taskError", "Next": catch}],
    }
    if next_state is None:
        state["End"] = True
    else:
        state["Next"] = next_state
    return state


def _dynamodb_retry() -> list[dict[str, Any]]:
    return [
        {
            "ErrorEquals": list(DYNAMODB_TRANSIENT_ERRORS),
            "IntervalSeconds": 1,
            "BackoffRate": 2.0,
            "MaxAttempts": 3,
        }
    ]


def _request_key() -> dict[str, Any]:
    return {"PK": {"S.$": "States.Format('REQ#{}', $.requestId)"}, "SK": {"S": "METADATA"}}


def _end_open_request(
    table_name: str, status: str, reason: str | None, next_state: str, event_state: str
) -> dict[str, Any]:
    """Move a request that is still open to `status`, then record its event (`event_state`); a request
    already ended is left as it is (the condition fails, which is caught and goes on without an event)."""
    sets = "#status = :status, endedBy = :by"
    values: dict[str, Any] = {":status": {"S": status}, ":by": {"S": WORKFLOW_ACTOR}}
    if reason is not None:
        sets += ", failureReason = :reason"
        values[":reason"] = {"S": reason}
    values.update({f":open{i}": {"S": s} for i, s in enumerate(OPEN_STATUSES)})
    opened = ", ".join(f":open{i}" for i in range(len(OPEN_STATUSES)))
    return {
        "Type": "Task",
        "Resource": UPDATE_ITEM,
        "Parameters": {
            "TableName": table_name,
            "Key": _request_key(),
            "UpdateExpression": f"SET {sets}",
            "ConditionExpression": f"#status IN ({opened})",
            "ExpressionAttributeNames": {"#status": "status"},
            "ExpressionAttributeValues": values,
        },
        "ResultPath": None,
        "Retry": _dynamodb_retry(),
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.recordError", "Next": next_state}],
        "Next": event_state,
    }


def event_details(reason: str | None) -> dict[str, Any]:
    """The event's `details` as a DynamoDB map: who ended the request, and why when it failed."""
    details: dict[str, Any] = {"by": {"S": WORKFLOW_ACTOR}}
    if reason is not None:
        details["reason"] = {"S": reason}
    return {"M": details}


def _record_event(
    table_name: str, event_type: dict[str, str], details: dict[str, Any], next_state: str
) -> dict:
    """The timeline event of a status the workflow set (`EVENT#<entry time>#workflow`, written once). A
    failure here loses only the event: the request has ended either way, so it goes on."""
    return {
        "Type": "Task",
        "Resource": PUT_ITEM,
        "Parameters": {
            "TableName": table_name,
            "Item": {
                "PK": {"S.$": "States.Format('REQ#{}', $.requestId)"},
                "SK": {"S.$": "States.Format('EVENT#{}#workflow', $$.State.EnteredTime)"},
                "eventType": event_type,
                "at": {"S.$": "$$.State.EnteredTime"},
                "details": details,
                "expiresAt": {"N.$": "States.Format('{}', $.expiresAt)"},
            },
            "ConditionExpression": "attribute_not_exists(PK)",
        },
        "ResultPath": None,
        "Retry": _dynamodb_retry(),
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.eventError", "Next": next_state}],
        "Next": next_state,
    }


def _outcome(kind: str, next_state: str) -> dict[str, Any]:
    return {
        "Type": "Pass",
        "Result": {"response": kind, "alternativeTime": None},
        "ResultPath": "$.outcome",
        "Next": next_state,
    }


def _template_choice() -> dict[str, Any]:
    """The built-in message for the outcome the workflow holds (`failed` when it holds none). Rules are
    tried in order, so the comparisons only ever see a string."""
    response = "$.outcome.response"
    return {
        "Type": "Choice",
        "Choices": [
            {"Variable": response, "IsPresent": False, "Next": _template_state("failed")},
            {"Variable": response, "IsString": False, "Next": _template_state("failed")},
            *(
                {"Variable": response, "StringEquals": kind, "Next": _template_state(kind)}
                for kind in LAST_RESORT_NOTIFICATIONS
                if kind != "failed"
            ),
        ],
        "Default": _template_state("failed"),
    }


def _template_state(kind: str) -> str:
    return f"Template{kind.capitalize()}"


def _template(kind: OutcomeKind, support_phone: str) -> dict[str, Any]:
    # An answer already made the request `Responded`; only a request still open takes this status.
    status = "Timeout" if kind == "timeout" else "Failed"
    details = event_details(None if kind == "timeout" else WORKFLOW_FAILED)
    return {
        "Type": "Pass",
        "Result": {
            "message": last_resort_notification(kind, support_phone),
            "status": status,
            "details": details,
        },
        "ResultPath": "$.template",
        "Next": END_STRANDED,
    }


def _end_stranded(table_name: str) -> dict[str, Any]:
    state = _end_open_request(
        table_name, "", WORKFLOW_FAILED, STORE_TEMPLATE_NOTIFICATION, END_STRANDED_EVENT
    )
    values = state["Parameters"]["ExpressionAttributeValues"]
    values[":status"] = {"S.$": "$.template.status"}
    return state


def _store_template_notification(table_name: str) -> dict[str, Any]:
    """The last step: the built-in message, unless a function stored one after all."""
    return {
        "Type": "Task",
        "Resource": UPDATE_ITEM,
        "Parameters": {
            "TableName": table_name,
            "Key": _request_key(),
            "UpdateExpression": "SET notification = if_not_exists(notification, :notification)",
            "ConditionExpression": "attribute_exists(PK)",
            "ExpressionAttributeValues": {
                ":notification": {
                    "M": {
                        "message": {"S.$": "$.template.message"},
                        "source": {"S": "template"},
                        "by": {"S": "workflow"},
                    }
                }
            },
        },
        "ResultPath": None,
        "Retry": _dynamodb_retry(),
        # Nothing is left to try: the execution fails (alarmed), and the sweeper ends the request.
        "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.storeError", "Next": STRANDED}],
        "End": True,
    }


def build_definition(
    *,
    sms_sender_arn: str,
    timeout_arn: str,
    failure_arn: str,
    notification_arn: str,
    table_name: str,
    wait_seconds: int,
    support_phone: str,
) -> dict[str, Any]:
    """The Standard workflow: NotifyPartner (wait for the partner) -> GenerateNotification.

    Input `{"requestId", "expiresAt"}` (`expiresAt`: the request's TTL, given to the workflow's own events).
    The partner's answer (`SendTaskSuccess` output) lands in `$.outcome`; a timeout or
    any failure goes through a handler that records it and returns an outcome, so the customer always gets
    a notification. A handler that fails for good is replaced by direct DynamoDB writes (see the module's
    docstring), so every path ends with the request ended and a message stored.
    """
    if wait_seconds < 1:
        raise ValueError("wait_seconds must be at least 1")
    error_handler_payload = {"requestId.$": "$.requestId", "error.$": "$.error"}
    states: dict[str, Any] = {
        NOTIFY_PARTNER: {
            "Type": "Task",
            "Resource": WAIT_FOR_CALLBACK,
            "Parameters": {
                "FunctionName": sms_sender_arn,
                "Payload": {
                    "requestId.$": "$.requestId",
                    "taskToken.$": "$$.Task.Token",
                    "waitStartedAt.$": "$$.State.EnteredTime",
                },
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
            timeout_arn,
            error_handler_payload,
            result_path="$.outcome",
            next_state=GENERATE_NOTIFICATION,
            catch=RECORD_TIMEOUT,
        ),
        HANDLE_FAILURE: _invoke(
            failure_arn,
            error_handler_payload,
            result_path="$.outcome",
            next_state=GENERATE_NOTIFICATION,
            catch=RECORD_FAILURE,
        ),
        RECORD_TIMEOUT: _end_open_request(table_name, "Timeout", None, TIMEOUT_OUTCOME, RECORD_TIMEOUT_EVENT),
        RECORD_TIMEOUT_EVENT: _record_event(
            table_name, {"S": "Timeout"}, event_details(None), TIMEOUT_OUTCOME
        ),
        TIMEOUT_OUTCOME: _outcome("timeout", GENERATE_NOTIFICATION),
        RECORD_FAILURE: _end_open_request(
            table_name, "Failed", WORKFLOW_FAILED, FAILED_OUTCOME, RECORD_FAILURE_EVENT
        ),
        RECORD_FAILURE_EVENT: _record_event(
            table_name, {"S": "Failed"}, event_details(WORKFLOW_FAILED), FAILED_OUTCOME
        ),
        FAILED_OUTCOME: _outcome("failed", GENERATE_NOTIFICATION),
        GENERATE_NOTIFICATION: _invoke(
            notification_arn,
            {"requestId.$": "$.requestId", "outcome.$": "$.outcome"},
            result_path="$.notification",
            next_state=None,
            catch=CHOOSE_TEMPLATE,
        ),
        CHOOSE_TEMPLATE: _template_choice(),
        **{_template_state(kind): _template(kind, support_phone) for kind in LAST_RESORT_NOTIFICATIONS},
        END_STRANDED: _end_stranded(table_name),
        END_STRANDED_EVENT: _record_event(
            table_name,
            {"S.$": "$.template.status"},
            {"M.$": "$.template.details.M"},
            STORE_TEMPLATE_NOTIFICATION,
        ),
        STORE_TEMPLATE_NOTIFICATION: _store_template_notification(table_name),
        STRANDED: {
            "Type": "Fail",
            "Error": "RequestStranded",
            "Cause": "no step could store the customer's message; the sweeper ends the request",
        },
    }
    return {
        "Comment": "Text the partner a signed link, wait for the answer, notify the customer",
        "StartAt": NOTIFY_PARTNER,
        "States": states,
    }
