"""Sync between offices: real hubs (bare repos, path remotes and a real `git daemon`), real clones.

Every office acts from its own clone; operations are counted in the hub's history afterwards.
"""

from __future__ import annotations

import itertools
import os
import random
import shutil
import socket
import subprocess
import sys
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import FIXED_NOW, head_of

from ledger.demo import _step_data
from ledger.hub import clone, init_hub
from ledger.letters import LetterNumber, _written
from ledger.request import Event
from ledger.rules import LedgerError
from ledger.store import Ledger
from ledger.sync import (
    PARKED_PREFIX,
    SYNC_CRASH_POINTS,
    drop_parked,
    last_sync,
    parked,
    retry_parked,
    sync,
)

KABKOTA = ["19.01", "19.02", "19.03", "19.04", "19.05", "19.06", "19.71"]
_minutes = itertools.count(1)
_letters = itertools.count(500)


def at() -> object:
    """A fresh, later event time for each operation (so no two operations are the same commit)."""
    return FIXED_NOW + timedelta(minutes=next(_minutes))


def git(root: Path, *args: str, check: bool = True) -> str:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, check=check
    ).stdout


def hub_log(hub: Path) -> list[tuple[str, str, str]]:
    """(author email, author time, subject without the request id) of every commit, oldest first."""
    out = git(hub, "log", "--reverse", "--format=%ae%x1f%aI%x1f%s")
    rows = []
    for line in out.splitlines():
        email, when, subject = line.split("\x1f")
        rows.append((email, when, subject.split("] ", 1)[-1]))
    return rows


def assert_linear(hub: Path) -> None:
    assert git(hub, "rev-list", "--merges", "main") == ""


def kadis(code: str) -> str:
    return "kadis-" + code.replace(".", "")


def create_event(code: str, person: str | None = None) -> Event:
    when = at()
    data = {
        "kabkota": code,
        "letter_number": f"470/{next(_letters)}/Dukcapil-{code}/2026",
        "letter_date": when.date(),
        "blanks_requested": 100 + KABKOTA.index(code),
        "stock_left": 10,
    }
    return Event("create", 0, when, person or kadis(code), "kadis-kabkota", data)


def permohonan_event(code: str) -> Event:
    ev = create_event(code)
    return Event("permohonan", 0, ev.at, ev.by, ev.role, ev.data)


ACTOR = {
    "kasi": "maya",
    "kabid": "rudi",
    "sekretaris": "sri",
    "kadis": "hendra",
    "kasubag-umum": "agus",
    "pelaksana": "dedi",
    "bapeng": "bambang",
}


def advance(led: Ledger, request_id: str, person: str | None = None) -> str:
    """Record the request's current step (steps 1-18) with plausible data; returns the commit."""
    state = led.read_request(request_id)
    step = led.policy().sop.step(state.step)
    when = at()
    data = _step_data(led, state, step.no, when, random.Random(step.no))
    return led.record(
        request_id, Event("advance", step.no, when, person or ACTOR[step.role], step.role, data)
    ).sha


# --- fixtures ----------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Daemon:
    """A real `git daemon` serving `base` on 127.0.0.1, with receive-pack enabled (the `hub` fixture lives there)."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.port = _free_port()
        self.proc: subprocess.Popen | None = None

    def url(self, name: str) -> str:
        return f"git://127.0.0.1:{self.port}/{name}"

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "git",
                "daemon",
                "--reuseaddr",
                f"--base-path={self.base}",
                "--export-all",
                "--enable=receive-pack",
                "--informative-errors",
                "--listen=127.0.0.1",
                f"--port={self.port}",
                str(self.base),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 20
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("git daemon did not start") from None
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            self.proc.wait(timeout=10)
            self.proc = None


@pytest.fixture
def daemon(tmp_path: Path):
    base = tmp_path / "srv"
    base.mkdir(exist_ok=True)
    d = Daemon(base)
    d.start()
    yield d
    d.stop()


@pytest.fixture
def hub(tmp_path: Path, demo_path: Path) -> Path:
    """A hub made by `init_hub` holding the demo ledger, pushed there by the first office's sync."""
    root = init_hub(tmp_path / "srv" / "hub.git")
    with Ledger.open(demo_path) as seed:
        git(demo_path, "remote", "add", "origin", str(root))
        result = sync(seed)
        assert result.pushed == int(git(demo_path, "rev-list", "--count", "HEAD"))
    return root


@pytest.fixture
def offices(tmp_path: Path):
    """Opened clones, closed at the end."""
    opened: list[Ledger] = []

    def make(url: str, name: str) -> Ledger:
        led = clone(url, tmp_path / "clones" / name)
        opened.append(led)
        return led

    yield make
    for led in opened:
        led.close()


# --- the hub and cloning -----------------------------------------------------------------------


def test_hub_init_refuses_rewrites_and_deletes(tmp_path: Path):
    root = init_hub(tmp_path / "h.git")
    assert git(root, "rev-parse", "--is-bare-repository").strip() == "true"
    assert git(root, "symbolic-ref", "HEAD").strip() == "refs/heads/main"
    for key in ("receive.denyNonFastForwards", "receive.denyDeletes", "receive.fsckObjects"):
        assert git(root, "config", key).strip() == "true"
    assert (root / "hooks" / "pre-receive").is_file()
    with pytest.raises(LedgerError) as err:
        init_hub(root)
    assert err.value.code == "hub-exists"


def test_clone_of_empty_hub_is_a_clear_refusal(tmp_path: Path):
    root = init_hub(tmp_path / "h.git")
    with pytest.raises(LedgerError) as err:
        clone(str(root), tmp_path / "c")
    assert err.value.code == "hub-empty"
    assert not (tmp_path / "c").exists()
    # A hub holding something other than a ledger.
    other = tmp_path / "other"
    subprocess.run(["git", "init", "-q", "-b", "main", str(other)], check=True)
    (other / "README").write_text("bukan ledger\n")
    git(other, "add", "README")
    git(other, "-c", "user.name=x", "-c", "user.email=x@x", "commit", "-q", "-m", "x")
    with pytest.raises(LedgerError) as err:
        clone(str(other), tmp_path / "c")
    assert err.value.code == "not-a-ledger"
    assert not (tmp_path / "c").exists()


def test_clone_is_ready_and_fetch_refspec_is_strict(hub: Path, offices, demo_path: Path):
    led = offices(str(hub), "prov")
    assert led.head() == head_of(demo_path)
    assert len(led.list_requests()) == 6
    assert (
        git(led.root, "config", "--get-all", "remote.origin.fetch").strip()
        == "refs/heads/main:refs/remotes/origin/main"
    )
    # `ktpel log REQ` reads only the commits that touched the file (changed-path Bloom filters),
    # and each sync's fetch keeps the commit-graph up to date.
    assert b"BDAT" in (led.git_dir / "objects" / "info" / "commit-graph").read_bytes()
    assert git(led.root, "config", "--get", "fetch.writeCommitGraph").strip() == "true"
    assert last_sync(led) is None
    result = sync(led)
    assert (result.pulled, result.pushed, result.parked) == (0, 0, [])
    assert last_sync(led) is not None


# --- the three cases ---------------------------------------------------------------------------


def test_fast_forward_push_and_replay(hub: Path, offices):
    a, b = offices(str(hub), "a"), offices(str(hub), "b")
    a.record(None, create_event("19.03"))
    advance(a, "2026-0005")  # step 3 (kabid)
    assert sync(a).pushed == 2
    result = sync(b)
    assert (result.pulled, result.pushed) == (2, 0)
    assert b.head() == a.head() == git(hub, "rev-parse", "main").strip()
    assert git(b.root, "status", "--porcelain") == ""
    assert b.read_request("2026-0005").step == 4

    # Both move: b's steps are re-applied on top of a's, keeping author and author time.
    advance(a, "2026-0005")  # step 4 (pelaksana)
    sync(a)
    sha = advance(b, "2026-0003")  # step 8 (kadis)
    author_time = git(b.root, "log", "-1", "--format=%aI", sha).strip()
    result = sync(b)
    assert (result.pulled, result.pushed, result.parked) == (1, 1, [])
    assert git(b.root, "log", "-1", "--format=%aI %an %G?", "HEAD").split()[0] == author_time
    assert git(b.root, "log", "-1", "--format=%an", "HEAD").strip() == "Drs. Hendra Saputra, M.Si"
    assert b.read_request("2026-0003").step == 9 and b.read_request("2026-0005").step == 5
    assert git(b.root, "status", "--porcelain") == ""
    assert_linear(hub)
    sync(a)
    assert a.head() == b.head()


def test_replayed_commits_are_signed_again_with_the_authors_key(hub: Path, offices, tmp_path: Path):
    from ledger.audit import signature_status
    from ledger.keys import allowed_signers

    a, b = offices(str(hub), "a"), offices(str(hub), "b")
    advance(a, "2026-0005")
    sync(a)
    advance(b, "2026-0003")
    b.record(None, create_event("19.04"))
    advance(b, "2026-0007")
    assert sync(b).pushed == 3
    head = b.head()
    assert signature_status(b, [head])[head] == "good"
    # git itself verifies each replayed commit, and the objects (stored as one pack) are sound.
    signers = tmp_path / "allowed_signers"
    signers.write_text(allowed_signers(b.policy()))
    shown = git(
        b.root, "-c", f"gpg.ssh.allowedSignersFile={signers}", "log", "-3", "--format=%G? %ae"
    ).split("\n")
    assert [line.split()[0] for line in shown if line] == ["G", "G", "G"]
    for repo in (b.root, hub):
        assert (
            subprocess.run(
                ["git", "fsck", "--strict", "--no-dangling"], cwd=repo, capture_output=True
            ).returncode
            == 0
        )


def test_a_create_whose_id_was_taken_is_renumbered_with_its_later_steps(hub: Path, offices):
    a, b = offices(str(hub), "a"), offices(str(hub), "b")
    a.record(None, create_event("19.01"))
    sync(a)
    rec = b.record(None, create_event("19.02"))
    assert rec.request.id == "2026-0007"
    b.record("2026-0007", permohonan_event("19.05"))
    advance(b, "2026-0007")  # step 1 by the kasi
    result = sync(b)
    assert result.renumbered == [("2026-0007", "2026-0008")]
    assert result.parked == []
    assert b.read_request("2026-0007").kabkota == ("19.01",)
    moved = b.read_request("2026-0008")
    assert moved.kabkota == ("19.02", "19.05") and moved.step == 2


# --- the whole request across the offices, over a git daemon ------------------------------------


def test_whole_request_across_province_bapeng_and_seven_kabkota(
    demo_path: Path, daemon: Daemon, offices
):
    with Ledger.open(demo_path) as seed:
        init_hub(daemon.base / "hub.git")
        git(seed.root, "remote", "add", "origin", daemon.url("hub.git"))
        sync(seed)
    whole_request_scenario(lambda office: daemon.url("hub.git"), offices, daemon.base / "hub.git")


def whole_request_scenario(url_of, offices, hub_root: Path) -> None:
    """Permohonan to every receipt, each office from its own clone (`url_of(office code)`: the
    hub's URL as that office reaches it; tests/test_hub_transports.py runs it over SSH and HTTPS)."""
    prov = offices(url_of("prov"), "prov")
    bapeng = offices(url_of("bapeng"), "bapeng")
    kab = {code: offices(url_of(code), code) for code in KABKOTA}

    # Step 0: each Kab/Kota head files their own letter from their own office.
    first = kab["19.01"].record(None, create_event("19.01")).request.id
    sync(kab["19.01"])
    for code in KABKOTA[1:]:
        sync(kab[code])
        kab[code].record(first, permohonan_event(code))
        sync(kab[code])
    # Steps 1-18: the province, except step 13 (air shipment) by the Badan Penghubung.
    sync(prov)
    while (state := prov.read_request(first)).step < 19:
        if state.step == 13:
            sync(prov)
            sync(bapeng)
            advance(bapeng, first)
            sync(bapeng)
            sync(prov)
        else:
            advance(prov, first)
        if state.step in (5, 12, 18):
            sync(prov)
    sync(prov)
    # Step 19: the province hands over; each Kab/Kota head confirms receipt from their office.
    state = prov.read_request(first)
    letters = prov.policy().settings.letters

    def register(kind: str, seq: int, office: str | None = None) -> str:
        """A number as the office's register gives it (its template in ledger.toml)."""
        template = letters.template(kind, office)
        number = LetterNumber("", kind, seq, FIXED_NOW.year, FIXED_NOW.month)
        return _written(template, number)

    for seq, code in enumerate(KABKOTA, 101):
        share = state.shares[code]
        data = {
            "kabkota": code,
            "blanks": share,
            "bast_number": register("bast", seq),
            "hibah_statement": register("pernyataan", seq, code),
            "handover_date": FIXED_NOW.date(),
            "mode": "ambil",
        }
        prov.record(first, Event("handover", 19, at(), "dedi", "pelaksana", data))
    assert sync(prov).pushed == 7
    for code in KABKOTA:
        sync(kab[code])
        kab[code].record(
            first,
            Event(
                "receipt",
                19,
                at(),
                kadis(code),
                "kadis-kabkota",
                {
                    "kabkota": code,
                    "blanks_received": state.shares[code],
                    "received_date": FIXED_NOW.date(),
                },
            ),
        )
        sync(kab[code])
    for led in (prov, bapeng, *kab.values()):
        sync(led)
    heads = {led.head() for led in (prov, bapeng, *kab.values())}
    assert heads == {git(hub_root, "rev-parse", "main").strip()}
    assert prov.read_request(first).done
    assert_linear(hub_root)
    # Each office's steps carry its own people as authors.
    log = git(hub_root, "log", "--format=%ae %s", "--", f"requests/2026/{first}.toml").splitlines()
    assert len(log) == 7 + 18 + 7 + 7
    receipts = [line for line in log if "diterima" in line]
    assert {line.split()[0] for line in receipts} == {
        f"kadis@dukcapil.{d}"
        for d in (
            "bangka.go.id",
            "belitung.go.id",
            "bangkaselatankab.go.id",
            "bangkatengahkab.go.id",
            "bangkabaratkab.go.id",
            "belitungtimurkab.go.id",
            "pangkalpinangkota.go.id",
        )
    }
    shipment = [line for line in log if "Langkah 13/" in line]
    assert shipment and shipment[0].startswith("bambang@bapeng")


# --- concurrency ------------------------------------------------------------------------------


def test_eight_clones_syncing_at_once_converge_with_every_operation_once(
    hub: Path, offices, daemon: Daemon
):
    url = daemon.url("hub.git")
    hub_root = daemon.base / "hub.git"
    base_count = int(git(hub_root, "rev-list", "--count", "main"))
    clones = [offices(url, f"k{i}") for i in range(7)]
    prov = offices(url, "prov")
    made: list[tuple[str, str]] = []  # (person id, event time) of every operation made

    def act(index: int, led: Ledger, rnd: int) -> list[tuple[str, str]]:
        if index < 7:
            ev = create_event(KABKOTA[index])
            led.record(None, ev)
            return [(ev.by, ev.at.isoformat())]
        ops = []
        for request_id in ("2026-0005", "2026-0003"):
            sha = advance(led, request_id)
            ops.append(tuple(git(led.root, "log", "-1", "--format=%ae %aI", sha).split()))
        return ops

    everyone = [*clones, prov]
    for rnd in range(3):
        for i, led in enumerate(everyone):
            made += act(i, led, rnd)
        with ThreadPoolExecutor(max_workers=8) as pool:
            results = list(pool.map(sync, everyone))
        assert all(not r.parked for r in results)
    for led in everyone:
        sync(led)
    tip = git(hub_root, "rev-parse", "main").strip()
    assert {led.head() for led in everyone} == {tip}
    assert_linear(hub_root)
    total = int(git(hub_root, "rev-list", "--count", "main"))
    assert total == base_count + len(made) == base_count + 3 * (7 + 2)
    new_ops = hub_log(hub_root)[base_count:]
    emails = {p.id: p.email for p in prov.policy().people.values()}
    expected = Counter((emails.get(who, who), when) for who, when in made)
    assert Counter((email, when) for email, when, _ in new_ops) == expected
    # Every create landed under its own id: 21 new requests, one per create.
    assert len(prov.list_requests()) == 6 + 21


# --- conflict ----------------------------------------------------------------------------------


def test_two_staff_advance_the_same_step_offline_one_is_parked_and_shown(
    hub: Path, offices, capsys
):
    from ktpel_tui.cli import main

    a, b = offices(str(hub), "dedi"), offices(str(hub), "fitri")
    advance(a, "2026-0005")  # step 3 -> 4
    sync(a)
    sync(b)
    advance(a, "2026-0005", person="dedi")  # both type the letter (step 4) offline
    advance(b, "2026-0005", person="fitri")
    advance(b, "2026-0003")  # and fitri's clone also holds an unrelated step
    sync(a)
    before = git(hub, "rev-parse", "main").strip()
    result = sync(b)
    assert result.pushed == 1 and len(result.parked) == 1
    item = result.parked[0]
    assert item.code == "wrong-step" and item.request == "2026-0005"
    assert item.author == "Fitri Handayani, A.Md"
    assert "langkah 5" in item.reason
    assert (
        git(hub, "rev-list", "--count", f"{before}..main").strip() == "1"
    )  # only the unrelated step
    log = git(hub, "log", "--format=%an", "-3", "--", "requests/2026/2026-0005.toml").splitlines()
    assert log[0] == "Dedi Kurniawan"
    assert parked(b) == [item]
    assert item.ref.startswith(PARKED_PREFIX)
    # Shown to its author in the CLI, with the reason.
    capsys.readouterr()
    assert main(["--ledger", str(b.root), "--as", "fitri", "parked", "--mine"]) == 0
    shown = capsys.readouterr().out
    assert item.name in shown and item.reason in shown and "Fitri" in shown
    assert main(["--ledger", str(b.root), "--as", "dedi", "parked", "--mine"]) == 0
    assert "Tidak ada operasi yang diparkir." in capsys.readouterr().out
    # Retrying does not apply it (the step was done by dedi); dropping discards it.
    again, sha = retry_parked(b, item.name)
    assert sha is None and again.code == "wrong-step"
    assert drop_parked(b, item.name).ref == item.ref
    assert parked(b) == []
    with pytest.raises(LedgerError) as err:
        drop_parked(b, item.name)
    assert err.value.code == "parked-unknown"


def test_an_operation_whose_authors_key_is_not_here_is_parked_not_pushed_unsigned(
    hub: Path, offices, monkeypatch, tmp_path: Path
):
    a, b = offices(str(hub), "a"), offices(str(hub), "b")
    advance(a, "2026-0005")
    sync(a)
    advance(b, "2026-0003")  # hendra's step, signed with his key
    keys = Path(os.environ["KTPEL_KEYS_DIR"])
    other = tmp_path / "keys-without-hendra"
    shutil.copytree(keys, other)
    for f in other.glob("hendra_ed25519*"):
        f.unlink()
    monkeypatch.setenv("KTPEL_KEYS_DIR", str(other))
    before = git(hub, "rev-parse", "main").strip()
    result = sync(b)
    assert [p.code for p in result.parked] == ["sync-unsigned"]
    assert result.pushed == 0
    assert git(hub, "rev-parse", "main").strip() == before
    # Back on the machine that holds hendra's key: retried, it applies and goes with the next sync.
    monkeypatch.setenv("KTPEL_KEYS_DIR", str(keys))
    item, sha = retry_parked(b, result.parked[0].name)
    assert sha is not None and parked(b) == []
    assert sync(b).pushed == 1
    assert b.read_request("2026-0003").step == 9


def test_policy_change_replays_when_clean_and_parks_on_conflict(hub: Path, offices):
    from ledger.admin import add_person
    from ledger.policy import Person

    a, b = offices(str(hub), "a"), offices(str(hub), "b")
    advance(a, "2026-0005")
    sync(a)
    add_person(
        b,
        "yusuf",
        Person(
            "rina", "Rina Marlina", "199203142018012001", "rina@x.go.id", "prov", ("pelaksana",)
        ),
        at=at(),
    )
    result = sync(b)
    assert result.parked == [] and result.pushed == 1
    assert "rina" in b.policy().people
    # Both clones change people.toml offline: the second is parked.
    sync(a)
    add_person(
        a,
        "yusuf",
        Person("tono", "Tono", "199203142018011002", "tono@x.go.id", "prov", ("pelaksana",)),
        at=at(),
    )
    add_person(
        b,
        "yusuf",
        Person("tini", "Tini", "199203142018012003", "tini@x.go.id", "prov", ("pelaksana",)),
        at=at(),
    )
    sync(a)
    result = sync(b)
    assert [p.code for p in result.parked] == ["sync-policy-conflict"]
    assert "tono" in b.policy().people and "tini" not in b.policy().people


# --- failures: nothing lost --------------------------------------------------------------------


def test_hub_down_then_back(hub: Path, offices, daemon: Daemon):
    hub_root = daemon.base / "hub.git"
    led = offices(daemon.url("hub.git"), "prov")
    base = int(git(hub_root, "rev-list", "--count", "main"))
    daemon.stop()
    advance(led, "2026-0005")
    head = led.head()
    with pytest.raises(LedgerError) as err:
        sync(led)
    assert err.value.code == "sync-unreachable"
    assert led.head() == head and git(led.root, "status", "--porcelain") == ""
    advance(led, "2026-0005")  # work goes on offline
    daemon.start()
    result = sync(led)
    assert result.pushed == 2
    assert int(git(hub_root, "rev-list", "--count", "main")) == base + 2


def test_push_refused_by_the_hub_keeps_everything(hub: Path, offices):
    led = offices(str(hub), "prov")
    hook = hub / "hooks" / "pre-receive"
    saved = hook.read_text()
    hook.write_text("#!/bin/sh\necho 'hub sedang dalam pemeliharaan' >&2\nexit 1\n")
    advance(led, "2026-0005")
    head = led.head()
    with pytest.raises(LedgerError) as err:
        sync(led)
    assert err.value.code == "sync-rejected"
    assert "pemeliharaan" in err.value.message()
    assert led.head() == head
    hook.write_text(saved)
    assert sync(led).pushed == 1
    assert git(hub, "rev-parse", "main").strip() == head


def test_rewritten_hub_is_refused(hub: Path, offices):
    led = offices(str(hub), "prov")
    git(hub, "update-ref", "refs/heads/main", "main~3")
    with pytest.raises(LedgerError) as err:
        sync(led)
    assert err.value.code == "sync-hub-rewritten"


@pytest.mark.parametrize("point", SYNC_CRASH_POINTS)
def test_clone_killed_during_sync_loses_nothing(hub: Path, offices, point: str):
    a, b = offices(str(hub), "a"), offices(str(hub), "b")
    base = int(git(hub, "rev-list", "--count", "main"))
    advance(a, "2026-0005")
    sync(a)
    mine = [
        advance(b, "2026-0003"),
        b.record(None, create_event("19.04")).sha,
        b.record(None, create_event("19.06")).sha,
    ]
    b.close()
    env = {**os.environ, "KTPEL_TEST_CRASH_AT": point}
    proc = subprocess.run(
        [sys.executable, "-m", "ktpel_tui.cli", "--ledger", str(b.root), "sync"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 137, proc.stderr
    with Ledger.open(b.root) as again:
        assert git(again.root, "status", "--porcelain") == ""
        result = sync(again)
        assert result.parked == []
        assert again.head() == git(hub, "rev-parse", "main").strip()
        ops = hub_log(hub)[base:]
        assert len(ops) == 1 + len(mine)
        assert len({(email, when) for email, when, _ in ops}) == len(ops)
        assert {r.id for r in again.list_requests()} >= {"2026-0007", "2026-0008"}


def test_cli_sync_and_hub_init(tmp_path: Path, hub: Path, offices, capsys):
    from ktpel_tui.cli import main

    assert main(["hub", "init", str(tmp_path / "other.git")]) == 0
    assert main(["clone", str(hub), str(tmp_path / "cli-clone")]) == 0
    assert main(["--ledger", str(tmp_path / "cli-clone"), "sync"]) == 0
    out = capsys.readouterr().out
    assert "diterima 0, dikirim 0, diparkir 0" in out
    assert main(["--ledger", str(tmp_path / "cli-clone"), "sync", "--remote", "nope"]) == 1
    assert "sync-no-remote" in capsys.readouterr().err
    assert main(["clone", str(tmp_path / "other.git"), str(tmp_path / "empty-clone")]) == 1
    assert "hub-empty" in capsys.readouterr().err


def test_commits_from_a_hub_without_the_hook_that_break_the_rules_are_not_taken(hub: Path, offices):
    from ledger.request import apply_event
    from ledger.requestfile import dumps

    (hub / "hooks" / "pre-receive").unlink()  # e.g. a plain git host
    a, b = offices(str(hub), "a"), offices(str(hub), "b")
    # In a's clone someone bypasses ktpel: the pelaksana "signs" as Kepala Dinas (step 8).
    state = a.read_request("2026-0003")
    forged = apply_event(state, Event("advance", 8, at(), "dedi", "kadis", {}), a.policy())
    (a.root / "requests/2026/2026-0003.toml").write_text(dumps(forged), encoding="utf-8")
    git(
        a.root,
        "-c",
        "user.name=Dedi Kurniawan",
        "-c",
        "user.email=dedi@dp3acskb.babelprov.go.id",
        "commit",
        "-q",
        "-am",
        "[2026-0003] Langkah 8/19\n\nKtpel-Request: 2026-0003\nKtpel-Step: 8\nKtpel-Action: advance\nKtpel-Role: kadis",
    )
    git(a.root, "push", "-q", "origin", "HEAD:refs/heads/main")
    head = b.head()
    with pytest.raises(LedgerError) as err:
        sync(b)
    assert err.value.code == "sync-incoming-invalid"
    assert b.head() == head and b.read_request("2026-0003").step == 8


def test_authentication_refused_is_a_plain_sentence(
    hub: Path, offices, monkeypatch, tmp_path: Path
):
    led = offices(str(hub), "prov")
    advance(led, "2026-0005")
    head = led.head()
    # An SSH hub that refuses the key: git runs this in place of ssh, as it would run ssh.
    refuse = tmp_path / "ssh-refuses"
    refuse.write_text("#!/bin/sh\necho 'git@hub: Permission denied (publickey).' >&2\nexit 255\n")
    refuse.chmod(0o755)
    monkeypatch.setenv("GIT_SSH_COMMAND", str(refuse))
    git(led.root, "remote", "set-url", "origin", "ssh://git@hub.invalid/ledger.git")
    with pytest.raises(LedgerError) as err:
        sync(led)
    assert err.value.code == "sync-auth"
    assert "Permission denied" in err.value.message()
    assert led.head() == head
    git(led.root, "remote", "set-url", "origin", str(hub))
    monkeypatch.delenv("GIT_SSH_COMMAND")
    assert sync(led).pushed == 1
