"""The Excel recap, opened with openpyxl, against sums computed from the request files (tomllib)."""

from __future__ import annotations

import tomllib
from pathlib import Path

import openpyxl
import pytest
from conftest import head_of

from ktpel_tui.cli import main

COLUMNS = (
    "Diminta (keping)",
    "Dimohonkan ke Ditjen",
    "Dikirim Badan Penghubung",
    "Diterima baik",
    "Rusak/kurang",
    "Porsi",
    "Diserahkan",
    "Dikonfirmasi",
)


def sums_from_files(root: Path, month: int | None = None) -> dict[str, int]:
    """What the recap's totals must be, read straight from requests/*/*.toml."""
    out = dict.fromkeys(COLUMNS, 0)
    for path in sorted((root / "requests").glob("*/*.toml")):
        events = tomllib.loads(path.read_text())["event"]
        if month is not None and events[0]["at"].month != month:
            continue

        def last(step: int, name: str, events=events) -> int:
            found = [
                e["data"][name] for e in events if e["step"] == step and e["action"] == "advance"
            ]
            return found[-1] if found else 0

        out["Diminta (keping)"] += sum(
            e["data"]["blanks_requested"] for e in events if e["action"] in ("create", "permohonan")
        )
        out["Dimohonkan ke Ditjen"] += last(2, "blanks_asked")
        out["Dikirim Badan Penghubung"] += last(13, "blanks_shipped")
        out["Diterima baik"] += last(15, "received_good")
        out["Rusak/kurang"] += last(15, "damaged_missing")
        shares = last(17, "shares")
        out["Porsi"] += sum(shares.values()) if shares else 0
        out["Diserahkan"] += sum(e["data"]["blanks"] for e in events if e["action"] == "handover")
        out["Dikonfirmasi"] += sum(
            e["data"]["blanks_received"] for e in events if e["action"] == "receipt"
        )
    return out


def totals_row(ws) -> dict[str, object]:
    headings = [c.value for c in ws[4]]
    for row in ws.iter_rows(min_row=5, values_only=True):
        if row[0] == "Jumlah":
            return dict(zip(headings, row, strict=True))
    raise AssertionError(f"no Jumlah row in {ws.title}")


@pytest.fixture
def recap(demo_path: Path, tmp_path: Path) -> Path:
    target = tmp_path / "rekap.xlsx"
    assert main(["--ledger", str(demo_path), "recap", "-o", str(target)]) == 0
    return target


def test_recap_totals_match_the_request_files(recap, demo_path):
    expected = sums_from_files(demo_path)
    book = openpyxl.load_workbook(recap, data_only=True)
    for name in ("Permohonan", "Per periode"):
        row = totals_row(book[name])
        assert {c: row[c] for c in COLUMNS} == expected, name
    kab = totals_row(book["Per Kab-Kota"])
    assert kab["Diminta"] == expected["Diminta (keping)"]
    assert kab["Porsi"] == expected["Porsi"]
    assert kab["Diserahkan"] == expected["Diserahkan"]
    # One row per request file.
    ids = [r[0] for r in book["Permohonan"].iter_rows(min_row=5, values_only=True)]
    assert ids[:-1] == sorted(p.stem for p in (demo_path / "requests").glob("*/*.toml"))


def test_recap_totals_are_formulas_stored_with_their_values(recap):
    formulas = openpyxl.load_workbook(recap)["Permohonan"]
    values = openpyxl.load_workbook(recap, data_only=True)["Permohonan"]
    last = formulas.max_row
    assert formulas.cell(last, 7).value.startswith("=SUM(G5:G")
    assert isinstance(values.cell(last, 7).value, int) and values.cell(last, 7).value > 0


def test_every_sheet_names_the_commit_has_frozen_headings_and_widths(recap, demo_path):
    head = head_of(demo_path)
    book = openpyxl.load_workbook(recap)
    assert book.sheetnames == ["Per periode", "Per Kab-Kota", "Per langkah", "Permohonan"]
    for ws in book:
        assert head in ws["A2"].value
        assert ws.freeze_panes == "A5"
        assert ws.column_dimensions["B"].width > 8
    steps = openpyxl.load_workbook(recap, data_only=True)["Per langkah"]
    rows = {r[0]: r for r in steps.iter_rows(min_row=5, values_only=True)}
    assert sorted(rows) == list(range(1, 20))
    no, title, standard, count, median, worst, late, overdue = rows[13]
    assert (title, standard) == ("Pengiriman blanko via udara", 2880) and count >= 1
    assert median <= worst


def test_recap_of_one_month(demo_path, tmp_path):
    target = tmp_path / "des.xlsx"
    assert (
        main(
            [
                "--ledger",
                str(demo_path),
                "recap",
                "--year",
                "2026",
                "--month",
                "12",
                "-o",
                str(target),
            ]
        )
        == 0
    )
    book = openpyxl.load_workbook(target, data_only=True)
    row = totals_row(book["Permohonan"])
    assert {c: row[c] for c in COLUMNS} == sums_from_files(demo_path, month=12)


def test_recap_with_a_wrong_month_is_refused(demo_path, tmp_path, capsys):
    assert (
        main(
            [
                "--ledger",
                str(demo_path),
                "recap",
                "--month",
                "13",
                "--year",
                "2026",
                "-o",
                str(tmp_path / "x.xlsx"),
            ]
        )
        == 2
    )
    assert "--month" in capsys.readouterr().err
    assert not (tmp_path / "x.xlsx").exists()
