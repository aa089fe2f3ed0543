"""The single table's key schema: declared once, used by the Pulumi component, the tests and the local
runtime."""

from __future__ import annotations

from typing import Any, Final

PARTITION_KEY: Final = "PK"
SORT_KEY: Final = "SK"
TTL_ATTRIBUTE: Final = "expiresAt"

# Reservations only carry GSI1PK/GSI1SK (sparse), so requests never land in the reservation lookup index.
GSI1: Final = "GSI1"
GSI1_PARTITION: Final = "GSI1PK"
GSI1_SORT: Final = "GSI1SK"
# Requests by status and creation time (monitoring): only request items have both attributes.
GSI2: Final = "GSI2"
GSI2_PARTITION: Final = "status"
GSI2_SORT: Final = "createdAt"

ATTRIBUTE_TYPES: Final[dict[str, str]] = {
    PARTITION_KEY: "S",
    SORT_KEY: "S",
    GSI1_PARTITION: "S",
    GSI1_SORT: "S",
    GSI2_PARTITION: "S",
    GSI2_SORT: "N",
}

INDEXES: Final[dict[str, tuple[str, str]]] = {
    GSI1: (GSI1_PARTITION, GSI1_SORT),
    GSI2: (GSI2_PARTITION, GSI2_SORT),
}


def create_table_request(table_name: str) -> dict[str, Any]:
    """boto3 `create_table` arguments for the schema above (on-demand, all attributes projected)."""
    return {
        "TableName": table_name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": name, "AttributeType": kind} for name, kind in ATTRIBUTE_TYPES.items()
        ],
        "KeySchema": [
            {"AttributeName": PARTITION_KEY, "KeyType": "HASH"},
            {"AttributeName": SORT_KEY, "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": index,
                "KeySchema": [
                    {"AttributeName": hash_key, "KeyType": "HASH"},
                    {"AttributeName": range_key, "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
            for index, (hash_key, range_key) in INDEXES.items()
        ],
    }
