"""Office time: when a step is due, how much of its time it has used, whether it is late.

A `WorkCalendar` is read from the ledger's optional `[calendar]` table (docs/FORMAT.md,
"Office time, letter numbers and hand-offs"); a ledger without one gets the defaults:

- office hours of Perpres 21/2023 (37.5 hours a week, Pasal 4 ayat 1): Monday to Thursday
  07:30-16:00 with a 60-minute break, Friday 07:30-16:30 with a 90-minute break (ayat 3 and 5).
  The Perpres sets the break's length and leaves its place to the instansi; the defaults put it
  where offices usually do, 12:00-13:00 and on Friday 11:30-13:00 (for Friday prayer);
- in Ramadan, 32.5 hours a week (ayat 2) from 08:00 (ayat 4) with a 30-minute break, 60 on
  Friday (ayat 6), placed as the yearly circular of the Menteri PANRB does: Monday to Thursday
  08:00-15:00 with 12:00-12:30 off, Friday 08:00-15:30 with 11:30-12:30 off. Ramadan's dates are
  set each year by the government, so the ledger lists them; there is no default range;
- closed on the national holidays and the cuti bersama the `holidays` package knows for
  Indonesia (country ID, categories public and government), plus the ledger's own closed days.

Everything is in WIB. A step's clock is `working` (only office time counts) or `calendar`
(every minute counts: air freight, delivery by road). `due`, `elapsed` and `timing` are the one
place where a step's standard minutes meet the clock; every figure shown (list, detail, audit,
recap, the Terlambat tab, reminders) comes from them.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from . import clock, i18n
from .rules import LedgerError, Violation

WORKING = "working"
CALENDAR = "calendar"
CLOCKS = (WORKING, CALENDAR)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")

# Office hours as the ledger.toml spells them: "HH:MM-HH:MM" spans, breaks are the gaps.
DEFAULT_HOURS: Mapping[str, tuple[str, ...]] = {
    "mon": ("07:30-12:00", "13:00-16:00"),
    "tue": ("07:30-12:00", "13:00-16:00"),
    "wed": ("07:30-12:00", "13:00-16:00"),
    "thu": ("07:30-12:00", "13:00-16:00"),
    "fri": ("07:30-11:30", "13:00-16:30"),
    "sat": (),
    "sun": (),
}
DEFAULT_RAMADAN_HOURS: Mapping[str, tuple[str, ...]] = {
    "mon": ("08:00-12:00", "12:30-15:00"),
    "tue": ("08:00-12:00", "12:30-15:00"),
    "wed": ("08:00-12:00", "12:30-15:00"),
    "thu": ("08:00-12:00", "12:30-15:00"),
    "fri": ("08:00-11:30", "12:30-15:30"),
    "sat": (),
    "sun": (),
}

DAY_NAMES = {
    "id": ("Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTH_NAMES = {
    "id": ("Jan", "Feb", "Mar", "Apr", "Mei", "Jun", "Jul", "Agu", "Sep", "Okt", "Nov", "Des"),
    "en": ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"),
}

# A closed range longer than a year, or a Ramadan longer than a month, is a typo in a date.
MAX_CLOSED_DAYS = 366
MAX_RAMADAN_DAYS = 31

_SPAN = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})$")
_KEYS = {"national_holidays", "cuti_bersama", "hours", "ramadan_hours", "ramadan", "closed", "open"}

Interval = tuple[int, int]  # seconds after midnight, start < end


@dataclass(frozen=True, slots=True)
class DateRange:
    """Days `start` to `end`, both included, with the name the office gives them."""

    start: date
    end: date
    name: str = ""

    def __contains__(self, day: date) -> bool:
        return self.start <= day <= self.end


@dataclass(frozen=True, slots=True)
class Day:
    """One day as the office sees it: its working spans, and why it is closed if it is."""

    date: date
    hours: tuple[Interval, ...]
    closed: str = ""  # a holiday's or closure's name; "" on a working day or a weekend
    ramadan: bool = False

    @property
    def working_minutes(self) -> int:
        return sum(end - start for start, end in self.hours) // 60


@dataclass(frozen=True, slots=True)
class Timing:
    """A step's time against its standard: what every list, detail, audit and recap shows."""

    start: datetime
    standard: int  # minutes
    clock: str
    due: datetime
    elapsed: int  # minutes counted by the step's clock, from start to `until`
    until: datetime
    late: bool  # more of the clock's time has passed than the standard allows


@dataclass(frozen=True, slots=True)
class _Year:
    first: int  # ordinal of 1 January
    days: tuple[tuple[Interval, ...], ...]
    cum: tuple[int, ...]  # cum[i]: working seconds in the year before day i; cum[-1] = total


@dataclass(frozen=True, slots=True)
class WorkCalendar:
    """Office hours, holidays and closures; answers due times and elapsed office time."""

    hours: tuple[tuple[Interval, ...], ...]  # by weekday, Monday first
    ramadan_hours: tuple[tuple[Interval, ...], ...]
    ramadan: tuple[DateRange, ...]
    closed: tuple[DateRange, ...]
    open: tuple[DateRange, ...]
    national_holidays: bool
    cuti_bersama: bool
    # Per-year tables and holiday names, filled on first use (a calendar is read once per policy).
    _years: dict[int, _Year] = field(default_factory=dict, compare=False, repr=False)
    _names: dict[tuple[int, str], dict[date, str]] = field(
        default_factory=dict, compare=False, repr=False
    )

    # --- days ------------------------------------------------------------------------------

    def national_days(self, year: int, lang: str | None = None) -> dict[date, str]:
        """The national holidays and cuti bersama this calendar closes on, with their names."""
        lang = lang or i18n.language()
        key = (year, lang)
        if key not in self._names:
            categories = tuple(
                category
                for category, wanted in (
                    ("public", self.national_holidays),
                    ("government", self.cuti_bersama),
                )
                if wanted
            )
            names: dict[date, str] = {}
            if categories:
                import holidays  # imported on first use: it takes a tenth of a second

                found = holidays.country_holidays(
                    "ID",
                    years=year,
                    categories=categories,
                    language="en_US" if lang == "en" else "id",
                )
                names = dict(found.items())
            self._names[key] = names
        return self._names[key]

    def day(self, when: date, lang: str | None = None) -> Day:
        """What the office does on a date: its hours, or why it is closed."""
        in_ramadan = any(when in r for r in self.ramadan)
        table = self.ramadan_hours if in_ramadan else self.hours
        hours = table[when.weekday()]
        for span in self.closed:
            if when in span:
                return Day(when, (), span.name, in_ramadan)
        national = self.national_days(when.year, lang).get(when)
        if national and not any(when in span for span in self.open):
            return Day(when, (), national, in_ramadan)
        return Day(when, hours, "", in_ramadan)

    def _year(self, year: int) -> _Year:
        table = self._years.get(year)
        if table is None:
            first = date(year, 1, 1)
            count = (date(year + 1, 1, 1) - first).days
            days = tuple(self.day(first + timedelta(i), "id").hours for i in range(count))
            cum = [0]
            for hours in days:
                cum.append(cum[-1] + sum(end - start for start, end in hours))
            table = self._years[year] = _Year(first.toordinal(), days, tuple(cum))
        return table

    def _position(self, when: datetime) -> int:
        """Working seconds from the start of `when`'s year up to `when` (in WIB)."""
        table = self._year(when.year)
        index = when.toordinal() - table.first
        second = when.hour * 3600 + when.minute * 60 + when.second
        total = table.cum[index]
        for start, end in table.days[index]:
            if second > start:
                total += (second if second < end else end) - start
        return total

    def _working_seconds(self, start: datetime, end: datetime) -> int:
        if end < start:
            return -self._working_seconds(end, start)
        if start.year == end.year:
            return self._position(end) - self._position(start)
        total = self._year(start.year).cum[-1] - self._position(start)
        for year in range(start.year + 1, end.year):
            total += self._year(year).cum[-1]
        return total + self._position(end)

    def _after_working(self, start: datetime, seconds: int) -> datetime:
        """The instant at which `seconds` (1 or more) of office time after `start` have passed."""
        year = start.year
        target = self._position(start) + seconds
        table = self._year(year)
        low = start.toordinal() - table.first + 1
        while target > table.cum[-1]:
            target -= table.cum[-1]
            year, low = year + 1, 1
            table = self._year(year)
        index = bisect.bisect_left(table.cum, target, lo=low) - 1
        need = target - table.cum[index]
        for begin, end in table.days[index]:
            if need <= end - begin:
                moment = datetime(year, 1, 1, tzinfo=clock.WIB) + timedelta(index)
                return moment + timedelta(seconds=begin + need)
            need -= end - begin
        raise AssertionError("cum and days disagree")  # cum is built from days

    def _due(self, start: datetime, minutes: int, clock_kind: str) -> datetime:
        if _checked(clock_kind) == CALENDAR:
            return start + timedelta(minutes=minutes)
        if minutes <= 0:
            # The first office second after start, less that second: the next office minute.
            return self._after_working(start, 1) - timedelta(seconds=1)
        return self._after_working(start, minutes * 60)

    def _seconds(self, start: datetime, end: datetime, clock_kind: str) -> int:
        if _checked(clock_kind) == CALENDAR:
            return int((end - start).total_seconds())
        return self._working_seconds(start, end)

    # --- the one place where minutes meet the clock ----------------------------------------

    def due(self, start: datetime, minutes: int, clock_kind: str) -> datetime:
        """When a step started at `start` with `minutes` of standard time is due.

        Calendar time: start + minutes. Office time: the moment the standard minutes of office
        hours after `start` have passed; a step started outside office hours starts counting
        at the next office minute, so a 0-minute step is due at that minute.
        """
        return self._due(_wib(start), minutes, clock_kind)

    def elapsed(self, start: datetime, end: datetime, clock_kind: str) -> int:
        """Whole minutes of the clock's time from start to end (negative if end is earlier)."""
        return self._seconds(_wib(start), _wib(end), clock_kind) // 60

    def timing(self, start: datetime, minutes: int, clock_kind: str, until: datetime) -> Timing:
        """Due time, minutes used and lateness of a step, as of `until` (its end, or now).

        Late means more of the clock's time has passed than the standard: for office time that
        is from the first office minute after the due time, not over the evening or a holiday.
        """
        start, until = _wib(start), _wib(until)
        seconds = self._seconds(start, until, clock_kind)
        return Timing(
            start=start,
            standard=minutes,
            clock=clock_kind,
            due=self._due(start, minutes, clock_kind),
            # A step stamped after `until` (an office whose clock runs ahead, synced here) has
            # waited nothing yet: never a negative wait on screen or in the figures.
            elapsed=max(seconds, 0) // 60,
            until=until,
            late=seconds > minutes * 60,
        )

    def late_from(self, start: datetime, minutes: int, clock_kind: str) -> datetime:
        """The first instant at which a step still open is late: `overdue(start, minutes,
        clock, now)` is `now >= late_from(...)`. Kept in the list's cache, so the Terlambat tab
        needs no calendar to tell (for office time: the first office second after the due)."""
        start = _wib(start)
        if _checked(clock_kind) == CALENDAR:
            return start + timedelta(seconds=minutes * 60 + 1)
        return self._after_working(start, max(minutes, 0) * 60 + 1)

    def overdue(self, start: datetime, minutes: int, clock_kind: str, now: datetime) -> bool:
        """Whether a step still open at `now` is late (see `timing`)."""
        return self._seconds(_wib(start), _wib(now), clock_kind) > minutes * 60


def _wib(value: datetime) -> datetime:
    # Times read from a ledger are already whole-second WIB; skip the conversion for them.
    if value.tzinfo is clock.WIB and not value.microsecond:
        return value
    return clock.to_wib(value)


def _checked(clock_kind: str) -> str:
    if clock_kind not in CLOCKS:
        raise ValueError(f"clock must be one of {CLOCKS}, not {clock_kind!r}")
    return clock_kind


# --- reading the [calendar] table ------------------------------------------------------------


def _invalid(id_reason: str, en_reason: str) -> LedgerError:
    return LedgerError(
        Violation(
            "calendar-invalid",
            {"reason": i18n.pick(id_reason, en_reason)},
            path="ledger.toml",
        )
    )


def _spans(where: str, value: object) -> tuple[Interval, ...]:
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise _invalid(
            f'{where} harus daftar jam seperti ["07:30-12:00", "13:00-16:00"]',
            f'{where} must be a list of spans like ["07:30-12:00", "13:00-16:00"]',
        )
    out: list[Interval] = []
    for text in value:
        match = _SPAN.match(text.strip())
        numbers = [int(g) for g in match.groups()] if match else []
        if (
            not numbers
            or numbers[0] > 23
            or numbers[2] > 24
            or numbers[1] > 59
            or numbers[3] > 59
            or (numbers[2] == 24 and numbers[3] != 0)
        ):
            raise _invalid(
                f"{where}: '{text}' bukan rentang jam JJ:MM-JJ:MM",
                f"{where}: '{text}' is not a span HH:MM-HH:MM",
            )
        begin = numbers[0] * 3600 + numbers[1] * 60
        end = numbers[2] * 3600 + numbers[3] * 60
        if end <= begin or (out and begin < out[-1][1]):
            raise _invalid(
                f"{where}: rentang jam harus berurutan, tidak tumpang tindih, dan berakhir sesudah mulai ('{text}')",
                f"{where}: spans must be in order, not overlap, and end after they start ('{text}')",
            )
        out.append((begin, end))
    return tuple(out)


def _week(where: str, value: object, defaults: Mapping[str, tuple[str, ...]]) -> tuple:
    if value is None:
        value = {}
    if not isinstance(value, Mapping):
        raise _invalid(f"{where} harus tabel", f"{where} must be a table")
    unknown = sorted(set(value) - set(WEEKDAYS))
    if unknown:
        raise _invalid(
            f"{where}: hari '{unknown[0]}' tidak dikenal (pakai {', '.join(WEEKDAYS)})",
            f"{where}: unknown day '{unknown[0]}' (use {', '.join(WEEKDAYS)})",
        )
    return tuple(_spans(f"{where}.{day}", value.get(day, defaults[day])) for day in WEEKDAYS)


def _ranges(where: str, value: object, longest: int) -> tuple[DateRange, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise _invalid(
            f"{where} harus daftar tabel [[{where}]] dengan from, to, name",
            f"{where} must be a list of [[{where}]] tables with from, to, name",
        )
    out = []
    for index, item in enumerate(value, start=1):
        start, end = item.get("from"), item.get("to", item.get("from"))
        name = item.get("name", "")
        extra = sorted(set(item) - {"from", "to", "name"})
        if extra or not _is_date(start) or not _is_date(end) or not isinstance(name, str):
            raise _invalid(
                f"{where} ke-{index}: perlu from (tanggal), boleh to (tanggal) dan name (teks)",
                f"{where} #{index}: needs from (a date), may have to (a date) and name (text)",
            )
        if end < start or (end - start).days + 1 > longest:
            raise _invalid(
                f"{where} ke-{index}: {start} s.d. {end} harus maju dan paling lama {longest} hari",
                f"{where} #{index}: {start} to {end} must run forward and last at most {longest} days",
            )
        out.append(DateRange(start, end, " ".join(name.split())))
    return tuple(out)


def _is_date(value: object) -> bool:
    return isinstance(value, date) and not isinstance(value, datetime)


def _flag(table: Mapping[str, Any], key: str) -> bool:
    value = table.get(key, True)
    if not isinstance(value, bool):
        raise _invalid(
            f"calendar.{key} harus true atau false (tanpa tanda kutip), bukan {value!r}",
            f"calendar.{key} must be true or false (without quotes), not {value!r}",
        )
    return value


def parse_calendar(table: Mapping[str, Any] | None) -> WorkCalendar:
    """Build the calendar from ledger.toml's `[calendar]` table (None: the defaults).

    Refuses a table it cannot read with `calendar-invalid`, naming the key.
    """
    table = {} if table is None else table
    if not isinstance(table, Mapping):
        raise _invalid("[calendar] harus tabel", "[calendar] must be a table")
    unknown = sorted(set(table) - _KEYS)
    if unknown:
        raise _invalid(
            f"kunci calendar.{unknown[0]} tidak dikenal",
            f"unknown key calendar.{unknown[0]}",
        )
    hours = _week("calendar.hours", table.get("hours"), DEFAULT_HOURS)
    if not any(hours):
        raise _invalid(
            "calendar.hours: sedikitnya satu hari harus punya jam kerja",
            "calendar.hours: at least one day must have office hours",
        )
    closed = _ranges("calendar.closed", table.get("closed"), MAX_CLOSED_DAYS)
    opened = _ranges("calendar.open", table.get("open"), MAX_CLOSED_DAYS)
    for shut in closed:
        for span in opened:
            if shut.start <= span.end and span.start <= shut.end:
                raise _invalid(
                    f"tanggal {max(shut.start, span.start)} tercantum di calendar.closed dan calendar.open",
                    f"the date {max(shut.start, span.start)} is in both calendar.closed and calendar.open",
                )
    return WorkCalendar(
        hours=hours,
        ramadan_hours=_week(
            "calendar.ramadan_hours", table.get("ramadan_hours"), DEFAULT_RAMADAN_HOURS
        ),
        ramadan=_ranges("calendar.ramadan", table.get("ramadan"), MAX_RAMADAN_DAYS),
        closed=closed,
        open=opened,
        national_holidays=_flag(table, "national_holidays"),
        cuti_bersama=_flag(table, "cuti_bersama"),
    )


_DEFAULT: list[WorkCalendar] = []


def default_calendar() -> WorkCalendar:
    """The calendar of a ledger without a [calendar] table (built once, shared)."""
    if not _DEFAULT:
        _DEFAULT.append(parse_calendar(None))
    return _DEFAULT[0]


# --- saying a time as the office does ---------------------------------------------------------


def format_due(due: datetime, now: datetime | None = None, lang: str | None = None) -> str:
    """'Senin 08:15' within this week (Monday to Sunday of `now`); with the date otherwise:
    'Senin 4 Jan 08:15', and the year too when it is not this year. English with lang='en'."""
    lang = "en" if (lang or i18n.language()) == "en" else "id"
    due = clock.to_wib(due)
    now = clock.to_wib(now) if now is not None else clock.now()
    weekday = DAY_NAMES[lang][due.weekday()]
    time = due.strftime("%H:%M")
    if due.isocalendar()[:2] == now.isocalendar()[:2]:
        return f"{weekday} {time}"
    day = f"{due.day} {MONTH_NAMES[lang][due.month - 1]}"
    if due.year != now.year:
        day += f" {due.year}"
    return f"{weekday} {day} {time}"


def closures(calendar: WorkCalendar, days: Iterable[date], lang: str | None = None) -> list[Day]:
    """The closed working days among `days` (a holiday or closure), e.g. to explain a wait."""
    return [d for d in (calendar.day(day, lang) for day in days) if d.closed]
