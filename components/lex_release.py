"""Build, version and alias the Lex V2 bot: what pulumi-aws 7.51 has no resource for.

`LexBotReleaser` holds the boto3 logic (unit-tested with botocore's Stubber); `LexBotRelease` is the Pulumi
dynamic resource that runs it when the bot model (its hash) changes. Without a built locale and an alias,
`RecognizeText` fails, and `TSTALIASID` is meant for manual testing only.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Final

import pulumi
import pulumi.dynamic

DRAFT: Final = "DRAFT"
ASSISTED_NLU_OFF: Final = "off"
ASSISTED_NLU_MODES: Final = ("Fallback", "Primary")
ALIAS_NAME: Final = "live"
# Lex's built-in intent of every locale: never ours to delete.
BUILT_IN_INTENTS: Final = frozenset({"FallbackIntent"})
# `read` marks a release whose alias was moved outside Pulumi, so the next `up` releases again.
DRIFTED: Final = "drifted:"


class LexReleaseError(RuntimeError):
    """The bot could not be built, versioned or aliased."""


@dataclass(frozen=True, slots=True)
class Release:
    bot_version: str
    bot_alias_id: str


@dataclass(frozen=True, slots=True)
class LiveAlias:
    bot_alias_id: str
    bot_version: str | None


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

    def find_alias(self, bot_id: str) -> LiveAlias | None:
        """The bot's `live` alias if one exists (left behind by a first release that was interrupted)."""
        options: dict[str, Any] = {"botId": bot_id}
        while True:
            page = self._client.list_bot_aliases(**options)
            for summary in page.get("botAliasSummaries", []):
                if summary.get("botAliasName") == ALIAS_NAME:
                    return LiveAlias(str(summary["botAliasId"]), summary.get("botVersion"))
            if not page.get("nextToken"):
                return None
            options["nextToken"] = page["nextToken"]

    def describe_alias(self, bot_id: str, alias_id: str) -> LiveAlias | None:
        try:
            answer = self._client.describe_bot_alias(botAliasId=alias_id, botId=bot_id)
        except self._client.exceptions.ResourceNotFoundException:
            return None
        return LiveAlias(str(answer["botAliasId"]), answer.get("botVersion"))

    def prune_intents(self, bot_id: str, locale_id: str, keep: Sequence[str]) -> list[str]:
        """Delete from the DRAFT locale every intent the model no longer declares, before it is built.

        Pulumi deletes a removed intent's resource only at the end of the update, after the release:
        without this the new version would still answer with the removed (or renamed) intent.
        """
        wanted = set(keep) | BUILT_IN_INTENTS
        stale: list[tuple[str, str]] = []
        options: dict[str, Any] = {"botId": bot_id, "botVersion": DRAFT, "localeId": locale_id}
        while True:
            page = self._client.list_intents(**options)
            stale += [
                (str(item["intentId"]), str(item["intentName"]))
                for item in page.get("intentSummaries", [])
                if item.get("intentName") not in wanted
            ]
            if not page.get("nextToken"):
                break
            options["nextToken"] = page["nextToken"]
        for intent_id, _ in stale:
            self._client.delete_intent(intentId=intent_id, botId=bot_id, botVersion=DRAFT, localeId=locale_id)
        return [name for _, name in stale]

    def set_assisted_nlu(self, bot_id: str, locale_id: str, mode: str) -> None:
        """Lex's assisted NLU on the DRAFT locale: `Fallback` or `Primary`, or `off`; other settings kept.

        pulumi-aws has no argument for it, so the release step sets it before the build.
        """
        current = self._client.describe_bot_locale(botId=bot_id, botVersion=DRAFT, localeId=locale_id)
        improvement: dict[str, Any] = {"enabled": mode in ASSISTED_NLU_MODES}
        if mode in ASSISTED_NLU_MODES:
            improvement["assistedNluMode"] = mode
        generative = dict(current.get("generativeAISettings") or {})
        generative["runtimeSettings"] = {
            **(generative.get("runtimeSettings") or {}),
            "nluImprovement": improvement,
        }
        update: dict[str, Any] = {
            "botId": bot_id,
            "botVersion": DRAFT,
            "localeId": locale_id,
            "nluIntentConfidenceThreshold": current["nluIntentConfidenceThreshold"],
            "generativeAISettings": generative,
        }
        for key in ("description", "voiceSettings"):
            if current.get(key):
                update[key] = current[key]
        self._client.update_bot_locale(**update)

    def release(
        self,
        bot_id: str,
        locale_id: str,
        alias_id: str | None = None,
        *,
        intents: Sequence[str] | None = None,
        assisted_nlu: str | None = None,
    ) -> Release:
        """Publish the DRAFT model behind the alias (created on first release, moved afterwards).

        With `intents`, intents of the draft not among them are deleted first. When the alias step fails,
        the version made for it is deleted again (best effort), so retries do not pile up versions.
        """
        if intents is not None:
            self.prune_intents(bot_id, locale_id, intents)
        if assisted_nlu is not None:
            self.set_assisted_nlu(bot_id, locale_id, assisted_nlu)
        self.build_locale(bot_id, locale_id)
        version = self.create_version(bot_id, locale_id)
        try:
            alias = self.point_alias(bot_id, locale_id, version, alias_id)
        except Exception:
            with contextlib.suppress(Exception):
                self.retire_version(bot_id, version)
            raise
        return Release(bot_version=version, bot_alias_id=alias)

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


def _assisted_nlu(olds: dict[str, Any] | None, news: dict[str, Any]) -> str | None:
    """The mode to set, or None to leave the locale alone (off, and never turned on by this resource)."""
    new = news.get("assistedNlu") or ASSISTED_NLU_OFF
    old = (olds or {}).get("assistedNlu") or ASSISTED_NLU_OFF
    return None if new == old == ASSISTED_NLU_OFF else new


class LexBotReleaseProvider(pulumi.dynamic.ResourceProvider):
    """Runs `LexBotReleaser` on create, on a changed model hash, on refresh (`read`) and on delete."""

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        releaser = _releaser(props["region"])
        # A first `up` interrupted after the alias was made leaves a `live` alias Pulumi does not know:
        # adopt it (Lex refuses a second alias of the same name, so creating would fail forever).
        adopted = releaser.find_alias(props["botId"])
        release = releaser.release(
            props["botId"],
            props["localeId"],
            adopted.bot_alias_id if adopted else None,
            intents=props.get("intentNames"),
            assisted_nlu=_assisted_nlu(None, props),
        )
        if adopted and adopted.bot_version not in (None, DRAFT, release.bot_version):
            releaser.retire_version(props["botId"], str(adopted.bot_version))
        outs = {**props, "botVersion": release.bot_version, "botAliasId": release.bot_alias_id}
        return pulumi.dynamic.CreateResult(id_=f"{props['botId']}:{release.bot_alias_id}", outs=outs)

    def read(self, id_: str, props: dict[str, Any]) -> pulumi.dynamic.ReadResult:
        """What the alias really points at: gone (blank id), as recorded, or moved (marked as drifted)."""
        alias_id = props.get("botAliasId")
        live = _releaser(props["region"]).describe_alias(props["botId"], alias_id) if alias_id else None
        if live is None:
            return pulumi.dynamic.ReadResult(id_="", outs={})
        outs = dict(props)
        if live.bot_version != props.get("botVersion"):
            outs["botVersion"] = live.bot_version
            outs["modelHash"] = f"{DRIFTED}{live.bot_version}"
        return pulumi.dynamic.ReadResult(id_=id_, outs=outs)

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        replaces = [key for key in ("botId", "localeId", "region") if olds.get(key) != news.get(key)]
        changed = (
            replaces
            or olds.get("modelHash") != news.get("modelHash")
            or olds.get("assistedNlu", ASSISTED_NLU_OFF) != news.get("assistedNlu", ASSISTED_NLU_OFF)
        )
        return pulumi.dynamic.DiffResult(
            changes=bool(changed), replaces=replaces, delete_before_replace=bool(replaces)
        )

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        releaser = _releaser(news["region"])
        release = releaser.release(
            news["botId"],
            news["localeId"],
            olds["botAliasId"],
            intents=news.get("intentNames"),
            assisted_nlu=_assisted_nlu(olds, news),
        )
        if olds.get("botVersion") and olds["botVersion"] not in (DRAFT, release.bot_version):
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
        intent_names: Sequence[str] = (),
        assisted_nlu: str = "off",
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
                # The intents the model declares: any other intent of the draft is deleted before a build.
                "intentNames": list(intent_names),
                # Lex's assisted NLU (`off`, `Fallback`, `Primary`), set on the locale before the build.
                "assistedNlu": assisted_nlu,
                "botVersion": None,
                "botAliasId": None,
            },
            opts,
        )
