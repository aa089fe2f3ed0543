"""The CloudFront viewer-request function, run for real under node the way CloudFront runs it.

cloudfront-js-2.0 evaluates a plain script (no modules, no `require`) and calls its top-level
`function handler(event)`; `vm` gives the code the same empty global scope.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from typing import Any

import pytest

from components.site import PARTNER_LINK_REWRITE

RUNNER = """
const vm = require("vm");
const input = JSON.parse(require("fs").readFileSync(0, "utf8"));
const handler = vm.runInNewContext(input.code + "\\n;handler;", {});
process.stdout.write(JSON.stringify(input.events.map((event) => handler(event))));
"""


def viewer_request(uri: str) -> dict[str, Any]:
    """A viewer-request event as CloudFront Functions hand it over (version 1.0)."""
    return {
        "version": "1.0",
        "context": {"eventType": "viewer-request", "distributionDomainName": "d111111abcdef8.cloudfront.net"},
        "viewer": {"ip": "198.51.100.7"},
        "request": {
            "method": "GET",
            "uri": uri,
            "querystring": {},
            "headers": {"host": {"value": "d111111abcdef8.cloudfront.net"}},
            "cookies": {},
        },
    }


def run_rewrite(*uris: str) -> list[dict[str, Any]]:
    node = shutil.which("node")
    assert node, "node is needed to run the CloudFront function"
    payload = {"code": PARTNER_LINK_REWRITE, "events": [viewer_request(uri) for uri in uris]}
    result = subprocess.run(  # noqa: S603 - fixed local tool, our own script
        [node, "-e", RUNNER],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return list(json.loads(result.stdout))


def test_a_partner_link_is_served_the_partner_page() -> None:
    (request,) = run_rewrite("/r/AbCdEf0123456789-_xyzAbCdEf0123456789-_xyz")

    assert request["uri"] == "/confirm.html"
    assert request["headers"] == {"host": {"value": "d111111abcdef8.cloudfront.net"}}


@pytest.mark.parametrize("uri", ["/", "/index.html", "/confirm.html", "/config.js", "/router/r/x", "/rx"])
def test_other_paths_pass_untouched(uri: str) -> None:
    (request,) = run_rewrite(uri)

    assert request["uri"] == uri
