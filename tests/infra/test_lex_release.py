"""The Lex release step (build -> version -> alias), on a stubbed lexv2-models client."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError
from botocore.stub import Stubber
from pulumi.dynamic.dynamic import serialize_provider

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


def expect_error(stub: Stubber, client: Any, operation: str, code: str, params: dict[str, Any]) -> None:
    """A stubbed error, refused unless the real API declares that error for the operation."""
    model = client.meta.service_model.operation_model(client.meta.method_to_api_mapping[operation])
    assert code in {shape.name for shape in model.error_shapes}, f"{operation} never raises {code}"
    stub.add_client_error(operation, service_error_code=code, expected_params=params)


ALIAS_KEY = {"botAliasId": ALIAS, "botId": BOT}
VERSION_KEY = {"botId": BOT, "botVersion": "1"}
DELETE_ALIAS = {**ALIAS_KEY, "skipResourceInUseCheck": True}
DELETE_VERSION = {**VERSION_KEY, "skipResourceInUseCheck": False}


def test_retire_deletes_the_version_only_once_the_alias_is_gone(
    client: Any, stub: Stubber, releaser: LexBotReleaser
) -> None:
    stub.add_response("delete_bot_alias", {**ALIAS_KEY, "botAliasStatus": "Deleting"}, DELETE_ALIAS)
    stub.add_response("describe_bot_alias", {**ALIAS_KEY, "botAliasStatus": "Deleting"}, ALIAS_KEY)
    expect_error(stub, client, "describe_bot_alias", "ResourceNotFoundException", ALIAS_KEY)
    stub.add_response("delete_bot_version", {**VERSION_KEY, "botStatus": "Deleting"}, DELETE_VERSION)

    releaser.retire(BOT, ALIAS, "1")


def test_retire_tolerates_an_alias_and_version_already_gone(
    client: Any, stub: Stubber, releaser: LexBotReleaser
) -> None:
    # Lex's Delete* calls answer PreconditionFailedException for what does not exist.
    expect_error(stub, client, "delete_bot_alias", "PreconditionFailedException", DELETE_ALIAS)
    expect_error(stub, client, "describe_bot_alias", "ResourceNotFoundException", ALIAS_KEY)
    expect_error(stub, client, "delete_bot_version", "PreconditionFailedException", DELETE_VERSION)
    expect_error(stub, client, "describe_bot_version", "ResourceNotFoundException", VERSION_KEY)

    releaser.retire(BOT, ALIAS, "1")


def test_a_version_that_still_exists_is_not_reported_deleted(
    client: Any, stub: Stubber, releaser: LexBotReleaser
) -> None:
    expect_error(stub, client, "delete_bot_version", "PreconditionFailedException", DELETE_VERSION)
    stub.add_response("describe_bot_version", {**VERSION_KEY, "botStatus": "Available"}, VERSION_KEY)

    with pytest.raises(client.exceptions.PreconditionFailedException):
        releaser.retire_version(BOT, "1")


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
    expect_no_alias(stub)
    expect_build(stub, "Built")
    expect_version(stub, "1", "Available")
    stub.add_response("create_bot_alias", {"botAliasId": ALIAS}, alias_settings("1"))
    expect_alias_ready(stub)

    created = LexBotReleaseProvider().create(dict(PROPS))

    assert created.outs is not None
    assert (created.outs["botVersion"], created.outs["botAliasId"]) == ("1", ALIAS)


# What Pulumi's provider host (`python -m pulumi.dynamic`, started in the project directory) does with the
# provider it finds in the state.
_PROVIDER_HOST = """
import base64, sys, dill
provider = dill.loads(base64.b64decode(sys.stdin.read()))
print(type(provider).__module__, type(provider).__name__, "boto3" in sys.modules, "pulumi_aws" in sys.modules)
"""


def test_provider_loads_in_a_fresh_provider_host_from_the_project_directory() -> None:
    serialized = serialize_provider(LexBotReleaseProvider())
    result = subprocess.run(  # noqa: S603 - our interpreter, fixed script
        [sys.executable, "-c", _PROVIDER_HOST],
        input=serialized,
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[2],
        timeout=60,
        check=False,
    )

    assert result.returncode == 0, result.stderr
    # By reference, with nothing captured, and importing its module registers nothing and builds no client.
    assert result.stdout.split() == ["components.lex_release", "LexBotReleaseProvider", "False", "False"]
    assert serialize_provider(LexBotReleaseProvider()) == serialized


# --- interrupted releases, refresh and removed intents ------------------------------------------------


def expect_no_alias(stub: Stubber) -> None:
    stub.add_response("list_bot_aliases", {"botId": BOT, "botAliasSummaries": []}, {"botId": BOT})


def expect_live_alias(stub: Stubber, version: str) -> None:
    summary = {"botAliasId": ALIAS, "botAliasName": ALIAS_NAME, "botVersion": version}
    stub.add_response("list_bot_aliases", {"botId": BOT, "botAliasSummaries": [summary]}, {"botId": BOT})


def expect_retire_version(stub: Stubber, version: str) -> None:
    stub.add_response(
        "delete_bot_version",
        {"botId": BOT, "botVersion": version, "botStatus": "Deleting"},
        {"botId": BOT, "botVersion": version, "skipResourceInUseCheck": False},
    )


def provider(monkeypatch: pytest.MonkeyPatch, releaser: LexBotReleaser) -> LexBotReleaseProvider:
    monkeypatch.setattr(lex_release, "_releaser", lambda region: releaser)
    return LexBotReleaseProvider()


def test_a_failed_alias_step_deletes_the_version_it_made(stub: Stubber, releaser: LexBotReleaser) -> None:
    expect_build(stub, "Built")
    expect_version(stub, "1", "Available")
    stub.add_client_error("create_bot_alias", "ThrottlingException", expected_params=alias_settings("1"))
    expect_retire_version(stub, "1")

    with pytest.raises(ClientError, match="ThrottlingException"):
        releaser.release(BOT, LOCALE)


def test_a_create_retried_after_a_failed_alias_step_starts_clean(
    monkeypatch: pytest.MonkeyPatch, stub: Stubber, releaser: LexBotReleaser
) -> None:
    expect_no_alias(stub)
    expect_build(stub, "Built")
    expect_version(stub, "1", "Available")
    stub.add_client_error("create_bot_alias", "ThrottlingException", expected_params=alias_settings("1"))
    expect_retire_version(stub, "1")
    expect_no_alias(stub)
    expect_build(stub, "Built")
    expect_version(stub, "2", "Available")
    stub.add_response("create_bot_alias", {"botAliasId": ALIAS}, alias_settings("2"))
    expect_alias_ready(stub)

    with pytest.raises(ClientError):
        provider(monkeypatch, releaser).create(dict(PROPS))
    created = provider(monkeypatch, releaser).create(dict(PROPS))

    assert created.outs is not None
    assert (created.outs["botVersion"], created.outs["botAliasId"]) == ("2", ALIAS)


def test_a_create_retried_after_an_interrupted_first_up_adopts_the_live_alias(
    monkeypatch: pytest.MonkeyPatch, stub: Stubber, releaser: LexBotReleaser
) -> None:
    # The first `up` made version 1 and the alias, then stopped before Pulumi recorded anything.
    expect_live_alias(stub, "1")
    expect_build(stub, "Built")
    expect_version(stub, "2", "Available")
    stub.add_response("update_bot_alias", {"botAliasId": ALIAS}, {"botAliasId": ALIAS, **alias_settings("2")})
    expect_alias_ready(stub)
    expect_retire_version(stub, "1")

    created = provider(monkeypatch, releaser).create(dict(PROPS))

    assert created.outs is not None
    assert (created.outs["botVersion"], created.outs["botAliasId"]) == ("2", ALIAS)
    assert created.id == f"{BOT}:{ALIAS}"


def test_a_removed_intent_leaves_the_draft_before_the_build(
    monkeypatch: pytest.MonkeyPatch, stub: Stubber, releaser: LexBotReleaser
) -> None:
    draft = {"botId": BOT, "botVersion": DRAFT, "localeId": LOCALE}
    stub.add_response(
        "list_intents",
        {
            **draft,
            "intentSummaries": [
                {"intentId": "INTENT0001", "intentName": "ChangeReservation"},
                {"intentId": "INTENT0002", "intentName": "RetiredIntent"},
                {"intentId": "INTENT0003", "intentName": "FallbackIntent"},
            ],
        },
        draft,
    )
    stub.add_response("delete_intent", {}, {"intentId": "INTENT0002", **draft})
    expect_build(stub, "Built")
    expect_version(stub, "3", "Available")
    stub.add_response("update_bot_alias", {"botAliasId": ALIAS}, {"botAliasId": ALIAS, **alias_settings("3")})
    expect_alias_ready(stub)
    expect_retire_version(stub, "2")
    olds = {
        **PROPS,
        "botAliasId": ALIAS,
        "botVersion": "2",
        "intentNames": ["ChangeReservation", "RetiredIntent"],
    }
    news = {**PROPS, "modelHash": "b" * 64, "intentNames": ["ChangeReservation"]}

    updated = provider(monkeypatch, releaser).update("id", olds, news)

    assert updated.outs is not None
    assert updated.outs["botVersion"] == "3"


def test_refresh_keeps_a_release_whose_alias_is_where_pulumi_left_it(
    monkeypatch: pytest.MonkeyPatch, stub: Stubber, releaser: LexBotReleaser
) -> None:
    stub.add_response(
        "describe_bot_alias",
        {"botAliasId": ALIAS, "botId": BOT, "botVersion": "2"},
        {"botAliasId": ALIAS, "botId": BOT},
    )
    props = {**PROPS, "botAliasId": ALIAS, "botVersion": "2"}

    read = provider(monkeypatch, releaser).read("id", props)

    assert (read.id, read.outs) == ("id", props)


def test_refresh_sees_an_alias_moved_by_hand_and_the_next_up_releases_again(
    monkeypatch: pytest.MonkeyPatch, stub: Stubber, releaser: LexBotReleaser
) -> None:
    stub.add_response(
        "describe_bot_alias",
        {"botAliasId": ALIAS, "botId": BOT, "botVersion": "1"},
        {"botAliasId": ALIAS, "botId": BOT},
    )
    props = {**PROPS, "botAliasId": ALIAS, "botVersion": "2"}

    read = provider(monkeypatch, releaser).read("id", props)

    assert read.outs is not None
    assert read.outs["botVersion"] == "1"
    assert LexBotReleaseProvider().diff("id", read.outs, dict(PROPS)).changes is True


def test_refresh_of_a_deleted_alias_drops_the_release(
    monkeypatch: pytest.MonkeyPatch, stub: Stubber, releaser: LexBotReleaser
) -> None:
    stub.add_client_error(
        "describe_bot_alias", "ResourceNotFoundException", expected_params={"botAliasId": ALIAS, "botId": BOT}
    )

    read = provider(monkeypatch, releaser).read("id", {**PROPS, "botAliasId": ALIAS, "botVersion": "2"})

    assert read.id == ""


# --- Lex's assisted NLU (stack setting lexAssistedNlu) -----------------------------------------------

LOCALE_KEY = {"botId": BOT, "botVersion": DRAFT, "localeId": LOCALE}


def expect_assisted_nlu(stub: Stubber, improvement: dict[str, Any]) -> None:
    stub.add_response(
        "describe_bot_locale",
        {
            **LOCALE_KEY,
            "localeName": "Korean",
            "description": "고객 문의",
            "nluIntentConfidenceThreshold": 0.4,
            "botLocaleStatus": "Built",
        },
        LOCALE_KEY,
    )
    stub.add_response(
        "update_bot_locale",
        {**LOCALE_KEY, "botLocaleStatus": "NotBuilt"},
        {
            **LOCALE_KEY,
            "description": "고객 문의",
            "nluIntentConfidenceThreshold": 0.4,
            "generativeAISettings": {"runtimeSettings": {"nluImprovement": improvement}},
        },
    )


@pytest.mark.parametrize(
    ("mode", "improvement"),
    [
        ("Fallback", {"enabled": True, "assistedNluMode": "Fallback"}),
        ("Primary", {"enabled": True, "assistedNluMode": "Primary"}),
        ("off", {"enabled": False}),
    ],
)
def test_assisted_nlu_is_set_on_the_draft_locale_before_the_build(
    stub: Stubber, releaser: LexBotReleaser, mode: str, improvement: dict[str, Any]
) -> None:
    expect_assisted_nlu(stub, improvement)
    expect_build(stub, "Built")
    expect_version(stub, "2", "Available")
    stub.add_response("update_bot_alias", {"botAliasId": ALIAS}, {"botAliasId": ALIAS, **alias_settings("2")})
    expect_alias_ready(stub)

    release = releaser.release(BOT, LOCALE, ALIAS, assisted_nlu=mode)

    assert release.bot_version == "2"


@pytest.mark.parametrize(
    ("old", "new", "changes"),
    [(None, "off", False), ("off", "off", False), ("off", "Fallback", True), ("Fallback", "off", True)],
)
def test_provider_updates_when_assisted_nlu_changes(old: str | None, new: str, changes: bool) -> None:
    olds = {**PROPS, "botAliasId": ALIAS, **({"assistedNlu": old} if old else {})}
    assert LexBotReleaseProvider().diff("id", olds, {**PROPS, "assistedNlu": new}).changes is changes


def test_a_locale_never_given_assisted_nlu_is_left_alone() -> None:
    assert lex_release._assisted_nlu(None, {**PROPS, "assistedNlu": "off"}) is None
    assert lex_release._assisted_nlu({"assistedNlu": "Fallback"}, {"assistedNlu": "off"}) == "off"
    assert lex_release._assisted_nlu(None, {"assistedNlu": "Primary"}) == "Primary"
