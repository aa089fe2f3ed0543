"""The GitHub Actions workflows, checked offline with the tools GitHub reviewers use."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from components.functions import powertools_layer_parameter
from ops import ci_roles

ROOT = Path(__file__).resolve().parents[2]
WORKFLOWS = ROOT / ".github" / "workflows"
BIN = Path(sys.executable).parent
WORKFLOW_FILES = sorted(WORKFLOWS.glob("*.yml"))
STACKS = ("dev", "demo")
PINNED = re.compile(r"^[\w.-]+/[\w./-]+@[0-9a-f]{40} # v\d+(\.\d+)*$")


def _load(path: Path) -> dict[Any, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def _steps() -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{path.name}:{job_id}", step)
        for path in WORKFLOW_FILES
        for job_id, job in _load(path)["jobs"].items()
        for step in job.get("steps", [])
    ]


def test_the_workflows_exist() -> None:
    assert {path.name for path in WORKFLOW_FILES} >= {"pull-request.yml", "deploy.yml", "test.yml"}


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda path: path.name)
def test_workflow_matches_githubs_schema(path: Path) -> None:
    result = subprocess.run(  # noqa: S603 - fixed tool from this virtualenv, a path we list
        [str(BIN / "check-jsonschema"), "--builtin-schema", "vendor.github-workflows", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_dependabot_config_matches_its_schema() -> None:
    result = subprocess.run(  # noqa: S603 - fixed tool from this virtualenv
        [
            str(BIN / "check-jsonschema"),
            "--builtin-schema",
            "vendor.dependabot",
            str(ROOT / ".github/dependabot.yml"),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_zizmor_finds_nothing_above_low() -> None:
    result = subprocess.run(  # noqa: S603 - fixed tool from this virtualenv
        [str(BIN / "zizmor"), "--offline", "--format", "json", str(ROOT / ".github")],
        capture_output=True,
        text=True,
        check=False,
        cwd=ROOT,
    )
    findings = json.loads(result.stdout)
    serious = [
        f"{finding['ident']}: {finding['desc']}"
        for finding in findings
        if finding["determinations"]["severity"] not in ("Informational", "Low")
    ]
    assert serious == []


def test_every_action_is_pinned_to_a_commit_with_its_version() -> None:
    lines = [
        line.strip().removeprefix("- ").removeprefix("uses: ")
        for path in WORKFLOW_FILES
        for line in path.read_text(encoding="utf-8").splitlines()
        if line.strip().removeprefix("- ").startswith("uses: ") and "./.github/" not in line
    ]
    assert lines
    assert [line for line in lines if not PINNED.match(line)] == []


def test_one_action_version_everywhere() -> None:
    # Two pins of one action drift apart silently; a bump must touch every use.
    pins: dict[str, set[str]] = {}
    for _, step in _steps():
        if "uses" in step:
            action, _, sha = step["uses"].partition("@")
            pins.setdefault(action, set()).add(sha)
    assert {action: shas for action, shas in pins.items() if len(shas) > 1} == {}


@pytest.mark.parametrize("path", WORKFLOW_FILES, ids=lambda path: path.name)
def test_token_has_no_default_permissions_and_every_job_declares_its_own(path: Path) -> None:
    workflow = _load(path)
    assert workflow["permissions"] == {}
    assert [job_id for job_id, job in workflow["jobs"].items() if "permissions" not in job] == []


def test_only_jobs_that_assume_the_aws_role_may_mint_oidc_tokens() -> None:
    for path in WORKFLOW_FILES:
        for job_id, job in _load(path)["jobs"].items():
            assumes_role = any(
                step.get("uses", "").startswith("aws-actions/configure-aws-credentials@")
                for step in job.get("steps", [])
            )
            assert (job["permissions"].get("id-token") == "write") == assumes_role, f"{path.name}:{job_id}"


def test_no_long_lived_aws_keys() -> None:
    text = "\n".join(path.read_text(encoding="utf-8") for path in WORKFLOW_FILES)
    assert "aws-access-key-id" not in text
    assert "AWS_SECRET_ACCESS_KEY" not in text


def _pulumi_steps(path: Path) -> list[tuple[dict[str, Any], dict[str, Any]]]:
    return [
        (job, step)
        for job in _load(path)["jobs"].values()
        for step in job.get("steps", [])
        if step.get("uses", "").startswith("pulumi/actions@")
    ]


def test_pull_requests_preview_every_stack_with_a_comment() -> None:
    [(job, step)] = _pulumi_steps(WORKFLOWS / "pull-request.yml")
    assert step["with"]["command"] == "preview"
    assert step["with"]["comment-on-pr"] is True
    assert tuple(job["strategy"]["matrix"]["stack"]) == STACKS
    assert job["permissions"]["pull-requests"] == "write"
    assert step["env"]["PULUMI_ACCESS_TOKEN"] == "${{ secrets.PULUMI_PREVIEW_TOKEN }}"
    assert step["with"]["refresh"] is False  # the preview role may not read the resources


def test_previews_of_one_stack_share_a_concurrency_group() -> None:
    [(job, _)] = _pulumi_steps(WORKFLOWS / "pull-request.yml")
    assert "${{ matrix.stack }}" in job["concurrency"]["group"]


def test_merge_deploys_dev_and_only_a_manual_run_deploys_demo() -> None:
    workflow = _load(WORKFLOWS / "deploy.yml")
    triggers = workflow[True]  # PyYAML reads the bare key `on` as a boolean
    assert triggers["push"]["branches"] == ["main"]
    assert "workflow_dispatch" in triggers
    [(job, step)] = _pulumi_steps(WORKFLOWS / "deploy.yml")
    assert step["with"]["command"] == "up"
    matrix = job["strategy"]["matrix"]["stack"]
    assert "workflow_dispatch" in matrix
    assert "'[\"demo\"]'" in matrix
    assert "'[\"dev\"]'" in matrix
    # The environment carries demo's approval rule and names the OIDC subject the deploy role trusts.
    assert job["environment"] == "${{ matrix.stack }}"
    assert job["concurrency"] == {"group": "pulumi-up-${{ matrix.stack }}", "cancel-in-progress": False}


def test_the_dev_deploy_runs_the_smoke_test_right_after_pulumi_up_and_fails_with_it() -> None:
    [job] = [job for job in _load(WORKFLOWS / "deploy.yml")["jobs"].values() if "strategy" in job]
    names = [step.get("uses", "").partition("@")[0] or step.get("name") for step in job["steps"]]
    up = names.index("pulumi/actions")
    smoke = job["steps"][up + 1]
    assert smoke["run"] == 'make smoke STACK="$STACK"'
    assert smoke["env"]["STACK"] == "${{ vars.PULUMI_ORG }}/partner-confirm/${{ matrix.stack }}"
    assert smoke["if"] == "matrix.stack == 'dev'"
    assert "continue-on-error" not in smoke
    assert "smoke:" in (ROOT / "Makefile").read_text(encoding="utf-8")


def test_no_job_uses_a_cache() -> None:
    # A cache written by a pull request must not reach the job that holds deploy credentials.
    for _, step in _steps():
        assert "cache" not in step.get("with", {}), step


def test_pulumi_cli_matches_the_pinned_sdk() -> None:
    pinned = re.search(r"^pulumi==(\S+)$", (ROOT / "requirements.txt").read_text(), re.MULTILINE)
    assert pinned
    versions = {step["with"]["pulumi-version"] for path in WORKFLOW_FILES for _, step in _pulumi_steps(path)}
    assert versions == {pinned.group(1)}


def _delivery_page() -> str:
    return (ROOT / "docs" / "delivery.md").read_text(encoding="utf-8")


def test_delivery_page_lists_every_secret_and_variable_the_workflows_read() -> None:
    text = "\n".join(path.read_text(encoding="utf-8") for path in WORKFLOW_FILES)
    names = set(re.findall(r"\b(?:secrets|vars)\.([A-Z_]+)", text)) - {"GITHUB_TOKEN"}
    section = _delivery_page()
    assert names
    assert sorted(name for name in names if f"`{name}`" not in section) == []


def test_delivery_page_shows_the_built_role_documents() -> None:
    blocks = [json.loads(block) for block in re.findall(r"```json\n(.*?)```", _delivery_page(), re.DOTALL)]

    assert blocks == [
        ci_roles.preview_trust_policy("111122223333", "OWNER/REPO"),
        ci_roles.preview_policy("111122223333"),
        ci_roles.deploy_trust_policy("111122223333", "OWNER/REPO", STACKS),
    ]


def test_role_subjects_are_the_ones_the_workflows_get() -> None:
    def subject(document: dict[str, Any]) -> Any:
        return document["Statement"][0]["Condition"]["StringEquals"][
            "token.actions.githubusercontent.com:sub"
        ]

    assert subject(ci_roles.preview_trust_policy("1", "OWNER/REPO")) == "repo:OWNER/REPO:pull_request"
    assert subject(ci_roles.deploy_trust_policy("1", "OWNER/REPO", STACKS)) == [
        f"repo:OWNER/REPO:environment:{stack}" for stack in STACKS
    ]
    [(job, _)] = _pulumi_steps(WORKFLOWS / "deploy.yml")
    assert job["environment"] == "${{ matrix.stack }}"


def test_the_preview_role_allows_only_what_preview_calls() -> None:
    [allow, layer, deny, secrets] = ci_roles.preview_policy("111122223333")["Statement"]

    assert allow["Effect"] == layer["Effect"] == "Allow"
    assert allow["Action"] == ["states:ValidateStateMachineDefinition", "sts:GetCallerIdentity"]
    assert (layer["Action"], layer["Resource"]) == (
        ["ssm:GetParameter"],
        "arn:aws:ssm:*::parameter/aws/service/powertools/*",
    )
    assert not set(allow["Action"]) & set(deny["Action"])
    assert (deny["Effect"], deny["Resource"]) == ("Deny", "*")
    assert (secrets["Effect"], secrets["Resource"]) == ("Deny", "arn:aws:ssm:*:111122223333:parameter/*")


def test_the_layer_the_program_reads_is_the_public_parameter_preview_may_read() -> None:
    parameter = powertools_layer_parameter("3.37.0")
    pattern = ci_roles.PUBLIC_LAYER_PARAMETERS.split(":parameter", 1)[1].rstrip("*")

    assert parameter.startswith(pattern)


@pytest.mark.parametrize(
    "action",
    [
        "dynamodb:GetItem",
        "dynamodb:Query",
        "dynamodb:Scan",
        "logs:GetLogEvents",
        "logs:FilterLogEvents",
        "ssm:GetParameter",
        "ssm:GetParameters",
        "ssm:GetParametersByPath",
        "lambda:GetFunction",
        "lambda:GetFunctionConfiguration",
        "kms:Decrypt",
        "states:GetExecutionHistory",
        "cloudfront:GetDistributionConfig",
    ],
)
def test_the_preview_role_denies_every_data_read(action: str) -> None:
    denied = {
        name
        for statement in ci_roles.preview_policy("111122223333")["Statement"]
        if statement["Effect"] == "Deny"
        for name in statement["Action"]
    }

    assert action in denied


def test_pull_requests_never_see_the_deploy_token_or_role() -> None:
    text = (WORKFLOWS / "pull-request.yml").read_text(encoding="utf-8")
    workflow = _load(WORKFLOWS / "pull-request.yml")

    assert "secrets.PULUMI_ACCESS_TOKEN" not in text
    assert "AWS_DEPLOY_ROLE_ARN" not in text
    assert "pull_request_target" not in text
    assert "secrets: inherit" not in text
    assert set(workflow[True]) == {"pull_request"}  # PyYAML reads the bare key `on` as a boolean


def test_forks_get_no_preview_and_so_no_secret_at_all() -> None:
    workflow = _load(WORKFLOWS / "pull-request.yml")
    holders = [job_id for job_id, job in workflow["jobs"].items() if "secrets." in json.dumps(job)]

    assert holders == ["preview"]
    assert (
        workflow["jobs"]["preview"]["if"]
        == "github.event.pull_request.head.repo.full_name == github.repository"
    )


def test_workflow_stacks_are_the_programs_stacks() -> None:
    project = yaml.safe_load((ROOT / "Pulumi.yaml").read_text(encoding="utf-8"))["name"]
    for path in WORKFLOW_FILES:
        for _, step in _pulumi_steps(path):
            assert (
                step["with"]["stack-name"] == f"${{{{ vars.PULUMI_ORG }}}}/{project}/${{{{ matrix.stack }}}}"
            )
    assert all((ROOT / f"Pulumi.{stack}.yaml").is_file() for stack in STACKS)


def test_deploy_page_runs_the_workflows_commands_on_the_same_stacks() -> None:
    section = (ROOT / "docs" / "deploy.md").read_text(encoding="utf-8")
    commands = {step["with"]["command"] for path in WORKFLOW_FILES for _, step in _pulumi_steps(path)}
    assert commands == {"preview", "up"}
    for stack in STACKS:
        for command in commands:
            assert f"pulumi {command} --stack {stack}" in section
