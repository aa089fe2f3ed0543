"""Composition root: read the stack settings, build the components, export what operators need."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pulumi
import pulumi_aws as aws

from components.api import STAGE_NAME, PartnerApi, PartnerApiArgs
from components.bot import IntakeBot, IntakeBotArgs
from components.code import code_archive
from components.console import OperatorConsole, OperatorConsoleArgs, cognito_endpoint
from components.functions import FunctionDefaults, pinned_powertools_version, powertools_layer_parameter
from components.monitoring import Monitoring, MonitoringArgs
from components.secrets import StackSecrets, StackSecretsArgs
from components.settings import load_settings
from components.site import StaticSite, StaticSiteArgs
from components.table import ConfirmationTable, ConfirmationTableArgs
from components.workflow import CallbackWorkflow, CallbackWorkflowArgs
from handlers.settings import Notifier

ROOT = Path(__file__).resolve().parent

settings = load_settings()
prefix = f"{pulumi.get_project()}-{pulumi.get_stack()}"
account_id = aws.get_caller_identity_output().account_id

defaults = FunctionDefaults(
    code=code_archive(ROOT),
    # The AWS-managed Powertools layer (it carries pydantic) of exactly the version requirements.txt pins.
    layer_arn=aws.ssm.get_parameter_output(
        name=powertools_layer_parameter(pinned_powertools_version((ROOT / "requirements.txt").read_text()))
    ).value,
    log_retention_days=settings.log_retention_days,
    log_level=settings.log_level,
    log_group_prefix=f"/aws/lambda/{prefix}",
    retention_days=settings.retention_days,
)

# The distribution serves the API under /api/*, so it needs the API's endpoint; the API's functions start
# the workflow, whose texts carry links on the distribution's domain. The site is declared first with an
# endpoint the API resolves once its (dependency-free) HTTP API resource exists.
api_endpoint: pulumi.Output[str]
resolve_api_endpoint: Callable[[pulumi.Output[str]], None]
api_endpoint, resolve_api_endpoint = pulumi.deferred_output()
# The same for the console page's sign-in settings in config.js: the console joins the API, built later.
console_config: pulumi.Output[dict[str, str]]
resolve_console_config: Callable[[pulumi.Output[dict[str, str]]], None]
console_config, resolve_console_config = pulumi.deferred_output()

table = ConfirmationTable(
    "table",
    ConfirmationTableArgs(
        deletion_protection=settings.deletion_protection,
        seed_demo_data=settings.seed_demo_data,
        seed_partner_phone=settings.seed_partner_phone,
        seed_customer_phone=settings.seed_customer_phone,
        demo_reservations=settings.demo_reservations,
    ),
)
secrets = StackSecrets(
    "secrets",
    StackSecretsArgs(
        parameter_prefix=f"/{pulumi.get_project()}/{pulumi.get_stack()}",
        key_alias=f"alias/{prefix}-secrets",
        origin_secret_version=settings.origin_secret_version,
    ),
)
bot = IntakeBot(
    "intake-bot",
    IntakeBotArgs(region=settings.region, account_id=account_id, assisted_nlu=settings.lex_assisted_nlu),
)
site = StaticSite(
    "site",
    StaticSiteArgs(
        site_dir=ROOT / "site",
        api_endpoint=api_endpoint,
        api_stage=STAGE_NAME,
        origin_secret=secrets.origin_header,
        waf_rate_limit=settings.waf_rate_limit if settings.waf == "on" else None,
        brand_name=settings.brand_name,
        support_phone=settings.support_phone,
        force_destroy=not settings.deletion_protection,
        customer_verification=settings.customer_verification.value,
        console_config=console_config,
        cognito_endpoint=cognito_endpoint(settings.region),
    ),
)
workflow = CallbackWorkflow(
    "workflow",
    CallbackWorkflowArgs(
        defaults=defaults,
        table_name=table.table_name,
        table_arn=table.table_arn,
        table_indexes=table.index_names,
        link_base_url=site.partner_link_base,
        link_key_parameter=secrets.parameter_names["link"],
        link_key_parameter_arn=secrets.parameter_arns["link"],
        secrets_key_arn=secrets.key_arn,
        partner_wait_seconds=settings.partner_wait_seconds,
        sms_mode=settings.sms_mode,
        sms_region=settings.sms_region,
        own_sms_preferences=settings.own_sms_preferences,
        sms_monthly_spend_limit=settings.sms_monthly_spend_limit,
        partner_texts_per_hour=settings.partner_texts_per_hour,
        sms_daily_budget_parts=settings.sms_daily_budget_parts,
        notifier=settings.notifier,
        bedrock_model_id=settings.bedrock_model_id,
        region=settings.region,
        account_id=account_id,
        log_retention_days=settings.log_retention_days,
        log_group_name=f"/aws/vendedlogs/states/{prefix}",
        brand_name=settings.brand_name,
        support_phone=settings.support_phone,
        sweep_margin_seconds=settings.sweep_margin_seconds,
        customer_sms=settings.customer_sms == "on",
        status_page_url=site.origin.apply(lambda origin: f"{origin}/"),
    ),
)
api = PartnerApi(
    "api",
    PartnerApiArgs(
        defaults=defaults,
        table_name=table.table_name,
        table_arn=table.table_arn,
        table_indexes=table.index_names,
        state_machine_arn=workflow.state_machine_arn,
        link_key_parameter=secrets.parameter_names["link"],
        link_key_parameter_arn=secrets.parameter_arns["link"],
        secrets_key_arn=secrets.key_arn,
        customer_key_parameter=secrets.parameter_names["customer"],
        customer_key_parameter_arn=secrets.parameter_arns["customer"],
        orchestrator_failure_arn=workflow.functions["failure"].arn,
        bot_id=bot.bot_id,
        bot_alias_id=bot.bot_alias_id,
        bot_alias_arn=bot.bot_alias_arn,
        bot_locale_id=bot.locale_id,
        intent_confidence_threshold=settings.intent_confidence_threshold,
        intent_tie_break=settings.intent_tie_break,
        bedrock_model_id=settings.bedrock_model_id,
        region=settings.region,
        account_id=account_id,
        rate_limit_per_minute=settings.rate_limit_per_minute,
        customer_verification=settings.customer_verification,
        code_texts_per_reservation=settings.code_texts_per_reservation,
        code_texts_per_address=settings.code_texts_per_address,
        sms_daily_budget_parts=settings.sms_daily_budget_parts,
        sms_mode=settings.sms_mode,
        sms_region=settings.sms_region,
        origin_key_parameter=secrets.parameter_names["origin"],
        origin_key_parameter_arn=secrets.parameter_arns["origin"],
        throttle_rate_limit=settings.api_throttle.rate_limit,
        throttle_burst_limit=settings.api_throttle.burst_limit,
        route_throttles=settings.route_throttles.limits(),
        log_retention_days=settings.log_retention_days,
        # HTTP API access logs are vended logs: under this prefix AWS grants delivery with one wildcard
        # statement instead of growing the account's 5 KB log resource policy per log group.
        access_log_group_name=f"/aws/vendedlogs/apigateway/{prefix}",
        support_phone=settings.support_phone,
        customer_sms=settings.customer_sms == "on",
        reply_window_hours=settings.reply_window_hours,
        brand_name=settings.brand_name,
    ),
)
resolve_api_endpoint(api.api_endpoint)
console = OperatorConsole(
    "console",
    OperatorConsoleArgs(
        api_id=api.api_id,
        execution_arn=api.execution_arn,
        region=settings.region,
        mfa=settings.console_mfa == "on",
        deletion_protection=settings.deletion_protection,
        defaults=defaults,
        table_name=table.table_name,
        table_arn=table.table_arn,
        table_indexes=table.index_names,
        state_machine_arn=workflow.state_machine_arn,
        link_key_parameter=secrets.parameter_names["link"],
        link_key_parameter_arn=secrets.parameter_arns["link"],
        link_base_url=site.partner_link_base,
        origin_key_parameter=secrets.parameter_names["origin"],
        origin_key_parameter_arn=secrets.parameter_arns["origin"],
        secrets_key_arn=secrets.key_arn,
        sms_mode=settings.sms_mode,
        sms_region=settings.sms_region,
        sms_daily_budget_parts=settings.sms_daily_budget_parts,
        brand_name=settings.brand_name,
    ),
)
resolve_console_config(console.page_config)
monitoring = Monitoring(
    "monitoring",
    MonitoringArgs(
        function_names={**workflow.function_names, **api.function_names, **console.function_names},
        state_machine_arn=workflow.state_machine_arn,
        api_id=api.api_id,
        api_stage=api.stage_name,
        table_name=table.table_name,
        region=settings.region,
        alarm_email=settings.alarm_email,
        sms_region=settings.sms_region,
        sms_monthly_spend_limit=settings.sms_monthly_spend_limit,
        model_notifications=settings.notifier is Notifier.BEDROCK,
    ),
)

pulumi.export("customerPageUrl", site.origin.apply(lambda origin: f"{origin}/"))
pulumi.export("partnerLinkBase", site.partner_link_base)
pulumi.export("apiUrl", site.api_url)
pulumi.export("tableName", table.table_name)
pulumi.export("stateMachineArn", workflow.state_machine_arn)
pulumi.export("botId", bot.bot_id)
pulumi.export("botAliasId", bot.bot_alias_id)
pulumi.export("logGroupNames", {**workflow.log_group_names, **api.log_group_names, **console.log_group_names})
pulumi.export("siteBucketName", site.bucket_name)
pulumi.export("distributionId", site.distribution_id)
if site.web_acl_arn is not None:
    pulumi.export("webAclArn", site.web_acl_arn)
pulumi.export("dashboardUrl", monitoring.dashboard_url)
pulumi.export("alarmTopicArn", monitoring.alarm_topic_arn)
# Where this stack's texts go (`sns` or `log`): `python -m ops smoke` reads them back only from the log.
pulumi.export("smsMode", settings.sms_mode.value)
# What `python -m ops rotate-link-key` rotates, and for how long the replaced key must still verify.
pulumi.export("linkKeyParameter", secrets.parameter_names["link"])
pulumi.export("partnerWaitSeconds", settings.partner_wait_seconds)
# What `python -m ops rotate-customer-key` rotates.
pulumi.export("customerKeyParameter", secrets.parameter_names["customer"])
# The origin key CloudFront sends: `python -m ops rotate-origin-secret` sets the next one from it.
pulumi.export("originSecretVersion", settings.origin_secret_version)
# Whether the customer page asks for a texted code (`sms` | `off`): `python -m ops smoke` verifies first then.
pulumi.export("customerVerification", settings.customer_verification.value)
# The operator console: where it is, and the user pool `python -m ops operators` manages.
pulumi.export("consoleUrl", site.origin.apply(lambda origin: f"{origin}/admin/"))
pulumi.export("consoleUserPoolId", console.user_pool_id)
pulumi.export("consoleClientId", console.client_id)
