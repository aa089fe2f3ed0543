"""A whole run's logs hold no link token, no task token and no phone number in the clear."""

from __future__ import annotations

import logging
import re

import pytest
from botocore.stub import ANY, Stubber

from handlers import notification, timeout


def test_whole_run_logs_contain_no_token_and_no_unmasked_phone(flow, aws_client, context, capsys):
    request_id, token = flow.texted(task_token="secret-task-token-123")
    flow.confirm(token)
    flow.respond({"token": token, "response": "maybe"})  # a refused answer logs too
    stub = Stubber(aws_client("stepfunctions"))
    stub.add_client_error("send_task_success", "TaskTimedOut")
    with stub:
        flow.respond({"token": token, "response": "accept"})
    flow.respond({"token": token, "response": "accept"})  # 409
    timeout.handler({"requestId": request_id, "error": {"Error": "States.Timeout"}}, context)
    notification.handler({"requestId": request_id, "outcome": {"response": "accept"}}, context)
    flow.orchestrated(customerPhone="+82 10 5555 0101", reservationNumber="R-NONE-1")
    flow.status(request_id)
    captured = capsys.readouterr()
    logs = captured.out + captured.err
    assert '"level":"DEBUG"' in logs or '"level":"INFO"' in logs  # the run did log
    assert token not in logs
    assert "secret-task-token-123" not in logs
    digits = re.sub(r"[\s-]", "", logs)
    for national in ("1012345678", "1098765432", "1055550101"):
        assert national not in digits


@pytest.mark.filterwarnings("ignore:POWERTOOLS_DEV environment variable is enabled")
def test_powertools_debug_switches_cannot_print_raw_events(flow, monkeypatch, capsys):
    # An operator turning on Powertools' dev or event logging must not put raw bodies and paths in the logs.
    monkeypatch.setenv("POWERTOOLS_DEV", "true")
    monkeypatch.setenv("POWERTOOLS_LOGGER_LOG_EVENT", "true")
    _, token = flow.texted()
    flow.confirm(token)
    flow.chat(customerPhone="010.5555.0101", message="제 번호는 010.5555.0101 입니다")
    captured = capsys.readouterr()
    logs = captured.out + captured.err
    assert token not in logs
    assert "5555.0101" not in logs
    assert "제 번호는" not in logs


class _Everything(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


def test_the_aws_sdk_never_logs_wire_data_whatever_the_level(flow, aws_client, context, monkeypatch):
    # Lambda's runtime hands the root logger's records to CloudWatch; at DEBUG botocore would log every
    # request and answer (tokens, task tokens, phones, customers' text).
    request_id, token = flow.texted(task_token="secret-task-token-456")
    callbacks = aws_client("stepfunctions")
    root = logging.getLogger()
    capture = _Everything()
    monkeypatch.setattr(root, "level", logging.DEBUG)
    for name in ("botocore", "urllib3"):
        logging.getLogger(name).setLevel(logging.DEBUG)  # someone turned them up
    root.addHandler(capture)
    try:
        flow.confirm(token)
        with Stubber(callbacks) as stub:
            stub.add_response("send_task_success", {}, {"taskToken": ANY, "output": ANY})
            flow.respond({"token": token, "response": "accept"})
        timeout.handler({"requestId": request_id, "error": {"Error": "States.Timeout"}}, context)
        flow.status(request_id)
    finally:
        root.removeHandler(capture)
    sdk = [
        r for r in capture.records if r.name.split(".")[0] in ("botocore", "boto3", "urllib3", "s3transfer")
    ]
    assert capture.records  # the functions did log
    assert all(r.levelno >= logging.WARNING for r in sdk), {r.name for r in sdk}
    text = "\n".join(r.getMessage() for r in capture.records)
    assert token not in text
    assert "secret-task-token-456" not in text
    assert "1098765432" not in re.sub(r"[\s-]", "", text)
