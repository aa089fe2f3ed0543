"""SMS part counting lives with the handlers (the daily SMS budget counts parts); `ops cost` uses the same."""

from handlers.models.sms_parts import GSM7_PART, GSM7_SINGLE, UCS2_PART, UCS2_SINGLE, is_gsm7, parts

__all__ = ["GSM7_PART", "GSM7_SINGLE", "UCS2_PART", "UCS2_SINGLE", "is_gsm7", "parts"]
