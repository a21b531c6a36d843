"""Commit objects made in-process (sync's replay) are the ones git itself makes, byte for byte.

Real repositories and real signatures: the same change is committed once by `git commit-tree
-S` (ssh-keygen signing) and once in-process; ed25519 signatures are deterministic, so the two
commit ids must be equal, and git must verify the in-process one.
"""

from __future__ import annotations

import dataclasses
import os
import random
import subprocess
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from ledger import clock
from ledger.gitobjects import ObjectBuffer, ident, ident_part
from ledger.kernel import RequestOp
from ledger.keys import allowed_signers
from ledger.request import Event
from ledger.store import Ledger

AT = datetime(2026, 11, 28, 9, 30, 15, 987654, tzinfo=clock.WIB)


def git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=check)


def _both(demo: Ledger, person, *, message: str, sign: bool | None = None) -> tuple[str, str]:
    head = demo.head()
    files = {
        "requests/2026/2026-0001.toml": (demo.blob(head, "requests/2026/2026-0001.toml") or b"")
        + b"# x\n"
    }
    by_git = demo.write_commit(
        files, message, person, AT, parent=head, committed=AT + timedelta(minutes=7), sign=sign
    )
    here = demo.write_commit(
        files,
        message,
        person,
        AT,
        parent=head,
        committed=AT + timedelta(minutes=7),
        sign=sign,
        in_process=True,
    )
    return by_git, here


@pytest.mark.parametrize(
    "name",
    [
        "Drs. Hendra Saputra, M.Si",
        " .Drs. Hendra Saputra, M.Si. ",  # git trims 'crud' at both ends
        "Hendra <Saputra>",  # and drops angle brackets inside
        "Sri Wahyuni Ningsih, S.Kom.;",
    ],
)
def test_signed_commit_made_in_process_is_the_one_git_makes(demo: Ledger, name: str):
    person = dataclasses.replace(demo.policy().person("hendra"), name=name)
    message = "Langkah 8: persetujuan\n\nbaris kedua dengan ümlaut\n\nKtpel-Step: 8\n"
    by_git, here = _both(demo, person, message=message)
    assert here == by_git
    raw = git(demo.root, "cat-file", "commit", here).stdout
    assert "\ngpgsig -----BEGIN SSH SIGNATURE-----" in raw


def test_unsigned_commit_made_in_process_is_the_one_git_makes(demo: Ledger):
    by_git, here = _both(
        demo, demo.policy().person("maya"), message="tanpa baris akhir", sign=False
    )
    assert here == by_git


def test_git_verifies_an_in_process_signature(demo: Ledger, tmp_path: Path):
    person = demo.policy().person("rudi")
    _, here = _both(demo, person, message="Langkah 3\n")
    signers = tmp_path / "allowed_signers"
    signers.write_text(allowed_signers(demo.policy()))
    out = git(
        demo.root,
        "-c",
        f"gpg.ssh.allowedSignersFile={signers}",
        "log",
        "-1",
        "--format=%G? %ae",
        here,
    ).stdout
    assert out.split() == ["G", person.email]
    assert (
        git(
            demo.root,
            "-c",
            f"gpg.ssh.allowedSignersFile={signers}",
            "verify-commit",
            here,
            check=False,
        ).returncode
        == 0
    )


def test_identity_line_follows_git():
    assert ident_part(" .Drs. A, M.Si. ") == b"Drs. A, M.Si"
    assert ident_part("a\n<b>c") == b"abc"
    later = datetime(2026, 1, 2, 3, 4, 5, 999999, tzinfo=clock.WIB)
    assert (
        ident("A", "a@x", later)
        == b"A <a@x> " + str(int(later.replace(microsecond=0).timestamp())).encode() + b" +0700"
    )


def test_buffered_replay_chain_is_one_valid_pack_read_back_by_git(demo: Ledger):
    """Three steps made on top of each other in memory, then stored as one pack git accepts."""
    from ledger.demo import ACTOR, _step_data

    head = demo.head()
    policy = demo.policy(head)
    loose_before = git(demo.root, "count-objects").stdout.split()[0]
    packs_before = set((demo.git_dir / "objects" / "pack").glob("*.pack"))
    tip = head
    with demo.buffered_objects():
        for minutes in (1, 2, 3):
            state = demo.snapshot(tip).state("2026-0005")
            step = policy.sop.step(state.step)
            data = _step_data(
                demo,
                state,
                step.no,
                clock.now() + timedelta(minutes=minutes),
                random.Random(minutes),
            )
            event = Event(
                "advance",
                step.no,
                datetime(2026, 11, 28, 10, minutes, tzinfo=clock.WIB),
                ACTOR[step.role],
                step.role,
                data,
            )
            tip, _ = demo.commit(
                demo.snapshot(tip),
                RequestOp("2026-0005", event),
                move_head=False,
                in_process=True,
            )
            # The chain reads itself back before anything is on disk.
            assert demo.read_request("2026-0005", rev=tip).events[-1].at == event.at
        assert not (set((demo.git_dir / "objects" / "pack").glob("*.pack")) - packs_before)
    new_packs = set((demo.git_dir / "objects" / "pack").glob("*.pack")) - packs_before
    assert len(new_packs) == 1
    assert git(demo.root, "count-objects").stdout.split()[0] == loose_before  # no loose files
    assert git(demo.root, "verify-pack", str(new_packs.pop())).returncode == 0
    demo.git("update-ref", "refs/heads/check", tip)
    assert git(demo.root, "fsck", "--strict", "--no-dangling").returncode == 0
    assert git(demo.root, "rev-list", "--count", f"{head}..{tip}").stdout.strip() == "3"
    # git's own reading of the new commits: the third step is the third one after HEAD.
    assert demo.read_request("2026-0005", rev=tip).step == demo.read_request("2026-0005").step + 3


def test_an_empty_buffer_writes_no_pack(tmp_path: Path):
    assert ObjectBuffer().write_pack(tmp_path) is None
    assert not (tmp_path / "pack").exists()


@pytest.mark.parametrize("count", [10, 4000])  # parsed, and found without parsing (> 64 KiB)
def test_tree_entry_finds_files_and_folders_as_git_lists_them(tmp_path: Path, count: int):
    from ledger.gitobjects import build_tree, tree_entry

    entries = [
        (b"100644", f"2026-{i:04d}.toml".encode(), bytes.fromhex(f"{i:040x}"))
        for i in range(1, count + 1)
    ]
    entries.append(
        (b"40000", b"2026-0001", bytes.fromhex("ab" * 20))
    )  # a folder named like a file's stem
    raw = build_tree(entries)
    assert (len(raw) > 64 * 1024) == (count > 1000)
    repo = tmp_path / "r"
    git(tmp_path, "init", "-q", "--bare", str(repo))
    sha = (
        subprocess.run(
            ["git", "hash-object", "-t", "tree", "-w", "--literally", "--stdin"],
            cwd=repo,
            input=raw,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    listed = {
        line.split("\t")[1]: line.split()[2]
        for line in git(repo, "ls-tree", sha).stdout.splitlines()
    }
    for name in (
        "2026-0001.toml",
        f"2026-{count:04d}.toml",
        "2026-0001",
        f"2026-{count // 2:04d}.toml",
    ):
        assert tree_entry(raw, name)[1] == listed[name]
    assert tree_entry(raw, "2026-0001")[0] == b"40000"
    assert tree_entry(raw, "2026-9999.toml") is None and tree_entry(raw, "0001.toml") is None


def test_a_pack_with_large_and_small_objects_reads_back_byte_for_byte(tmp_path: Path):
    repo = tmp_path / "r.git"
    git(tmp_path, "init", "-q", "--bare", str(repo))
    buffer = ObjectBuffer()
    big = bytes(range(256)) * 2048  # 512 KiB: stored plainly, as write_loose stores a large tree
    ids = {buffer.put(b"blob", data): data for data in (big, b"kecil\n", b"")}
    buffer.write_pack(repo / "objects")
    packs = list((repo / "objects" / "pack").glob("*.pack"))
    assert len(packs) == 1 and git(repo, "verify-pack", str(packs[0])).returncode == 0
    for sha, data in ids.items():
        shown = subprocess.run(
            ["git", "cat-file", "blob", sha], cwd=repo, capture_output=True, check=True
        ).stdout
        assert shown == data


@pytest.fixture
def agent(tmp_path: Path):
    """A real ssh-agent on a socket in tmp_path; stopped afterwards."""
    sock = tmp_path / "agent.sock"
    out = subprocess.run(
        ["ssh-agent", "-s", "-a", str(sock)], capture_output=True, text=True, check=True
    ).stdout
    pid = out.split("SSH_AGENT_PID=", 1)[1].split(";", 1)[0]
    yield sock
    subprocess.run(["kill", pid], capture_output=True)


def test_a_passphrase_key_in_ssh_agent_signs_replayed_commits_through_git(
    demo: Ledger, tmp_path: Path, agent: Path, monkeypatch
):
    """The in-process path cannot read a passphrase-protected key; git (and the agent) sign instead."""
    from ledger.admin import add_key
    from ledger.audit import signature_status

    keys = tmp_path / "mayas-keys"
    keys.mkdir()
    key = keys / "maya_ed25519"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "rahasia", "-C", "maya", "-f", str(key)],
        check=True,
    )
    add_key(
        demo, "yusuf", "maya", key.with_name(key.name + ".pub").read_text()
    )  # signed by the admin's key
    askpass = tmp_path / "askpass.sh"
    askpass.write_text("#!/bin/sh\necho rahasia\n")
    askpass.chmod(0o700)
    env = {
        **os.environ,
        "SSH_AUTH_SOCK": str(agent),
        "SSH_ASKPASS": str(askpass),
        "SSH_ASKPASS_REQUIRE": "force",
        "DISPLAY": ":0",
    }
    subprocess.run(
        ["ssh-add", str(key)], env=env, stdin=subprocess.DEVNULL, capture_output=True, check=True
    )
    monkeypatch.setenv("KTPEL_KEYS_DIR", str(keys))
    monkeypatch.setenv("SSH_AUTH_SOCK", str(agent))

    person = demo.policy().person("maya")
    _, here = _both(demo, person, message="Langkah 1\n")
    assert signature_status(demo, [here]) == {here: "good"}
    signed_by = git(demo.root, "cat-file", "commit", here).stdout
    assert "gpgsig -----BEGIN SSH SIGNATURE-----" in signed_by
