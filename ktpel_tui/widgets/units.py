"""Durations and numbers in the screen's language ("2h 4j" / "2d 4h", "3.100" / "3,100")."""

from __future__ import annotations

from ledger import clock
from ledger.i18n import language
from ledger.sop import Step


def duration(minutes: int) -> str:
    """The core's compact duration, with English units in English mode."""
    text = clock.format_minutes(minutes)
    if language() != "en":
        return text
    # The core writes hari/jam/menit as h/j/m; English reads d/h/m.
    return " ".join(
        part[:-1] + {"h": "d", "j": "h"}.get(part[-1], part[-1]) for part in text.split(" ")
    )


def number(value: int | None) -> str:
    if value is None:
        return "-"
    text = f"{value:,}"
    return text if language() == "en" else text.replace(",", ".")


def standard(step: Step) -> str:
    """A step's standard time as words ("30 menit" / "30 minutes")."""
    unit = "minutes" if language() == "en" else "menit"
    if step.minutes_max is not None:
        return f"{number(step.minutes)}–{number(step.minutes_max)} {unit}"
    return f"{number(step.minutes)} {unit}"
