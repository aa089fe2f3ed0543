"""Generic fixtures for every test: fake AWS credentials, no real endpoint, fresh caches per test."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from handlers.clients import reset_clients
from handlers.observability import reset_observability
from handlers.settings import reset_settings

FAKE_AWS_ENV = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "testing",
    "AWS_SECURITY_TOKEN": "testing",
    "AWS_SESSION_TOKEN": "testing",
    "AWS_DEFAULT_REGION": "ap-northeast-2",
    "AWS_REGION": "ap-northeast-2",
}


@pytest.fixture(autouse=True)
def fake_aws_credentials(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests can never reach a real account: fake keys, and no profile or endpoint from the shell."""
    for name, value in FAKE_AWS_ENV.items():
        monkeypatch.setenv(name, value)
    for name in ("AWS_PROFILE", "AWS_ENDPOINT_URL", "AWS_CONFIG_FILE", "AWS_SHARED_CREDENTIALS_FILE"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture(autouse=True)
def fresh_caches() -> Iterator[None]:
    """Settings, boto3 clients and loggers are cached per process; each test starts clean."""
    reset_settings()
    reset_clients()
    reset_observability()
    yield
    reset_settings()
    reset_clients()
    reset_observability()


@pytest.fixture
def fast_store_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    """The store's retries of transient errors give up after a fraction of a second (tests of what
    happens once they are spent)."""
    from handlers.store import retry

    monkeypatch.setattr(retry, "BUDGET_SECONDS", 0.3)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Under pytest-xdist (`make test` runs `--dist loadgroup`), a module's tests stay on one worker, so a
    module-scoped local runtime starts once; every browser test shares one worker, its browser and its
    session-scoped runtimes."""
    for item in items:
        group = "browser" if item.get_closest_marker("browser") else item.nodeid.partition("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))
