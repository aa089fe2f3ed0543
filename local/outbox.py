"""The local SMS outbox: the texts partners and customers would receive, as a page with clickable links."""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from datetime import datetime, timedelta, timezone

_LINK = re.compile(r"https?://[^\s<>\"']+")
# Korea has no daylight saving time, so a fixed offset needs no time-zone database.
_KST = timezone(timedelta(hours=9))

# Served as its own file so the page holds under the site's CSP, `default-src 'self'`.
OUTBOX_CSS = """\
body { font-family: system-ui, sans-serif; margin: 0 auto; max-width: 40rem; padding: 1rem;
  color: #1b1f24; background: #f4f5f9; line-height: 1.5; word-break: keep-all; }
h1 { font-size: 1.5rem; margin: .5rem 0; }
.lead { color: #4a5260; margin: 0 0 1rem; }
.msg { background: #fff; border: 1px solid #d8dce4; border-radius: .75rem; padding: .75rem 1rem;
  margin: 0 0 .75rem; }
.msg header { display: flex; flex-wrap: wrap; justify-content: space-between; gap: .25rem 1rem;
  font-size: .9rem; color: #4a5260; }
.msg header strong { color: #1b1f24; }
.body { margin: .5rem 0 0; padding: .6rem .8rem; background: #e9effd; border-radius: .6rem;
  white-space: pre-wrap; overflow-wrap: anywhere; }
a { color: #1d4ed8; }
.body a { word-break: break-all; }
a:focus-visible { outline: 3px solid #1d4ed8; outline-offset: 2px; }
"""
_EMPTY = "아직 보낸 문자가 없습니다. 고객 화면에서 문의를 보내면 파트너에게 가는 문자가 여기에 나타납니다."
_PAGE = """<!doctype html>
<html lang="ko">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="5">
<meta name="referrer" content="no-referrer">
<title>문자 보관함 (로컬)</title>
<link rel="icon" href="/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/_local/outbox.css">
</head>
<body>
<h1>문자 보관함</h1>
<p class="lead">이 컴퓨터에서 실행 중인 시스템이 파트너와 고객에게 보낸 문자입니다.
실제로 발송되지는 않습니다. 파트너 문자의 링크를 누르면 파트너 화면이, 고객 문자의 링크를 누르면
문의 진행 상황 화면이 열립니다. 최신 문자가 위에 있고, 이 페이지는 5초마다 새로 고침됩니다.
<a href="/">고객 화면으로 가기</a></p>
{content}
</body>
</html>
"""


def display_phone(e164: str) -> str:
    """`+821012345678` as a Korean reader writes it, `010-1234-5678`; other numbers unchanged."""
    if e164.startswith("+8210") and len(e164) == 13:
        digits = "0" + e164[3:]
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    return e164


def display_time(sent_at: str) -> str:
    """An ISO 8601 UTC time in Korean time, as the partner's phone would show it."""
    try:
        moment = datetime.fromisoformat(sent_at.replace("Z", "+00:00")).astimezone(_KST)
    except ValueError:
        return sent_at
    half = "오전" if moment.hour < 12 else "오후"
    hour = moment.hour % 12 or 12
    return f"{moment.month}월 {moment.day}일 {half} {hour}:{moment:%M:%S}"


def _linkify(text: str) -> str:
    parts: list[str] = []
    last = 0
    for match in _LINK.finditer(text):
        parts.append(html.escape(text[last : match.start()]))
        url = html.escape(match.group(0))
        parts.append(f'<a href="{url}" target="_blank" rel="noreferrer">{url}</a>')
        last = match.end()
    parts.append(html.escape(text[last:]))
    return "".join(parts)


def render_outbox(messages: list[dict[str, str]], partners: Mapping[str, str] | None = None) -> str:
    """The page for `messages` (oldest first, as `/_local/sms` lists them); `partners`: phone -> name."""
    if not messages:
        return _PAGE.format(content=f"<p>{_EMPTY}</p>")
    names = partners or {}
    cards = []
    for message in reversed(messages):
        phone = display_phone(message["to"])
        recipient = f"{names[message['to']]} · {phone}" if message["to"] in names else phone
        cards.append(
            '<article class="msg"><header><span>받는 사람 <strong>{to}</strong></span>'
            '<time datetime="{iso}">{sent} (한국 시간)</time></header>'
            '<p class="body">{body}</p></article>'.format(
                to=html.escape(recipient),
                iso=html.escape(message["sentAt"]),
                sent=html.escape(display_time(message["sentAt"])),
                body=_linkify(message["body"]),
            )
        )
    return _PAGE.format(content="\n".join(cards))
