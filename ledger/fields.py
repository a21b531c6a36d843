"""Field values: turning what a clerk typed into typed values, and checking typed values.

Used by the CLI and the TUI to read input, and by `apply` to check every event, whether it
was typed here, replayed from another clone, or read back from a file.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any

from . import clock
from .rules import Violation
from .sop import Field

TYPE_WORDS = {
    "text": ("teks", "text"),
    "int": ("bilangan bulat", "a whole number"),
    "date": ("tanggal (TTTT-BB-HH)", "a date (YYYY-MM-DD)"),
    "datetime": ("tanggal dan jam (TTTT-BB-HH JJ:MM)", "a date and time (YYYY-MM-DD HH:MM)"),
    "bool": ("ya atau tidak", "yes or no"),
    "choice": ("salah satu pilihan", "one of the options"),
    "office": ("kode Kab/Kota (mis. 19.01)", "a Kab/Kota code (e.g. 19.01)"),
    "letter_number": ("nomor surat", "a letter number"),
    "counts": (
        "daftar KODE=JUMLAH (mis. 19.01=500,19.02=300)",
        "a list CODE=COUNT (e.g. 19.01=500,19.02=300)",
    ),
    "schedule": (
        "daftar KODE=TANGGAL/ambil|antar (mis. 19.01=2026-11-20/ambil)",
        "a list CODE=DATE/ambil|antar (e.g. 19.01=2026-11-20/ambil)",
    ),
}

SCHEDULE_MODES = ("ambil", "antar")
_TRUE = {"ya", "y", "yes", "true", "1", "benar"}
_FALSE = {"tidak", "t", "no", "n", "false", "0", "salah"}
_THOUSANDS = re.compile(r"^\d{1,3}(\.\d{3})+$")


class InputError(ValueError):
    """Raised by `coerce` with the violation to show next to the field."""

    def __init__(self, violation: Violation) -> None:
        super().__init__(violation.code)
        self.violation = violation


def _type_error(field: Field, raw: object, code: str = "field-type") -> InputError:
    from . import i18n

    words = TYPE_WORDS.get(field.type, (field.type, field.type))
    expected = words[1] if i18n.language() == "en" else words[0]
    return InputError(
        Violation(
            code,
            {
                "label": field.label,
                "expected": expected,
                "value": raw,
                "options": ", ".join(field.options),
            },
            field=field.name,
        )
    )


def parse_count(text: str) -> int:
    text = text.strip().replace("_", "").replace(" ", "")
    if _THOUSANDS.match(text):
        text = text.replace(".", "")
    if not re.fullmatch(r"-?[0-9]+", text) or len(text) > 12:
        raise ValueError(text)
    return int(text)


def parse_date(text: str) -> date:
    text = text.strip()
    for pattern in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y"):
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(text)


def coerce(field: Field, raw: str) -> Any:
    """Turn typed text into the field's value; raise InputError with a clerk's sentence."""
    text = raw.strip()
    if text == "":
        if field.required:
            raise InputError(Violation("field-missing", {"label": field.label}, field=field.name))
        return None
    try:
        if field.type in ("text", "letter_number"):
            return " ".join(text.split())
        if field.type == "office":
            return text
        if field.type == "choice":
            if text.lower() not in field.options:
                raise InputError(
                    Violation(
                        "field-choice",
                        {"label": field.label, "options": ", ".join(field.options)},
                        field=field.name,
                    )
                )
            return text.lower()
        if field.type == "int":
            value = parse_count(text)
            if value < 0:
                raise _type_error(field, raw, "bad-count")
            return value
        if field.type == "date":
            return parse_date(text)
        if field.type == "datetime":
            return clock.parse_datetime(text.replace(" ", "T", 1) if "T" not in text else text)
        if field.type == "bool":
            low = text.lower()
            if low in _TRUE:
                return True
            if low in _FALSE:
                return False
            raise ValueError(text)
        if field.type == "counts":
            out: dict[str, int] = {}
            for part in _parts(text):
                code, value = _split_pair(part)
                number = parse_count(value)
                if number < 0:
                    raise _type_error(field, raw, "bad-count")
                out[code] = number
            return out
        if field.type == "schedule":
            sched: dict[str, dict[str, Any]] = {}
            for part in _parts(text):
                code, value = _split_pair(part)
                when, _, mode = value.partition("/")
                if mode.strip().lower() not in SCHEDULE_MODES:
                    raise ValueError(value)
                sched[code] = {"date": parse_date(when), "mode": mode.strip().lower()}
            return sched
    except InputError:
        raise
    except ValueError:
        raise _type_error(field, raw) from None
    raise _type_error(field, raw)


def _parts(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,;\n]", text) if p.strip()]


def _split_pair(part: str) -> tuple[str, str]:
    for sep in ("=", ":"):
        if sep in part:
            code, value = part.split(sep, 1)
            return code.strip(), value.strip()
    raise ValueError(part)


def format_value(field_type: str, value: Any) -> str:
    """The typed form of a value, as a clerk would type it back (used to prefill forms)."""
    if value is None:
        return ""
    if field_type == "bool":
        return "ya" if value else "tidak"
    if field_type == "counts":
        return ",".join(f"{k}={v}" for k, v in value.items())
    if field_type == "schedule":
        return ",".join(f"{k}={v['date'].isoformat()}/{v['mode']}" for k, v in value.items())
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


# The largest count one value may hold: ten million keping is more than Indonesia's blanks for a
# year in one delivery, so anything above it is a typing or a forging error, never a real count.
# A bound also keeps a hostile file's 2^64 from reaching sums and the documents' words.
MAX_COUNT = 10_000_000


def _too_large(field: Field) -> Violation:
    return Violation(
        "count-too-large",
        {"label": field.label, "limit": f"{MAX_COUNT:,}".replace(",", ".")},
        field=field.name,
    )


def check_value(field: Field, value: Any, kabkota: Mapping[str, object]) -> Violation | None:
    """Check an already-typed value (from a file, a replay or `coerce`)."""
    if value is None or value == "" or value == {}:
        if field.required:
            return Violation("field-missing", {"label": field.label}, field=field.name)
        return None
    if field.type in ("text", "letter_number"):
        ok = isinstance(value, str) and value.strip() != ""
    elif field.type == "int":
        if isinstance(value, bool) or not isinstance(value, int):
            return _type_error(field, value, "bad-count").violation
        if value < 0:
            return _type_error(field, value, "bad-count").violation
        if value > MAX_COUNT:
            return _too_large(field)
        ok = True
    elif field.type == "date":
        ok = isinstance(value, date) and not isinstance(value, datetime)
    elif field.type == "datetime":
        ok = isinstance(value, datetime) and value.tzinfo is not None
    elif field.type == "bool":
        ok = isinstance(value, bool)
    elif field.type == "choice":
        if value not in field.options:
            return Violation(
                "field-choice",
                {"label": field.label, "options": ", ".join(field.options)},
                field=field.name,
            )
        ok = True
    elif field.type == "office":
        if value not in kabkota:
            return Violation("unknown-office", {"code": value}, field=field.name)
        ok = True
    elif field.type == "counts":
        if not isinstance(value, Mapping):
            return _type_error(field, value).violation
        for code, number in value.items():
            if code not in kabkota:
                return Violation("unknown-office", {"code": code}, field=field.name)
            if isinstance(number, bool) or not isinstance(number, int) or number < 0:
                return _type_error(field, f"{code}={number}", "bad-count").violation
            if number > MAX_COUNT:
                return _too_large(field)
        ok = True
    elif field.type == "schedule":
        if not isinstance(value, Mapping):
            return _type_error(field, value).violation
        for code, item in value.items():
            if code not in kabkota:
                return Violation("unknown-office", {"code": code}, field=field.name)
            if (
                not isinstance(item, Mapping)
                or not isinstance(item.get("date"), date)
                or item.get("mode") not in SCHEDULE_MODES
            ):
                return _type_error(field, f"{code}={item}").violation
        ok = True
    else:
        ok = False
    return None if ok else _type_error(field, value).violation


def normalize_letter_number(number: str) -> str:
    """Letter numbers compare without case or spacing differences: '470/ 12/x' == '470/12/X',
    in NFKC form (full-width '４７０' is '470'; issue 16)."""
    import unicodedata

    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", number)).casefold()
