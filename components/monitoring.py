"""Monitoring: one CloudWatch dashboard per stack, and alarms on what needs a person, sent to e-mail.

The dashboard body is a plain dict built by `dashboard_body` (unit-tested without Pulumi); the component only
resolves the names and ARNs it needs and serialises it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

import pulumi
import pulumi_aws as aws

NAMESPACE: Final = "PartnerConfirm"
SERVICE: Final = "partner-confirm"  # Powertools' default dimension `service` (POWERTOOLS_SERVICE_NAME)
PERIOD: Final = 300


@dataclass(frozen=True)
class MetricNames:
    """The custom metrics the handlers emit (`docs/contracts.md`, "Custom metrics")."""

    request_created: str = "RequestCreated"
    request_failed: str = "RequestFailed"
    sms_sent: str = "SmsSent"
    sms_failed: str = "SmsFailed"
    link_opened: str = "LinkOpened"
    accepted: str = "PartnerAccepted"
    rejected: str = "PartnerRejected"
    alternative: str = "PartnerProposedAlternative"
    time_to_answer: str = "TimeToAnswer"
    timeout: str = "PartnerTimeout"
    notification_model: str = "NotificationFromModel"
    notification_template: str = "NotificationFromTemplate"
    guardrail_intervened: str = "NotificationGuardrailIntervened"
    notification_check_failed: str = "NotificationCheckFailed"
    notification_model_failed: str = "NotificationModelFailed"
    stuck_request_ended: str = "StuckRequestEnded"
    sms_budget_exhausted: str = "SmsBudgetExhausted"
    partner_text_cap: str = "PartnerTextCapReached"


METRICS: Final = MetricNames()


@dataclass(frozen=True, kw_only=True)
class AlarmThresholds:
    """How much of each problem, summed over one evaluation window, wakes a person."""

    workflow_failures: int = 1
    """Executions failed, timed out or aborted in 5 minutes."""
    partner_timeouts: int = 5
    """Partners who did not answer in one hour (one is normal; many means texts are not arriving)."""
    lambda_errors: int = 1
    """Errors of one function in 5 minutes."""
    api_5xx: int = 5
    """API 5xx answers in 5 minutes."""
    sms_failures: int = 1
    """Texts that could not be sent in 5 minutes."""
    dynamodb_throttles: int = 1
    """Throttled reads and writes on the table in 5 minutes."""
    stuck_requests: int = 1
    """Requests the sweeper had to end in 5 minutes: any is a bug to look at."""
    sms_budget: int = 1
    """Texts or requests refused in 5 minutes because the day's SMS budget is spent."""
    sms_spend_share: float = 0.8
    """Share of the monthly SMS spend limit (`AWS/SNS SMSMonthToDateSpentUSD`) that wakes a person."""
    template_share: float = 0.5
    """On a Bedrock stack, the share of an hour's notifications from the template above which a person looks
    (Bedrock failing quietly: access revoked, a model retired, the guardrail or the check refusing)."""


@dataclass(frozen=True, kw_only=True)
class MonitoringArgs:
    function_names: Mapping[str, pulumi.Input[str]]
    """Deployed function names by function key (`intake`, `orchestrator`, ...)."""
    state_machine_arn: pulumi.Input[str]
    """The workflow's state machine."""
    api_id: pulumi.Input[str]
    """The HTTP API's id."""
    api_stage: pulumi.Input[str]
    """The HTTP API stage the metrics are reported for (`$default`)."""
    table_name: pulumi.Input[str]
    """The single table."""
    region: pulumi.Input[str]
    """The region everything above lives in (the dashboard's metrics and its console URL)."""
    alarm_email: pulumi.Input[str] | None = None
    """Where alarms go; without it the topic has no subscriber until someone subscribes."""
    sms_region: str | None = None
    """Where SNS sends texts (and reports `SMSMonthToDateSpentUSD`); with `sms_monthly_spend_limit`, the spend
    alarm lives there, with a topic of its own (an alarm notifies topics of its own region only)."""
    sms_monthly_spend_limit: float | None = None
    """The account's monthly SMS spend limit in USD (stack setting `smsMonthlySpendLimit`)."""
    model_notifications: bool = False
    """The stack writes notifications with Bedrock (`notifier: bedrock`): alarm when the template takes
    over."""
    namespace: str = NAMESPACE
    """The handlers' metric namespace."""
    metrics: MetricNames = METRICS
    """The handlers' custom metric names."""
    thresholds: AlarmThresholds = field(default_factory=AlarmThresholds)
    """Alarm thresholds."""


@dataclass(frozen=True, kw_only=True)
class Resolved:
    """The plain values `dashboard_body` needs, once Pulumi has resolved them."""

    region: str
    function_names: Mapping[str, str]
    state_machine_arn: str
    api_id: str
    api_stage: str
    table_name: str
    namespace: str = NAMESPACE
    metrics: MetricNames = METRICS


def _custom(namespace: str, name: str, label: str, **options: Any) -> list[Any]:
    return [namespace, name, "service", SERVICE, {"label": label, **options}]


def _widget(
    title: str, metrics: Sequence[list[Any]], *, region: str, stat: str = "Sum", **extra: Any
) -> dict:
    return {
        "type": "metric",
        "properties": {
            "title": title,
            "region": region,
            "metrics": list(metrics),
            "stat": stat,
            "period": PERIOD,
            "view": "timeSeries",
            **extra,
        },
    }


def _widgets(values: Resolved) -> list[dict[str, Any]]:
    ns, m, region = values.namespace, values.metrics, values.region
    functions = sorted(values.function_names.items())
    sfn = ["StateMachineArn", values.state_machine_arn]
    api = ["ApiId", values.api_id, "Stage", values.api_stage]
    return [
        _widget(
            "Requests by status",
            [
                _custom(ns, m.request_created, "Created"),
                _custom(ns, m.sms_sent, "SMSSent"),
                _custom(ns, m.link_opened, "Opened"),
                _custom(ns, m.accepted, "accept", visible=False, id="accepted"),
                _custom(ns, m.rejected, "reject", visible=False, id="rejected"),
                _custom(ns, m.alternative, "alternative", visible=False, id="alternative"),
                [
                    {
                        # A period with only some kinds of answers must still count them (no data is 0).
                        "expression": "FILL(accepted, 0) + FILL(rejected, 0) + FILL(alternative, 0)",
                        "label": "Responded",
                        "id": "responded",
                    }
                ],
                _custom(ns, m.timeout, "Timeout"),
                _custom(ns, m.request_failed, "Failed"),
            ],
            region=region,
            stacked=True,
        ),
        _widget(
            "SMS sent and failed",
            [
                _custom(ns, m.sms_sent, "sent"),
                _custom(ns, m.sms_failed, "failed", color="#d62728"),
                _custom(ns, m.sms_budget_exhausted, "refused: daily budget", color="#ff7f0e"),
                _custom(ns, m.partner_text_cap, "refused: partner cap", color="#9467bd"),
            ],
            region=region,
        ),
        _widget(
            "Partner answers by kind",
            [
                _custom(ns, m.accepted, "accept"),
                _custom(ns, m.rejected, "reject"),
                _custom(ns, m.alternative, "alternative time"),
            ],
            region=region,
            stacked=True,
        ),
        _widget(
            "Time from request to answer (seconds)",
            [
                _custom(ns, m.time_to_answer, "p50", stat="p50"),
                _custom(ns, m.time_to_answer, "p90", stat="p90"),
                _custom(ns, m.time_to_answer, "max", stat="Maximum"),
            ],
            region=region,
            stat="p50",
        ),
        _widget("Partner timeouts", [_custom(ns, m.timeout, "timeouts")], region=region),
        _widget(
            "Stuck requests ended by the sweeper (any is a bug)",
            [_custom(ns, m.stuck_request_ended, "ended", color="#d62728")],
            region=region,
        ),
        _widget(
            "Notification source",
            [_custom(ns, m.notification_model, "model"), _custom(ns, m.notification_template, "template")],
            region=region,
            stacked=True,
        ),
        _widget(
            "Why the template replaced the model",
            [
                _custom(ns, m.guardrail_intervened, "guardrail intervened", color="#d62728"),
                _custom(ns, m.notification_check_failed, "refused by the check", color="#ff7f0e"),
                _custom(ns, m.notification_model_failed, "model error or unfinished", color="#9467bd"),
            ],
            region=region,
            stacked=True,
        ),
        _widget(
            "Lambda errors",
            [["AWS/Lambda", "Errors", "FunctionName", name, {"label": key}] for key, name in functions],
            region=region,
        ),
        _widget(
            "Lambda throttles",
            [["AWS/Lambda", "Throttles", "FunctionName", name, {"label": key}] for key, name in functions],
            region=region,
        ),
        _widget(
            "Workflow executions",
            [
                ["AWS/States", "ExecutionsStarted", *sfn, {"label": "started"}],
                ["AWS/States", "ExecutionsSucceeded", *sfn, {"label": "succeeded"}],
                ["AWS/States", "ExecutionsFailed", *sfn, {"label": "failed", "color": "#d62728"}],
                ["AWS/States", "ExecutionsTimedOut", *sfn, {"label": "timed out", "color": "#ff7f0e"}],
                ["AWS/States", "ExecutionsAborted", *sfn, {"label": "aborted"}],
            ],
            region=region,
        ),
        _widget(
            "API 4xx and 5xx",
            [
                ["AWS/ApiGateway", "4xx", *api, {"label": "4xx"}],
                ["AWS/ApiGateway", "5xx", *api, {"label": "5xx", "color": "#d62728"}],
                ["AWS/ApiGateway", "Count", *api, {"label": "requests", "yAxis": "right"}],
            ],
            region=region,
        ),
        _widget(
            "API latency (ms)",
            [
                ["AWS/ApiGateway", "Latency", *api, {"label": "p50", "stat": "p50"}],
                ["AWS/ApiGateway", "Latency", *api, {"label": "p90", "stat": "p90"}],
                ["AWS/ApiGateway", "Latency", *api, {"label": "p99", "stat": "p99"}],
            ],
            region=region,
            stat="p50",
        ),
        _widget(
            "DynamoDB throttled reads and writes",
            [
                ["AWS/DynamoDB", "ReadThrottleEvents", "TableName", values.table_name, {"label": "reads"}],
                ["AWS/DynamoDB", "WriteThrottleEvents", "TableName", values.table_name, {"label": "writes"}],
            ],
            region=region,
        ),
    ]


def dashboard_body(values: Resolved) -> dict[str, Any]:
    """The CloudWatch dashboard body: two metric widgets a row, in the order operators read them."""
    widgets = []
    for index, widget in enumerate(_widgets(values)):
        widgets.append({**widget, "x": (index % 2) * 12, "y": (index // 2) * 6, "width": 12, "height": 6})
    return {"start": "-PT6H", "periodOverride": "inherit", "widgets": widgets}


def dashboard_url(region: str, name: str) -> str:
    return (
        f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#dashboards/dashboard/{name}"
    )


class Monitoring(pulumi.ComponentResource):
    """The stack's dashboard, its alarms and the SNS topic that e-mails them."""

    dashboard_url: pulumi.Output[str]
    alarm_topic_arn: pulumi.Output[str]

    def __init__(self, name: str, args: MonitoringArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("partnerconfirm:index:Monitoring", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        # Unencrypted on purpose: CloudWatch cannot publish to a topic under the AWS-managed SNS key, and
        # alarm texts carry no personal data.
        topic = aws.sns.Topic(f"{name}-alarms", opts=child)
        if args.alarm_email is not None:
            aws.sns.TopicSubscription(
                f"{name}-alarms-email",
                topic=topic.arn,
                protocol="email",
                endpoint=args.alarm_email,
                opts=child,
            )

        dashboard_name = f"{pulumi.get_project()}-{pulumi.get_stack()}"
        body = pulumi.Output.all(
            region=args.region,
            function_names=pulumi.Output.all(**dict(args.function_names)),
            state_machine_arn=args.state_machine_arn,
            api_id=args.api_id,
            api_stage=args.api_stage,
            table_name=args.table_name,
        ).apply(lambda v: dashboard_body(Resolved(**v, namespace=args.namespace, metrics=args.metrics)))
        dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard",
            dashboard_name=dashboard_name,
            dashboard_body=pulumi.Output.json_dumps(body),
            opts=child,
        )

        _Alarms(name, args, topic.arn, child).create()

        self.dashboard_url = pulumi.Output.all(args.region, dashboard.dashboard_name).apply(
            lambda v: dashboard_url(v[0], v[1])
        )
        self.alarm_topic_arn = topic.arn
        self.register_outputs({"dashboard_url": self.dashboard_url, "alarm_topic_arn": self.alarm_topic_arn})


@dataclass(frozen=True)
class _Alarms:
    name: str
    args: MonitoringArgs
    topic_arn: pulumi.Output[str]
    opts: pulumi.ResourceOptions

    def _alarm(self, role: str, description: str, threshold: int, **metric: Any) -> None:
        aws.cloudwatch.MetricAlarm(
            f"{self.name}-{role}",
            alarm_description=description,
            comparison_operator="GreaterThanOrEqualToThreshold",
            threshold=threshold,
            evaluation_periods=1,
            treat_missing_data="notBreaching",  # these metrics only exist when something happens
            alarm_actions=[self.topic_arn],
            ok_actions=[self.topic_arn],
            opts=self.opts,
            **metric,
        )

    def _sum_of(
        self, role: str, description: str, threshold: int, metrics: Sequence[tuple[str, str, dict]]
    ) -> None:
        queries = [
            aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id=f"m{index}",
                return_data=False,
                metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                    namespace=namespace,
                    metric_name=metric_name,
                    dimensions=dimensions,
                    period=PERIOD,
                    stat="Sum",
                ),
            )
            for index, (namespace, metric_name, dimensions) in enumerate(metrics)
        ]
        total = " + ".join(f"FILL(m{index}, 0)" for index in range(len(metrics)))
        queries.append(
            aws.cloudwatch.MetricAlarmMetricQueryArgs(id="total", expression=total, return_data=True)
        )
        self._alarm(role, description, threshold, metric_queries=queries)

    def _sms_spend(self, region: str, threshold: float) -> None:
        """The month's SMS spend nears the account's limit, after which SNS silently stops texting."""
        topic = aws.sns.Topic(f"{self.name}-sms-alarms", region=region, opts=self.opts)
        if self.args.alarm_email is not None:
            aws.sns.TopicSubscription(
                f"{self.name}-sms-alarms-email",
                region=region,
                topic=topic.arn,
                protocol="email",
                endpoint=self.args.alarm_email,
                opts=self.opts,
            )
        aws.cloudwatch.MetricAlarm(
            f"{self.name}-sms-spend",
            region=region,
            alarm_description=(
                f"This month's SMS spend reached {threshold:.2f} USD, "
                f"{self.args.thresholds.sms_spend_share:.0%} of the account's limit: "
                "past the limit SNS sends nothing at all."
            ),
            comparison_operator="GreaterThanOrEqualToThreshold",
            threshold=threshold,
            evaluation_periods=1,
            namespace="AWS/SNS",
            metric_name="SMSMonthToDateSpentUSD",
            statistic="Maximum",
            period=PERIOD,
            treat_missing_data="notBreaching",
            alarm_actions=[topic.arn],
            ok_actions=[topic.arn],
            opts=self.opts,
        )

    def _template_share(self, threshold: float) -> None:
        """More than `threshold` of an hour's notifications came from the template on a Bedrock stack."""
        args = self.args

        def hourly(query_id: str, metric_name: str) -> aws.cloudwatch.MetricAlarmMetricQueryArgs:
            return aws.cloudwatch.MetricAlarmMetricQueryArgs(
                id=query_id,
                return_data=False,
                metric=aws.cloudwatch.MetricAlarmMetricQueryMetricArgs(
                    namespace=args.namespace,
                    metric_name=metric_name,
                    dimensions={"service": SERVICE},
                    period=3600,
                    stat="Sum",
                ),
            )

        total = "FILL(model, 0) + FILL(template, 0)"
        aws.cloudwatch.MetricAlarm(
            f"{self.name}-template-share",
            alarm_description=(
                f"More than {threshold:.0%} of the last hour's customer notifications came from the built-in "
                "template, not Bedrock: check model access, the model's lifecycle, the guardrail and the "
                "NotificationGuardrailIntervened / NotificationCheckFailed / NotificationModelFailed counts."
            ),
            comparison_operator="GreaterThanThreshold",
            threshold=threshold,
            evaluation_periods=1,
            treat_missing_data="notBreaching",  # an hour without notifications is no failure
            alarm_actions=[self.topic_arn],
            ok_actions=[self.topic_arn],
            metric_queries=[
                hourly("model", args.metrics.notification_model),
                hourly("template", args.metrics.notification_template),
                aws.cloudwatch.MetricAlarmMetricQueryArgs(
                    id="share",
                    expression=f"IF({total} > 0, FILL(template, 0) / ({total}), 0)",
                    label="share of notifications from the template",
                    return_data=True,
                ),
            ],
            opts=self.opts,
        )

    def create(self) -> None:
        args, limits = self.args, self.args.thresholds
        if args.model_notifications:
            self._template_share(limits.template_share)
        sfn = {"StateMachineArn": args.state_machine_arn}
        self._sum_of(
            "workflow-failures",
            "Workflow executions failed, timed out or were aborted: a customer is waiting for nothing.",
            limits.workflow_failures,
            [
                ("AWS/States", name, sfn)
                for name in ("ExecutionsFailed", "ExecutionsTimedOut", "ExecutionsAborted")
            ],
        )
        self._alarm(
            "partner-timeouts",
            "Many partners did not answer within the wait: check that texts are delivered.",
            limits.partner_timeouts,
            namespace=args.namespace,
            metric_name=args.metrics.timeout,
            dimensions={"service": SERVICE},
            statistic="Sum",
            period=3600,
        )
        for key, function_name in sorted(args.function_names.items()):
            self._alarm(
                f"{key.replace('_', '-')}-errors",
                f"The {key} function is failing.",
                limits.lambda_errors,
                namespace="AWS/Lambda",
                metric_name="Errors",
                dimensions={"FunctionName": function_name},
                statistic="Sum",
                period=PERIOD,
            )
        self._alarm(
            "api-5xx",
            "The API answers with server errors.",
            limits.api_5xx,
            namespace="AWS/ApiGateway",
            metric_name="5xx",
            dimensions={"ApiId": args.api_id, "Stage": args.api_stage},
            statistic="Sum",
            period=PERIOD,
        )
        self._alarm(
            "sms-failures",
            "Partner texts could not be sent (quota, sandbox or carrier): requests are failing.",
            limits.sms_failures,
            namespace=args.namespace,
            metric_name=args.metrics.sms_failed,
            dimensions={"service": SERVICE},
            statistic="Sum",
            period=PERIOD,
        )
        self._alarm(
            "stuck-requests",
            "The sweeper ended requests the workflow left open past their wait: a bug to look at.",
            limits.stuck_requests,
            namespace=args.namespace,
            metric_name=args.metrics.stuck_request_ended,
            dimensions={"service": SERVICE},
            statistic="Sum",
            period=PERIOD,
        )
        self._alarm(
            "sms-budget",
            "The stack's daily SMS budget is spent: no partner or customer is texted until the next UTC day.",
            limits.sms_budget,
            namespace=args.namespace,
            metric_name=args.metrics.sms_budget_exhausted,
            dimensions={"service": SERVICE},
            statistic="Sum",
            period=PERIOD,
        )
        if args.sms_region is not None and args.sms_monthly_spend_limit is not None:
            self._sms_spend(args.sms_region, args.sms_monthly_spend_limit * limits.sms_spend_share)
        table = {"TableName": args.table_name}
        self._sum_of(
            "dynamodb-throttles",
            "DynamoDB throttles reads or writes on the table.",
            limits.dynamodb_throttles,
            [("AWS/DynamoDB", name, table) for name in ("ReadThrottleEvents", "WriteThrottleEvents")],
        )
