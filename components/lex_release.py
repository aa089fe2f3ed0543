"""Build, version and alias the Lex V2 bot: what pulumi-aws 7.51 has no resource for.

`LexBotReleaser` holds the boto3 logic (unit-tested with botocore's Stubber); `LexBotRelease` is the Pulumi
dynamic resource that runs it when the bot model (its hash) changes. Without a built locale and an alias,
`RecognizeText` fails, and `TSTALIASID` is meant for manual testing only.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

import pulumi
import pulumi.dynamic

DRAFT: Final = "DRAFT"
ALIAS_NAME: Final = "live"


class LexReleaseError(RuntimeError):
    """The bot could not be built, versioned or aliased."""


@dataclass(frozen=True, slots=True)
class Release:
    bot_version: str
    bot_alias_id: str


class LexBotReleaser:
    """Build the locale, wait until Built; create a version, wait; create or move the alias, wait."""

    def __init__(
        self,
        client: Any,
        *,
        poll_seconds: float = 5.0,
        max_polls: int = 120,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self._client = client
        self._poll_seconds = poll_seconds
        self._max_polls = max_polls
        self._sleep = sleep

    def _wait(self, what: str, describe: Callable[[], dict[str, Any]], status_key: str, ready: str) -> None:
        for _ in range(self._max_polls):
            answer = describe()
            status = answer.get(status_key)
            if status == ready:
                return
            if status in {"Failed", "Deleting"}:
                reasons = "; ".join(answer.get("failureReasons") or []) or "no reason given"
                raise LexReleaseError(f"{what} is {status}: {reasons}")
            self._sleep(self._poll_seconds)
        raise LexReleaseError(f"{what} was not {ready} after {self._max_polls} checks")

    def build_locale(self, bot_id: str, locale_id: str) -> None:
        self._client.build_bot_locale(botId=bot_id, botVersion=DRAFT, localeId=locale_id)
        self._wait(
            f"locale {locale_id} of bot {bot_id}",
            lambda: self._client.describe_bot_locale(botId=bot_id, botVersion=DRAFT, localeId=locale_id),
            "botLocaleStatus",
            "Built",
        )

    def create_version(self, bot_id: str, locale_id: str) -> str:
        answer = self._client.create_bot_version(
            botId=bot_id,
            botVersionLocaleSpecification={locale_id: {"sourceBotVersion": DRAFT}},
        )
        version = str(answer["botVersion"])
        self._wait(
            f"version {version} of bot {bot_id}",
            lambda: self._client.describe_bot_version(botId=bot_id, botVersion=version),
            "botStatus",
            "Available",
        )
        return version

    def point_alias(self, bot_id: str, locale_id: str, version: str, alias_id: str | None) -> str:
        settings = {
            "botAliasName": ALIAS_NAME,
            "botId": bot_id,
            "botVersion": version,
            "botAliasLocaleSettings": {locale_id: {"enabled": True}},
        }
        if alias_id is None:
            alias_id = str(self._client.create_bot_alias(**settings)["botAliasId"])
        else:
            self._client.update_bot_alias(botAliasId=alias_id, **settings)
        current = alias_id
        self._wait(
            f"alias {current} of bot {bot_id}",
            lambda: self._client.describe_bot_alias(botAliasId=current, botId=bot_id),
            "botAliasStatus",
            "Available",
        )
        return alias_id

    def release(self, bot_id: str, locale_id: str, alias_id: str | None = None) -> Release:
        """Publish the DRAFT model behind the alias (created on first release, moved afterwards)."""
        self.build_locale(bot_id, locale_id)
        version = self.create_version(bot_id, locale_id)
        return Release(
            bot_version=version, bot_alias_id=self.point_alias(bot_id, locale_id, version, alias_id)
        )

    def _delete(self, delete: Callable[[], object], describe: Callable[[], object]) -> bool:
        """Run `delete`; False when there was nothing to delete.

        Lex's Delete* calls never answer ResourceNotFoundException: a missing alias or version is a
        PreconditionFailedException, the same error as other refusals, so `describe` tells them apart.
        """
        errors = self._client.exceptions
        try:
            delete()
        except errors.PreconditionFailedException:
            try:
                describe()
            except errors.ResourceNotFoundException:
                return False
            raise
        return True

    def retire_version(self, bot_id: str, version: str) -> None:
        """Delete a version nothing points at any more; a version already gone is fine."""
        self._delete(
            lambda: self._client.delete_bot_version(
                botId=bot_id, botVersion=version, skipResourceInUseCheck=False
            ),
            lambda: self._client.describe_bot_version(botId=bot_id, botVersion=version),
        )

    def _wait_gone(self, what: str, describe: Callable[[], object]) -> None:
        for _ in range(self._max_polls):
            try:
                describe()
            except self._client.exceptions.ResourceNotFoundException:
                return
            self._sleep(self._poll_seconds)
        raise LexReleaseError(f"{what} was not deleted after {self._max_polls} checks")

    def retire(self, bot_id: str, alias_id: str, version: str) -> None:
        """Delete the alias, then its version. Alias deletion is asynchronous, and a version an alias still
        points at cannot be deleted, so the version goes only once the alias is gone."""

        def describe() -> object:
            return self._client.describe_bot_alias(botAliasId=alias_id, botId=bot_id)

        deleting = self._delete(
            lambda: self._client.delete_bot_alias(
                botAliasId=alias_id, botId=bot_id, skipResourceInUseCheck=True
            ),
            describe,
        )
        if deleting:
            self._wait_gone(f"alias {alias_id} of bot {bot_id}", describe)
        self.retire_version(bot_id, version)


def _releaser(region: str) -> LexBotReleaser:
    # Imported here: the provider runs in Pulumi's dynamic-provider host, not when the program imports it.
    import boto3

    return LexBotReleaser(boto3.client("lexv2-models", region_name=region))


class LexBotReleaseProvider(pulumi.dynamic.ResourceProvider):
    """Runs `LexBotReleaser` on create, on a changed model hash, and on delete."""

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        release = _releaser(props["region"]).release(props["botId"], props["localeId"])
        outs = {**props, "botVersion": release.bot_version, "botAliasId": release.bot_alias_id}
        return pulumi.dynamic.CreateResult(id_=f"{props['botId']}:{release.bot_alias_id}", outs=outs)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        replaces = [key for key in ("botId", "localeId", "region") if olds.get(key) != news.get(key)]
        changed = replaces or olds.get("modelHash") != news.get("modelHash")
        return pulumi.dynamic.DiffResult(
            changes=bool(changed), replaces=replaces, delete_before_replace=bool(replaces)
        )

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        releaser = _releaser(news["region"])
        release = releaser.release(news["botId"], news["localeId"], olds["botAliasId"])
        if olds.get("botVersion") and olds["botVersion"] != release.bot_version:
            releaser.retire_version(news["botId"], olds["botVersion"])
        return pulumi.dynamic.UpdateResult(
            outs={**news, "botVersion": release.bot_version, "botAliasId": release.bot_alias_id}
        )

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        _releaser(props["region"]).retire(props["botId"], props["botAliasId"], props["botVersion"])


class LexBotRelease(pulumi.dynamic.Resource):
    """The built, versioned and aliased bot; replaced with the bot, updated when `model_hash` changes."""

    # Dynamic resources expose their outputs under the property names they were given.
    botVersion: pulumi.Output[str]
    botAliasId: pulumi.Output[str]

    def __init__(
        self,
        name: str,
        *,
        bot_id: pulumi.Input[str],
        locale_id: str,
        model_hash: str,
        region: str,
        opts: pulumi.ResourceOptions | None = None,
    ) -> None:
        super().__init__(
            LexBotReleaseProvider(),
            name,
            {
                "botId": bot_id,
                "localeId": locale_id,
                "modelHash": model_hash,
                "region": region,
                "botVersion": None,
                "botAliasId": None,
            },
            opts,
        )
