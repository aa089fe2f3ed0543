"""Is a model-written notification fit to show the customer? Pure checks, run before anything is stored.

The message must name the reservation number, say what the partner's answer says (accept / reject /
alternative with the same time / timeout / failed), carry no link, e-mail address, phone number (but the
support phone) or other reservation number, promise nothing the business cannot (refunds, compensation,
legal advice, payments), and be Korean within a length bound. `problem` returns the first reason a message
fails, as a short code that is logged and counted; `None` means the message may be stored.

The text is read in Unicode NFKC form, so full-width letters and digits (`ｅｖｉｌ．ｃｏｍ`, `０１０`)
are read as what they look like; invisible characters (zero-width, bidi controls) and letters of other scripts
(a Cyrillic `о` in a domain) are refused outright.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Final

from handlers.models.messages import KST, MessageFacts

MIN_CHARS: Final = 20
MAX_CHARS: Final = 400

# Reason codes (docs/contracts.md, metric `NotificationCheckFailed`).
EMPTY: Final = "empty"
LENGTH: Final = "length"
HIDDEN: Final = "hidden_characters"
SCRIPT: Final = "foreign_script"
NOT_KOREAN: Final = "not_korean"
MARKUP: Final = "markup"
LINK: Final = "link"
EMAIL: Final = "email"
PHONE: Final = "phone"
OTHER_NUMBER: Final = "other_number"
NO_RESERVATION: Final = "no_reservation_number"
PROMISE: Final = "promise"
WRONG_ANSWER: Final = "wrong_answer"
WRONG_TIME: Final = "wrong_time"

_HANGUL = re.compile(r"[가-힣ㄱ-ㅎㅏ-ㅣ]")
_SCHEMES = r"(?:https?|ftp|file|javascript|data|tel|sms|mailto|intent|kakaotalk|market)"
_LINK = re.compile(
    rf"{_SCHEMES}\s*:|www\s*\.|[a-z0-9-]+\s*\.\s*[a-z]{{2,}}\b|닷\s*(?:컴|넷|케이알|kr)|(?:점|쩜)\s*(?:컴|넷|kr|com)",
    re.IGNORECASE,
)
_MARKUP = re.compile(r"[<>{}\[\]`|\\]")
# Digits with the separators people put between them; seven or more digits in a row is a phone number.
_DIGIT_RUN = re.compile(r"\d(?:[\s.\-()]{0,2}\d)+")
_KOREAN_DIGITS = re.compile(r"(?:[공영일이삼사오육칠팔구][\s.\-]?){7,}")
# Letters and digits, maybe joined by hyphens: a reservation number when it mixes digits with letters or
# hyphens, or runs to five digits (`Wi-Fi`, `2026`, `3` are no reservation numbers).
_TOKEN = re.compile(r"[A-Za-z0-9]+(?:-[A-Za-z0-9]+)*")
_PROMISES = re.compile(
    r"환불|보상|배상|손해|소송|법적|법률|변호사|위약금|무료|할인|쿠폰|포인트|적립|현금|입금|송금|계좌|결제|"
    r"카드\s*번호|비밀\s*번호|인증\s*번호|로그인|앱\s*설치"
)
_DATE = re.compile(r"(\d{1,2})\s*월\s*(\d{1,2})\s*일")
_TIME = re.compile(
    r"(오전|오후|아침|낮|저녁|밤|새벽)?\s*(\d{1,2})\s*(?::\s*(\d{2})|시(?!간)(?:\s*(\d{1,2})\s*분|\s*(반))?)"
)

# What each answer must say, and what it must not claim (the message may not contradict the answer).
_CONFIRMED = re.compile(
    r"확정(?:되었|됐|했|하였|입니다|되셨)|승인(?:되었|됐|했)|완료(?:되었|됐)|변경(?:되었|됐)"
)
_REFUSED = re.compile(r"어렵|어려|불가|수\s*없|거절|안\s*됩니다|안\s*된다")
_PROPOSED = re.compile(r"제안")
_NO_ANSWER = re.compile(
    r"(?:답|답변|응답|회신|연락)(?:이|을|를)?\s*(?:받지\s*못|못\s*받|없|오지\s*않|주지\s*않)"
)
_NOT_PROCESSED = re.compile(r"처리(?:하지|되지)\s*(?:못|않)|처리할\s*수\s*없|문제가\s*(?:생|발생)|오류")
_ACCEPTED = re.compile(r"수락|확정|조치|준비|확인|완료|반영")
_CONTACT = re.compile(r"직접\s*연락")


def problem(text: str | None, facts: MessageFacts) -> str | None:
    """The first reason `text` may not be stored as the customer's message, or None when it may."""
    if text is None or not text.strip():
        return EMPTY
    raw = text.strip()
    if any(unicodedata.category(ch) in ("Cf", "Cc", "Co", "Cs", "Cn") and ch not in "\n" for ch in raw):
        return HIDDEN
    message = unicodedata.normalize("NFKC", raw)
    if not MIN_CHARS <= len(message) <= MAX_CHARS:
        return LENGTH
    letters = [ch for ch in message if ch.isalpha()]
    if any(not (_HANGUL.match(ch) or ch.isascii()) for ch in letters):
        return SCRIPT
    if len(_HANGUL.findall(message)) * 2 < len(letters):
        return NOT_KOREAN
    if _MARKUP.search(message):
        return MARKUP
    if "@" in message:
        return EMAIL
    if _LINK.search(_without(message, facts.reservation_number)):
        return LINK
    reservation = facts.reservation_number.strip()
    if not reservation or reservation.casefold() not in message.casefold():
        return NO_RESERVATION
    rest = _without(message, reservation)
    tokens = _TOKEN.findall(_without(rest, facts.support_phone or ""))
    if any(_is_code(token) and any(ch.isalpha() for ch in token) for token in tokens):
        return OTHER_NUMBER
    if _phone(rest, facts.support_phone):
        return PHONE
    if any(_is_code(token) for token in tokens):
        return OTHER_NUMBER
    if _PROMISES.search(message):
        return PROMISE
    if not _says_the_answer(rest, facts):
        return WRONG_ANSWER
    if not _right_times(rest, facts):
        return WRONG_TIME
    return None


def _without(message: str, value: str) -> str:
    return re.sub(re.escape(value), " ", message, flags=re.IGNORECASE) if value else message


def _is_code(token: str) -> bool:
    digits = sum(ch.isdigit() for ch in token)
    return digits > 0 and (digits >= 5 or "-" in token or any(ch.isalpha() for ch in token))


def _phone(text: str, support_phone: str | None) -> bool:
    allowed = re.sub(r"\D", "", support_phone or "")
    for run in _DIGIT_RUN.finditer(text):
        digits = re.sub(r"\D", "", run.group())
        if len(digits) >= 7 and digits != allowed:
            return True
    return bool(_KOREAN_DIGITS.search(text))


def _says_the_answer(text: str, facts: MessageFacts) -> bool:
    outcome = facts.outcome
    confirmed, refused, proposed = _CONFIRMED.search(text), _REFUSED.search(text), _PROPOSED.search(text)
    if outcome == "accept":
        return bool(_ACCEPTED.search(text)) and not (refused or proposed or _NO_ANSWER.search(text))
    if outcome == "reject":
        return bool(refused or _CONTACT.search(text)) and not (confirmed or proposed)
    if outcome == "alternative":
        return bool(proposed) and not confirmed
    if outcome == "timeout":
        return bool(_NO_ANSWER.search(text)) and not (confirmed or proposed)
    return bool(_NOT_PROCESSED.search(text)) and not (confirmed or proposed)


def _right_times(text: str, facts: MessageFacts) -> bool:
    """An alternative names the proposed date and time and no other; other answers name no time at all."""
    dates = [(int(m), int(d)) for m, d in _DATE.findall(text)]
    times = [_clock(match) for match in _TIME.finditer(text)]
    if facts.outcome != "alternative" or facts.alternative_time is None:
        return not dates and not times
    local: datetime = facts.alternative_time.astimezone(KST)
    if not dates or any(date != (local.month, local.day) for date in dates):
        return False
    return bool(times) and all((local.hour, local.minute) in options for options in times)


def _clock(match: re.Match[str]) -> set[tuple[int, int]]:
    """The hours and minutes a written time can mean (`3시` without 오전/오후 is 3:00 or 15:00)."""
    period, hour_text, colon_minutes, minutes, half = match.groups()
    hour = int(hour_text)
    minute = int(colon_minutes or minutes or 0) + (30 if half else 0)
    if period in ("오후", "저녁", "밤") and hour < 12:
        return {(hour + 12, minute)}
    if period in ("오전", "아침", "새벽"):
        return {(hour % 12, minute)}
    if period == "낮":
        return {(hour if hour >= 11 else hour + 12, minute)}
    return {(hour % 24, minute), ((hour + 12) % 24, minute)}
