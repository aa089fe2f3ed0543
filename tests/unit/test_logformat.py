"""`LOG_FORMAT=pretty make local`: one readable line per log event."""

from __future__ import annotations

import io
import json
import threading

from local.logformat import PrettyLines, pretty_line

LOG = {
    "level": "INFO",
    "location": "handler:42",
    "message": "request created",
    "timestamp": "2026-12-02 03:41:01,627+0000",
    "service": "partner-confirm",
    "function_name": "api-intake-6a1b2c3",
    "function_request_id": "0f9d2c1e-aaaa-bbbb-cccc-000000000000",
    "requestId": "19460dd3-9b4e-4c52-8a55-1d2f3e4a5b6c",
}
METRIC = {
    "_aws": {
        "Timestamp": 1795923661650,
        "CloudWatchMetrics": [{"Namespace": "PartnerConfirm", "Metrics": [{"Name": "RequestCreated"}]}],
    },
    "service": "partner-confirm",
    "RequestCreated": [1.0],
}


def test_a_log_line_shows_time_function_level_message_and_a_short_request_id() -> None:
    line = pretty_line(json.dumps(LOG))

    assert "api-intake " in line
    assert "6a1b2c3" not in line
    assert " INFO " in line
    assert "request created" in line
    assert line.endswith("req 19460dd3")
    assert ":41:01.627" in line  # the event's own time (minutes and seconds survive any time zone)
    assert "\n" not in line


def test_lambdas_request_id_stands_in_when_the_line_names_no_request() -> None:
    entry = {key: value for key, value in LOG.items() if key != "requestId"}
    assert pretty_line(json.dumps(entry)).endswith("req 0f9d2c1e")


def test_a_metric_line_names_the_metric_and_its_value() -> None:
    line = pretty_line(json.dumps(METRIC))
    assert "METRIC" in line
    assert line.endswith("RequestCreated=1")


def test_an_exception_stays_on_one_line_with_its_name() -> None:
    entry = {**LOG, "level": "ERROR", "message": "failed\nwhile writing", "exception_name": "ClientError"}
    line = pretty_line(json.dumps(entry))
    assert "failed while writing [ClientError]" in line
    assert "\n" not in line


def test_other_text_passes_through_unchanged() -> None:
    for text in ("ready in 5.7 s: the whole system runs on http://127.0.0.1:8000", "{not json", "[1, 2]"):
        assert pretty_line(text) == text


def test_lines_written_in_pieces_from_several_threads_come_out_whole() -> None:
    out = io.StringIO()
    stream = PrettyLines(out)

    def write(n: int) -> None:
        for _ in range(50):
            text = json.dumps({**LOG, "message": f"thread {n}"})
            stream.write(text[:20])
            stream.write(text[20:] + "\n")

    threads = [threading.Thread(target=write, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    lines = out.getvalue().splitlines()
    assert len(lines) == 200
    assert all(" INFO " in line and "thread " in line for line in lines)
