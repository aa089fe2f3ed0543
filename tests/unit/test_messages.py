from __future__ import annotations

from datetime import UTC, datetime

import pytest

from handlers.models.messages import format_kst, notification_template, sms_body


def test_times_are_written_in_korea_time_for_korean_readers():
    assert format_kst(datetime(2026, 11, 27, 6, 30, tzinfo=UTC)) == "2026년 11월 27일 (금) 오후 3시 30분"


def test_midnight_and_whole_hours_read_naturally():
    assert format_kst(datetime(2026, 11, 27, 15, 0, tzinfo=UTC)) == "2026년 11월 28일 (토) 오전 12시"


@pytest.mark.parametrize("outcome", ["accept", "reject", "timeout", "failed"])
def test_every_outcome_has_a_korean_template_naming_the_reservation(outcome):
    message = notification_template(outcome, "R-1")
    assert "R-1" in message
    assert "안녕하세요" in message


def test_alternative_template_carries_the_proposed_time():
    message = notification_template("alternative", "R-1", datetime(2026, 11, 27, 6, 30, tzinfo=UTC))
    assert "2026년 11월 27일 (금) 오후 3시 30분을 대안 시간으로" in message


def test_object_particle_follows_the_last_syllable():
    message = notification_template("alternative", "R-1", datetime(2026, 11, 27, 6, 0, tzinfo=UTC))
    assert "오후 3시를 대안 시간으로" in message


def test_failed_template_carries_the_reason():
    assert "예약을 찾지 못했습니다" in notification_template(
        "failed", "R-1", failure_reason="예약을 찾지 못했습니다."
    )


def test_sms_fits_two_concatenated_korean_parts():
    link = "https://d111111abcdef8.cloudfront.net/r/" + "A" * 43
    assert len(sms_body("한강 게스트하우스", "R-20261127-001", link)) <= 2 * 67
