"""The local edge plays a viewer-request function's literal URI rewrite, within its literal guards."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, cast

import pytest

from components.site import CONSOLE_INDEX_REWRITE, PARTNER_LINK_REWRITE
from local.server import _viewer_request_rewrite

ARN = "arn:aws:cloudfront::123456789012:function/site-rewrite"


def played(code: str, path: str) -> str:
    deployment = cast(Any, SimpleNamespace(edge_functions={ARN: code}))
    behaviour = {"functionAssociations": [{"eventType": "viewer-request", "functionArn": ARN}]}
    return _viewer_request_rewrite(deployment, behaviour, path)


@pytest.mark.parametrize(
    ("path", "served"),
    [
        ("/admin/", "/admin/index.html"),
        ("/admin/admin.js", "/admin/admin.js"),
        ("/admin/auth.js", "/admin/auth.js"),
        ("/admin/index.html", "/admin/index.html"),
    ],
)
def test_the_console_function_rewrites_only_the_paths_it_tests(path: str, served: str) -> None:
    assert played(CONSOLE_INDEX_REWRITE, path) == served


def test_a_function_without_an_equality_guard_rewrites_every_path_of_its_behaviour() -> None:
    assert played(PARTNER_LINK_REWRITE, "/r/AbCdEf") == "/confirm.html"
