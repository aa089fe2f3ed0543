"""IntakeBot: the Lex V2 bot (ko_KR) that classifies a customer's message into one of the three intents."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

import pulumi
import pulumi_aws as aws

from components import iam
from components.lex_release import LexBotRelease
from handlers.models.intents import INTENTS, IntentDefinition

LOCALE_ID: Final = "ko_KR"
# Lex's own threshold for its FallbackIntent; the intake function applies the stricter threshold of the
# stack settings on top.
NLU_CONFIDENCE_THRESHOLD: Final = 0.4
IDLE_SESSION_TTL_SECONDS: Final = 300


@dataclass(frozen=True, kw_only=True)
class IntakeBotArgs:
    region: str
    """Region of the bot: the release step calls the Lex models API there."""
    account_id: pulumi.Input[str]
    """The account whose bot alone may assume the bot role."""
    assisted_nlu: str = "off"
    """Lex's assisted NLU for the locale: `off`, `Fallback` (an LLM when Lex is unsure) or `Primary`."""


def bot_model(intents: Sequence[IntentDefinition] = INTENTS) -> dict[str, object]:
    """Everything that changes what the built bot answers: a change must rebuild and re-alias it."""
    return {
        "locale": LOCALE_ID,
        "threshold": NLU_CONFIDENCE_THRESHOLD,
        "intents": [
            {"name": item.lex_name, "description": item.description, "utterances": list(item.utterances)}
            for item in intents
        ],
    }


def model_hash(intents: Sequence[IntentDefinition] = INTENTS) -> str:
    canonical = json.dumps(bot_model(intents), ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return hashlib.sha256(canonical.encode()).hexdigest()


class IntakeBot(pulumi.ComponentResource):
    """Bot, ko_KR locale, the three intents, and a release (build, version, alias) keyed by the model hash."""

    bot_id: pulumi.Output[str]
    bot_arn: pulumi.Output[str]
    bot_alias_id: pulumi.Output[str]
    bot_alias_arn: pulumi.Output[str]
    locale_id: str

    def __init__(self, name: str, args: IntakeBotArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("partnerconfirm:index:IntakeBot", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        # Text classification calls no other service, so the role needs a trust policy and nothing else.
        role = aws.iam.Role(
            f"{name}-role",
            description="partner-confirm Lex bot",
            assume_role_policy=pulumi.Output.json_dumps(
                pulumi.Output.from_input(args.account_id).apply(
                    lambda account: iam.assume_role_policy("lexv2.amazonaws.com", account)
                )
            ),
            opts=child,
        )
        bot = aws.lex.V2modelsBot(
            f"{name}-bot",
            description="고객 문의 의도 분류 (예약변경 · 트러블신고 · 부가서비스)",
            role_arn=role.arn,
            idle_session_ttl_in_seconds=IDLE_SESSION_TTL_SECONDS,
            data_privacies=[{"child_directed": False}],
            type="Bot",
            opts=child,
        )
        locale = aws.lex.V2modelsBotLocale(
            f"{name}-locale",
            bot_id=bot.id,
            bot_version="DRAFT",
            locale_id=LOCALE_ID,
            n_lu_intent_confidence_threshold=NLU_CONFIDENCE_THRESHOLD,
            opts=child,
        )
        intents = [
            aws.lex.V2modelsIntent(
                f"{name}-intent-{item.lex_name}",
                bot_id=bot.id,
                bot_version="DRAFT",
                # The locale's output (not the constant) orders each intent after the locale exists.
                locale_id=locale.locale_id,
                name=item.lex_name,
                description=item.description,
                sample_utterances=[{"utterance": utterance} for utterance in item.utterances],
                opts=child,
            )
            for item in INTENTS
        ]
        release = LexBotRelease(
            f"{name}-release",
            bot_id=bot.id,
            locale_id=LOCALE_ID,
            model_hash=model_hash(),
            region=args.region,
            intent_names=[item.lex_name for item in INTENTS],
            assisted_nlu=args.assisted_nlu,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[locale, *intents]),
        )

        self.bot_id = bot.id
        self.bot_arn = bot.arn
        self.bot_alias_id = release.botAliasId
        self.bot_alias_arn = pulumi.Output.all(bot.arn, release.botAliasId).apply(
            lambda values: iam.bot_alias_arn(values[0], values[1])
        )
        self.locale_id = LOCALE_ID
        self.register_outputs({"botId": self.bot_id, "botAliasId": self.bot_alias_id})
