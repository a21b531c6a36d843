"""Step 19 as deliveries happen (issue 12): several handovers per Kab/Kota up to its share, each
receipt confirming one handover with good / damaged / missing counts, transit loss recorded."""

from __future__ import annotations

import tomllib
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import FIXED_NOW
from test_rules import recorded, refused

from ktpel_tui.cli import main
from ledger.audit import audit
from ledger.figures import figures
from ledger.report import quantities
from ledger.request import Event
from ledger.sop import builtin_sop_text
from ledger.store import Ledger

REQ = "2026-0002"  # the demo's request in distribution: 19.71 confirmed, 19.05 open, 19.03 to go
CODE = "19.03"


def _at(minutes: int):
    return FIXED_NOW + timedelta(minutes=minutes)


def handover(blanks: int, seq: int, minutes: int = 1) -> Event:
    data = {
        "kabkota": CODE,
        "blanks": blanks,
        "bast_number": f"400.12.3.2/{seq}/BAST/DP3ACSKB/XI/2026",
        "hibah_statement": f"470/{seq + 500}/DUKCAPIL-BASEL/2026",
        "handover_date": date(2026, 11, 28),
        "mode": "ambil",
    }
    return Event("handover", 19, _at(minutes), "dedi", "pelaksana", data)


def receipt(seq: int | None, good: int, minutes: int = 5, **more) -> Event:
    data = {"kabkota": CODE, "blanks_received": good, "received_date": date(2026, 11, 28), **more}
    if seq is not None:
        data["bast_number"] = f"400.12.3.2/{seq}/BAST/DP3ACSKB/XI/2026"
    return Event("receipt", 19, _at(minutes), "kadis-1903", "kadis-kabkota", data)


@pytest.fixture
def share(demo: Ledger) -> int:
    state = demo.read_request(REQ)
    assert state.handed_over(CODE) == 0
    return state.shares[CODE]


def test_two_partial_handovers_and_a_receipt_short_by_10_balance(demo, share):
    first = share - 400
    recorded(demo, REQ, handover(first, 901, 1))
    recorded(demo, REQ, handover(400, 902, 2))
    note = "Satu bungkus isi 10 keping tidak ada di kardus saat dibuka."
    recorded(demo, REQ, receipt(902, 390, 3, blanks_missing=10, receipt_note=note))
    state = demo.read_request(REQ)
    assert [(d.blanks, d.confirmed, d.lost) for d in state.deliveries_to(CODE)] == [
        (first, False, 0),
        (400, True, 10),
    ]
    row = next(r for r in quantities(state, demo.policy()).rows if r.code == CODE)
    # handed over = received by the Kab/Kota + lost in transit + not yet confirmed
    assert (row.handed_over, row.confirmed, row.lost, row.unconfirmed) == (share, 390, 10, first)
    assert row.balanced and not state.done
    recorded(demo, REQ, receipt(901, first, 4))
    row = next(r for r in quantities(demo.read_request(REQ), demo.policy()).rows if r.code == CODE)
    assert (row.confirmed, row.lost, row.unconfirmed) == (share - 10, 10, 0) and row.balanced


def test_the_audit_reports_the_transit_loss_as_a_discrepancy_not_an_error(demo, share, capsys):
    recorded(demo, REQ, handover(share, 903))
    recorded(demo, REQ, receipt(None, share - 10, blanks_missing=10, receipt_note="kurang 10"))
    assert audit(demo, use_cache=False).findings == []  # nothing wrong: the loss is recorded
    losses = [t for t in figures(demo).losses if t.request == REQ]
    assert [(t.kabkota, t.missing, t.damaged, t.note) for t in losses] == [
        (CODE, 10, 0, "kurang 10")
    ]
    stock = next(k for k in figures(demo).stock if k.code == CODE)
    assert (stock.handed_over, stock.confirmed, stock.lost) == (share, share - 10, 10)
    assert main(["--ledger", str(demo.root), "audit"]) == 0
    out = capsys.readouterr().out
    assert "Tidak ada temuan" in out and "hilang di jalan 10" in out
    assert f"{REQ} Kab. Bangka Selatan BAST 400.12.3.2/903/BAST/DP3ACSKB/XI/2026" in out


def test_handovers_above_the_share_are_refused(demo, share):
    recorded(demo, REQ, handover(share - 5, 904))
    refused(demo, REQ, handover(6, 905, 2), "handover-over-share", f"porsinya {share} keping")
    refused(demo, REQ, handover(0, 906, 2), "handover-empty")
    recorded(demo, REQ, handover(5, 907, 3))  # exactly up to the share


def test_a_receipt_above_its_handover_or_not_adding_up_is_refused(demo, share):
    recorded(demo, REQ, handover(300, 908))
    recorded(demo, REQ, handover(200, 909, 2))
    refused(demo, REQ, receipt(None, 200, 3), "receipt-which-bast", "bast_number")
    refused(demo, REQ, receipt(909, 201, 3), "receipt-counts", "menyerahkan 200 keping")
    refused(demo, REQ, receipt(909, 190, 3), "receipt-counts", "= 190 keping")
    refused(demo, REQ, receipt(909, 190, 3, blanks_damaged=10), "receipt-note-missing")
    refused(demo, REQ, receipt(999, 200, 3), "receipt-unknown-bast")
    recorded(demo, REQ, receipt(909, 190, 3, blanks_damaged=10, receipt_note="basah"))
    refused(demo, REQ, receipt(909, 200, 4), "receipt-duplicate")


def test_done_when_every_share_is_handed_over_and_every_handover_confirmed(demo, share):
    state = demo.read_request(REQ)
    other = next(d for d in state.deliveries if d.kabkota == "19.05")
    recorded(demo, REQ, handover(share - 1, 910))
    data = {
        "kabkota": "19.05",
        "blanks_received": other.blanks,
        "received_date": date(2026, 11, 28),
    }
    recorded(demo, REQ, Event("receipt", 19, _at(2), "kadis-1905", "kadis-kabkota", data))
    recorded(demo, REQ, receipt(910, share - 1, 3))
    assert not demo.read_request(REQ).done  # one piece of the share not handed over yet
    recorded(demo, REQ, handover(1, 911, 4))
    assert not demo.read_request(REQ).done  # handed over, not yet confirmed
    recorded(demo, REQ, receipt(911, 1, 5))
    assert demo.read_request(REQ).done


def test_the_old_sop_file_still_describes_one_handover_and_an_exact_receipt():
    old = tomllib.loads(builtin_sop_text("ktpel-blanko-2020"))
    new = tomllib.loads(builtin_sop_text())
    step = next(s for s in old["step"] if s["no"] == 19)
    assert "computation" not in step
    assert [f["name"] for f in step["receipt_field"]] == [
        "kabkota",
        "blanks_received",
        "received_date",
    ]
    assert next(s for s in new["step"] if s["no"] == 19)["computation"] == "partial-deliveries"
    assert new["sop"]["id"] == "ktpel-blanko-2020-r2"


def test_history_under_the_old_sop_is_still_judged_one_handover_and_an_exact_receipt(tmp_path):
    """The golden ledger (written by older code, SOP ktpel-blanko-2020): its request in
    distribution still follows `single-delivery`, whatever the new revision allows."""
    import subprocess

    from ledger.request import apply_event
    from ledger.rules import LedgerError

    root = tmp_path / "golden"
    bundle = Path(__file__).parent / "data" / "golden-ledger.bundle"
    subprocess.run(["git", "clone", "-q", "-b", "main", str(bundle), str(root)], check=True)
    with Ledger.open(root) as led:
        policy = led.policy()
        state = led.read_request("2026-0002")
    assert state.sop_id == "ktpel-blanko-2020"
    assert policy.for_sop(state.sop_id).sop.step(19).computation == "single-delivery"
    handed = next(d for d in state.deliveries if d.kabkota == "19.05")
    again = dict(handed.handover, blanks=1, bast_number="BAST/baru/1")
    with pytest.raises(LedgerError) as err:
        apply_event(state, Event("handover", 19, _at(1), "dedi", "pelaksana", again), policy)
    assert err.value.code == "handover-duplicate"
    short = {
        "kabkota": "19.05",
        "blanks_received": handed.blanks - 10,
        "received_date": date(2026, 11, 28),
    }
    with pytest.raises(LedgerError) as err:
        apply_event(
            state, Event("receipt", 19, _at(1), "kadis-1905", "kadis-kabkota", short), policy
        )
    assert err.value.code == "receipt-mismatch"
