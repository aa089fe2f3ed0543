"""How many billed SMS parts a text takes (the daily SMS budget counts these; so does `ops cost`).

One part is 140 bytes: 160 GSM-7 characters, or 70 UCS-2 code units as soon as one character is outside
GSM-7 (any Korean). A concatenated message spends a header in every part: 153 and 67 per part. Only plain
printable ASCII is treated as GSM-7 here; the rest of the GSM-7 table is not worth the risk of counting low.
"""

from __future__ import annotations

import math
from typing import Final

GSM7_SINGLE: Final = 160
GSM7_PART: Final = 153
UCS2_SINGLE: Final = 70
UCS2_PART: Final = 67


def is_gsm7(text: str) -> bool:
    return all(char == "\n" or " " <= char <= "~" for char in text)


def parts(text: str) -> int:
    """Billed parts of one SMS body (0 for an empty one)."""
    if is_gsm7(text):
        length, single, part = len(text), GSM7_SINGLE, GSM7_PART
    else:
        # UCS-2 counts UTF-16 code units: a character outside the BMP takes two.
        length, single, part = len(text.encode("utf-16-le")) // 2, UCS2_SINGLE, UCS2_PART
    if length <= single:
        return 1 if length else 0
    return math.ceil(length / part)
