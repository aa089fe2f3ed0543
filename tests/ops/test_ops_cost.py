"""The cost model: counted calls times dated list prices, and the files it reads."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest

from ops import cost

ROOT = Path(__file__).resolve().parents[2]


def _prices(**assumptions: object) -> cost.Prices:
    prices = cost.Prices.load()
    return replace(prices, assumptions={**prices.assumptions, **assumptions})


def _scenario(
    *,
    aws: dict[str, int] | None = None,
    invocations: dict[str, int] | None = None,
    classified_locally: int = 0,
    notifications: int = 0,
) -> cost.Scenario:
    return cost.Scenario(
        aws=aws or {},
        invocations=invocations or {},
        api={},
        classified_locally=classified_locally,
        notifications=notifications,
    )


def test_lambda_bills_requests_and_gb_seconds() -> None:
    prices = _prices(lambdaMilliseconds=1000, lambdaMemoryMb=1024)
    bill = cost.flow_bill(_scenario(invocations={"a": 3, "b": 1}), prices)
    assert bill.lines["Lambda"] == pytest.approx(
        4 * prices["lambda.request"] + 4 * prices["lambda.arm64GbSecond"]
    )


def test_transactional_writes_cost_two_units_per_item() -> None:
    prices = _prices(dynamodbItemsPerTransaction=3)
    bill = cost.flow_bill(_scenario(aws={"dynamodb.TransactWriteItems": 1, "dynamodb.GetItem": 2}), prices)
    expected = 6 * prices["dynamodb.writeRequestUnit"] + 2 * prices["dynamodb.readRequestUnit"]
    assert bill.lines["DynamoDB"] == pytest.approx(expected)


def test_a_call_without_a_price_rule_is_reported() -> None:
    bill = cost.flow_bill(_scenario(aws={"kms.Decrypt": 1, "states.SendTaskSuccess": 1}), _prices())
    assert bill.unpriced == {"kms.Decrypt"}


def test_sms_parts_are_counted_with_the_deployed_link() -> None:
    prices = _prices(linkBase="https://d111111abcdef8.cloudfront.net")
    link = "{linkBase}/r/" + "x" * 26
    # "확인 " 3 + origin 37 + "/r/" 3 + token 26 = 69 units: one part; 72 units: two.
    assert cost.sms_parts("확인 " + link, prices) == 1
    assert cost.sms_parts("확인 요청 " + link, prices) == 2


def test_local_stand_ins_are_billed_as_the_cloud_services() -> None:
    prices = _prices(bedrockInputTokens=1000, bedrockOutputTokens=100)
    bill = cost.flow_bill(_scenario(classified_locally=1, notifications=1), prices)
    assert bill.lines["Lex"] == pytest.approx(prices["lex.textRequest"])
    assert bill.lines["Bedrock"] == pytest.approx(
        1000 * prices["bedrock.inputToken"] + 100 * prices["bedrock.outputToken"]
    )


def test_status_polls_follow_the_customer_pages_schedule(tmp_path: Path) -> None:
    page = tmp_path / "customer.js"
    page.write_text("var FAST_POLL_MS = 2000;\nvar SLOW_POLL_MS = 5000;\nvar FAST_PHASE_MS = 120000;\n")
    assert cost.status_polls(60, page) == 30
    assert cost.status_polls(300, page) == 60 + 36


def test_the_page_schedule_is_read_from_the_real_page() -> None:
    assert cost.status_polls(10) >= 1


def test_monthly_cost_grows_with_volume_and_fixed_costs_stay() -> None:
    profile, prices = cost.Profile.load(), cost.Prices.load()
    small, _, large = cost.estimates(profile, prices)
    fixed = cost.fixed_monthly(prices).total
    assert large.monthly.total - fixed == pytest.approx(100 * (small.monthly.total - fixed))
    assert large.per_request < small.per_request


def test_the_seed_volume_and_ten_and_a_hundred_times_it() -> None:
    assert [e.requests_per_day for e in cost.estimates(cost.Profile.load(), cost.Prices.load())] == [
        100,
        1000,
        10000,
    ]


def test_prices_are_dated_and_every_price_names_its_source() -> None:
    data = json.loads(cost.PRICES_FILE.read_text(encoding="utf-8"))
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", data["date"])
    assert all(price["source"] and price["usd"] > 0 for price in data["prices"].values())
    assert all(assumption["why"] for assumption in data["assumptions"].values())


def test_assumed_function_memory_is_what_the_functions_get() -> None:
    from components.functions import ARCHITECTURE, MEMORY_MB

    assert cost.Prices.load().assume("lambdaMemoryMb") == MEMORY_MB
    assert ARCHITECTURE == "arm64"  # the price used is the arm64 one


def test_assumed_partner_wait_is_the_stacks() -> None:
    from components.settings import StackSettings

    assert (
        cost.Prices.load().assume("partnerWaitSeconds")
        == StackSettings.model_fields["partner_wait_seconds"].default
    )


def test_the_committed_profile_texts_the_code_then_the_partner_once_per_flow() -> None:
    profile = cost.Profile.load()
    for flow in (profile.answered, profile.timeout):
        code, link = flow.sms_bodies  # a first question: the customer verifies, then the partner is texted
        assert "인증번호 000000" in code
        assert "{linkBase}/r/" in link


def test_every_call_in_the_committed_profile_has_a_price_rule() -> None:
    assert cost.per_flow(cost.Profile.load(), cost.Prices.load()).unpriced == set()


def test_the_intent_tie_break_costs_one_tiny_call_per_unsure_message() -> None:
    prices = _prices(intentTieBreakShare=0.5, intentTieBreakInputTokens=1000, intentTieBreakOutputTokens=0)
    profile = cost.Profile.load()
    monthly = cost.intent_tie_break_monthly(profile, prices, requests_per_day=100)
    flows = 100 * prices.assume("daysPerMonth")
    assert monthly == pytest.approx(flows * 0.5 * 1000 * prices["bedrock.inputToken"])
    assert cost.intent_tie_break_monthly(profile, _prices(intentTieBreakShare=0), 100) == 0


def test_the_web_acl_costs_its_monthly_fee_per_rule_and_per_request() -> None:
    prices = _prices(wafWebAcls=1, wafRules=4)
    fixed = cost.fixed_monthly(prices)
    scenario = cost.Scenario(aws={}, invocations={}, api={"POST /chat": 1, "GET /requests/{requestId}": 9})

    assert fixed.lines["AWS WAF (web ACL and rules)"] == pytest.approx(5.0 + 4 * 1.0)
    assert cost.flow_bill(scenario, prices).lines["AWS WAF (requests)"] == pytest.approx(10 * 0.6 / 1_000_000)


def test_without_the_web_acl_there_is_no_waf_cost() -> None:
    prices = _prices(wafWebAcls=0)
    scenario = cost.Scenario(aws={}, invocations={}, api={"POST /chat": 1})

    assert "AWS WAF (web ACL and rules)" not in cost.fixed_monthly(prices).lines
    assert cost.flow_bill(scenario, prices).lines["AWS WAF (requests)"] == 0


def test_the_assumed_rule_count_is_the_programs() -> None:
    from components.site import web_acl_rules

    assert cost.Prices.load().assume("wafRules") == len(web_acl_rules(100))
