"""Expected monthly cost, and cost per completed request, from counted calls and dated list prices.

Per-flow quantities come from `profile.json`, recorded by running real flows on the local runtime
(`ops.profile`); prices and the few things a local run cannot measure (Lambda duration, model tokens, how
long partners take) come from `prices.json`, which names its date and sources. Nothing here is counted by
hand: an AWS operation the flow makes that has no price rule below is reported, not ignored.
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from ops import sms

HERE = Path(__file__).resolve().parent
PRICES_FILE: Final = HERE / "prices.json"
PROFILE_FILE: Final = HERE / "profile.json"
CUSTOMER_PAGE: Final = HERE.parent / "site" / "customer.js"
VOLUMES_PER_DAY: Final = (100, 1_000, 10_000)  # the seed's volume, 10x and 100x

DYNAMODB_READS: Final = frozenset({"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"})
DYNAMODB_WRITES: Final = frozenset({"PutItem", "UpdateItem", "DeleteItem", "BatchWriteItem"})
# Calls that AWS does not bill per request (control-plane reads, callbacks, the SMS publish itself: the
# text is billed per part instead), listed so that an unknown new call is noticed.
FREE_CALLS: Final = frozenset(
    {
        "lambda.Invoke",  # billed as a Lambda request
        "states.StartExecution",  # billed as state transitions
        "states.SendTaskSuccess",
        "states.SendTaskFailure",
        "states.SendTaskHeartbeat",
        "states.DescribeExecution",
        "sns.Publish",  # billed per SMS part
        "ssm.GetParameter",  # standard throughput is not billed; its KMS decrypt is (see flow_bill)
    }
)


@dataclass(frozen=True)
class Scenario:
    """What one flow made: AWS API calls by `service.Operation`, function invocations, API requests."""

    aws: Mapping[str, int]
    invocations: Mapping[str, int]
    api: Mapping[str, int]
    state_transitions: int = 0
    sms_bodies: tuple[str, ...] = ()
    classified_locally: int = 0
    """Intents the local classifier answered: each is one Lex RecognizeText on AWS."""
    notifications: int = 0
    """Notifications written: each is one Bedrock Converse call on AWS (the template is the fallback)."""

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Scenario:
        return cls(
            aws=dict(data.get("aws", {})),
            invocations=dict(data.get("invocations", {})),
            api=dict(data.get("api", {})),
            state_transitions=int(data.get("stateTransitions", 0)),
            sms_bodies=tuple(data.get("smsBodies", ())),
            classified_locally=int(data.get("classifiedLocally", 0)),
            notifications=int(data.get("notifications", 0)),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "aws": dict(sorted(self.aws.items())),
            "invocations": dict(sorted(self.invocations.items())),
            "api": dict(sorted(self.api.items())),
            "stateTransitions": self.state_transitions,
            "smsBodies": list(self.sms_bodies),
            "classifiedLocally": self.classified_locally,
            "notifications": self.notifications,
        }


@dataclass(frozen=True)
class Profile:
    answered: Scenario
    timeout: Scenario
    status_read: Scenario
    """One `GET /requests/{id}`: the customer page repeats it while it waits."""
    recorded: str = ""

    @classmethod
    def load(cls, path: Path = PROFILE_FILE) -> Profile:
        data = json.loads(path.read_text(encoding="utf-8"))
        scenarios = data["scenarios"]
        return cls(
            answered=Scenario.from_json(scenarios["answered"]),
            timeout=Scenario.from_json(scenarios["timeout"]),
            status_read=Scenario.from_json(scenarios["statusRead"]),
            recorded=str(data.get("recorded", "")),
        )

    def to_json(self) -> dict[str, Any]:
        return {
            "recorded": self.recorded,
            "how": "python -m ops profile --write (tests/ops/test_ops_e2e.py checks it) on the local runtime",
            "scenarios": {
                "answered": self.answered.to_json(),
                "timeout": self.timeout.to_json(),
                "statusRead": self.status_read.to_json(),
            },
        }


@dataclass(frozen=True)
class Price:
    usd: float
    per: int
    unit: str
    source: str

    @property
    def unit_price(self) -> float:
        return self.usd / self.per


@dataclass(frozen=True)
class Prices:
    date: str
    region: str
    items: Mapping[str, Price]
    assumptions: Mapping[str, Any]

    @classmethod
    def load(cls, path: Path = PRICES_FILE) -> Prices:
        data = json.loads(path.read_text(encoding="utf-8"))
        items = {
            key: Price(usd=float(v["usd"]), per=int(v["per"]), unit=str(v["unit"]), source=str(v["source"]))
            for key, v in data["prices"].items()
        }
        assumptions = {key: value["value"] for key, value in data["assumptions"].items()}
        return cls(date=str(data["date"]), region=str(data["region"]), items=items, assumptions=assumptions)

    def __getitem__(self, key: str) -> float:
        return self.items[key].unit_price

    def assume(self, key: str) -> Any:
        return self.assumptions[key]


@dataclass
class Bill:
    """US dollars by line item."""

    lines: dict[str, float] = field(default_factory=dict)
    unpriced: set[str] = field(default_factory=set)

    def add(self, item: str, usd: float) -> None:
        self.lines[item] = self.lines.get(item, 0.0) + usd

    def scaled(self, factor: float) -> Bill:
        return Bill({item: usd * factor for item, usd in self.lines.items()}, set(self.unpriced))

    def plus(self, other: Bill) -> Bill:
        total = Bill(dict(self.lines), self.unpriced | other.unpriced)
        for item, usd in other.lines.items():
            total.add(item, usd)
        return total

    @property
    def total(self) -> float:
        return sum(self.lines.values())


def sms_parts(body: str, prices: Prices) -> int:
    """Parts billed for one recorded text, with the deployed link's origin in place of the placeholder.

    Billing follows the text SNS sends; the `[국제발신]` prefix Korean carriers add on the way is not billed.
    """
    return sms.parts(body.replace("{linkBase}", str(prices.assume("linkBase"))))


def flow_bill(scenario: Scenario, prices: Prices) -> Bill:
    """One flow's variable cost from its counted calls."""
    bill = Bill()
    invocations = sum(scenario.invocations.values())
    gb_seconds = (
        invocations * prices.assume("lambdaMilliseconds") / 1000 * prices.assume("lambdaMemoryMb") / 1024
    )
    bill.add("Lambda", invocations * prices["lambda.request"] + gb_seconds * prices["lambda.arm64GbSecond"])
    api_requests = sum(scenario.api.values())
    bill.add("API Gateway (HTTP)", api_requests * prices["apigateway.httpRequest"])
    # Every API request now crosses the distribution (/api/*), and its web ACL inspects it.
    bill.add("CloudFront (API requests)", api_requests * prices["cloudfront.httpsRequest"])
    bill.add("AWS WAF (requests)", api_requests * prices.assume("wafWebAcls") * prices["waf.request"])
    reads = writes = 0.0
    for operation, count in scenario.aws.items():
        service, _, name = operation.partition(".")
        if service == "dynamodb" and name in DYNAMODB_READS:
            reads += count
        elif service == "dynamodb" and name in DYNAMODB_WRITES:
            writes += count
        elif operation == "dynamodb.TransactWriteItems":
            # Transactional writes cost two write units per item.
            writes += count * 2 * prices.assume("dynamodbItemsPerTransaction")
        elif operation not in FREE_CALLS:
            bill.unpriced.add(operation)
        if operation == "ssm.GetParameter":
            # Every read of a SecureString decrypts it with the stack's KMS key once.
            bill.add("KMS", count * prices["kms.request"])
    bill.add(
        "DynamoDB", reads * prices["dynamodb.readRequestUnit"] + writes * prices["dynamodb.writeRequestUnit"]
    )
    bill.add("Step Functions", scenario.state_transitions * prices["stepfunctions.stateTransition"])
    parts = sum(sms_parts(body, prices) for body in scenario.sms_bodies)
    bill.add("SMS (KR)", parts * prices["sns.smsPartKR"])
    bill.add("Lex", scenario.classified_locally * prices["lex.textRequest"])
    tokens = (
        prices.assume("bedrockInputTokens") * prices["bedrock.inputToken"]
        + prices.assume("bedrockOutputTokens") * prices["bedrock.outputToken"]
    )
    bill.add("Bedrock", scenario.notifications * tokens)
    return bill


def _page_constant(source: str, name: str) -> int:
    found = re.search(rf"\b{name}\s*=\s*(\d+)", source)
    if found is None:
        raise ValueError(f"{CUSTOMER_PAGE.name} no longer defines {name}")
    return int(found.group(1))


def status_polls(wait_seconds: float, page: Path = CUSTOMER_PAGE) -> int:
    """How often the customer page reads the status while it waits `wait_seconds` (its own schedule)."""
    source = page.read_text(encoding="utf-8")
    fast_ms, slow_ms = _page_constant(source, "FAST_POLL_MS"), _page_constant(source, "SLOW_POLL_MS")
    fast_phase_ms = _page_constant(source, "FAST_PHASE_MS")
    waited_ms = wait_seconds * 1000
    if waited_ms <= fast_phase_ms:
        return math.ceil(waited_ms / fast_ms)
    return math.ceil(fast_phase_ms / fast_ms) + math.ceil((waited_ms - fast_phase_ms) / slow_ms)


@dataclass(frozen=True)
class Estimate:
    requests_per_day: int
    monthly: Bill
    flows_per_month: int

    @property
    def per_request(self) -> float:
        return self.monthly.total / self.flows_per_month


def per_flow(profile: Profile, prices: Prices) -> Bill:
    """The average flow: answered or timed out in the assumed share, plus the page's status reads."""
    share = float(prices.assume("answeredShare"))
    wait = float(prices.assume("partnerWaitSeconds"))
    answered_polls = status_polls(float(prices.assume("answerSeconds")))
    timeout_polls = status_polls(wait)
    # The recorded flows already include one status read.
    answered = flow_bill(profile.answered, prices).plus(
        flow_bill(profile.status_read, prices).scaled(max(0, answered_polls - 1))
    )
    timed_out = flow_bill(profile.timeout, prices).plus(
        flow_bill(profile.status_read, prices).scaled(max(0, timeout_polls - 1))
    )
    return answered.scaled(share).plus(timed_out.scaled(1 - share))


def fixed_monthly(prices: Prices) -> Bill:
    bill = Bill()
    bill.add(
        "CloudWatch (alarms, dashboard, metrics)",
        prices.assume("alarmMetrics") * prices["cloudwatch.alarmMetric"]
        + prices.assume("dashboards") * prices["cloudwatch.dashboard"]
        + prices.assume("customMetrics") * prices["cloudwatch.customMetric"],
    )
    bill.add("KMS", prices["kms.key"])  # the stack's key for its secrets
    acls = prices.assume("wafWebAcls")
    if acls:
        bill.add(
            "AWS WAF (web ACL and rules)",
            acls * (prices["waf.webAcl"] + prices.assume("wafRules") * prices["waf.rule"]),
        )
    return bill


def estimate(profile: Profile, prices: Prices, requests_per_day: int) -> Estimate:
    flows = requests_per_day * int(prices.assume("daysPerMonth"))
    monthly = per_flow(profile, prices).scaled(flows).plus(fixed_monthly(prices))
    return Estimate(requests_per_day=requests_per_day, monthly=monthly, flows_per_month=flows)


def intent_tie_break_monthly(profile: Profile, prices: Prices, requests_per_day: int) -> float:
    """What the stack setting `intentTieBreak` adds: one tiny Bedrock call per message Lex is unsure of."""
    share = float(prices.assume("answeredShare"))
    answered, timed_out = profile.answered.classified_locally, profile.timeout.classified_locally
    classified = share * answered + (1 - share) * timed_out
    per_call = (
        prices.assume("intentTieBreakInputTokens") * prices["bedrock.inputToken"]
        + prices.assume("intentTieBreakOutputTokens") * prices["bedrock.outputToken"]
    )
    flows = requests_per_day * int(prices.assume("daysPerMonth"))
    return float(flows * classified * prices.assume("intentTieBreakShare") * per_call)


def estimates(profile: Profile, prices: Prices) -> list[Estimate]:
    return [estimate(profile, prices, volume) for volume in VOLUMES_PER_DAY]
