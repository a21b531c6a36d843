"""Office time: due times, elapsed office minutes and lateness, as the office counts them.

The national days come from the real `holidays` package (pinned in pyproject.toml); where a
test relies on one, it first asserts what the package says about that date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from ledger import i18n
from ledger.clock import WIB
from ledger.rules import LedgerError
from ledger.worktime import (
    CALENDAR,
    WORKING,
    closures,
    default_calendar,
    format_due,
    parse_calendar,
)


def wib(*args: int) -> datetime:
    return datetime(*args, tzinfo=WIB)


CHRISTMAS_EVE_1545 = wib(2026, 12, 24, 15, 45)  # a Thursday


# --- the case --------------------------------------------------------------------------


def test_holidays_package_facts_the_case_relies_on():
    cal = default_calendar()
    days = cal.national_days(2026)
    assert days[date(2026, 12, 25)] == "Hari Raya Natal"
    assert days[date(2026, 12, 24)] == "Cuti Bersama Hari Raya Natal"
    assert cal.national_days(2026, "en")[date(2026, 12, 25)] == "Christmas Day"
    assert date(2026, 12, 28) not in days
    assert cal.day(date(2026, 12, 24)).closed == "Cuti Bersama Hari Raya Natal"
    assert cal.day(date(2026, 12, 24)).hours == ()
    assert cal.day(date(2026, 12, 28)).working_minutes == 450


@pytest.mark.parametrize(
    "now",
    [
        wib(2026, 12, 24, 23, 0),
        wib(2026, 12, 25, 10, 0),  # Christmas
        wib(2026, 12, 25, 16, 0),
        wib(2026, 12, 26, 12, 0),  # Saturday
        wib(2026, 12, 27, 23, 59),  # Sunday night
        wib(2026, 12, 28, 7, 45),  # Monday, office open a quarter of an hour
    ],
)
def test_thirty_office_minutes_from_thursday_1545_not_late_over_the_long_weekend(now):
    timing = default_calendar().timing(CHRISTMAS_EVE_1545, 30, WORKING, now)
    assert not timing.late
    assert not default_calendar().overdue(CHRISTMAS_EVE_1545, 30, WORKING, now)


@pytest.mark.parametrize("kind", [WORKING, CALENDAR])
def test_a_step_stamped_ahead_of_this_clock_has_waited_nothing_not_a_negative_time(kind):
    """Another office's clock runs an hour ahead: its step, synced here, shows 0, not "-1j"."""
    started = wib(2026, 12, 28, 10, 0)
    timing = default_calendar().timing(started, 30, kind, started - timedelta(hours=1))
    assert timing.elapsed == 0 and not timing.late


def test_thirty_office_minutes_from_thursday_1545_late_on_monday_at_ten():
    cal = default_calendar()
    now = wib(2026, 12, 28, 10, 0)
    timing = cal.timing(CHRISTMAS_EVE_1545, 30, WORKING, now)
    # The 24th is cuti bersama, so counting starts Monday 07:30 and the half hour ends at 08:00.
    assert timing.due == wib(2026, 12, 28, 8, 0)
    assert timing.elapsed == 150
    assert timing.late
    assert cal.overdue(CHRISTMAS_EVE_1545, 30, WORKING, now)
    assert format_due(timing.due, now) == "Senin 08:00"
    assert format_due(timing.due, now, "en") == "Monday 08:00"


def test_calendar_step_counts_the_weekend():
    cal = default_calendar()
    assert cal.due(CHRISTMAS_EVE_1545, 30, CALENDAR) == wib(2026, 12, 24, 16, 15)
    assert cal.overdue(CHRISTMAS_EVE_1545, 30, CALENDAR, wib(2026, 12, 25, 10, 0))
    # Air freight, 2880 minutes ("about 2 days"): due Saturday, late on Sunday.
    assert cal.due(CHRISTMAS_EVE_1545, 2880, CALENDAR) == wib(2026, 12, 26, 15, 45)
    assert not cal.overdue(CHRISTMAS_EVE_1545, 2880, CALENDAR, wib(2026, 12, 26, 15, 45))
    assert cal.overdue(CHRISTMAS_EVE_1545, 2880, CALENDAR, wib(2026, 12, 27, 9, 0))
    assert cal.elapsed(CHRISTMAS_EVE_1545, wib(2026, 12, 28, 15, 45), CALENDAR) == 4 * 24 * 60
    # Office time over the same four days: only Monday 07:30-15:45 less the hour's break.
    assert cal.elapsed(CHRISTMAS_EVE_1545, wib(2026, 12, 28, 15, 45), WORKING) == 435


def test_without_cuti_bersama_the_thursday_quarter_hour_counts():
    cal = parse_calendar({"cuti_bersama": False})
    assert cal.day(date(2026, 12, 24)).closed == ""
    assert cal.day(date(2026, 12, 25)).closed == "Hari Raya Natal"
    # 15:45-16:00 on Thursday, then 07:30-07:45 on Monday.
    assert cal.due(CHRISTMAS_EVE_1545, 30, WORKING) == wib(2026, 12, 28, 7, 45)


# --- hours and breaks (Perpres 21/2023) ------------------------------------------------------


def test_an_ordinary_week_is_thirty_seven_and_a_half_office_hours():
    cal = default_calendar()
    monday = wib(2026, 11, 2)  # 2-6 November 2026: no national day
    assert not closures(cal, (monday.date() + timedelta(n) for n in range(7)))
    assert cal.elapsed(monday, monday + timedelta(days=7), WORKING) == 37 * 60 + 30
    assert [cal.day(monday.date() + timedelta(n)).working_minutes for n in range(7)] == [
        450,
        450,
        450,
        450,
        450,
        0,
        0,
    ]


def test_ramadan_week_is_thirty_two_and_a_half_hours_from_eight():
    cal = parse_calendar({"ramadan": [{"from": date(2026, 2, 19), "to": date(2026, 3, 20)}]})
    monday = wib(2026, 2, 23)  # a Ramadan week with no national day
    assert not closures(cal, (monday.date() + timedelta(n) for n in range(7)))
    assert cal.elapsed(monday, monday + timedelta(days=7), WORKING) == 32 * 60 + 30
    day = cal.day(monday.date())
    assert day.ramadan
    assert day.hours == ((8 * 3600, 12 * 3600), (12 * 3600 + 1800, 15 * 3600))
    # 14:45 + 30 minutes: 15 before closing at 15:00, 15 from 08:00 the next day.
    assert cal.due(wib(2026, 2, 23, 14, 45), 30, WORKING) == wib(2026, 2, 24, 8, 15)
    assert not cal.day(date(2026, 3, 30)).ramadan


def test_the_break_does_not_count():
    cal = default_calendar()
    assert cal.due(wib(2026, 11, 2, 11, 45), 30, WORKING) == wib(2026, 11, 2, 13, 15)
    # Friday's break is 90 minutes, from 11:30 (Friday prayer).
    assert cal.due(wib(2026, 11, 6, 11, 15), 30, WORKING) == wib(2026, 11, 6, 13, 15)
    assert cal.elapsed(wib(2026, 11, 6, 11, 0), wib(2026, 11, 6, 14, 0), WORKING) == 90


def test_due_at_closing_time_is_late_only_from_the_next_office_minute():
    cal = default_calendar()
    start = wib(2026, 11, 2, 15, 30)
    assert cal.due(start, 30, WORKING) == wib(2026, 11, 2, 16, 0)
    assert not cal.overdue(start, 30, WORKING, wib(2026, 11, 2, 16, 0))
    assert not cal.overdue(start, 30, WORKING, wib(2026, 11, 2, 21, 0))
    assert not cal.overdue(start, 30, WORKING, wib(2026, 11, 3, 7, 30))
    assert cal.overdue(start, 30, WORKING, wib(2026, 11, 3, 7, 31))


def test_a_step_started_at_night_counts_from_the_next_morning():
    cal = default_calendar()
    assert cal.due(wib(2026, 11, 2, 2, 0), 60, WORKING) == wib(2026, 11, 2, 8, 30)
    assert cal.due(wib(2026, 11, 2, 17, 0), 0, WORKING) == wib(2026, 11, 3, 7, 30)
    assert cal.due(wib(2026, 11, 2, 9, 0), 0, WORKING) == wib(2026, 11, 2, 9, 0)


def test_elapsed_office_minutes_between_two_instants():
    cal = default_calendar()
    monday_8 = wib(2026, 11, 2, 8, 0)
    tuesday_8 = wib(2026, 11, 3, 8, 0)
    assert cal.elapsed(monday_8, tuesday_8, WORKING) == 4 * 60 + 3 * 60 + 30
    assert cal.elapsed(tuesday_8, monday_8, WORKING) == -450
    assert cal.elapsed(monday_8, monday_8, WORKING) == 0
    assert cal.elapsed(monday_8, tuesday_8, CALENDAR) == 24 * 60


def test_due_and_elapsed_agree_over_many_starts():
    cal = default_calendar()
    start = wib(2026, 12, 20, 6, 0)
    for hours in range(0, 24 * 14, 5):
        for minutes in (1, 30, 120, 450, 2880):
            begin = start + timedelta(hours=hours, minutes=7)
            due = cal.due(begin, minutes, WORKING)
            assert due > begin
            assert cal.elapsed(begin, due, WORKING) == minutes
            assert cal.elapsed(begin, due - timedelta(minutes=1), WORKING) < minutes


def test_across_the_new_year():
    cal = default_calendar()
    assert cal.national_days(2027)[date(2027, 1, 1)] == "Tahun Baru Masehi"
    # 15 minutes on 31 December, New Year's Day and the weekend closed, 45 on Monday 4 January.
    due = cal.due(wib(2026, 12, 31, 15, 45), 60, WORKING)
    assert due == wib(2027, 1, 4, 8, 15)
    assert cal.elapsed(wib(2026, 12, 31, 15, 45), due, WORKING) == 60
    assert format_due(due, wib(2026, 12, 31, 16, 0)) == "Senin 4 Jan 2027 08:15"
    assert format_due(due, wib(2027, 1, 1, 9, 0)) == "Senin 4 Jan 08:15"
    assert format_due(due, wib(2027, 1, 4, 9, 0)) == "Senin 08:15"


def test_times_in_another_zone_are_read_as_the_same_instant():
    cal = default_calendar()
    utc = CHRISTMAS_EVE_1545.astimezone(UTC)
    assert cal.due(utc, 30, WORKING) == wib(2026, 12, 28, 8, 0)
    assert cal.due(utc, 30, WORKING).utcoffset() == timedelta(hours=7)
    assert cal.due(datetime(2026, 12, 24, 15, 45), 30, WORKING) == wib(2026, 12, 28, 8, 0)


def test_unknown_clock_is_a_programming_error():
    with pytest.raises(ValueError):
        default_calendar().due(CHRISTMAS_EVE_1545, 30, "kantor")


# --- the ledger's own days -------------------------------------------------------------------


def test_closed_days_of_the_ledger():
    cal = parse_calendar(
        {
            "closed": [
                {"from": date(2026, 11, 30), "name": "HUT Provinsi  Kepulauan Bangka Belitung"},
                {"from": date(2026, 11, 17), "to": date(2026, 11, 18), "name": "Kantor pindah"},
            ]
        }
    )
    assert cal.day(date(2026, 11, 30)).closed == "HUT Provinsi Kepulauan Bangka Belitung"
    assert cal.day(date(2026, 11, 18)).closed == "Kantor pindah"
    assert cal.day(date(2026, 11, 19)).closed == ""
    # Friday 27 November 16:00, 60 minutes: 30 on Friday, Monday 30th closed, 30 on Tuesday.
    assert cal.due(wib(2026, 11, 27, 16, 0), 60, WORKING) == wib(2026, 12, 1, 8, 0)
    names = [d.closed for d in closures(cal, (date(2026, 11, 27) + timedelta(n) for n in range(5)))]
    assert names == ["HUT Provinsi Kepulauan Bangka Belitung"]


def test_open_days_override_a_national_day():
    cal = parse_calendar({"open": [{"from": date(2026, 12, 24), "name": "Layanan tetap buka"}]})
    assert cal.day(date(2026, 12, 24)).working_minutes == 450
    assert cal.day(date(2026, 12, 25)).closed == "Hari Raya Natal"
    assert cal.due(CHRISTMAS_EVE_1545, 30, WORKING) == wib(2026, 12, 28, 7, 45)


def test_hours_table_changes_only_the_days_it_names():
    cal = parse_calendar({"hours": {"fri": [], "mon": ["08:00-12:00", "13:00-16:00"]}})
    assert cal.day(date(2026, 11, 6)).hours == ()
    assert cal.day(date(2026, 11, 2)).working_minutes == 420
    assert cal.day(date(2026, 11, 3)).working_minutes == 450
    # Thursday 15:30 + 60: 30 on Thursday, Friday closed by the ledger, 30 from 08:00 Monday.
    assert cal.due(wib(2026, 11, 5, 15, 30), 60, WORKING) == wib(2026, 11, 9, 8, 30)


def test_national_days_can_be_switched_off():
    cal = parse_calendar({"national_holidays": False, "cuti_bersama": False})
    assert cal.national_days(2026) == {}
    # Christmas falls on a Friday: with no national days it is an ordinary Friday.
    assert cal.day(date(2026, 12, 25)).working_minutes == 450


@pytest.mark.parametrize(
    ("table", "named"),
    [
        ({"libur": []}, "calendar.libur"),
        ({"hours": {"senin": ["07:30-16:00"]}}, "senin"),
        ({"hours": {"mon": ["7:30-12"]}}, "7:30-12"),
        ({"hours": {"mon": "07:30-16:00"}}, "calendar.hours.mon"),
        ({"hours": {"mon": ["12:00-07:30"]}}, "12:00-07:30"),
        ({"hours": {"mon": ["07:30-12:00", "11:00-16:00"]}}, "11:00-16:00"),
        ({"hours": {"mon": ["25:00-26:00"]}}, "25:00-26:00"),
        ({"hours": {d: [] for d in ("mon", "tue", "wed", "thu", "fri")}}, "calendar.hours"),
        ({"closed": [{"name": "tanpa tanggal"}]}, "calendar.closed"),
        ({"closed": [{"from": "2026-11-30"}]}, "calendar.closed"),
        ({"closed": [{"from": date(2026, 12, 2), "to": date(2026, 12, 1)}]}, "2026-12-01"),
        ({"closed": [{"from": date(2026, 1, 1), "to": date(2027, 6, 1)}]}, "366"),
        ({"closed": [{"from": date(2026, 1, 1), "untill": date(2026, 1, 2)}]}, "calendar.closed"),
        ({"ramadan": [{"from": date(2026, 2, 19), "to": date(2027, 3, 19)}]}, "31"),
        ({"cuti_bersama": "false"}, "calendar.cuti_bersama"),
        (
            {
                "closed": [{"from": date(2026, 12, 23), "to": date(2026, 12, 24)}],
                "open": [{"from": date(2026, 12, 24)}],
            },
            "2026-12-24",
        ),
    ],
)
def test_a_table_it_cannot_read_is_refused_naming_the_problem(table, named):
    with pytest.raises(LedgerError) as caught:
        parse_calendar(table)
    assert caught.value.code == "calendar-invalid"
    message = caught.value.message()
    assert message.startswith("Tabel [calendar] di ledger.toml tidak sah: ")
    assert named in message


def test_refusal_in_english():
    i18n.set_language("en")
    with pytest.raises(LedgerError) as caught:
        parse_calendar({"hours": {"mon": ["7:30-12"]}})
    assert caught.value.message() == (
        "The [calendar] table in ledger.toml is not valid: "
        "calendar.hours.mon: '7:30-12' is not a span HH:MM-HH:MM."
    )


# --- saying a due time ----------------------------------------------------------------------


def test_due_times_as_the_office_says_them():
    now = wib(2026, 11, 4, 9, 0)  # a Wednesday
    assert format_due(wib(2026, 11, 2, 8, 15), now) == "Senin 08:15"
    assert format_due(wib(2026, 11, 6, 13, 0), now) == "Jumat 13:00"
    assert format_due(wib(2026, 11, 8, 13, 0), now) == "Minggu 13:00"
    assert format_due(wib(2026, 11, 9, 8, 15), now) == "Senin 9 Nov 08:15"
    assert format_due(wib(2026, 8, 17, 8, 15), now) == "Senin 17 Agu 08:15"
    assert format_due(wib(2026, 11, 9, 8, 15), now, "en") == "Monday 9 Nov 08:15"
    i18n.set_language("en")
    assert format_due(wib(2026, 11, 5, 16, 0), now) == "Thursday 16:00"


def test_to_wib_gives_the_same_wib_time_for_every_kind_of_offset():
    """Times in request files come back from the parser with their own +07:00 object, or another
    zone; each must become the same WIB time, whole seconds, as a clerk's screen shows it."""
    from datetime import timezone

    from ledger.clock import to_wib

    cases = {
        datetime(2026, 3, 2, 9, 30, 15, 999): datetime(2026, 3, 2, 9, 30, 15, tzinfo=WIB),
        datetime(2026, 3, 2, 9, 30, tzinfo=WIB): datetime(2026, 3, 2, 9, 30, tzinfo=WIB),
        datetime(2026, 3, 2, 9, 30, 1, 5, tzinfo=timezone(timedelta(hours=7))): datetime(
            2026, 3, 2, 9, 30, 1, tzinfo=WIB
        ),
        datetime(2026, 3, 2, 10, 30, tzinfo=timezone(timedelta(hours=8), "WITA")): datetime(
            2026, 3, 2, 9, 30, tzinfo=WIB
        ),
        datetime(2026, 3, 2, 23, 0, tzinfo=UTC): datetime(2026, 3, 3, 6, 0, tzinfo=WIB),
    }
    for given, expected in cases.items():
        got = to_wib(given)
        assert got == expected and got.tzinfo is WIB and got.microsecond == 0, given
        assert got.isoformat() == expected.isoformat()
