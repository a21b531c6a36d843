"""The second admin's approval (issue 16, governance): a change one admin may not make alone is
committed as a proposal, and takes effect only when another authorised person approves it.

Real git, real signatures, the demo ledger (one admin, Yusuf; the Kepala Dinas, Hendra, approves).
"""

from __future__ import annotations

from pathlib import Path

import pytest
import test_sync as ts
from conftest import head_of
from test_attacks import (  # noqa: F401 - fixtures
    error_codes_at,
    hub,
    offices,
    push_refused,
    run_cli,
)
from test_audit import _at, commit_raw, git

from ledger.admin import Proposed, add_person, approve, pending, withdraw
from ledger.keys import create_key
from ledger.policy import Key, Person
from ledger.rules import LedgerError
from ledger.store import Ledger, signing_key_path
from ledger.sync import sync


def codes(exc: pytest.ExceptionInfo[LedgerError]) -> list[str]:
    return [v.code for v in exc.value.violations]


def second_admin(tmp_path: Path) -> Person:
    _, public, _ = create_key("rina")  # her own key on this machine: she signs later
    return Person(
        "rina",
        "Rina Marlina, S.Kom",
        "199203042018032001",
        "rina@dp3acskb.babelprov.go.id",
        "prov",
        ("admin",),
        (Key(public, added="2026-11-28"),),
    )


def propose_rina(root: Path, tmp_path: Path) -> Proposed:
    with Ledger.open(root) as led:
        made = add_person(led, "yusuf", second_admin(tmp_path), at=_at(), propose=True)
        assert isinstance(made, Proposed)
        assert "rina" not in led.policy().people  # nothing in force yet
        return made


def test_one_admin_proposes_a_second_admin_and_the_kadis_approves(demo_path, hub, tmp_path):  # noqa: F811
    made = propose_rina(demo_path, tmp_path)
    with Ledger.open(demo_path) as led:
        assert [p.id for p in pending(led)] == [made.proposal_id]
        head = led.head()
        with pytest.raises(LedgerError) as exc:
            approve(led, "yusuf", made.proposal_id, at=_at())
        assert codes(exc) == ["approval-own"]
        with pytest.raises(LedgerError) as exc:
            approve(led, "maya", made.proposal_id, at=_at())
        assert codes(exc) == ["approver-not-allowed"]
        assert led.head() == head
        sha = approve(led, "hendra", made.proposal_id, at=_at())
        policy = led.policy()
        assert policy.person("rina").holds("admin")
        assert pending(led) == []
        message = git(demo_path, "log", "-1", "--format=%B", sha).stdout
        assert f"Ktpel-Proposal: {made.proposal_id}" in message
    assert error_codes_at(demo_path, made.sha) == []
    assert error_codes_at(demo_path, sha) == []
    assert git(demo_path, "push", str(hub), "main", check=False).returncode == 0
    # With two admins, the Kepala Dinas no longer approves: the other admin does.
    made = propose_rina_key_for_yusuf(demo_path, tmp_path)
    with Ledger.open(demo_path) as led:
        with pytest.raises(LedgerError) as exc:
            approve(led, "hendra", made.proposal_id, at=_at())
        assert codes(exc) == ["approver-not-allowed"]
        approve(led, "rina", made.proposal_id, at=_at())
        assert len([k for k in led.policy().person("yusuf").keys if k.active]) == 2


def propose_rina_key_for_yusuf(root: Path, tmp_path: Path) -> Proposed:
    from ledger.admin import add_key

    _, public, _ = create_key("yusuf-2", path=tmp_path / "yusuf2_ed25519")
    with Ledger.open(root) as led:
        made = add_key(led, "yusuf", "yusuf", public, at=_at(), propose=True)
        assert isinstance(made, Proposed)
        return made


def test_forged_approvals_are_refused_by_the_hub_and_reported_by_the_audit(
    demo_path,
    hub,  # noqa: F811
    tmp_path,
):
    made = propose_rina(demo_path, tmp_path)
    assert git(demo_path, "push", "-q", str(hub), "main", check=False).returncode == 0
    with Ledger.open(demo_path) as led:
        proposal = pending(led)[0]
        hendra, yusuf = led.policy().person("hendra"), led.policy().person("yusuf")
    path = f"proposals/{proposal.id}.toml"
    wanted = proposal.files["people.toml"].decode("utf-8")
    message = (
        f"Kebijakan: setujui usulan {proposal.id}\n\nKtpel-Action: policy\nKtpel-Role: kadis\n"
        f"Ktpel-Proposal: {proposal.id}\n"
    )
    start = head_of(demo_path)
    # Files that differ from the proposal (rina made admin and kabid), signed by the Kepala Dinas.
    git(demo_path, "rm", "-q", path)
    bent = wanted.replace('"admin",', '"admin",\n    "kabid",', 1)
    assert bent != wanted
    sha = commit_raw(
        demo_path, {"people.toml": bent}, message, hendra, signing_key_path("hendra"), _at()
    )
    assert "approval-mismatch" in error_codes_at(demo_path, sha)
    assert "[approval-mismatch]" in push_refused(demo_path, hub)
    # The exact files, signed by the proposer himself.
    git(demo_path, "reset", "-q", "--hard", start)
    git(demo_path, "rm", "-q", path)
    sha = commit_raw(
        demo_path, {"people.toml": wanted}, message, yusuf, signing_key_path("yusuf"), _at()
    )
    assert "approval-own" in error_codes_at(demo_path, sha)
    assert "[approval-own]" in push_refused(demo_path, hub)
    assert made.sha == start


def test_the_cli_proposes_lists_and_withdraws(demo_path, tmp_path):
    rina = second_admin(tmp_path)
    at = ["--lang", "en"]
    code, out, err = run_cli(
        demo_path,
        *at,
        "--as",
        "yusuf",
        "people-add",
        "rina",
        "--name",
        rina.name,
        "--nip",
        rina.nip,
        "--email",
        rina.email,
        "--office",
        "prov",
        "--role",
        "admin",
    )
    assert code == 0, err
    assert "needs a second admin" in out
    with Ledger.open(demo_path) as led:
        (proposal,) = pending(led)
    code, out, _ = run_cli(demo_path, *at, "approve", "--list")
    assert code == 0 and proposal.id in out and "Rina" in out
    code, out, err = run_cli(demo_path, *at, "--as", "yusuf", "approve", proposal.id)
    assert code != 0 and "approval-own" in err
    code, out, err = run_cli(demo_path, *at, "--as", "yusuf", "approve", "--withdraw", proposal.id)
    assert code == 0, err
    code, out, err = run_cli(demo_path, *at, "--as", "hendra", "approve", proposal.id)
    assert code != 0 and "proposal-unknown" in err
    with Ledger.open(demo_path) as led:
        assert pending(led) == [] and "rina" not in led.policy().people
        with pytest.raises(LedgerError):
            withdraw(led, "yusuf", proposal.id, at=_at())


def test_sync_replays_a_proposal_and_its_approval_and_parks_an_own_approval(offices, tmp_path):  # noqa: F811
    hub_path, make = offices
    a, b = make("a"), make("b")
    made = add_person(b, "yusuf", second_admin(tmp_path), at=_at(), propose=True)
    assert isinstance(made, Proposed)
    approve(b, "hendra", made.proposal_id, at=_at())
    ts.advance(a, "2026-0005")
    sync(a)
    result = sync(b)  # replayed on top of a's step, each judged by the kernel again
    assert result.parked == []
    assert b.policy().person("rina").holds("admin") and pending(b) == []
    sync(a)
    assert a.policy().person("rina").holds("admin")
    # An approval by the proposer himself, made with plain git in a clone, is parked, not signed.
    made = propose_rina_key_for_yusuf(b.root, tmp_path)
    path = f"proposals/{made.proposal_id}.toml"
    (proposal,) = pending(b)
    git(b.root, "rm", "-q", path)
    own = commit_raw(
        b.root,
        {"people.toml": proposal.files["people.toml"].decode("utf-8")},
        f"Kebijakan: setujui\n\nKtpel-Action: policy\nKtpel-Role: admin\n"
        f"Ktpel-Proposal: {made.proposal_id}\n",
        b.policy().person("yusuf"),
        signing_key_path("yusuf"),
        _at(),
    )
    ts.advance(a, "2026-0005")
    sync(a)
    result = sync(b)
    assert [p.code for p in result.parked if own[:12] in p.name] == ["approval-own"], result.parked
    assert len([k for k in b.policy().person("yusuf").keys if k.active]) == 1


def test_an_approval_of_a_proposal_overtaken_by_another_change_is_refused(demo_path, tmp_path):
    made = propose_rina(demo_path, tmp_path)
    clerk = Person(
        "tono",
        "Tono Sugiarto",
        "199105052019031002",
        "tono@dp3acskb.babelprov.go.id",
        "prov",
        ("pelaksana",),
    )
    with Ledger.open(demo_path) as led:
        add_person(led, "yusuf", clerk, at=_at())
        head = led.head()
        with pytest.raises(LedgerError) as exc:
            approve(led, "hendra", made.proposal_id, at=_at())
        assert codes(exc) == ["proposal-stale"]  # approving it would drop Tono again
        assert led.head() == head and "tono" in led.policy().people
