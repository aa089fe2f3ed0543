"""Stack settings: every `partner-confirm:*` value of a stack file, read once into a validated model.

A wrong value stops the program before any resource is registered, with a message that names the setting
as it is written in `Pulumi.<stack>.yaml`, so `pulumi preview` fails early and says what to fix.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Final, Literal

import pulumi
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, ValidationError
from pydantic.alias_generators import to_camel

from handlers.models.messages import MAX_BRAND_CHARS
from handlers.settings import CustomerVerification, Notifier, SmsMode

# The retention values CloudWatch Logs accepts (PutRetentionPolicy).
RETENTION_DAYS = frozenset(
    (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653)
)


def _retention(days: int) -> int:
    if days not in RETENTION_DAYS:
        raise ValueError(f"CloudWatch Logs keeps logs for one of {sorted(RETENTION_DAYS)} days, not {days}")
    return days


LogRetentionDays = Annotated[int, AfterValidator(_retention)]
AwsRegion = Annotated[str, Field(pattern=r"^[a-z]{2}(-[a-z]+)+-\d$")]
E164 = Annotated[str, Field(pattern=r"^\+[1-9]\d{7,14}$")]
# What customers dial: a Korean number as people write it (1588-0000, 02-123-4567, 080-123-4567).
SupportPhone = Annotated[str, Field(pattern=r"^(0\d{1,2}-\d{3,4}-\d{4}|1\d{3}-\d{4})$")]
# The partner SMS starts with it; longer names would push the text past two SMS parts.
BrandName = Annotated[str, Field(min_length=1, max_length=MAX_BRAND_CHARS, pattern=r"^\S(.*\S)?$")]


# Addresses that can never receive mail (RFC 2606): alarms sent there reach nobody.
PLACEHOLDER_DOMAINS: Final = ("example.com", "example.net", "example.org")
# Stacks whose alarms must reach a person.
ALARM_EMAIL_REQUIRED: Final = frozenset({"demo"})


def _real_address(address: str | None) -> str | None:
    if address is not None:
        domain = address.rsplit("@", 1)[-1].lower()
        if any(
            domain == placeholder or domain.endswith(f".{placeholder}") for placeholder in PLACEHOLDER_DOMAINS
        ):
            raise ValueError(
                f"{address} is a placeholder that receives no mail, so alarms would reach nobody: "
                "set a real address with `pulumi config set alarmEmail <address>`"
            )
    return address


class InvalidSettingError(pulumi.RunError):
    """A stack setting is missing or has a value the program cannot use."""


class _Settings(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", alias_generator=to_camel, populate_by_name=True)


class ApiThrottle(_Settings):
    """Stage-wide throttling of the HTTP API: a global cap, not a per-client limit."""

    rate_limit: float = Field(default=50.0, gt=0)
    burst_limit: int = Field(default=100, gt=0)


class RouteThrottles(_Settings):
    """Route-level throttling: each group's routes get their own limits, apart from the stage default.

    A flood of customer questions then exhausts only the customer routes' limits, never the partners'.
    """

    customer: ApiThrottle = ApiThrottle(rate_limit=20.0, burst_limit=100)
    partner: ApiThrottle = ApiThrottle(rate_limit=20.0, burst_limit=100)

    def limits(self) -> dict[str, tuple[float, int]]:
        """Throttle group -> (steady requests per second, burst)."""
        return {
            group: (throttle.rate_limit, throttle.burst_limit)
            for group, throttle in (("customer", self.customer), ("partner", self.partner))
        }


def _on_off(value: Any) -> Any:
    # YAML 1.1 reads an unquoted `on`/`off` as a boolean: accept it as the word it was meant to be.
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return "on" if value.lower() == "true" else "off"
    return value


OnOff = Annotated[Literal["on", "off"], BeforeValidator(_on_off)]


class StackSettings(_Settings):
    """The settings of one stack; camelCase names are the keys of the stack file."""

    region: AwsRegion = Field(description="aws:region, where everything but the SMS client lives")
    sms_region: AwsRegion = "ap-northeast-1"
    sms_mode: SmsMode = SmsMode.SNS
    own_sms_preferences: bool = False
    sms_monthly_spend_limit: int = Field(default=1, ge=1)
    notifier: Notifier = Notifier.BEDROCK
    bedrock_model_id: str = Field(default="apac.anthropic.claude-haiku-4-5-20251001-v1:0", min_length=3)
    partner_wait_seconds: int = Field(default=300, ge=5, le=600)
    rate_limit_per_minute: int = Field(default=100, ge=1)
    intent_confidence_threshold: float = Field(default=0.5, ge=0.0, le=1.0)
    lex_assisted_nlu: Literal["off", "Fallback", "Primary"] = "off"
    """Lex's own LLM help with intent classification (assisted NLU, listed for ko_KR)."""
    intent_tie_break: bool = False
    """When Lex is unsure (FallbackIntent or below the threshold), ask Bedrock (bedrockModelId) to pick."""
    log_retention_days: LogRetentionDays = 14
    log_level: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    alarm_email: Annotated[
        str | None, Field(default=None, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$"), AfterValidator(_real_address)
    ] = None
    seed_demo_data: bool = False
    seed_partner_phone: E164 | None = None
    seed_customer_phone: E164 | None = Field(
        default=None, description="every demo customer's phone (the SMS sandbox texts verified numbers only)"
    )
    demo_reservations: int = Field(default=0, ge=0, le=1000, description="extra generated demo reservations")
    customer_verification: CustomerVerification = CustomerVerification.SMS
    code_texts_per_reservation: int = Field(default=3, ge=1, description="code texts per reservation, 10 min")
    code_texts_per_address: int = Field(default=10, ge=1, description="code texts per address, 10 minutes")
    partner_texts_per_hour: int = Field(default=20, ge=1)
    sms_daily_budget_parts: int = Field(default=45, ge=0, description="SMS parts per UTC day, all kinds")
    deletion_protection: bool = False
    api_throttle: ApiThrottle = ApiThrottle()
    brand_name: BrandName = "예약확인"
    support_phone: SupportPhone = Field(description="the number customers and partners call for help")
    """No default: the pages and the messages tell people to call it, so it must be a real number."""
    # issue 11: a request still open this long after its partner wait is ended by the sweeper.
    sweep_margin_seconds: int = Field(default=120, ge=1, le=3600)
    retention_days: int = Field(default=90, ge=1, le=3650)
    route_throttles: RouteThrottles = RouteThrottles()
    waf: OnOff = "off"
    waf_rate_limit: int = Field(default=100, ge=10, le=2_000_000_000)
    """Requests per address per minute through the distribution (AWS WAF accepts 10 and up)."""
    origin_secret_version: int = Field(default=1, ge=1)
    """The origin key CloudFront sends the API; raise it by one (and `pulumi up`) to rotate that secret."""
    console_mfa: OnOff = "off"
    """Operators of the console sign in with a TOTP code as well (Cognito software-token MFA, required)."""
    # issue 12: the request's ending texted to the verified customer; the window to answer a proposed time.
    customer_sms: OnOff = "off"
    reply_window_hours: int = Field(default=24, ge=1, le=168)


def _raw_values(config: pulumi.Config, aws_config: pulumi.Config) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for name, field in StackSettings.model_fields.items():
        if name == "region":
            continue
        key = field.alias or name
        raw = config.get(key)
        if raw is None:
            continue
        # Stack files hold structured values (objects) as JSON text; scalars stay text for pydantic to parse.
        values[key] = json.loads(raw) if raw.lstrip().startswith("{") else raw
    region = aws_config.get("region")
    if region is not None:
        values["region"] = region
    return values


def _describe(error: ValidationError) -> str:
    lines = []
    for problem in error.errors():
        location = [str(part) for part in problem["loc"]]
        namespace = "aws" if location[:1] == ["region"] else pulumi.get_project()
        lines.append(f"stack setting {namespace}:{'.'.join(location)}: {problem['msg']}")
    return "; ".join(lines)


def load_settings(
    config: pulumi.Config | None = None, aws_config: pulumi.Config | None = None, stack: str | None = None
) -> StackSettings:
    """Read and validate the current stack's settings; raise `InvalidSettingError` naming the bad ones."""
    values = _raw_values(config or pulumi.Config(), aws_config or pulumi.Config("aws"))
    try:
        settings = StackSettings.model_validate(values)
    except ValidationError as error:
        raise InvalidSettingError(_describe(error)) from None
    stack = stack or pulumi.get_stack()
    if stack in ALARM_EMAIL_REQUIRED and settings.alarm_email is None:
        raise InvalidSettingError(
            f"stack setting {pulumi.get_project()}:alarmEmail: required for the {stack} stack, whose alarms "
            f"must reach a person: pulumi config set alarmEmail <your address> --stack {stack}"
        )
    return settings
