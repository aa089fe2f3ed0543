"""The local SMS outbox: the texts partners would receive, as a page with clickable links."""

from __future__ import annotations

import html
import re

_LINK = re.compile(r"https?://[^\s<>\"']+")

_PAGE = """<!doctype html>
<html lang="ko">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="5">
<meta name="referrer" content="no-referrer">
<title>문자 보관함 (로컬)</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 48rem; padding: 0 1rem; }}
table {{ border-collapse: collapse; width: 100%; }}
th, td {{ border-bottom: 1px solid #ccc; padding: .5rem; text-align: left; vertical-align: top; }}
td.body {{ white-space: pre-wrap; word-break: break-all; }}
</style>
</head>
<body>
<h1>문자 보관함</h1>
<p>이 컴퓨터에서 실행 중인 시스템이 보낸 문자입니다. 실제로 발송되지는 않습니다.
파트너가 받은 링크를 눌러 응답해 보세요. 이 페이지는 5초마다 새로 고침됩니다.</p>
{content}
</body>
</html>
"""


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


def render_outbox(messages: list[dict[str, str]]) -> str:
    if not messages:
        return _PAGE.format(content="<p>아직 보낸 문자가 없습니다.</p>")
    rows = "\n".join(
        "<tr><td>{sent}</td><td>{to}</td><td class=body>{body}</td></tr>".format(
            sent=html.escape(m["sentAt"]), to=html.escape(m["to"]), body=_linkify(m["body"])
        )
        for m in reversed(messages)
    )
    table = (
        "<table><thead><tr><th>보낸 시각 (UTC)</th><th>받는 사람</th><th>내용</th></tr></thead>"
        f"<tbody>\n{rows}\n</tbody></table>"
    )
    return _PAGE.format(content=table)
