"""StaticSite: the customer and partner pages on a private bucket behind CloudFront."""

from __future__ import annotations

import html
import json
import mimetypes
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, cast
from urllib.parse import urlsplit

import pulumi
import pulumi_aws as aws

from components import iam

CONFIG_JS: Final = "config.js"
# AWS managed cache policies (fixed ids, so no lookup is needed).
CACHING_OPTIMIZED: Final = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED: Final = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
# AWS managed origin request policy: every viewer header, query string and cookie but `Host` (API Gateway
# must see its own host). With caching disabled it also forwards `Authorization`.
ALL_VIEWER_EXCEPT_HOST_HEADER: Final = "b689b0a8-53d0-40ab-baf2-68738e2966ac"
ALL_METHODS: Final = ("GET", "HEAD", "OPTIONS", "PUT", "POST", "PATCH", "DELETE")
# CloudFront adds this header, with a generated secret, to every request it sends the API; the API
# functions refuse a request without it (docs/contracts.md, "The edge").
ORIGIN_HEADER: Final = "X-Origin-Verify"
# The web ACL (scope CLOUDFRONT, which AWS only accepts in us-east-1).
WAF_REGION: Final = "us-east-1"
RATE_RULE: Final = "rate-per-address"
RATE_WINDOW_SECONDS: Final = 60
RATE_LIMITED_BODY_KEY: Final = "rate-limited"
RATE_LIMITED_MESSAGE: Final = "요청이 너무 많습니다. 1분 뒤에 다시 시도해 주세요."
HSTS_SECONDS: Final = 63_072_000

CONTENT_TYPES: Final[dict[str, str]] = {
    ".html": "text/html; charset=utf-8",
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".json": "application/json",
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".ico": "image/x-icon",
    ".webmanifest": "application/manifest+json",
    ".txt": "text/plain; charset=utf-8",
}

# `/r/<token>` is the partner link: serve the partner page, which reads the token from the address.
PARTNER_LINK_REWRITE: Final = """\
function handler(event) {
  var request = event.request;
  if (request.uri.indexOf('/r/') === 0) {
    request.uri = '/confirm.html';
  }
  return request;
}
"""


# The operator console's page: `/admin` and `/admin/` serve `/admin/index.html` (CloudFront's default root
# object only applies to `/`). The page and its files get their own headers: the page talks to Cognito too.
CONSOLE_PATH: Final = "/admin/"
CONSOLE_INDEX_REWRITE: Final = """\
function handler(event) {
  var request = event.request;
  if (request.uri === '/admin' || request.uri === '/admin/') {
    request.uri = '/admin/index.html';
  }
  return request;
}
"""

NOT_FOUND_PAGE = "/404.html"
# Short, so a file published after someone mistyped its address is not hidden for long.
NOT_FOUND_CACHE_SECONDS = 10


def content_type(path: Path) -> str:
    return (
        CONTENT_TYPES.get(path.suffix.lower())
        or mimetypes.guess_type(path.name)[0]
        or "application/octet-stream"
    )


def cache_control(key: str) -> str:
    # Pages and the generated config must follow a deployment at once; the rest may be cached briefly.
    if key.endswith(".html") or key == CONFIG_JS:
        return "no-cache"
    return "public, max-age=300"


def site_files(site_dir: Path) -> dict[str, Path]:
    """Object key -> file for every file of `site/` but a local `config.js` (the stack generates its own)."""
    if not site_dir.is_dir():
        return {}
    files = {}
    for path in sorted(site_dir.rglob("*")):
        key = path.relative_to(site_dir).as_posix()
        if path.is_file() and key != CONFIG_JS and not any(part.startswith(".") for part in key.split("/")):
            files[key] = path
    return files


def config_js(
    api_url: str,
    brand_name: str,
    support_phone: str,
    customer_verification: str = "sms",
    console: Mapping[str, str] | None = None,
) -> str:
    """`site/config.js` as the pages read it (docs/contracts.md, "Site"). `console`: what the operator
    console signs in with (`region`, `userPoolId`, `clientId`, `cognitoEndpoint`)."""
    values: dict[str, Any] = {
        "apiBaseUrl": api_url.rstrip("/"),
        "brandName": brand_name,
        "supportPhone": support_phone,
        "customerVerification": customer_verification,
    }
    if console is not None:
        values["console"] = dict(console)
    config = json.dumps(values, ensure_ascii=False)
    return f"window.PARTNER_CONFIRM_CONFIG = {config};\n"


# Pages that run no script (the 404 page must render even where scripts fail), so the deployment writes the
# stack's brand and support phone into them instead of `config.js`.
TEMPLATED_PAGES: Final = frozenset({"404.html"})


def static_page(template: str, brand_name: str, support_phone: str) -> str:
    """A page of `TEMPLATED_PAGES` (`site/404.html`) with `{{brandName}}`, `{{supportPhone}}` and
    `{{supportTel}}` (the number to dial) filled in, HTML-escaped, as `site/common.js` shows them."""
    values = {
        "brandName": brand_name,
        "supportPhone": support_phone,
        "supportTel": re.sub(r"[^\d+]", "", support_phone),
    }
    return re.sub(r"\{\{(\w+)\}\}", lambda found: html.escape(values[found.group(1)]), template)


def content_security_policy(connect: tuple[str, ...] = ()) -> str:
    """Same-origin pages with no inline code; the API is on the same origin (`/api/*`), so nothing else.

    `connect`: further endpoints the page may call (the console's Cognito endpoint), exactly as given.
    """
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "connect-src": " ".join(("'self'", *connect)),
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def api_origin_domain(api_endpoint: str) -> str:
    """The host of the API's execute-api endpoint (`https://<id>.execute-api.<region>.amazonaws.com`)."""
    return urlsplit(api_endpoint).netloc


def rate_limited_body() -> str:
    """The web ACL's answer to an address over its rate: the API's own error shape, in Korean."""
    return json.dumps({"error": "RATE_LIMITED", "message": RATE_LIMITED_MESSAGE}, ensure_ascii=False)


def _visibility(metric: str) -> dict[str, Any]:
    return {"cloudwatch_metrics_enabled": True, "metric_name": metric, "sampled_requests_enabled": True}


def web_acl_rules(rate_limit: int) -> list[dict[str, Any]]:
    """The web ACL's rules, in evaluation order: known-bad addresses, the rate per address, then inputs."""

    def managed(priority: int, group: str) -> dict[str, Any]:
        return {
            "name": group,
            "priority": priority,
            # Keep the group's own actions (block); `count` here would only watch.
            "override_action": {"none": {}},
            "statement": {"managed_rule_group_statement": {"vendor_name": "AWS", "name": group}},
            "visibility_config": _visibility(group),
        }

    rate = {
        "name": RATE_RULE,
        "priority": 1,
        "action": {
            "block": {
                "custom_response": {
                    "response_code": 429,
                    "custom_response_body_key": RATE_LIMITED_BODY_KEY,
                    "response_headers": [{"name": "Retry-After", "value": str(RATE_WINDOW_SECONDS)}],
                }
            }
        },
        "statement": {
            "rate_based_statement": {
                "limit": rate_limit,
                "aggregate_key_type": "IP",
                "evaluation_window_sec": RATE_WINDOW_SECONDS,
            }
        },
        "visibility_config": _visibility(RATE_RULE),
    }
    return [
        managed(0, "AWSManagedRulesAmazonIpReputationList"),
        rate,
        managed(2, "AWSManagedRulesCommonRuleSet"),
        managed(3, "AWSManagedRulesKnownBadInputsRuleSet"),
    ]


@dataclass(frozen=True, kw_only=True)
class StaticSiteArgs:
    site_dir: Path
    """The directory whose files are published (`site/`)."""
    api_endpoint: pulumi.Input[str]
    """The HTTP API's execute-api endpoint: the origin of `/<api_stage>/*`."""
    api_stage: str
    """The API stage, named as the path the site serves the API under (`api`: `/api/chat` -> `/chat`)."""
    origin_secret: pulumi.Input[str]
    """What CloudFront sends the API in the origin header (the stack's `origin` secret, kept secret)."""
    waf_rate_limit: int | None = None
    """Requests per address and minute the web ACL lets through; None: no web ACL."""
    brand_name: str
    """The service's name, shown by the pages (`config.js`)."""
    support_phone: str
    """The number the pages tell people to call (`config.js`)."""
    force_destroy: bool = True
    """Let `pulumi destroy` empty the bucket (off when the stack is deletion-protected)."""
    customer_verification: str = "sms"
    """Whether the customer page asks for a texted code before a question (`sms` | `off`)."""
    console_config: pulumi.Input[Mapping[str, str]] | None = None
    """The operator console's sign-in settings for `config.js` (`OperatorConsole.page_config`)."""
    cognito_endpoint: str | None = None
    """The Cognito endpoint the console page calls: the only other origin its CSP lets it reach."""


class StaticSite(pulumi.ComponentResource):
    """Private bucket (OAC only), CloudFront over HTTPS, security headers, the pages and `config.js`, the
    API under `/api/*` on the same origin, and an optional WAF web ACL in front of both."""

    bucket_name: pulumi.Output[str]
    distribution_id: pulumi.Output[str]
    domain_name: pulumi.Output[str]
    origin: pulumi.Output[str]
    partner_link_base: pulumi.Output[str]
    api_url: pulumi.Output[str]
    web_acl_arn: pulumi.Output[str] | None

    def __init__(self, name: str, args: StaticSiteArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("partnerconfirm:index:StaticSite", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        bucket = aws.s3.Bucket(f"{name}-bucket", force_destroy=args.force_destroy, opts=child)
        ownership = aws.s3.BucketOwnershipControls(
            f"{name}-ownership",
            bucket=bucket.id,
            rule={"object_ownership": "BucketOwnerEnforced"},
            opts=child,
        )
        public_access = aws.s3.BucketPublicAccessBlock(
            f"{name}-public-access-block",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child,
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-encryption",
            bucket=bucket.id,
            rules=[{"apply_server_side_encryption_by_default": {"sse_algorithm": "AES256"}}],
            opts=child,
        )
        access_control = aws.cloudfront.OriginAccessControl(
            f"{name}-oac",
            description="partner-confirm site bucket",
            origin_access_control_origin_type="s3",
            signing_behavior="always",
            signing_protocol="sigv4",
            opts=child,
        )
        rewrite = aws.cloudfront.Function(
            f"{name}-partner-link-rewrite",
            runtime="cloudfront-js-2.0",
            comment="Serve the partner page for /r/<token>",
            code=PARTNER_LINK_REWRITE,
            publish=True,
            opts=child,
        )
        security_headers: aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgsDict = {
            "content_security_policy": {
                "content_security_policy": content_security_policy(),
                "override": True,
            },
            "content_type_options": {"override": True},
            "frame_options": {"frame_option": "DENY", "override": True},
            # Partner pages carry the token in their address: never send it on.
            "referrer_policy": {"referrer_policy": "no-referrer", "override": True},
            "strict_transport_security": {
                "access_control_max_age_sec": HSTS_SECONDS,
                "include_subdomains": True,
                "override": True,
            },
        }
        page_headers = aws.cloudfront.ResponseHeadersPolicy(
            f"{name}-headers",
            comment="partner-confirm pages: security headers",
            security_headers_config=security_headers,
            opts=child,
        )
        console_security: aws.cloudfront.ResponseHeadersPolicySecurityHeadersConfigArgsDict = {
            **security_headers,
            "content_security_policy": {
                "content_security_policy": content_security_policy(
                    (args.cognito_endpoint,) if args.cognito_endpoint else ()
                ),
                "override": True,
            },
        }
        console_headers = aws.cloudfront.ResponseHeadersPolicy(
            f"{name}-console-headers",
            comment="partner-confirm operator console: security headers, Cognito reachable, never stored",
            security_headers_config=console_security,
            custom_headers_config={
                "items": [{"header": "Cache-Control", "value": "no-store", "override": True}],
            },
            opts=child,
        )
        console_rewrite = aws.cloudfront.Function(
            f"{name}-console-index",
            runtime="cloudfront-js-2.0",
            comment="Serve the operator console for /admin/",
            code=CONSOLE_INDEX_REWRITE,
            publish=True,
            opts=child,
        )
        partner_link_headers = aws.cloudfront.ResponseHeadersPolicy(
            f"{name}-partner-link-headers",
            comment="partner-confirm partner link: security headers, never stored",
            security_headers_config=security_headers,
            custom_headers_config={
                "items": [{"header": "Cache-Control", "value": "no-store", "override": True}],
            },
            opts=child,
        )
        # CloudFront sends it, the API functions check it (they read it from SSM, components/secrets.py).
        origin_secret = pulumi.Output.secret(args.origin_secret)
        self.web_acl_arn = None
        if args.waf_rate_limit is not None:
            self.web_acl_arn = self._web_acl(name, args.waf_rate_limit)

        site_origin = "site-bucket"
        api_origin = "api"
        read_only = ["GET", "HEAD"]
        # `/admin` (what people type) and everything under `/admin/`: the console page and its files.
        console_behaviours: list[aws.cloudfront.DistributionOrderedCacheBehaviorArgsDict] = [
            {
                "path_pattern": pattern,
                "target_origin_id": site_origin,
                "viewer_protocol_policy": "https-only",
                "allowed_methods": read_only,
                "cached_methods": read_only,
                "compress": True,
                "cache_policy_id": CACHING_DISABLED,
                "response_headers_policy_id": console_headers.id,
                "function_associations": [
                    {"event_type": "viewer-request", "function_arn": console_rewrite.arn}
                ],
            }
            for pattern in (CONSOLE_PATH.rstrip("/"), f"{CONSOLE_PATH}*")
        ]
        distribution = aws.cloudfront.Distribution(
            f"{name}-cdn",
            enabled=True,
            comment="partner-confirm pages",
            default_root_object="index.html",
            http_version="http2and3",
            is_ipv6_enabled=True,
            price_class="PriceClass_200",  # includes edge locations in Korea
            origins=[
                {
                    "origin_id": site_origin,
                    "domain_name": bucket.bucket_regional_domain_name,
                    "origin_access_control_id": access_control.id,
                },
                {
                    "origin_id": api_origin,
                    "domain_name": pulumi.Output.from_input(args.api_endpoint).apply(api_origin_domain),
                    # No origin path: the viewer's `/api/chat` reaches the API as `/api/chat`, which is the
                    # route `POST /chat` of the stage named `api` (a named stage is the first path segment
                    # of execute-api URLs). No CloudFront Function is needed to strip the prefix.
                    "custom_origin_config": {
                        "http_port": 80,
                        "https_port": 443,
                        "origin_protocol_policy": "https-only",
                        "origin_ssl_protocols": ["TLSv1.2"],
                    },
                    "custom_headers": [{"name": ORIGIN_HEADER, "value": origin_secret}],
                },
            ],
            default_cache_behavior={
                "target_origin_id": site_origin,
                "viewer_protocol_policy": "https-only",
                "allowed_methods": read_only,
                "cached_methods": read_only,
                "compress": True,
                "cache_policy_id": CACHING_OPTIMIZED,
                "response_headers_policy_id": page_headers.id,
            },
            ordered_cache_behaviors=[
                {
                    "path_pattern": f"/{args.api_stage}/*",
                    "target_origin_id": api_origin,
                    "viewer_protocol_policy": "https-only",
                    "allowed_methods": list(ALL_METHODS),
                    "cached_methods": read_only,
                    "compress": True,
                    "cache_policy_id": CACHING_DISABLED,
                    "origin_request_policy_id": ALL_VIEWER_EXCEPT_HOST_HEADER,
                },
                {
                    "path_pattern": "/r/*",
                    "target_origin_id": site_origin,
                    "viewer_protocol_policy": "https-only",
                    "allowed_methods": read_only,
                    "cached_methods": read_only,
                    "compress": True,
                    "cache_policy_id": CACHING_DISABLED,
                    "response_headers_policy_id": partner_link_headers.id,
                    "function_associations": [{"event_type": "viewer-request", "function_arn": rewrite.arn}],
                },
                *console_behaviours,
            ],
            # The private bucket answers 403 for a key it does not have (S3's English XML): a mistyped
            # address gets the Korean page instead, as a 404. Error responses apply to every behaviour,
            # the API's too, so only 403 is mapped: the API's own 404 (an unknown request) must stay its
            # JSON, and the API never answers 403 through the edge (the origin header is always there).
            custom_error_responses=[
                {
                    "error_code": 403,
                    "response_code": 404,
                    "response_page_path": NOT_FOUND_PAGE,
                    "error_caching_min_ttl": NOT_FOUND_CACHE_SECONDS,
                }
            ],
            web_acl_id=self.web_acl_arn,
            restrictions={"geo_restriction": {"restriction_type": "none"}},
            viewer_certificate={"cloudfront_default_certificate": True},
            # SMS links point here: do not hold `pulumi up` for the edge rollout.
            wait_for_deployment=False,
            opts=child,
        )
        aws.s3.BucketPolicy(
            f"{name}-policy",
            bucket=bucket.id,
            policy=pulumi.Output.json_dumps(
                pulumi.Output.all(bucket.arn, distribution.arn).apply(
                    lambda values: iam.site_bucket_policy(values[0], values[1])
                )
            ),
            opts=pulumi.ResourceOptions(parent=self, depends_on=[public_access]),
        )

        uploads = pulumi.ResourceOptions(parent=self, depends_on=[ownership])
        for key, path in site_files(args.site_dir).items():
            body: dict[str, Any] = {"source": pulumi.FileAsset(str(path))}
            if key in TEMPLATED_PAGES:
                page = path.read_text(encoding="utf-8")
                body = {"content": static_page(page, args.brand_name, args.support_phone)}
            aws.s3.BucketObjectv2(
                f"{name}-file-{key}",
                bucket=bucket.id,
                key=key,
                content_type=content_type(path),
                cache_control=cache_control(key),
                opts=uploads,
                **body,
            )
        aws.s3.BucketObjectv2(
            f"{name}-file-{CONFIG_JS}",
            bucket=bucket.id,
            key=CONFIG_JS,
            content=pulumi.Output.from_input(args.console_config).apply(
                lambda console: config_js(
                    f"/{args.api_stage}",
                    args.brand_name,
                    args.support_phone,
                    args.customer_verification,
                    console,
                )
            ),
            content_type=CONTENT_TYPES[".js"],
            cache_control=cache_control(CONFIG_JS),
            opts=uploads,
        )

        self.bucket_name = bucket.bucket
        self.distribution_id = distribution.id
        self.domain_name = distribution.domain_name
        self.origin = distribution.domain_name.apply(lambda domain: f"https://{domain}")
        self.partner_link_base = distribution.domain_name.apply(lambda domain: f"https://{domain}/r/")
        self.api_url = distribution.domain_name.apply(lambda domain: f"https://{domain}/{args.api_stage}")
        self.register_outputs(
            {
                "bucketName": self.bucket_name,
                "distributionId": self.distribution_id,
                "origin": self.origin,
                "partnerLinkBase": self.partner_link_base,
                "apiUrl": self.api_url,
            }
        )

    def _web_acl(self, name: str, rate_limit: int) -> pulumi.Output[str]:
        """The web ACL in front of the distribution; CLOUDFRONT scope exists only in us-east-1."""
        edge_region = aws.Provider(
            f"{name}-{WAF_REGION}", region=WAF_REGION, opts=pulumi.ResourceOptions(parent=self)
        )
        allow: aws.wafv2.WebAclDefaultActionArgsDict = {"allow": {}}
        visibility: aws.wafv2.WebAclVisibilityConfigArgsDict = {
            "cloudwatch_metrics_enabled": True,
            "metric_name": f"{name}-web-acl",
            "sampled_requests_enabled": True,
        }
        acl = aws.wafv2.WebAcl(
            f"{name}-web-acl",
            description="partner-confirm: rate per address, AWS managed rule groups",
            scope="CLOUDFRONT",
            default_action=allow,
            # Plain dicts from a pure builder (unit-tested), in the provider's nested dict shape.
            rules=cast(Any, web_acl_rules(rate_limit)),
            custom_response_bodies=[
                {
                    "key": RATE_LIMITED_BODY_KEY,
                    "content_type": "APPLICATION_JSON",
                    "content": rate_limited_body(),
                }
            ],
            visibility_config=visibility,
            opts=pulumi.ResourceOptions(parent=self, provider=edge_region),
        )
        return acl.arn
