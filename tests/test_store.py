"""The store is atomic and safe: broken files are isolated, races have one winner, a killed
process leaves a ledger the next command opens cleanly, and the listing cache follows HEAD.

Everything runs on real git repositories (copies of the demo) and real processes: the `ktpel`
command in subprocesses, `multiprocessing` children calling `Ledger.record`, and children killed
at the crash points of `ledger.store` (`KTPEL_TEST_CRASH_AT`).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tomllib
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import FIXED_NOW, head_of

from ledger.fields import normalize_letter_number
from ledger.request import Event
from ledger.rules import LedgerError
from ledger.store import CRASH_POINTS, Ledger

KTPEL = [sys.executable, "-m", "ktpel_tui.cli"]
NOW_ENV = {"KTPEL_NOW": (FIXED_NOW + timedelta(minutes=30)).isoformat()}


def git(root: Path, *args: str, check: bool = True) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=check
    ).stdout


def porcelain(root: Path) -> str:
    return git(root, "status", "--porcelain", "--untracked-files=all")


def commits_since(root: Path, base: str) -> int:
    return int(git(root, "rev-list", "--count", f"{base}..HEAD").strip())


def ktpel(
    root: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, **NOW_ENV, **(env or {})}
    return subprocess.run(
        [*KTPEL, "--ledger", str(root), *args],
        capture_output=True,
        text=True,
        env=full,
        timeout=120,
    )


def commit_by_hand(root: Path, message: str, *paths: str) -> str:
    """A change made with plain git, outside ktpel (a hand edit, or a file arrived from elsewhere)."""
    git(root, "add", "--", *paths)
    git(
        root,
        "-c",
        "user.name=Tangan",
        "-c",
        "user.email=tangan@example.org",
        "-c",
        "commit.gpgsign=false",
        "commit",
        "-q",
        "--no-verify",
        "-m",
        message,
    )
    return head_of(root)


def listing(root: Path) -> list[dict]:
    with Ledger.open(root) as led:
        return [s.to_json() for s in led.list_requests()]


def cold_listing(root: Path) -> list[dict]:
    for name in ("cache.sqlite", "cache.sqlite-wal", "cache.sqlite-shm"):
        (root / ".git" / "ktpel" / name).unlink(missing_ok=True)
    return listing(root)


# --- (a) a malformed or rule-breaking file is one broken row; the rest stays usable --------------


def _line_index(text: str, pattern: str, start: int = 0) -> int:
    """0-based index of the first line at or after `start` matching `pattern`."""
    lines = text.splitlines()
    for index in range(start, len(lines)):
        if re.fullmatch(pattern, lines[index]):
            return index
    raise AssertionError(pattern)


def break_toml(root: Path) -> tuple[str, str, int, str]:
    rel = "requests/2026/2026-0003.toml"
    lines = (root / rel).read_text(encoding="utf-8").splitlines()
    index = _line_index("\n".join(lines), r"step = 8")
    lines[index] = "step = = 8"
    (root / rel).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return rel, "file-malformed", index + 1, f"Berkas {rel} bukan TOML yang sah (baris {index + 1})"


def break_a_count(root: Path) -> tuple[str, str, int, str]:
    # The first handover of 2026-0002 (to Kota Pangkalpinang) edited to more than its share.
    rel = "requests/2026/2026-0002.toml"
    text = (root / rel).read_text(encoding="utf-8")
    events = tomllib.loads(text)["event"]
    seq = next(e["seq"] for e in events if e["action"] == "handover")
    lines = text.splitlines()
    header = [i for i, line in enumerate(lines) if line == "[[event]]"][seq - 1]
    blanks = _line_index(text, r"blanks = \d+", header)
    lines[blanks] = "blanks = 99999"
    (root / rel).write_text("\n".join(lines) + "\n", encoding="utf-8")
    return (
        rel,
        "file-event-invalid",
        header + 1,
        f"Berkas {rel}, kejadian #{seq}: Serah terima 99999 keping ke Kota Pangkalpinang membuat",
    )


def break_state(root: Path) -> tuple[str, str, int, str]:
    rel = "requests/2026/2026-0004.toml"
    text = (root / rel).read_text(encoding="utf-8")
    (root / rel).write_text(text.replace("\nstep = 13\n", "\nstep = 14\n", 1), encoding="utf-8")
    return (
        rel,
        "file-state-mismatch",
        _line_index(text, r"\[state\]") + 1,
        f"Berkas {rel}: bagian [state] tidak sesuai dengan riwayat kejadiannya (step 14 ≠ 13)",
    )


def break_folder(root: Path) -> tuple[str, str, int, str]:
    rel = "requests/2025/2026-0006.toml"
    (root / "requests/2025").mkdir()
    git(root, "mv", "requests/2026/2026-0006.toml", rel)
    text = (root / rel).read_text(encoding="utf-8")
    return (
        rel,
        "file-invalid",
        _line_index(text, r'id = "2026-0006"') + 1,
        f"Berkas {rel} tidak sesuai format permohonan: id 2026-0006 harus disimpan di requests/2026/2026-0006.toml",
    )


BREAKERS = {
    "bad-toml": break_toml,
    "count": break_a_count,
    "state": break_state,
    "folder": break_folder,
}


@pytest.mark.parametrize("kind", BREAKERS)
def test_a_broken_file_is_one_row_with_file_line_and_reason(demo_path, fixed_clock, kind):
    before = {row["id"]: row for row in listing(demo_path)}
    rel, code, line, sentence = BREAKERS[kind](demo_path)
    commit_by_hand(demo_path, f"Diubah dengan tangan ({kind})", "requests")
    broken_id = Path(rel).stem

    with Ledger.open(demo_path) as led:
        rows = led.list_requests()
        bad = [s for s in rows if s.broken]
        assert [(s.id, s.path, s.error.code, s.error.line) for s in bad] == [
            (broken_id, rel, code, line)
        ]
        assert bad[0].error.path == rel
        assert sentence in bad[0].error.message(), bad[0].error.message()
        # Every other request is listed exactly as before.
        good = {s.id: s.to_json() for s in rows if not s.broken}
        assert good == {k: v for k, v in before.items() if k != broken_id}
        # ... and can still move: the Kasi holds the monitoring meeting of a good request.
        target = "2026-0005" if broken_id == "2026-0006" else "2026-0006"
        step = led.read_request(target).step
        person = {1: "maya", 3: "rudi"}[step]
        data = (
            {"meeting_date": date(2026, 11, 28), "minutes_summary": "Rapat."} if step == 1 else {}
        )
        rec = led.record(
            target,
            Event(
                "advance",
                step,
                FIXED_NOW + timedelta(minutes=5),
                person,
                led.policy().sop.step(step).role,
                data,
            ),
        )
        assert rec.request.step == step + 1
        assert porcelain(demo_path) == ""


@pytest.mark.parametrize("kind", ["bad-toml", "count", "state"])
def test_recording_on_a_broken_file_is_refused_with_its_reason(demo_path, kind):
    rel, code, line, sentence = BREAKERS[kind](demo_path)
    head = commit_by_hand(demo_path, "Diubah dengan tangan", "requests")
    request_id = Path(rel).stem
    with Ledger.open(demo_path) as led:
        with pytest.raises(LedgerError) as info:
            led.record(request_id, Event("advance", 19, FIXED_NOW, "dedi", "pelaksana", {}))
        assert info.value.code == code
        assert info.value.violations[0].line == line
        assert sentence in info.value.message()
    assert head_of(demo_path) == head
    assert porcelain(demo_path) == ""


@pytest.mark.parametrize("kind", BREAKERS)
def test_list_and_show_print_the_sentence_without_a_traceback(demo_path, kind):
    rel, code, line, sentence = BREAKERS[kind](demo_path)
    commit_by_hand(demo_path, "Diubah dengan tangan", "requests")
    broken_id = Path(rel).stem

    out = ktpel(demo_path, "list")
    assert out.returncode == 0, out.stderr
    assert "Traceback" not in out.stdout + out.stderr
    row = next(r for r in out.stdout.splitlines() if r.startswith(broken_id))
    assert "RUSAK" in row and sentence in row
    assert len([r for r in out.stdout.splitlines() if re.match(r"\d{4}-\d{4} ", r)]) == 6

    as_json = json.loads(ktpel(demo_path, "list", "--json").stdout)
    err = next(r["error"] for r in as_json if r["path"] == rel)
    assert (err["code"], err["path"], err["line"]) == (code, rel, line)
    assert sentence in err["message"]

    shown = ktpel(demo_path, "show", broken_id)
    assert shown.returncode == 1
    assert shown.stdout == ""
    assert "Traceback" not in shown.stderr
    if kind == "folder":  # the file is not where its id says: as far as ids go, it is not there
        assert "Permohonan '2026-0006' tidak ditemukan." in shown.stderr
    else:
        assert f"Galat [{code}]" in shown.stderr and sentence in shown.stderr
    # The other requests show as usual.
    other = "2026-0001" if broken_id != "2026-0001" else "2026-0005"
    assert ktpel(demo_path, "show", other).returncode == 0


def test_a_file_under_the_wrong_name_is_reported(demo_path):
    # A copy of 2026-0005 saved as 2026-0042: the id inside does not match the place.
    shutil.copy(
        demo_path / "requests/2026/2026-0005.toml", demo_path / "requests/2026/2026-0042.toml"
    )
    commit_by_hand(demo_path, "Salinan", "requests")
    with Ledger.open(demo_path) as led:
        rows = {s.path: s for s in led.list_requests()}
    bad = rows["requests/2026/2026-0042.toml"]
    assert bad.broken and bad.error.code == "file-invalid" and bad.error.line == 4
    assert "id 2026-0005 harus disimpan di requests/2026/2026-0005.toml" in bad.error.message()
    assert not rows["requests/2026/2026-0005.toml"].broken


# --- (b) two processes at the same moment: one wins, nothing half-written ------------------------


def test_two_ktpel_commands_racing_on_the_same_step(demo_path):
    # 2026-0005 goes through the field-less review/typing steps 3..8; each step is raced by two
    # identical commands started together.
    actors = {3: "rudi", 4: "dedi", 5: "maya", 6: "rudi", 7: "sri", 8: "hendra"}
    env = {**os.environ, **NOW_ENV}
    for step, person in actors.items():
        base = head_of(demo_path)
        cmd = [
            *KTPEL,
            "--ledger",
            str(demo_path),
            "--as",
            person,
            "advance",
            "2026-0005",
            "--step",
            str(step),
        ]
        procs = [
            subprocess.Popen(
                cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env
            )
            for _ in range(2)
        ]
        results = [(p.wait(timeout=120), *p.communicate()) for p in procs]
        codes = sorted(rc for rc, _, _ in results)
        assert codes == [0, 1], results
        loser = next(err for rc, _, err in results if rc == 1)
        assert "Traceback" not in loser
        assert re.search(r"Galat \[(wrong-step|ledger-busy)\]", loser), loser
        assert commits_since(demo_path, base) == 1
        assert porcelain(demo_path) == ""
        with Ledger.open(demo_path) as led:
            assert led.read_request("2026-0005").step == step + 1
    assert not (demo_path / ".git/index.lock").exists()
    assert not (demo_path / ".git/ktpel/pending.json").exists()


def _race_child(root: str, request_id: str, person: str, summary: str, barrier, results) -> None:
    """Read the request, wait for every sibling, then record step 1 (the monitoring meeting)."""
    try:
        with Ledger.open(root) as led:
            state = led.read_request(request_id)
            step = led.policy().sop.step(state.step)
            data = (
                {"meeting_date": date(2026, 11, 28), "minutes_summary": summary}
                if state.step == 1
                else {}
            )
            ev = Event(
                "advance", state.step, FIXED_NOW + timedelta(minutes=1), person, step.role, data
            )
            barrier.wait(timeout=60)
            rec = led.record(request_id, ev)
            results.put(("ok", summary, rec.sha))
    except LedgerError as exc:
        results.put(("refused", summary, exc.code))
    except BaseException as exc:  # reported to the test, which fails on it
        results.put(("crash", summary, repr(exc)))


def _run_children(specs: list[tuple[str, str, str]], root: Path) -> list[tuple[str, str, str]]:
    ctx = multiprocessing.get_context("fork")
    barrier = ctx.Barrier(len(specs))
    results = ctx.Queue()
    procs = [
        ctx.Process(target=_race_child, args=(str(root), rid, person, summary, barrier, results))
        for rid, person, summary in specs
    ]
    for p in procs:
        p.start()
    out = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=60)
        assert p.exitcode == 0
    return out


def test_four_processes_recording_the_same_step_one_wins(demo_path):
    base = head_of(demo_path)
    specs = [("2026-0006", "maya", f"Notulen versi {n}") for n in range(4)]
    results = _run_children(specs, demo_path)
    winners = [r for r in results if r[0] == "ok"]
    losers = [r for r in results if r[0] != "ok"]
    assert len(winners) == 1, results
    assert {r[0] for r in losers} == {"refused"} and {r[2] for r in losers} <= {
        "wrong-step",
        "ledger-busy",
    }, results
    assert commits_since(demo_path, base) == 1
    assert head_of(demo_path) == winners[0][2]
    assert porcelain(demo_path) == ""
    with Ledger.open(demo_path) as led:
        state = led.read_request("2026-0006")
    assert state.step == 2
    assert state.value(1, "minutes_summary") == winners[0][1]  # the winner's data, whole
    assert [e.seq for e in state.events] == [1, 2]


def test_two_processes_on_different_requests_both_land(demo_path):
    base = head_of(demo_path)
    results = _run_children(
        [("2026-0006", "maya", "Rapat A"), ("2026-0005", "rudi", "-")], demo_path
    )
    assert sorted(r[0] for r in results) == ["ok", "ok"], results
    assert commits_since(demo_path, base) == 2
    assert git(demo_path, "rev-list", "--merges", f"{base}..HEAD") == ""
    assert porcelain(demo_path) == ""
    with Ledger.open(demo_path) as led:
        assert led.read_request("2026-0006").step == 2
        assert led.read_request("2026-0005").step == 4
        assert not any(s.broken for s in led.list_requests())


# --- (c) a process killed in the middle of an operation ----------------------------------------------

OPERATIONS = {
    "advance": (
        "2026-0006",
        [
            "--as",
            "maya",
            "advance",
            "2026-0006",
            "--set",
            "meeting_date=2026-11-28",
            "--set",
            "minutes_summary=Rapat monev bersama tujuh Kab/Kota",
        ],
    ),
    "create": (
        "2026-0007",
        [
            "--as",
            "kadis-1903",
            "new",
            "--set",
            "kabkota=19.03",
            "--set",
            "letter_number=470/55/Dukcapil-19.03/2026",
            "--set",
            "letter_date=2026-11-27",
            "--set",
            "blanks_requested=700",
            "--set",
            "stock_left=15",
        ],
    ),
}


@pytest.mark.parametrize("point", [*CRASH_POINTS, "after-add+index.lock"])
@pytest.mark.parametrize("operation", OPERATIONS)
def test_a_killed_process_leaves_a_ledger_that_opens_cleanly(demo_path, operation, point):
    request_id, args = OPERATIONS[operation]
    base = head_of(demo_path)
    crash_at = point.split("+")[0]
    out = ktpel(demo_path, *args, env={"KTPEL_TEST_CRASH_AT": crash_at})
    assert out.returncode == 137, (out.stdout, out.stderr)
    journal = demo_path / ".git/ktpel/pending.json"
    assert journal.exists(), "the child did not die inside the operation"
    if point.endswith("+index.lock"):
        (demo_path / ".git/index.lock").write_bytes(
            b""
        )  # as a git killed while committing leaves it
    committed = crash_at == "after-commit"
    assert commits_since(demo_path, base) == (1 if committed else 0)
    # Between writing the file and committing it, the dead process left the tree dirty.
    assert (porcelain(demo_path) != "") == (crash_at in ("after-write", "after-add"))

    # The next command opens the ledger cleanly.
    shown = ktpel(demo_path, "show", request_id)
    if operation == "create" and not committed:
        assert shown.returncode == 1 and "Permohonan '2026-0007' tidak ditemukan." in shown.stderr
    else:
        assert shown.returncode == 0, shown.stderr
    assert "Traceback" not in shown.stderr
    assert porcelain(demo_path) == ""
    assert not journal.exists()
    assert not (demo_path / ".git/index.lock").exists()
    assert commits_since(demo_path, base) == (1 if committed else 0)
    assert (
        subprocess.run(
            ["git", "fsck", "--no-progress"], cwd=demo_path, capture_output=True
        ).returncode
        == 0
    )
    with Ledger.open(demo_path) as led:
        assert not any(s.broken for s in led.list_requests())
        if committed:
            state = led.read_request(request_id)
            assert state.step == 2 if operation == "advance" else state.step == 1

    # And the next operation succeeds: the lost one done again, or the one after it.
    if not committed:
        again = ktpel(demo_path, *args)
        assert again.returncode == 0, again.stderr
        assert commits_since(demo_path, base) == 1
    after = ktpel(demo_path, "--as", "rudi", "advance", "2026-0005", "--step", "3")
    assert after.returncode == 0, after.stderr
    assert commits_since(demo_path, base) == 2
    assert porcelain(demo_path) == ""
    with Ledger.open(demo_path) as led:
        state = led.read_request(request_id)
        assert [e.seq for e in state.events] == list(range(1, len(state.events) + 1))
        assert state.step == (2 if operation == "advance" else 1)
        assert len(led.list_requests()) == (6 if operation == "advance" else 7)


# --- (d) the listing cache follows HEAD ------------------------------------------------------------


def test_warm_listing_equals_cold_and_parses_nothing(demo_path, fixed_clock):
    cold = cold_listing(demo_path)
    assert len(cold) == 6
    with Ledger.open(demo_path) as led:
        assert [s.to_json() for s in led.list_requests()] == cold
        key, policy = led.policy_key(led.head()), led.policy()
        assert led.cache.refresh(led.head(), policy, policy_key=key) == 0
    assert listing(demo_path) == cold  # another process, same cache


def test_listing_follows_a_plain_git_revert(demo_path, fixed_clock):
    listing(demo_path)  # warm the cache
    assert git(demo_path, "log", "-1", "--format=%s").startswith("[2026-0005] Langkah 2/19")
    git(
        demo_path,
        "-c",
        "user.name=Yusuf",
        "-c",
        "user.email=y@example.org",
        "-c",
        "commit.gpgsign=false",
        "revert",
        "--no-edit",
        "HEAD",
    )
    rows = {r["id"]: r for r in listing(demo_path)}
    assert rows["2026-0005"]["step"] == 2
    assert list(rows.values()) == cold_listing(demo_path)


def test_listing_follows_a_request_file_arriving_from_another_clone(
    demo_path, tmp_path, fixed_clock
):
    listing(demo_path)  # warm the cache
    other = tmp_path / "other"
    shutil.copytree(demo_path, other, symlinks=True)
    with Ledger.open(other) as led:
        led.record(
            "2026-0006",
            Event(
                "advance",
                1,
                FIXED_NOW,
                "maya",
                "kasi",
                {"meeting_date": date(2026, 11, 28), "minutes_summary": "Dari klon lain"},
            ),
        )
    shutil.copy(other / "requests/2026/2026-0006.toml", demo_path / "requests/2026/2026-0006.toml")
    commit_by_hand(demo_path, "Berkas dari klon lain", "requests/2026/2026-0006.toml")
    with Ledger.open(demo_path) as led:
        rows = {s.id: s for s in led.list_requests()}
        assert rows["2026-0006"].step == 2 and not rows["2026-0006"].broken
        key = led.policy_key(led.head())
        assert led.cache.refresh(led.head(), led.policy(), policy_key=key) == 0
    assert [r for r in listing(demo_path)] == cold_listing(demo_path)


def test_letter_numbers_follow_a_revert(demo_path):
    with Ledger.open(demo_path) as led:
        led.record("2026-0003", Event("advance", 8, FIXED_NOW, "hendra", "kadis", {}))
        number = "400.12.3.2/1300/DP3ACSKB/2026"  # typed from the register
        led.record(
            "2026-0003",
            Event(
                "advance",
                9,
                FIXED_NOW + timedelta(minutes=1),
                "agus",
                "kasubag-umum",
                {"letter_number": number, "letter_date": date(2026, 11, 28)},
            ),
        )
        assert normalize_letter_number(number) in led.letter_numbers()
    git(
        demo_path,
        "-c",
        "user.name=Yusuf",
        "-c",
        "user.email=y@example.org",
        "-c",
        "commit.gpgsign=false",
        "revert",
        "--no-edit",
        "HEAD",
    )
    with Ledger.open(demo_path) as led:
        assert normalize_letter_number(number) not in led.letter_numbers()  # free again
        rec = led.record(
            "2026-0003",
            Event(
                "advance",
                9,
                FIXED_NOW + timedelta(minutes=2),
                "agus",
                "kasubag-umum",
                {"letter_number": number, "letter_date": date(2026, 11, 28)},
            ),
        )
        assert rec.request.value(9, "letter_number") == number


def test_a_corrupted_cache_is_rebuilt(demo_path, fixed_clock):
    cold = cold_listing(demo_path)
    cache = demo_path / ".git/ktpel/cache.sqlite"
    for name in ("cache.sqlite-wal", "cache.sqlite-shm"):
        (demo_path / ".git/ktpel" / name).unlink(missing_ok=True)
    cache.write_bytes(b"this is not a database" * 100)
    assert listing(demo_path) == cold
    assert listing(demo_path) == cold


def test_a_cache_keyed_to_a_vanished_head_is_rebuilt(demo_path, fixed_clock):
    cold = cold_listing(demo_path)
    db = sqlite3.connect(demo_path / ".git/ktpel/cache.sqlite")
    db.execute("UPDATE meta SET value=? WHERE key='head'", ("0" * 40,))
    db.execute(
        "DELETE FROM req WHERE id='2026-0001'"
    )  # would be missed if the cache trusted itself
    db.commit()
    db.close()
    assert listing(demo_path) == cold


def _start_together(root: Path, *commands: list[str]) -> list[tuple[int, str, str]]:
    env = {**os.environ, **NOW_ENV}
    procs = [
        subprocess.Popen(
            [*KTPEL, "--ledger", str(root), *cmd],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
        )
        for cmd in commands
    ]
    return [(p.wait(timeout=120), *p.communicate()) for p in procs]


def test_two_new_requests_at_the_same_moment_get_two_ids(demo_path):
    base = head_of(demo_path)
    letter = [
        "--set",
        "letter_date=2026-11-27",
        "--set",
        "blanks_requested=500",
        "--set",
        "stock_left=5",
    ]
    results = _start_together(
        demo_path,
        [
            "--as",
            "kadis-1903",
            "new",
            "--set",
            "kabkota=19.03",
            "--set",
            "letter_number=470/1/A/2026",
            *letter,
        ],
        [
            "--as",
            "kadis-1906",
            "new",
            "--set",
            "kabkota=19.06",
            "--set",
            "letter_number=470/1/B/2026",
            *letter,
        ],
    )
    assert [rc for rc, _, _ in results] == [0, 0], results
    assert commits_since(demo_path, base) == 2
    with Ledger.open(demo_path) as led:
        new = {led.read_request(rid).kabkota for rid in ("2026-0007", "2026-0008")}
    assert new == {("19.03",), ("19.06",)}
    assert porcelain(demo_path) == ""


NUMBER = "400.12.3.2/1301/DP3ACSKB/2026"


def test_two_clerks_numbering_letters_at_once_never_share_a_number(demo_path):
    # 2026-0003 and 2026-0006 both reach step 9; both Kasubag Umum commands type the same
    # number (a slip in reading the register) at the same moment.
    with Ledger.open(demo_path) as led:
        led.record("2026-0003", Event("advance", 8, FIXED_NOW, "hendra", "kadis", {}))
        sop = led.policy().sop
        data = {
            1: {"meeting_date": date(2026, 11, 28), "minutes_summary": "Rapat."},
            2: {"subject": "Permohonan", "blanks_asked": 3000},
        }
        actors = {
            "kasi": "maya",
            "kabid": "rudi",
            "sekretaris": "sri",
            "kadis": "hendra",
            "pelaksana": "dedi",
        }
        for no in range(1, 9):
            role = sop.step(no).role
            led.record(
                "2026-0006",
                Event(
                    "advance",
                    no,
                    FIXED_NOW + timedelta(minutes=no),
                    actors[role],
                    role,
                    data.get(no, {}),
                ),
            )
    base = head_of(demo_path)
    results = _start_together(
        demo_path,
        ["--as", "agus", "advance", "2026-0003", "--json", "--set", f"letter_number={NUMBER}"],
        ["--as", "agus", "advance", "2026-0006", "--json", "--set", f"letter_number={NUMBER}"],
    )
    for rc, _, err in results:
        assert "Traceback" not in err
        assert rc == 0 or "Galat [letter-reused]" in err, err
    winners = [json.loads(out)["data"]["letter_number"] for rc, out, _ in results if rc == 0]
    assert winners == [NUMBER]
    assert commits_since(demo_path, base) == len(winners)
    with Ledger.open(demo_path) as led:
        numbers = [n for s in led.list_requests() for n in s.letters]
    assert len(numbers) == len(set(numbers))
    assert porcelain(demo_path) == ""


def test_an_uncommitted_hand_edit_never_enters_the_listing(demo_path, fixed_clock):
    cold = cold_listing(demo_path)
    rel = "requests/2026/2026-0004.toml"
    committed_text = (demo_path / rel).read_text(encoding="utf-8")
    edited = committed_text.replace("\nstep = 13\n", "\nstep = 14\n", 1)
    (demo_path / rel).write_text(edited, encoding="utf-8")
    (demo_path / "requests/2026/2026-0099.toml").write_text(
        "bukan = [toml\n", encoding="utf-8"
    )  # a stray, untracked file
    # Cold or warm, the list shows what is committed, as `show` does.
    assert cold_listing(demo_path) == cold
    assert listing(demo_path) == cold
    # Recording on the edited file is refused and the hand edit is left for its author to see.
    with Ledger.open(demo_path) as led:
        with pytest.raises(LedgerError) as info:
            led.record("2026-0004", Event("advance", 13, FIXED_NOW, "bambang", "bapeng", {}))
        assert info.value.code == "uncommitted-change"
        assert "git checkout -- requests/2026/2026-0004.toml" in info.value.message()
    assert (demo_path / rel).read_text(encoding="utf-8") == edited
    # Restoring it as the sentence says leaves everything as it was.
    git(demo_path, "checkout", "--", rel)
    (demo_path / "requests/2026/2026-0099.toml").unlink()
    assert listing(demo_path) == cold
    assert porcelain(demo_path) == ""


def test_a_recorded_state_is_the_state_read_back_from_its_file(demo_path):
    """A step's state is remembered for the next step; it must equal what its committed file says."""
    from ledger.requestfile import dumps, loads

    with Ledger.open(demo_path) as led:
        policy = led.policy()
        for summary in led.list_requests():
            state = led.read_request(summary.id)
            assert loads(dumps(state), f"requests/2026/{summary.id}.toml", policy) == state
        recorded = led.record(
            "2026-0006",
            Event(
                "advance",
                1,
                FIXED_NOW,
                "maya",
                "kasi",
                {"meeting_date": date(2026, 11, 28), "minutes_summary": "Rapat"},
            ),
        )
    with Ledger.open(demo_path) as fresh:  # nothing remembered: parsed from the file
        assert fresh.read_request("2026-0006") == recorded.request


def test_request_file_text_is_exactly_what_tomli_w_writes(demo_path):
    """dumps() writes each event once and reuses it; the text must stay tomli_w's, byte for byte."""
    import dataclasses

    import tomli_w

    from ledger import clock as ledger_clock
    from ledger.requestfile import HEADER, dumps, event_to_dict, file_format

    def plain(state) -> str:
        head = {
            "format": file_format(state),  # 2 for the demo's 2026-0001 (it has attachments)
            "id": state.id,
            "sop": state.sop_id,
            "state": {"status": state.status, "step": state.step},
        }
        if state.since is not None:
            head["state"]["since"] = ledger_clock.to_wib(state.since)
        return HEADER + tomli_w.dumps({**head, "event": [event_to_dict(e) for e in state.events]})

    with Ledger.open(demo_path) as led:
        states = [led.read_request(s.id) for s in led.list_requests()]
    assert all(dumps(s) == plain(s) == dumps(s) for s in states)
    # An event short enough for an inline table: alone, tomli_w writes the file's events inline.
    first = states[0]
    short = dataclasses.replace(first.events[0], data={}, note="", on_behalf=None, by="x", role="x")
    for events in ((short,), (*first.events, short), (short, *first.events[1:])):
        state = dataclasses.replace(first, events=events)
        assert dumps(state) == plain(state)
    assert "event = [" in dumps(dataclasses.replace(first, events=(short,)))


def _shared_index(root: Path) -> bytes:
    """The shared index `.git/index` links to (its "link" extension), b"" when not split."""
    data = (root / ".git" / "index").read_bytes()
    at = data.find(b"link", 12)
    return data[at + 8 : at + 28] if at > 0 else b""


def test_a_step_re_splits_a_grown_split_index(demo_path, monkeypatch):
    """git never moves replaced entries back into the shared index: without ktpel re-splitting,
    the part every step rewrites would keep each stepped file's entry for good."""
    import ledger.store

    git(demo_path, "update-index", "--split-index")
    shared = _shared_index(demo_path)
    assert shared
    with Ledger.open(demo_path) as led:
        led.record("2026-0003", Event("advance", 8, FIXED_NOW, "hendra", "kadis", {}))
        assert _shared_index(demo_path) == shared  # a small split part is left as it is
        monkeypatch.setattr(ledger.store, "SPLIT_PART_MAX", 0)
        letter = {
            "letter_number": "400.12.3.2/1300/DP3ACSKB/2026",
            "letter_date": date(2026, 11, 28),
        }
        at = FIXED_NOW + timedelta(minutes=1)
        led.record("2026-0003", Event("advance", 9, at, "agus", "kasubag-umum", letter))
    assert _shared_index(demo_path) not in (shared, b"")  # pushed back into a new shared index
    assert porcelain(demo_path) == ""


def test_quick_rows_agree_with_the_checked_rows_where_they_say_anything(demo_path):
    """The list's head start (each file's [state] table, issue 17) shows what the check shows."""
    for name in ("cache.sqlite", "cache.sqlite-wal", "cache.sqlite-shm"):
        (demo_path / ".git" / "ktpel" / name).unlink(missing_ok=True)
    fields = ("id", "path", "status", "step", "step_title", "since", "kabkota", "standard")
    with Ledger.open(demo_path) as led:
        quick = led.quick_requests()
        assert quick is not None and len(quick) == 6
        full = led.list_requests()
        assert [[getattr(s, f) for f in fields] for s in quick] == [
            [getattr(s, f) for f in fields] for s in full
        ]
        assert led.quick_requests() is None  # the cache is current: no head start needed
