"""`python -m ops`: what an operator asks of a running stack, on AWS or on the local runtime.

    python -m ops requests --status SMSSent --since 1h     requests by status and time (GSI2)
    python -m ops show <requestId>                         one request and its full timeline
    python -m ops outputs                                  the stack outputs
    python -m ops cost                                     expected monthly cost at 100, 1,000, 10,000 a day
    python -m ops profile --endpoint URL --write           re-count the calls a flow makes (local runtime)
    python -m ops smoke --stack dev                        one question through the deployed flow, timed
    python -m ops rotate-link-key --stack dev              a new partner-link key; sent links stay valid
    python -m ops rotate-customer-key --stack dev          a new customer-token key; signed-in customers stay
    python -m ops rotate-origin-secret --stack dev         the next origin secret (a stack setting to deploy)
    python -m ops ci-roles --account ID --repo OWNER/REPO  the GitHub Actions roles' policies (setup)
    python -m ops operators add <email> | list | remove <email>   who may use the operator console

AWS: default credentials; the table comes from `--table` or the stack outputs (`--stack`, with the Pulumi
CLI, or `--outputs-file`). Local runtime: `--endpoint http://127.0.0.1:8000` (or AWS_ENDPOINT_URL).
Every command takes `--json`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import requests
from botocore.exceptions import BotoCoreError, ClientError

from components.seed_data import RESERVATIONS
from ops import render
from ops.stack import OpsError, Target

# The smoke test asks about the last demo reservation, the one the e2e and browser tests leave alone.
SMOKE_RESERVATION = RESERVATIONS[-1]


def _target_options() -> argparse.ArgumentParser:
    options = argparse.ArgumentParser(add_help=False)
    options.add_argument("--json", action="store_true", help="print JSON instead of a table")
    where = options.add_argument_group("where to look")
    where.add_argument("--endpoint", help="the local runtime (default: $AWS_ENDPOINT_URL; none: AWS)")
    where.add_argument("--region", help="AWS region (default: the AWS configuration)")
    where.add_argument("--stack", help="Pulumi stack whose outputs to read (with the Pulumi CLI)")
    where.add_argument("--outputs-file", help="stack outputs as JSON (pulumi stack output --json)")
    where.add_argument("--table", help="the table name (default: the stack output tableName)")
    return options


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m ops", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    shared = [_target_options()]

    listing = commands.add_parser("requests", parents=shared, help="requests by status and time")
    listing.add_argument(
        "--status", action="append", help="Created, SMSSent, Opened, Responded, Timeout, Failed"
    )
    listing.add_argument("--since", default="24h", help="30m, 1h, 2d or an ISO 8601 time (default: 24h)")
    listing.add_argument("--limit", type=int, default=50, help="at most this many rows (default: 50)")

    show = commands.add_parser("show", parents=shared, help="one request and its timeline")
    show.add_argument("request_id")

    commands.add_parser("outputs", parents=shared, help="the stack outputs")

    cost = commands.add_parser("cost", help="expected monthly cost from counted calls and dated prices")
    cost.add_argument("--json", action="store_true", help="print JSON instead of tables")
    cost.add_argument("--prices", type=Path, help="prices file (default: ops/prices.json)")
    cost.add_argument("--profile", type=Path, help="call profile (default: ops/profile.json)")

    profile = commands.add_parser("profile", help="count the calls of real flows on the local runtime")
    profile.add_argument(
        "--endpoint", required=True, help="a local runtime started with a short partner wait"
    )
    profile.add_argument("--write", action="store_true", help="replace ops/profile.json with the result")

    smoke = commands.add_parser(
        "smoke", parents=shared, help="drive one customer question through the stack's public URLs"
    )
    smoke.add_argument(
        "--reservation", default=SMOKE_RESERVATION.reservation_number, help="a seeded reservation number"
    )
    smoke.add_argument("--phone", default=SMOKE_RESERVATION.customer_phone, help="its customer phone")
    smoke.add_argument(
        "--max-seconds",
        type=float,
        default=120.0,
        help="fail when the whole flow takes longer (default: 120)",
    )
    smoke.add_argument(
        "--step-timeout", type=float, default=60.0, help="seconds to wait for a text or the notification"
    )

    for command, help_text in (
        ("rotate-link-key", "a new key for partner links; links already sent stay valid"),
        ("rotate-customer-key", "a new key for customer tokens and codes; those already issued stay valid"),
    ):
        rotate = commands.add_parser(command, parents=shared, help=help_text)
        rotate.add_argument(
            "--activate-in",
            type=int,
            default=None,
            help="seconds until the new key signs (default: the functions' cache age, so all know it first)",
        )

    operators = commands.add_parser(
        "operators", help="who may use the operator console (the stack's Cognito group operators)"
    )
    actions = operators.add_subparsers(dest="action", required=True)
    pool = argparse.ArgumentParser(add_help=False, parents=shared)
    pool.add_argument("--user-pool", help="the user pool id (default: the stack output consoleUserPoolId)")
    add = actions.add_parser(
        "add", parents=[pool], help="create an operator: Cognito mails a temporary password (idempotent)"
    )
    add.add_argument("email", help="the operator's email address: it is their username")
    add.add_argument(
        "--password",
        help="local runtime only (it mails nothing): this permanent password, not a mailed temporary one",
    )
    actions.add_parser("list", parents=[pool], help="the operators and their status")
    remove = actions.add_parser("remove", parents=[pool], help="sign an operator out everywhere, delete them")
    remove.add_argument("email")

    commands.add_parser(
        "rotate-origin-secret",
        parents=shared,
        help="raise originSecretVersion by one in the stack file; deploying it rotates CloudFront's secret",
    )

    roles = commands.add_parser("ci-roles", help="trust and permission policies of the GitHub Actions roles")
    roles.add_argument("--account", required=True, help="the AWS account id")
    roles.add_argument("--repo", required=True, help="the GitHub repository, OWNER/REPO")
    roles.add_argument("--stacks", nargs="+", default=["dev", "demo"], help="stacks the deploy role serves")
    return parser


def _emit(args: argparse.Namespace, data: Any, text: str) -> None:
    if args.json:
        print(json.dumps(data, ensure_ascii=False, indent=2))
    else:
        print(text)


def _target(args: argparse.Namespace) -> Target:
    return Target.from_args(
        endpoint=args.endpoint,
        region=args.region,
        stack=args.stack,
        outputs_file=args.outputs_file,
        table=args.table,
    )


REQUEST_COLUMNS = (
    ("CREATED (UTC)", "createdAt"),
    ("STATUS", "status"),
    ("REQUEST", "requestId"),
    ("INTENT", "intent"),
    ("RESERVATION", "reservationNumber"),
    ("PARTNER", "partnerName"),
)


def _requests(args: argparse.Namespace) -> None:
    from ops import lookup

    known = lookup.all_statuses()
    statuses = args.status or known
    unknown = [status for status in statuses if status not in known]
    if unknown:
        raise OpsError(f"unknown status {', '.join(unknown)}: use one of {', '.join(known)}")
    try:
        since = lookup.parse_since(args.since, datetime.now(UTC))
    except ValueError as exc:
        raise OpsError(str(exc)) from None
    target = _target(args)
    table = target.table_name()
    rows = lookup.list_requests(target.dynamodb(), table, statuses=statuses, since=since, limit=args.limit)
    which = f"status {', '.join(statuses)}" if args.status else "every status"
    since_text = lookup.iso(int(since.timestamp() * 1000))
    heading = f"{len(rows)} request(s) created since {since_text}, {which}"
    _emit(args, rows, heading + "\n\n" + render.table(rows, REQUEST_COLUMNS) if rows else heading)


def _show(args: argparse.Namespace) -> None:
    from ops import lookup

    target = _target(args)
    table = target.table_name()
    found = lookup.show_request(target.dynamodb(), table, args.request_id)
    if found is None:
        raise OpsError(f"no request {args.request_id} in {table}")
    request = dict(found["request"])
    notification = request.pop("notification", None)
    parts = [render.fields(request)]
    if isinstance(notification, dict):
        parts.append(f"notification ({notification.get('source')}):\n  {notification.get('message')}")
    parts.append(
        render.table(found["events"], (("AT (UTC)", "at"), ("EVENT", "type"), ("DETAILS", "details")))
    )
    _emit(args, found, "\n\n".join(parts))


def _outputs(args: argparse.Namespace) -> None:
    outputs = _target(args).outputs()
    rows = []
    for key, value in sorted(outputs.items()):
        # A map output (logGroupNames) reads better as one row per entry than as one long JSON cell.
        if isinstance(value, dict) and value:
            rows += [{"key": f"{key}.{name}", "value": item} for name, item in sorted(value.items())]
        else:
            rows.append({"key": key, "value": value})
    _emit(args, outputs, render.table(rows, (("OUTPUT", "key"), ("VALUE", "value")), max_width=300))


def _money(usd: float) -> str:
    return f"${usd:,.2f}" if usd >= 1 else f"${usd:.4f}"


def _cost(args: argparse.Namespace) -> None:
    from ops import cost

    prices = cost.Prices.load(args.prices or cost.PRICES_FILE)
    profile = cost.Profile.load(args.profile or cost.PROFILE_FILE)
    results = cost.estimates(profile, prices)
    flow = cost.per_flow(profile, prices)
    unpriced = sorted(flow.unpriced)
    tie_break_usd = {
        str(result.requests_per_day): round(
            cost.intent_tie_break_monthly(profile, prices, result.requests_per_day), 2
        )
        for result in results
    }
    data = {
        "pricesDate": prices.date,
        "region": prices.region,
        "profileRecorded": profile.recorded,
        "smsPartsPerText": [cost.sms_parts(body, prices) for body in profile.answered.sms_bodies],
        "perFlow": {item: round(usd, 6) for item, usd in flow.lines.items()},
        "unpricedCalls": unpriced,
        "intentTieBreakMonthlyUsd": tie_break_usd,
        "volumes": [
            {
                "requestsPerDay": result.requests_per_day,
                "requestsPerMonth": result.flows_per_month,
                "monthlyUsd": round(result.monthly.total, 2),
                "perRequestUsd": round(result.per_request, 5),
                "monthlyByItem": {item: round(usd, 2) for item, usd in result.monthly.lines.items()},
            }
            for result in results
        ],
    }
    summary = [
        {
            "volume": f"{result.requests_per_day:,}/day",
            "month": _money(result.monthly.total),
            "request": _money(result.per_request),
        }
        for result in results
    ]
    items = sorted(results[0].monthly.lines, key=lambda item: -results[-1].monthly.lines[item])
    breakdown = [
        {"item": item, **{f"v{i}": _money(r.monthly.lines[item]) for i, r in enumerate(results)}}
        for item in items
    ]
    text = [
        f"Expected monthly cost in {prices.region}, list prices of {prices.date} (ops/prices.json),",
        f"calls counted on the local runtime {profile.recorded} (ops/profile.json).",
        "SMS parts per partner text (UCS-2 rule): "
        + ", ".join(str(parts) for parts in data["smsPartsPerText"]),
        "",
        render.table(
            summary, (("REQUESTS", "volume"), ("PER MONTH", "month"), ("PER COMPLETED REQUEST", "request"))
        ),
        "",
        render.table(
            breakdown,
            (
                ("MONTHLY BY ITEM", "item"),
                *((f"{r.requests_per_day:,}/day", f"v{i}") for i, r in enumerate(results)),
            ),
        ),
    ]
    tie_break = ", ".join(f"{_money(usd)} at {int(volume):,}/day" for volume, usd in tie_break_usd.items())
    text += [
        "",
        f"Intent tie-break (stack setting intentTieBreak, off by default) would add per month: {tie_break}",
        f"  (Bedrock for the {prices.assume('intentTieBreakShare'):.0%} of messages Lex is unsure of).",
    ]
    if unpriced:
        text += ["", f"calls without a price rule (add one in ops/cost.py): {', '.join(unpriced)}"]
    _emit(args, data, "\n".join(text))


def _profile(args: argparse.Namespace) -> None:
    from ops import cost
    from ops.profile import record

    try:
        profile = record(args.endpoint)
    except requests.RequestException as exc:
        raise OpsError(
            f"cannot reach the local runtime at {args.endpoint} ({type(exc).__name__}). "
            "Start it in another terminal: PARTNER_WAIT_SECONDS=5 make local"
        ) from exc
    data = profile.to_json()
    if args.write:
        cost.PROFILE_FILE.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(data, ensure_ascii=False, indent=2))


def _smoke(args: argparse.Namespace) -> None:
    from ops import smoke

    target = _target(args)
    outputs = target.outputs()
    page_url = outputs.get("customerPageUrl")
    if not page_url:
        raise OpsError("the stack outputs have no customerPageUrl")
    texts: smoke.TextSource
    if target.endpoint is not None:
        texts = smoke.LocalTexts(target.endpoint, requests.Session())
        where = f"the local runtime's outbox ({target.endpoint})"
    else:
        mode = outputs.get("smsMode")
        if mode != "log":
            raise OpsError(
                f"the stack texts real phones (smsMode: {mode or 'unknown'}): the smoke test reads the "
                "partner's text from the function logs, so it needs smsMode: log (use the dev stack)"
            )
        groups = list(smoke.iter_log_groups(outputs))
        texts = smoke.LogGroupTexts(target.client("logs"), groups)
        where = f"{len(groups)} function log groups"
    verification = str(outputs.get("customerVerification") or "off")
    if not args.json:
        print(f"smoke test of {page_url} (verification: {verification}; texts from {where})")
    run = smoke.Smoke(
        page_url=str(page_url),
        texts=texts,
        reservation_number=args.reservation,
        customer_phone=args.phone,
        verification=verification,
        step_timeout=args.step_timeout,
        report=(lambda step: None)
        if args.json
        else (lambda step: print(smoke.format_step(step), flush=True)),
    )
    started = time.monotonic()
    failure: str | None = None
    try:
        run.run()
    except smoke.SmokeFailure as exc:
        failure = str(exc)
    total = time.monotonic() - started
    if failure is None and total > args.max_seconds:
        failure = f"the flow took {total:.1f} s, over the bound of {args.max_seconds:.0f} s"
    steps = [
        {"step": step.name, "seconds": round(step.seconds, 3), "detail": step.detail} for step in run.steps
    ]
    if args.json:
        print(
            json.dumps(
                {"ok": failure is None, "seconds": round(total, 3), "steps": steps, "failure": failure}
            )
        )
    else:
        print(
            f"  {'FAIL' if failure else 'ok'}  total         {total:6.2f} s"
            + (f"  {failure}" if failure else "")
        )
    if failure is not None:
        raise SmokeFailed(failure)


def _iso(epoch: int) -> str:
    return datetime.fromtimestamp(epoch, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _activate_in(args: argparse.Namespace) -> int:
    from handlers.models.keyring import CACHE_SECONDS

    activate_in = CACHE_SECONDS if args.activate_in is None else int(args.activate_in)
    if activate_in < 0:
        raise OpsError("--activate-in cannot be negative")
    return activate_in


def _emit_rotation(
    args: argparse.Namespace, rotation: Any, *, what: str, activate_in: int, grace: str
) -> None:
    data = {
        "parameter": rotation.parameter,
        "newKeyActiveFrom": _iso(rotation.active_from),
        "previousKeyValidUntil": _iso(rotation.previous_until),
        "keysInRing": rotation.keys,
    }
    text = (
        f"rotated the {what} key in {rotation.parameter}:\n"
        f"  the new key signs from {data['newKeyActiveFrom']} (in {activate_in} s, once "
        "every function has re-read the keyring)\n"
        f"  what the previous key signed stays valid until {data['previousKeyValidUntil']} ({grace})\n"
        f"  {rotation.keys} key(s) in the ring; keys past their validity were dropped"
    )
    _emit(args, data, text)


def _rotate_link_key(args: argparse.Namespace) -> None:
    from ops.rotate import rotate_link_key

    target = _target(args)
    outputs = target.outputs()
    parameter = outputs.get("linkKeyParameter")
    wait = outputs.get("partnerWaitSeconds")
    if not parameter or wait is None:
        raise OpsError(
            "the stack outputs have no linkKeyParameter and partnerWaitSeconds: deploy the stack first"
        )
    activate_in = _activate_in(args)
    rotation = rotate_link_key(
        target.client("ssm"),
        str(parameter),
        now=int(time.time()),
        wait_seconds=int(wait),
        activate_in=activate_in,
    )
    _emit_rotation(
        args,
        rotation,
        what="partner-link",
        activate_in=activate_in,
        grace=f"one partner wait of {wait} s after the switch, plus a margin",
    )


def _rotate_customer_key(args: argparse.Namespace) -> None:
    from ops.rotate import CUSTOMER_GRACE_SECONDS, rotate_customer_key

    target = _target(args)
    parameter = target.outputs().get("customerKeyParameter")
    if not parameter:
        raise OpsError("the stack outputs have no customerKeyParameter: deploy the stack first")
    activate_in = _activate_in(args)
    rotation = rotate_customer_key(
        target.client("ssm"), str(parameter), now=int(time.time()), activate_in=activate_in
    )
    _emit_rotation(
        args,
        rotation,
        what="customer-token",
        activate_in=activate_in,
        grace=f"{CUSTOMER_GRACE_SECONDS} s after the switch: a customer token's life, plus a margin",
    )


def _rotate_origin_secret(args: argparse.Namespace) -> None:
    from ops.rotate import next_origin_secret_version
    from ops.stack import set_stack_setting, stack_setting

    target = _target(args)
    if target.endpoint is not None:
        raise OpsError("the local runtime generates its origin keys each time it starts: restart make local")
    deployed = target.outputs().get("originSecretVersion")
    version = next_origin_secret_version(
        deployed=deployed, configured=stack_setting("originSecretVersion", args.stack)
    )
    set_stack_setting("originSecretVersion", str(version), args.stack)
    stack_file = f"Pulumi.{args.stack}.yaml" if args.stack else "the stack file"
    data = {"stack": args.stack, "deployedVersion": version - 1, "newVersion": version}
    text = (
        f"originSecretVersion {version - 1} -> {version} in {stack_file}. Commit it and deploy (the deploy "
        f"workflow, or pulumi up{f' --stack {args.stack}' if args.stack else ''}): CloudFront then sends key "
        f"{version}, which the API accepts already, and the API keeps accepting key {version - 1} while the "
        "change spreads. Run this again after that deploy has finished for another step (two after a leak)."
    )
    _emit(args, data, text)


def _ci_roles(args: argparse.Namespace) -> None:
    from ops import ci_roles

    documents = {
        "previewRole": {
            "trustPolicy": ci_roles.preview_trust_policy(args.account, args.repo),
            "inlinePolicy": ci_roles.preview_policy(args.account),
        },
        "deployRole": {"trustPolicy": ci_roles.deploy_trust_policy(args.account, args.repo, args.stacks)},
    }
    print(json.dumps(documents, indent=2))


def _operators(args: argparse.Namespace) -> None:
    from ops import operators

    target = _target(args)
    pool = args.user_pool or target.outputs().get("consoleUserPoolId")
    if not pool:
        raise OpsError(
            "the stack outputs have no consoleUserPoolId: deploy the stack first, or pass --user-pool"
        )
    client = target.client("cognito-idp")
    try:
        if args.action == "add":
            if args.password is not None and target.endpoint is None:
                raise OpsError(
                    "--password is for the local runtime only: on AWS, Cognito mails a temporary password"
                )
            added = operators.add(client, str(pool), args.email, password=args.password)
            if args.password is not None:
                text = f"{added.username} is an operator and signs in with the password given."
            elif target.endpoint is not None:
                text = (
                    f"{added.username} is an operator with a temporary password the local runtime mails to "
                    "nobody: add it again with --password to sign in."
                )
            elif added.invited:
                text = (
                    f"{added.username} is an operator. Cognito mailed them a temporary password (valid "
                    "3 days); they choose their own at the first sign-in to the console."
                )
            else:
                text = f"{added.username} existed already and is in the group operators."
            _emit(
                args, {"username": added.username, "created": added.created, "invited": added.invited}, text
            )
        elif args.action == "list":
            rows = operators.list_operators(client, str(pool))
            columns = (
                ("USERNAME", "username"),
                ("STATUS", "status"),
                ("ENABLED", "enabled"),
                ("CREATED", "createdAt"),
            )
            heading = f"{len(rows)} operator(s) in user pool {pool}"
            _emit(args, rows, heading + ("\n\n" + render.table(rows, columns) if rows else ""))
        else:
            operators.remove(client, str(pool), args.email)
            text = (
                f"{args.email} is signed out everywhere and deleted "
                "(an access token already issued lasts out its hour)."
            )
            _emit(args, {"username": args.email, "removed": True}, text)
    except operators.OperatorError as exc:
        raise OpsError(str(exc)) from None


class SmokeFailed(Exception):
    """The smoke test failed: exit status 1 (a usage or setup problem is 2)."""


COMMANDS = {
    "requests": _requests,
    "show": _show,
    "outputs": _outputs,
    "cost": _cost,
    "profile": _profile,
    "smoke": _smoke,
    "rotate-link-key": _rotate_link_key,
    "rotate-customer-key": _rotate_customer_key,
    "rotate-origin-secret": _rotate_origin_secret,
    "ci-roles": _ci_roles,
    "operators": _operators,
}


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        COMMANDS[args.command](args)
    except SmokeFailed as exc:
        print(f"ops: smoke test failed: {exc}", file=sys.stderr)
        return 1
    except OpsError as exc:
        print(f"ops: {exc}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as exc:
        print(f"ops: AWS answered: {exc}", file=sys.stderr)
        return 2
    return 0
