"""Korean mobile numbers: normalisation to E.164 and masking for logs."""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s\-.()]")
# Korean mobile prefixes 010, 011, 016, 017, 018, 019; the national part is 10 or 11 digits.
_NATIONAL_MOBILE = re.compile(r"01[016789][0-9]{7,8}")


class InvalidPhoneError(ValueError):
    """Not a Korean mobile number."""


def to_e164(raw: str) -> str:
    """`010-1234-5678`, `01012345678` or `+82 10 1234 5678` -> `+821012345678`."""
    # NFKC turns the full-width digits, hyphen and plus of Korean input methods into ASCII; any other
    # script's digits stay non-ASCII and are refused, so only ASCII ever reaches the table and SNS.
    compact = _SEPARATORS.sub("", unicodedata.normalize("NFKC", raw).strip())
    if compact.startswith("+82"):
        rest = compact[3:]
        national = rest if rest.startswith("0") else "0" + rest
    else:
        national = compact
    if not _NATIONAL_MOBILE.fullmatch(national):
        raise InvalidPhoneError("not a Korean mobile number")
    return "+82" + national[1:]


def mask(phone: str) -> str:
    """Keep the country code and the last two digits: `+8210******78`."""
    if len(phone) <= 6:
        return "*" * len(phone)
    return phone[:5] + "*" * (len(phone) - 7) + phone[-2:]
