"""The `ktpel` command as a clerk runs it: real ledgers in temporary folders, output as printed.

Most runs call `ktpel_tui.cli.main([...])` in-process and read what it printed; the refusals
run the real `ktpel` command in a subprocess, to prove the user sees a sentence on stderr, a
non-zero exit code and never a traceback. The clock is fixed with KTPEL_NOW.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
from conftest import FIXED_NOW, head_of

from ktpel_tui.cli import main

NOW = FIXED_NOW.isoformat()
KTPEL = [sys.executable, "-m", "ktpel_tui.cli"]
GOOD_NIP = "198803152014031002"


@pytest.fixture(autouse=True)
def _fixed_now(monkeypatch):
    monkeypatch.setenv("KTPEL_NOW", NOW)


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(list(args))
    out = capsys.readouterr()
    return code, out.out, out.err


def ktpel(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*KTPEL, *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "KTPEL_NOW": NOW, **(env or {})},
    )


def porcelain(root: Path) -> str:
    return subprocess.run(
        ["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, check=True
    ).stdout


def git_log(root: Path, fmt: str, *args: str) -> str:
    return subprocess.run(
        ["git", "log", f"--format={fmt}", *args],
        cwd=root,
        capture_output=True,
        text=True,
        check=True,
    ).stdout


# --- init ---------------------------------------------------------------------------------------


def init_ledger(capsys, root: Path, *extra: str) -> tuple[int, str, str]:
    """`ktpel init` of a one-admin ledger (Yusuf) at `root`."""
    return run(
        capsys,
        "init",
        str(root),
        "--admin",
        "yusuf",
        "--name",
        "Yusuf Pratama, S.Kom",
        "--nip",
        GOOD_NIP,
        "--email",
        "yusuf@dp3acskb.babelprov.go.id",
        *extra,
    )


def test_init_makes_a_ledger_whose_first_commit_is_the_admins(tmp_path, capsys):
    root = tmp_path / "babel"
    code, out, err = init_ledger(capsys, root, "--role", "pelaksana")
    assert (code, err) == (0, "")
    assert f"Ledger dibuat di {root}. Admin: Yusuf Pratama, S.Kom." in out
    assert {p.name for p in root.iterdir()} >= {
        "ledger.toml",
        "people.toml",
        "sop",
        "requests",
        ".git",
    }
    assert (root / "sop/ktpel-blanko-2020-r2.toml").is_file()
    graph = root / ".git" / "objects" / "info" / "commit-graph"
    assert b"BDAT" in graph.read_bytes()  # changed-path Bloom filters: later writes keep them
    assert (
        git_log(root, "%an <%ae>|%s").strip()
        == "Yusuf Pratama, S.Kom <yusuf@dp3acskb.babelprov.go.id>|Ledger dibuat: pengaturan, daftar orang dan SOP yang berlaku"
    )
    assert porcelain(root) == ""
    code, out, _ = run(capsys, "--ledger", str(root), "people", "--json")
    assert code == 0
    people = json.loads(out)
    assert [(p["id"], p["nip"], p["office"], p["roles"]) for p in people] == [
        ("yusuf", GOOD_NIP, "prov", ["admin", "pelaksana"])
    ]
    code, out, _ = run(capsys, "--ledger", str(root), "list")
    assert (code, out.strip()) == (0, "Tidak ada permohonan.")


def test_without_ledger_the_ledger_of_the_current_folder_is_used(tmp_path, capsys, monkeypatch):
    """As git does: a clerk who has `cd`-ed into the office ledger (or a folder in it) works on
    that ledger, never on the demo."""
    root = tmp_path / "kantor"
    assert init_ledger(capsys, root)[0] == 0
    monkeypatch.chdir(root / "requests")
    code, out, _ = run(capsys, "list")
    assert (code, out.strip()) == (0, "Tidak ada permohonan.")  # the demo has six
    code, out, _ = run(capsys, "people", "--json")
    assert [p["id"] for p in json.loads(out)] == ["yusuf"]


def test_init_refuses_a_folder_that_is_not_empty(tmp_path):
    root = tmp_path / "arsip"
    root.mkdir()
    (root / "catatan.txt").write_text("jangan dihapus\n")
    out = ktpel(
        "init",
        str(root),
        "--admin",
        "yusuf",
        "--name",
        "Yusuf",
        "--nip",
        GOOD_NIP,
        "--email",
        "y@example.org",
    )
    assert out.returncode == 1
    assert f"Galat [ledger-exists]: {root} sudah berisi berkas; pilih folder kosong." in out.stderr
    assert "Traceback" not in out.stderr
    assert sorted(p.name for p in root.iterdir()) == ["catatan.txt"]


@pytest.mark.parametrize(
    ("nip", "reason"),
    [
        ("12345", "harus 18 angka"),
        ("198802302014031002", "tanggal lahir (8 angka pertama) bukan tanggal yang ada"),
        ("198803151980031002", "pengangkatan harus sesudah kelahiran"),
        ("198803152014033002", "digit jenis kelamin (angka ke-15) harus 1 atau 2"),
        ("198803152014031000", "nomor urut (3 angka terakhir) tidak boleh 000"),
    ],
)
def test_init_refuses_a_bad_nip_and_writes_nothing(tmp_path, nip, reason):
    root = tmp_path / "baru"
    out = ktpel(
        "init",
        str(root),
        "--admin",
        "yusuf",
        "--name",
        "Yusuf",
        "--nip",
        nip,
        "--email",
        "y@example.org",
    )
    assert out.returncode == 1
    assert f"Galat [bad-nip]: NIP {nip} milik yusuf tidak sah: {reason}." in out.stderr
    assert "Traceback" not in out.stderr
    assert not root.exists() or not any(root.iterdir())


def test_init_without_required_options_is_a_usage_error(tmp_path):
    out = ktpel("init", str(tmp_path / "x"), "--admin", "yusuf")
    assert out.returncode == 2
    assert out.stderr.startswith("Perintah tidak sesuai: ")
    assert "--name" in out.stderr and "Traceback" not in out.stderr


# --- demo ------------------------------------------------------------------------------------------


def test_demo_builds_into_a_folder_and_rebuilds_only_a_demo(tmp_path):
    root = tmp_path / "demo"
    out = ktpel("demo", str(root), "--no-tui")
    assert out.returncode == 0, out.stderr
    assert (
        f"Ledger demo dibangun di {root}: 6 permohonan, satu orang untuk setiap peran."
        in out.stdout
    )
    assert f"ktpel --ledger {root} --as maya list --mine" in out.stdout
    story = git_log(root, "%an|%ad|%s")
    (root / "requests/2026/2026-0001.toml").unlink()  # a demo someone played with
    # Asking again rebuilds it (same clock, same seed: the same story); --ledger names it too.
    again = ktpel("--ledger", str(root), "demo", "--no-tui")
    assert again.returncode == 0, again.stderr
    assert len(list((root / "requests/2026").glob("*.toml"))) == 6
    assert git_log(root, "%an|%ad|%s") == story
    assert porcelain(root) == ""


def test_demo_refuses_to_overwrite_a_folder_that_is_not_a_demo(tmp_path, capsys):
    real = tmp_path / "ledger-dinas"
    assert (
        run(
            capsys,
            "init",
            str(real),
            "--admin",
            "yusuf",
            "--name",
            "Yusuf",
            "--nip",
            GOOD_NIP,
            "--email",
            "y@example.org",
        )[0]
        == 0
    )
    before = head_of(real)
    out = ktpel("demo", str(real), "--no-tui")
    assert out.returncode == 1
    assert f"Galat [ledger-exists]: {real} sudah berisi berkas; pilih folder kosong." in out.stderr
    assert "Traceback" not in out.stderr
    assert head_of(real) == before and (real / "ledger.toml").is_file()
    out = ktpel("--ledger", str(real), "demo", "--no-tui")
    assert out.returncode == 1 and "[ledger-exists]" in out.stderr
    assert head_of(real) == before


# --- people and sop ----------------------------------------------------------------------------------


def test_people_lists_everyone_with_office_and_role(demo_path, capsys):
    code, out, _ = run(capsys, "--ledger", str(demo_path), "people")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 16
    maya = next(line for line in lines if line.startswith("maya "))
    assert (
        "Maya Lestari, S.IP" in maya
        and "Dinas P3ACSKB" in maya
        and "Kasi Fasilitasi Pendaftaran Penduduk" in maya
    )
    kab = next(line for line in lines if line.startswith("kadis-1971"))
    assert "Kota Pangkalpinang" in kab and "Kepala Dinas Dukcapil Kab/Kota" in kab

    code, out, _ = run(capsys, "--ledger", str(demo_path), "people", "--json")
    people = {p["id"]: p for p in json.loads(out)}
    assert len(people) == 16
    assert people["kadis-1905"]["office"] == "19.05" and people["kadis-1905"]["roles"] == [
        "kadis-kabkota"
    ]
    assert people["yusuf"]["roles"] == ["admin", "pelaksana"]


def test_sop_lists_the_steps_with_role_minutes_and_output(demo_path, capsys):
    code, out, _ = run(capsys, "--ledger", str(demo_path), "sop")
    assert code == 0
    lines = out.splitlines()
    assert lines[0].startswith("FASILITASI PENGAMBILAN DAN PENDISTRIBUSIAN BLANKO KTP-EL")
    assert len(lines) == 21
    step3 = lines[4]
    assert (
        step3.lstrip().startswith("3. Koreksi/persetujuan konsep")
        and "Kepala Bidang Dukcapil" in step3
    )
    assert "(kembali ke 2)" in step3
    assert "60–4320 menit" in lines[20] and "→ Blanko KTP-el Tersalurkan" in lines[20]

    code, out, _ = run(capsys, "--ledger", str(demo_path), "sop", "--json")
    sop = json.loads(out)
    assert sop["id"] == "ktpel-blanko-2020-r2"
    assert [s["no"] for s in sop["steps"]] == list(range(20))
    s19 = sop["steps"][19]
    assert (s19["minutes"], s19["minutes_max"], s19["role"]) == (60, 4320, "pelaksana")
    assert sop["steps"][9]["fields"] == ["letter_number", "letter_date"]
    assert sop["steps"][13]["on_behalf"] == ["kasi", "pelaksana"]


def test_sop_works_without_a_ledger(tmp_path, capsys):
    code, out, _ = run(capsys, "--ledger", str(tmp_path / "tidak-ada"), "sop", "--json")
    assert code == 0 and json.loads(out)["id"] == "ktpel-blanko-2020-r2"


# --- recording: new, permohonan, advance, return, handover, receipt ---------------------------


def test_new_and_permohonan_with_typed_values(demo_path, capsys):
    led = ["--ledger", str(demo_path)]
    code, out, err = run(
        capsys,
        *led,
        "--as",
        "kadis-1903",
        "new",
        "--set",
        "kabkota=19.03",
        "--set",
        "letter_number=470/ 55 /Dukcapil-19.03/2026",
        "--set",
        "letter_date=27-11-2026",
        "--set",
        "blanks_requested=1.500",
        "--set",
        "stock_left=20",
    )
    assert (code, err) == (0, "")
    assert out.startswith(
        "Tercatat: [2026-0007] Permohonan baru: Kab. Bangka Selatan, 1500 keping\n"
    )
    assert "Ahmad Fauzi, S.STP, M.Si · 2026-11-28 10:00 WIB" in out

    code, out, err = run(
        capsys,
        *led,
        "--as",
        "dedi",
        "permohonan",
        "2026-0007",
        "--set",
        "kabkota=19.05",
        "--set",
        "letter_number=470/12/Dukcapil-19.05/2026",
        "--set",
        "letter_date=2026-11-26",
        "--set",
        "blanks_requested=800",
        "--set",
        "stock_left=0",
        "--on-behalf",
        "Kepala Dinas Dukcapil Kab. Bangka Barat",
        "--reason",
        "Surat kertas",
        "--evidence",
        "Agenda surat masuk 88/2026",
    )
    assert (code, err) == (0, "")
    assert "Surat permohonan Kab. Bangka Barat: 800 keping" in out

    code, out, _ = run(capsys, *led, "show", "2026-0007", "--json")
    shown = json.loads(out)
    first, second = shown["permohonan"]
    assert first == {
        "kabkota": "19.03",
        "letter_number": "470/ 55 /Dukcapil-19.03/2026",
        "letter_date": "2026-11-27",
        "blanks_requested": 1500,
        "stock_left": 20,
    }
    assert second["blanks_requested"] == 800 and second["stock_left"] == 0
    assert shown["events"][1]["on_behalf"] == {
        "of": "Kepala Dinas Dukcapil Kab. Bangka Barat",
        "reason": "Surat kertas",
        "evidence": "Agenda surat masuk 88/2026",
    }
    assert shown["events"][0]["at"] == "2026-11-28T10:00:00+07:00"
    log = git_log(demo_path, "%an|%B", "-1")
    assert log.startswith(
        "Dedi Kurniawan|[2026-0007] Surat permohonan Kab. Bangka Barat: 800 keping"
    )
    assert "Ktpel-On-Behalf-Of: Kepala Dinas Dukcapil Kab. Bangka Barat" in log


def test_advance_types_each_value_and_fills_suggestions(demo_path, capsys):
    led = ["--ledger", str(demo_path)]
    code, out, err = run(
        capsys,
        *led,
        "--as",
        "maya",
        "advance",
        "2026-0006",
        "--set",
        "meeting_date=28/11/2026",
        "--set",
        "minutes_summary=Stok   menipis di Bangka",
    )
    assert (code, err) == (0, "")
    assert out.startswith(
        "Tercatat: [2026-0006] Langkah 1/19 Rapat monev stok & kebutuhan: Stok menipis di Bangka"
    )
    # Step 2 with no --set: the SOP's suggestions (subject; blanks asked = sum requested) are recorded.
    code, out, err = run(capsys, *led, "--as", "maya", "advance", "2026-0006", "--json")
    assert (code, err) == (0, "")
    rec = json.loads(out)
    assert (rec["request"], rec["step"], rec["action"]) == ("2026-0006", 2, "advance")
    assert rec["data"] == {
        "subject": "Permohonan Fasilitasi Pengambilan Blanko KTP-el",
        "blanks_asked": 3000,
    }
    assert rec["commit"] == head_of(demo_path)

    raw = tomllib.loads((demo_path / "requests/2026/2026-0006.toml").read_text(encoding="utf-8"))
    meeting = raw["event"][1]["data"]
    assert str(meeting["meeting_date"]) == "2026-11-28"
    assert meeting["minutes_summary"] == "Stok menipis di Bangka"


def test_a_request_through_the_command_line_to_selesai(demo_path, capsys):
    """2026-0004 from the air shipment (13) to the last receipt, as the clerks would type it."""
    led = ["--ledger", str(demo_path)]

    def ok(*args: str) -> str:
        code, out, err = run(capsys, *led, *args)
        assert (code, err) == (0, ""), err
        return out

    ok(
        "--as",
        "bambang",
        "advance",
        "2026-0004",
        "--step",
        "13",
        "--set",
        "blanks_shipped=3.100",
        "--set",
        "carrier=Garuda Cargo",
        "--set",
        "airway_bill=126-55555555",
        "--set",
        "ship_date=2026-11-27",
    )
    ok(
        "--as",
        "dedi",
        "advance",
        "2026-0004",
        "--set",
        "parcels=7",
        "--set",
        "airway_bill_matches=ya",
    )
    ok(
        "--as",
        "agus",
        "advance",
        "2026-0004",
        "--set",
        "received_good=3090",
        "--set",
        "damaged_missing=10",
    )
    ok("--as", "rudi", "advance", "2026-0004", "--set", "proposed_shares=19.03=1500, 19.05=1590")
    out = ok("--as", "hendra", "advance", "2026-0004")  # shares default to the proposal
    assert "shares = 19.03=1500,19.05=1590" in out
    ok(
        "--as",
        "maya",
        "advance",
        "2026-0004",
        "--set",
        "schedule=19.03=2026-12-01/ambil,19.05=02-12-2026/antar",
    )
    out = ok(
        "--as",
        "dedi",
        "handover",
        "2026-0004",
        "--set",
        "kabkota=19.03",
        "--set",
        "blanks=1500",
        "--set",
        "bast_number=400.12.3.2/960/BAST/DP3ACSKB/XI/2026",
        "--set",
        "hibah_statement=470/7/DUKCAPIL-BASEL/2026",
        "--set",
        "mode=ambil",
    )
    assert (
        "serah terima Kab. Bangka Selatan 1500 keping (BAST 400.12.3.2/960/BAST/DP3ACSKB/XI/2026)"
        in out
    )
    out = ok(
        "--as", "kadis-1903", "receipt", "2026-0004", "--set", "kabkota=19.03"
    )  # the count comes from the BAST
    assert "diterima Kab. Bangka Selatan 1500 keping" in out
    ok(
        "--as",
        "dedi",
        "handover",
        "2026-0004",
        "--set",
        "kabkota=19.05",
        "--set",
        "blanks=1590",
        "--set",
        "bast_number=400.12.3.2/961/BAST/DP3ACSKB/XI/2026",
        "--set",
        "hibah_statement=470/8/DUKCAPIL-BABAR/2026",
        "--set",
        "mode=antar",
    )
    ok(
        "--as",
        "kadis-1905",
        "receipt",
        "2026-0004",
        "--set",
        "kabkota=19.05",
        "--set",
        "blanks_received=1.590",
    )

    out = ok("show", "2026-0004")
    assert out.startswith("Permohonan 2026-0004 · SELESAI · requests/2026/2026-0004.toml\n")
    assert "dikirim 3100 · diterima baik 3090 · rusak/kurang 10" in out
    assert "porsi 3090 · diserahkan 3090 · dikonfirmasi 3090 · sisa di gudang 0" in out
    shown = json.loads(ok("show", "2026-0004", "--json"))
    assert shown["status"] == "selesai"
    assert shown["events"][-1]["data"] == {
        "kabkota": "19.05",
        "blanks_received": 1590,
        "received_date": "2026-11-28",
    }
    schedule = next(e for e in shown["events"] if e["step"] == 18)["data"]["schedule"]
    assert schedule == {
        "19.03": {"date": "2026-12-01", "mode": "ambil"},
        "19.05": {"date": "2026-12-02", "mode": "antar"},
    }
    rows = {r["id"]: r for r in json.loads(ok("list", "--json"))}
    assert rows["2026-0004"]["status"] == "selesai" and rows["2026-0004"]["confirmed"] == 3090
    assert porcelain(demo_path) == ""


def test_return_with_a_note_goes_back_and_shows_in_the_request(demo_path, capsys):
    led = ["--ledger", str(demo_path)]
    code, out, err = run(
        capsys,
        *led,
        "--as",
        "rudi",
        "return",
        "2026-0005",
        "--note",
        "Perihal surat kurang lengkap.",
    )
    assert (code, err) == (0, "")
    assert out.startswith(
        "Tercatat: [2026-0005] Langkah 3/19 Koreksi/persetujuan konsep: dikembalikan ke langkah 2"
    )
    code, out, _ = run(capsys, *led, "show", "2026-0005", "--json")
    shown = json.loads(out)
    assert shown["step"] == 2
    assert shown["returns"][-1]["step"] == 3 and shown["returns"][-1]["to"] == 2
    assert shown["returns"][-1]["note"] == "Perihal surat kurang lengkap."
    code, out, _ = run(capsys, *led, "show", "2026-0005")
    assert (
        "↩ langkah 3 dikembalikan ke 2 oleh Rudi Hartono, S.Sos, M.Si 28-11 10:00: Perihal surat kurang lengkap."
        in out
    )


def test_return_needs_a_note_and_a_review_step(demo_path):
    before = head_of(demo_path)
    out = ktpel("--ledger", str(demo_path), "--as", "rudi", "return", "2026-0005")
    assert out.returncode == 2 and "--note" in out.stderr
    out = ktpel(
        "--ledger", str(demo_path), "--as", "maya", "return", "2026-0006", "--note", "Ulang."
    )
    assert out.returncode == 1
    assert (
        "Galat [not-review-step]: Langkah 1 (Rapat monev stok & kebutuhan) bukan langkah pemeriksaan; tidak dapat dikembalikan."
        in out.stderr
    )
    assert head_of(demo_path) == before


# --- show, list, log ---------------------------------------------------------------------------------


def test_show_a_complete_request(demo_path, capsys):
    code, out, _ = run(capsys, "--ledger", str(demo_path), "show", "2026-0001")
    assert code == 0
    assert out.startswith("Permohonan 2026-0001 · SELESAI · requests/2026/2026-0001.toml\n")
    assert "Kab. Bangka Tengah" in out
    # The last receipt (Bangka Tengah, on paper) was typed in by Dedi: shown as on behalf.
    row19 = next(line for line in out.splitlines() if "19 Distribusi & serah terima" in line)
    assert "Dedi Kurniawan" in row19 and "(atas nama Kepala Dinas Dukcapil 19.04)" in row19
    assert out.count("✓") == 19
    code, out, _ = run(capsys, "--ledger", str(demo_path), "show", "2026-0001", "--json")
    shown = json.loads(out)
    assert shown["status"] == "selesai" and shown["path"] == "requests/2026/2026-0001.toml"
    qty = shown["quantities"]
    # Kab. Belitung counted 10 pieces short on arrival: lost in transit, recorded.
    assert qty["handed_over"] == qty["shares"] == qty["confirmed"] + qty["lost_in_transit"]
    assert qty["lost_in_transit"] == 10
    assert [r["code"] for r in qty["per_kabkota"]] == ["19.01", "19.02", "19.04"]
    assert [len(r["bast"]) for r in qty["per_kabkota"]] == [2, 1, 1]  # Bangka: two handovers
    assert len(shown["events"]) == 29


def _ids(out: str) -> list[str]:
    return [line.split()[0] for line in out.splitlines()[1:]]


def test_list_all_mine_overdue_and_json_at_a_fixed_time(demo_path, capsys, monkeypatch):
    led = ["--ledger", str(demo_path)]
    code, out, _ = run(capsys, *led, "list")
    assert code == 0
    assert _ids(out) == [f"2026-000{n}" for n in range(1, 7)]
    assert "TERLAMBAT" in next(line for line in out.splitlines() if line.startswith("2026-0003"))
    assert _ids(run(capsys, *led, "list", "--overdue")[1]) == ["2026-0003"]
    assert _ids(run(capsys, *led, "--as", "hendra", "list", "--mine")[1]) == ["2026-0003"]
    assert _ids(run(capsys, *led, "--as", "maya", "list", "--mine")[1]) == ["2026-0006"]
    assert _ids(run(capsys, *led, "--as", "kadis-1905", "list", "--mine")[1]) == ["2026-0002"]
    assert _ids(run(capsys, *led, "--as", "dedi", "list", "--mine")[1]) == [
        "2026-0002"
    ]  # handover to 19.03
    assert (
        run(capsys, *led, "--as", "kadis-1903", "list", "--mine")[1].strip()
        == "Tidak ada permohonan."
    )

    rows = json.loads(run(capsys, *led, "list", "--json")[1])
    assert [r["id"] for r in rows] == [f"2026-000{n}" for n in range(1, 7)]
    assert [r["id"] for r in rows if r["overdue"]] == ["2026-0003"]
    r2 = rows[1]
    assert r2["step"] == 19 and r2["status"] == "berjalan"
    assert {(w["action"], w["kabkota"]) for w in r2["waiting"]} == {
        ("receipt", "19.05"),
        ("handover", "19.03"),
    }

    # Two days later the air shipment of 2026-0004 (2880 minutes) is late too.
    monkeypatch.setenv("KTPEL_NOW", FIXED_NOW.replace(day=30).isoformat())
    assert "2026-0004" in _ids(run(capsys, *led, "list", "--overdue")[1])


def test_list_mine_needs_to_know_who(demo_path):
    out = ktpel("--ledger", str(demo_path), "list", "--mine")
    assert out.returncode == 1
    assert (
        "Galat [no-user]: Siapa yang bertindak? Pilih dengan --as ORANG atau KTPEL_USER."
        in out.stderr
    )
    out = ktpel("--ledger", str(demo_path), "list", "--mine", env={"KTPEL_USER": "maya"})
    assert out.returncode == 0 and _ids(out.stdout) == ["2026-0006"]


def test_log_tells_the_requests_story(demo_path, capsys):
    code, out, _ = run(capsys, "--ledger", str(demo_path), "log", "2026-0001")
    assert code == 0
    lines = out.splitlines()
    assert len(lines) == 2 * 29
    assert "Drs. Syahrial, M.Si (Kepala Dinas Dukcapil Kab/Kota)" in lines[0]
    assert lines[1].strip() == "[2026-0001] Permohonan baru: Kab. Bangka, 3000 keping"
    assert any("Dedi Kurniawan (Kepala Dinas Dukcapil Kab/Kota atas nama" in line for line in lines)
    entries = json.loads(run(capsys, "--ledger", str(demo_path), "log", "2026-0001", "--json")[1])
    assert [e["at"] for e in entries] == sorted(e["at"] for e in entries)
    assert [e["step"] for e in entries if e["action"] == "advance"] == list(range(1, 19))
    assert entries[-1]["action"] == "receipt" and entries[-1]["role"] == "kadis-kabkota"
    assert all(e["at"].endswith("+07:00") for e in entries)


# --- wrong input: a sentence, a non-zero code, no traceback, nothing written ---------------------

ERRORS = [
    (["show", "2026-0099"], 1, "Galat [unknown-request]: Permohonan '2026-0099' tidak ditemukan."),
    (
        ["show", "26-3"],
        1,
        "Galat [bad-request-id]: Nomor permohonan '26-3' tidak sah (contoh: 2026-0003).",
    ),
    (["log", "2026-0099"], 1, "Galat [unknown-request]"),
    # An id longer than any request's is refused as such, and not echoed whole.
    (
        ["log", "2026-" + "1" * 5000],
        1,
        "Galat [bad-request-id]: Nomor permohonan '2026-1111111111111111111… (5005)' tidak sah",
    ),
    (["show", "2026-" + "9" * 16], 1, "Galat [bad-request-id]"),
    (
        [
            "--as",
            "maya",
            "advance",
            "2026-0006",
            "--set",
            "peserta=semua",
            "--set",
            "meeting_date=2026-11-28",
        ],
        1,
        "Galat [bad-input] (peserta): isian 'peserta' tidak ada pada langkah ini (yang ada: meeting_date, minutes_summary)",
    ),
    (
        [
            "--as",
            "maya",
            "advance",
            "2026-0006",
            "--set",
            "meeting_date=31-02-2026",
            "--set",
            "minutes_summary=x",
        ],
        1,
        "Galat [field-type] (meeting_date): Isian 'Tanggal rapat' harus berupa tanggal (TTTT-BB-HH): '31-02-2026' tidak sesuai.",
    ),
    (
        ["--as", "maya", "advance", "2026-0006", "--set", "meeting_date"],
        1,
        "Galat [bad-input]: 'meeting_date' harus berbentuk NAMA=NILAI",
    ),
    (
        ["--as", "maya", "advance", "2026-0006", "--set", "meeting_date=2026-11-28"],
        1,
        "Galat [field-missing] (minutes_summary): Isian 'Ringkasan notulen' wajib diisi.",
    ),
    (
        [
            "--as",
            "bambang",
            "advance",
            "2026-0004",
            "--set",
            "blanks_shipped=-3",
            "--set",
            "carrier=x",
            "--set",
            "airway_bill=1",
            "--set",
            "ship_date=2026-11-28",
        ],
        1,
        "Galat [bad-count] (blanks_shipped): Isian 'Jumlah blanko dikirim (keping)' harus bilangan bulat tidak negatif",
    ),
    (
        ["advance", "2026-0006", "--set", "meeting_date=2026-11-28"],
        1,
        "Galat [no-user]: Siapa yang bertindak?",
    ),
    (
        ["--as", "budi", "advance", "2026-0006"],
        1,
        "Galat [unknown-person]: Orang 'budi' tidak terdaftar di people.toml.",
    ),
    (
        ["--as", "maya", "advance", "2026-0005"],
        1,
        "Galat [wrong-role]: Maya Lestari, S.IP tidak memegang peran 'Kepala Bidang Dukcapil'",
    ),
    (
        ["--as", "maya", "advance", "2026-0006", "--step", "2"],
        1,
        "Galat [wrong-step]: Permohonan 2026-0006 sedang di langkah 1",
    ),
    (
        ["--as", "dedi", "advance", "2026-0001"],
        1,
        "Galat [request-done]: Permohonan 2026-0001 sudah selesai",
    ),
    (["--as", "dedi", "advance", "2026-0002"], 1, "Galat [use-distribution]"),
    (
        ["--as", "maya", "advance", "2026-0006", "--reason", "cuti"],
        1,
        "Galat [on-behalf-incomplete]",
    ),
    (["--as", "maya", "bogus"], 2, "Perintah tidak sesuai: "),
]


@pytest.mark.parametrize(
    ("args", "code", "sentence"),
    ERRORS,
    ids=[" ".join(x[:24] for x in a[:3]) + f" #{i}" for i, (a, _, _) in enumerate(ERRORS)],
)
def test_wrong_input_gives_a_sentence_and_changes_nothing(demo_path, args, code, sentence):
    before = head_of(demo_path)
    out = ktpel("--ledger", str(demo_path), *args)
    assert out.returncode == code, (out.stdout, out.stderr)
    assert sentence in out.stderr, out.stderr
    assert "Traceback" not in out.stderr + out.stdout
    assert out.stdout == ""
    assert head_of(demo_path) == before
    assert porcelain(demo_path) == ""


def test_a_missing_ledger_folder_is_named(tmp_path):
    missing = tmp_path / "tidak-ada"
    for args in (
        ["list"],
        ["show", "2026-0001"],
        ["--as", "maya", "advance", "2026-0001"],
        ["people"],
    ):
        out = ktpel("--ledger", str(missing), *args)
        assert out.returncode == 1
        assert (
            f"Galat [not-a-ledger]: {missing} bukan ledger ktpel (tidak ada repositori git dengan ledger.toml)."
            in out.stderr
        )
        assert "Traceback" not in out.stderr
    out = ktpel("list", env={"KTPEL_LEDGER": str(missing)})
    assert out.returncode == 1 and f"{missing} bukan ledger ktpel" in out.stderr


def test_a_plain_folder_or_plain_git_repo_is_not_a_ledger(tmp_path):
    subprocess.run(["git", "init", "-q", str(tmp_path / "repo")], check=True)
    out = ktpel("--ledger", str(tmp_path / "repo"), "list")
    assert out.returncode == 1 and "[not-a-ledger]" in out.stderr and "Traceback" not in out.stderr


# --- English on request ----------------------------------------------------------------------------


def test_lang_en_gives_english(demo_path, capsys):
    led = ["--ledger", str(demo_path)]
    code, out, _ = run(capsys, *led, "--lang", "en", "show", "2026-0001")
    assert code == 0
    assert out.startswith("Request 2026-0001 · COMPLETE · requests/2026/2026-0001.toml\n")
    assert "Blank counts (pieces):" in out
    code, out, _ = run(capsys, *led, "list", "--lang", "en")
    assert out.splitlines()[0].split()[:4] == ["ID", "Kab/Kota", "Step", "Waiting"]
    assert "complete" in out and "LATE" in out
    out = ktpel(*led, "--lang", "en", "show", "2026-0099")
    assert out.returncode == 1
    assert "Error [unknown-request]: Request '2026-0099' was not found." in out.stderr
    out = ktpel(*led, "--lang", "en", "--as", "maya", "advance", "2026-0005")
    assert (
        "Error [wrong-role]: Maya Lestari, S.IP does not hold the role 'Kepala Bidang Dukcapil' responsible for step 3"
        in out.stderr
    )
    out = ktpel(
        *led,
        "--lang",
        "en",
        "--as",
        "maya",
        "advance",
        "2026-0006",
        "--set",
        "meeting_date=kemarin",
        "--set",
        "minutes_summary=x",
    )
    assert "'Tanggal rapat' must be a date (YYYY-MM-DD): 'kemarin' does not fit." in out.stderr
    out = ktpel(*led, "--lang", "en", "bogus")
    assert out.returncode == 2 and out.stderr.startswith("Wrong usage: ")
    out = ktpel(*led, "show", "2026-0099", env={"KTPEL_LANG": "en"})
    assert "Request '2026-0099' was not found." in out.stderr


def test_help_and_usage_errors_speak_indonesian_by_default(demo_path):
    out = ktpel("advance", "--help")
    assert out.returncode == 0
    assert out.stdout.startswith("pemakaian: ktpel advance ")
    assert "\nargumen:\n" in out.stdout and "\nopsi:\n" in out.stdout
    assert out.stdout.count("\nopsi:\n") == 1  # the shared options sit in the same section
    assert (
        "tampilkan bantuan ini lalu keluar" in out.stdout
        and "positional arguments" not in out.stdout
    )
    out = ktpel("--ledger", str(demo_path), "advance")
    assert out.returncode == 2
    assert out.stderr.startswith("Perintah tidak sesuai: argumen ini wajib diisi: PERMOHONAN\n")
    out = ktpel("--ledger", str(demo_path), "--lang", "xx", "list")
    assert "pilihan 'xx' tidak ada" in out.stderr and "Traceback" not in out.stderr
    out = ktpel("--lang", "en", "advance", "--help")
    assert out.stdout.startswith("usage: ktpel advance ") and "\noptions:\n" in out.stdout


def test_list_says_dikembalikan_for_a_returned_request_as_the_tui_does(demo_path, capsys):
    from ledger.request import Event
    from ledger.store import Ledger

    with Ledger.open(demo_path) as led:  # 2026-0005 at step 3: the Kabid returns it
        led.record("2026-0005", Event("return", 3, FIXED_NOW, "rudi", "kabid", {}, note="Ulang"))
    out = run(capsys, "--ledger", str(demo_path), "list")[1]
    line = next(line for line in out.splitlines() if line.startswith("2026-0005"))
    assert line.rstrip().endswith("dikembalikan")


def test_list_json_streams_the_same_text_as_the_whole_list(demo_path, capsys, fixed_clock):
    """`list --json` writes row by row (issue 17): the text is json.dumps of the whole list."""
    from ledger.store import Ledger

    with Ledger.open(demo_path) as led:
        whole = [s.to_json() for s in led.list_requests()]
    for extra, keep in (
        ((), lambda s: True),
        (("--overdue",), lambda s: s["status"] != "selesai" and s.get("overdue")),
        (("--mine", "--as", "rudi"), None),
    ):
        code, out, _ = run(capsys, "--ledger", str(demo_path), "list", "--json", *extra)
        assert code == 0
        rows = json.loads(out)
        if keep is not None:
            assert rows == [r for r in whole if keep(r)]
        assert out == json.dumps(rows, ensure_ascii=False, indent=2) + "\n"
    assert len(json.loads(run(capsys, "--ledger", str(demo_path), "list", "--json")[1])) == 6
    nothing = run(
        capsys, "--ledger", str(demo_path), "list", "--json", "--mine", "--as", "kadis-1901"
    )
    assert nothing[:2] == (0, "[]\n")
    code, out, _ = run(capsys, "--ledger", str(demo_path), "list", "--json", "--mine", "--as", "x")
    assert code != 0 and out == ""


# Libraries only some verbs need (the screen, documents, signing keys): a plain command must not
# pay for importing them (issue 17: Python's start and its imports were most of `ktpel log`).
HEAVY = ("textual", "rich", "docxtpl", "docx", "xlsxwriter", "jinja2", "segno", "cryptography")


def test_a_plain_command_does_not_import_the_screen_or_the_document_libraries(demo_path):
    script = (
        "import sys\n"
        "import ktpel_tui.cli\n"
        "ktpel_tui.cli.build_parser()\n"  # every verb registered, as any command does
        "code = ktpel_tui.cli.main(sys.argv[1:])\n"
        "print(code, sorted({m.split('.')[0] for m in sys.modules}), file=sys.stderr)\n"
    )
    request = "2026-0001"
    proc = subprocess.run(
        [sys.executable, "-c", script, "--ledger", str(demo_path), "log", request],
        capture_output=True,
        text=True,
    )
    assert f"[{request}]" in proc.stdout  # the log itself was printed
    code, _, modules = proc.stderr.strip().rpartition("\n")[2].partition(" ")
    assert code == "0"
    loaded = set(json.loads(modules.replace("'", '"')))
    assert "ledger" in loaded and not loaded & set(HEAVY), loaded & set(HEAVY)


def test_ktpel_log_reads_the_ledger_without_the_store_or_git_python(demo_path):
    """The installed `ktpel` answers `log` through a light reader (issue 17): no GitPython, no
    store, kernel, policy or calendar modules, no listing cache, no argparse."""
    script = (
        "import sys\n"
        "from ktpel_tui.entry import main\n"
        "code = main(sys.argv[1:])\n"
        "print(code, sorted(sys.modules), file=sys.stderr)\n"
    )
    for extra in ([], ["--json"]):
        proc = subprocess.run(
            [sys.executable, "-c", script, "--ledger", str(demo_path), "log", "2026-0001", *extra],
            capture_output=True,
            text=True,
        )
        assert "[2026-0001] Permohonan baru" in proc.stdout
        code, _, modules = proc.stderr.strip().rpartition("\n")[2].partition(" ")
        loaded = set(json.loads(modules.replace("'", '"')))
        assert code == "0"
        unwanted = {"git", "gitdb", "holidays", "sqlite3", "argparse", "ktpel_tui.cli"}
        unwanted |= {f"ledger.{m}" for m in ("store", "kernel", "policy", "request", "cache")}
        unwanted |= {"ledger.worktime", "ledger.sop"}
        assert not loaded & unwanted, loaded & unwanted
        assert not loaded & set(HEAVY)
