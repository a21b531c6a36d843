"""The shipped SOP data file must say what the seed SOP says.

The seed (shared/sop/000_739b98a1ba8fae75.txt) is the source of truth for each step's activity,
kelengkapan (input), waktu (minutes), output and keterangan. This test parses the seed's tables
itself, so a typo fixed by hand in the TOML, or a changed minute value, is caught.
"""

from __future__ import annotations

import os
import re
import tomllib
from pathlib import Path

import pytest

SEED_NAME = "000_739b98a1ba8fae75.txt"
SEED_PATH = Path(__file__).resolve().parents[2] / "shared" / "sop" / SEED_NAME
# A copy of the seed kept with the tests, so a clone checks the SOP file on its own; the
# copy must equal the shared seed whenever that is at hand (test_seed_copy_is_current).
SEED_COPY = Path(__file__).resolve().parent / "data" / f"seed-sop-{SEED_NAME}"
SOP_PATH = Path(__file__).resolve().parents[1] / "ledger" / "sops" / "ktpel-blanko-2020.toml"

STEP_NOS = range(1, 20)
ROW_START = re.compile(r"^\|\s*(\d+)\s+\|")
WAKTU = re.compile(r"^(\d+)(?:\s*sd\.?\s*(\d+))?$")


def norm(cell: str) -> str:
    """Seed cell -> plain text: <br> becomes a space, other tags go, whitespace collapses."""
    text = re.sub(r"<br\s*/?>", " ", cell, flags=re.IGNORECASE)
    text = re.sub(r"<[^>]+>", "", text)
    return re.sub(r"\s+", " ", text).strip()


def cells(line: str) -> list[str]:
    line = line.strip()
    if line.startswith("|"):
        line = line[1:]
    if line.endswith("|"):
        line = line[:-1]
    return line.split("|")


def seed_path() -> Path:
    if SEED_PATH.is_file():
        return SEED_PATH
    env = os.environ.get("KTPEL_SEED_SOP", "")
    if env and Path(env).is_file():
        return Path(env)
    if SEED_COPY.is_file():
        return SEED_COPY
    pytest.fail(
        f"seed SOP not found: looked for {SEED_PATH}, $KTPEL_SEED_SOP={env!r} and {SEED_COPY}; "
        "set KTPEL_SEED_SOP to the path of the seed SOP file"
    )


@pytest.fixture(scope="module")
def seed_lines() -> list[str]:
    return seed_path().read_text(encoding="utf-8").splitlines()


@pytest.fixture(scope="module")
def seed_steps(seed_lines: list[str]) -> dict[int, dict]:
    """Step rows 1..19 of the procedure table (after the "Kegiatan/Aktifitas" header)."""
    start = next((i for i, line in enumerate(seed_lines) if "Kegiatan/Aktifitas" in line), None)
    assert start is not None, "seed has no procedure table (no 'Kegiatan/Aktifitas' header)"
    rows: dict[int, dict] = {}
    for line in seed_lines[start + 1 :]:
        m = ROW_START.match(line)
        if not m or int(m.group(1)) not in STEP_NOS:
            continue
        no = int(m.group(1))
        assert no not in rows, f"seed has step {no} twice"
        row = cells(line)
        activity = norm(row[1])
        rest = [norm(c) for c in row[2:] if norm(c)]
        times = [i for i, c in enumerate(rest) if WAKTU.match(c)]
        assert len(times) == 1, f"seed step {no}: cannot find one Waktu cell in {rest}"
        t = times[0]
        assert 1 <= t and t + 1 < len(rest) <= t + 3, f"seed step {no}: unexpected cells {rest}"
        waktu = WAKTU.match(rest[t])
        rows[no] = {
            "activity": activity,
            "input": rest[t - 1],
            "minutes": int(waktu.group(1)),
            "minutes_max": int(waktu.group(2)) if waktu.group(2) else None,
            "output": rest[t + 1],
            "note": rest[t + 2] if t + 2 < len(rest) else "",
        }
    assert sorted(rows) == list(STEP_NOS), f"seed steps found: {sorted(rows)}"
    return rows


def seed_value(lines: list[str], label: str) -> str:
    """The first non-empty cell after the cell reading `label` in a table row."""
    for line in lines:
        if not line.lstrip().startswith("|"):
            continue
        row = [norm(c) for c in cells(line)]
        if label in row:
            after = [c for c in row[row.index(label) + 1 :] if c]
            return after[0] if after else ""
    raise AssertionError(f"seed has no cell {label!r}")


@pytest.fixture(scope="module")
def sop() -> dict:
    with SOP_PATH.open("rb") as fh:
        return tomllib.load(fh)


@pytest.fixture(scope="module")
def steps(sop: dict) -> dict[int, dict]:
    return {s["no"]: s for s in sop["step"]}


def test_twenty_steps_numbered_0_to_19(sop: dict) -> None:
    assert [s["no"] for s in sop["step"]] == list(range(20))


@pytest.mark.parametrize("no", STEP_NOS)
def test_step_matches_seed(no: int, steps: dict, seed_steps: dict) -> None:
    seed, step = seed_steps[no], steps[no]
    assert step["activity"] == seed["activity"]
    assert step["input"] == seed["input"]
    assert step["minutes"] == seed["minutes"]
    assert step.get("minutes_max") == seed["minutes_max"]
    assert step["output"] == seed["output"]
    assert step["note"] == seed["note"]


def test_only_step_19_has_a_time_range(steps: dict) -> None:
    assert steps[19]["minutes"] == 60 and steps[19]["minutes_max"] == 4320
    assert [no for no, s in steps.items() if "minutes_max" in s] == [19]


@pytest.mark.parametrize(
    ("key", "label"),
    [
        ("name", "NAMA SOP"),
        ("made", "Tanggal Pembuatan"),
        ("effective", "Tanggal Efektif"),
        ("approved_by", "Disahkan Oleh"),
    ],
)
def test_metadata_matches_seed(key: str, label: str, sop: dict, seed_lines: list[str]) -> None:
    assert sop["sop"][key] == seed_value(seed_lines, label)


def test_roles_and_seed_columns(sop: dict, seed_lines: list[str]) -> None:
    ids = [r["id"] for r in sop["role"]]
    assert len(ids) == len(set(ids)), "duplicate role id"
    header = next(line for line in seed_lines if "Kadis DP3ACSKB" in line and "Pelaksana" in line)
    columns = {norm(c) for c in cells(header)}
    for role in sop["role"]:
        if role["seed_column"]:
            assert role["seed_column"] in columns, (
                f"role {role['id']}: no seed column {role['seed_column']!r}"
            )


def test_every_step_role_is_a_role(sop: dict) -> None:
    ids = {r["id"] for r in sop["role"]}
    for step in sop["step"]:
        assert step["role"] in ids, f"step {step['no']}: unknown role {step['role']}"
        for proxy in step["on_behalf"]:
            assert proxy in ids, f"step {step['no']}: unknown on_behalf role {proxy}"


def test_review_steps_return_backwards(sop: dict) -> None:
    reviews = [s for s in sop["step"] if s["kind"] == "review"]
    assert [s["no"] for s in reviews] == [3, 5, 6, 7, 8]
    for step in reviews:
        assert 0 < step["return_to"] < step["no"]
    assert all("return_to" not in s for s in sop["step"] if s["kind"] != "review")


def test_seed_copy_is_current():
    """The copy under tests/data is byte for byte the shared seed (when the shared folder is there)."""
    assert SEED_COPY.is_file(), f"{SEED_COPY} is missing"
    if SEED_PATH.is_file():
        assert SEED_COPY.read_bytes() == SEED_PATH.read_bytes(), (
            "tests/data seed copy is out of date"
        )
