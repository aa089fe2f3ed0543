"""Demo reservations, declared once: the ConfirmationTable loads them when `seedDemoData` is on, and the local
runtime loads the same rows, so a demo on AWS and on this machine starts from the same data.

The seed's assumption is that reservations already exist in the table; these stand in for that import.
Phones are E.164 (+82). On AWS the SMS sandbox only texts verified numbers: `seedPartnerPhone` replaces every
partner phone with yours, and `seedCustomerPhone` every customer phone (the verification code goes there).
`demoReservations` adds that many generated reservations for load tests.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any, Final

from boto3.dynamodb.types import TypeSerializer

from handlers.store.keys import reservation_item

# A fixed creation time keeps the items stable between deployments (no diff on every `pulumi up`).
SEEDED_AT_MS: Final = 1_795_651_200_000  # 2026-11-26T00:00:00Z


@dataclass(frozen=True, slots=True, kw_only=True)
class SeedReservation:
    reservation_number: str
    customer_id: str
    customer_name: str
    customer_phone: str
    partner_id: str
    partner_name: str
    partner_phone: str
    service_type: str
    reservation_date: str


RESERVATIONS: Final[tuple[SeedReservation, ...]] = (
    SeedReservation(
        reservation_number="RSV-20261205-001",
        customer_id="C-1001",
        customer_name="김민준",
        customer_phone="+821012345678",
        partner_id="P-STAY-01",
        partner_name="제주 바다뜰 펜션",
        partner_phone="+821098765432",
        service_type="숙박",
        reservation_date="2026-12-05T15:00:00+09:00",
    ),
    SeedReservation(
        reservation_number="RSV-20261207-002",
        customer_id="C-1002",
        customer_name="이서연",
        customer_phone="+821023456789",
        partner_id="P-CAR-01",
        partner_name="한라 렌터카 제주공항점",
        partner_phone="+821087654321",
        service_type="렌터카",
        reservation_date="2026-12-07T10:30:00+09:00",
    ),
    SeedReservation(
        reservation_number="RSV-20261212-003",
        customer_id="C-1003",
        customer_name="박지호",
        customer_phone="+821034567890",
        partner_id="P-FOOD-01",
        partner_name="성수동 화덕 레스토랑",
        partner_phone="+821076543210",
        service_type="식당 예약",
        reservation_date="2026-12-12T19:00:00+09:00",
    ),
    SeedReservation(
        reservation_number="RSV-20261219-004",
        customer_id="C-1004",
        customer_name="최유나",
        customer_phone="+821045678901",
        partner_id="P-TOUR-01",
        partner_name="부산 해운대 요트투어",
        partner_phone="+821065432109",
        service_type="투어·액티비티",
        reservation_date="2026-12-19T16:00:00+09:00",
    ),
    SeedReservation(
        reservation_number="RSV-20261224-005",
        customer_id="C-1005",
        customer_name="정도윤",
        customer_phone="+821056789012",
        partner_id="P-SPA-01",
        partner_name="강남 휴 스파",
        partner_phone="+821054321098",
        service_type="스파·웰니스",
        reservation_date="2026-12-24T14:00:00+09:00",
    ),
    SeedReservation(
        reservation_number="RSV-20261231-006",
        customer_id="C-1006",
        customer_name="강하은",
        customer_phone="+821067890123",
        partner_id="P-STAY-02",
        partner_name="강릉 솔향 호텔",
        partner_phone="+821043210987",
        service_type="숙박",
        reservation_date="2026-12-31T15:00:00+09:00",
    ),
)


_SERVICES: Final = ("숙박", "렌터카", "식당 예약", "투어·액티비티", "스파·웰니스")


def generated(count: int) -> tuple[SeedReservation, ...]:
    """`count` extra reservations for load tests (`DEMO_RESERVATIONS=N make local`): each with its own
    customer phone (010-5xxx-xxxx) and its own partner (010-7xxx-xxxx), so one open question per
    reservation and the per-partner text cap never make two load-test customers wait for each other."""
    return tuple(
        SeedReservation(
            reservation_number=f"RSV-LOAD-{index:04d}",
            customer_id=f"C-L{index:04d}",
            customer_name=f"부하 고객 {index}",
            customer_phone=f"+82105{index:07d}",
            partner_id=f"P-LOAD-{index:04d}",
            partner_name=f"부하 파트너 {index}",
            partner_phone=f"+82107{index:07d}",
            service_type=_SERVICES[index % len(_SERVICES)],
            reservation_date="2026-12-20T12:00:00+09:00",
        )
        for index in range(1, count + 1)
    )


def reservations(
    partner_phone: str | None = None, customer_phone: str | None = None, extra: int = 0
) -> tuple[SeedReservation, ...]:
    """The demo rows and `extra` generated ones; with `partner_phone` / `customer_phone`, every partner /
    customer is reached at that (SMS-sandbox verified) number."""
    rows = RESERVATIONS + generated(extra)
    if partner_phone is not None:
        rows = tuple(replace(row, partner_phone=partner_phone) for row in rows)
    if customer_phone is not None:
        rows = tuple(replace(row, customer_phone=customer_phone) for row in rows)
    return rows


def item(row: SeedReservation) -> dict[str, str | int]:
    """The row as plain attributes (boto3 resource `put_item`), with the sparse GSI1 keys."""
    return reservation_item(
        reservation_number=row.reservation_number,
        customer_phone_e164=row.customer_phone,
        partner_id=row.partner_id,
        partner_name=row.partner_name,
        partner_phone_e164=row.partner_phone,
        service_type=row.service_type,
        reservation_date=row.reservation_date,
        customer_id=row.customer_id,
        customer_name=row.customer_name,
        created_at_ms=SEEDED_AT_MS,
    )


def typed_item(row: SeedReservation) -> dict[str, Any]:
    """The row in DynamoDB JSON (attribute values with their types), as `dynamodb.TableItem` takes it."""
    serializer = TypeSerializer()
    return {name: serializer.serialize(value) for name, value in item(row).items()}
