"""Plain-text tables that line up in a terminal, Korean (double-width) text included."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping, Sequence
from typing import Any


def width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def clip(text: str, limit: int) -> str:
    if width(text) <= limit:
        return text
    out = ""
    for char in text:
        if width(out + char) > limit - 1:
            break
        out += char
    return out + "…"


def table(
    rows: Sequence[Mapping[str, Any]], columns: Sequence[tuple[str, str]], *, max_width: int = 60
) -> str:
    """`columns` are (header, key) pairs; a missing value shows as `-`."""
    cells = [[clip(cell(row.get(key)), max_width) for _, key in columns] for row in rows]
    headers = [header for header, _ in columns]
    widths = [max([width(header)] + [width(line[i]) for line in cells]) for i, header in enumerate(headers)]

    def line(values: Sequence[str]) -> str:
        return "  ".join(value + " " * (widths[i] - width(value)) for i, value in enumerate(values)).rstrip()

    return "\n".join([line(headers), line(["-" * w for w in widths]), *(line(values) for values in cells)])


def fields(values: Mapping[str, Any], *, max_width: int = 100) -> str:
    """`key  value` lines, keys aligned."""
    if not values:
        return ""
    pad = max(width(key) for key in values)
    return "\n".join(
        f"{key}{' ' * (pad - width(key))}  {clip(cell(value), max_width)}" for key, value in values.items()
    )
