"""Dates and times as the office writes them: "28 November 2026", "2 Des 2026", "28/11/2026",
"02.12.2026", "09.30". Turned into the ISO text `ledger.fields.coerce` reads, so the core's
parser stays the one that decides.
"""

from __future__ import annotations

import re
from datetime import date, datetime

MONTHS = {
    "januari": 1,
    "jan": 1,
    "january": 1,
    "februari": 2,
    "feb": 2,
    "pebruari": 2,
    "february": 2,
    "maret": 3,
    "mar": 3,
    "march": 3,
    "april": 4,
    "apr": 4,
    "mei": 5,
    "may": 5,
    "juni": 6,
    "jun": 6,
    "june": 6,
    "juli": 7,
    "jul": 7,
    "july": 7,
    "agustus": 8,
    "agu": 8,
    "agt": 8,
    "ags": 8,
    "aug": 8,
    "august": 8,
    "september": 9,
    "sep": 9,
    "sept": 9,
    "oktober": 10,
    "okt": 10,
    "oct": 10,
    "october": 10,
    "november": 11,
    "nov": 11,
    "nopember": 11,
    "desember": 12,
    "des": 12,
    "dec": 12,
    "december": 12,
}
MONTH_NAMES_ID = (
    "Januari Februari Maret April Mei Juni Juli Agustus September Oktober November Desember"
).split()
MONTH_NAMES_EN = (
    "January February March April May June July August September October November December"
).split()

_WORDS = re.compile(r"^(\d{1,2})\s+([A-Za-z]+)\.?\s+(\d{4})$")
_NUMERIC = re.compile(r"^(\d{1,2})[./-](\d{1,2})[./-](\d{4})$")
_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$")
_TIME = re.compile(r"^(\d{1,2})[.:](\d{2})$")


def parse_day(text: str) -> date | None:
    """A date in any of the office's spellings, or None."""
    text = " ".join(text.strip().split())
    try:
        if m := _WORDS.match(text):
            month = MONTHS.get(m.group(2).casefold())
            return date(int(m.group(3)), month, int(m.group(1))) if month else None
        if m := _NUMERIC.match(text):
            return date(int(m.group(3)), int(m.group(2)), int(m.group(1)))
        if m := _ISO.match(text):
            return date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
    except ValueError:  # 31 February
        return None
    return None


def parse_time(text: str) -> tuple[int, int] | None:
    m = _TIME.match(text.strip())
    if not m:
        return None
    hour, minute = int(m.group(1)), int(m.group(2))
    return (hour, minute) if hour < 24 and minute < 60 else None


def normalize(field_type: str, text: str) -> str:
    """The ISO text for a date/datetime field when `text` is in an office spelling; else `text`."""
    raw = text.strip()
    if field_type == "date":
        day = parse_day(raw)
        return day.isoformat() if day else text
    if field_type == "datetime":
        raw = raw.replace("T", " ")
        # The time is the last word ("28 November 2026 09.30", "28/11/2026 9:30").
        head, _, tail = raw.rpartition(" ")
        day, hm = parse_day(head), parse_time(tail)
        if day and hm:
            return f"{day.isoformat()} {hm[0]:02d}:{hm[1]:02d}"
        return text
    return text


def spoken(value: date | datetime, lang: str) -> str:
    """A parsed value written out in full, to show under the field ("28 November 2026 09.30")."""
    names = MONTH_NAMES_EN if lang == "en" else MONTH_NAMES_ID
    day = value.date() if isinstance(value, datetime) else value
    text = f"{day.day} {names[day.month - 1]} {day.year}"
    if isinstance(value, datetime):
        sep = ":" if lang == "en" else "."
        text += f" {value.hour:02d}{sep}{value.minute:02d}"
    return text
