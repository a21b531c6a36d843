"""Every rule of the ledger, refused through the real `Ledger.record` on a copy of the demo.

Each refusal must give the stable code and a sentence a clerk understands (Indonesian by
default), and leave the ledger exactly as it was: HEAD unchanged, working tree clean.
The happy paths a user notices (a request walked from its first letter to the last receipt,
returns for revision, 'selesai') run through the same call.

The demo at FIXED_NOW holds: 2026-0001 complete; 2026-0002 in step 19 (19.71 confirmed, 19.05
handed over and waiting for receipt, 19.03 not yet handed over); 2026-0003 at step 8;
2026-0004 at step 13; 2026-0005 at step 3; 2026-0006 at step 1.
"""

from __future__ import annotations

import subprocess
import tomllib
from datetime import date, datetime, timedelta
from itertools import count
from pathlib import Path

import pytest
from conftest import FIXED_NOW, head_of

from ledger import clock
from ledger.request import Event, OnBehalf
from ledger.rules import RULES, LedgerError
from ledger.store import Ledger

_tick = count(1)


def _at() -> datetime:
    """Strictly increasing times after the demo's 'now', so every event is later than the last."""
    return FIXED_NOW + timedelta(minutes=next(_tick))


def porcelain(root: Path) -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


def git(root: Path, *args: str) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=True
    ).stdout


def event(
    led: Ledger,
    request_id: str | None,
    by: str,
    data: dict | None = None,
    *,
    action: str = "advance",
    step: int | None = None,
    role: str | None = None,
    note: str = "",
    on_behalf: OnBehalf | None = None,
) -> Event:
    """An event as a screen would build it: the current step and its responsible role unless given."""
    sop = led.policy().sop
    if step is None:
        step = 0 if action in ("create", "permohonan") else led.read_request(request_id).step
    if role is None:
        role = sop.step(step).role_for(action)
    return Event(action, step, _at(), by, role, data or {}, note=note, on_behalf=on_behalf)


def refused(
    led: Ledger, request_id: str | None, ev: Event, code: str, *phrases: str
) -> LedgerError:
    """Record `ev`, expect refusal with `code`; the sentence holds `phrases`; nothing changed."""
    before = head_of(led.root)
    with pytest.raises(LedgerError) as info:
        led.record(request_id, ev)
    err = info.value
    assert code in [v.code for v in err.violations], err.message()
    sentence = err.message("id")
    for phrase in phrases:
        assert phrase in sentence, sentence
    assert head_of(led.root) == before, "a refused operation moved HEAD"
    assert porcelain(led.root) == "", "a refused operation left the working tree dirty"
    return err


def recorded(led: Ledger, request_id: str | None, ev: Event):
    """Record `ev`; exactly one new commit touching exactly the request's file."""
    before = head_of(led.root)
    rec = led.record(request_id, ev)
    assert git(led.root, "rev-parse", "HEAD^").strip() == before
    assert git(led.root, "show", "--format=", "--name-only", "HEAD").split() == [rec.path]
    assert porcelain(led.root) == ""
    return rec


# --- typical data for each step ------------------------------------------------------------------

STEP_DATA = {
    1: {"meeting_date": date(2026, 11, 28), "minutes_summary": "Stok menipis; ajukan ke Ditjen."},
    2: {"subject": "Permohonan Fasilitasi Pengambilan Blanko KTP-el", "blanks_asked": 3000},
    11: {
        "recipient": "PJ Korwil Babel",
        "sent_at": datetime(2026, 11, 28, 11, 0, tzinfo=clock.WIB),
    },
    13: {
        "blanks_shipped": 3000,
        "carrier": "Garuda Indonesia Cargo",
        "airway_bill": "126-12345678",
        "ship_date": date(2026, 11, 28),
    },
    14: {"pickup_date": date(2026, 11, 29), "parcels": 6, "airway_bill_matches": True},
}
ACTOR = {
    "kasi": "maya",
    "kabid": "rudi",
    "sekretaris": "sri",
    "kadis": "hendra",
    "kasubag-umum": "agus",
    "pelaksana": "dedi",
    "bapeng": "bambang",
}


_REGISTER = iter(range(5000, 10**6))
# The demo ledger's [letters] templates (ledger/demo.py): numbers typed as the register gives them.
_TEMPLATES = {
    "surat_ditjen": "400.12.3.2/{seq}/DP3ACSKB/2026",
    "surat_bapeng": "000.1.2.3/{seq}/DP3ACSKB/2026",
}


def register(kind: str) -> str:
    """The next number of `kind` from a simulated letter register (fits the demo's template)."""
    return _TEMPLATES[kind].format(seq=next(_REGISTER))


def bast(seq: int, month: str = "XI") -> str:
    return f"400.12.3.2/{seq}/BAST/DP3ACSKB/{month}/2026"


PERNYATAAN = {"19.01": "BANGKA", "19.03": "BASEL", "19.05": "BABAR", "19.06": "BELTIM"}


def pernyataan(code: str, seq: int) -> str:
    return f"470/{seq}/DUKCAPIL-{PERNYATAAN[code]}/2026"


def step_data(led: Ledger, request_id: str, no: int) -> dict:
    state = led.read_request(request_id)
    if no in STEP_DATA:
        return dict(STEP_DATA[no])
    if no == 9:
        return {"letter_number": register("surat_ditjen"), "letter_date": date(2026, 11, 28)}
    if no == 12:
        return {
            "cover_letter_number": register("surat_bapeng"),
            "sent_at": datetime(2026, 11, 28, 12, 0, tzinfo=clock.WIB),
        }
    if no == 15:
        return {"received_good": state.value(13, "blanks_shipped"), "damaged_missing": 0}
    if no == 16:
        good = state.received_good
        codes = state.kabkota
        return {"proposed_shares": {c: good // len(codes) for c in codes}}
    if no == 17:
        return {"shares": dict(state.value(16, "proposed_shares"))}
    if no == 18:
        return {
            "schedule": {
                c: {"date": date(2026, 12, 1), "mode": "ambil"}
                for c, n in state.shares.items()
                if n > 0
            }
        }
    return {}


def advance_to(led: Ledger, request_id: str, target: int) -> None:
    """Advance the request through its steps, each by the demo person holding the role."""
    sop = led.policy().sop
    while (state := led.read_request(request_id)).step < target:
        role = sop.step(state.step).role
        led.record(
            request_id, event(led, request_id, ACTOR[role], step_data(led, request_id, state.step))
        )


# --- who may act -------------------------------------------------------------------------------


def test_wrong_role_is_refused(demo):
    # 2026-0005 waits on the Kabid (step 3); the Kasi may not approve her own draft.
    refused(
        demo,
        "2026-0005",
        event(demo, "2026-0005", "maya"),
        "wrong-role",
        "Maya Lestari, S.IP tidak memegang peran",
        "Kepala Bidang Dukcapil",
        "langkah 3",
    )


def test_claiming_a_role_that_is_not_the_steps_is_refused(demo):
    # Maya really is a Kasi, but step 3 belongs to the Kabid: claiming 'kasi' does not help.
    refused(
        demo,
        "2026-0005",
        event(demo, "2026-0005", "maya", role="kasi"),
        "role-mismatch",
        "Langkah 3 (Koreksi/persetujuan konsep) dicatat dengan peran 'Kasi Fasilitasi Pendaftaran Penduduk'",
        "penanggung jawabnya peran 'Kepala Bidang Dukcapil'",
    )
    # Even the Kabid himself may not record his step under another role: the sentence must not
    # claim he lacks the role he holds.
    err = refused(demo, "2026-0005", event(demo, "2026-0005", "rudi", role="kasi"), "role-mismatch")
    assert "tidak memegang" not in err.message("id")


def test_kabkota_head_cannot_write_a_letter_for_another_kabkota(demo):
    ev = event(
        demo,
        "2026-0006",
        "kadis-1901",
        {
            "kabkota": "19.02",
            "letter_number": "470/9/X/2026",
            "letter_date": date(2026, 11, 27),
            "blanks_requested": 100,
            "stock_left": 5,
        },
        action="permohonan",
    )
    refused(
        demo,
        "2026-0006",
        ev,
        "wrong-office",
        "Drs. Syahrial, M.Si adalah pejabat Kab. Bangka",
        "langkah ini milik Kab. Belitung",
    )


def test_kabkota_head_cannot_confirm_another_kabkotas_receipt(demo):
    # 19.05 (Bangka Barat) has its handover in 2026-0002; the head of Bangka (19.01) may not confirm it.
    ev = event(
        demo,
        "2026-0002",
        "kadis-1901",
        {"kabkota": "19.05", "blanks_received": 1596, "received_date": date(2026, 11, 28)},
        action="receipt",
    )
    refused(demo, "2026-0002", ev, "wrong-office", "Kab. Bangka", "Kab. Bangka Barat")


def test_unknown_person_is_refused(demo):
    refused(
        demo,
        "2026-0006",
        event(demo, "2026-0006", "budi", STEP_DATA[1]),
        "unknown-person",
        "Orang 'budi' tidak terdaftar di people.toml",
    )


# --- order of steps ------------------------------------------------------------------------------


def test_a_step_that_is_not_current_is_refused(demo):
    # 2026-0006 is at step 1; the Kasi tries to record step 2 already.
    ev = event(demo, "2026-0006", "maya", STEP_DATA[2], step=2)
    refused(
        demo,
        "2026-0006",
        ev,
        "wrong-step",
        "Permohonan 2026-0006 sedang di langkah 1",
        "langkah 2 tidak dapat dicatat",
    )


def test_an_earlier_step_cannot_be_recorded_again(demo):
    ev = event(demo, "2026-0004", "maya", STEP_DATA[1], step=1)
    refused(demo, "2026-0004", ev, "wrong-step", "sedang di langkah 13")


def test_handover_before_step_19_is_refused(demo):
    ev = event(
        demo,
        "2026-0004",
        "dedi",
        {
            "kabkota": "19.03",
            "blanks": 10,
            "bast_number": "BAST/X/1",
            "hibah_statement": "SPH/1",
            "handover_date": date(2026, 11, 28),
            "mode": "ambil",
        },
        action="handover",
        step=19,
    )
    refused(demo, "2026-0004", ev, "wrong-step", "sedang di langkah 13")


def test_nothing_more_can_be_recorded_on_a_complete_request(demo):
    ev = event(
        demo,
        "2026-0001",
        "dedi",
        {
            "kabkota": "19.01",
            "blanks": 1,
            "bast_number": "BAST/X/9",
            "hibah_statement": "SPH/9",
            "handover_date": date(2026, 11, 28),
            "mode": "ambil",
        },
        action="handover",
    )
    refused(demo, "2026-0001", ev, "request-done", "Permohonan 2026-0001 sudah selesai")


def test_a_letter_cannot_join_a_request_past_the_monitoring_meeting(demo):
    ev = event(
        demo,
        "2026-0005",
        "kadis-1906",
        {
            "kabkota": "19.06",
            "letter_number": "470/7/Dukcapil/2026",
            "letter_date": date(2026, 11, 27),
            "blanks_requested": 500,
            "stock_left": 10,
        },
        action="permohonan",
    )
    refused(demo, "2026-0005", ev, "permohonan-closed", "sudah melewati rapat monev")


def test_a_kabkota_sends_one_letter_per_request(demo):
    ev = event(
        demo,
        "2026-0006",
        "kadis-1901",
        {
            "kabkota": "19.01",
            "letter_number": "470/8/Dukcapil/2026",
            "letter_date": date(2026, 11, 27),
            "blanks_requested": 500,
            "stock_left": 10,
        },
        action="permohonan",
    )
    refused(
        demo, "2026-0006", ev, "permohonan-duplicate", "Kab. Bangka sudah memiliki surat permohonan"
    )


# --- review returns --------------------------------------------------------------------------------


def test_return_from_a_task_step_is_refused(demo):
    ev = event(demo, "2026-0006", "maya", action="return", note="Ulangi rapat.")
    refused(
        demo,
        "2026-0006",
        ev,
        "not-review-step",
        "Langkah 1 (Rapat monev stok & kebutuhan) bukan langkah pemeriksaan",
    )


@pytest.mark.parametrize("note", ["", "   \n"])
def test_return_without_a_note_is_refused(demo, note):
    ev = event(demo, "2026-0005", "rudi", action="return", note=note)
    refused(demo, "2026-0005", ev, "note-required", "wajib disertai catatan")


def test_return_carries_no_fields(demo):
    ev = event(
        demo, "2026-0005", "rudi", {"subject": "x"}, action="return", note="Perbaiki perihal."
    )
    refused(demo, "2026-0005", ev, "field-unknown", "Isian 'subject' tidak dikenal pada langkah 3")


# --- fields ------------------------------------------------------------------------------------------


def test_missing_required_field_is_refused(demo):
    ev = event(demo, "2026-0006", "maya", {"meeting_date": date(2026, 11, 28)})
    refused(demo, "2026-0006", ev, "field-missing", "Isian 'Ringkasan notulen' wajib diisi")


def test_blank_text_counts_as_missing(demo):
    ev = event(
        demo, "2026-0006", "maya", {"meeting_date": date(2026, 11, 28), "minutes_summary": ""}
    )
    refused(demo, "2026-0006", ev, "field-missing", "'Ringkasan notulen' wajib diisi")


@pytest.mark.parametrize(
    "value", ["kemarin", "2026-11-28", datetime(2026, 11, 28, 9, 0, tzinfo=clock.WIB), 20261128]
)
def test_wrong_type_is_refused(demo, value):
    ev = event(demo, "2026-0006", "maya", {"meeting_date": value, "minutes_summary": "Rapat."})
    refused(demo, "2026-0006", ev, "field-type", "Isian 'Tanggal rapat' harus berupa tanggal")


def test_bool_field_wants_yes_or_no(demo):
    advance_to(demo, "2026-0004", 14)
    ev = event(demo, "2026-0004", "dedi", {**STEP_DATA[14], "airway_bill_matches": "ya"})
    refused(
        demo,
        "2026-0004",
        ev,
        "field-type",
        "'Nomor AWB sesuai dokumen pengiriman' harus berupa ya atau tidak",
    )


@pytest.mark.parametrize("value", [-5, 12.5, "3000", True])
def test_bad_count_is_refused(demo, value):
    advance_to(demo, "2026-0006", 2)
    ev = event(demo, "2026-0006", "maya", {"subject": "Permohonan", "blanks_asked": value})
    refused(
        demo,
        "2026-0006",
        ev,
        "bad-count",
        "'Jumlah blanko dimohonkan ke Ditjen (keping)' harus bilangan bulat tidak negatif",
    )


def test_a_negative_count_inside_shares_is_refused(demo):
    advance_to(demo, "2026-0004", 16)
    ev = event(demo, "2026-0004", "rudi", {"proposed_shares": {"19.03": 100, "19.05": -1}})
    refused(demo, "2026-0004", ev, "bad-count", "harus bilangan bulat tidak negatif", "19.05=-1")


def test_a_negative_count_in_a_kabkota_letter_is_refused(demo):
    ev = event(
        demo,
        None,
        "kadis-1903",
        {
            "kabkota": "19.03",
            "letter_number": "470/1/Dukcapil-19.03/2026",
            "letter_date": date(2026, 11, 27),
            "blanks_requested": -100,
            "stock_left": 5,
        },
        action="create",
    )
    refused(
        demo,
        None,
        ev,
        "bad-count",
        "'Jumlah blanko diminta (keping)' harus bilangan bulat tidak negatif",
    )


def test_unknown_field_is_refused(demo):
    ev = event(demo, "2026-0006", "maya", {**STEP_DATA[1], "peserta": "semua"})
    refused(demo, "2026-0006", ev, "field-unknown", "Isian 'peserta' tidak dikenal pada langkah 1")


def test_a_kabkota_head_typing_an_unknown_code_is_told_about_the_code(demo):
    ev = event(
        demo,
        None,
        "kadis-1903",
        {
            "kabkota": "19.99",
            "letter_number": "470/3/Dukcapil/2026",
            "letter_date": date(2026, 11, 27),
            "blanks_requested": 100,
            "stock_left": 5,
        },
        action="create",
    )
    refused(demo, None, ev, "unknown-office", "Kode Kab/Kota '19.99' tidak dikenal di ledger.toml")


def test_unknown_kabkota_code_is_refused(demo):
    # A paper letter typed in by province staff: no office check, so the code itself is checked.
    ev = event(
        demo,
        None,
        "dedi",
        {
            "kabkota": "19.99",
            "letter_number": "470/2/Dukcapil/2026",
            "letter_date": date(2026, 11, 27),
            "blanks_requested": 100,
            "stock_left": 5,
        },
        action="create",
        on_behalf=OnBehalf("Dinas Dukcapil", "Surat kertas", "Agenda 1/2026"),
    )
    refused(demo, None, ev, "unknown-office", "Kode Kab/Kota '19.99' tidak dikenal")


# --- quantities ------------------------------------------------------------------------------------


def test_received_must_add_up_to_shipped_or_carry_a_note(demo):
    advance_to(demo, "2026-0004", 15)
    shipped = demo.read_request("2026-0004").value(13, "blanks_shipped")
    short = {"received_good": shipped - 20, "damaged_missing": 5}
    refused(
        demo,
        "2026-0004",
        event(demo, "2026-0004", "agus", short),
        "received-mismatch",
        f"Diterima baik {shipped - 20} + rusak/kurang 5 = {shipped - 15}",
        f"tidak sama dengan {shipped} keping",
        "isi catatan selisih",
    )
    rec = recorded(
        demo,
        "2026-0004",
        event(
            demo,
            "2026-0004",
            "agus",
            {**short, "discrepancy_note": "15 keping hilang di bandara; BA kehilangan No. 3/2026"},
        ),
    )
    assert rec.request.step == 16
    assert rec.request.received_good == shipped - 20


@pytest.mark.parametrize("step", [16, 17])
def test_shares_above_received_good_are_refused(demo, step):
    advance_to(demo, "2026-0004", step)
    good = demo.read_request("2026-0004").received_good
    name = "proposed_shares" if step == 16 else "shares"
    ev = event(
        demo,
        "2026-0004",
        ACTOR["kabid" if step == 16 else "kadis"],
        {name: {"19.03": good, "19.05": 1}},
    )
    refused(
        demo,
        "2026-0004",
        ev,
        "share-over",
        f"Jumlah porsi {good + 1} keping melebihi blanko diterima baik {good} keping",
    )


def test_schedule_must_list_exactly_the_kabkota_with_a_share(demo):
    advance_to(demo, "2026-0004", 18)
    ev = event(
        demo,
        "2026-0004",
        "maya",
        {"schedule": {"19.03": {"date": date(2026, 12, 1), "mode": "ambil"}}},
    )
    refused(demo, "2026-0004", ev, "schedule-mismatch", "Kab. Bangka Selatan, Kab. Bangka Barat")


def test_handover_above_share_is_refused(demo):
    share = demo.read_request("2026-0002").shares["19.03"]
    ev = event(
        demo,
        "2026-0002",
        "dedi",
        {
            "kabkota": "19.03",
            "blanks": share + 1,
            "bast_number": bast(903),
            "hibah_statement": pernyataan("19.03", 1),
            "handover_date": date(2026, 11, 28),
            "mode": "antar",
        },
        action="handover",
    )
    refused(
        demo,
        "2026-0002",
        ev,
        "handover-over-share",
        f"Serah terima {share + 1} keping ke Kab. Bangka Selatan membuat jumlahnya {share + 1} "
        f"keping, melebihi porsinya {share} keping",
    )


def test_handover_to_a_kabkota_without_share_is_refused(demo):
    ev = event(
        demo,
        "2026-0002",
        "dedi",
        {
            "kabkota": "19.06",
            "blanks": 1,
            "bast_number": "BAST/2026-0002/09/DP3ACSKB",
            "hibah_statement": "SPH/19.06/2026/1",
            "handover_date": date(2026, 11, 28),
            "mode": "antar",
        },
        action="handover",
    )
    refused(
        demo,
        "2026-0002",
        ev,
        "no-share",
        "Kab. Belitung Timur tidak mendapat porsi pada permohonan 2026-0002",
    )


def test_a_handover_beyond_a_share_already_handed_over_is_refused(demo):
    # Several handovers per Kab/Kota (SOP r2), but together never above its share.
    state = demo.read_request("2026-0002")
    share, handed = state.shares["19.05"], state.handed_over("19.05")
    assert handed == share
    ev = event(
        demo,
        "2026-0002",
        "dedi",
        {
            "kabkota": "19.05",
            "blanks": 1,
            "bast_number": bast(908),
            "hibah_statement": pernyataan("19.05", 2),
            "handover_date": date(2026, 11, 28),
            "mode": "ambil",
        },
        action="handover",
    )
    refused(
        demo,
        "2026-0002",
        ev,
        "handover-over-share",
        f"melebihi porsinya {share} keping (sudah diserahkan {handed} keping)",
    )


@pytest.mark.parametrize("delta", [-1, 1])
def test_receipt_must_match_the_handover(demo, delta):
    handed = demo.read_request("2026-0002").deliveries_to("19.05")[0].blanks
    ev = event(
        demo,
        "2026-0002",
        "kadis-1905",
        {
            "kabkota": "19.05",
            "blanks_received": handed + delta,
            "received_date": date(2026, 11, 28),
        },
        action="receipt",
    )
    refused(
        demo,
        "2026-0002",
        ev,
        "receipt-counts",
        f"= {handed + delta} keping, padahal BAST",
    )


def test_receipt_without_handover_is_refused(demo):
    ev = event(
        demo,
        "2026-0002",
        "kadis-1903",
        {"kabkota": "19.03", "blanks_received": 10, "received_date": date(2026, 11, 28)},
        action="receipt",
    )
    refused(
        demo,
        "2026-0002",
        ev,
        "receipt-no-handover",
        "Belum ada serah terima ke Kab. Bangka Selatan",
    )


def test_receipt_cannot_be_confirmed_twice(demo):
    handed = demo.read_request("2026-0002").deliveries_to("19.71")[0].blanks
    ev = event(
        demo,
        "2026-0002",
        "kadis-1971",
        {"kabkota": "19.71", "blanks_received": handed, "received_date": date(2026, 11, 28)},
        action="receipt",
    )
    refused(
        demo,
        "2026-0002",
        ev,
        "receipt-duplicate",
        "Penerimaan oleh Kota Pangkalpinang sudah dikonfirmasi",
    )


# --- letter numbers ----------------------------------------------------------------------------------


def _to_step_9(led: Ledger) -> None:
    # 2026-0003 waits on the Kepala Dinas's signature (step 8); step 9 numbers the letter.
    led.record("2026-0003", event(led, "2026-0003", "hendra"))


@pytest.mark.parametrize("spelled", [str, lambda n: n.lower().replace("/", "/ ", 1)])
def test_letter_number_used_by_another_request_is_refused(demo, spelled):
    _to_step_9(demo)
    number = spelled(demo.read_request("2026-0001").value(9, "letter_number"))
    ev = event(
        demo, "2026-0003", "agus", {"letter_number": number, "letter_date": date(2026, 11, 28)}
    )
    refused(
        demo,
        "2026-0003",
        ev,
        "letter-reused",
        f"Nomor surat '{number}' sudah dipakai di permohonan 2026-0001",
    )


def test_letter_number_used_earlier_in_the_same_request_is_refused(demo):
    state = demo.read_request("2026-0002")
    own = state.deliveries_to("19.71")[0].bast
    ev = event(
        demo,
        "2026-0002",
        "dedi",
        {
            "kabkota": "19.03",
            "blanks": 1,
            "bast_number": own,
            "hibah_statement": pernyataan("19.03", 7),
            "handover_date": date(2026, 11, 28),
            "mode": "antar",
        },
        action="handover",
    )
    refused(
        demo,
        "2026-0002",
        ev,
        "letter-reused",
        f"Nomor surat '{own}' sudah dipakai di permohonan 2026-0002",
    )


def test_bast_number_is_unique_in_the_ledger(demo):
    share = demo.read_request("2026-0002").shares["19.03"]
    ev = event(
        demo,
        "2026-0002",
        "dedi",
        {
            "kabkota": "19.03",
            "blanks": share,
            "bast_number": demo.read_request("2026-0001").deliveries[0].bast,
            "hibah_statement": pernyataan("19.03", 1),
            "handover_date": date(2026, 11, 28),
            "mode": "antar",
        },
        action="handover",
    )
    refused(demo, "2026-0002", ev, "letter-reused", "sudah dipakai di permohonan 2026-0001")


# --- recording on behalf -------------------------------------------------------------------------


def test_on_behalf_where_the_sop_forbids_it_is_refused(demo):
    ob = OnBehalf("Kasi (cuti)", "Kasi sedang cuti", "Disposisi Kabid No. 12")
    ev = event(demo, "2026-0006", "dedi", STEP_DATA[1], on_behalf=ob)
    refused(
        demo,
        "2026-0006",
        ev,
        "on-behalf-not-allowed",
        "Langkah 1 (Rapat monev stok & kebutuhan) tidak boleh dicatat atas nama pihak lain",
    )


@pytest.mark.parametrize(
    "ob",
    [
        OnBehalf("Badan Penghubung", "", "AWB 126-12345678"),
        OnBehalf("Badan Penghubung", "Belum punya akun", "  "),
        OnBehalf("", "Belum punya akun", "AWB 126-12345678"),
    ],
)
def test_on_behalf_needs_who_reason_and_evidence(demo, ob):
    ev = event(demo, "2026-0004", "dedi", STEP_DATA[13], on_behalf=ob)
    refused(
        demo,
        "2026-0004",
        ev,
        "on-behalf-incomplete",
        "wajib menyebut pihaknya, alasan, dan rujukan bukti",
    )


def test_on_behalf_by_a_role_not_allowed_to_proxy_is_refused(demo):
    ob = OnBehalf("Badan Penghubung", "Belum punya akun", "AWB 126-12345678")
    ev = event(demo, "2026-0004", "agus", STEP_DATA[13], on_behalf=ob)
    refused(
        demo,
        "2026-0004",
        ev,
        "on-behalf-role",
        "Agus Salim, S.E tidak memegang peran yang boleh mencatat atas nama",
    )


def test_on_behalf_where_allowed_is_recorded_and_shown_as_such(demo):
    ob = OnBehalf(
        "Badan Penghubung Provinsi",
        "Badan Penghubung belum memiliki akun",
        "Foto AWB 126-12345678 via WhatsApp",
    )
    rec = recorded(demo, "2026-0004", event(demo, "2026-0004", "dedi", STEP_DATA[13], on_behalf=ob))
    assert rec.request.events[-1].on_behalf == ob
    body = git(demo.root, "log", "-1", "--format=%an%n%B")
    assert body.startswith("Dedi Kurniawan\n")
    assert "Ktpel-On-Behalf-Of: Badan Penghubung Provinsi" in body
    assert "Ktpel-Role: bapeng" in body
    assert (
        "Dicatat atas nama Badan Penghubung Provinsi: Badan Penghubung belum memiliki akun (bukti: Foto AWB"
        in body
    )
    text = git(demo.root, "show", f"HEAD:{rec.path}")
    assert tomllib.loads(text)["event"][-1]["on_behalf"] == {
        "of": ob.of,
        "reason": ob.reason,
        "evidence": ob.evidence,
    }


# --- NIPs in people.toml ---------------------------------------------------------------------------

NEW_PERSON = """
[[person]]
id = "rina"
name = "Rina Marlina, S.Sos"
nip = "{nip}"
email = "rina@dp3acskb.babelprov.go.id"
office = "prov"
roles = ["kasi"]
"""


def _add_person_with_plain_git(root: Path, nip: str, key: str | None = None) -> str:
    """The admin adds Rina to people.toml, as an inspector would see it: a plain git commit."""
    with open(root / "people.toml", "a", encoding="utf-8") as fh:
        fh.write(NEW_PERSON.format(nip=nip))
        if key:
            fh.write(f'\n[[person.key]]\npublic = "{key}"\n')
    git(
        root,
        "-c",
        "user.name=Yusuf Pratama, S.Kom",
        "-c",
        "user.email=yusuf@dp3acskb.babelprov.go.id",
        "-c",
        "commit.gpgsign=false",
        "commit",
        "-q",
        "-m",
        "Tambah Rina",
        "--",
        "people.toml",
    )
    return head_of(root)


@pytest.mark.parametrize(
    ("nip", "reason"),
    [
        ("19850510201001200", "harus 18 angka"),
        ("1985051020100120031", "harus 18 angka"),
        ("19850510201001200X", "harus 18 angka"),
        ("198502302010012003", "tanggal lahir (8 angka pertama) bukan tanggal yang ada"),
        ("198505102010132003", "bulan pengangkatan (angka 9-14) bukan bulan yang ada"),
        ("198505101980012003", "pengangkatan harus sesudah kelahiran"),
        ("198505101985052003", "pengangkatan harus sesudah kelahiran"),
        ("198505102010013003", "digit jenis kelamin (angka ke-15) harus 1 atau 2"),
        ("198505102010012000", "nomor urut (3 angka terakhir) tidak boleh 000"),
    ],
)
def test_bad_nip_in_people_toml_stops_every_operation(demo_path, nip, reason):
    _add_person_with_plain_git(demo_path, nip)
    with Ledger.open(demo_path) as led:
        err = refused(
            led,
            "2026-0006",
            event_for_step_1("maya"),
            "bad-nip",
            f"NIP {nip} milik rina tidak sah: {reason}",
        )
        assert [v.code for v in err.violations] == ["bad-nip"]
        assert err.violations[0].path == "people.toml"


def event_for_step_1(by: str) -> Event:
    return Event("advance", 1, _at(), by, "kasi", STEP_DATA[1])


def test_valid_nip_in_people_toml_is_accepted_and_the_person_can_act(demo_path):
    from ledger.keys import create_key

    _, public, _ = create_key("rina")  # the demo requires signatures: Rina signs with her own key
    _add_person_with_plain_git(demo_path, "19850510 201001 2 003", key=public)
    with Ledger.open(demo_path) as led:
        assert led.policy().person("rina").name == "Rina Marlina, S.Sos"
        rec = recorded(led, "2026-0006", event_for_step_1("rina"))
        assert rec.request.step == 2
    assert (
        git(demo_path, "log", "-1", "--format=%an <%ae>").strip()
        == "Rina Marlina, S.Sos <rina@dp3acskb.babelprov.go.id>"
    )


def test_every_demo_nip_is_valid():
    from ledger.demo import PEOPLE
    from ledger.policy import nip_problem

    assert {p.id: nip_problem(p.nip) for p in PEOPLE} == {p.id: None for p in PEOPLE}


# --- sentences ----------------------------------------------------------------------------------------


def test_the_same_refusal_reads_in_english_on_request(demo):
    err = refused(demo, "2026-0005", event(demo, "2026-0005", "maya"), "wrong-role")
    assert "does not hold the role" in err.message("en")
    assert "tidak memegang peran" in err.message("id")


def test_every_rule_has_both_sentences():
    for rule in RULES.values():
        assert (
            rule.id.strip() and rule.en.strip() and rule.id != rule.en or rule.code == "bad-input"
        ), rule.code


# --- the happy paths ------------------------------------------------------------------------------


def test_a_request_from_first_letter_to_last_receipt(demo, fixed_clock):
    led = demo
    letter = {"letter_date": date(2026, 11, 26), "stock_left": 40}
    rec = recorded(
        led,
        None,
        event(
            led,
            None,
            "kadis-1903",
            {
                "kabkota": "19.03",
                "letter_number": "470/77/Dukcapil-19.03/2026",
                "blanks_requested": 1200,
                **letter,
            },
            action="create",
        ),
    )
    rid = rec.request.id
    assert rid == "2026-0007"
    assert rec.path == "requests/2026/2026-0007.toml"
    assert rec.request.step == 1
    recorded(
        led,
        rid,
        event(
            led,
            rid,
            "kadis-1906",
            {
                "kabkota": "19.06",
                "letter_number": "470/78/Dukcapil-19.06/2026",
                "blanks_requested": 800,
                **letter,
            },
            action="permohonan",
        ),
    )
    # A letter on paper, recorded by province staff on behalf of Kab. Bangka.
    recorded(
        led,
        rid,
        event(
            led,
            rid,
            "dedi",
            {
                "kabkota": "19.01",
                "letter_number": "470/79/Dukcapil-19.01/2026",
                "blanks_requested": 300,
                **letter,
            },
            action="permohonan",
            on_behalf=OnBehalf(
                "Kepala Dinas Dukcapil Kab. Bangka", "Surat kertas", "Agenda 12/2026"
            ),
        ),
    )
    assert led.read_request(rid).requested == {"19.03": 1200, "19.06": 800, "19.01": 300}

    sop = led.policy().sop
    # Steps 1..18 in order, each one commit by the person holding the step's role.
    for no in range(1, 19):
        state = led.read_request(rid)
        assert state.step == no
        role = sop.step(no).role
        data = step_data(led, rid, no)
        if no == 2:
            assert data["blanks_asked"] == 3000
            data["blanks_asked"] = 2300
        if no == 13:
            data["blanks_shipped"] = 2300
        if no == 16:
            data = {"proposed_shares": {"19.03": 1200, "19.06": 800, "19.01": 0}}
        rec = recorded(led, rid, event(led, rid, ACTOR[role], data))
        assert rec.request.step == no + 1
        log = git(led.root, "log", "-1", "--format=%an%n%aI%n%B")
        author, when, body = log.split("\n", 2)
        assert author == led.policy().person(ACTOR[role]).name
        assert when.endswith("+07:00")
        assert body.startswith(f"[{rid}] Langkah {no}/19 {sop.step(no).title}")
        assert (
            f"Ktpel-Request: {rid}\nKtpel-Step: {no}\nKtpel-Action: advance\nKtpel-Role: {role}\n"
            in body
        )

    state = led.read_request(rid)
    assert state.step == 19 and state.status == "berjalan"
    assert state.shares == {"19.03": 1200, "19.06": 800, "19.01": 0}
    # Step 19: only the Kab/Kota with a share above zero take part.
    for n, code in enumerate(["19.03", "19.06"], start=1):
        recorded(
            led,
            rid,
            event(
                led,
                rid,
                "dedi",
                {
                    "kabkota": code,
                    "blanks": state.shares[code],
                    "bast_number": bast(950 + n, "XII"),
                    "hibah_statement": pernyataan(code, 950 + n),
                    "handover_date": date(2026, 12, 1),
                    "mode": "ambil",
                },
                action="handover",
            ),
        )
    rec = recorded(
        led,
        rid,
        event(
            led,
            rid,
            "kadis-1903",
            {"kabkota": "19.03", "blanks_received": 1200, "received_date": date(2026, 12, 1)},
            action="receipt",
        ),
    )
    assert rec.request.status == "berjalan"
    assert not rec.request.done
    rec = recorded(
        led,
        rid,
        event(
            led,
            rid,
            "kadis-1906",
            {"kabkota": "19.06", "blanks_received": 800, "received_date": date(2026, 12, 2)},
            action="receipt",
        ),
    )
    assert rec.request.status == "selesai"
    assert (
        git(led.root, "log", "-1", "--format=%s").strip()
        == f"[{rid}] Langkah 19/19 Distribusi & serah terima: diterima Kab. Belitung Timur 800 keping"
    )

    # The file says so too, for anyone reading it with plain git and a TOML reader.
    raw = tomllib.loads((led.root / rec.path).read_text(encoding="utf-8"))
    assert raw["state"]["status"] == "selesai"
    assert [e["seq"] for e in raw["event"]] == list(range(1, len(raw["event"]) + 1))
    assert len(raw["event"]) == 3 + 18 + 4
    # The list shows it complete, waiting on nobody.
    row = next(s for s in led.list_requests() if s.id == rid)
    assert row.done and row.waiting == () and row.confirmed == 2000 and row.handed_over == 2000
    # And nothing more can be recorded.
    refused(
        led,
        rid,
        event(
            led,
            rid,
            "kadis-1901",
            {"kabkota": "19.01", "blanks_received": 0, "received_date": date(2026, 12, 2)},
            action="receipt",
        ),
        "request-done",
    )


@pytest.mark.parametrize(("step", "back_to"), [(3, 2), (5, 4), (6, 4), (7, 4), (8, 4)])
def test_return_for_revision_goes_back_to_the_sops_step(demo, step, back_to):
    rid = "2026-0006"
    advance_to(demo, rid, step)
    role = demo.policy().sop.step(step).role
    note = "Jumlah blanko belum sesuai notulen."
    rec = recorded(demo, rid, event(demo, rid, ACTOR[role], action="return", note=note))
    assert rec.request.step == back_to
    assert rec.request.events[-1].note == note
    body = git(demo.root, "log", "-1", "--format=%B")
    assert body.startswith(f"[{rid}] Langkah {step}/19 ")
    assert f": dikembalikan ke langkah {back_to}\n\n{note}\n" in body
    assert "Ktpel-Action: return" in body
    # The request goes on from there: the step it returned to is redone, then the review again.
    advance_to(demo, rid, step + 1)
    assert demo.read_request(rid).step == step + 1


def test_the_demos_returned_request_counts_its_return(demo):
    state = demo.read_request("2026-0004")
    assert sum(1 for e in state.events if e.action == "return") == 1  # the demo's "dikembalikan"
    row = next(s for s in demo.list_requests() if s.id == "2026-0004")
    assert row.returns == 1


# --- the public contract ------------------------------------------------------------------------

FORMAT_MD = Path(__file__).resolve().parent.parent / "docs" / "FORMAT.md"


def test_every_rule_code_is_documented_in_format_md():
    text = FORMAT_MD.read_text(encoding="utf-8")
    missing = [code for code in RULES if f"| `{code}` |" not in text]
    assert missing == [], f"docs/FORMAT.md does not list these rule codes: {missing}"


def test_format_md_names_every_field_of_the_sop():
    from ledger.sop import load_builtin

    text = FORMAT_MD.read_text(encoding="utf-8")
    for step in load_builtin().steps:
        for f in (*step.fields, *step.handover_fields, *step.receipt_fields):
            assert f"`{f.name}` ({f.type}" in text, (
                f"step {step.no}: field {f.name} is not in docs/FORMAT.md"
            )


def _policy_texts(demo) -> tuple[str, str, str]:
    head = demo.head()
    settings = demo.blob(head, "ledger.toml").decode()
    sop_file = f"sop/{demo.policy().settings.sop}.toml"
    return settings, demo.blob(head, "people.toml").decode(), demo.blob(head, sop_file).decode()


@pytest.mark.parametrize("value", ['"false"', '"true"', "0", "1"])
def test_a_quoted_or_numeric_signatures_setting_is_refused_not_read_as_true(demo, value):
    from ledger.policy import parse_policy

    settings, people, sop = _policy_texts(demo)
    assert "signatures_required = true" in settings
    with pytest.raises(LedgerError) as err:
        parse_policy(
            settings.replace("signatures_required = true", f"signatures_required = {value}"),
            people,
            sop,
        )
    assert err.value.code == "settings-invalid"
    assert "signatures_required" in str(err.value) and "true atau false" in str(err.value)


def test_one_key_listed_under_two_people_is_refused(demo):
    from ledger.policy import parse_policy

    settings, people, sop = _policy_texts(demo)
    doc = tomllib.loads(people)
    by_id = {p["id"]: p for p in doc["person"]}
    maya_key = by_id["maya"]["key"][0]["public"]
    rudi_key = by_id["rudi"]["key"][0]["public"]
    assert maya_key != rudi_key
    with pytest.raises(LedgerError) as err:
        parse_policy(settings, people.replace(rudi_key, maya_key), sop)
    assert err.value.code == "people-invalid"
    assert "maya" in str(err.value) and "rudi" in str(err.value)
    assert parse_policy(settings, people, sop).person("rudi").keys  # the real file is fine
