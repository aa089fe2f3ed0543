from __future__ import annotations

from handlers.store import keys


def test_event_sort_keys_are_unique_within_one_millisecond():
    assert len({keys.event_sort_key(1_795_669_200_000) for _ in range(1000)}) == 1000


def test_event_sort_keys_sort_by_time():
    early, late = keys.event_sort_key(999), keys.event_sort_key(1_795_669_200_000)
    assert early < late
    assert early.startswith("EVENT#0000000000999#")


def test_only_reservations_carry_the_lookup_index_keys():
    item = keys.reservation_item(
        reservation_number="R-1",
        customer_phone_e164="+821012345678",
        partner_id="P-1",
        partner_name="파트너",
        partner_phone_e164="+821098765432",
        service_type="숙박",
        reservation_date="2026-11-28",
    )
    assert (item["GSI1PK"], item["GSI1SK"]) == ("R-1", "+821012345678")
    assert "status" not in item  # so reservations stay out of the status index


def test_an_item_expires_its_lifetime_after_now_in_whole_epoch_seconds():
    assert keys.expires_at(1_700_000_000.9, 60) == 1_700_000_060


def test_customer_data_is_kept_for_the_retention_days():
    assert keys.retention_expiry(1_700_000_000_500, 90) == 1_700_000_000 + 90 * 86_400
