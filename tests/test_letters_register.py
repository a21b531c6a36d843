"""Letter numbers as the register gives them (issue 12): each number field declares its kind;
a number off its template is refused with the template in the sentence; ktpel never fills a
number in that the clerk did not type, and says the last one it knows as a hint."""

from __future__ import annotations

import json
import tomllib
from datetime import date, timedelta

import pytest
from conftest import FIXED_NOW, head_of
from test_rules import recorded, refused

from ktpel_tui.cli import main
from ledger.defaults import suggest
from ledger.request import Event
from ledger.sop import builtin_sop_text, load_builtin

REQ = "2026-0003"  # the demo's request waiting on the Kepala Dinas's signature (step 8)
TEMPLATE = "400.12.3.2/{seq}/DP3ACSKB/{year}"


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


@pytest.fixture
def at_step_9(demo):
    recorded(demo, REQ, Event("advance", 8, FIXED_NOW, "hendra", "kadis", {}))
    return demo


def numbered(number: str, dated: date = date(2026, 11, 28)) -> Event:
    data = {"letter_number": number, "letter_date": dated}
    return Event("advance", 9, FIXED_NOW + timedelta(minutes=1), "agus", "kasubag-umum", data)


@pytest.mark.parametrize("typed", ["/2026", "470/12/DP3ACSKB/2026", "400.12.3.2//DP3ACSKB/2026"])
def test_a_number_off_its_template_is_refused_with_the_template(at_step_9, typed):
    refused(at_step_9, REQ, numbered(typed), "letter-off-template", TEMPLATE)


def test_a_number_whose_year_is_not_its_date_is_refused(at_step_9):
    refused(
        at_step_9,
        REQ,
        numbered("400.12.3.2/1301/DP3ACSKB/2025"),
        "letter-date-mismatch",
        "2025",
        "2026-11-28",
    )


def test_a_number_that_fits_is_recorded_as_typed(at_step_9):
    rec = recorded(at_step_9, REQ, numbered("400.12.3.2/1301/dp3acskb/2026"))
    assert rec.request.value(9, "letter_number") == "400.12.3.2/1301/dp3acskb/2026"


def test_every_number_field_of_the_new_revision_declares_its_kind_and_date():
    sop = load_builtin()
    kinds = {
        f.name: (f.number_kind, f.date_field)
        for step in sop.steps
        for f in (*step.fields, *step.handover_fields)
        if f.number_kind
    }
    assert kinds == {
        "letter_number": ("surat_ditjen", "letter_date"),
        "cover_letter_number": ("surat_bapeng", "sent_at"),
        "bast_number": ("bast", "handover_date"),
        "hibah_statement": ("pernyataan", "handover_date"),
    }
    raw = tomllib.loads(builtin_sop_text())
    defaults = [f.get("default") for s in raw["step"] for f in s.get("field", [])]
    assert "=next_letter_number" not in defaults


def test_no_number_is_suggested(at_step_9):
    state = at_step_9.read_request(REQ)
    assert "letter_number" not in suggest(at_step_9, state, load_builtin().step(9).fields)


def test_the_cli_refuses_a_missing_number_with_the_last_known_as_a_hint(
    at_step_9, demo_path, capsys
):
    before = head_of(demo_path)
    code, out, err = run(capsys, "--ledger", str(demo_path), "--as", "agus", "advance", REQ)
    assert code != 0 and head_of(demo_path) == before
    assert "letter-number-needed" in err and "--set letter_number=" in err
    # The hint: the highest surat_ditjen sequence the demo's register gave, as the template
    # writes it; the clerk still types the number.
    states = [at_step_9.read_request(s.id) for s in at_step_9.list_requests()]
    numbers = [st.value(9, "letter_number") for st in states if st.value(9, "letter_number")]
    last = max(numbers, key=lambda n: int(n.split("/")[1]))
    assert f"terakhir yang dikenal ledger: {last.split('/')[1]} ({last})" in err
    assert "buku agenda/SRIKANDI" in err


def test_the_cli_records_what_was_typed_and_offers_the_hand_off(
    at_step_9, demo_path, capsys, fixed_clock
):
    number = "400.12.3.2/1400/DP3ACSKB/2026"
    args = ["--ledger", str(demo_path), "--as", "agus", "advance", REQ, "--json"]
    code, out, _ = run(capsys, *args, "--set", f"letter_number={number}")
    assert code == 0
    result = json.loads(out)
    assert result["data"]["letter_number"] == number
    assert result["data"]["letter_date"] == FIXED_NOW.date().isoformat()  # a date: suggested
    (maya,) = result["handoff"]  # step 10 waits on the Kasi
    assert maya["person"] == "maya" and maya["step"] == 10
    assert maya["link"].startswith("https://wa.me/6281271100105?text=Yth.%20Maya%20Lestari")
