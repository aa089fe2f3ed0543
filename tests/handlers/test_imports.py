"""Each API function builds at cold start only its own HTTP body models, not the other functions'."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
BODY_MODULES = {
    "handlers.admin": "handlers.models.admin",
    "handlers.intake": "handlers.models.chat",
    "handlers.partner_response": "handlers.models.partner",
    "handlers.status": "handlers.models.request_status",
    "handlers.verify": "handlers.models.verification",
}
# Bodies a function may load besides its own: the verification bodies reuse the chat's field types.
SHARED = {"handlers.verify": {"handlers.models.chat"}}
# Functions whose cold start loads not even their own bodies: the console's first call is the queue, and
# only its action routes parse one.
BODIES_ON_FIRST_ACTION = {"handlers.admin"}


@pytest.mark.parametrize("entry", sorted(BODY_MODULES))
def test_an_api_function_imports_no_other_functions_bodies(entry):
    probe = f"import sys, {entry}; print(' '.join(sys.modules))"
    # A fresh interpreter: this test process has already imported every handler.
    loaded = subprocess.run(  # noqa: S603 - our own interpreter running a fixed probe
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    bodies = {module for module in BODY_MODULES.values() if module in loaded}
    own = set() if entry in BODIES_ON_FIRST_ACTION else {BODY_MODULES[entry]}
    assert bodies - SHARED.get(entry, set()) == own


# What an HTTP API function never needs: other resolvers, and event classes of other sources.
NOT_NEEDED = (
    "aws_lambda_powertools.event_handler.appsync",
    "aws_lambda_powertools.event_handler.bedrock_agent",
    "aws_lambda_powertools.event_handler.vpc_lattice",
    "aws_lambda_powertools.utilities.data_classes.kafka_event",
    "aws_lambda_powertools.utilities.data_classes.code_pipeline_job_event",
    "asyncio",
)


@pytest.mark.parametrize("entry", sorted(BODY_MODULES))
def test_an_api_function_imports_only_the_http_resolver(entry):
    probe = f"import sys, {entry}; print(' '.join(sys.modules))"
    loaded = subprocess.run(  # noqa: S603 - our own interpreter running a fixed probe
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert "aws_lambda_powertools.event_handler.api_gateway" in loaded
    assert [module for module in NOT_NEEDED if module in loaded] == []


def test_the_lazy_packages_still_give_everything_to_whoever_asks():
    probe = (
        "import handlers.status\n"
        "from aws_lambda_powertools.event_handler import AppSyncResolver, APIGatewayRestResolver\n"
        "from aws_lambda_powertools.utilities.data_classes import S3Event, event_source\n"
        "import aws_lambda_powertools.event_handler as package\n"
        "print(AppSyncResolver.__name__, S3Event.__name__, callable(event_source),"
        " hasattr(package, 'Request'))"
    )
    out = subprocess.run(  # noqa: S603 - our own interpreter running a fixed probe
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert out == ["AppSyncResolver", "S3Event", "True", "True"]


# Modules every function imports, and the functions whose cold start parses no body: none may pull in
# pydantic, whose import and first model cost a cold start as much as boto3's own import (`make bench`,
# first call).
WITHOUT_PYDANTIC = (
    "handlers.settings",
    "handlers.api",
    "handlers.wiring",
    "handlers.observability",
    "handlers.models.domain",
    "handlers.store.table",
    "handlers.status",
    "handlers.partner_response",  # opening a link parses no body; only `POST /respond` loads its model
    "handlers.admin",  # the console's reads answer typed dicts; only the action routes load their models
)


@pytest.mark.parametrize("module", WITHOUT_PYDANTIC)
def test_functions_that_parse_no_body_on_their_cold_start_import_no_pydantic(module):
    probe = f"import sys, {module}; print(' '.join(sys.modules))"
    loaded = subprocess.run(  # noqa: S603 - our own interpreter running a fixed probe
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert [name for name in loaded if name.split(".")[0] in {"pydantic", "pydantic_core"}] == []


def test_a_question_handed_over_loads_no_notification_writer():
    # The intake ends a request itself only when the hand-over fails; the model writer, its prompt and its
    # checks are that branch's imports, not every question's.
    probe = "import sys, handlers.intake; print(' '.join(sys.modules))"
    loaded = subprocess.run(  # noqa: S603 - our own interpreter running a fixed probe
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    assert [m for m in ("handlers.usecases.notify", "handlers.adapters.notifier") if m in loaded] == []


def test_the_consoles_queue_loads_none_of_the_actions():
    # The queue is the console's first call: the actions' bodies, use cases, link signing and SMS texts
    # load with the first action a function serves.
    probe = "import sys, handlers.admin; print(' '.join(sys.modules))"
    loaded = subprocess.run(  # noqa: S603 - our own interpreter running a fixed probe
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    actions = ("handlers.admin_actions", "handlers.usecases.operator_actions", "handlers.models.link_token")
    assert [m for m in actions if m in loaded] == []
