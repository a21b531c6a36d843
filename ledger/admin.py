"""Policy operations by an admin: add a person, add a key, retire a key; propose a change that
needs a second admin, approve, withdraw and list proposals (issue 16, docs/SECURITY.md section 3).

Each is one commit that touches only people.toml, made through the kernel (`kernel.apply`, the
policy rules in `kernel.POLICY_RULES`), so it is judged exactly as sync replay, the audit and the
hub hook judge it. Here only the new people.toml is built from what the admin typed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime

from . import clock, proposals
from .bootstrap import people_text
from .kernel import APPROVING_ROLE
from .keys import normalize
from .policy import PEOPLE_FILE, Key, Person, Policy
from .rules import LedgerError, fail
from .store import Ledger

# What a second person may make good: such a change is proposed instead of refused.
NEEDS_SECOND = frozenset({"second-admin-needed", "admin-own-key"})


@dataclass(frozen=True, slots=True)
class Proposed:
    """A change committed as a proposal (nothing in force yet): its commit and its id."""

    sha: str
    proposal_id: str


def change_people(
    ledger: Ledger,
    admin_id: str,
    change: Callable[[Policy], list[Person]],
    summary: str,
    at: datetime | None,
    propose: bool = False,
) -> str | Proposed:
    """Commit people.toml as `change(policy at HEAD)` lists them; the kernel judges the change.
    With `propose`, a change refused only because it needs a second admin is committed as a
    proposal instead (`Proposed`)."""

    def files(policy: Policy) -> dict[str, bytes]:
        return {PEOPLE_FILE: people_text(change(policy)).encode("utf-8")}

    try:
        return ledger.change_policy(admin_id, files, summary, at=at)
    except LedgerError as exc:
        if not propose or not {v.code for v in exc.violations} <= NEEDS_SECOND:
            raise
    return propose_change(ledger, admin_id, files, summary, at=at)


def propose_change(
    ledger: Ledger,
    admin_id: str,
    files: Callable[[Policy], dict[str, bytes]],
    summary: str,
    *,
    at: datetime | None = None,
) -> Proposed:
    """Commit proposals/<id>.toml holding the new bytes of `files(policy at HEAD)`."""
    made: list[str] = []

    def proposal(policy: Policy) -> dict[str, bytes | None]:
        new = files(policy)
        head = ledger.head()
        bases = {path: proposals.file_hash(ledger.blob(head, path)) for path in new}
        raw = proposals.dumps(admin_id, summary, new, bases)
        parsed = proposals.parse(raw)
        assert parsed is not None
        made.append(parsed.id)
        return {proposals.proposal_path(parsed.id): raw}

    sha = ledger.change_policy(admin_id, proposal, f"usulan: {summary}", at=at)
    return Proposed(sha, made[-1])


def pending(ledger: Ledger, rev: str = "HEAD") -> list[proposals.Proposal]:
    """The proposals waiting at `rev` (oldest id order is not kept: sorted by id)."""
    out = ledger.git("ls-tree", "--name-only", rev, proposals.PROPOSAL_DIR + "/", check=False)
    found = []
    for path in sorted(out.stdout.decode("utf-8", "replace").split("\n")):
        if proposals.is_proposal_path(path):
            parsed = proposals.parse(ledger.blob(rev, path))
            if parsed is not None:
                found.append(parsed)
    return found


def _proposal(ledger: Ledger, proposal_id: str) -> proposals.Proposal:
    wanted = proposal_id.strip().lower()
    matches = [p for p in pending(ledger) if p.id.startswith(wanted)] if wanted else []
    if len(matches) != 1:
        raise fail("proposal-unknown", proposal=proposal_id.strip()[:20])
    return matches[0]


def approve(ledger: Ledger, person_id: str, proposal_id: str, *, at: datetime | None = None) -> str:
    """Commit the proposal's files verbatim and remove it, by `person_id` (the kernel refuses the
    proposer, and anyone but another admin or, with a single admin, the Kepala Dinas)."""
    proposal = _proposal(ledger, proposal_id)
    policy = ledger.policy()
    role = "admin" if policy.person(person_id).holds("admin") else APPROVING_ROLE
    summary = f"setujui usulan {proposal.id}: {proposal.summary}"
    files: dict[str, bytes | None] = {**proposal.files, proposals.proposal_path(proposal.id): None}
    message = proposals.proposal_message(summary, proposal.id, role)
    return ledger.change_policy(person_id, files, summary, at=at, message=message)


def withdraw(ledger: Ledger, admin_id: str, proposal_id: str, *, at: datetime | None = None) -> str:
    """Remove a proposal unapproved (an admin's policy commit)."""
    proposal = _proposal(ledger, proposal_id)
    files: dict[str, bytes | None] = {proposals.proposal_path(proposal.id): None}
    return ledger.change_policy(
        admin_id, files, f"tarik usulan {proposal.id}: {proposal.summary}", at=at
    )


def _key_line(public: str) -> str:
    try:
        return normalize(public)
    except ValueError:
        raise fail("key-invalid", key=public.strip()[:40]) from None


def add_person(
    ledger: Ledger,
    admin_id: str,
    person: Person,
    *,
    at: datetime | None = None,
    propose: bool = False,
) -> str | Proposed:
    """Add a person (with at most a key made by someone else) to people.toml."""

    def change(policy: Policy) -> list[Person]:
        if person.id in policy.people:
            raise fail("person-exists", person=person.id)
        checked = tuple(replace(k, public=_key_line(k.public)) for k in person.keys)
        return [*policy.people.values(), replace(person, keys=checked)]

    summary = f"tambah {person.name} ({person.id})"
    return change_people(ledger, admin_id, change, summary, at, propose)


def add_key(
    ledger: Ledger,
    admin_id: str,
    person_id: str,
    public: str,
    *,
    at: datetime | None = None,
    propose: bool = False,
) -> str | Proposed:
    """Register `public` as a key of `person_id`. Refused for the admin's own keys."""
    today = clock.to_wib(at or clock.now()).date().isoformat()

    def change(policy: Policy) -> list[Person]:
        person = policy.person(person_id)
        line = _key_line(public)
        return [
            replace(p, keys=(*p.keys, Key(line, added=today))) if p.id == person.id else p
            for p in policy.people.values()
        ]

    return change_people(ledger, admin_id, change, f"tambah kunci {person_id}", at, propose)


def retire_key(
    ledger: Ledger, admin_id: str, person_id: str, key: str, *, at: datetime | None = None
) -> str:
    """Retire one of `person_id`'s active keys (given as its public line or its base64 part)."""
    today = clock.to_wib(at or clock.now()).date().isoformat()
    wanted = key.split()[1] if len(key.split()) > 1 else key.strip()

    def change(policy: Policy) -> list[Person]:
        person = policy.person(person_id)
        matches = [
            k
            for k in person.keys
            if k.active and len(k.public.split()) > 1 and k.public.split()[1] == wanted
        ]
        if not matches:
            raise fail("key-unknown", person=person.name, key=wanted[:40])
        keys = tuple(replace(k, retired=today) if k in matches else k for k in person.keys)
        return [replace(p, keys=keys) if p.id == person.id else p for p in policy.people.values()]

    return change_people(ledger, admin_id, change, f"pensiunkan kunci {person_id}", at)
