"""`python -m ops rotate-origin-secret`: one step of `originSecretVersion` at a time, through the Pulumi CLI
(a stand-in on PATH here, which keeps the stack's outputs and settings in a file)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest

from ops.cli import main

FAKE_PULUMI = """#!{python}
import json, pathlib, sys
state = pathlib.Path(__file__).with_name("state.json")
data = json.loads(state.read_text())
args = sys.argv[1:]
data["calls"].append(args)
if args[:3] == ["stack", "output", "--json"]:
    print(json.dumps(data["outputs"]))
elif args[:2] == ["config", "--json"]:
    settings = {{"aws:region": {{"value": "ap-northeast-2", "secret": False}}}}
    for key, value in data["config"].items():
        settings["partner-confirm:" + key] = {{"value": value, "secret": False}}
    print(json.dumps(settings))
elif args[:2] == ["config", "set"]:
    data["config"][args[2]] = args[3]
state.write_text(json.dumps(data))
"""


class Stack:
    """The stand-in Pulumi CLI's stack: its last deployment's outputs and its stack file's settings."""

    def __init__(self, directory: Path) -> None:
        self.state = directory / "state.json"

    def write(self, outputs: dict[str, Any], config: dict[str, str]) -> None:
        self.state.write_text(json.dumps({"outputs": outputs, "config": config, "calls": []}))

    @property
    def config(self) -> dict[str, str]:
        return dict(json.loads(self.state.read_text())["config"])

    @property
    def calls(self) -> list[list[str]]:
        return list(json.loads(self.state.read_text())["calls"])


@pytest.fixture
def stack(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Stack:
    pulumi = tmp_path / "pulumi"
    pulumi.write_text(FAKE_PULUMI.format(python=sys.executable), encoding="utf-8")
    pulumi.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("AWS_ENDPOINT_URL", raising=False)
    return Stack(tmp_path)


def _rotate(capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    code = main(["rotate-origin-secret", "--stack", "dev", *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_it_writes_the_next_version_of_what_the_stack_runs(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    stack.write({"originSecretVersion": 1}, {})  # never rotated: the setting is absent

    code, out, _ = _rotate(capsys, "--json")

    assert code == 0
    assert json.loads(out) == {"stack": "dev", "deployedVersion": 1, "newVersion": 2}
    assert stack.config == {"originSecretVersion": "2"}
    assert ["config", "set", "originSecretVersion", "2", "--stack", "dev"] in stack.calls


def test_the_text_says_to_deploy_it(stack: Stack, capsys: pytest.CaptureFixture[str]) -> None:
    stack.write({"originSecretVersion": 4}, {"originSecretVersion": "4"})

    code, out, _ = _rotate(capsys)

    assert code == 0
    assert "originSecretVersion 4 -> 5 in Pulumi.dev.yaml" in out
    assert "pulumi up --stack dev" in out
    assert stack.config == {"originSecretVersion": "5"}


def test_a_second_step_before_the_first_is_deployed_is_refused(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    stack.write({"originSecretVersion": 2}, {"originSecretVersion": "3"})

    code, _, err = _rotate(capsys)

    assert code == 2
    assert "the stack runs 2: deploy it" in err
    assert stack.config == {"originSecretVersion": "3"}
    assert not [call for call in stack.calls if call[:2] == ["config", "set"]]


def test_a_stack_deployed_before_the_output_existed_is_refused(
    stack: Stack, capsys: pytest.CaptureFixture[str]
) -> None:
    stack.write({"tableName": "t"}, {})

    code, _, err = _rotate(capsys)

    assert (code, stack.config) == (2, {})
    assert "no originSecretVersion" in err


def test_the_local_runtime_is_restarted_instead(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["rotate-origin-secret", "--endpoint", "http://127.0.0.1:9"])

    assert code == 2
    assert "restart make local" in capsys.readouterr().err


def test_without_the_pulumi_cli_it_says_so(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    outputs = tmp_path / "outputs.json"
    outputs.write_text(json.dumps({"originSecretVersion": 1}), encoding="utf-8")

    code = main(["rotate-origin-secret", "--outputs-file", str(outputs)])

    assert code == 2
    assert "Pulumi CLI is not installed" in capsys.readouterr().err
