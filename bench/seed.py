"""What the benches that run the real handlers share: the API events they send (tests/events) and the
state they seed on the emulator first (the table, the stack's KMS key, the link and origin keyrings, a
reservation), as a deployed stack holds it."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

EVENTS = Path(__file__).resolve().parent.parent / "tests" / "events"
# The origin key whose base64 tests/events/*.json carry as the header CloudFront adds.
ORIGIN_KEY_BASE64 = "dGVzdC1vcmlnaW4ta2V5LTAxMjM0NTY3ODlhYmNkZWY="
LINK_KEY_BASE64 = "YmVuY2gtbGluay1rZXktMzItYnl0ZXMtbG9uZy4uLi4="
CUSTOMER_PHONE = "+821012345678"


def event(name: str, body: dict[str, Any] | None = None, **replace: str) -> dict[str, Any]:
    """The event file `name` with its placeholders replaced and, when given, `body` as its JSON body."""
    text = (EVENTS / name).read_text(encoding="utf-8")
    for placeholder, value in replace.items():
        text = text.replace(placeholder, value)
    loaded: dict[str, Any] = json.loads(text)
    if body is not None:
        loaded["body"] = json.dumps(body, ensure_ascii=False)
    return loaded


def reservation(number: str) -> dict[str, Any]:
    """A reservation item of the bench's customer, with a partner to text."""
    from handlers.store.keys import reservation_item
    from handlers.store.table import to_dynamo

    return to_dynamo(
        reservation_item(
            reservation_number=number,
            customer_phone_e164=CUSTOMER_PHONE,
            partner_id="P-1",
            partner_name="벤치 파트너",
            partner_phone_e164="+821098765432",
            service_type="숙박",
            reservation_date="2026-12-01",
            customer_name="김벤치",
        )
    )


def seed(
    *,
    table: str,
    link_key_parameter: str,
    origin_key_parameter: str,
    reservation_number: str,
    region: str | None = None,
) -> None:
    """Create the table from the shared schema, both keyrings (SecureString under a KMS key of their own)
    and one reservation, with clients of `region` (default: the environment's) on whatever endpoint the
    environment or an active `mock_aws` gives them."""
    import boto3

    from handlers.models.keyring import initial_document
    from handlers.store.schema import create_table_request

    dynamodb = boto3.client("dynamodb", region_name=region)
    dynamodb.create_table(**create_table_request(table))
    kms_key = boto3.client("kms", region_name=region).create_key()["KeyMetadata"]["Arn"]
    ssm = boto3.client("ssm", region_name=region)
    for name, secret in ((link_key_parameter, LINK_KEY_BASE64), (origin_key_parameter, ORIGIN_KEY_BASE64)):
        ssm.put_parameter(
            Name=name, Type="SecureString", KeyId=kms_key, Value=json.dumps(initial_document(secret))
        )
    dynamodb.put_item(TableName=table, Item=reservation(reservation_number))
