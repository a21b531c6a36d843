"""`ktpel remind` and the hand-off after a record (issue 12), on the office-time ledger of
tests/test_officetime.py: step 2 (30 office minutes) starts Thursday 2026-12-24 15:45 WIB and is
late only from Monday 28 December 08:00. remind, the recap and the list agree with a fixed clock."""

from __future__ import annotations

import io
import json
from dataclasses import replace
from urllib.parse import parse_qs, urlsplit

import openpyxl
import pytest
from test_officetime import ledger_path  # noqa: F401 - the fixture

from ktpel_tui.cli import main
from ledger import clock
from ledger.documents.recap import build_recap
from ledger.nextactor import next_actors
from ledger.store import Ledger


def _run(capsys, monkeypatch, now: str, *args: str) -> str:
    monkeypatch.setenv("KTPEL_NOW", now)
    assert main(list(args)) == 0
    return capsys.readouterr().out


def _recap_late_now(root, now: str, step: int) -> int:
    clock.set_clock(lambda: clock.parse_datetime(now))
    try:
        with Ledger.open(root) as led:
            book = openpyxl.load_workbook(io.BytesIO(build_recap(led).data), data_only=True)
    finally:
        clock.set_clock(None)
    for ws in book.worksheets:
        headings = [c.value for c in ws[4]]
        if "Terlambat sekarang" in headings:
            col = headings.index("Terlambat sekarang")
            row = next(r for r in ws.iter_rows(min_row=5, values_only=True) if r[0] == step)
            return int(row[col] or 0)
    raise AssertionError("no 'Terlambat sekarang' column in the recap")


@pytest.mark.parametrize(
    ("now", "late"),
    [
        ("2026-12-25T10:00:00+07:00", False),  # Hari Raya Natal
        ("2026-12-26T10:00:00+07:00", False),  # Saturday
        ("2026-12-27T23:00:00+07:00", False),  # Sunday night
        ("2026-12-28T10:00:00+07:00", True),  # Monday, 2 office hours after the due time
    ],
)
def test_remind_and_the_recap_agree_with_list_overdue(
    ledger_path,  # noqa: F811
    capsys,
    monkeypatch,
    now,
    late,
):
    root, request_id = ledger_path
    ledger = ["--ledger", str(root)]
    overdue = json.loads(_run(capsys, monkeypatch, now, "list", "--overdue", "--json", *ledger))
    reminders = json.loads(_run(capsys, monkeypatch, now, "remind", "--json", *ledger))
    assert [r["request"] for r in reminders] == [s["id"] for s in overdue]
    assert [r["request"] for r in reminders] == ([request_id] if late else [])
    assert _recap_late_now(root, now, 2) == int(late)
    text = _run(capsys, monkeypatch, now, "remind", *ledger)
    if not late:
        assert text.strip() == "Tidak ada langkah yang terlambat."
        return
    (reminder,) = reminders
    assert reminder["step"] == 2 and reminder["due"] == "2026-12-28T08:00:00+07:00"
    assert reminder["late_by"] == "2j 0m"  # 08:00 to 10:00 in office minutes
    (maya,) = reminder["people"]  # step 2 waits on the Kasi
    assert maya["person"] == "maya" and maya["whatsapp"] == "6281271100105"
    message = parse_qs(urlsplit(maya["link"]).query)["text"][0]
    assert message.startswith("Yth. Maya Lestari, S.IP,\nPengingat: permohonan blanko KTP-el")
    assert "terlambat 2j 0m" in message
    assert f"{request_id} langkah 2 Konsep surat permohonan ke Ditjen: terlambat 2j 0m" in text
    assert maya["link"] in text


def test_the_hand_off_link_encodes_a_name_with_spaces_ampersand_and_non_ascii(
    ledger_path,  # noqa: F811
):
    root, request_id = ledger_path
    with Ledger.open(root) as led:
        policy = led.policy()
        state = led.read_request(request_id)
    name = "Siti Nur'aini & Dédé Ayu, S.Sos"
    people = {**policy.people, "maya": replace(policy.people["maya"], name=name)}
    policy = replace(policy, people=people)
    # As if the Kabid had just recorded step 1: step 2 now waits on the Kasi.
    (actor,) = next_actors(state, policy, done=replace(state.events[-1], by="rudi"))
    parts = urlsplit(actor.link)
    assert (parts.scheme, parts.netloc, parts.path) == ("https", "wa.me", "/6281271100105")
    assert "%20%26%20D%C3%A9d%C3%A9%20Ayu%2C%20S.Sos" in parts.query
    text = parse_qs(parts.query)["text"][0]
    assert text.splitlines()[0] == f"Yth. {name},"
    assert "sudah dicatat oleh Rudi Hartono, S.Sos, M.Si." in text
    assert " " not in actor.link and "é" not in actor.link
