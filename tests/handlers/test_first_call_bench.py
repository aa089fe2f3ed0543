"""The first-call benchmark compares like with like: each baseline makes exactly its function's AWS calls.

No timing is asserted here (that is `make bench`'s job); this only keeps the baselines honest.
"""

from __future__ import annotations

from bench import coldstart, firstcall


def test_each_baseline_makes_the_same_aws_calls_as_its_function():
    results = firstcall.measure(runs=1)
    assert {r.function for r in results} == {"admin", "intake", "partner_response", "status", "verify"}
    for result in results:
        assert result.status in {200, 202}, result
        assert result.calls == result.baseline_calls, result
        assert result.calls, result
    by_function = {r.function: r.calls for r in results}
    # Every API function first reads the origin keyring (the edge's header).
    assert by_function["status"] == ("ssm.GetParameter", "dynamodb.Query")
    assert by_function["intake"] == (
        "ssm.GetParameter",
        "dynamodb.GetItem",
        "dynamodb.PutItem",
        "dynamodb.BatchGetItem",
        "lex.RecognizeText",
        "dynamodb.TransactWriteItems",
        "lambda.Invoke",
    )
    # The address's limit, the customer keyring, the code limits, the lookup, the budget, the code, the text.
    assert by_function["verify"] == (
        "ssm.GetParameter",
        "dynamodb.GetItem",
        "dynamodb.PutItem",
        "ssm.GetParameter",
        "dynamodb.GetItem",
        "dynamodb.PutItem",
        "dynamodb.GetItem",
        "dynamodb.Query",
        "dynamodb.GetItem",
        "dynamodb.PutItem",
        "dynamodb.UpdateItem",
        "dynamodb.PutItem",
        "sns.Publish",
    )
    # The console's first page: the three waiting statuses (newest first), each row's newest event, the
    # rows' links in one batch.
    queue = firstcall.CONSOLE_QUEUE
    assert by_function["admin"] == (
        "ssm.GetParameter",
        *["dynamodb.Query"] * (len(queue) + sum(queue.values())),
        "dynamodb.BatchGetItem",
    )
    # The status poll, the partner opening a link and the console's queue parse no body: their whole first
    # call, import and answer, stays without pydantic.
    loaded = {r.function: r.pydantic for r in results}
    assert (loaded["status"], loaded["partner_response"], loaded["admin"]) == (False, False, False)


def test_the_cold_import_probe_reports_the_imported_program_s_own_memory():
    # `ru_maxrss` survives exec, so it reported this (larger) process's resident set for every import.
    assert coldstart._probe("json")["kib"] < coldstart._probe("boto3")["kib"]
