"""The kernel: what governs a commit, and the one function that applies an operation to it.

A `Snapshot` is everything that decides whether an operation is allowed: the policy (settings,
people and keys, the SOP) and the request states, all as they stand at the *parent* of the
commit being made or checked, so no commit can authorise itself. `apply(snapshot, operation)`
returns the files the commit writes and its message, or raises `LedgerError` with every
violation. Recording (CLI, TUI, admin verbs), sync replay, `parked retry`, the audit and the
hub hook all go through it; the callers only move bytes and walk history.

A rule of a policy change is a function in `POLICY_RULES`; a rule every operation must obey
goes into `OPERATION_RULES`. Each takes a `Change` and yields `Violation`s, so a new rule is
one function added to one list, checked at record time, at sync replay and in the audit alike.
Request rules (who may act, step order, fields, quantities) live in `request.apply`.
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass

from .evidence import content_violations
from .keys import KeyOwner, registry
from .policy import (
    PEOPLE_FILE,
    SETTINGS_FILE,
    SOP_DIR,
    Policy,
    Settings,
    parse_people,
    parse_settings,
    sop_path,
)
from .proposals import PROPOSAL_TRAILER, Proposal, file_hash, is_proposal_path
from .proposals import parse as parse_proposal
from .request import REQUEST_FILE_RE, Event, LetterLookup, RequestState, empty, request_path
from .request import apply as apply_event_checked
from .requestfile import dumps
from .rules import LedgerError, Violation, fail, reason
from .sop import Sop, Step, parse_sop
from .sshsig import public_blob
from .textsafe import free_text_problems, identifier_problems, identity_key
from .trailers import FORMAT_ACTION, POLICY_ACTION, commit_message
from .treecheck import REGULAR, TreeEntry, check_tree

FileReader = Callable[[str], bytes | None]
StateReader = Callable[[str], RequestState | None]


def is_policy_path(path: str) -> bool:
    """Whether a path is one of the policy files (ledger.toml, people.toml, sop/<id>.toml) or a
    proposal of a policy change (proposals/<id>.toml, committed and judged as policy commits)."""
    return (
        path in (SETTINGS_FILE, PEOPLE_FILE)
        or path.startswith(SOP_DIR + "/")
        or is_proposal_path(path)
    )


# --- the one loader of policy files -----------------------------------------------------------


class PolicyLoader:
    """Builds a `Policy` from the policy files of a commit, parsing each distinct content once.

    `load(read)` takes a reader of files at one commit (`read(path) -> bytes | None`). The key it
    returns is equal for equal policy files, so callers can remember what they derived from it.
    """

    def __init__(self) -> None:
        self._settings: dict[bytes, Settings] = {}
        self._sops: dict[bytes, Sop] = {}
        self._policies: dict[str, Policy] = {}

    def load(self, read: FileReader) -> tuple[str, Policy]:
        settings_raw = read(SETTINGS_FILE)
        if settings_raw is None:
            raise fail(
                "settings-invalid",
                path=SETTINGS_FILE,
                reason=reason("why-file-missing", path=SETTINGS_FILE),
            )
        settings = self._settings.get(settings_raw)
        if settings is None:
            settings = parse_settings(_text(settings_raw, "settings-invalid", SETTINGS_FILE))
            self._settings = _bounded(self._settings)
            self._settings[settings_raw] = settings
        sop_raws: dict[str, bytes] = {}
        for sop_id in settings.sops:
            path = sop_path(sop_id)
            raw = read(path)
            if raw is None:
                raise fail("sop-invalid", path=path, reason=reason("why-file-missing", path=path))
            sop_raws[sop_id] = raw
        people_raw = read(PEOPLE_FILE) or b""
        key = hashlib.sha1(
            b"\0".join(
                hashlib.sha1(x).digest() for x in (settings_raw, people_raw, *sop_raws.values())
            )
        ).hexdigest()
        policy = self._policies.get(key)
        if policy is None:
            sops = {sop_id: self._sop(sop_id, raw) for sop_id, raw in sop_raws.items()}
            sop = sops[settings.sop]
            # People's roles are those of the SOP new requests get.
            people = parse_people(_text(people_raw, "people-invalid", PEOPLE_FILE), settings, sop)
            policy = Policy(settings=settings, people=people, sop=sop, sops=sops)
            self._policies = _bounded(self._policies)
            self._policies[key] = policy
        return key, policy

    def _sop(self, sop_id: str, raw: bytes) -> Sop:
        sop = self._sops.get(raw)
        if sop is None:
            path = sop_path(sop_id)
            sop = parse_sop(_text(raw, "sop-invalid", path), path)
            if sop.id != sop_id:
                raise fail(
                    "sop-invalid", path=path, reason=reason("why-sop-id", sop=sop.id, path=path)
                )
            self._sops = _bounded(self._sops)
            self._sops[raw] = sop
        return sop


def _text(raw: bytes, code: str, path: str) -> str:
    """A policy file's text, or the file's own finding when it is not UTF-8 (never a crash)."""
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise fail(code, path=path, reason=f"not UTF-8 (byte {exc.start})") from None


def _bounded(memo: dict) -> dict:
    return {} if len(memo) > 16 else memo


# --- what governs a commit ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything that governs a commit made on top of `commit` (its parent).

    `read` gives a file's bytes at the parent; `state` a request's state there (None when the
    request has no file); `letters` who uses a (normalised) letter number; `seen_keys` every key
    blob ever registered up to the parent (by default: the parent's people.toml, which never
    drops a key). The settings, for due dates and calendars, are `policy.settings`.
    """

    commit: str | None
    policy: Policy
    policy_key: str
    read: FileReader
    state: StateReader
    letters: LetterLookup | None = None
    seen_keys: frozenset[bytes] | None = None
    # Whether a path is in the parent's tree, without reading the file (an evidence file may not
    # be on this machine in a lean clone, and reading it would fetch it). Default: `read`.
    has: Callable[[str], bool] | None = None
    # Every path under requests/ in the parent's tree (a format migration moves them all).
    request_files: Callable[[], Iterable[str]] | None = None

    def stored(self, path: str) -> bool:
        return self.has(path) if self.has is not None else self.read(path) is not None

    @property
    def settings(self) -> Settings:
        return self.policy.settings

    def known_keys(self) -> frozenset[bytes]:
        if self.seen_keys is not None:
            return self.seen_keys
        return frozenset(registry(self.policy))


# --- operations --------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RequestOp:
    """One event on one request (a 'create' opens it).

    `evidence`: the bytes of the files the event attaches, by SHA-256, when recording (or
    replaying); the outcome then writes those not stored yet. None when the commit already exists
    (the audit): its evidence files are checked in the tree by `evidence.check_commit`.
    """

    request_id: str
    event: Event
    evidence: Mapping[str, bytes] | None = None


@dataclass(frozen=True, slots=True)
class PolicyOp:
    """A change of policy files (path -> new bytes, None deletes) by the person `by`.

    `by` None: the actor is not established (an audited commit whose signature failed; that is
    its own finding), so rules about who acts are not judged. `message` is the commit's own
    message when one is replayed or audited; a new change gets one from `summary`.
    """

    by: str | None
    files: Mapping[str, bytes | None]
    summary: str = ""
    message: str | None = None


@dataclass(frozen=True, slots=True)
class FormatOp:
    """Move the ledger to another request-file layout (`ktpel migrate-format`): ledger.toml's
    `format` and `layout` lines change and every request file moves to its path under the new
    layout, its bytes untouched. Nothing else. `by` None: the actor is not established (an
    audited commit whose signature failed; its own finding)."""

    by: str | None
    layout: str
    message: str | None = None


Operation = RequestOp | PolicyOp | FormatOp


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a commit of the operation holds: every file it writes (path -> bytes, None deletes),
    its message, the person it is authored by, and the state it leaves."""

    files: Mapping[str, bytes | None]
    message: str
    author: str
    request: RequestState | None = None  # for a request operation
    policy: Policy | None = None  # the policy after a policy change
    policy_key: str | None = None
    # A format migration's renames (old path -> new path, the same blob): kept apart from
    # `files` so that 20,000 request files are moved, not read and written again.
    moves: Mapping[str, str] | None = None


@dataclass(frozen=True, slots=True)
class Change:
    """What a rule looks at: the snapshot before, the operation, and what it leaves.

    `after` is the policy after the operation, None when the new policy files do not parse (the
    parse's violations are reported besides); `after_keys` lists every key of the new
    people.toml as (key blob, person id, retired), read even from a file that does not parse, so
    the key rules judge every change the same way."""

    before: Snapshot
    op: Operation
    after: Policy | None
    after_keys: tuple[tuple[bytes, str, str], ...] = ()
    # The tree entries the commit writes (mode, type, path, size): from the files at record time,
    # from git's own tree in the audit walker (which alone sees modes and symlinks).
    entries: tuple[TreeEntry, ...] = ()


Rule = Callable[[Change], Iterable[Violation]]


def policy_message(summary: str) -> str:
    return f"Kebijakan: {summary}\n\nKtpel-Action: {POLICY_ACTION}\nKtpel-Role: admin\n"


def allowed_paths(op: Operation, layout: str = "flat") -> frozenset[str]:
    """The paths a commit of this operation may touch (the audit's 'one operation per commit'),
    under the parent's `layout`."""
    if isinstance(op, FormatOp):
        raise TypeError("a format migration touches the paths of its outcome's `moves`")
    if isinstance(op, RequestOp):
        # The request file and exactly the evidence files its event names (those already stored
        # are not written again, so a commit may touch fewer).
        named = {a.path for a in op.event.attachments}
        return frozenset({request_path(op.request_id, layout), *named})
    return frozenset(op.files)


# --- policy rules -------------------------------------------------------------------------------


def _name(change: Change, person_id: str) -> str:
    for policy in (change.after, change.before.policy):
        if policy is not None and person_id in policy.people:
            return policy.people[person_id].name
    return person_id


def keys_listed(people: bytes | None) -> tuple[tuple[bytes, str, str], ...]:
    """(key blob, person id, retired) of every key in a people.toml, even one that does not
    otherwise parse (unreadable entries are left out: the parse reports them)."""
    try:
        raw = tomllib.loads((people or b"").decode("utf-8"))
    except (ValueError, RecursionError):  # not UTF-8, not TOML, 4,300+ digits, too deep
        return ()
    out = []
    persons = raw.get("person", [])
    for item in persons if isinstance(persons, list) else []:
        keys = item.get("key", []) if isinstance(item, dict) else []
        for key in keys if isinstance(keys, list) else []:
            blob = public_blob(str(key.get("public", ""))) if isinstance(key, dict) else None
            if blob is not None:
                out.append((blob, str(item.get("id", "")), str(key.get("retired", ""))))
    return tuple(out)


def _actor_is_admin(change: Change) -> bool:
    op = change.op
    assert isinstance(op, PolicyOp | FormatOp)
    person = change.before.policy.people.get(op.by or "")
    return person is not None and person.holds("admin")


def _added_keys(change: Change) -> list[tuple[bytes, str]]:
    """(blob, person) listings the change adds: those not in the parent's people.toml."""
    before = Counter((blob, owner.person) for blob, owner in _registry(change.before).items())
    added = []
    for blob, person, _ in change.after_keys:
        if before[(blob, person)]:
            before[(blob, person)] -= 1
        else:
            added.append((blob, person))
    return added


def _registry(snapshot: Snapshot) -> dict[bytes, KeyOwner]:
    return registry(snapshot.policy)


def admin_only(change: Change) -> Iterator[Violation]:
    """Only an admin (in the parent's people.toml) changes policy files; an approval of a
    proposal is judged by `proposals_kept` (in a one-admin ledger the Kepala Dinas approves)."""
    op = change.op
    if _approval_of(change) is not None:
        return
    if isinstance(op, PolicyOp | FormatOp) and op.by is not None and not _actor_is_admin(change):
        yield Violation("not-admin", {"name": _name(change, op.by)})


def no_own_key(change: Change) -> Iterator[Violation]:
    """An admin never adds a key for themselves (another admin vouches for it)."""
    op = change.op
    if not isinstance(op, PolicyOp) or op.by is None or not _actor_is_admin(change):
        return
    if _approval_of(change) is not None:
        return  # an approval: `proposals_kept` judges it (another person proposed it)
    if any(person == op.by for _, person in _added_keys(change)):
        yield Violation("admin-own-key", {"name": _name(change, op.by)})


def keys_never_reused(change: Change) -> Iterator[Violation]:
    """A key once registered (for anyone) is never registered again, for anyone."""
    known = change.before.known_keys() | frozenset(_registry(change.before))
    fresh: set[bytes] = set()
    for blob, person in _added_keys(change):
        if blob in known or blob in fresh:
            yield Violation("key-reused", {"person": _name(change, person)})
        fresh.add(blob)


def keys_never_removed(change: Change) -> Iterator[Violation]:
    """A key stays listed under its person for good; it may only be retired (once)."""
    if not isinstance(change.op, PolicyOp) or PEOPLE_FILE not in change.op.files:
        return
    after = {(blob, person): retired for blob, person, retired in change.after_keys}
    for blob, owner in _registry(change.before).items():
        retired = after.get((blob, owner.person))
        if retired is None or (owner.retired and retired != owner.retired):
            yield Violation("key-removed", {"person": _name(change, owner.person)})


def sop_files_immutable(change: Change) -> Iterator[Violation]:
    """A committed sop/<id>.toml never changes (a revision is a new id, as keys are)."""
    op = change.op
    if not isinstance(op, PolicyOp):
        return
    for path, data in sorted(op.files.items()):
        if path.startswith(SOP_DIR + "/"):
            before = change.before.read(path)
            if before is not None and data != before:
                yield Violation("sop-changed", {"path": path}, path=path)


def layout_kept(change: Change) -> Iterator[Violation]:
    """The `layout` setting is chosen when a ledger is made (`ktpel init --layout`); a policy
    commit that flips it would leave every request file at the wrong path. The one commit that
    may change it is a format migration (`FormatOp`), which moves every file with it."""
    if change.after is None or not isinstance(change.op, PolicyOp):
        return
    before, after = change.before.policy.settings.layout, change.after.settings.layout
    if before != after:
        yield Violation(
            "layout-changed",
            {"what": reason("why-layout-by-policy", before=before, after=after)},
            path=SETTINGS_FILE,
        )


def sops_retained(change: Change) -> Iterator[Violation]:
    """Every SOP revision recorded stays listed in ledger.toml's `sops` (requests follow it)."""
    if change.after is None:
        return
    for sop_id in change.before.policy.settings.sops:
        if sop_id not in change.after.settings.sops:
            yield Violation("sop-dropped", {"sop": sop_id}, path=SETTINGS_FILE)


# --- the tree is plain (issue 16; ledger/treecheck.py has the caps and why) ----------------------

# Problems that make a path not the request file it looks like (so no reader should take it as one).
NOT_A_FILE = frozenset(
    {"tree-symlink", "tree-gitlink", "tree-id-path", "tree-digits", "tree-id-long", "tree-size"}
)


def tree_problems(entries: Iterable[TreeEntry]) -> list[Violation]:
    """What the format forbids in the entries a commit adds or changes (`check_tree`,
    whole=False). A path outside the layout is the caller's own finding (`foreign-file`, the
    evidence checks), so `tree-path` is left out here."""
    return [v for v in check_tree(entries, whole=False) if v.code != "tree-path"]


def written_entries(files: Mapping[str, bytes | None]) -> tuple[TreeEntry, ...]:
    """The tree entries a commit writing `files` makes: ktpel writes regular files only."""
    return tuple(
        TreeEntry(REGULAR, "blob", path, len(data))
        for path, data in sorted(files.items())
        if data is not None
    )


def plain_tree(change: Change) -> Iterator[Violation]:
    """Only regular files, at request paths whose id and year agree, ASCII digits, bounded id
    length and size (record, replay and policy changes; the walker checks git's own tree)."""
    yield from tree_problems(change.entries)


# --- text cannot lie (issue 16; ledger/textsafe.py) ---------------------------------------------


def _is_identifier(f) -> bool:
    return f.type == "letter_number" or f.name.endswith("letter_number")


def event_text(change: Change) -> Iterator[Violation]:
    """A recorded event's text: identifiers (letter numbers) NFKC-clean, with no invisible,
    bidi-control, control, foreign-digit or mixed-script character; free text (text fields,
    the note, an on-behalf reason) with no control or bidi character and something visible."""
    op = change.op
    if not isinstance(op, RequestOp):
        return
    event = op.event
    policy = change.after or change.before.policy
    fields = {}
    if policy.sop.has_step(event.step):
        fields = {f.name: f for f in policy.sop.step(event.step).fields_for(event.action)}
    for name, value in event.data.items():
        if not isinstance(value, str) or value == "":
            continue
        f = fields.get(name)
        label = f.label if f is not None else name
        if f is not None and _is_identifier(f):
            found = identifier_problems(value, label)
        else:
            found = free_text_problems(value, label)
        yield from (Violation(v.code, v.params, field=name) for v in found)
    texts = [("note", event.note)]
    if event.on_behalf is not None:
        texts += [("on_behalf.reason", event.on_behalf.reason)]
    for name, value in texts:
        if value:
            yield from (
                Violation(v.code, v.params, field=name) for v in free_text_problems(value, name)
            )


# --- governance one admin cannot bend (issue 16) -------------------------------------------------


def second_admin_needed(change: Change) -> Iterator[Violation]:
    """A policy change one admin may not make alone: giving themselves a role, making any new
    admin account (a second account is a way round `admin-own-key`), leaving no admin, or turning
    `signatures_required` off. A role for the signer can be granted by another admin; the rest
    needs a second person: one admin proposes it (proposals/<id>.toml) and another approves it
    (`proposals_kept`; docs/SECURITY.md section 3)."""
    op = change.op
    after = change.after
    if not isinstance(op, PolicyOp) or op.by is None or after is None:
        return
    if not _actor_is_admin(change) or _approval_of(change) is not None:
        return  # `not-admin` says it; an approval is the second admin (`proposals_kept` judges it)
    before = change.before.policy
    name = _name(change, op.by)
    mine_before = before.people[op.by].roles
    mine_after = after.people[op.by].roles if op.by in after.people else ()
    for role in sorted(set(mine_after) - set(mine_before)):
        yield Violation("second-admin-needed", {"name": name, "what": f"role {role} for {name}"})
    was_admin = {pid for pid, p in before.people.items() if p.holds("admin")}
    admins = {pid for pid, p in after.people.items() if p.holds("admin")}
    for pid in sorted(admins - was_admin - {op.by}):
        what = f"new admin {after.people[pid].name}"
        yield Violation("second-admin-needed", {"name": name, "what": what})
    if was_admin and not admins:
        yield Violation("second-admin-needed", {"name": name, "what": "no admin left"})
    if before.settings.signatures_required and not after.settings.signatures_required:
        what = "signatures_required = false"
        yield Violation("second-admin-needed", {"name": name, "what": what})


def people_distinct(change: Change) -> Iterator[Violation]:
    """Names and emails unique across people after normalisation (`textsafe.identity_key`: NFKC,
    invisible characters dropped, case folded), and a new or changed person's id, NIP and email
    fit identifiers, their name fit free text. What the parent already held is not judged again
    (history written before this rule stays valid)."""
    after = change.after
    if not isinstance(change.op, PolicyOp) or after is None:
        return
    before = change.before.policy.people
    seen: dict[tuple[str, str], str] = {}
    for pid, person in after.people.items():
        changed = before.get(pid) != person
        for what, value in (("name", person.name), ("email", person.email)):
            key = (what, identity_key(value))
            other = seen.setdefault(key, pid)
            if other != pid and (changed or before.get(other) != after.people[other]):
                twin = after.people[other].name
                yield Violation("person-twin", {"person": person.name, "other": twin, "what": what})
        if not changed:
            continue
        for label, value in (("id", pid), ("NIP", person.nip), ("email", person.email)):
            yield from identifier_problems(value, f"{label} {pid}")
        yield from free_text_problems(person.name, f"name {pid}")


# --- proposals: the second admin's approval (issue 16; ledger/proposals.py) ---------------------

# In a ledger with one admin, the holder of this role approves (the head of the office, who
# signs for it; docs/SECURITY.md section 3).
APPROVING_ROLE = "kadis"


def _proposal_paths(op: PolicyOp) -> tuple[list[str], list[str]]:
    """(proposal paths written, proposal paths removed) by the operation."""
    added = sorted(p for p, data in op.files.items() if is_proposal_path(p) and data is not None)
    removed = sorted(p for p, data in op.files.items() if is_proposal_path(p) and data is None)
    return added, removed


def _approval_of(change: Change) -> Proposal | None:
    """The proposal an operation approves (it removes one proposal and writes policy files),
    whether or not the approval holds; None for any other operation."""
    op = change.op
    if not isinstance(op, PolicyOp):
        return None
    added, removed = _proposal_paths(op)
    policy = [p for p in op.files if not is_proposal_path(p)]
    if added or len(removed) != 1 or not policy:
        return None
    return parse_proposal(change.before.read(removed[0]))


def may_approve(policy: Policy, proposer: str, person_id: str) -> bool:
    """Whether `person_id` may approve `proposer`'s proposal under `policy`: another admin, or,
    when `policy` has a single admin, the holder of the approving role (Kepala Dinas)."""
    person = policy.people.get(person_id)
    if person is None or person_id == proposer:
        return False
    admins = [pid for pid, p in policy.people.items() if p.holds("admin")]
    return person.holds("admin") or (len(admins) <= 1 and person.holds(APPROVING_ROLE))


def _approval_problems(change: Change, proposal: Proposal) -> list[Violation]:
    op = change.op
    assert isinstance(op, PolicyOp)
    written = {p: d for p, d in op.files.items() if not is_proposal_path(p)}
    problems = []
    if written != dict(proposal.files) or (
        op.message is not None and _trailer(op.message, PROPOSAL_TRAILER) != proposal.id
    ):
        problems.append(Violation("approval-mismatch", {"proposal": proposal.id}))
    stale = [
        p for p in sorted(proposal.files) if proposal.bases[p] != file_hash(change.before.read(p))
    ]
    if stale:
        problems.append(Violation("proposal-stale", {"proposal": proposal.id, "path": stale[0]}))
    if op.by is not None:
        if op.by == proposal.by:
            problems.append(Violation("approval-own", {"name": _name(change, op.by)}))
        elif not may_approve(change.before.policy, proposal.by, op.by):
            problems.append(Violation("approver-not-allowed", {"name": _name(change, op.by)}))
    return problems


def _trailer(message: str, key: str) -> str | None:
    values = [
        line.partition(":")[2].strip()
        for line in trailer_block(message)
        if line.partition(":")[0] == key
    ]
    return values[0] if len(values) == 1 else None


def proposals_kept(change: Change) -> Iterator[Violation]:
    """A commit touching proposals/ does exactly one of: add one proposal (by its proposer, an
    admin, writing no policy file), withdraw one (remove it, nothing else), or approve one
    (remove it and write exactly its files, by another admin or, with one admin, the Kepala
    Dinas, while every file still is as it was proposed)."""
    op = change.op
    if not isinstance(op, PolicyOp):
        return
    added, removed = _proposal_paths(op)
    if not added and not removed:
        return
    policy = [p for p in op.files if not is_proposal_path(p)]
    if added:
        path = added[0]
        proposal = parse_proposal(op.files[path])
        if (
            len(added) > 1
            or removed
            or policy
            or change.before.read(path) is not None
            or proposal is None
            or path != f"proposals/{proposal.id}.toml"
            or (op.by is not None and proposal.by != op.by)
            or not all(is_policy_path(p) and not is_proposal_path(p) for p in proposal.files)
        ):
            yield Violation("proposal-invalid", {"path": path}, path=path)
        return
    if len(removed) > 1:
        yield Violation("proposal-invalid", {"path": removed[1]}, path=removed[1])
        return
    if not policy:
        return  # a withdrawal (by an admin: `admin_only`)
    proposal = _approval_of(change)
    if proposal is None:
        yield Violation("proposal-invalid", {"path": removed[0]}, path=removed[0])
        return
    yield from _approval_problems(change, proposal)


POLICY_RULES: list[Rule] = [
    admin_only,
    no_own_key,
    keys_never_reused,
    keys_never_removed,
    sop_files_immutable,
    sops_retained,
    layout_kept,
    second_admin_needed,
    people_distinct,
    proposals_kept,
]
# Rules every operation obeys (tree shape, sizes, ...): add them here, not in a caller.
OPERATION_RULES: list[Rule] = [plain_tree, event_text]


# --- what the commit object itself must hold (issue 16) -----------------------------------------
# Checked for every commit by the audit walker (so by the hub's hook too); what ktpel writes holds
# them by construction. Each is a function of raw bytes that never raises.

# Commit times a ledger can hold: after 2000 and before 2100 (the SOP is from 2020; a date of
# year 11476 or an offset of +9959 is a forgery, and crashed readers before).
TIME_MIN, TIME_MAX = 946_684_800, 4_102_444_800
WIB_OFFSET = b"+0700"
_PERSON_RE = re.compile(rb"^(.*) <([^<>\n]*)> (-?[0-9]{1,15}) ([+-][0-9]{4})$", re.S)


def person_header(value: bytes | None) -> tuple[bytes, bytes, int, bytes] | None:
    """(name, email, unix time, offset) of an author/committer header; None when malformed."""
    match = _PERSON_RE.match(value or b"")
    if not match:
        return None
    return match.group(1), match.group(2), int(match.group(3)), match.group(4)


def commit_header_problems(author: bytes | None, committer: bytes | None) -> list[Violation]:
    """The commit's author and committer: well formed, the same person, dates within
    `TIME_MIN`..`TIME_MAX`, offset WIB (+0700). A replayed commit keeps its author's date and
    gets a later committer date, so the dates may differ; the persons may not."""
    problems: list[Violation] = []
    parsed = {}
    for what, value in (("author", author), ("committer", committer)):
        person = person_header(value)
        shown = (value or b"").decode("utf-8", "replace")[-40:]
        if person is None:
            problems.append(Violation("time-invalid", {"what": what, "value": shown}))
            continue
        parsed[what] = person
        if not TIME_MIN <= person[2] < TIME_MAX or person[3] != WIB_OFFSET:
            value_text = f"{person[2]} {person[3].decode('ascii')}"
            problems.append(Violation("time-invalid", {"what": what, "value": value_text}))
    if len(parsed) == 2 and parsed["author"][:2] != parsed["committer"][:2]:
        names = [b"%s <%s>" % parsed[w][:2] for w in ("committer", "author")]
        committer_text, author_text = (n.decode("utf-8", "replace") for n in names)
        problems.append(
            Violation("committer-not-author", {"committer": committer_text, "author": author_text})
        )
    return problems


def trailer_block(message: str) -> list[str]:
    """The last paragraph of a message, line by line, exactly as written (split on newlines
    only: `str.splitlines` would also split on the control bytes a forger puts in)."""
    paragraphs = [p for p in message.strip("\n").split("\n\n") if p.strip()]
    return paragraphs[-1].split("\n") if paragraphs else []


def message_problems(expected: str, actual: str) -> list[Violation]:
    """The message is derived, not trusted: a commit's message must be exactly the one its
    operation produces. Trailers differing in any way (a duplicate, other case, another value,
    one missing) are `trailer-mismatch`; the same trailers under another subject or body are
    `message-mismatch` (a subject saying DITOLAK on an approval)."""
    if expected == actual:
        return []
    want, got = trailer_block(expected), trailer_block(actual)
    if want != got:
        actual_text, expected_text = ("; ".join(lines) or "-" for lines in (got, want))
        return [Violation("trailer-mismatch", {"actual": actual_text, "expected": expected_text})]
    subject = actual.split("\n", 1)[0][:120]
    return [
        Violation("message-mismatch", {"actual": subject, "expected": expected.split("\n", 1)[0]})
    ]


def judge_policy(
    snapshot: Snapshot, op: PolicyOp, loader: PolicyLoader | None = None
) -> tuple[str | None, Policy | None, list[Violation]]:
    """(key, policy after, violations) of a policy change: the rules' violations first, then
    the parse's. The policy after is None when the files do not make a valid policy."""

    def read(path: str) -> bytes | None:
        return op.files[path] if path in op.files else snapshot.read(path)

    problems: list[Violation] = []
    key: str | None = None
    after: Policy | None = None
    try:
        key, after = (loader or PolicyLoader()).load(read)
    except LedgerError as exc:
        problems = list(exc.violations)
    change = Change(snapshot, op, after, keys_listed(read(PEOPLE_FILE)), written_entries(op.files))
    found = [v for rule in (*POLICY_RULES, *OPERATION_RULES) for v in rule(change)]
    return key, after, found + problems


# --- the one entry point ------------------------------------------------------------------------


def apply(snapshot: Snapshot, op: Operation, loader: PolicyLoader | None = None) -> Outcome:
    """Check and apply one operation on top of the snapshot. Raises LedgerError; pure."""
    if isinstance(op, RequestOp):
        return _apply_request(snapshot, op)
    if isinstance(op, FormatOp):
        return _apply_format(snapshot, op, loader)
    key, after, problems = judge_policy(snapshot, op, loader)
    if problems:
        raise LedgerError(*problems)
    assert after is not None and op.by is not None
    return Outcome(
        files=dict(op.files),
        message=op.message or policy_message(op.summary),
        author=op.by,
        policy=after,
        policy_key=key,
    )


def _apply_request(snapshot: Snapshot, op: RequestOp) -> Outcome:
    # The layout of the parent decides the path.
    path = request_path(op.request_id, snapshot.policy.settings.layout)
    policy = snapshot.policy
    state = snapshot.state(op.request_id)
    if op.event.action == "create":
        if state is not None:
            raise fail("request-exists", request=op.request_id)
        state = empty(op.request_id, policy.sop.id)
    elif state is None:
        raise fail("unknown-request", request=op.request_id)
    new = apply_event_checked(state, op.event, policy, snapshot.letters)
    recorded = new.events[-1]
    # The message names the step of the SOP the event was recorded under.
    policy = policy.for_sop(state.sop_id)
    files: dict[str, bytes | None] = {path: dumps(new).encode("utf-8")}
    problems = _evidence_problems(policy.sop.step(recorded.step), recorded)
    problems += _evidence_files(snapshot, op, files)
    change = Change(snapshot, op, policy, entries=written_entries(files))
    problems += [v for rule in OPERATION_RULES for v in rule(change)]
    if problems:
        raise LedgerError(*problems)
    return Outcome(
        files=files,
        message=commit_message(new, recorded, policy),
        author=recorded.by,
        request=new,
        policy=policy,
        policy_key=snapshot.policy_key,
    )


def _evidence_problems(step: Step, event: Event) -> list[Violation]:
    """The attachments' kinds against what the step's SOP data declares (docs/FORMAT.md)."""
    if event.action == "migrate":
        return []
    kinds = step.evidence_kinds
    found = []
    for attachment in event.attachments:
        if attachment.kind not in kinds:
            found.append(
                Violation(
                    "evidence-kind-step",
                    {"kind": attachment.kind, "step": step.no, "kinds": list(kinds) or "-"},
                )
            )
    if event.action != "return":
        have = {a.kind for a in event.attachments}
        for kind in step.evidence_required_for(event.action):
            if kind not in have:
                found.append(
                    Violation(
                        "evidence-required", {"kind": kind, "step": step.no, "title": step.title}
                    )
                )
    return found


def _evidence_files(
    snapshot: Snapshot, op: RequestOp, files: dict[str, bytes | None]
) -> list[Violation]:
    """Add the attached files not stored at the parent to `files`; why not, if the bytes fail."""
    if op.evidence is None:
        return []
    found = []
    for attachment in op.event.attachments:
        if attachment.path in files or snapshot.stored(attachment.path):
            continue  # the same content is stored once, whoever attached it first
        data = op.evidence.get(attachment.sha256)
        if data is None:
            found.append(
                Violation(
                    "evidence-missing",
                    {"name": attachment.name, "sha256": attachment.sha256, "path": attachment.path},
                    path=attachment.path,
                )
            )
            continue
        wrong = content_violations(attachment, data)
        if wrong:
            found += wrong
            continue
        files[attachment.path] = data
    return found


# --- layouts (docs/FORMAT.md "Layouts") ---------------------------------------------------------

_TOP_KEY = re.compile(r"^\s*(format|layout)\s*=")


def migrated_settings(text: str, layout: str) -> str:
    """ledger.toml's text under a layout: its top-level `format` and `layout` lines replaced by
    `format = 3` (the first format with `layout`; an older reader then refuses the file instead
    of misreading the paths) and `layout = "<layout>"`, every other byte kept."""
    from .paths import LAYOUT_FORMAT

    lines = text.split("\n")
    top = next((i for i, line in enumerate(lines) if line.lstrip().startswith("[")), len(lines))
    found = [i for i in range(top) if _TOP_KEY.match(lines[i])]
    at = found[0] if found else 0
    kept = [line for i, line in enumerate(lines) if i not in found]
    new = [f"format = {max(LAYOUT_FORMAT, _format_of(text))}", f'layout = "{layout}"']
    return "\n".join(kept[:at] + new + kept[at:])


def format_message(before: str, after: str) -> str:
    return (
        f"Format ledger: susunan berkas permohonan {before} -> {after}\n\n"
        f"Ktpel-Action: {FORMAT_ACTION}\nKtpel-Role: admin\nKtpel-Layout: {after}\n"
    )


def _apply_format(snapshot: Snapshot, op: FormatOp, loader: PolicyLoader | None) -> Outcome:
    """The one migration a layout has: ledger.toml as `migrated_settings` writes it, and every
    request file at the parent renamed to its path under the new layout. The audit compares a
    commit that says it is one (`Ktpel-Action: migrate-format`) against this outcome."""
    from .paths import LAYOUTS

    before = snapshot.policy.settings.layout
    if op.layout not in LAYOUTS:
        raise fail("layout-unknown", layout=op.layout, layouts=", ".join(LAYOUTS))
    if op.layout == before:
        raise fail("layout-same", layout=before)
    raw = snapshot.read(SETTINGS_FILE) or b""
    settings = migrated_settings(_text(raw, "settings-invalid", SETTINGS_FILE), op.layout)
    files: dict[str, bytes | None] = {SETTINGS_FILE: settings.encode("utf-8")}

    def read(path: str) -> bytes | None:
        return files[path] if path in files else snapshot.read(path)

    key, after = (loader or PolicyLoader()).load(read)
    # Who may make it, and what the commit writes, as for every policy change (`admin_only`).
    change = Change(snapshot, op, after, entries=written_entries(files))
    problems = [v for rule in (*POLICY_RULES, *OPERATION_RULES) for v in rule(change)]
    if problems:
        raise LedgerError(*problems)
    if snapshot.request_files is None:
        raise TypeError("a format migration needs the parent's request files")
    paths = list(snapshot.request_files())
    moves: dict[str, str] = {}
    for path in paths:
        match = REQUEST_FILE_RE.match(path)
        if match is None:
            # Not a request file (the audit reported it when it came): it is not ktpel's to move.
            continue
        target = request_path(match.group(2), op.layout)
        if target != path:
            moves[path] = target
    # Two files of one id (one at each layout's path, a forgery) would land on one path.
    landing = Counter([*moves.values(), *(p for p in paths if p not in moves)])
    clash = sorted(p for p, new in moves.items() if landing[new] > 1)
    if clash:
        raise fail("migration-not-pure", path=clash[0], what=reason("why-migration-clash"))
    assert op.by is not None or op.message is not None
    return Outcome(
        files=files,
        message=op.message or format_message(before, op.layout),
        author=op.by or "",
        policy=after,
        policy_key=key,
        moves=moves,
    )


def _format_of(text: str) -> int:
    try:
        value = tomllib.loads(text).get("format", 1)
    except (ValueError, RecursionError):
        return 1
    return value if isinstance(value, int) and not isinstance(value, bool) else 1


def authorize(
    snapshot: Snapshot,
    request_id: str,
    action: str,
    step: int,
    by: str,
    role: str,
    kabkota: str | None = None,
) -> Violation | None:
    """May `by` (as `role`) record `action` on step `step` of the request now? None, or why not.

    The same checks `apply` makes of who acts and when (the TUI asks before opening a form; the
    fields are judged when the form is sent)."""
    from . import clock
    from .request import authorize as authorize_actor

    policy = snapshot.policy
    try:
        state = snapshot.state(request_id)
        if state is None:
            if action != "create":
                raise fail("unknown-request", request=request_id)
            state = empty(request_id, policy.sop.id)
        policy = policy.for_sop(state.sop_id)
        if action not in ("create", "permohonan"):
            if state.done:
                raise fail("request-done", request=state.id)
            if step != state.step or not policy.sop.has_step(step):
                raise fail("wrong-step", request=state.id, current=state.step, step=step)
        data = {"kabkota": kabkota} if kabkota else {}
        event = Event(action, step, clock.now(), by, role, data)
        authorize_actor(event, policy, policy.sop.step(step))
    except LedgerError as exc:
        return exc.violations[0]
    return None


__all__ = [
    "Change",
    "FormatOp",
    "OPERATION_RULES",
    "Operation",
    "Outcome",
    "POLICY_RULES",
    "PolicyLoader",
    "PolicyOp",
    "RequestOp",
    "Snapshot",
    "allowed_paths",
    "apply",
    "authorize",
    "commit_header_problems",
    "event_text",
    "people_distinct",
    "proposals_kept",
    "may_approve",
    "second_admin_needed",
    "plain_tree",
    "tree_problems",
    "written_entries",
    "message_problems",
    "is_policy_path",
    "judge_policy",
    "migrated_settings",
    "format_message",
    "policy_message",
]
