"""The Lex release step (build -> version -> alias), on a stubbed lexv2-models client."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from components import lex_release
from components.lex_release import ALIAS_NAME, DRAFT, LexBotReleaseProvider, LexBotReleaser, LexReleaseError

BOT = "BOT0000001"
LOCALE = "ko_KR"
ALIAS = "ALIAS00001"


@pytest.fixture
def client() -> Any:
    return boto3.client("lexv2-models", region_name="ap-northeast-2")


@pytest.fixture
def stub(client: Any) -> Iterator[Stubber]:
    with Stubber(client) as stubber:
        yield stubber
        stubber.assert_no_pending_responses()


@pytest.fixture
def releaser(client: Any) -> LexBotReleaser:
    return LexBotReleaser(client, poll_seconds=0, max_polls=5, sleep=lambda _: None)


def expect_build(stub: Stubber, *statuses: str) -> None:
    stub.add_response(
        "build_bot_locale",
        {"botId": BOT, "botVersion": DRAFT, "localeId": LOCALE, "botLocaleStatus": "Building"},
        {"botId": BOT, "botVersion": DRAFT, "localeId": LOCALE},
    )
    for status in statuses:
        stub.add_response(
            "describe_bot_locale",
            {"botId": BOT, "botVersion": DRAFT, "localeId": LOCALE, "botLocaleStatus": status},
            {"botId": BOT, "botVersion": DRAFT, "localeId": LOCALE},
        )


def expect_version(stub: Stubber, version: str, *statuses: str) -> None:
    stub.add_response(
        "create_bot_version",
        {"botId": BOT, "botVersion": version, "botStatus": "Versioning"},
        {"botId": BOT, "botVersionLocaleSpecification": {LOCALE: {"sourceBotVersion": DRAFT}}},
    )
    for status in statuses:
        stub.add_response(
            "describe_bot_version",
            {"botId": BOT, "botVersion": version, "botStatus": status},
            {"botId": BOT, "botVersion": version},
        )


def alias_settings(version: str) -> dict[str, Any]:
    return {
        "botAliasName": ALIAS_NAME,
        "botId": BOT,
        "botVersion": version,
        "botAliasLocaleSettings": {LOCALE: {"enabled": True}},
    }


def expect_alias_ready(stub: Stubber) -> None:
    stub.add_response(
        "describe_bot_alias",
        {"botAliasId": ALIAS, "botId": BOT, "botAliasStatus": "Available"},
        {"botAliasId": ALIAS, "botId": BOT},
    )


def test_first_release_builds_versions_and_creates_the_alias(stub: Stubber, releaser: LexBotReleaser) -> None:
    expect_build(stub, "Building", "Built")
    expect_version(stub, "1", "Versioning", "Available")
    stub.add_response(
        "create_bot_alias", {"botAliasId": ALIAS, "botAliasStatus": "Creating"}, alias_settings("1")
    )
    expect_alias_ready(stub)

    release = releaser.release(BOT, LOCALE)

    assert (release.bot_version, release.bot_alias_id) == ("1", ALIAS)


def test_later_release_moves_the_existing_alias(stub: Stubber, releaser: LexBotReleaser) -> None:
    expect_build(stub, "Built")
    expect_version(stub, "2", "Available")
    stub.add_response("update_bot_alias", {"botAliasId": ALIAS}, {"botAliasId": ALIAS, **alias_settings("2")})
    expect_alias_ready(stub)

    release = releaser.release(BOT, LOCALE, alias_id=ALIAS)

    assert (release.bot_version, release.bot_alias_id) == ("2", ALIAS)


def test_failed_build_stops_with_the_reasons(stub: Stubber, releaser: LexBotReleaser) -> None:
    expect_build(stub)
    stub.add_response(
        "describe_bot_locale",
        {"botLocaleStatus": "Failed", "failureReasons": ["intent ReportTrouble has no utterances"]},
        {"botId": BOT, "botVersion": DRAFT, "localeId": LOCALE},
    )

    with pytest.raises(LexReleaseError, match="ReportTrouble has no utterances"):
        releaser.release(BOT, LOCALE)


def test_a_build_that_never_finishes_gives_up(stub: Stubber, releaser: LexBotReleaser) -> None:
    expect_build(stub, *["Building"] * 5)

    with pytest.raises(LexReleaseError, match="not Built after 5 checks"):
        releaser.build_locale(BOT, LOCALE)


def test_retire_tolerates_an_alias_already_gone(stub: Stubber, releaser: LexBotReleaser) -> None:
    stub.add_client_error("delete_bot_alias", service_error_code="ResourceNotFoundException")
    stub.add_response(
        "delete_bot_version",
        {"botId": BOT, "botVersion": "1", "botStatus": "Deleting"},
        {"botId": BOT, "botVersion": "1", "skipResourceInUseCheck": False},
    )

    releaser.retire(BOT, ALIAS, "1")


PROPS = {"botId": BOT, "localeId": LOCALE, "modelHash": "a" * 64, "region": "ap-northeast-2"}


def test_provider_updates_when_the_model_hash_changes() -> None:
    diff = LexBotReleaseProvider().diff(
        "id", {**PROPS, "botAliasId": ALIAS}, {**PROPS, "modelHash": "b" * 64}
    )

    assert (diff.changes, diff.replaces) == (True, [])


def test_provider_replaces_the_release_of_another_bot() -> None:
    diff = LexBotReleaseProvider().diff("id", PROPS, {**PROPS, "botId": "BOT0000002"})

    assert (diff.changes, diff.replaces) == (True, ["botId"])


def test_provider_keeps_an_unchanged_model() -> None:
    assert LexBotReleaseProvider().diff("id", {**PROPS, "botAliasId": ALIAS}, dict(PROPS)).changes is False


def test_provider_create_outputs_version_and_alias(
    monkeypatch: pytest.MonkeyPatch, stub: Stubber, releaser: LexBotReleaser
) -> None:
    monkeypatch.setattr(lex_release, "_releaser", lambda region: releaser)
    expect_build(stub, "Built")
    expect_version(stub, "1", "Available")
    stub.add_response("create_bot_alias", {"botAliasId": ALIAS}, alias_settings("1"))
    expect_alias_ready(stub)

    created = LexBotReleaseProvider().create(dict(PROPS))

    assert created.outs is not None
    assert (created.outs["botVersion"], created.outs["botAliasId"]) == ("1", ALIAS)
