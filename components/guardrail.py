"""The Bedrock guardrail every notification `Converse` call names (issue 12), as pure builders.

- prompt-attack filter on the input the handler passes as guarded content (the customer's question and the
  partner's note); harmful-content filters on the model's output;
- PII filters that mask (ANONYMIZE) phone numbers, e-mail addresses and URLs in the model's output;
- a denied topic for promises the business cannot make: refunds, compensation, legal advice.

Korean needs the Standard safeguard tier (Classic reads English, French and Spanish only), and the Standard
tier runs through a system-defined guardrail profile (cross-Region): `apac.guardrail.v1:0` from Seoul. Any
intervention makes the handler use the built-in template, so the blocked messages below are never shown.
`CallbackWorkflow` declares the resources from these dicts; `tests/infra` checks them without AWS.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any, Final

from components import iam

# A region's guardrail profile is its geography's (docs: "Supported Regions for guardrail profiles").
_PROFILE_GEOGRAPHY: Final = {"ap": "apac", "us": "us", "eu": "eu"}
TIER: Final = "STANDARD"
MASKED_ENTITIES: Final = ("PHONE", "EMAIL", "URL")
DENIED_TOPIC: Final = "refunds-compensation-legal-advice"
BLOCKED_INPUT: Final = "요청을 처리할 수 없습니다."
BLOCKED_OUTPUT: Final = "안내문을 만들 수 없습니다."


def guardrail_profile(region: str) -> str:
    """`apac.guardrail.v1:0` for a stack in `ap-northeast-2`."""
    geography = _PROFILE_GEOGRAPHY.get(region.split("-", 1)[0])
    if geography is None:
        raise ValueError(f"no Bedrock guardrail profile is known for region {region}")
    return f"{geography}.guardrail.v1:0"


def content_policy() -> dict[str, Any]:
    harmful = ("HATE", "INSULTS", "SEXUAL", "VIOLENCE", "MISCONDUCT")
    return {
        "filters_configs": [
            # Only the guarded blocks are read as input: the customer's text and the partner's note.
            {"type": "PROMPT_ATTACK", "input_strength": "HIGH", "output_strength": "NONE"},
            # A customer may be angry in their own words; the message we show must not be.
            *({"type": kind, "input_strength": "NONE", "output_strength": "HIGH"} for kind in harmful),
        ],
        "tier_configs": [{"tier_name": TIER}],
    }


def sensitive_information_policy() -> dict[str, Any]:
    return {
        "pii_entities_configs": [
            {
                "type": entity,
                "action": "ANONYMIZE",
                "input_action": "NONE",
                "input_enabled": False,
                "output_action": "ANONYMIZE",
                "output_enabled": True,
            }
            for entity in MASKED_ENTITIES
        ]
    }


def topic_policy() -> dict[str, Any]:
    return {
        "topics_configs": [
            {
                "name": DENIED_TOPIC,
                "type": "DENY",
                "definition": (
                    "Promises or advice the booking service cannot give on a business's behalf: refunds, "
                    "money back, compensation, discounts or vouchers for an inconvenience, and legal advice "
                    "about a reservation or a dispute with the business."
                ),
                "examples": [
                    "불편을 드려 전액 환불해 드리겠습니다.",
                    "보상으로 다음 숙박을 무료로 제공해 드립니다.",
                    "업체를 상대로 소송하시면 이기실 수 있습니다.",
                    "We will refund your booking in full.",
                ],
            }
        ],
        "tier_configs": [{"tier_name": TIER}],
    }


def policies(region: str) -> dict[str, Any]:
    """Every argument of the guardrail that decides what it does (the version's fingerprint hashes these)."""
    return {
        "blocked_input_messaging": BLOCKED_INPUT,
        "blocked_outputs_messaging": BLOCKED_OUTPUT,
        "content_policy_config": content_policy(),
        "sensitive_information_policy_config": sensitive_information_policy(),
        "topic_policy_config": topic_policy(),
        "cross_region_config": {"guardrail_profile_identifier": guardrail_profile(region)},
    }


def fingerprint(region: str) -> str:
    """A short hash of the policies: the version's description, so a changed guardrail gets a new version."""
    document = json.dumps(policies(region), sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(document).hexdigest()[:16]


def apply_statement(guardrail_arn: str, region: str, account_id: str) -> iam.Statement:
    """`bedrock:ApplyGuardrail` on this guardrail only, plus the system-defined profile the Standard tier
    routes its checks through (in each region of its geography, hence the region wildcard)."""
    profile = f"arn:aws:bedrock:*:{account_id}:guardrail-profile/{guardrail_profile(region)}"
    return iam.statement(["bedrock:ApplyGuardrail"], [guardrail_arn, profile], sid="ApplyGuardrail")
