"""Issue 16's attack suite: every class of hole, tried with real git, real keys, a real hub.

Each test makes the attack the way an attacker or a careless insider would (plain git, a hand-
written file, a forged commit object signed with a real key, a field typed through the normal
CLI) and states what must happen: refused at record time, refused by the hub, parked by a
syncing clone, reported by the audit with its code, and in every case no traceback.

What already holds passes. What the kernel follow-up must make hold is marked
`xfail(strict=True)`: the day it starts to hold, the mark turns the pass into a failure and the
follow-up removes it. docs/SECURITY.md lists every test here against its rule.
"""

from __future__ import annotations

import base64
import io
import os
import subprocess
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest
import test_sync as ts
from conftest import head_of
from cryptography.hazmat.primitives.serialization import load_ssh_private_key
from test_audit import STEP1, _at, commit_raw, forge, git, hub_snapshot

from ktpel_tui import cli
from ledger import sshsig
from ledger.admin import add_person
from ledger.audit import audit, signature_status
from ledger.hub import clone, init_hub
from ledger.policy import Key, Person
from ledger.request import Event
from ledger.rules import LedgerError
from ledger.store import Ledger, signing_key_path
from ledger.sync import sync
from ledger.textsafe import visible


def kernel(rule: str):
    """The mark of an attack that gets through today and must not after the kernel follow-up."""
    return pytest.mark.xfail(strict=True, reason=f"issue 16: {rule}, after the kernel")


# --- helpers -------------------------------------------------------------------------------------


@pytest.fixture
def hub(demo_path: Path, tmp_path: Path) -> Path:
    """A bare hub with the pre-receive hook, holding the demo ledger."""
    from ledger.hook import install

    path = tmp_path / "hub.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(path))
    install(path)
    assert git(demo_path, "push", "-q", str(path), "main", check=False).returncode == 0
    return path


def audit_findings(root: Path, **kw):
    """The audit's findings; any exception escaping the audit fails the test (a crash)."""
    with Ledger.open(root) as led:
        return audit(led, use_cache=kw.pop("use_cache", False), **kw).findings


def error_codes_at(root: Path, sha: str) -> list[str]:
    return [f.code for f in audit_findings(root) if f.commit == sha and f.severity == "error"]


def run_cli(root: Path, *argv: str) -> tuple[int, str, str]:
    """Run the real CLI in-process; an exception escaping it is a crash and fails the test."""
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        code = cli.main(["--ledger", str(root), *argv])
    return code, out.getvalue(), err.getvalue()


def push_refused(root: Path, hub_path: Path) -> str:
    """Push HEAD; the hub must refuse it with a sentence (no traceback) and stay as it was."""
    before = hub_snapshot(hub_path)
    proc = git(root, "push", str(hub_path), "main", check=False)
    assert proc.returncode != 0, "the hub accepted the push"
    assert "Traceback" not in proc.stderr, proc.stderr
    assert hub_snapshot(hub_path) == before
    return proc.stderr


def private_key(person: str):
    return load_ssh_private_key(signing_key_path(person).read_bytes(), None)


def write_commit_object(root: Path, raw: bytes, signer: str | None) -> str:
    """Store a hand-made commit object (signed in-process with `signer`'s real key) as HEAD."""
    if signer is not None:
        raw = sshsig.with_signature(raw, sshsig.sign(private_key(signer), raw))
    sha = (
        subprocess.run(
            ["git", "hash-object", "-t", "commit", "-w", "--literally", "--stdin"],
            cwd=root,
            input=raw,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    git(root, "update-ref", "HEAD", sha)
    git(root, "reset", "-q", "--hard", sha, check=False)
    return sha


def recorded_payload(root: Path) -> bytes:
    """HEAD's commit object without its signature (what a forger edits and signs again)."""
    raw = subprocess.run(
        ["git", "cat-file", "commit", "HEAD"], cwd=root, capture_output=True, check=True
    ).stdout
    return sshsig.split_commit(raw).payload


def record_step1(root: Path) -> str:
    with Ledger.open(root) as led:
        return led.record("2026-0006", Event("advance", 1, _at(), "maya", "kasi", STEP1)).sha


def policy_commit(root: Path, people_text: str, admin: str = "yusuf", settings: str | None = None):
    """A policy commit made with plain git, signed by `admin`, as `ktpel` would word it."""
    with Ledger.open(root) as led:
        person = led.policy().person(admin)
    files = {"people.toml": people_text}
    if settings is not None:
        files["ledger.toml"] = settings
    message = "Kebijakan: ubah\n\nKtpel-Action: policy\nKtpel-Role: admin\n"
    return commit_raw(root, files, message, person, signing_key_path(admin), _at())


def people_toml(root: Path) -> str:
    return (root / "people.toml").read_text(encoding="utf-8")


NEW_REQUEST = """format = 1
id = "2026-0007"
sop = "ktpel-blanko-2020-r2"

[state]
status = "berjalan"
step = 1
since = 2026-11-28 10:30:00+07:00

[[event]]
seq = 1
action = "create"
step = 0
at = 2026-11-28 10:30:00+07:00
by = "kadis-1902"
role = "kadis-kabkota"

[event.data]
kabkota = "19.02"
letter_number = "{letter}"
letter_date = 2026-11-26
blanks_requested = {blanks}
stock_left = 150
"""
CREATE_MESSAGE = (
    "[2026-0007] Permohonan baru: Kab. Belitung, 100 keping\n\nKtpel-Request: 2026-0007\n"
    "Ktpel-Step: 0\nKtpel-Action: create\nKtpel-Role: kadis-kabkota\n"
)


def commit_new_request(
    root: Path, text: str | bytes, path: str = "requests/2026/2026-0007.toml"
) -> str:
    """A create commit with a hand-written request file, signed by the Kab/Kota head's key."""
    with Ledger.open(root) as led:
        person = led.policy().person("kadis-1902")
    target = root / path
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8"))
    git(root, "add", "--", path)
    return commit_raw(root, {}, CREATE_MESSAGE, person, signing_key_path("kadis-1902"), _at())


def readers_survive(root: Path) -> None:
    """Every reader turns the ledger into output or a refusal sentence, never a traceback."""
    audit_findings(root)
    for argv in (["list"], ["log", "2026-0006"], ["show", "2026-0006"], ["people"]):
        code, _, err = run_cli(root, *argv)
        assert code in (0, 1) and "Traceback" not in err, (argv, err)
    with Ledger.open(root) as led:
        for request in ("2026-0006", "2026-0007"):
            try:
                led.read_request(request)
            except LedgerError:
                pass


# =================================================================================================
# 1. Sync launders
# =================================================================================================


@pytest.fixture
def offices(tmp_path: Path, demo_path: Path):
    """A hub (made by init_hub, holding the demo) and a factory of opened clones."""
    hub_path = init_hub(tmp_path / "srv" / "hub.git")
    with Ledger.open(demo_path) as seed:
        git(demo_path, "remote", "add", "origin", str(hub_path))
        sync(seed)
    opened: list[Ledger] = []

    def make(name: str) -> Ledger:
        led = clone(str(hub_path), tmp_path / "clones" / name)
        opened.append(led)
        return led

    yield hub_path, make
    for led in opened:
        led.close()


def test_sync_does_not_launder_an_unsigned_step_planted_in_a_clone(offices):
    hub_path, make = offices
    a, b = make("a"), make("b")
    planted = forge(
        b.root, "2026-0006", Event("advance", 1, _at(), "maya", "kasi", STEP1), key=None
    )
    assert push_refused(b.root, hub_path)  # the hub refuses it as it is
    ts.advance(a, "2026-0005")
    sync(a)  # another office moves, so b must re-apply its local commit
    result = sync(b)
    assert planted[:12] in " ".join(p.name for p in result.parked)
    assert b.read_request("2026-0006").step == 1  # not re-applied, not signed, not pushed


def test_sync_parks_a_key_registration_by_a_non_admin(offices, tmp_path):
    from ledger.keys import create_key

    hub_path, make = offices
    a, b = make("a"), make("b")
    _, public, _ = create_key("mallory", path=tmp_path / "mallory_ed25519")
    text = people_toml(b.root).replace(
        'id = "dedi"', f'id = "dedi"\nkey = [{{ public = "{public}" }}]', 1
    )
    # Dedi, not an admin, writes himself a second key and commits it as a policy change
    with Ledger.open(b.root) as led:
        dedi = led.policy().person("dedi")
    message = "Kebijakan: tambah kunci dedi\n\nKtpel-Action: policy\nKtpel-Role: admin\n"
    commit_raw(b.root, {"people.toml": text}, message, dedi, signing_key_path("dedi"), _at())
    ts.advance(a, "2026-0005")
    sync(a)
    result = sync(b)
    assert [p.code for p in result.parked] != []
    assert public.split()[1] not in git(hub_path, "show", "main:people.toml").stdout


def test_sync_parks_an_unsigned_key_registration_under_the_admins_name(offices, tmp_path):
    from ledger.keys import create_key

    hub_path, make = offices
    a, b = make("a"), make("b")
    _, public, _ = create_key("mallory", path=tmp_path / "mallory_ed25519")
    text = people_toml(b.root).replace(
        'id = "dedi"', f'id = "dedi"\nkey = [{{ public = "{public}" }}]', 1
    )
    with Ledger.open(b.root) as led:
        yusuf = led.policy().person("yusuf")
    message = "Kebijakan: tambah kunci dedi\n\nKtpel-Action: policy\nKtpel-Role: admin\n"
    commit_raw(b.root, {"people.toml": text}, message, yusuf, None, _at())  # no signature
    assert push_refused(b.root, hub_path)
    ts.advance(a, "2026-0005")
    sync(a)
    result = sync(b)
    assert [p.code for p in result.parked] != []
    assert public.split()[1] not in git(hub_path, "show", "main:people.toml").stdout


# =================================================================================================
# 2. Git's own features get past the rules
# =================================================================================================


def test_a_request_file_committed_as_a_symlink(demo_path, hub):
    os.symlink("2026-0006.toml", demo_path / "requests/2026/2026-0007.toml")
    git(demo_path, "add", "requests/2026/2026-0007.toml")
    with Ledger.open(demo_path) as led:
        person = led.policy().person("kadis-1902")
    sha = commit_raw(demo_path, {}, CREATE_MESSAGE, person, signing_key_path("kadis-1902"), _at())
    assert "tree-symlink" in error_codes_at(demo_path, sha)
    assert "[tree-symlink]" in push_refused(demo_path, hub)


def test_a_request_in_the_wrong_year_folder_shadowing_a_real_one(demo_path, hub):
    text = (demo_path / "requests/2026/2026-0006.toml").read_text()
    sha = commit_new_request(demo_path, text, path="requests/2025/2026-0006.toml")
    assert "tree-id-path" in error_codes_at(demo_path, sha)
    assert "[tree-id-path]" in push_refused(demo_path, hub)
    readers_survive(demo_path)


def test_an_executable_bit_on_a_request_file(demo_path, hub):
    record_step1(demo_path)
    message = git(demo_path, "log", "-1", "--format=%B").stdout
    git(demo_path, "reset", "-q", "--soft", "HEAD^")
    git(demo_path, "update-index", "--chmod=+x", "requests/2026/2026-0006.toml")
    with Ledger.open(demo_path) as led:
        person = led.policy().person("maya")
    sha = commit_raw(demo_path, {}, message, person, signing_key_path("maya"), _at())
    assert "100755" in git(demo_path, "ls-tree", sha, "requests/2026/").stdout
    assert "tree-mode" in error_codes_at(demo_path, sha)
    assert "[tree-mode]" in push_refused(demo_path, hub)


def test_a_300_character_request_id(demo_path, hub):
    long_id = "2026-" + "7" * 295
    text = NEW_REQUEST.format(letter="470/9/X/2026", blanks=100).replace("2026-0007", long_id)
    blob = (
        subprocess.run(
            ["git", "hash-object", "-w", "--stdin"],
            cwd=demo_path,
            input=text.encode(),
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .strip()
    )
    path = f"requests/2026/{long_id}.toml"
    git(demo_path, "update-index", "--add", "--cacheinfo", f"100644,{blob},{path}")
    with Ledger.open(demo_path) as led:
        person = led.policy().person("kadis-1902")
    message = CREATE_MESSAGE.replace("2026-0007", long_id)
    sha = commit_raw(demo_path, {}, message, person, signing_key_path("kadis-1902"), _at())
    assert "tree-id-long" in error_codes_at(demo_path, sha)
    assert "[tree-id-long]" in push_refused(demo_path, hub)


def test_a_unicode_digit_request_id(demo_path, hub):
    uid = "2026-\u0660\u0660\u0660\u0667"
    text = NEW_REQUEST.format(letter="470/9/X/2026", blanks=100).replace("2026-0007", uid)
    sha = commit_new_request(demo_path, text, path=f"requests/2026/{uid}.toml")
    assert "tree-digits" in error_codes_at(demo_path, sha)
    assert "[tree-digits]" in push_refused(demo_path, hub)
    readers_survive(demo_path)


def test_git_replace_objects_do_not_fool_a_local_audit(demo_path):
    good = record_step1(demo_path)
    git(demo_path, "reset", "-q", "--hard", "HEAD^")
    bad = forge(demo_path, "2026-0006", Event("advance", 1, _at(), "maya", "kasi", STEP1), key=None)
    assert "unsigned" in error_codes_at(demo_path, bad)
    git(demo_path, "replace", bad, good)  # local only: `git log` now shows the signed one
    assert "unsigned" in error_codes_at(demo_path, bad)


# =================================================================================================
# 3. Governance one admin can bend
# =================================================================================================


def test_an_admin_cannot_add_a_twin_of_another_person(demo_path, hub):
    with Ledger.open(demo_path) as led:
        maya = led.policy().person("maya")
        twin = Person(
            "maya2", maya.name, "198901012015032001", maya.email.upper(), "prov", ("kasi",)
        )
        with pytest.raises(LedgerError):
            add_person(led, "yusuf", twin, at=_at())


def test_an_admin_cannot_make_a_second_admin_account_for_themselves(demo_path, tmp_path):
    from ledger.keys import create_key

    _, public, _ = create_key("yusuf2", path=tmp_path / "yusuf2_ed25519")
    with Ledger.open(demo_path) as led:
        alias = Person(
            "yusuf2",
            "Yusuf P.",
            "198803152014031002",
            "yusuf.p@dp3acskb.babelprov.go.id",
            "prov",
            ("admin",),
            (Key(public, added="2026-11-28"),),
        )
        with pytest.raises(LedgerError):
            add_person(led, "yusuf", alias, at=_at())


def test_an_admin_cannot_grant_themselves_an_approver_role(demo_path, hub):
    text = people_toml(demo_path)
    start = text.index('id = "yusuf"')
    roles_at = text.index('"admin",', start)
    bent = text[:roles_at] + '"admin",\n    "kabid",' + text[roles_at + len('"admin",') :]
    sha = policy_commit(demo_path, bent)
    assert error_codes_at(demo_path, sha) != []
    push_refused(demo_path, hub)


def test_removing_the_last_admin(demo_path, hub):
    text = people_toml(demo_path)
    start = text.index('id = "yusuf"')
    bent = text[:start] + text[start:].replace('"admin",\n', "", 1)
    sha = policy_commit(demo_path, bent)
    assert error_codes_at(demo_path, sha) != []
    push_refused(demo_path, hub)


def test_one_admin_switching_signatures_off(demo_path, hub):
    settings = (demo_path / "ledger.toml").read_text()
    assert "signatures_required = true" in settings
    sha = policy_commit(
        demo_path,
        people_toml(demo_path),
        settings=settings.replace("signatures_required = true", "signatures_required = false"),
    )
    assert error_codes_at(demo_path, sha) != []
    push_refused(demo_path, hub)


def test_one_key_under_two_people_written_with_other_padding(demo_path, hub):
    with Ledger.open(demo_path) as led:
        maya_key = next(k.public for k in led.policy().person("maya").keys if k.active)
    kind, b64 = maya_key.split()[:2]
    assert sshsig.canonical_key(f"{kind} {b64}==") == sshsig.canonical_key(maya_key)
    text = people_toml(demo_path).replace(
        'id = "dedi"', f'id = "dedi"\nkey = [{{ public = "{kind} {b64}==" }}]', 1
    )
    sha = policy_commit(demo_path, text)
    assert error_codes_at(demo_path, sha) != []  # held today: the people file is invalid
    push_refused(demo_path, hub)


# =================================================================================================
# 4. The message can lie
# =================================================================================================


def lying_step(root: Path, edit) -> str:
    """Record step 1 properly, then re-sign its commit with its message edited by `edit`."""
    record_step1(root)
    payload = recorded_payload(root)
    head, _, message = payload.partition(b"\n\n")
    git(root, "reset", "-q", "--hard", "HEAD^")
    parent = head_of(root)
    assert parent.encode() in head
    return write_commit_object(root, head + b"\n\n" + edit(message), "maya")


def test_a_duplicate_trailer_with_another_value(demo_path, hub):
    sha = lying_step(demo_path, lambda m: m + b"Ktpel-Step: 9\n")
    assert error_codes_at(demo_path, sha) != []
    push_refused(demo_path, hub)


def test_a_differently_cased_duplicate_trailer(demo_path, hub):
    sha = lying_step(demo_path, lambda m: m + b"ktpel-action: return\n")
    assert "trailer-mismatch" in error_codes_at(demo_path, sha)
    push_refused(demo_path, hub)


def test_a_subject_saying_rejected_on_an_approval(demo_path, hub):
    sha = lying_step(demo_path, lambda m: b"[2026-0006] DITOLAK oleh Kasi" + m[m.index(b"\n") :])
    assert error_codes_at(demo_path, sha) != []
    push_refused(demo_path, hub)


def test_a_committer_other_than_the_author(demo_path, hub):
    record_step1(demo_path)
    payload = recorded_payload(demo_path)
    git(demo_path, "reset", "-q", "--hard", "HEAD^")
    lines = payload.split(b"\n")
    lines = [
        b"committer Dedi Kurniawan <dedi@x.go.id>" + line[line.rindex(b">") + 1 :]
        if line.startswith(b"committer ")
        else line
        for line in lines
    ]
    sha = write_commit_object(demo_path, b"\n".join(lines), "maya")
    assert error_codes_at(demo_path, sha) != []


# =================================================================================================
# 5. Text reaches the terminal raw
# =================================================================================================

ESCAPES = "\x1b[2J\x1b]0;owned\x07"


def test_escape_sequences_in_a_field_reach_log_and_show_only_visibly(demo_path):
    code, _, err = run_cli(
        demo_path,
        "--as",
        "maya",
        "advance",
        "2026-0006",
        "--set",
        "meeting_date=2026-11-28",
        "--set",
        f"minutes_summary=Rapat{ESCAPES}",
    )
    assert "Traceback" not in err
    for argv in (["show", "2026-0006"], ["log", "2026-0006"], ["list"]):
        code, out, err = run_cli(demo_path, *argv)
        assert "\x1b" not in out + err and "\x07" not in out + err, argv


def test_escape_sequences_in_a_field_are_refused_at_record(demo_path):
    head = head_of(demo_path)
    code, _, err = run_cli(
        demo_path,
        "--as",
        "maya",
        "advance",
        "2026-0006",
        "--set",
        "meeting_date=2026-11-28",
        "--set",
        f"minutes_summary=Rapat{ESCAPES}",
    )
    assert code == 1 and "[text-control]" in err and "\x1b" not in err
    assert head_of(demo_path) == head


def test_a_person_whose_name_holds_escapes_is_listed_visibly(demo_path):
    with Ledger.open(demo_path) as led:
        led_person = Person(
            "eve",
            f"Eve{ESCAPES}\rYusuf",
            "199001012015031001",
            "eve@x.go.id",
            "prov",
            ("pelaksana",),
        )
        try:
            add_person(led, "yusuf", led_person, at=_at())
        except LedgerError:
            return  # refused at record: the stronger outcome
    code, out, err = run_cli(demo_path, "people")
    assert code == 0 and "\x1b" not in out and "\r" not in out and "Eve\\x1b" in out


def test_a_forged_author_name_cannot_paint_a_fake_clean_audit(demo_path):
    fake = "No findings: every step is validly signed"
    record_step1(demo_path)
    payload = recorded_payload(demo_path)
    git(demo_path, "reset", "-q", "--hard", "HEAD^")
    forged = payload.replace(
        b"author Maya Lestari, S.IP", f"author \x1b[2J\x1b[HMaya\r{fake}\x1b[K".encode(), 1
    )
    write_commit_object(demo_path, forged, "dedi")
    code, out, err = run_cli(demo_path, "--lang", "en", "audit", "--no-cache")
    assert code == 1
    assert "\x1b" not in out + err and "\r" not in out + err
    for line in out.splitlines():  # the fake sentence appears only inside a finding, visibly
        if fake in line:
            assert "\\x0d" in line or "\\x1b" in line


def test_a_letter_number_reused_with_a_zero_width_space(demo_path):
    with Ledger.open(demo_path) as led:
        used = led.read_request("2026-0006").permohonan[0]["letter_number"]
        event = ts.create_event("19.05")
        data = {**event.data, "letter_number": used[:3] + "\u200b" + used[3:]}
        with pytest.raises(LedgerError):
            led.record(None, Event("create", 0, event.at, event.by, event.role, data))


def test_a_return_note_that_looks_empty(demo_path):
    with Ledger.open(demo_path) as led:
        with pytest.raises(LedgerError):
            led.record(
                "2026-0003",
                Event("return", 8, _at(), "hendra", "kadis", {}, note="\u200b\u200b\u3164"),
            )


# =================================================================================================
# 6. Input that crashes instead of being reported
# =================================================================================================


def re_dated(root: Path, author_date: bytes, committer_date: bytes | None = None) -> str:
    """Step 1 recorded, then re-made with other author/committer dates and signed again."""
    record_step1(root)
    payload = recorded_payload(root)
    git(root, "reset", "-q", "--hard", "HEAD^")
    out = []
    for line in payload.split(b"\n\n", 1)[0].split(b"\n"):
        if line.startswith(b"author "):
            line = line[: line.rindex(b">") + 1] + b" " + author_date
        if line.startswith(b"committer "):
            line = line[: line.rindex(b">") + 1] + b" " + (committer_date or author_date)
        out.append(line)
    return write_commit_object(
        root, b"\n".join(out) + b"\n\n" + payload.split(b"\n\n", 1)[1], "maya"
    )


def test_a_time_zone_of_plus_9959(demo_path, hub):
    sha = re_dated(demo_path, b"1795834560 +9959")
    readers_survive(demo_path)
    assert error_codes_at(demo_path, sha) != []
    push_refused(demo_path, hub)


def test_a_committer_date_in_year_11476(demo_path, hub):
    sha = re_dated(demo_path, b"1795834560 +0700", b"299000000000 +0700")
    readers_survive(demo_path)
    assert error_codes_at(demo_path, sha) != []
    push_refused(demo_path, hub)


def test_control_bytes_in_a_subject(demo_path, hub):
    sha = lying_step(demo_path, lambda m: m.replace(b"]", b"]\x1e\x1b[2J\x1fx", 1))
    readers_survive(demo_path)
    assert error_codes_at(demo_path, sha) != []
    push_refused(demo_path, hub)


HOSTILE_VALUES = {
    "an integer above 2^63": str(2**64),
    "an integer of 4,400 digits": "9" * 4400,
    "nesting 3,000 deep": "[" * 3000 + "]" * 3000,
}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param("an integer above 2^63"),
        pytest.param("an integer of 4,400 digits"),
        pytest.param("nesting 3,000 deep"),
    ],
)
def test_hostile_values_in_a_request_file_become_findings(demo_path, hub, name):
    sha = commit_new_request(
        demo_path, NEW_REQUEST.format(letter="470/9/X/2026", blanks=HOSTILE_VALUES[name])
    )
    readers_survive(demo_path)
    assert error_codes_at(demo_path, sha) != []
    push_refused(demo_path, hub)


def test_invalid_utf8_in_a_request_file_becomes_a_finding(demo_path, hub):
    text = NEW_REQUEST.format(letter="470/9/X/2026", blanks=100).encode()
    sha = commit_new_request(demo_path, text.replace(b"470/9/X", b"470/\xff\xfe/X"))
    readers_survive(demo_path)
    assert error_codes_at(demo_path, sha) != []
    push_refused(demo_path, hub)


def test_a_50_mb_request_file(demo_path, hub):
    text = NEW_REQUEST.format(letter="470/9/X/2026", blanks=100)
    padding = ("# " + "x" * 1022 + "\n") * (50 * 1024)
    sha = commit_new_request(demo_path, text + padding)
    assert "tree-size" in error_codes_at(demo_path, sha)
    assert "[tree-size]" in push_refused(demo_path, hub)


# =================================================================================================
# 7. Trust in local state
# =================================================================================================


def test_a_tampered_audit_cache_is_not_believed(demo_path):
    audit_findings(demo_path, use_cache=True)
    bad = forge(demo_path, "2026-0006", Event("advance", 1, _at(), "maya", "kasi", STEP1), key=None)
    assert "unsigned" in [f.code for f in audit_findings(demo_path, use_cache=True)]
    import json

    cache = demo_path / ".git" / "ktpel"
    (cache / "audit-findings").write_text("")  # the clone holder wipes what the cache remembers
    state = json.loads((cache / "audit.json").read_text())
    state["findings_bytes"] = 0  # ...and the count that vouches for it
    (cache / "audit.json").write_text(json.dumps(state))
    assert "unsigned" in [f.code for f in audit_findings(demo_path, use_cache=True)]
    assert bad


def test_a_signature_by_someone_other_than_the_author_is_not_good(demo_path):
    sha = forge(
        demo_path,
        "2026-0006",
        Event("advance", 1, _at(), "maya", "kasi", STEP1),
        key=signing_key_path("dedi"),
    )
    with Ledger.open(demo_path) as led:
        assert signature_status(led, [sha])[sha] != "good"


def test_signature_bytes_with_trailing_junk_do_not_verify(demo_path, hub):
    record_step1(demo_path)
    payload = recorded_payload(demo_path)
    git(demo_path, "reset", "-q", "--hard", "HEAD^")
    armored = sshsig.sign(private_key("maya"), payload)
    body = base64.b64encode(base64_blob(armored) + b"junk")
    junk = b"\n".join([sshsig.BEGIN, body, sshsig.END]) + b"\n"
    raw = sshsig.with_signature(payload, junk)
    sha = write_commit_object(demo_path, raw, None)
    assert "bad-signature" in error_codes_at(demo_path, sha)
    assert "[bad-signature]" in push_refused(demo_path, hub)


def base64_blob(armored: bytes) -> bytes:
    text = armored.strip()
    return base64.b64decode(b"".join(text[len(sshsig.BEGIN) : -len(sshsig.END)].split()))


def test_visible_is_what_every_printer_uses():
    # the CLI's one printer: a value holding ESC prints as \x1b
    out = io.StringIO()
    with redirect_stdout(out):
        cli.say(f"x{ESCAPES}")
    assert out.getvalue() == visible(f"x{ESCAPES}") + "\n" and "\x1b" not in out.getvalue()


def test_security_md_names_every_attack_test():
    """docs/SECURITY.md lists every rule with its test: each test here is named there."""
    text = (Path(__file__).resolve().parent.parent / "docs" / "SECURITY.md").read_text()
    helpers = {
        "test_visible_is_what_every_printer_uses",
        "test_security_md_names_every_attack_test",
    }
    names = [n for n in globals() if n.startswith("test_") and n not in helpers]
    assert [n for n in names if n not in text] == []
