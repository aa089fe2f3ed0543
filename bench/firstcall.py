"""First call: each API function's import plus first invocation, in a fresh process, against a moto server.

What a cold start costs beyond the runtime itself: import the handler module, build what the first
invocation needs, make its AWS calls and answer. The baseline is the smallest honest program doing the
same AWS calls in a fresh process: `import boto3`, the same clients, the same operations in the same
order. The emulator records the operations of every run, and a function whose run does not make exactly
its baseline's calls is reported, so the two sides cannot drift apart.

The emulator is moto's server on a loopback port with two additions it lacks: Lex V2 `RecognizeText`
answers a fixed interpretation, and Lambda `Invoke` (the intake's asynchronous hand-over) answers 202.
Runs are interleaved in a shuffled order and the medians compared, as in `coldstart`; each round's own
ratio is kept too, and the middle half of them (first to third quartile) is printed as the spread. The
target is checked on CPU time (user + system) of the fresh process from its first statement to the
answer: on a shared machine wall time swings with other load several times more than the difference
measured, while both sides wait alike on the same emulator. Wall-time ratios are printed beside it.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import random
import re
import statistics
import subprocess
import sys
import threading
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.seed import CUSTOMER_PHONE, event, reservation, seed
from components.functions import LIBRARY_ENVIRONMENT

ROOT = Path(__file__).resolve().parent.parent
REGION = "ap-northeast-2"
SMS_REGION = "ap-northeast-1"
TABLE = "partner-confirm-firstcall"
# The operator console reads a table of its own: the other functions' runs keep adding requests to theirs,
# and the console's first page must read the same rows in every run.
CONSOLE_TABLE = "partner-confirm-firstcall-console"
# The queue the console opens on (status `open`): how many requests wait in each status, made by the real
# handlers, so every row has its events and, once texted, its link.
CONSOLE_QUEUE = {"Created": 2, "SMSSent": 6, "Opened": 2}
# The console's first request asks for a page of this many rows (site/admin/admin.js, PAGE_SIZE).
CONSOLE_PAGE = 50
RESERVATION = "R-FIRSTCALL-01"
LINK_KEY_PARAMETER = "/partner-confirm/firstcall/link-signing-key"
ORIGIN_KEY_PARAMETER = "/partner-confirm/firstcall/origin-verify-secret"
CUSTOMER_KEY_PARAMETER = "/partner-confirm/firstcall/customer-key"
CUSTOMER_KEY_BASE64 = "Zmlyc3QtY2FsbC1jdXN0b21lci1rZXktMzJieXRlcy4="
STATUS_TARGET = 1.3
API_TARGET = 1.5

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
_LEX_TEXT = re.compile(r"^/bots/[^/]+/botAliases/[^/]+/botLocales/[^/]+/sessions/[^/]+/text$")
_INVOKE = re.compile(r"^/2015-03-31/functions/[^/]+/invocations/?$")
_CREDENTIAL = re.compile(r"Credential=[^/]+/\d{8}/[^/]+/(?P<service>[^/]+)/")
_LEX_ANSWER = {
    "interpretations": [{"intent": {"name": "ChangeReservation"}, "nluConfidence": {"score": 0.92}}],
    "sessionId": "firstcall",
}

# The probe runs in a fresh interpreter: the clock starts before the first import.
_HANDLER_PROBE = """
import time
start, cpu = time.perf_counter(), time.process_time()
import json, sys
event = json.loads(sys.stdin.read())
imported_at = None
module = __import__(sys.argv[1], fromlist=["handler"])
imported_at, imported_cpu = time.perf_counter(), time.process_time()


class Context:
    function_name = "firstcall"
    function_version = "$LATEST"
    invoked_function_arn = "arn:aws:lambda:ap-northeast-2:123456789012:function:firstcall"
    memory_limit_in_mb = 512
    aws_request_id = "00000000-0000-0000-0000-000000000001"
    log_group_name = "/aws/lambda/firstcall"
    log_stream_name = "firstcall"

    def get_remaining_time_in_millis(self):
        return 30000


answer = module.handler(event, Context())
done, done_cpu = time.perf_counter(), time.process_time()
status = answer.get("statusCode") if isinstance(answer, dict) else None
print("FIRSTCALL " + json.dumps({"seconds": done - start, "cpu": done_cpu - cpu,
                                 "import": imported_at - start, "importCpu": imported_cpu - cpu,
                                 "status": status, "pydantic": "pydantic" in sys.modules}))
"""

# The baselines: the same AWS calls with nothing but boto3. `{...}` fields come from the prepared data.
_BASELINES = {
    "status": """
import time
start, cpu = time.perf_counter(), time.process_time()
import json, sys
import boto3
data = json.loads(sys.stdin.read())
boto3.client("ssm").get_parameter(Name=data["originParameter"], WithDecryption=True)
dynamodb = boto3.client("dynamodb")
dynamodb.query(
    TableName=data["table"],
    KeyConditionExpression="PK = :pk",
    ExpressionAttributeValues={":pk": {"S": "REQ#" + data["requestId"]}},
    ConsistentRead=True,
)
print("FIRSTCALL " + json.dumps({"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu}))
""",
    "partner_response": """
import time
start, cpu = time.perf_counter(), time.process_time()
import json, sys
import boto3
data = json.loads(sys.stdin.read())
boto3.client("ssm").get_parameter(Name=data["originParameter"], WithDecryption=True)
boto3.client("ssm").get_parameter(Name=data["keyParameter"], WithDecryption=True)
dynamodb = boto3.client("dynamodb")
dynamodb.get_item(TableName=data["table"], Key=data["tokenKey"], ConsistentRead=True)
table, one = data["table"], {":t": {"N": "1"}}
dynamodb.transact_write_items(TransactItems=[
    {"Update": {"TableName": table, "Key": data["tokenKey"], "UpdateExpression": "SET openedAt = :t",
                "ExpressionAttributeValues": one}},
    {"Update": {"TableName": table, "Key": data["requestKey"], "UpdateExpression": "SET updatedAt = :t",
                "ExpressionAttributeValues": one}},
    {"Put": {"TableName": table, "Item": {"PK": {"S": "BASELINE#" + data["run"]}, "SK": {"S": "EVT"}}}},
])
print("FIRSTCALL " + json.dumps({"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu}))
""",
    "intake": """
import time
start, cpu = time.perf_counter(), time.process_time()
import json, sys, uuid
import boto3
data = json.loads(sys.stdin.read())
boto3.client("ssm").get_parameter(Name=data["originParameter"], WithDecryption=True)
dynamodb = boto3.client("dynamodb")
request_id = str(uuid.uuid4())
table, pk = data["table"], {"S": "BASELINE#" + request_id}
window = {"PK": {"S": "BASELINE#WINDOW"}, "SK": {"S": request_id}}
dynamodb.get_item(TableName=table, Key=window, ConsistentRead=True)
dynamodb.put_item(TableName=table, Item={**window, "hits": {"L": [{"N": "1"}]}})
dynamodb.batch_get_item(RequestItems={table: {"Keys": [
    {"PK": pk, "SK": {"S": "OPEN"}}, {"PK": {"S": "BASELINE#BUDGET"}, "SK": {"S": request_id}}],
    "ConsistentRead": True}})
lex = boto3.client("lexv2-runtime")
lex.recognize_text(botId="BOTID00001", botAliasId="ALIAS00001", localeId="ko_KR",
                   sessionId=uuid.uuid4().hex, text=data["message"])
dynamodb.transact_write_items(TransactItems=[
    {"Put": {"TableName": table, "Item": {"PK": pk, "SK": {"S": "REQ"}}}},
    {"Put": {"TableName": table, "Item": {"PK": pk, "SK": {"S": "EVT"}}}},
    {"Put": {"TableName": table, "Item": {"PK": pk, "SK": {"S": "OPEN"}}}},
])
boto3.client("lambda").invoke(FunctionName="orchestrator", InvocationType="Event",
                              Payload=json.dumps({"requestId": request_id}))
print("FIRSTCALL " + json.dumps({"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu}))
""",
    # The address's share of the stage, the customer keyring, the address's and the day's share of code
    # texts, the reservation lookup, the reservation's share, the budget, the code, the text.
    "verify": """
import time
start, cpu = time.perf_counter(), time.process_time()
import json, sys, uuid
import boto3
data = json.loads(sys.stdin.read())
boto3.client("ssm").get_parameter(Name=data["originParameter"], WithDecryption=True)
dynamodb = boto3.client("dynamodb")
table, run = data["table"], uuid.uuid4().hex


def take(kind):
    key = {"PK": {"S": "BASELINE#" + kind}, "SK": {"S": run}}
    dynamodb.get_item(TableName=table, Key=key, ConsistentRead=True)
    dynamodb.put_item(TableName=table, Item={**key, "hits": {"L": [{"N": "1"}]}})


take("ADDRESS")
boto3.client("ssm").get_parameter(Name=data["customerParameter"], WithDecryption=True)
take("CODE-ADDRESS")
budget = {"PK": {"S": "BASELINE#BUDGET"}, "SK": {"S": run}}
dynamodb.get_item(TableName=table, Key=budget, ConsistentRead=True)
dynamodb.query(TableName=table, IndexName="GSI1", KeyConditionExpression="GSI1PK = :n AND GSI1SK = :p",
               ExpressionAttributeValues={":n": {"S": data["reservation"]}, ":p": {"S": data["phone"]}},
               Limit=1)
take("CODE-RESERVATION")
dynamodb.update_item(TableName=table, Key=budget, UpdateExpression="ADD parts :one",
                     ExpressionAttributeValues={":one": {"N": "1"}})
dynamodb.put_item(TableName=table, Item={"PK": {"S": "BASELINE#CODE"}, "SK": {"S": run}, "code": {"S": "1"}})
boto3.client("sns", region_name=data["smsRegion"]).publish(
    PhoneNumber=data["phone"], Message="[인증] 인증번호 123456",
    MessageAttributes={"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}})
print("FIRSTCALL " + json.dumps({"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu}))
""",
    # The console's first page: the waiting requests of each open status (newest first on GSI2), each
    # row's newest event (read in parallel, as the function does), the rows' links in one batch.
    "admin": """
import time
start, cpu = time.perf_counter(), time.process_time()
import json, sys
from concurrent.futures import ThreadPoolExecutor
import boto3
data = json.loads(sys.stdin.read())
boto3.client("ssm").get_parameter(Name=data["originParameter"], WithDecryption=True)
dynamodb = boto3.client("dynamodb")
table, rows = data["table"], []
for status in data["statuses"]:
    rows += dynamodb.query(TableName=table, IndexName="GSI2", KeyConditionExpression="#s = :s",
                           ExpressionAttributeNames={"#s": "status"},
                           ExpressionAttributeValues={":s": {"S": status}},
                           ScanIndexForward=False, Limit=data["limit"] + 1)["Items"]


def last_event(row):
    return dynamodb.query(TableName=table, KeyConditionExpression="PK = :pk AND begins_with(SK, :e)",
                          ExpressionAttributeValues={":pk": row["PK"], ":e": {"S": "EVENT#"}},
                          ScanIndexForward=False, Limit=1)["Items"]


with ThreadPoolExecutor(max_workers=min(8, len(rows))) as pool:
    events = list(pool.map(last_event, rows))
links = [{"PK": {"S": "TOKEN#" + r["tokenDigest"]["S"]}, "SK": {"S": "METADATA"}}
         for r in rows if "tokenDigest" in r]
dynamodb.batch_get_item(RequestItems={table: {"Keys": links, "ConsistentRead": True}})
print("FIRSTCALL " + json.dumps({"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu}))
""",
}


@dataclass(frozen=True)
class FirstCall:
    """Medians of one function's runs and of its baseline's: wall time and the process's CPU time."""

    function: str
    route: str
    seconds: float
    cpu: float
    import_seconds: float
    import_cpu: float
    baseline_seconds: float
    baseline_cpu: float
    status: int | None
    calls: tuple[str, ...]
    baseline_calls: tuple[str, ...]
    pydantic: bool  # whether the first call loaded pydantic
    round_ratios: tuple[float, ...] = ()  # each round's CPU ratio (the function's run over its baseline's)

    @property
    def ratio(self) -> float:
        """CPU time against the baseline's: what the target is checked on (see the module docstring)."""
        return self.cpu / self.baseline_cpu

    @property
    def spread(self) -> tuple[float, float]:
        """The middle half of the rounds' own ratios (first and third quartiles): how steady the figure is."""
        if len(self.round_ratios) < 2:
            return (self.ratio, self.ratio)
        low, _, high = statistics.quantiles(self.round_ratios, n=4, method="inclusive")
        return (low, high)

    @property
    def wall_ratio(self) -> float:
        return self.seconds / self.baseline_seconds

    @property
    def target(self) -> float:
        return STATUS_TARGET if self.function == "status" else API_TARGET

    @property
    def same_calls(self) -> bool:
        return self.calls == self.baseline_calls


class Emulator:
    """moto's WSGI app behind one lock, plus canned Lex text answers and accepted async invokes."""

    def __init__(self, moto_app: WsgiApp) -> None:
        self._moto_app = moto_app
        self._lock = threading.Lock()
        self.calls: list[str] = []

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        from werkzeug.wrappers import Request, Response

        request = Request(environ)
        path = request.path
        if _LEX_TEXT.match(path):
            self.calls.append("lex.RecognizeText")
            response = Response(json.dumps(_LEX_ANSWER), content_type="application/json")
        elif _INVOKE.match(path):
            self.calls.append("lambda.Invoke")
            response = Response(b"", status=202)
        else:
            data = request.get_data(cache=True)
            environ = dict(environ)
            environ["wsgi.input"] = io.BytesIO(data)
            environ["CONTENT_LENGTH"] = str(len(data))
            self.calls.append(_operation(request.headers, data))
            with self._lock:
                response = Response.from_app(self._moto_app, environ, buffered=True)
        return response(environ, start_response)


def _operation(headers: Any, data: bytes) -> str:
    target = headers.get("X-Amz-Target", "")
    match = _CREDENTIAL.search(headers.get("Authorization", ""))
    service = match.group("service") if match else "?"
    if target:
        return f"{service}.{target.rsplit('.', 1)[-1]}"
    action = re.search(rb"Action=([A-Za-z]+)", data)
    return f"{service}.{action.group(1).decode() if action else '?'}"


@contextmanager
def emulator() -> Iterator[tuple[str, Emulator]]:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app
    from werkzeug.serving import make_server

    app = Emulator(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, name="firstcall-emulator", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}", app
    finally:
        server.shutdown()
        thread.join()


def function_environment(endpoint: str) -> dict[str, str]:
    return {
        "PATH": "/usr/bin:/bin",
        "AWS_ACCESS_KEY_ID": "firstcall",
        "AWS_SECRET_ACCESS_KEY": "firstcall",
        "AWS_DEFAULT_REGION": REGION,
        "AWS_REGION": REGION,
        "AWS_ENDPOINT_URL": endpoint,
        "AWS_LAMBDA_FUNCTION_NAME": "firstcall",
        **LIBRARY_ENVIRONMENT,  # as every deployed function has it
        "TABLE_NAME": TABLE,
        "ORCHESTRATOR_FUNCTION": "orchestrator",
        "STATE_MACHINE_ARN": f"arn:aws:states:{REGION}:123456789012:stateMachine:firstcall",
        "LINK_KEY_PARAMETER": LINK_KEY_PARAMETER,
        "ORIGIN_KEY_PARAMETER": ORIGIN_KEY_PARAMETER,
        "LINK_BASE_URL": "https://confirm.example/r/",
        "SMS_MODE": "sns",
        "SMS_REGION": SMS_REGION,
        "INTENT_CLASSIFIER": "lex",
        "BOT_ID": "BOTID00001",
        "BOT_ALIAS_ID": "ALIAS00001",
        "NOTIFIER": "template",
        "RATE_LIMIT_PER_MINUTE": "100000",
        # Many runs text partners from one process: the day's budget and the partner cap stay out of the way.
        "SMS_DAILY_BUDGET_PARTS": "100000",
        "PARTNER_TEXTS_PER_HOUR": "100000",
        # Every `POST /verify` comes from one address and texts a code: its limits stay out of the way too.
        "CUSTOMER_KEY_PARAMETER": CUSTOMER_KEY_PARAMETER,
        "CODE_TEXTS_PER_ADDRESS": "100000",
        "CODE_TEXTS_PER_RESERVATION": "100000",
    }


class Scenario:
    """Prepares, in this process and on the emulator, what each fresh-process run needs."""

    def __init__(self, endpoint: str) -> None:
        self._environment = function_environment(endpoint)
        os.environ.update(self._environment)

    def setup(self) -> None:
        import boto3

        from handlers.models.keyring import initial_document

        seed(
            table=TABLE,
            link_key_parameter=LINK_KEY_PARAMETER,
            origin_key_parameter=ORIGIN_KEY_PARAMETER,
            reservation_number=RESERVATION,
        )
        boto3.client("ssm").put_parameter(
            Name=CUSTOMER_KEY_PARAMETER,
            Type="SecureString",
            KeyId=boto3.client("kms").create_key()["KeyMetadata"]["Arn"],
            Value=json.dumps(initial_document(CUSTOMER_KEY_BASE64)),
        )
        boto3.client("stepfunctions").create_state_machine(
            name="firstcall",
            definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
            roleArn="arn:aws:iam::123456789012:role/firstcall",
        )
        self._context = _InProcessContext()
        self._seed_console_queue()

    def _seed_console_queue(self) -> None:
        """`CONSOLE_QUEUE` in the console's table, through the real handlers: questions handed over
        (`Created`), partners texted (`SMSSent`), links opened (`Opened`)."""
        import boto3

        from handlers import intake, partner_response
        from handlers.settings import reset_settings
        from handlers.store.schema import create_table_request

        boto3.client("dynamodb").create_table(**create_table_request(CONSOLE_TABLE))
        os.environ["TABLE_NAME"] = CONSOLE_TABLE
        reset_settings()
        try:
            for n in range(CONSOLE_QUEUE["Created"]):
                body = self._chat_body(f"{RESERVATION}-CONSOLE-{n}")  # the intake does not look it up
                intake.handler(event("chat.json", body=body), self._context)
            for n in range(CONSOLE_QUEUE["SMSSent"] + CONSOLE_QUEUE["Opened"]):
                _, token = self.texted_request(CONSOLE_TABLE)
                if n < CONSOLE_QUEUE["Opened"]:
                    partner_response.handler(event("confirm.json", TOKEN=token), self._context)
        finally:
            os.environ["TABLE_NAME"] = TABLE
            reset_settings()

    def environment(self, function: str) -> dict[str, str]:
        """What a fresh process of `function` (or its baseline) runs with."""
        if function == "admin":
            return {**self._environment, "TABLE_NAME": CONSOLE_TABLE}
        return self._environment

    def _chat_body(self, reservation: str = RESERVATION) -> dict[str, Any]:
        return {"customerPhone": "010-1234-5678", "reservationNumber": reservation, "message": MESSAGE}

    def _fresh_reservation(self, table: str = TABLE) -> str:
        """A reservation of its own for each request: one question per reservation waits at a time."""
        import boto3

        self._reservations = getattr(self, "_reservations", 0) + 1
        number = f"{RESERVATION}-{self._reservations:04d}"
        boto3.client("dynamodb").put_item(TableName=table, Item=reservation(number))
        return number

    def texted_request(self, table: str = TABLE) -> tuple[str, str]:
        """A request whose partner was texted, through the real handlers: (requestId, link token)."""
        from handlers import intake, orchestrator, sms_sender
        from handlers.clients import client
        from handlers.settings import get_settings

        body = self._chat_body(self._fresh_reservation(table))
        answer = intake.handler(event("chat.json", body=body), self._context)
        request_id = str(json.loads(answer["body"])["requestId"])
        orchestrator.handler({"requestId": request_id}, self._context)
        published: list[str] = []
        sns = client("sns", get_settings(), region=SMS_REGION)

        def keep(params: dict[str, Any], **_: Any) -> None:
            published.append(params["Message"])

        sns.meta.events.register("provide-client-params.sns.Publish", keep)
        try:
            sms_sender.handler({"requestId": request_id, "taskToken": "firstcall-task-token"}, self._context)
        finally:
            sns.meta.events.unregister("provide-client-params.sns.Publish", keep)
        return request_id, published[-1].rsplit("/", 1)[1]

    def inputs(self, function: str, run: str) -> tuple[dict[str, Any], dict[str, Any]]:
        """(the handler's event, the baseline's data) for one run of one function."""
        from handlers.models import link_token
        from handlers.store import keys

        if function == "admin":
            return self._console_event(), {
                "table": CONSOLE_TABLE,
                "statuses": list(CONSOLE_QUEUE),
                "limit": CONSOLE_PAGE,
                "originParameter": ORIGIN_KEY_PARAMETER,
            }
        if function == "verify":
            number = self._fresh_reservation()
            body = {"reservationNumber": number, "customerPhone": "010-1234-5678"}
            return event("verify.json", body=body), {
                "table": TABLE,
                "reservation": number,
                "originParameter": ORIGIN_KEY_PARAMETER,
                "customerParameter": CUSTOMER_KEY_PARAMETER,
                "phone": CUSTOMER_PHONE,
                "smsRegion": SMS_REGION,
            }
        if function == "intake":
            body = self._chat_body(f"{RESERVATION}-ASK-{run}")  # the intake does not look it up
            return event("chat.json", body=body), {
                "table": TABLE,
                "message": MESSAGE,
                "originParameter": ORIGIN_KEY_PARAMETER,
            }
        request_id, token = self.texted_request()
        if function == "status":
            return event("status.json", REQUEST_ID=request_id), {
                "table": TABLE,
                "requestId": request_id,
                "originParameter": ORIGIN_KEY_PARAMETER,
            }
        data = {
            "table": TABLE,
            "originParameter": ORIGIN_KEY_PARAMETER,
            "tokenKey": keys.token_key(link_token.digest(token)),
            "requestKey": keys.request_key(request_id),
            "keyParameter": LINK_KEY_PARAMETER,
            "run": run,
        }
        return event("confirm.json", TOKEN=token), data

    @staticmethod
    def _console_event() -> dict[str, Any]:
        """The console's first request once an operator signed in: the `open` queue, a page of rows."""
        loaded = event("admin.json")  # an operator's access-token claims, as the JWT authorizer hands them
        loaded["rawQueryString"] = f"limit={CONSOLE_PAGE}"
        loaded["queryStringParameters"] = {"limit": str(CONSOLE_PAGE)}
        return loaded

    def probe(
        self, emulator: Emulator, code: str, args: list[str], stdin: dict[str, Any], function: str
    ) -> dict[str, Any]:
        before = len(emulator.calls)
        out = subprocess.run(
            [sys.executable, "-c", code, *args],
            cwd=ROOT,
            input=json.dumps(stdin, ensure_ascii=False),
            capture_output=True,
            text=True,
            check=False,
            env=self.environment(function),
        )
        lines = [line for line in out.stdout.splitlines() if line.startswith("FIRSTCALL ")]
        if out.returncode or not lines:
            raise RuntimeError(f"probe failed ({' '.join(args) or 'baseline'}): {out.stderr[-2000:]}")
        result: dict[str, Any] = json.loads(lines[-1].removeprefix("FIRSTCALL "))
        result["calls"] = tuple(emulator.calls[before:])
        return result


MESSAGE = "예약 날짜를 다음 주 토요일로 바꿀 수 있을까요?"
ROUTES = {
    "admin": "GET /admin/requests",
    "intake": "POST /chat",
    "partner_response": "GET /confirm/{token}",
    "status": "GET /requests/{id}",
    "verify": "POST /verify",
}


class _InProcessContext:
    function_name = "firstcall-setup"
    function_version = "$LATEST"
    invoked_function_arn = f"arn:aws:lambda:{REGION}:123456789012:function:firstcall-setup"
    memory_limit_in_mb = 512
    aws_request_id = "00000000-0000-0000-0000-000000000000"
    log_group_name = "/aws/lambda/firstcall-setup"
    log_stream_name = "firstcall-setup"

    def get_remaining_time_in_millis(self) -> int:
        return 30_000


@contextmanager
def _this_process_on(endpoint: str) -> Iterator[None]:
    """The in-process setup talks to the emulator; afterwards the environment and caches are as before."""
    from handlers.clients import reset_clients
    from handlers.observability import logger, metrics
    from handlers.settings import reset_settings

    saved = dict(os.environ)
    reset_settings()
    reset_clients()
    try:
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
        reset_settings()
        reset_clients()
        # The setup's logger (at the default level) must not outlive it: later benches set their own.
        logger.cache_clear()
        metrics.cache_clear()


def measure(functions: tuple[str, ...] = tuple(ROUTES), runs: int = 15) -> list[FirstCall]:
    import logging

    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    with emulator() as (endpoint, app), _this_process_on(endpoint):
        scenario = Scenario(endpoint)
        with contextlib.redirect_stdout(io.StringIO()):
            scenario.setup()
        cases = [(function, side) for function in functions for side in ("handler", "baseline")]
        samples: dict[tuple[str, str], list[dict[str, Any]]] = {case: [] for case in cases}
        rng = random.Random(11)
        for round_number in range(runs + 1):  # the first round warms the bytecode cache and is dropped
            order = cases[:]
            rng.shuffle(order)
            for function, side in order:
                with contextlib.redirect_stdout(io.StringIO()):  # the setup's own log lines
                    event, data = scenario.inputs(function, f"{round_number}-{side}")
                if side == "handler":
                    result = scenario.probe(app, _HANDLER_PROBE, [f"handlers.{function}"], event, function)
                else:
                    result = scenario.probe(app, _BASELINES[function], [], data, function)
                if round_number:
                    samples[(function, side)].append(result)
    results = []
    for function in functions:
        ours, base = samples[(function, "handler")], samples[(function, "baseline")]
        results.append(
            FirstCall(
                function=function,
                route=ROUTES[function],
                seconds=statistics.median(s["seconds"] for s in ours),
                cpu=statistics.median(s["cpu"] for s in ours),
                import_seconds=statistics.median(s["import"] for s in ours),
                import_cpu=statistics.median(s["importCpu"] for s in ours),
                baseline_seconds=statistics.median(s["seconds"] for s in base),
                baseline_cpu=statistics.median(s["cpu"] for s in base),
                status=ours[-1].get("status"),
                pydantic=bool(ours[-1].get("pydantic")),
                round_ratios=tuple(o["cpu"] / b["cpu"] for o, b in zip(ours, base, strict=True)),
                calls=ours[-1]["calls"],
                baseline_calls=base[-1]["calls"],
            )
        )
    return results
