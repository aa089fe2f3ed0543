"""ConfirmationTable: the single DynamoDB table, declared from `handlers/store/schema.py`."""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from components import seed_data
from handlers.store import schema


@dataclass(frozen=True, kw_only=True)
class ConfirmationTableArgs:
    deletion_protection: pulumi.Input[bool] = False
    """Refuse `DeleteTable` (demo keeps its data)."""
    seed_demo_data: bool = False
    """Load the demo reservations of `components/seed_data.py`."""
    seed_partner_phone: str | None = None
    """Reach every demo partner at this (SMS-sandbox verified) number."""
    seed_customer_phone: str | None = None
    """Reach every demo customer (their verification codes) at this verified number."""
    demo_reservations: int = 0
    """Generated reservations on top of the demo ones, each with its own customer and partner."""


def attribute_definitions() -> list[aws.dynamodb.TableAttributeArgsDict]:
    return [{"name": name, "type": kind} for name, kind in schema.ATTRIBUTE_TYPES.items()]


def global_secondary_indexes() -> list[aws.dynamodb.TableGlobalSecondaryIndexArgsDict]:
    # `key_schemas`, not the deprecated `hash_key`/`range_key` of pulumi-aws 7.51.
    return [
        {
            "name": index,
            "projection_type": "ALL",
            "key_schemas": [
                {"attribute_name": hash_key, "key_type": "HASH"},
                {"attribute_name": range_key, "key_type": "RANGE"},
            ],
        }
        for index, (hash_key, range_key) in schema.INDEXES.items()
    ]


class ConfirmationTable(pulumi.ComponentResource):
    """On-demand single table: PK/SK, sparse GSI1 and GSI2, TTL, point-in-time recovery, KMS encryption."""

    table_name: pulumi.Output[str]
    table_arn: pulumi.Output[str]
    index_names: tuple[str, ...]

    def __init__(
        self, name: str, args: ConfirmationTableArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        super().__init__("partnerconfirm:index:ConfirmationTable", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        table = aws.dynamodb.Table(
            f"{name}-table",
            billing_mode="PAY_PER_REQUEST",
            hash_key=schema.PARTITION_KEY,
            range_key=schema.SORT_KEY,
            attributes=attribute_definitions(),
            global_secondary_indexes=global_secondary_indexes(),
            ttl={"attribute_name": schema.TTL_ATTRIBUTE, "enabled": True},
            point_in_time_recovery={"enabled": True},
            # Enabled without a key ARN: the AWS-managed KMS key (aws/dynamodb), as the seed asks.
            server_side_encryption={"enabled": True},
            deletion_protection_enabled=args.deletion_protection,
            opts=child,
        )
        if args.seed_demo_data:
            for row in seed_data.reservations(
                args.seed_partner_phone, args.seed_customer_phone, args.demo_reservations
            ):
                aws.dynamodb.TableItem(
                    f"{name}-seed-{row.reservation_number}",
                    table_name=table.name,
                    hash_key=schema.PARTITION_KEY,
                    range_key=schema.SORT_KEY,
                    item=pulumi.Output.json_dumps(seed_data.typed_item(row)),
                    opts=child,
                )

        self.table_name = table.name
        self.table_arn = table.arn
        self.index_names = tuple(schema.INDEXES)
        self.register_outputs({"tableName": self.table_name, "tableArn": self.table_arn})
