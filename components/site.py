"""StaticSite: the customer and partner pages on a private bucket behind CloudFront."""

from __future__ import annotations

import json
import mimetypes
from dataclasses import dataclass
from pathlib import Path
from typing import Final

import pulumi
import pulumi_aws as aws

from components import iam

CONFIG_JS: Final = "config.js"
# AWS managed cache policies (fixed ids, so no lookup is needed).
CACHING_OPTIMIZED: Final = "658327ea-f89d-4fab-a63d-7e88639e58f6"
CACHING_DISABLED: Final = "4135ea2d-6df8-44a3-9df3-4b5a84be39ad"
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


def config_js(api_url: str, brand_name: str, support_phone: str, customer_verification: str = "sms") -> str:
    """`site/config.js` as the pages read it (docs/contracts.md, "Site")."""
    config = json.dumps(
        {
            "apiBaseUrl": api_url.rstrip("/"),
            "brandName": brand_name,
            "supportPhone": support_phone,
            "customerVerification": customer_verification,
        },
        ensure_ascii=False,
    )
    return f"window.PARTNER_CONFIRM_CONFIG = {config};\n"


def api_connect_source(region: str) -> str:
    """The CSP source that admits the HTTP API of `region`.

    The exact API host is not used: the distribution (which carries the CSP) would then depend on the API,
    while the API's CORS depends on the distribution's domain.
    """
    return f"https://*.execute-api.{region}.amazonaws.com"


def content_security_policy(api_source: str) -> str:
    """Same-origin pages with no inline code; the only other origin they talk to is the API."""
    directives = {
        "default-src": "'self'",
        "script-src": "'self'",
        "style-src": "'self'",
        "img-src": "'self' data:",
        "connect-src": f"'self' {api_source}",
        "object-src": "'none'",
        "base-uri": "'none'",
        "form-action": "'self'",
        "frame-ancestors": "'none'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


@dataclass(frozen=True, kw_only=True)
class StaticSiteArgs:
    site_dir: Path
    """The directory whose files are published (`site/`)."""
    api_url: pulumi.Input[str]
    """The API base URL, written to `config.js`."""
    region: str
    """The API's region, admitted by the CSP's connect-src."""
    brand_name: str
    """The service's name, shown by the pages (`config.js`)."""
    support_phone: str
    """The number the pages tell people to call (`config.js`)."""
    force_destroy: bool = True
    """Let `pulumi destroy` empty the bucket (off when the stack is deletion-protected)."""
    customer_verification: str = "sms"
    """Whether the customer page asks for a texted code before a question (`sms` | `off`)."""


class StaticSite(pulumi.ComponentResource):
    """Private bucket (OAC only), CloudFront over HTTPS, security headers, the pages and `config.js`."""

    bucket_name: pulumi.Output[str]
    distribution_id: pulumi.Output[str]
    domain_name: pulumi.Output[str]
    origin: pulumi.Output[str]
    partner_link_base: pulumi.Output[str]

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
                "content_security_policy": content_security_policy(api_connect_source(args.region)),
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
        partner_link_headers = aws.cloudfront.ResponseHeadersPolicy(
            f"{name}-partner-link-headers",
            comment="partner-confirm partner link: security headers, never stored",
            security_headers_config=security_headers,
            custom_headers_config={
                "items": [{"header": "Cache-Control", "value": "no-store", "override": True}],
            },
            opts=child,
        )
        site_origin = "site-bucket"
        read_only = ["GET", "HEAD"]
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
                }
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
                    "path_pattern": "/r/*",
                    "target_origin_id": site_origin,
                    "viewer_protocol_policy": "https-only",
                    "allowed_methods": read_only,
                    "cached_methods": read_only,
                    "compress": True,
                    "cache_policy_id": CACHING_DISABLED,
                    "response_headers_policy_id": partner_link_headers.id,
                    "function_associations": [{"event_type": "viewer-request", "function_arn": rewrite.arn}],
                }
            ],
            # The private bucket answers 403 for a key it does not have (S3's English XML): a mistyped
            # address gets the Korean page instead, as a 404. These apply to the whole distribution, which
            # serves only the site; the API has its own domain.
            custom_error_responses=[
                {
                    "error_code": code,
                    "response_code": 404,
                    "response_page_path": NOT_FOUND_PAGE,
                    "error_caching_min_ttl": NOT_FOUND_CACHE_SECONDS,
                }
                for code in (403, 404)
            ],
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
            aws.s3.BucketObjectv2(
                f"{name}-file-{key}",
                bucket=bucket.id,
                key=key,
                source=pulumi.FileAsset(str(path)),
                content_type=content_type(path),
                cache_control=cache_control(key),
                opts=uploads,
            )
        aws.s3.BucketObjectv2(
            f"{name}-file-{CONFIG_JS}",
            bucket=bucket.id,
            key=CONFIG_JS,
            content=pulumi.Output.from_input(args.api_url).apply(
                lambda url: config_js(url, args.brand_name, args.support_phone, args.customer_verification)
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
        self.register_outputs(
            {
                "bucketName": self.bucket_name,
                "distributionId": self.distribution_id,
                "origin": self.origin,
                "partnerLinkBase": self.partner_link_base,
            }
        )
