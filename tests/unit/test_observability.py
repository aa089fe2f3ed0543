from __future__ import annotations

import json

import pytest

from handlers.models import link_token
from handlers.observability import logger, scrub


@pytest.mark.parametrize("phone", ["+821012345678", "010-1234-5678", "01012345678", "+82 10 1234 5678"])
def test_phone_numbers_are_masked(phone):
    masked = scrub(f"calling {phone} now")
    assert "1234" not in masked
    assert masked.endswith("78 now")


def test_link_tokens_are_removed():
    token = link_token.issue(b"k", 2_000_000_000).value
    assert token not in scrub(f"link https://x/r/{token}")


def test_timestamps_are_left_alone():
    assert scrub('"timestamp": 1795669200000') == '"timestamp": 1795669200000'


def test_logger_scrubs_values_passed_as_extra(capsys):
    token = link_token.issue(b"k", 2_000_000_000).value
    logger().info("oops", extra={"phone": "010-9876-5432", "link": token})
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert "9876" not in line["phone"]
    assert line["link"] == "[token]"
