"""One loopback port for the whole system: site, API, Lambda invoke, local tools, and the emulator."""

from __future__ import annotations

import fnmatch
import io
import json
import logging
import re
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from werkzeug.wrappers import Request, Response

from local import converse, emulator
from local.authorizer import Unauthorized, request_context, token_from, unauthorized_headers, verify
from local.deploy import (
    ACCOUNT_ID,
    COGNITO_PATH,
    EXECUTE_API_PATH,
    REGION,
    Deployment,
    LocalApi,
    LocalFunction,
    SiteObject,
)
from local.edge import Blocked, WebAcl, describe, origin_headers
from local.faults import FaultBook, FaultError
from local.gateway import ProxyResponse, build_event, gateway_error, proxy_response, select_route
from local.lambdas import FunctionNotFoundError, LambdaRunner
from local.outbox import OUTBOX_CSS, render_outbox

log = logging.getLogger("local.server")

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]

INVOKE_PATH = re.compile(r"^/2015-03-31/functions/(?P<function>[^/]+)/invocations/?$")
_CREDENTIAL = re.compile(r"Credential=[^/]+/\d{8}/(?P<region>[^/]+)/(?P<service>[^/]+)/")
_SIGNED_QUERY = ("X-Amz-Algorithm", "X-Amz-Credential")
_LOCALHOST = re.compile(r"^localhost(:\d+)?$", re.IGNORECASE)
# The address API Gateway sees behind CloudFront: an edge server's, never the visitor's (CloudFront's
# origin-facing range). The visitor's address arrives in `CloudFront-Viewer-Address`.
EDGE_SERVER_ADDRESS = "130.176.0.10"


def _json(data: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    body = json.dumps(data, ensure_ascii=False, default=str)
    return Response(body, status=status, headers=headers, content_type="application/json; charset=utf-8")


class LocalSystem:
    """The WSGI application behind the local port.

    moto is not thread-safe (its conditional writes are not atomic across threads), so every request
    into it runs under one lock. Lambda handlers run outside that lock: they call back into the
    emulator over HTTP on this same port. The lock is also what makes `local.emulator`'s repairs
    (no table copies per transaction, no model tracking) safe.
    """

    def __init__(self, moto_app: WsgiApp) -> None:
        emulator.install()
        self._moto_app = moto_app
        self._moto_lock = threading.Lock()
        self._stats_lock = threading.Lock()
        self.deployment: Deployment | None = None
        self.runner: LambdaRunner | None = None
        self.ready = False
        self.web_acl: WebAcl | None = None
        self.calls: Counter[str] = Counter()
        self.faults = FaultBook()
        self.converse: converse.ConverseStandIn | None = None  # BEDROCK=stand-in (local/converse.py)
        self.api_requests: Counter[str] = Counter()
        self._sms_sent_at: dict[str, str] = {}
        self._jwks: dict[str, dict[str, Any]] = {}  # by URL: API Gateway caches an issuer's keys too

    def activate(
        self, deployment: Deployment, runner: LambdaRunner, *, converse_stand_in: bool = False
    ) -> None:
        self.deployment, self.runner = deployment, runner
        if converse_stand_in:
            self.converse = converse.ConverseStandIn.for_deployment(deployment)
        self.faults.function_keys = {function.key for function in deployment.functions.values()}
        distribution = deployment.distributions[0] if deployment.distributions else {}
        acl_arn = distribution.get("webAclId")
        if acl_arn:
            if acl_arn not in deployment.web_acls:
                raise ValueError(
                    f"the distribution names web ACL {acl_arn}, which the program did not declare"
                )
            self.web_acl = WebAcl(deployment.web_acls[acl_arn])
            log.info("%s", describe(self.web_acl))

    def reset_counts(self) -> None:
        with self._stats_lock:
            self.calls.clear()
            self.api_requests.clear()
        if self.runner is not None:
            self.runner.reset_counts()

    # -- WSGI -------------------------------------------------------------------------------------

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        request = Request(environ)
        response = self._dispatch(request)
        return response(environ, start_response)

    def _dispatch(self, request: Request) -> Response:
        path, method = request.path, request.method
        # AWS SigV4 requests go to the emulator; `Authorization: Bearer` (the customer token) is the API's.
        authorization = request.headers.get("Authorization", "")
        signed = authorization.startswith("AWS4-") or any(k in request.args for k in _SIGNED_QUERY)
        localhost = _LOCALHOST.match(request.host)
        if localhost and not signed and method in ("GET", "HEAD"):
            # The pages' CSP and config.js name http://127.0.0.1:<port>; under `localhost` every API
            # call would be cross-origin and blocked, so send the browser to the origin they name.
            location = f"http://127.0.0.1{localhost.group(1) or ''}{request.full_path}".removesuffix("?")
            return Response(b"", status=307, headers={"Location": location})
        if path == EXECUTE_API_PATH or path.startswith(f"{EXECUTE_API_PATH}/"):
            return self._execute_api(request, path.removeprefix(EXECUTE_API_PATH) or "/")
        if path.startswith(COGNITO_PATH) or path == COGNITO_PATH.rstrip("/"):
            return self._cognito(request)
        if path.startswith("/_local/"):
            return self._local_tool(request)
        invoke = INVOKE_PATH.match(path)
        if invoke and method == "POST":
            return self._lambda_invoke(request, unquote(invoke["function"]))
        if signed and method == "POST" and self.converse is not None:
            model = _converse_model(request)
            if model is not None:
                return self._converse(request, self.converse, model)
        if not signed and not path.startswith("/moto-api"):
            edge = self._edge(request)
            if edge is not None:
                return edge
        return self._moto(request)

    # -- CloudFront and AWS WAF -------------------------------------------------------------------

    def _edge(self, request: Request) -> Response | None:
        """What the distribution does with a visitor's request: its web ACL, then the behaviour's origin.

        None hands the request to the emulator (an unsigned call that is not the site's or the API's).
        """
        deployment = self.deployment
        if deployment is None or not deployment.distributions:
            if request.path == "/api" or request.path.startswith("/api/"):
                return _proxy(gateway_error(503, "Service Unavailable"))
            return None
        distribution = deployment.distributions[0]
        behaviour = _behaviour(distribution, request.path)
        origin = _origin(distribution, behaviour)
        api = self._api_behind(deployment, origin)
        if api is None and (request.method not in ("GET", "HEAD") or not deployment.objects):
            return None
        if self.web_acl is not None:
            blocked = self.web_acl.check(request.remote_addr or "127.0.0.1")
            if blocked is not None:
                return _blocked(blocked)
        if api is not None:
            response = self._api(request, api, request.path, edge=origin_headers(origin))
            return self._origin_error(deployment, distribution, behaviour, response)
        return self._site(request, deployment, distribution, behaviour)

    @staticmethod
    def _api_behind(deployment: Deployment, origin: dict[str, Any]) -> LocalApi | None:
        """The HTTP API whose execute-api host is this origin's domain, if it is one."""
        domain = str(origin.get("domainName", ""))
        for api in deployment.apis.values():
            if urlsplit(api.endpoint).netloc == domain:
                return api
        return None

    def _execute_api(self, request: Request, path: str) -> Response:
        """A request straight to the API's execute-api URL: no edge, no origin headers."""
        deployment = self.deployment
        if deployment is None or not deployment.apis:
            return _proxy(gateway_error(503, "Service Unavailable"))
        return self._api(request, next(iter(deployment.apis.values())), path, edge=None)

    def _origin_error(
        self,
        deployment: Deployment,
        distribution: dict[str, Any],
        behaviour: dict[str, Any],
        response: Response,
    ) -> Response:
        """The distribution's custom error responses apply to every origin, the API's too."""
        codes = {int(rule.get("errorCode", 0)) for rule in distribution.get("customErrorResponses") or []}
        if response.status_code not in codes:
            return response
        status, page = self._error_page(deployment, distribution, response.status_code)
        if page is None:
            return response
        replaced = Response(page.body, status=status, content_type=page.content_type)
        for name, value in self._policy_headers(deployment, behaviour).items():
            replaced.headers[name] = value
        return replaced

    # -- Cognito ----------------------------------------------------------------------------------

    def _cognito(self, request: Request) -> Response:
        """The pages' path to Cognito's JSON API (`https://cognito-idp.<region>.amazonaws.com/` on AWS):
        the emulator's cognito-idp, as if the request had gone to that host."""
        environ = dict(request.environ)
        environ["PATH_INFO"] = "/"
        environ["HTTP_HOST"] = f"cognito-idp.{REGION}.amazonaws.com"
        return self._moto(Request(environ))

    def issuer_keys(self, url: str) -> dict[str, Any]:
        """The JWKS at `url` (`https://cognito-idp.<region>.amazonaws.com/<pool>/.well-known/jwks.json`),
        fetched from the emulator as API Gateway fetches it from the issuer, and kept."""
        keys = self._jwks.get(url)
        if keys is None:
            from werkzeug.test import EnvironBuilder

            builder = EnvironBuilder(url, method="GET")
            try:
                answer = self._moto(Request(builder.get_environ()))
            finally:
                builder.close()
            if answer.status_code != 200:
                raise ValueError(f"the issuer's JWKS at {url} answered {answer.status_code}")
            keys = self._jwks[url] = dict(json.loads(answer.get_data()))
        return keys

    # -- the emulator -----------------------------------------------------------------------------

    def keep_up(self) -> None:
        """Run the emulator's periodic repairs even while no request comes (a demo between visitors): ended
        executions compacted, freed memory given back, expired items removed. Runs for the process's life."""
        while True:
            time.sleep(emulator.COMPACT_EVERY_SECONDS)
            with self._moto_lock:
                emulator.after_call()

    def _moto(self, request: Request) -> Response:
        data = request.get_data(cache=True)
        environ = dict(request.environ)
        environ["wsgi.input"] = io.BytesIO(data)
        environ["CONTENT_LENGTH"] = str(len(data))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        operation = _operation(request, data)
        with self._moto_lock:
            response = Response.from_app(self._moto_app, environ, buffered=True)
            emulator.after_call()
            if operation == "sns.Publish":
                self._stamp_sms()
        with self._stats_lock:
            self.calls[operation] += 1
        return response

    def _sms_backends(self) -> list[Any]:
        from moto.sns.models import sns_backends

        return list(sns_backends[ACCOUNT_ID].values())

    def _stamp_sms(self) -> None:
        # moto keeps no timestamp for SMS; record when each one went through the emulator.
        now = datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
        for backend in self._sms_backends():
            for message_id in backend.sms_messages:
                self._sms_sent_at.setdefault(message_id, now)

    def sms_messages(self) -> list[dict[str, str]]:
        with self._moto_lock:
            messages = [
                (self._sms_sent_at.get(message_id, ""), phone, body)
                for backend in self._sms_backends()
                for message_id, (phone, body) in list(backend.sms_messages.items())
            ]
        messages.sort(key=lambda m: m[0])
        return [{"to": phone, "body": body, "sentAt": sent_at} for sent_at, phone, body in messages]

    # -- Bedrock Runtime (the stand-in) -----------------------------------------------------------

    def _converse(self, request: Request, stand_in: converse.ConverseStandIn, model_id: str) -> Response:
        """`POST /model/{modelId}/converse` from a function's bedrock-runtime client: the stand-in answers
        (`local/converse.py`); moto has no Bedrock Runtime."""
        with self._stats_lock:
            self.calls[converse.OPERATION] += 1
        try:
            body = json.loads(request.get_data() or b"{}")
        except ValueError:
            body = None
        answer = stand_in.answer(model_id, body)
        headers = {"x-amzn-RequestId": "local-converse-stand-in"}
        if answer.error_type is not None:
            headers["x-amzn-ErrorType"] = answer.error_type
        return _json(answer.body, status=answer.status, headers=headers)

    # -- Lambda -----------------------------------------------------------------------------------

    def _lambda_invoke(self, request: Request, reference: str) -> Response:
        with self._stats_lock:
            self.calls["lambda.Invoke"] += 1
        runner = self.runner
        if runner is None:
            return _aws_error(503, "ServiceException", "the local runtime is still starting")
        try:
            function = runner.resolve(reference)
        except FunctionNotFoundError:
            arn = reference if reference.startswith("arn:") else f"function {reference}"
            return _aws_error(404, "ResourceNotFoundException", f"Function not found: {arn}")
        try:
            event = json.loads(request.get_data() or b"{}")
        except ValueError:
            return _aws_error(400, "InvalidRequestContentException", "Could not parse request body into json")
        invocation_type = request.headers.get("X-Amz-Invocation-Type", "RequestResponse")
        if invocation_type == "Event":
            runner.invoke_async(function, event)
            return Response(b"", status=202)
        if invocation_type == "DryRun":
            return Response(b"", status=204)
        result = runner.invoke(function, event)
        headers = {"X-Amz-Executed-Version": "$LATEST"}
        if result.error is not None:
            headers["X-Amz-Function-Error"] = "Unhandled"
            return _json(result.error, headers=headers)
        return Response(json.dumps(result.payload), headers=headers, content_type="application/json")

    # -- API Gateway ------------------------------------------------------------------------------

    def _api(
        self, request: Request, api: LocalApi, raw_path: str, *, edge: dict[str, str] | None
    ) -> Response:
        """API Gateway at `raw_path` of its endpoint; `edge` holds the origin's custom headers when the
        request came through CloudFront, None when it came straight to execute-api."""
        deployment, runner = self.deployment, self.runner
        if deployment is None or runner is None:
            return _proxy(gateway_error(503, "Service Unavailable"))
        stage = "$default" if "$default" in api.stage_names or not api.stage_names else api.stage_names[0]
        route_path = raw_path
        if stage != "$default":
            # A named stage is the first path segment; the event's rawPath keeps it, as on AWS.
            if raw_path != f"/{stage}" and not raw_path.startswith(f"/{stage}/"):
                return _proxy(gateway_error(404, "Not Found"))
            route_path = raw_path.removeprefix(f"/{stage}") or "/"
        if request.method == "OPTIONS" and api.cors and "Access-Control-Request-Method" in request.headers:
            return self._preflight(request, api)
        routes = [r for r in deployment.routes if r.api_id == api.api_id]
        match = select_route(routes, request.method, route_path)
        if match is None:
            return self._with_cors(request, api, _proxy(gateway_error(404, "Not Found")))
        route_key = match.route.route_key
        with self._stats_lock:
            self.api_requests[route_key] += 1
        function = self._route_function(deployment, runner, api, match.route.target, route_key, stage)
        if function is None:
            return self._with_cors(request, api, _proxy(gateway_error(500, "Internal Server Error")))
        authorizer: dict[str, Any] | None = None
        if match.route.authorization_type == "JWT":
            checked = self._authorize(request, deployment, match.route.authorizer_id, route_key)
            if isinstance(checked, Response):
                return self._with_cors(request, api, checked)
            authorizer = checked
        elif match.route.authorization_type != "NONE":
            log.error(
                "route %r: authorization %s is not played locally", route_key, match.route.authorization_type
            )
            return self._with_cors(request, api, _proxy(gateway_error(500, "Internal Server Error")))
        viewer = request.remote_addr or "127.0.0.1"
        # What CloudFront adds: the origin's custom headers, the visitor's address (the managed origin
        # request policy forwards CloudFront's headers), and itself as the client API Gateway sees.
        cloudfront = {
            **(edge or {}),
            "CloudFront-Viewer-Address": f"{viewer}:{request.environ.get('REMOTE_PORT', '0')}",
            "X-Forwarded-For": viewer,
            "Via": "2.0 local.cloudfront.net (CloudFront)",
        }
        event = build_event(
            request,
            route_key=route_key,
            raw_path=raw_path,
            path_parameters=match.path_parameters,
            api_id=api.api_id,
            stage=stage,
            added_headers=cloudfront if edge is not None else None,
            source_ip=EDGE_SERVER_ADDRESS if edge is not None else None,
        )
        if authorizer is not None:
            event["requestContext"]["authorizer"] = authorizer
        result = runner.invoke(function, event)
        if result.error is not None:
            return self._with_cors(request, api, _proxy(gateway_error(500, "Internal Server Error")))
        try:
            response = proxy_response(result.payload)
        except (TypeError, ValueError):
            log.exception("function %s returned a response API Gateway cannot read", function.logical_name)
            response = gateway_error(500, "Internal Server Error")
        return self._with_cors(request, api, _proxy(response))

    def _authorize(
        self, request: Request, deployment: Deployment, authorizer_id: str | None, route_key: str
    ) -> dict[str, Any] | Response:
        """The route's JWT authorizer: the event's `requestContext.authorizer`, or API Gateway's 401."""
        authorizer = deployment.authorizers.get(str(authorizer_id))
        if authorizer is None:
            log.error(
                "route %r names authorizer %r, which the program did not declare", route_key, authorizer_id
            )
            return _proxy(gateway_error(500, "Internal Server Error"))
        try:
            token = token_from(dict(request.headers.items()), authorizer.identity_source)
            claims = verify(token, authorizer, self.issuer_keys(authorizer.jwks_url))
        except Unauthorized as refused:
            body = json.dumps({"message": "Unauthorized"}).encode()
            return _proxy(ProxyResponse(401, unauthorized_headers(str(refused)), body))
        except ValueError:
            log.exception("route %r: the authorizer cannot check tokens", route_key)
            return _proxy(gateway_error(500, "Internal Server Error"))
        return request_context(claims)

    def _route_function(
        self,
        deployment: Deployment,
        runner: LambdaRunner,
        api: LocalApi,
        target: str | None,
        route_key: str,
        stage: str,
    ) -> LocalFunction | None:
        """The function behind a route, or None (logged) where API Gateway would answer 500."""
        integration = deployment.integrations.get((target or "").removeprefix("integrations/"))
        if integration is None or integration.api_id != api.api_id:
            log.error("route %r targets %r, which is not an integration of this API", route_key, target)
            return None
        if integration.integration_type != "AWS_PROXY":
            log.error(
                "route %r: integration type %s is not played locally", route_key, integration.integration_type
            )
            return None
        if integration.payload_format_version != "2.0":
            log.error(
                "route %r: integration sends payload format %s; the handlers read 2.0",
                route_key,
                integration.payload_format_version,
            )
            return None
        uri = integration.uri
        if "/functions/" in uri:
            uri = uri.split("/functions/", 1)[1].removesuffix("/invocations")
        try:
            function = runner.resolve(uri)
        except FunctionNotFoundError:
            log.error("route %r: integration URI %s names no deployed function", route_key, integration.uri)
            return None
        method, _, template = route_key.partition(" ")
        invoked_as = f"{api.execution_arn}/{stage}/" + (
            "$default" if route_key == "$default" else f"{method}{template}"
        )
        allowed = any(
            permission.principal == "apigateway.amazonaws.com"
            and permission.action == "lambda:InvokeFunction"
            and permission.function in (function.name, function.arn)
            and (permission.source_arn is None or fnmatch.fnmatchcase(invoked_as, permission.source_arn))
            for permission in deployment.permissions
        )
        if not allowed:
            log.error("route %r: API Gateway has no permission to invoke %s", route_key, function.name)
            return None
        return function

    def _preflight(self, request: Request, api: LocalApi) -> Response:
        cors = api.cors or {}
        origin = request.headers.get("Origin", "")
        headers: dict[str, str] = {}
        if origin and (origin in (cors.get("allowOrigins") or []) or "*" in (cors.get("allowOrigins") or [])):
            headers["Access-Control-Allow-Origin"] = origin
            headers["Access-Control-Allow-Methods"] = ",".join(cors.get("allowMethods") or [])
            headers["Access-Control-Allow-Headers"] = ",".join(cors.get("allowHeaders") or [])
            if cors.get("maxAge"):
                headers["Access-Control-Max-Age"] = str(cors["maxAge"])
        return Response(b"", status=204, headers=headers)

    def _with_cors(self, request: Request, api: LocalApi, response: Response) -> Response:
        origin = request.headers.get("Origin")
        allowed = (api.cors or {}).get("allowOrigins") or []
        if origin and (origin in allowed or "*" in allowed):
            response.headers["Access-Control-Allow-Origin"] = origin
        return response

    # -- CloudFront and the site bucket -----------------------------------------------------------

    def _site(
        self,
        request: Request,
        deployment: Deployment,
        distribution: dict[str, Any],
        behaviour: dict[str, Any],
    ) -> Response:
        path = _viewer_request_rewrite(deployment, behaviour, request.path)
        if path == "/":
            path = "/" + str(distribution.get("defaultRootObject") or "")
        obj = self._site_object(deployment, distribution, path.lstrip("/"))
        status = 200
        if obj is None:
            # A private bucket behind origin access control answers 403 for keys it does not have;
            # the distribution's custom error responses then decide what the visitor sees.
            status, obj = self._error_page(deployment, distribution, 403)
            if obj is None:
                return Response(_ACCESS_DENIED, status=403, content_type="application/xml")
        response = Response(obj.body, status=status, content_type=obj.content_type)
        if obj.cache_control:
            response.headers["Cache-Control"] = obj.cache_control
        for name, value in self._policy_headers(deployment, behaviour).items():
            response.headers[name] = value
        return response

    @staticmethod
    def _site_object(deployment: Deployment, distribution: dict[str, Any], key: str) -> SiteObject | None:
        buckets = {bucket for bucket, _ in deployment.objects}
        for origin in distribution.get("origins") or []:
            bucket = str(origin.get("domainName", "")).split(".s3.", 1)[0]
            if bucket in buckets:
                return deployment.objects.get((bucket, key))
        if len(buckets) == 1:
            return deployment.objects.get((next(iter(buckets)), key))
        return None

    @classmethod
    def _error_page(
        cls, deployment: Deployment, distribution: dict[str, Any], origin_status: int
    ) -> tuple[int, SiteObject | None]:
        """CloudFront's custom error response for an origin status: the page, and the status it gets."""
        for rule in distribution.get("customErrorResponses") or []:
            if int(rule.get("errorCode", 0)) != origin_status or not rule.get("responsePagePath"):
                continue
            page = cls._site_object(deployment, distribution, str(rule["responsePagePath"]).lstrip("/"))
            return int(rule.get("responseCode") or origin_status), page
        return origin_status, None

    @staticmethod
    def _policy_headers(deployment: Deployment, behaviour: dict[str, Any]) -> dict[str, str]:
        policy = deployment.response_headers_policies.get(str(behaviour.get("responseHeadersPolicyId")))
        if policy is None:
            return {}
        headers: dict[str, str] = {}
        security = policy.get("securityHeadersConfig") or {}
        if csp := (security.get("contentSecurityPolicy") or {}).get("contentSecurityPolicy"):
            headers["Content-Security-Policy"] = str(csp)
        if security.get("contentTypeOptions") is not None:
            headers["X-Content-Type-Options"] = "nosniff"
        if frame := (security.get("frameOptions") or {}).get("frameOption"):
            headers["X-Frame-Options"] = str(frame)
        if referrer := (security.get("referrerPolicy") or {}).get("referrerPolicy"):
            headers["Referrer-Policy"] = str(referrer)
        for item in (policy.get("customHeadersConfig") or {}).get("items") or []:
            headers[str(item["header"])] = str(item["value"])
        return headers

    # -- local tools ------------------------------------------------------------------------------

    def _faults_tool(self, request: Request) -> Response:
        """`/_local/faults`: GET lists the active faults, POST adds one, DELETE clears them all."""
        if request.method == "GET":
            return _json(self.faults.active())
        if request.method == "DELETE":
            self.faults.clear()
            return Response(b"", status=204)
        if request.method != "POST":
            return _json({"error": "BAD_REQUEST", "message": "GET, POST, DELETE만 됩니다"}, status=405)
        try:
            spec = json.loads(request.get_data() or b"null")
        except ValueError:
            return _json({"error": "BAD_REQUEST", "message": "JSON을 읽을 수 없습니다", "field": "body"}, 400)
        try:
            fault = self.faults.add(spec)
        except FaultError as exc:
            return _json({"error": "BAD_REQUEST", "message": str(exc), "field": exc.field}, status=400)
        log.warning("fault injected: %s", json.dumps(fault, ensure_ascii=False))
        return _json(fault, status=201)

    def _local_tool(self, request: Request) -> Response:
        path = request.path.removeprefix("/_local")
        if path == "/health":
            return _json({"status": "ready" if self.ready else "starting"}, status=200 if self.ready else 503)
        if not self.ready or self.deployment is None:
            return _json({"status": "starting"}, status=503)
        if path == "/sms":
            # `?since=N` skips the N oldest (the list only grows at its end): a poller fetches what is new.
            since = request.args.get("since", "0")
            if not since.isdigit():
                return _json({"error": "since must be a count of texts already read"}, status=400)
            return _json(self.sms_messages()[int(since) :])
        if path == "/outbox":
            partners = {
                str(row["partnerPhone"]): str(row["partnerName"])
                for row in self.deployment.reservations()
                if row.get("partnerPhone") and row.get("partnerName")
            }
            html = render_outbox(self.sms_messages(), partners)
            headers = {"Cache-Control": "no-store", "Content-Security-Policy": "default-src 'self'"}
            return Response(html, content_type="text/html; charset=utf-8", headers=headers)
        if path == "/outbox.css":
            return Response(OUTBOX_CSS, content_type="text/css; charset=utf-8")
        if path == "/reservations":
            return _json(self.deployment.reservations())
        if path == "/outputs":
            return _json(self.deployment.outputs)
        if path == "/calls" and request.method == "GET":
            with self._stats_lock:
                calls, api = dict(self.calls), dict(self.api_requests)
            invocations = self.runner.invocation_counts() if self.runner else {}
            return _json({"aws": calls, "invocations": invocations, "api": api})
        if path == "/faults":
            return self._faults_tool(request)
        if path == "/calls/reset" and request.method == "POST":
            self.reset_counts()
            return Response(b"", status=204)
        return _json({"error": "NOT_FOUND", "message": "없는 경로입니다"}, status=404)


def _operation(request: Request, data: bytes) -> str:
    """`service.Operation` of an AWS API call, from its signature and protocol."""
    credential = _CREDENTIAL.search(request.headers.get("Authorization", ""))
    service = credential["service"] if credential else "unknown"
    target = request.headers.get("X-Amz-Target")
    if target:
        return f"{service}.{target.rsplit('.', 1)[-1]}"
    if "Action" in request.args:
        return f"{service}.{request.args['Action']}"
    if request.mimetype == "application/x-www-form-urlencoded":
        action = parse_qs(data.decode("utf-8", "replace")).get("Action")
        if action:
            return f"{service}.{action[0]}"
    return f"{service}.{request.method}"


def _converse_model(request: Request) -> str | None:
    """The model id of a Bedrock Runtime `Converse` call (signed for `bedrock`), else None."""
    credential = _CREDENTIAL.search(request.headers.get("Authorization", ""))
    if credential is None or credential["service"] != "bedrock":
        return None
    # The raw path: a model ARN's `/` arrives encoded (%2F) and must not split the path.
    raw = str(request.environ.get("RAW_URI") or request.environ.get("REQUEST_URI") or request.path)
    match = converse.PATH.match(raw.split("?", 1)[0])
    return unquote(match["model"]) if match else None


def _origin(distribution: dict[str, Any], behaviour: dict[str, Any]) -> dict[str, Any]:
    target = behaviour.get("targetOriginId")
    for origin in distribution.get("origins") or []:
        if origin.get("originId") == target:
            return dict(origin)
    return {}


def _blocked(blocked: Blocked) -> Response:
    response = Response(blocked.body, status=blocked.status)
    response.headers.clear()
    for name, value in blocked.headers:
        response.headers.add(name, value)
    return response


def _behaviour(distribution: dict[str, Any], path: str) -> dict[str, Any]:
    """The cache behaviour CloudFront picks for `path`: the first matching ordered one, else the default."""
    for ordered in distribution.get("orderedCacheBehaviors") or []:
        if fnmatch.fnmatchcase(path, str(ordered.get("pathPattern", ""))):
            return dict(ordered)
    return dict(distribution.get("defaultCacheBehavior") or {})


_URI_ASSIGNMENT = re.compile(r"request\.uri\s*=\s*['\"](?P<uri>/[^'\"]*)['\"]")
_URI_EQUALS = re.compile(r"request\.uri\s*===\s*['\"](?P<uri>/[^'\"]*)['\"]")


def _viewer_request_rewrite(deployment: Deployment, behaviour: dict[str, Any], path: str) -> str:
    """Apply the URI rewrite of the behaviour's viewer-request CloudFront Function, if it has one.

    Only the function's literal `request.uri = '/...'` is played (no JavaScript engine here), guarded by
    its literal `request.uri === '/...'` tests when it has any (the console's `/admin/` -> its page, while
    `/admin/admin.js` passes); the behaviour's path pattern decides where it applies, as on CloudFront.
    """
    for association in behaviour.get("functionAssociations") or []:
        if association.get("eventType") != "viewer-request":
            continue
        code = deployment.edge_functions.get(str(association.get("functionArn")), "")
        match = _URI_ASSIGNMENT.search(code)
        guards = {found["uri"] for found in _URI_EQUALS.finditer(code)}
        if match and (not guards or path in guards):
            return match["uri"]
    return path


_ACCESS_DENIED = (
    b"<?xml version='1.0' encoding='UTF-8'?>"
    b"<Error><Code>AccessDenied</Code><Message>Access Denied</Message></Error>"
)


def _aws_error(status: int, code: str, message: str) -> Response:
    return _json(
        {"Type": "User", "message": message, "__type": code},
        status=status,
        headers={"x-amzn-ErrorType": code},
    )


def _proxy(response: ProxyResponse) -> Response:
    result = Response(response.body, status=response.status)
    result.headers.clear()
    for name, value in response.headers:
        result.headers.add(name, value)
    return result
