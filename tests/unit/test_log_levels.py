"""No accepted stack `logLevel` lets Lambda's log filter drop a metric line, and the stack level still holds.

Lambda's application-log filter (JSON format) drops a line whose `level` is below its own, and reads a
line without `level` (Powertools' metric lines) as INFO. The filter below plays that rule on what a
function really prints, with the level the program deploys.
"""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import pytest

from components.functions import logging_config, powertools_environment
from components.settings import StackSettings
from handlers.observability import count, instrumented, logger, reset_observability

ORDER = {"TRACE": 0, "DEBUG": 1, "INFO": 2, "WARN": 3, "WARNING": 3, "ERROR": 4, "FATAL": 5}
ACCEPTED = StackSettings.model_fields["log_level"].annotation.__args__  # type: ignore[union-attr]


def lambda_filter(lines: list[str], level: str) -> list[str]:
    kept = []
    for line in lines:
        record = json.loads(line)
        if ORDER[str(record.get("level", "INFO")).upper()] >= ORDER[level]:
            kept.append(line)
    return kept


def _invoke(
    stack_level: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> list[str]:
    lambda_level = logging_config(stack_level, "group")["application_log_level"]
    monkeypatch.setenv("AWS_LAMBDA_LOG_LEVEL", str(lambda_level))
    for name, value in powertools_environment(stack_level).items():
        monkeypatch.setenv(name, value)
    reset_observability()

    @instrumented()
    def handler(event: Any, context: Any) -> dict[str, Any]:
        logger().debug("debug line")
        logger().info("info line")
        logger().warning("warning line")
        count("SomethingHappened")
        return {}

    context = SimpleNamespace(
        function_name="fn", memory_limit_in_mb=128, invoked_function_arn="arn", aws_request_id="r"
    )
    capsys.readouterr()
    handler({}, context)
    printed = [line for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    return lambda_filter(printed, str(lambda_level))


def test_the_accepted_levels_are_the_four_python_names() -> None:
    assert set(ACCEPTED) == {"DEBUG", "INFO", "WARNING", "ERROR"}


@pytest.mark.parametrize("stack_level", ["DEBUG", "INFO", "WARNING", "ERROR"])
def test_lambda_never_filters_above_info(stack_level: str) -> None:
    assert logging_config(stack_level, "group")["application_log_level"] in ("DEBUG", "INFO")


@pytest.mark.parametrize(
    ("stack_level", "messages"),
    [
        ("DEBUG", ["debug line", "info line", "warning line"]),
        ("INFO", ["info line", "warning line"]),
        ("WARNING", ["warning line"]),
        ("ERROR", []),
    ],
)
def test_metric_lines_survive_every_level_and_the_stack_level_holds(
    stack_level: str, messages: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    kept = _invoke(stack_level, monkeypatch, capsys)

    metrics = [json.loads(line) for line in kept if line.startswith('{"_aws"')]
    names = {m["Name"] for r in metrics for d in r["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]}
    assert "SomethingHappened" in names
    assert [json.loads(line)["message"] for line in kept if '"message"' in line] == messages
