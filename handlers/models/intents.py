"""The three customer intents and the Korean sample utterances that train the Lex bot.

One source: the IntakeBot component builds the bot's intents from `INTENTS`, and the local runtime's
classifier (no Lex emulator exists) learns from the same utterances, so local answers follow the bot.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Final


class Intent(StrEnum):
    """Intent labels as the seed names them; stored on requests and shown to partners."""

    CHANGE_RESERVATION = "예약변경"
    REPORT_TROUBLE = "트러블신고"
    EXTRA_SERVICE = "부가서비스"


DEFAULT_INTENT: Final = Intent.CHANGE_RESERVATION
"""Used when Lex fails, answers FallbackIntent, or is not confident enough."""


@dataclass(frozen=True, slots=True)
class IntentDefinition:
    intent: Intent
    lex_name: str  # Lex intent names must match ^([0-9a-zA-Z][_-]?)+$, so not the Korean label
    description: str
    utterances: tuple[str, ...]


INTENTS: Final[tuple[IntentDefinition, ...]] = (
    IntentDefinition(
        intent=Intent.CHANGE_RESERVATION,
        lex_name="ChangeReservation",
        description="고객이 예약 날짜, 시간, 인원 등을 바꾸거나 취소하려는 문의",
        utterances=(
            "예약을 변경하고 싶어요",
            "예약 날짜를 바꿀 수 있을까요",
            "예약 시간을 오후로 옮기고 싶습니다",
            "다음 주로 일정을 미루고 싶어요",
            "인원을 두 명 더 추가하고 싶어요",
            "예약을 하루 앞당길 수 있나요",
            "체크인 날짜를 변경해 주세요",
            "시간 변경 가능한가요",
            "예약 취소하고 다른 날로 다시 잡고 싶어요",
            "토요일 말고 일요일로 바꿔주세요",
            "방문 시간을 늦추고 싶습니다",
            "일정이 생겨서 예약을 조정해야 해요",
            "예약한 날짜에 못 갈 것 같아요",
            "예약 인원을 줄이고 싶어요",
            "픽업 시간을 바꿀 수 있을까요",
            "예약을 다음 달로 연기하고 싶어요",
            "저녁 일곱 시로 변경 부탁드립니다",
        ),
    ),
    IntentDefinition(
        intent=Intent.REPORT_TROUBLE,
        lex_name="ReportTrouble",
        description="서비스 이용 중 생긴 문제나 불편을 알리는 문의",
        utterances=(
            "문제가 생겼어요",
            "방에 에어컨이 작동하지 않아요",
            "예약했는데 업체에서 연락이 없어요",
            "도착했는데 문이 잠겨 있어요",
            "객실이 너무 더러워요",
            "온수가 나오지 않습니다",
            "기사님이 약속 시간에 오지 않았어요",
            "결제가 두 번 된 것 같아요",
            "시설이 고장 나서 이용할 수 없어요",
            "직원이 불친절했어요 신고하고 싶습니다",
            "주문한 것과 다른 서비스가 왔어요",
            "와이파이가 안 돼요",
            "소음 때문에 잠을 잘 수가 없어요",
            "차량이 사고가 났어요 도와주세요",
            "예약 내역이 업체에 없다고 해요",
            "물이 새고 있어요",
            "서비스에 불만이 있어서 접수하려고요",
        ),
    ),
    IntentDefinition(
        intent=Intent.EXTRA_SERVICE,
        lex_name="RequestExtraService",
        description="추가 서비스나 옵션을 요청하는 문의",
        utterances=(
            "추가 서비스를 요청하고 싶어요",
            "조식을 추가할 수 있나요",
            "아기 침대를 준비해 주실 수 있나요",
            "공항 픽업 서비스 신청하고 싶어요",
            "늦은 체크아웃 가능할까요",
            "수건을 더 받을 수 있을까요",
            "생일 케이크를 준비해 주세요",
            "주차 공간을 예약하고 싶어요",
            "반려동물 동반 옵션을 추가하고 싶어요",
            "얼리 체크인을 요청합니다",
            "카시트를 추가로 빌릴 수 있나요",
            "꽃 장식을 부탁드리고 싶어요",
            "엑스트라 베드를 넣어 주세요",
            "바비큐 그릴 대여가 되나요",
            "가이드 투어를 추가하고 싶습니다",
            "와인 한 병 준비해 주실 수 있나요",
            "짐 보관 서비스를 이용하고 싶어요",
        ),
    ),
)
