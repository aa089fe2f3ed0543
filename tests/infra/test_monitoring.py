"""The Monitoring component: the dashboard body (pure), the alarms and the outputs (Pulumi mocks)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import pulumi
import pytest

from components.functions import FUNCTION_KEYS
from components.monitoring import (
    METRICS,
    AlarmThresholds,
    Monitoring,
    MonitoringArgs,
    Resolved,
    dashboard_body,
)

ROOT = Path(__file__).resolve().parents[2]
REGION = "ap-northeast-2"
ACCOUNT = "123456789012"
FUNCTIONS = {key: f"partner-confirm-dev-{key}" for key in FUNCTION_KEYS}
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
STATE_MACHINE = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:callback-dev"


class RecordingMocks(pulumi.runtime.Mocks):
    def __init__(self) -> None:
        self.resources: list[pulumi.runtime.MockResourceArgs] = []

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.resources.append(args)
        outputs = dict(args.inputs)
        if args.typ == "aws:sns/topic:Topic":
            outputs["arn"] = f"arn:aws:sns:{args.inputs.get('region', REGION)}:{ACCOUNT}:{args.name}"
        return f"{args.name}-id", outputs

    def call(self, args: pulumi.runtime.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        return {}, None


def _args(**overrides: Any) -> MonitoringArgs:

    values: dict[str, Any] = {
        "function_names": {key: pulumi.Output.from_input(name) for key, name in FUNCTIONS.items()},
        "state_machine_arn": pulumi.Output.from_input(STATE_MACHINE),
        "api_id": "a1b2c3",
        "api_stage": "$default",
        "table_name": "confirmations-dev",
        "region": REGION,
        "alarm_email": "ops@example.com",
        "sms_region": "ap-northeast-1",
        "sms_monthly_spend_limit": 1,
    }
    return MonitoringArgs(**{**values, **overrides})


def _resolved() -> Resolved:

    return Resolved(
        region=REGION,
        function_names=FUNCTIONS,
        state_machine_arn=STATE_MACHINE,
        api_id="a1b2c3",
        api_stage="$default",
        table_name="confirmations-dev",
    )


def _titles(body: dict[str, Any]) -> list[str]:
    return [widget["properties"]["title"] for widget in body["widgets"]]


def test_dashboard_has_the_widgets_operators_asked_for() -> None:

    titles = _titles(dashboard_body(_resolved()))
    for wanted in (
        "Requests by status",
        "SMS sent and failed",
        "Partner answers by kind",
        "Time from request to answer",
        "Partner timeouts",
        "Notification source",
        "Lambda errors",
        "Lambda throttles",
        "Workflow executions",
        "API 4xx and 5xx",
        "API latency",
        "DynamoDB throttled",
    ):
        assert any(title.startswith(wanted) for title in titles), wanted


def test_dashboard_reads_every_custom_metric_in_the_handlers_namespace() -> None:

    used = {
        (line[0], line[1])
        for widget in dashboard_body(_resolved())["widgets"]
        for line in widget["properties"]["metrics"]
        if isinstance(line[0], str)
    }
    assert {("PartnerConfirm", name) for name in vars(METRICS).values()} <= used


def test_dashboard_charts_errors_and_throttles_of_every_function() -> None:

    body = dashboard_body(_resolved())
    for title in ("Lambda errors", "Lambda throttles"):
        [widget] = [w for w in body["widgets"] if w["properties"]["title"] == title]
        assert {line[3] for line in widget["properties"]["metrics"]} == set(FUNCTIONS.values())


def test_dashboard_metrics_name_this_stacks_resources() -> None:

    text = json.dumps(dashboard_body(_resolved()))
    assert f'"StateMachineArn", "{STATE_MACHINE}"' in text
    assert '"ApiId", "a1b2c3", "Stage", "$default"' in text
    assert '"TableName", "confirmations-dev"' in text
    assert all(widget["properties"]["region"] == REGION for widget in json.loads(text)["widgets"])


def test_dashboard_widgets_tile_the_grid_without_overlap() -> None:

    cells: set[tuple[int, int]] = set()
    for widget in dashboard_body(_resolved())["widgets"]:
        assert widget["x"] + widget["width"] <= 24
        tile = {
            (x, y)
            for x in range(widget["x"], widget["x"] + widget["width"])
            for y in range(widget["y"], widget["y"] + widget["height"])
        }
        assert not cells & tile, widget["properties"]["title"]
        cells |= tile


def test_metric_expressions_only_reference_metrics_of_their_widget() -> None:

    for widget in dashboard_body(_resolved())["widgets"]:
        lines = widget["properties"]["metrics"]
        ids = {line[-1].get("id") for line in lines if isinstance(line[-1], dict)}
        for line in lines:
            if "expression" in line[0]:
                assert set(re.findall(r"[a-z]\w*", line[0]["expression"])) <= ids


def test_every_custom_metric_is_emitted_by_the_handlers() -> None:

    source = "\n".join(path.read_text(encoding="utf-8") for path in (ROOT / "handlers").rglob("*.py"))
    missing = [name for name in vars(METRICS).values() if f'"{name}"' not in source]
    assert missing == []


@dataclass
class Deployment:
    resources: list[pulumi.runtime.MockResourceArgs]
    outputs: dict[str, str]

    def of_type(self, typ: str) -> list[pulumi.runtime.MockResourceArgs]:
        return [resource for resource in self.resources if resource.typ == typ]

    def alarm(self, role: str) -> pulumi.runtime.MockResourceArgs:
        [alarm] = [a for a in self.of_type(ALARM) if a.name == f"monitoring-{role}"]
        return alarm


def _deploy(**overrides: Any) -> Deployment:
    """Run the component under mocks to completion, so every child is registered before asserting."""
    mocks = RecordingMocks()
    pulumi.runtime.set_mocks(mocks, project="partner-confirm", stack="dev", preview=False)
    outputs: dict[str, str] = {}

    @pulumi.runtime.test
    def program() -> pulumi.Output[None]:
        monitoring = Monitoring("monitoring", _args(**overrides))
        return pulumi.Output.all(monitoring.dashboard_url, monitoring.alarm_topic_arn).apply(
            lambda values: outputs.update(dashboard_url=values[0], alarm_topic_arn=values[1])
        )

    program()
    assert outputs, "the program did not run to completion"
    return Deployment(mocks.resources, outputs)


def test_outputs_are_the_dashboard_url_and_the_alarm_topic() -> None:
    outputs = _deploy().outputs
    assert outputs["dashboard_url"] == (
        f"https://{REGION}.console.aws.amazon.com/cloudwatch/home?region={REGION}"
        "#dashboards/dashboard/partner-confirm-dev"
    )
    assert outputs["alarm_topic_arn"] == f"arn:aws:sns:{REGION}:{ACCOUNT}:monitoring-alarms"


def test_dashboard_body_carries_the_resolved_function_names() -> None:
    [dashboard] = _deploy().of_type("aws:cloudwatch/dashboard:Dashboard")
    assert dashboard.inputs["dashboardName"] == "partner-confirm-dev"
    body = json.loads(dashboard.inputs["dashboardBody"])
    assert body == dashboard_body(_resolved())


def test_alarms_cover_what_needs_a_person() -> None:
    names = {alarm.name for alarm in _deploy().of_type(ALARM)}
    per_function = {f"monitoring-{key.replace('_', '-')}-errors" for key in FUNCTIONS}
    assert names == per_function | {
        "monitoring-workflow-failures",
        "monitoring-partner-timeouts",
        "monitoring-api-5xx",
        "monitoring-sms-failures",
        "monitoring-dynamodb-throttles",
        "monitoring-stuck-requests",
        "monitoring-sms-budget",
        "monitoring-sms-spend",
    }


def test_every_alarm_and_its_recovery_go_to_the_topic() -> None:
    deployment = _deploy()
    topic_arn = deployment.outputs["alarm_topic_arn"]
    alarms = [alarm for alarm in deployment.of_type(ALARM) if "region" not in alarm.inputs]
    assert alarms
    for alarm in alarms:
        assert alarm.inputs["alarmActions"] == [topic_arn], alarm.name
        assert alarm.inputs["okActions"] == [topic_arn], alarm.name
        assert alarm.inputs["treatMissingData"] == "notBreaching", alarm.name


def test_workflow_alarm_sums_failed_timed_out_and_aborted_executions() -> None:
    alarm = _deploy(thresholds=AlarmThresholds(workflow_failures=3)).alarm("workflow-failures")
    queries = alarm.inputs["metricQueries"]
    metrics = [query["metric"] for query in queries if "metric" in query]
    assert {metric["metricName"] for metric in metrics} == {
        "ExecutionsFailed",
        "ExecutionsTimedOut",
        "ExecutionsAborted",
    }
    assert all(metric["dimensions"] == {"StateMachineArn": STATE_MACHINE} for metric in metrics)
    assert [query["id"] for query in queries if query.get("returnData")] == ["total"]
    assert alarm.inputs["threshold"] == 3


def test_function_error_alarm_watches_that_function() -> None:
    alarm = _deploy().alarm("sms-sender-errors")
    assert alarm.inputs["namespace"] == "AWS/Lambda"
    assert alarm.inputs["metricName"] == "Errors"
    assert alarm.inputs["dimensions"] == {"FunctionName": FUNCTIONS["sms_sender"]}


def test_sms_failure_alarm_watches_the_handlers_metric() -> None:
    alarm = _deploy().alarm("sms-failures")
    assert alarm.inputs["namespace"] == "PartnerConfirm"
    assert alarm.inputs["metricName"] == METRICS.sms_failed
    assert alarm.inputs["dimensions"] == {"service": "partner-confirm"}


def test_api_alarm_watches_5xx_of_the_stage() -> None:
    alarm = _deploy().alarm("api-5xx")
    assert alarm.inputs["metricName"] == "5xx"
    assert alarm.inputs["dimensions"] == {"ApiId": "a1b2c3", "Stage": "$default"}


def test_dynamodb_alarm_sums_read_and_write_throttles_of_the_table() -> None:
    queries = _deploy().alarm("dynamodb-throttles").inputs["metricQueries"]
    metrics = [query["metric"] for query in queries if "metric" in query]
    assert {metric["metricName"] for metric in metrics} == {"ReadThrottleEvents", "WriteThrottleEvents"}
    assert all(metric["dimensions"] == {"TableName": "confirmations-dev"} for metric in metrics)


def test_sms_budget_alarm_watches_the_handlers_metric() -> None:
    alarm = _deploy().alarm("sms-budget")
    assert alarm.inputs["namespace"] == "PartnerConfirm"
    assert alarm.inputs["metricName"] == METRICS.sms_budget_exhausted
    assert alarm.inputs["dimensions"] == {"service": "partner-confirm"}
    assert alarm.inputs["threshold"] == 1


@pytest.mark.parametrize("limit", [1, 30])
def test_sms_spend_alarm_fires_at_80_percent_of_the_limit_in_the_sms_region(limit: int) -> None:
    deployment = _deploy(sms_monthly_spend_limit=limit)
    alarm = deployment.alarm("sms-spend")
    [topic] = [t for t in deployment.of_type("aws:sns/topic:Topic") if t.inputs.get("region")]
    assert alarm.inputs["region"] == topic.inputs["region"] == "ap-northeast-1"
    assert (alarm.inputs["namespace"], alarm.inputs["metricName"]) == ("AWS/SNS", "SMSMonthToDateSpentUSD")
    assert alarm.inputs["threshold"] == pytest.approx(0.8 * limit)
    assert alarm.inputs["comparisonOperator"] == "GreaterThanOrEqualToThreshold"
    topic_arn = f"arn:aws:sns:ap-northeast-1:{ACCOUNT}:{topic.name}"
    assert alarm.inputs["alarmActions"] == alarm.inputs["okActions"] == [topic_arn]
    subscriptions = deployment.of_type("aws:sns/topicSubscription:TopicSubscription")
    assert [s.inputs["topic"] for s in subscriptions if s.inputs.get("region")] == [topic_arn]


def test_no_spend_alarm_without_the_sms_region() -> None:
    names = {alarm.name for alarm in _deploy(sms_region=None).of_type(ALARM)}
    assert "monitoring-sms-spend" not in names


def test_alarm_email_is_subscribed_to_the_topic() -> None:
    deployment = _deploy()
    [subscription] = [
        s
        for s in deployment.of_type("aws:sns/topicSubscription:TopicSubscription")
        if "region" not in s.inputs
    ]
    assert subscription.inputs["protocol"] == "email"
    assert subscription.inputs["endpoint"] == "ops@example.com"
    assert subscription.inputs["topic"] == deployment.outputs["alarm_topic_arn"]


def test_no_subscription_without_an_alarm_email() -> None:
    assert _deploy(alarm_email=None).of_type("aws:sns/topicSubscription:TopicSubscription") == []


def test_children_are_parented_to_the_component_and_prefixed() -> None:
    deployment = _deploy()
    [component] = deployment.of_type("partnerconfirm:index:Monitoring")
    children = [resource for resource in deployment.resources if resource is not component]
    assert len(children) > 3
    assert all(resource.name.startswith("monitoring-") for resource in children)


def test_renamed_metrics_reach_the_dashboard() -> None:

    body = dashboard_body(replace(_resolved(), metrics=replace(METRICS, sms_failed="TextFailed")))
    assert '"PartnerConfirm", "TextFailed"' in json.dumps(body)


def test_cost_model_counts_the_alarm_metrics_this_component_creates() -> None:
    from ops.cost import Prices

    alarms = _deploy(model_notifications=True).of_type(ALARM)
    metrics = sum(
        len([query for query in alarm.inputs["metricQueries"] if "metric" in query])
        if "metricQueries" in alarm.inputs
        else 1
        for alarm in alarms
    )
    assert Prices.load().assume("alarmMetrics") == metrics


def test_a_bedrock_stack_alarms_when_more_than_half_an_hours_notifications_came_from_the_template() -> None:
    alarm = _deploy(model_notifications=True).alarm("template-share")
    queries = {query["id"]: query for query in alarm.inputs["metricQueries"]}

    assert {q["metric"]["metricName"] for q in queries.values() if "metric" in q} == {
        "NotificationFromModel",
        "NotificationFromTemplate",
    }
    assert all(
        q["metric"]["period"] == 3600 and q["metric"]["stat"] == "Sum"
        for q in queries.values()
        if "metric" in q
    )
    assert all(
        q["metric"]["dimensions"] == {"service": "partner-confirm"} for q in queries.values() if "metric" in q
    )
    share = queries["share"]
    assert share["returnData"] is True
    total = "FILL(model, 0) + FILL(template, 0)"
    assert share["expression"] == f"IF({total} > 0, FILL(template, 0) / ({total}), 0)"
    assert (alarm.inputs["comparisonOperator"], alarm.inputs["threshold"]) == ("GreaterThanThreshold", 0.5)


def test_a_template_stack_has_no_template_share_alarm() -> None:
    names = {alarm.name for alarm in _deploy().of_type(ALARM)}
    assert "monitoring-template-share" not in names


def test_responded_counts_each_kind_of_answer_even_when_the_others_have_no_data() -> None:
    widgets = {widget["properties"]["title"]: widget for widget in dashboard_body(_resolved())["widgets"]}
    [responded] = [
        line[0]
        for line in widgets["Requests by status"]["properties"]["metrics"]
        if "expression" in line[0] and line[0].get("label") == "Responded"
    ]

    assert responded["expression"] == "FILL(accepted, 0) + FILL(rejected, 0) + FILL(alternative, 0)"
