"""Each API function builds at cold start only its own HTTP body models, not the other functions'."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
BODY_MODULES = {
    "handlers.intake": "handlers.models.chat",
    "handlers.partner_response": "handlers.models.partner",
    "handlers.status": "handlers.models.request_status",
}


@pytest.mark.parametrize("entry", sorted(BODY_MODULES))
def test_an_api_function_imports_no_other_functions_bodies(entry):
    probe = f"import sys, {entry}; print(' '.join(sys.modules))"
    # A fresh interpreter: this test process has already imported every handler.
    loaded = subprocess.run(  # noqa: S603 - our own interpreter running a fixed probe
        [sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    bodies = {module for module in BODY_MODULES.values() if module in loaded}
    assert bodies == {BODY_MODULES[entry]}
