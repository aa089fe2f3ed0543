"""API Gateway HTTP API behaviour: route selection, payload format 2.0 events, proxy responses."""

from __future__ import annotations

import base64
import json
import time
import uuid
from dataclasses import dataclass
from typing import Any

from werkzeug.wrappers import Request

from local.deploy import ACCOUNT_ID, LocalRoute

_TEXT_TYPES = ("text/", "application/json", "application/javascript", "application/x-www-form-urlencoded")


@dataclass(frozen=True)
class RouteMatch:
    route: LocalRoute
    path_parameters: dict[str, str]


def _match_path(template: str, path: str) -> dict[str, str] | None:
    template_parts = template.strip("/").split("/") if template.strip("/") else []
    path_parts = path.strip("/").split("/") if path.strip("/") else []
    params: dict[str, str] = {}
    for index, part in enumerate(template_parts):
        if part.startswith("{") and part.endswith("+}"):
            if index >= len(path_parts):
                return None
            params[part[1:-2]] = "/".join(path_parts[index:])
            return params
        if index >= len(path_parts):
            return None
        if part.startswith("{") and part.endswith("}"):
            params[part[1:-1]] = path_parts[index]
        elif part != path_parts[index]:
            return None
    return params if len(template_parts) == len(path_parts) else None


def select_route(routes: list[LocalRoute], method: str, path: str) -> RouteMatch | None:
    """The most specific matching route, as API Gateway chooses it; `$default` last."""
    candidates: list[tuple[tuple[int, int, int], RouteMatch]] = []
    for route in routes:
        if route.route_key == "$default":
            candidates.append(((0, 0, 0), RouteMatch(route, {})))
            continue
        route_method, _, template = route.route_key.partition(" ")
        if route_method not in (method, "ANY"):
            continue
        params = _match_path(template, path)
        if params is None:
            continue
        literal = sum(1 for p in template.split("/") if p and not p.startswith("{"))
        greedy = 0 if template.endswith("+}") else 1
        candidates.append(
            ((1, greedy * 1000 + literal, int(route_method != "ANY")), RouteMatch(route, params))
        )
    if not candidates:
        return None
    return max(candidates, key=lambda c: c[0])[1]


def build_event(
    request: Request,
    *,
    route_key: str,
    raw_path: str,
    path_parameters: dict[str, str],
    api_id: str,
    stage: str,
    added_headers: dict[str, str] | None = None,
    source_ip: str | None = None,
) -> dict[str, Any]:
    """The payload format 2.0 event API Gateway sends a Lambda proxy integration.

    `added_headers` replace the viewer's headers of the same name (CloudFront's origin headers);
    `source_ip` is the client API Gateway sees (behind CloudFront, an edge server).
    """
    body_bytes = request.get_data(cache=True)
    content_type = request.headers.get("Content-Type", "")
    is_text = not body_bytes or content_type.startswith(_TEXT_TYPES)
    try:
        body = body_bytes.decode("utf-8") if is_text else None
    except UnicodeDecodeError:
        body = None
    headers: dict[str, str] = {}
    for name, value in request.headers.items():
        if name.lower() == "cookie":
            continue
        key = name.lower()
        headers[key] = f"{headers[key]},{value}" if key in headers else value
    for name, value in (added_headers or {}).items():
        headers[name.lower()] = value
    query: dict[str, str] = {}
    for name, values in request.args.lists():
        query[name] = ",".join(values)
    now = time.time()
    event: dict[str, Any] = {
        "version": "2.0",
        "routeKey": route_key,
        "rawPath": raw_path,
        "rawQueryString": request.query_string.decode("latin-1"),
        "headers": headers,
        "requestContext": {
            "accountId": ACCOUNT_ID,
            "apiId": api_id,
            "domainName": request.host,
            "domainPrefix": request.host.split(".")[0],
            "http": {
                "method": request.method,
                "path": raw_path,
                "protocol": request.environ.get("SERVER_PROTOCOL", "HTTP/1.1"),
                "sourceIp": source_ip or request.remote_addr or "127.0.0.1",
                "userAgent": request.headers.get("User-Agent", ""),
            },
            "requestId": base64.b32encode(uuid.uuid4().bytes[:10]).decode().rstrip("="),
            "routeKey": route_key,
            "stage": stage,
            "time": time.strftime("%d/%b/%Y:%H:%M:%S +0000", time.gmtime(now)),
            "timeEpoch": int(now * 1000),
        },
        "isBase64Encoded": body is None and bool(body_bytes),
    }
    cookies = request.headers.get("Cookie")
    if cookies:
        event["cookies"] = [c.strip() for c in cookies.split(";") if c.strip()]
    if query:
        event["queryStringParameters"] = query
    if path_parameters:
        event["pathParameters"] = path_parameters
    if body_bytes:
        event["body"] = body if body is not None else base64.b64encode(body_bytes).decode()
    return event


@dataclass(frozen=True)
class ProxyResponse:
    status: int
    headers: list[tuple[str, str]]
    body: bytes


def proxy_response(result: Any) -> ProxyResponse:
    """Turn a function's result into HTTP the way payload format 2.0 does (including its inference)."""
    if isinstance(result, dict) and "statusCode" in result:
        headers = [(str(k), str(v)) for k, v in (result.get("headers") or {}).items()]
        for name, values in (result.get("multiValueHeaders") or {}).items():
            headers.extend((str(name), str(v)) for v in values)
        headers.extend(("Set-Cookie", str(cookie)) for cookie in result.get("cookies") or [])
        raw = result.get("body")
        body = b"" if raw is None else str(raw).encode()
        if result.get("isBase64Encoded"):
            body = base64.b64decode(body)
        if not any(name.lower() == "content-type" for name, _ in headers):
            headers.append(("Content-Type", "application/json"))
        return ProxyResponse(int(result["statusCode"]), headers, body)
    body = result.encode() if isinstance(result, str) else json.dumps(result).encode()
    return ProxyResponse(200, [("Content-Type", "application/json")], body)


def gateway_error(status: int, message: str) -> ProxyResponse:
    """API Gateway's own error answers (not the function's)."""
    return ProxyResponse(
        status, [("Content-Type", "application/json")], json.dumps({"message": message}).encode()
    )
