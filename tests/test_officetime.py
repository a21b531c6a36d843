"""Office time wired in: one step's lateness agrees across list, `list --overdue --json`,
`show --json` and the audit's figures, on a real ledger with a fixed clock (KTPEL_NOW).

Step 2 (30 minutes, `working`) starts Thursday 2026-12-24 15:45 WIB, a cuti bersama: it is
due Monday 28 December 08:00 and late only from then, not over Christmas or the weekend.
"""

from __future__ import annotations

import json
from datetime import datetime

import pytest

from ktpel_tui.cli import main
from ledger import clock
from ledger.bootstrap import init_ledger
from ledger.demo import ACTOR, PEOPLE, _kadis_kab, _step_data, with_demo_keys
from ledger.figures import figures
from ledger.request import Event

START = datetime(2026, 12, 24, 15, 45, tzinfo=clock.WIB)


@pytest.fixture
def ledger_path(tmp_path):
    root = tmp_path / "office"
    people = with_demo_keys(PEOPLE, datetime(2026, 12, 1).date())
    led = init_ledger(
        root, people[0], people=people[1:], at=datetime(2026, 12, 1, 9, 0, tzinfo=clock.WIB)
    )
    created = led.record(
        None,
        Event(
            "create",
            0,
            datetime(2026, 12, 23, 9, 0, tzinfo=clock.WIB),
            _kadis_kab("19.01"),
            "kadis-kabkota",
            {
                "kabkota": "19.01",
                "letter_number": "470/101/Dukcapil-19.01/2026",
                "letter_date": datetime(2026, 12, 21).date(),
                "blanks_requested": 800,
                "stock_left": 20,
            },
        ),
    ).request
    import random

    data = _step_data(led, created, 1, START, random.Random(1))
    led.record(created.id, Event("advance", 1, START, ACTOR["kasi"], "kasi", data))
    led.close()
    return root, created.id


def _run(capsys, monkeypatch, now: str, *args: str):
    monkeypatch.setenv("KTPEL_NOW", now)
    assert main(list(args)) == 0
    return capsys.readouterr().out


@pytest.mark.parametrize(
    ("now", "late"),
    [
        ("2026-12-25T10:00:00+07:00", False),  # Hari Raya Natal
        ("2026-12-26T10:00:00+07:00", False),  # Saturday
        ("2026-12-27T23:00:00+07:00", False),  # Sunday night
        ("2026-12-28T07:59:00+07:00", False),  # Monday, before the 30 office minutes are used
        ("2026-12-28T10:00:00+07:00", True),
    ],
)
def test_a_working_step_is_late_only_in_office_time_everywhere(
    ledger_path, capsys, monkeypatch, now, late
):
    root, request_id = ledger_path
    ledger = ["--ledger", str(root)]
    overdue = json.loads(_run(capsys, monkeypatch, now, "list", "--overdue", "--json", *ledger))
    assert [s["id"] for s in overdue] == ([request_id] if late else [])
    listed = json.loads(_run(capsys, monkeypatch, now, "list", "--json", *ledger))
    assert listed[0]["overdue"] is late
    assert listed[0]["due"] == "2026-12-28T08:00:00+07:00"
    table = _run(capsys, monkeypatch, now, "list", *ledger)
    assert ("TERLAMBAT" in table) is late
    shown = json.loads(_run(capsys, monkeypatch, now, "show", request_id, "--json", *ledger))
    current = [r for r in shown["timeline"] if r["status"] == "sekarang"]
    assert current[0]["step"] == 2 and current[0]["late"] is late
    assert current[0]["due"] == "2026-12-28T08:00:00+07:00"
    text = _run(capsys, monkeypatch, now, "show", request_id, *ledger)
    assert "Senin" in text and "08:00" in text
    from ledger.store import Ledger

    with Ledger.open(root) as led:
        figs = figures(led, now=clock.parse_datetime(now))
    assert [(o.request, o.step) for o in figs.overdue] == ([(request_id, 2)] if late else [])


def test_a_calendar_step_counts_the_weekend():
    cal = __import__("ledger.worktime", fromlist=["default_calendar"]).default_calendar()
    friday = datetime(2026, 12, 4, 15, 0, tzinfo=clock.WIB)
    # Step 13's 2880 minutes by air freight: due Sunday 15:00, late on Sunday evening.
    assert cal.due(friday, 2880, "calendar") == datetime(2026, 12, 6, 15, 0, tzinfo=clock.WIB)
    assert cal.overdue(friday, 2880, "calendar", datetime(2026, 12, 6, 16, 0, tzinfo=clock.WIB))
    assert not cal.overdue(friday, 2880, "working", datetime(2026, 12, 6, 16, 0, tzinfo=clock.WIB))


def test_calendar_and_letters_need_format_2_and_are_read_then(ledger_path):
    from ledger.policy import parse_settings
    from ledger.rules import LedgerError

    root, _ = ledger_path
    text = (root / "ledger.toml").read_text(encoding="utf-8")
    base = "\n".join(line for line in text.splitlines() if not line.startswith("format"))
    extra = (
        '\n[calendar]\ncuti_bersama = false\n\n[letters]\nbast = "400.12.3.2/{seq}/BAST/{year}"\n'
    )
    with pytest.raises(LedgerError) as refused:
        parse_settings("format = 1\n" + base + extra)
    assert "format = 2" in refused.value.violations[0].message()
    settings = parse_settings("format = 2\n" + base + extra)
    assert settings.format == 2
    assert settings.letters.template("bast").text == "400.12.3.2/{seq}/BAST/{year}"
    # cuti bersama off: Thursday 24 December is a working day, so the step is due that day.
    assert settings.calendar.due(START, 30, "working") == datetime(
        2026, 12, 28, 7, 45, tzinfo=clock.WIB
    )
