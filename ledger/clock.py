"""Time in WIB (Asia/Jakarta, UTC+7, no daylight saving), with an overridable clock.

`KTPEL_NOW` (ISO 8601) fixes the clock for demos, snapshots and tests; `set_clock` does the
same in-process.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import date, datetime, timedelta, timezone

_WIB_OFFSET = timedelta(hours=7)
WIB = timezone(_WIB_OFFSET, "WIB")

_clock: Callable[[], datetime] | None = None


def set_clock(fn: Callable[[], datetime] | None) -> None:
    """Replace the clock (None restores the real one)."""
    global _clock
    _clock = fn


def now() -> datetime:
    """The current time in WIB, whole seconds."""
    if _clock is not None:
        value = _clock()
    elif fixed := os.environ.get("KTPEL_NOW"):
        value = datetime.fromisoformat(fixed)
    else:
        value = datetime.now(WIB)
    return to_wib(value)


def today() -> date:
    return now().date()


def to_wib(value: datetime) -> datetime:
    """Attach WIB to a naive time, convert an aware one; drop sub-second noise."""
    tz = value.tzinfo
    if tz is not WIB:
        if tz is None or value.utcoffset() == _WIB_OFFSET:
            # Naive means WIB; +07:00 (how a parser hands back a file's offset) is WIB's wall time.
            value = value.replace(tzinfo=WIB)
        else:
            value = value.astimezone(WIB)
    return value.replace(microsecond=0) if value.microsecond else value


def parse_datetime(text: str) -> datetime:
    """Parse ISO 8601 ('2026-11-02T09:30', '2026-11-02 09:30:00+07:00'); naive means WIB."""
    return to_wib(datetime.fromisoformat(text.strip()))


def minutes_between(start: datetime, end: datetime) -> int:
    return int((end - start).total_seconds() // 60)


def format_minutes(minutes: int) -> str:
    """Compact Indonesian-neutral duration: '45m', '3j 10m', '2h 4j' (hari/jam/menit)."""
    sign = "-" if minutes < 0 else ""
    minutes = abs(minutes)
    days, rest = divmod(minutes, 24 * 60)
    hours, mins = divmod(rest, 60)
    if days:
        return f"{sign}{days}h {hours}j"
    if hours:
        return f"{sign}{hours}j {mins}m"
    return f"{sign}{mins}m"
