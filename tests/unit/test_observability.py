from __future__ import annotations

import json
import threading
from types import SimpleNamespace

import pytest

from handlers.models import link_token
from handlers.observability import count, instrumented, logger, scrub


@pytest.mark.parametrize(
    "phone",
    [
        "+821012345678",
        "010-1234-5678",
        "01012345678",
        "+82 10 1234 5678",
        "010.1234.5678",
        "(010) 1234-5678",
        "+82 (0)10-1234-5678",
    ],
)
def test_phone_numbers_are_masked(phone):
    masked = scrub(f"calling {phone} now")
    assert "1234" not in masked
    assert masked.endswith("78 now")


def test_link_tokens_are_removed():
    token = link_token.issue(b"k", 2_000_000_000).value
    assert token not in scrub(f"link https://x/r/{token}")


@pytest.mark.parametrize("before", ["\n", "\t"])
def test_link_tokens_after_a_json_escape_are_removed(before):
    # Powertools writes a traceback or multi-line message with `\n` escapes: the token still goes.
    token = link_token.issue(b"k", 2_000_000_000).value
    assert token not in scrub(json.dumps({"exception": f"Traceback{before}{token}"}))


def test_timestamps_are_left_alone():
    assert scrub('"timestamp": 1795669200000') == '"timestamp": 1795669200000'


def test_logger_scrubs_values_passed_as_extra(capsys):
    token = link_token.issue(b"k", 2_000_000_000).value
    logger().info("oops", extra={"phone": "010-9876-5432", "link": token})
    line = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert "9876" not in line["phone"]
    assert line["link"] == "[token]"


def _emf_metric_names(out):
    records = [json.loads(line) for line in out.splitlines() if line.startswith('{"_aws"')]
    return [m["Name"] for r in records for d in r["_aws"]["CloudWatchMetrics"] for m in d["Metrics"]]


def test_cold_start_metric_is_published_once_per_environment(capsys):
    @instrumented()
    def handler(event, context):
        count("Something")
        return {}

    context = SimpleNamespace(
        function_name="fn", memory_limit_in_mb=128, invoked_function_arn="arn", aws_request_id="r"
    )
    handler({}, context)
    first = _emf_metric_names(capsys.readouterr().out)
    handler({}, context)
    second = _emf_metric_names(capsys.readouterr().out)
    assert (first.count("ColdStart"), second.count("ColdStart")) == (1, 0)
    assert (first.count("Something"), second.count("Something")) == (1, 1)


@pytest.mark.parametrize(
    "request_id",
    [
        "da018196-0845-44c3-bd01-041e9a0a336e",
        "9d142f14-e1dc-4ab6-9869-fd0112714356",
        "dc16cd86-c63b-44e0-bde0-821709777548",
        "82183884-2192-4ddf-9a6f-ecb389f76d67",
    ],
)
def test_request_ids_with_phone_like_digits_are_left_alone(request_id):
    assert scrub(f'"correlation_id":"{request_id}"') == f'"correlation_id":"{request_id}"'


def test_a_phone_followed_by_a_korean_particle_is_still_masked():
    assert "1234" not in scrub("01012345678로 연락 주세요")


def test_concurrent_invocations_each_log_their_own_function_and_correlation_id(capsys):
    """The local runtime runs many invocations at once in one process, with one logger."""
    both_bound = threading.Barrier(2)

    @instrumented(correlation_id_path="requestId")
    def handler(event, context):
        both_bound.wait(timeout=10)  # the other invocation has bound its keys too
        logger().info("working")
        return {}

    def invoke(name):
        context = SimpleNamespace(
            function_name=name,
            memory_limit_in_mb=128,
            invoked_function_arn=f"arn:{name}",
            aws_request_id=name,
        )
        handler({"requestId": f"request-of-{name}"}, context)

    threads = [threading.Thread(target=invoke, args=(name,)) for name in ("api-intake", "api-status")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if '"working"' in line]
    assert sorted((line["function_name"], line["correlation_id"]) for line in lines) == [
        ("api-intake", "request-of-api-intake"),
        ("api-status", "request-of-api-status"),
    ]
