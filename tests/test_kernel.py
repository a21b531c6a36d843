"""The kernel: one implementation of every policy rule, the same code wherever it is judged.

Each bad policy change below is tried four ways, as four different people would meet it: made
through ktpel (refused at record time, HEAD unchanged), committed by hand and re-applied by sync
(parked), committed by hand and audited (a finding), and pushed to a hub (refused by the hook).
All four must name the same rule code.
"""

from __future__ import annotations

import subprocess
from datetime import timedelta
from itertools import count
from pathlib import Path

import pytest
from conftest import FIXED_NOW, head_of

from ledger import kernel
from ledger.audit import audit
from ledger.hook import install
from ledger.hub import clone, init_hub
from ledger.keys import create_key
from ledger.rules import RULES, LedgerError
from ledger.store import Ledger, git_env, signing_key_path
from ledger.sync import sync

_minutes = count(1)
SOP_FILE = "sop/ktpel-blanko-2020-r2.toml"


def _at():
    return FIXED_NOW + timedelta(minutes=next(_minutes))


def git(root: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True, check=check)


def _person_block(text: str, person_id: str) -> tuple[int, int]:
    start = text.index(f'id = "{person_id}"\n')
    end = text.find("\n[[person]]", start)
    return start, len(text) if end == -1 else end


def with_key(text: str, person_id: str, public: str) -> str:
    """people.toml with `public` listed as one more key of `person_id`."""
    _, end = _person_block(text, person_id)
    addition = f'\n[[person.key]]\npublic = "{public}"\nadded = "2026-11-28"\n'
    return text[:end].rstrip("\n") + "\n" + addition + text[end:]


def key_of(text: str, person_id: str) -> str:
    start, end = _person_block(text, person_id)
    block = text[start:end]
    at = block.index('public = "') + len('public = "')
    return block[at : block.index('"', at)]


def without_keys(text: str, person_id: str) -> str:
    start, end = _person_block(text, person_id)
    block = text[start:end]
    kept = block[: block.index("[[person.key]]")].rstrip("\n") + "\n"
    return text[:start] + kept + text[end:]


def bad_change(root: Path, case: str, tmp_path: Path) -> tuple[str, dict[str, str], str]:
    """(actor, files, expected code) of one bad policy change, from the files at `root`."""
    people = (root / "people.toml").read_text()
    if case == "own-key":
        _, public, _ = create_key("yusuf2", path=tmp_path / "yusuf2_ed25519")
        return "yusuf", {"people.toml": with_key(people, "yusuf", public)}, "admin-own-key"
    if case == "key-reused":
        return (
            "yusuf",
            {"people.toml": with_key(people, "dedi", key_of(people, "maya"))},
            ("key-reused"),
        )
    if case == "key-removed":
        return "yusuf", {"people.toml": without_keys(people, "dedi")}, "key-removed"
    if case == "not-admin":
        _, public, _ = create_key("dedi2", path=tmp_path / "dedi2_ed25519")
        return "maya", {"people.toml": with_key(people, "dedi", public)}, "not-admin"
    if case == "invalid":
        nip = people[people.index('nip = "') + 7 :].split('"', 1)[0]
        return "yusuf", {"people.toml": people.replace(nip, "123", 1)}, "bad-nip"
    if case == "sop-changed":
        sop = (root / SOP_FILE).read_text()
        return "yusuf", {SOP_FILE: sop + "\n# disunting\n"}, "sop-changed"
    raise AssertionError(case)


CASES = ["own-key", "key-reused", "key-removed", "not-admin", "invalid", "sop-changed"]


def commit_by_hand(root: Path, actor: str, files: dict[str, str]) -> str:
    """The change committed with plain git, signed by the actor, with a policy message."""
    with Ledger.open(root) as led:
        person = led.policy().person(actor)
    for rel, text in files.items():
        (root / rel).write_text(text, encoding="utf-8")
    git(root, "add", "--", *files)
    key = signing_key_path(actor)
    subprocess.run(
        ["git", "-c", "gpg.format=ssh", "-c", f"user.signingkey={key}", "-c", "commit.gpgsign=true"]
        + ["commit", "-q", "--no-verify", "-F", "-"],
        cwd=root,
        input=kernel.policy_message("ubah dengan tangan"),
        text=True,
        capture_output=True,
        check=True,
        env=git_env(person.name, person.email, _at()),
    )
    return head_of(root)


@pytest.mark.parametrize("case", CASES)
def test_every_policy_rule_has_one_code_at_record_sync_audit_and_hub(case, tmp_path, demo_path):
    actor, files, code = bad_change(demo_path, case, tmp_path)
    assert code in RULES

    # 1. Through ktpel: refused, nothing written.
    before = head_of(demo_path)
    with Ledger.open(demo_path) as led:
        with pytest.raises(LedgerError) as err:
            led.change_policy(actor, {p: t.encode() for p, t in files.items()}, "uji", at=_at())
    assert err.value.code == code
    assert head_of(demo_path) == before
    assert git(demo_path, "status", "--porcelain").stdout == ""

    # 2. At sync: the change made by hand in one office, while another office moved the hub.
    hub = init_hub(tmp_path / "srv" / "hub.git")
    git(demo_path, "remote", "add", "origin", str(hub))
    with Ledger.open(demo_path) as led:
        sync(led)
    office_a = clone(str(hub), tmp_path / "a")
    office_b = clone(str(hub), tmp_path / "b")
    try:
        commit_by_hand(office_a.root, actor, files)
        from test_sync import advance

        advance(office_b, "2026-0005")
        sync(office_b)
        result = sync(office_a)
        assert [p.code for p in result.parked] == [code]
        assert head_of(office_a.root) == head_of(office_b.root)
    finally:
        office_a.close()
        office_b.close()

    # 3. In the audit, and 4. at a hub with the hook.
    plain_hub = tmp_path / "plain.git"
    git(tmp_path, "init", "-q", "--bare", "-b", "main", str(plain_hub))
    install(plain_hub)
    assert git(demo_path, "push", "-q", str(plain_hub), "main", check=False).returncode == 0
    bad = commit_by_hand(demo_path, actor, files)
    with Ledger.open(demo_path) as led:
        found = audit(led, use_cache=False).findings
    assert code in [f.code for f in found if f.commit == bad]
    pushed = git(demo_path, "push", str(plain_hub), "main", check=False)
    assert pushed.returncode != 0 and f"[{code}]" in pushed.stderr


def test_a_good_policy_change_goes_through_the_kernel_and_audits_clean(demo_path, tmp_path):
    _, public, _ = create_key("dedi2", path=tmp_path / "dedi2_ed25519")
    with Ledger.open(demo_path) as led:
        people = (demo_path / "people.toml").read_text()
        sha = led.change_policy(
            "yusuf", {"people.toml": with_key(people, "dedi", public).encode()}, "kunci baru"
        )
        assert head_of(demo_path) == sha
        assert len(led.policy().person("dedi").keys) == 2
        assert git(demo_path, "log", "-1", "--format=%s").stdout.strip() == "Kebijakan: kunci baru"
        assert audit(led, use_cache=False).ok


def test_authorize_says_why_before_a_form_opens(demo):
    snapshot = demo.snapshot()
    state = snapshot.state("2026-0006")
    step = demo.policy().sop.step(state.step)
    assert kernel.authorize(snapshot, "2026-0006", "advance", step.no, "maya", step.role) is None
    refused = kernel.authorize(snapshot, "2026-0006", "advance", step.no, "dedi", step.role)
    assert refused is not None and refused.code == "wrong-role"
    late = kernel.authorize(snapshot, "2026-0006", "advance", step.no + 1, "maya", step.role)
    assert late is not None and late.code == "wrong-step"


def test_the_kernel_returns_every_file_a_request_step_writes(demo):
    from ledger.request import Event, request_path

    snapshot = demo.snapshot()
    event = Event(
        "advance",
        1,
        FIXED_NOW,
        "maya",
        "kasi",
        {"meeting_date": FIXED_NOW.date(), "minutes_summary": "Rapat"},
    )
    op = kernel.RequestOp("2026-0006", event)
    outcome = kernel.apply(snapshot, op)
    assert set(outcome.files) == {request_path("2026-0006")} == kernel.allowed_paths(op)
    assert outcome.request is not None and outcome.request.step == 2
    assert "Ktpel-Request: 2026-0006" in outcome.message
    assert head_of(demo.root) == snapshot.commit  # pure: nothing was written
