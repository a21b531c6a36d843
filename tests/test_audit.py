"""`ktpel audit` and the hub's pre-receive hook against forged histories.

Every adversarial commit is made with real git and real SSH signatures (ssh-keygen through git's
`gpg.format=ssh`), by someone who bypasses ktpel: they write the request file themselves and
commit it. Each test names the finding the audit must report and, where a hub applies, checks
the hub refuses the push and stays exactly as it was.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest
from conftest import FIXED_NOW, head_of

from ledger import clock
from ledger.admin import add_key, add_person, retire_key
from ledger.audit import audit, signature_status
from ledger.auditcache import CACHE_VERSION
from ledger.hook import install
from ledger.keys import create_key
from ledger.policy import Person
from ledger.request import Event, apply_event, request_path
from ledger.requestfile import dumps
from ledger.rules import LedgerError
from ledger.store import Ledger, git_env, signing_key_path
from ledger.trailers import commit_message

STEP1 = {"meeting_date": date(2026, 11, 28), "minutes_summary": "Rapat monev stok blanko."}
_minutes = iter(range(1, 10_000))


def _at():
    return FIXED_NOW + timedelta(minutes=next(_minutes))


def git(
    root: Path, *args: str, env: dict | None = None, check: bool = True
) -> subprocess.CompletedProcess:
    return subprocess.run(
        ["git", *args], cwd=root, capture_output=True, text=True, env=env, check=check
    )


def unchecked(state, event, policy):
    """What a forger writes: the event appended even when the rules refuse it."""
    try:
        return apply_event(state, event, policy)
    except LedgerError:
        ev = replace(event, seq=len(state.events) + 1, at=clock.to_wib(event.at))
        return replace(
            state,
            events=state.events + (ev,),
            step=event.step + 1,
            since=ev.at,
            step_data={**state.step_data, event.step: dict(event.data)},
            completed_at={**state.completed_at, event.step: ev.at},
        )


def sign_args(key: Path | None) -> list[str]:
    if key is None:
        return ["-c", "commit.gpgsign=false"]
    return ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key}", "-c", "commit.gpgsign=true"]


def commit_raw(
    root: Path, files: dict[str, str], message: str, author: Person, key: Path | None, at
) -> str:
    """Write files and commit them with plain git, as someone bypassing ktpel would."""
    for rel, text in files.items():
        (root / rel).write_text(text, encoding="utf-8")
    git(root, "add", "--", *files)
    subprocess.run(
        ["git", *sign_args(key), "commit", "-q", "--no-verify", "-F", "-"],
        cwd=root,
        input=message,
        text=True,
        capture_output=True,
        check=True,
        env=git_env(author.name, author.email, at),
    )
    return head_of(root)


def forge(
    root: Path,
    request_id: str,
    event: Event,
    *,
    author: str | None = None,
    key: Path | None | str = "actor",
    extra: dict[str, str] | None = None,
) -> str:
    """Commit `event` on `request_id` outside the rules; signed by the actor's own key unless told."""
    with Ledger.open(root) as led:
        policy = led.policy()
        state = led.read_request(request_id)
        new = unchecked(state, event, policy)
        person = policy.person(author or event.by)
        message = commit_message(new, new.events[-1], policy)
    signing = signing_key_path(event.by) if key == "actor" else key
    return commit_raw(
        root,
        {request_path(request_id): dumps(new), **(extra or {})},
        message,
        person,
        signing,
        event.at,
    )


def codes(root: Path, **kw) -> list[str]:
    with Ledger.open(root) as led:
        return [f.code for f in audit(led, use_cache=False, **kw).findings]


def finding(root: Path, code: str):
    with Ledger.open(root) as led:
        report = audit(led, use_cache=False)
    found = [f for f in report.findings if f.code == code]
    assert found, [(f.code, f.message()) for f in report.findings]
    return found[0]


# --- the hub -------------------------------------------------------------------------------------


@pytest.fixture
def hub(demo_path: Path, tmp_path: Path) -> Path:
    """A bare hub with the hook, holding the demo ledger (pushed through the hook)."""
    path = tmp_path / "hub.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(path))
    install(path)
    pushed = git(demo_path, "push", "-q", str(path), "main", check=False)
    assert pushed.returncode == 0, pushed.stderr
    return path


def hub_snapshot(hub: Path) -> tuple[str, str]:
    refs = git(hub, "for-each-ref", "--format=%(refname) %(objectname)").stdout
    history = git(hub, "rev-list", "--all", "--objects").stdout
    return refs, history


def assert_refused(
    demo_path: Path, hub: Path, code: str, *, refspec: str = "main", force: bool = False
) -> str:
    before = hub_snapshot(hub)
    head = head_of(demo_path)
    proc = git(demo_path, "push", *(["-f"] if force else []), str(hub), refspec, check=False)
    assert proc.returncode != 0
    assert f"[{code}]" in proc.stderr, proc.stderr
    assert hub_snapshot(hub) == before
    if refspec == "main" and not force:
        assert (
            git(hub, "cat-file", "-e", head, check=False).returncode != 0
        )  # quarantined objects are gone
    return proc.stderr


# --- the demo ---------------------------------------------------------------------------------------


def test_demo_ledger_audits_clean_and_every_commit_is_signed_good(demo):
    report = audit(demo, use_cache=False)
    assert report.findings == []
    assert report.ok and report.commits == report.checked > 50
    shas = git(demo.root, "rev-list", "HEAD").stdout.split()
    assert set(signature_status(demo, shas).values()) == {"good"}


def test_hub_accepts_good_steps(demo_path, hub):
    with Ledger.open(demo_path) as led:
        led.record("2026-0006", Event("advance", 1, _at(), "maya", "kasi", STEP1))
    assert git(demo_path, "push", "-q", str(hub), "main", check=False).returncode == 0
    assert git(hub, "rev-parse", "main").stdout.strip() == head_of(demo_path)


# --- signatures -----------------------------------------------------------------------------------


def test_step_signed_with_another_persons_key_under_the_authors_name(demo_path, hub):
    # Dedi signs with his own key but types Maya's name as author and as the event's actor.
    sha = forge(
        demo_path,
        "2026-0006",
        Event("advance", 1, _at(), "maya", "kasi", STEP1),
        key=signing_key_path("dedi"),
    )
    f = finding(demo_path, "signer-not-author")
    assert f.commit == sha
    assert "Dedi Kurniawan" in f.message() and "Maya Lestari" in f.message()
    assert_refused(demo_path, hub, "signer-not-author")


def test_unsigned_step(demo_path, hub):
    sha = forge(demo_path, "2026-0006", Event("advance", 1, _at(), "maya", "kasi", STEP1), key=None)
    assert finding(demo_path, "unsigned").commit == sha
    with Ledger.open(demo_path) as led:
        assert signature_status(led, [sha]) == {sha: "unsigned"}
    assert_refused(demo_path, hub, "unsigned")


def test_unknown_key(demo_path, hub, tmp_path):
    stranger, _, _ = create_key("stranger", path=tmp_path / "stranger_ed25519")
    sha = forge(
        demo_path, "2026-0006", Event("advance", 1, _at(), "maya", "kasi", STEP1), key=stranger
    )
    assert finding(demo_path, "unknown-key").commit == sha
    with Ledger.open(demo_path) as led:
        assert signature_status(led, [sha]) == {sha: "unknown-key"}
    assert_refused(demo_path, hub, "unknown-key")


def test_retired_key(demo_path, hub):
    with Ledger.open(demo_path) as led:
        maya_key = led.policy().person("maya").keys[0].public
        retire_key(led, "yusuf", "maya", maya_key, at=_at())
    assert codes(demo_path) == []  # retiring is a good policy change by the admin
    assert git(demo_path, "push", "-q", str(hub), "main", check=False).returncode == 0
    with Ledger.open(
        demo_path
    ) as led:  # Maya still has the old key on her machine: ktpel refuses it
        head = led.head()
        with pytest.raises(LedgerError) as err:
            led.record("2026-0006", Event("advance", 1, _at(), "maya", "kasi", STEP1))
        assert err.value.code == "signing-key-unregistered" and led.head() == head
    # ...so she signs with plain git and her old key: the audit and the hub catch it.
    forge(demo_path, "2026-0006", Event("advance", 1, _at(), "maya", "kasi", STEP1))
    f = finding(demo_path, "retired-key")
    assert "Maya Lestari" in f.message()
    assert_refused(demo_path, hub, "retired-key")


def test_commit_edited_after_signing(demo_path, hub):
    with Ledger.open(demo_path) as led:
        led.record("2026-0006", Event("advance", 1, _at(), "maya", "kasi", STEP1))
    raw = git(demo_path, "cat-file", "commit", "HEAD").stdout
    edited = raw.replace("Rapat monev stok & kebutuhan", "Rapat monev stok dan kebutuhan")
    assert edited != raw
    sha = subprocess.run(
        ["git", "hash-object", "-t", "commit", "-w", "--stdin"],
        cwd=demo_path,
        input=edited,
        text=True,
        capture_output=True,
        check=True,
    ).stdout.strip()
    git(demo_path, "update-ref", "HEAD", sha)
    assert finding(demo_path, "bad-signature").commit == sha
    with Ledger.open(demo_path) as led:
        assert signature_status(led, [sha]) == {sha: "bad"}
    assert_refused(demo_path, hub, "bad-signature")


# --- who may act, in what order -------------------------------------------------------------------


def test_wrong_role(demo_path, hub):
    forge(demo_path, "2026-0006", Event("advance", 1, _at(), "dedi", "kasi", STEP1))
    f = finding(demo_path, "wrong-role")
    assert f.request == "2026-0006" and "Dedi Kurniawan" in f.message()
    assert_refused(demo_path, hub, "wrong-role")


def test_kabkota_head_acting_for_another_kabkota(demo_path, hub):
    data = {
        "kabkota": "19.02",
        "letter_number": "470/77/Dukcapil-19.02/2026",
        "letter_date": date(2026, 11, 27),
        "blanks_requested": 500,
        "stock_left": 20,
    }
    forge(
        demo_path, "2026-0006", Event("permohonan", 0, _at(), "kadis-1901", "kadis-kabkota", data)
    )
    f = finding(demo_path, "wrong-office")
    assert "Kab. Belitung" in f.message()
    assert_refused(demo_path, hub, "wrong-office")


def test_skipped_step(demo_path, hub):
    # 2026-0005 waits on the Kabid's review (step 3); the Kasi records step 5 straight away.
    forge(demo_path, "2026-0005", Event("advance", 5, _at(), "maya", "kasi", {}))
    f = finding(demo_path, "wrong-step")
    assert f.request == "2026-0005"
    assert_refused(demo_path, hub, "wrong-step")


def test_an_earlier_event_edited_by_hand_is_a_file_mismatch_not_a_step(demo_path, hub):
    """A signed commit that rewrites a quantity in an earlier event and adds none is named for
    what it is, with no made-up step finding beside it."""
    path = request_path("2026-0003")
    text = (demo_path / path).read_text()
    assert "blanks_requested = 1000\n" in text
    with Ledger.open(demo_path) as led:
        policy = led.policy()
        state = led.read_request("2026-0003")
        message = commit_message(state, state.events[-1], policy)
        person = policy.person(state.events[-1].by)
    sha = commit_raw(
        demo_path,
        {path: text.replace("blanks_requested = 1000\n", "blanks_requested = 9000\n", 1)},
        message,
        person,
        signing_key_path(person.id),
        _at(),
    )
    with Ledger.open(demo_path) as led:
        report = audit(led, use_cache=False)
    mine = [f for f in report.findings if f.commit == sha]
    assert [f.code for f in mine] == ["file-mismatch"] and mine[0].request == "2026-0003"
    assert_refused(demo_path, hub, "file-mismatch")


def test_two_requests_in_one_commit(demo_path, hub):
    other = (demo_path / request_path("2026-0005")).read_text() + "# disisipkan\n"
    forge(
        demo_path,
        "2026-0006",
        Event("advance", 1, _at(), "maya", "kasi", STEP1),
        extra={request_path("2026-0005"): other},
    )
    f = finding(demo_path, "files-count")
    assert "2026-0005" in f.message() and "2026-0006" in f.message()
    assert_refused(demo_path, hub, "files-count")


def test_history_of_a_request_rewritten_inside_its_file(demo_path, hub):
    # A correct-looking step, but the file also quietly changes an earlier event's count.
    with Ledger.open(demo_path) as led:
        policy = led.policy()
        state = led.read_request("2026-0006")
        new = apply_event(state, Event("advance", 1, _at(), "maya", "kasi", STEP1), policy)
        person = policy.person("maya")
        message = commit_message(new, new.events[-1], policy)
    text = dumps(new).replace("blanks_requested = 3000", "blanks_requested = 9000", 1)
    assert text != dumps(new)
    commit_raw(
        demo_path,
        {request_path("2026-0006"): text},
        message,
        person,
        signing_key_path("maya"),
        new.events[-1].at,
    )
    assert finding(demo_path, "file-mismatch").request == "2026-0006"
    assert_refused(demo_path, hub, "file-mismatch")


def test_shares_above_what_was_received(demo_path, hub):
    from ledger.demo import _step_data

    rng = random.Random(1)
    with Ledger.open(demo_path) as led:  # 2026-0004 goes legitimately from step 13 to 16
        for no, by, role in (
            (13, "bambang", "bapeng"),
            (14, "dedi", "pelaksana"),
            (15, "agus", "kasubag-umum"),
        ):
            state = led.read_request("2026-0004")
            at = _at()
            led.record(
                "2026-0004", Event("advance", no, at, by, role, _step_data(led, state, no, at, rng))
            )
        good = led.read_request("2026-0004").received_good
    assert git(demo_path, "push", "-q", str(hub), "main", check=False).returncode == 0
    shares = {"19.03": good, "19.05": 100}
    forge(
        demo_path,
        "2026-0004",
        Event("advance", 16, _at(), "rudi", "kabid", {"proposed_shares": shares}),
    )
    f = finding(demo_path, "share-over")
    assert str(good + 100) in f.message()
    assert_refused(demo_path, hub, "share-over")


# --- the policy files -------------------------------------------------------------------------------


def _people_with_key(root: Path, person_id: str, public: str) -> str:
    text = (root / "people.toml").read_text()
    marker = f'id = "{person_id}"\n'
    head, _, tail = text.partition(marker)
    block_end = tail.find("\n[[person]]")
    block_end = len(tail) if block_end == -1 else block_end
    addition = f'\n[[person.key]]\npublic = "{public}"\nadded = "2026-11-28"\n'
    return head + marker + tail[:block_end].rstrip("\n") + "\n" + addition + tail[block_end:]


def test_admin_adding_their_own_key(demo_path, hub, tmp_path):
    _, public, _ = create_key("yusuf2", path=tmp_path / "yusuf2_ed25519")
    with Ledger.open(demo_path) as led:
        with pytest.raises(LedgerError) as err:
            add_key(led, "yusuf", "yusuf", public)
        assert err.value.code == "admin-own-key"
        yusuf = led.policy().person("yusuf")
    assert codes(demo_path) == []
    commit_raw(
        demo_path,
        {"people.toml": _people_with_key(demo_path, "yusuf", public)},
        "Kebijakan: tambah kunci\n\nKtpel-Action: policy\nKtpel-Role: admin\n",
        yusuf,
        signing_key_path("yusuf"),
        _at(),
    )
    assert finding(demo_path, "admin-own-key").message().startswith("Admin Yusuf Pratama")
    assert_refused(demo_path, hub, "admin-own-key")


def test_non_admin_editing_people(demo_path, hub, tmp_path):
    _, public, _ = create_key("dedi2", path=tmp_path / "dedi2_ed25519")
    with Ledger.open(demo_path) as led:
        with pytest.raises(LedgerError) as err:
            add_key(led, "maya", "dedi", public)
        assert err.value.code == "not-admin"
        maya = led.policy().person("maya")
    commit_raw(
        demo_path,
        {"people.toml": _people_with_key(demo_path, "dedi", public)},
        "Kebijakan: tambah kunci\n\nKtpel-Action: policy\nKtpel-Role: admin\n",
        maya,
        signing_key_path("maya"),
        _at(),
    )
    assert "Maya Lestari" in finding(demo_path, "not-admin").message()
    assert_refused(demo_path, hub, "not-admin")


def test_a_new_person_and_key_from_another_admin_audit_clean_and_a_key_cannot_be_reused(
    demo_path, hub, tmp_path
):
    _, public, _ = create_key("rina")
    rina = Person(
        "rina",
        "Rina Marlina, S.Sos",
        "198505102010012003",
        "rina@dp3acskb.babelprov.go.id",
        "prov",
        ("kasi",),
    )
    with Ledger.open(demo_path) as led:
        add_person(led, "yusuf", rina, at=_at())
        add_key(led, "yusuf", "rina", public, at=_at())
        with pytest.raises(LedgerError) as err:
            add_key(led, "yusuf", "dedi", public)
        assert err.value.code == "key-reused"
        retire_key(led, "yusuf", "rina", public, at=_at())
        with pytest.raises(LedgerError) as err:
            add_key(led, "yusuf", "rina", public)
        assert err.value.code == "key-reused"
    assert codes(demo_path) == []
    assert git(demo_path, "push", "-q", str(hub), "main", check=False).returncode == 0


def test_deleting_a_key_is_caught(demo_path):
    with Ledger.open(demo_path) as led:
        yusuf = led.policy().person("yusuf")
    text = (demo_path / "people.toml").read_text()
    block = text[text.index('id = "dedi"') :]
    key_start = block.index("[[person.key]]")
    key_end = block.index("\n\n", key_start) if "\n\n" in block[key_start:] else len(block)
    new = text.replace(block[key_start:key_end], "", 1)
    commit_raw(
        demo_path,
        {"people.toml": new},
        "Kebijakan: hapus kunci\n\nKtpel-Action: policy\nKtpel-Role: admin\n",
        yusuf,
        signing_key_path("yusuf"),
        _at(),
    )
    assert "Dedi Kurniawan" in finding(demo_path, "key-removed").message()


# --- time, rollback, force-push ---------------------------------------------------------------------


def test_backdated_commit_is_a_warning(demo_path, capsys):
    from ktpel_tui.cli import main

    past = FIXED_NOW - timedelta(days=30)
    with Ledger.open(demo_path) as led:
        led.record("2026-0006", Event("advance", 1, past, "maya", "kasi", STEP1), committed=past)
    with Ledger.open(demo_path) as led:
        found = audit(led, use_cache=False).findings
    assert {f.code for f in found} == {"time-backwards"} and all(
        f.severity == "warning" for f in found
    )
    assert main(["--ledger", str(demo_path), "audit", "--no-cache"]) == 0
    out, err = capsys.readouterr()
    assert "time-backwards" in out
    assert "cache" not in err  # --no-cache: nothing came from the cache, so it says nothing of it
    assert main(["--ledger", str(demo_path), "audit"]) == 0
    assert "sisanya dari cache" in capsys.readouterr().err
    assert main(["--ledger", str(demo_path), "audit", "--no-cache", "--strict"]) == 1


def test_hub_rolled_back_by_two_commits_is_caught_only_with_a_pin(demo_path, hub, tmp_path):
    with Ledger.open(demo_path) as led:
        led.record("2026-0006", Event("advance", 1, _at(), "maya", "kasi", STEP1))
        led.record(
            "2026-0006",
            Event(
                "advance",
                2,
                _at(),
                "maya",
                "kasi",
                {"subject": "Permohonan blanko", "blanks_asked": 3000},
            ),
        )
    assert git(demo_path, "push", "-q", str(hub), "main", check=False).returncode == 0
    pin = git(hub, "rev-parse", "main").stdout.strip()
    git(hub, "update-ref", "refs/heads/main", f"{pin}~2")  # someone with disk access on the hub
    inspector = tmp_path / "inspector"
    git(tmp_path, "clone", "-q", str(hub), str(inspector))
    assert codes(inspector) == []
    assert codes(inspector, pins=[pin]) == ["pin-missing"]
    git(inspector, "fetch", "-q", str(demo_path), "main")  # even with the object present locally
    assert codes(inspector, pins=[pin]) == ["pin-missing"]
    assert codes(inspector, pins=[f"{pin}~2"]) == []


def test_hub_refuses_force_push_deletion_and_other_refs(demo_path, hub):
    git(demo_path, "reset", "-q", "--hard", "HEAD~2")
    assert_refused(demo_path, hub, "non-fast-forward", force=True)
    assert_refused(demo_path, hub, "ref-deleted", refspec=":main")
    assert_refused(demo_path, hub, "ref-not-allowed", refspec="HEAD:refs/heads/lain")
    assert_refused(demo_path, hub, "ref-not-allowed", refspec="HEAD:refs/tags/v1")


# --- the cache and the command line -------------------------------------------------------------------


def test_second_audit_checks_only_new_commits_and_keeps_old_findings(demo_path):
    with Ledger.open(demo_path) as led:
        first = audit(led)
        assert first.checked == first.commits and first.ok
        again = audit(led)
        assert again.checked == 0 and again.commits == first.commits and again.ok
    forge(demo_path, "2026-0006", Event("advance", 1, _at(), "maya", "kasi", STEP1), key=None)
    with Ledger.open(demo_path) as led:
        third = audit(led)
        assert third.checked == 1 and [f.code for f in third.findings] == ["unsigned"]
        led.record(
            "2026-0006",
            Event(
                "advance", 2, _at(), "maya", "kasi", {"subject": "Permohonan", "blanks_asked": 3000}
            ),
        )
        fourth = audit(led)
        # The cached finding is an error: `ok` knows without parsing the cached findings.
        assert not fourth.ok and fourth.checked == 1
        assert [f.code for f in fourth.findings] == ["unsigned"]


def test_cached_findings_survive_a_save_cut_short_and_sync_reads_only_new_ones(demo_path):
    from ledger.audit import audit_git_dir

    one = forge(demo_path, "2026-0006", Event("advance", 1, _at(), "maya", "kasi", STEP1), key=None)
    with Ledger.open(demo_path) as led:
        first = audit(led)
    assert [f.code for f in first.findings] == ["unsigned"]
    # A process killed after appending to the findings file but before replacing audit.json.
    findings_file = demo_path / ".git" / "ktpel" / "audit-findings"
    with open(findings_file, "ab") as fh:
        fh.write(b'{"code": "unsigned", "commit": "half-written')
    with Ledger.open(demo_path) as led:
        again = audit(led)
        assert again.checked == 0 and [f.code for f in again.findings] == ["unsigned"]
        led.record(
            "2026-0006",
            Event(
                "advance", 2, _at(), "maya", "kasi", {"subject": "Permohonan", "blanks_asked": 3000}
            ),
        )
        two = forge(
            demo_path, "2026-0005", Event("advance", 3, _at(), "rudi", "kabid", {}), key=None
        )
        new_only = audit_git_dir(led.git_dir, "HEAD", old_findings=False)
        assert new_only.checked == 2 and [(f.code, f.commit) for f in new_only.findings] == [
            ("unsigned", two)
        ]
        everything = audit(led)
    assert everything.checked == 0 and [f.commit for f in everything.findings] == [one, two]
    assert b"half-written" not in findings_file.read_bytes()


def test_cli_audit_exit_codes_json_and_csv(demo_path, capsys):
    from ktpel_tui.cli import main

    assert main(["--ledger", str(demo_path), "audit"]) == 0
    out = capsys.readouterr().out
    assert "Tidak ada temuan" in out and "Kab. Bangka" in out
    forge(demo_path, "2026-0006", Event("advance", 1, _at(), "dedi", "kasi", STEP1))
    assert main(["--ledger", str(demo_path), "audit", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert [f["code"] for f in data["findings"]] == ["wrong-role"] and data["ok"] is False
    done = [d for d in data["request_steps"] if d["request"] == "2026-0001"]
    assert [d["step"] for d in done] == list(range(1, 20))
    assert all(d["minutes"] >= 0 and d["standard_minutes"] > 0 for d in done)
    assert sum(k["confirmed"] for k in data["stock"]) == sum(
        d["blanks_received"] for d in _receipts(demo_path)
    )
    assert data["findings"][0]["request"] == "2026-0006"
    assert main(["--ledger", str(demo_path), "--lang", "en", "audit", "--csv"]) == 1
    lines = capsys.readouterr().out.splitlines()
    assert lines[0] == "severity,code,commit,request,message"
    assert "does not hold the role" in lines[1]


def _receipts(root: Path) -> list[dict]:
    with Ledger.open(root) as led:
        states = [led.read_request(f"2026-000{n}") for n in range(1, 7)]
    return [dict(d.receipt) for st in states for d in st.deliveries if d.receipt is not None]


def test_cli_keys_new_add_and_refusals(demo_path, capsys, tmp_path):
    from ktpel_tui.cli import main

    env_keys = os.environ["KTPEL_KEYS_DIR"]
    os.environ["KTPEL_KEYS_DIR"] = str(tmp_path / "keys-of-this-machine")
    try:
        assert main(["--ledger", str(demo_path), "--as", "maya", "keys", "new"]) == 0
        line = [x for x in capsys.readouterr().out.splitlines() if x.startswith("ssh-ed25519 ")][0]
        assert (tmp_path / "keys-of-this-machine" / "maya_ed25519").exists()
        assert not list(demo_path.glob("**/maya_ed25519"))
    finally:
        os.environ["KTPEL_KEYS_DIR"] = env_keys
    assert main(["--ledger", str(demo_path), "--as", "yusuf", "keys", "add", "maya", line]) == 0
    assert main(["--ledger", str(demo_path), "--as", "yusuf", "keys", "add", "yusuf", line]) == 1
    err = capsys.readouterr().err
    assert "[admin-own-key]" in err and "Traceback" not in err
    before = head_of(demo_path)
    assert (
        main(["--ledger", str(demo_path), "--as", "yusuf", "keys", "add", "maya", "bukan kunci"])
        == 1
    )
    assert "[key-invalid]" in capsys.readouterr().err
    assert head_of(demo_path) == before
    assert main(["--ledger", str(demo_path), "audit"]) == 0


def test_plain_git_verifies_every_signature_with_the_allowed_signers_file(
    demo_path, tmp_path, capsys
):
    from ktpel_tui.cli import main

    signers = tmp_path / "allowed_signers"
    assert main(["--ledger", str(demo_path), "keys", "allowed-signers", "-o", str(signers)]) == 0
    out = git(
        demo_path, "-c", f"gpg.ssh.allowedSignersFile={signers}", "log", "--format=%G? %ae %GS"
    ).stdout.splitlines()
    assert out and all(line.startswith("G ") for line in out)
    assert all(
        line.split()[1] == line.split()[2] for line in out
    )  # signer principal == author email


def test_cli_audit_still_reports_when_the_policy_at_head_does_not_parse(demo_path, capsys):
    """An inspector auditing a ledger whose last commit broke ledger.toml gets the findings and a
    sentence about the figures, not a refusal."""
    from ktpel_tui.cli import main

    settings = demo_path / "ledger.toml"
    settings.write_text(
        settings.read_text().replace("signatures_required = true", 'signatures_required = "false"')
    )
    git(
        demo_path,
        "-c",
        "user.name=Yusuf",
        "-c",
        "user.email=yusuf@example.org",
        "-c",
        "commit.gpgsign=false",
        "commit",
        "-qam",
        "ubah pengaturan",
    )
    assert main(["--ledger", str(demo_path), "audit"]) == 1
    out = capsys.readouterr().out
    assert "[settings-invalid]" in out and "'signatures_required' harus true atau false" in out
    assert "Angka ringkasan tidak dapat dihitung" in out
    assert main(["--ledger", str(demo_path), "audit", "--json"]) == 1
    data = json.loads(capsys.readouterr().out)
    assert (
        "settings-invalid" in [f["code"] for f in data["findings"]]
        and "signatures_required" in data["figures_error"]
    )


def test_cli_keys_new_refuses_a_retired_key_and_replace_keeps_the_old_file(
    demo_path, capsys, tmp_path
):
    from ktpel_tui.cli import main

    machine = tmp_path / "keys-of-mayas-machine"

    def at_mayas(*args: str) -> int:  # maya's own machine: her keys folder, not the admin's
        saved = os.environ["KTPEL_KEYS_DIR"]
        os.environ["KTPEL_KEYS_DIR"] = str(machine)
        try:
            return main(["--ledger", str(demo_path), "--as", "maya", *args])
        finally:
            os.environ["KTPEL_KEYS_DIR"] = saved

    def admin(*args: str) -> int:
        return main(["--ledger", str(demo_path), "--as", "yusuf", "keys", *args])

    assert at_mayas("keys", "new") == 0
    first = [x for x in capsys.readouterr().out.splitlines() if x.startswith("ssh-ed25519 ")][0]
    assert admin("add", "maya", first) == 0
    assert at_mayas("keys", "new") == 0
    assert "terdaftar aktif" in capsys.readouterr().out
    assert admin("retire", "maya", first) == 0
    capsys.readouterr()
    assert at_mayas("keys", "new") == 1
    assert "--replace" in capsys.readouterr().out
    assert at_mayas("keys", "new", "--replace") == 0
    out = capsys.readouterr().out
    second = [x for x in out.splitlines() if x.startswith("ssh-ed25519 ")][0]
    assert second != first and "tidak dihapus" in out
    kept = [
        p
        for p in machine.iterdir()
        if p.name.startswith("maya_ed25519.old-") and not p.name.endswith(".pub")
    ]
    assert len(kept) == 1 and (machine / f"{kept[0].name}.pub").read_text().startswith(first)
    assert admin("add", "maya", second) == 0
    assert (
        at_mayas(
            "advance",
            "2026-0006",
            "--set",
            "meeting_date=2026-11-28",
            "--set",
            "minutes_summary=Rapat",
        )
        == 0
    )
    assert main(["--ledger", str(demo_path), "audit"]) == 0


def test_a_cache_from_an_older_version_is_audited_again_with_the_same_findings(demo_path):
    """audit.json version 1 kept the findings inline, version 2 under older policy codes; either
    is set aside and the history audited again (never read half in an old form)."""
    one = forge(demo_path, "2026-0006", Event("advance", 1, _at(), "maya", "kasi", STEP1), key=None)
    with Ledger.open(demo_path) as led:
        first = audit(led)
    state = demo_path / ".git" / "ktpel"
    raw = json.loads((state / "audit.json").read_text())
    lines = (state / "audit-findings").read_text().splitlines()
    raw.pop("findings_bytes")
    raw.update(
        version=1,
        findings=[{**json.loads(line), "message": "x", "severity": "error"} for line in lines],
    )
    (state / "audit.json").write_text(json.dumps(raw))
    (state / "audit-findings").unlink()
    with Ledger.open(demo_path) as led:
        again = audit(led)
    assert again.checked == first.commits and again.commits == first.commits
    assert [(f.code, f.commit) for f in again.findings] == [("unsigned", one)]
    assert json.loads((state / "audit.json").read_text())["version"] == CACHE_VERSION
