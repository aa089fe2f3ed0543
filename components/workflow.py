"""CallbackWorkflow: the Standard state machine that texts the partner and waits for the answer, and the
functions it runs (SMS sender, timeout, failure, notification)."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import guardrail as guardrails
from components import iam
from components.functions import DeployedFunction, FunctionDefaults, deploy_function, secret_statements
from components.state_machine import build_definition
from handlers.settings import ENV, Notifier, SmsMode


@dataclass(frozen=True, kw_only=True)
class CallbackWorkflowArgs:
    defaults: FunctionDefaults
    """Code, layer and logging shared by every function."""
    table_name: pulumi.Input[str]
    """The single table."""
    table_arn: pulumi.Input[str]
    """Its ARN, for the functions' policies."""
    table_indexes: tuple[str, ...]
    """Index names the functions may query."""
    link_base_url: pulumi.Input[str]
    """`https://<site>/r/`: the partner link is this plus the token."""
    link_key_parameter: pulumi.Input[str]
    """Name of the SecureString keyring that signs partner links."""
    link_key_parameter_arn: pulumi.Input[str]
    """Its ARN, for the SMS sender's policy."""
    secrets_key_arn: pulumi.Input[str]
    """The stack's KMS key that encrypts it."""
    partner_wait_seconds: int
    """How long the workflow waits for the partner (also the link's lifetime)."""
    sms_mode: SmsMode
    """`sns` texts for real; `log` only logs the message."""
    sms_region: str
    """SNS SMS is not offered in Seoul: the region that sends."""
    own_sms_preferences: bool
    """This stack manages the account-wide SMS preferences (one stack per account)."""
    sms_monthly_spend_limit: int
    """USD per month, within the account's SMS quota."""
    partner_texts_per_hour: int = 20
    """Texts one partner may get in any hour; past it the request fails without a text."""
    sms_daily_budget_parts: int = 45
    """SMS parts the stack may send per UTC day, all kinds (checked before each send)."""
    notifier: Notifier
    """`bedrock` writes the message with the model; `template` uses the built-in text."""
    bedrock_model_id: str
    """Model or inference profile id."""
    region: str
    """The stack's region (Bedrock is called there)."""
    account_id: pulumi.Input[str]
    """The account, for the inference-profile ARN."""
    log_retention_days: int
    """Retention of the workflow's execution log group."""
    log_group_name: str
    """`/aws/vendedlogs/states/...`: the prefix AWS needs for vended logs."""
    brand_name: str
    """The service's name: the partner SMS starts with it."""
    support_phone: str
    """The number customers are told to call when no answer came."""
    sweep_margin_seconds: int
    """The sweeper ends a request still open this long after its partner wait."""
    sweep_schedule: str = "rate(5 minutes)"
    """When EventBridge Scheduler runs the sweeper."""
    customer_sms: bool = False
    """Text the verified customer the request's ending (notification step and sweeper)."""
    status_page_url: pulumi.Input[str] | None = None
    """`https://<site>/`: the customer page the customer text links to (required with `customer_sms`)."""


class CallbackWorkflow(pulumi.ComponentResource):
    """State machine + the four task functions."""

    state_machine_arn: pulumi.Output[str]
    state_machine_name: pulumi.Output[str]
    functions: dict[str, DeployedFunction]
    function_names: dict[str, pulumi.Output[str]]
    log_group_names: dict[str, pulumi.Output[str]]

    def __init__(
        self, name: str, args: CallbackWorkflowArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("partnerconfirm:index:CallbackWorkflow", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        def table(function: str) -> pulumi.Output[dict]:
            return pulumi.Output.from_input(args.table_arn).apply(
                lambda arn: iam.table_statement(arn, function, args.table_indexes)
            )

        sms_statements: list[pulumi.Input[dict]] = [
            table("sms_sender"),
            *secret_statements(args.link_key_parameter_arn, args.secrets_key_arn),
        ]
        if args.sms_mode is SmsMode.SNS:
            sms_statements.append(iam.wildcard_statement(["sns:Publish"], sid="TextPhoneNumbers"))
        sms_sender = deploy_function(
            name,
            "sms_sender",
            defaults=args.defaults,
            description="Stores the task token, signs the partner link and texts it",
            environment={
                ENV["table_name"]: args.table_name,
                ENV["link_key_parameter"]: args.link_key_parameter,
                ENV["link_base_url"]: args.link_base_url,
                ENV["partner_wait_seconds"]: str(args.partner_wait_seconds),
                ENV["sms_mode"]: args.sms_mode.value,
                ENV["sms_region"]: args.sms_region,
                ENV["brand_name"]: args.brand_name,
                ENV["partner_texts_per_hour"]: str(args.partner_texts_per_hour),
                ENV["sms_daily_budget_parts"]: str(args.sms_daily_budget_parts),
            },
            statements=pulumi.Output.all(*sms_statements),
            parent=self,
        )
        timeout = deploy_function(
            name,
            "timeout",
            defaults=args.defaults,
            description="Records that the partner did not answer in time",
            environment={ENV["table_name"]: args.table_name},
            statements=pulumi.Output.all(table("timeout")),
            parent=self,
        )
        failure = deploy_function(
            name,
            "failure",
            defaults=args.defaults,
            description="Records a failed confirmation so the customer is still told",
            environment={ENV["table_name"]: args.table_name, ENV["support_phone"]: args.support_phone},
            statements=pulumi.Output.all(table("failure")),
            parent=self,
        )
        model_environment: dict[str, pulumi.Input[str]] = {}
        # With `customer_sms`, the notification step and the sweeper text the customer (issue 12).
        customer_texts: dict[str, pulumi.Input[str]] = {}
        customer_text_statements: list[pulumi.Input[dict]] = []
        if args.customer_sms:
            if args.status_page_url is None:
                raise ValueError("customer_sms needs status_page_url")
            customer_texts = {
                ENV["customer_sms"]: "on",
                ENV["status_page_url"]: args.status_page_url,
                ENV["sms_mode"]: args.sms_mode.value,
                ENV["sms_region"]: args.sms_region,
                ENV["sms_daily_budget_parts"]: str(args.sms_daily_budget_parts),
                ENV["brand_name"]: args.brand_name,
            }
            if args.sms_mode is SmsMode.SNS:
                customer_text_statements.append(iam.wildcard_statement(["sns:Publish"], sid="TextCustomer"))
        notification_statements: list[pulumi.Input[dict]] = [table("notification"), *customer_text_statements]
        if args.notifier is Notifier.BEDROCK:
            guardrail, version = self._guardrail(name, args)
            notification_statements.append(
                pulumi.Output.from_input(args.account_id).apply(
                    lambda account: iam.statement(
                        ["bedrock:InvokeModel"],
                        iam.bedrock_model_arns(args.bedrock_model_id, args.region, account),
                        sid="WriteMessage",
                    )
                )
            )
            notification_statements.append(
                pulumi.Output.all(guardrail.guardrail_arn, args.account_id).apply(
                    lambda values: guardrails.apply_statement(values[0], args.region, values[1])
                )
            )
            model_environment = {
                ENV["guardrail_id"]: guardrail.guardrail_id,
                ENV["guardrail_version"]: version.version,
            }
        notification = deploy_function(
            name,
            "notification",
            defaults=args.defaults,
            description="Writes the customer's Korean notification (Bedrock, or the built-in template)",
            environment={
                ENV["table_name"]: args.table_name,
                ENV["notifier"]: args.notifier.value,
                ENV["bedrock_model_id"]: args.bedrock_model_id,
                ENV["brand_name"]: args.brand_name,
                ENV["support_phone"]: args.support_phone,
                **model_environment,
                **customer_texts,
            },
            statements=pulumi.Output.all(*notification_statements),
            parent=self,
        )
        sweeper = deploy_function(
            name,
            "sweeper",
            defaults=args.defaults,
            description="Ends requests still open long after their partner wait (the workflow's safety net)",
            environment={
                ENV["table_name"]: args.table_name,
                ENV["partner_wait_seconds"]: str(args.partner_wait_seconds),
                ENV["sweep_margin_seconds"]: str(args.sweep_margin_seconds),
                ENV["support_phone"]: args.support_phone,
                **customer_texts,
            },
            statements=pulumi.Output.all(table("sweeper"), *customer_text_statements),
            parent=self,
        )
        self._schedule(name, args, sweeper)
        self.functions = {f.key: f for f in (sms_sender, timeout, failure, notification, sweeper)}

        if args.own_sms_preferences:
            aws.sns.SmsPreferences(
                f"{name}-sms-preferences",
                region=args.sms_region,
                default_sms_type="Transactional",
                monthly_spend_limit=args.sms_monthly_spend_limit,
                # An account-wide singleton: deleting it would reset the account's SMS settings in that
                # region, so destroying the stack leaves them as they are (docs/deploy.md).
                opts=pulumi.ResourceOptions(parent=self, retain_on_delete=True),
            )

        executions = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=args.log_group_name,
            retention_in_days=args.log_retention_days,
            opts=child,
        )
        task_arns = [sms_sender.arn, timeout.arn, failure.arn, notification.arn]
        role = aws.iam.Role(
            f"{name}-role",
            description="partner-confirm workflow",
            assume_role_policy=pulumi.Output.json_dumps(
                pulumi.Output.from_input(args.account_id).apply(
                    lambda account: iam.assume_role_policy("states.amazonaws.com", account)
                )
            ),
            opts=child,
        )
        role_policy = aws.iam.RolePolicy(
            f"{name}-policy",
            role=role.id,
            policy=pulumi.Output.json_dumps(
                pulumi.Output.all(args.table_arn, *task_arns).apply(
                    lambda arns: iam.state_machine_policy(arns[1:], arns[0])
                )
            ),
            opts=child,
        )
        definition = pulumi.Output.all(args.table_name, *task_arns).apply(
            lambda values: build_definition(
                table_name=values[0],
                sms_sender_arn=values[1],
                timeout_arn=values[2],
                failure_arn=values[3],
                notification_arn=values[4],
                wait_seconds=args.partner_wait_seconds,
                support_phone=args.support_phone,
            )
        )
        state_machine = aws.sfn.StateMachine(
            f"{name}-state-machine",
            type="STANDARD",
            role_arn=role.arn,
            definition=pulumi.Output.json_dumps(definition),
            logging_configuration={
                "log_destination": executions.arn.apply(lambda arn: f"{arn}:*"),
                "level": "ALL",
                # Execution data carries the task token: keep it out of the logs.
                "include_execution_data": False,
            },
            tracing_configuration={"enabled": True},
            opts=pulumi.ResourceOptions(parent=self, depends_on=[role_policy]),
        )

        self.state_machine_arn = state_machine.arn
        self.state_machine_name = state_machine.name
        self.function_names = {key: f.name for key, f in self.functions.items()}
        self.log_group_names = {
            **{key: f.log_group.name for key, f in self.functions.items()},
            "workflow": executions.name,
        }
        self.register_outputs(
            {
                "stateMachineArn": self.state_machine_arn,
                "functionNames": self.function_names,
            }
        )

    def _guardrail(
        self, name: str, args: CallbackWorkflowArgs
    ) -> tuple[aws.bedrock.Guardrail, aws.bedrock.GuardrailVersion]:
        """The guardrail every notification Converse call names, and the version the function pins (a
        changed guardrail gets a new version: its description carries the policies' fingerprint)."""
        guardrail = aws.bedrock.Guardrail(
            f"{name}-guardrail",
            description="partner-confirm customer notifications: prompt attacks, PII in output, promises",
            **guardrails.policies(args.region),
            opts=pulumi.ResourceOptions(parent=self),
        )
        version = aws.bedrock.GuardrailVersion(
            f"{name}-guardrail-version",
            guardrail_arn=guardrail.guardrail_arn,
            description=f"policies {guardrails.fingerprint(args.region)}",
            opts=pulumi.ResourceOptions(parent=self, replace_on_changes=["description"]),
        )
        return guardrail, version

    def _schedule(self, name: str, args: CallbackWorkflowArgs, sweeper: DeployedFunction) -> None:
        """EventBridge Scheduler invokes the sweeper with a role that may invoke that function only."""
        child = pulumi.ResourceOptions(parent=self)
        role = aws.iam.Role(
            f"{name}-sweep-schedule-role",
            description="partner-confirm sweep schedule",
            assume_role_policy=pulumi.Output.json_dumps(
                pulumi.Output.from_input(args.account_id).apply(
                    lambda account: iam.assume_role_policy("scheduler.amazonaws.com", account)
                )
            ),
            opts=child,
        )
        policy = aws.iam.RolePolicy(
            f"{name}-sweep-schedule-policy",
            role=role.id,
            policy=pulumi.Output.json_dumps(
                sweeper.arn.apply(lambda arn: iam.policy([iam.invoke_statement([arn], sid="InvokeSweeper")]))
            ),
            opts=child,
        )
        aws.scheduler.Schedule(
            f"{name}-sweep-schedule",
            description="Ends requests a workflow left open past their partner wait",
            schedule_expression=args.sweep_schedule,
            flexible_time_window={"mode": "OFF"},
            target={
                "arn": sweeper.arn,
                "role_arn": role.arn,
                "input": "{}",
                # A missed sweep is made up by the next one five minutes later.
                "retry_policy": {"maximum_retry_attempts": 0, "maximum_event_age_in_seconds": 300},
            },
            opts=pulumi.ResourceOptions(parent=self, depends_on=[policy]),
        )
