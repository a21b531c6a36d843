"""`ktpel audit`: verify a ledger's whole history from its first commit, from git objects alone.

Every commit is checked against the policy (people, keys, SOP, settings) of its *parent*, so no
commit can authorise itself (as Guix and gittuf do):

- one parent; a good SSH signature by a key listed and not retired in the parent's people.toml;
  the signer is the commit's author and the event's actor;
- exactly one request file changed, or only policy files changed by an admin (who may not add
  a key of their own; keys are retired, never deleted or reused);
- the new event, replayed through `kernel.apply` against the parent's state and policy, is
  allowed (role, office, order, quantities, letter numbers), and the file holds exactly the data
  of the result (the same data written another way is the warning `file-not-canonical`); the
  trailers are the ones the step produces;
- time does not run backwards (a warning); every pinned commit is still in history.

Objects are read in one `git log --raw` and one pipelined `git cat-file --batch` (`gitread`);
signatures are verified in-process (`sshsig`); every operation is judged by `kernel.apply`.
Verdicts are cached under `.git/ktpel/` (`auditcache`), so a second audit checks only new
commits; findings stay typed (`findings`) until shown. The hub's pre-receive hook (`hook.py`)
runs the same `Walker`; the figures after the findings are `figures`.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from . import clock, i18n, lean
from .auditcache import Context, cache_is_sealed, cache_paths, load_cache, save_cache
from .evidence import Attachment, check_commit, is_evidence_path, not_fetched
from .evidence import TreeEntry as EvidenceEntry
from .figures import LedgerFigures, figures
from .findings import (
    BAD,
    ERROR,
    FINDINGS,
    GOOD,
    OTHER_SIGNER,
    UNKNOWN_KEY,
    UNSIGNED,
    WARNING,
    AuditReport,
    Finding,
)
from .gitread import (
    ZERO,
    Change,
    LogEntry,
    ObjectReader,
    git_bytes,
    is_ancestor,
    log_entries,
    person_line,
    request_files,
    resolve,
    stream_objects,
)
from .kernel import (
    NOT_A_FILE,
    TIME_MAX,
    TIME_MIN,
    FormatOp,
    PolicyLoader,
    PolicyOp,
    RequestOp,
    Snapshot,
    commit_header_problems,
    is_policy_path,
    judge_policy,
    message_problems,
    tree_problems,
)
from .kernel import apply as kernel_apply
from .keys import KeyOwner, registry
from .policy import SETTINGS_FILE, Policy
from .request import REQUEST_FILE_RE, RequestState, empty, letters_of_events, request_path
from .requestfile import event_from_dict, loads
from .rules import LedgerError, reason
from .sshsig import split_commit, verify
from .textsafe import visible
from .trailers import FORMAT_ACTION, POLICY_ACTION, parse_trailers
from .treecheck import GITLINK, TreeEntry

ROOT_ONLY_FILES = (".gitattributes", "requests/.gitkeep")

# --- the walk ------------------------------------------------------------------------------------


class Walker:
    """Checks commits one by one, each against its parent's policy and request states."""

    def __init__(self, git_dir: Path, ctx: Context) -> None:
        self.git_dir = Path(git_dir)
        self.ctx = ctx
        self.reader = ObjectReader(self.git_dir)
        self.loader = PolicyLoader()
        self._registries: dict[int, dict[bytes, KeyOwner]] = {}
        self.policy: Policy | None = None
        self.signatures: dict[str, str] = {}
        self.checked = 0
        # Evidence (issue 11): the attachments the commit being checked names, the tip of the
        # walk, and (a lean clone) the evidence blobs not on this machine, read once when needed.
        self._named: tuple[Attachment, ...] = ()
        self._tip: str | None = None
        self._missing: frozenset[str] | None = None
        # request id -> (path, blob id, policy) while `ctx.states[id]` is exactly what
        # `requestfile.loads(that blob, path, policy)` gives (what a cold list computes): clone
        # hands these states to the listing cache instead of parsing every file again.
        self.exact: dict[str, tuple[str, str, Policy]] = {}

    def close(self) -> None:
        self.reader.close()

    # -- policy at a commit --

    def policy_at(self, rev: str) -> Policy:
        """Parse the policy files at `rev` (once per distinct set of files). Raises LedgerError."""
        return self.loader.load(lambda path: self.reader.read(f"{rev}:{path}"))[1]

    def registry(self, policy: Policy) -> dict[bytes, KeyOwner]:
        reg = self._registries.get(id(policy))
        if reg is None:
            reg = self._registries[id(policy)] = registry(policy)
        return reg

    # -- the walk --

    def run(self, entries: list[LogEntry]) -> None:
        self._tip = entries[-1].sha if entries else None
        names: list[str] = []
        for entry in entries:
            names.append(entry.sha)
            names.extend(
                c.new for c in entry.changes if c.new != ZERO and REQUEST_FILE_RE.match(c.path)
            )
        stream = stream_objects(self.git_dir, names)
        for entry in entries:
            raw = next(stream) or b""
            blobs = {
                c.path: next(stream)
                for c in entry.changes
                if c.new != ZERO and REQUEST_FILE_RE.match(c.path)
            }
            self.check(entry, raw, blobs)
        for _ in stream:
            pass

    def add(self, code: str, commit: str | None, request: str | None = None, **params: Any) -> None:
        self.ctx.findings.append(Finding(code, commit, request, params))

    def check(self, entry: LogEntry, raw: bytes, blobs: dict[str, bytes | None]) -> None:
        ctx = self.ctx
        sha = entry.sha
        self._named = ()
        self.checked += 1
        ctx.commits += 1
        commit = split_commit(raw)
        root = not entry.parents
        if len(entry.parents) > 1:
            self.add("not-linear", sha, count=len(entry.parents))
            self.policy = self._safe_policy(sha)
            ctx.complete = False
            ctx.states = {k: v for k, v in ctx.states.items() if v is None}
            self.exact.clear()
            ctx.tip = sha
            return
        if root:
            try:
                policy = self.policy_at(sha)
            except LedgerError as exc:
                for v in exc.violations:
                    self.add(v.code, sha, **v.params)
                self.add("root-not-policy", sha)
                ctx.tip = sha
                return
        else:
            if self.policy is None:
                self.policy = self.policy_at(entry.parents[0])
            policy = self.policy
        for v in commit_header_problems(commit.header(b"author"), commit.header(b"committer")):
            self.add(v.code, sha, **v.params)
        author_name, author_email, author_time = person_line(commit.header(b"author") or b"")
        _, _, committed = person_line(commit.header(b"committer") or b"")
        signer = self._check_signature(sha, commit, policy, author_name, author_email)
        if ctx.last_committed is not None and committed < ctx.last_committed:
            self.add(
                "time-backwards",
                sha,
                what="commit",
                at=_when(committed),
                before=_when(ctx.last_committed),
            )
        if TIME_MIN <= committed < TIME_MAX:  # a date out of bounds is `time-invalid` already
            ctx.last_committed = max(committed, ctx.last_committed or committed)
        message = commit.message.decode("utf-8", "replace")
        # The tree is plain (kernel.tree_problems): a path git holds as a symlink, a gitlink, in
        # the wrong year folder, with foreign digits, too long or too large is reported and not
        # read as the file it looks like.
        unfit = set()
        for v in tree_problems(self._entries(entry, blobs)):
            self.add(v.code, sha, **v.params)
            if v.code in NOT_A_FILE:
                unfit.add(v.path)
        changes = [c for c in entry.changes if visible(c.path) not in unfit]
        policy_paths = [c.path for c in changes if is_policy_path(c.path)]
        request_changes = [c for c in changes if REQUEST_FILE_RE.match(c.path)]
        others = [
            c.path
            for c in changes
            if not is_policy_path(c.path)
            and not REQUEST_FILE_RE.match(c.path)
            and not is_evidence_path(c.path)  # judged by the evidence check below
            and not (root and c.path in ROOT_ONLY_FILES)
        ]
        if not root and parse_trailers(message).get("Ktpel-Action") == FORMAT_ACTION:
            # A format migration: judged whole against the one the kernel makes from the parent.
            self._check_format_migration(sha, entry, changes, policy, signer, message)
            ctx.tip = sha
            return
        for path in others:
            self.add("foreign-file", sha, path=path)
        if root or policy_paths:
            if request_changes or others:
                self.add("mixed-change", sha, paths=sorted(c.path for c in entry.changes))
            self._check_policy_change(sha, entry, policy, signer, message, root)
        elif len(request_changes) != 1:
            if request_changes:
                self.add(
                    "files-count",
                    sha,
                    count=len(request_changes),
                    paths=[c.path for c in request_changes],
                )
                for change in request_changes:
                    ctx.states.pop(REQUEST_FILE_RE.match(change.path).group(2), None)
                    self.exact.pop(REQUEST_FILE_RE.match(change.path).group(2), None)
                    ctx.complete = False
            elif not others and not unfit:
                self.add("files-count", sha, count=0, paths="-")
        else:
            change = request_changes[0]
            self._check_step(
                sha, entry, change, blobs.get(change.path), policy, signer, message, author_time
            )
        request = request_changes[0].path if len(request_changes) == 1 else None
        self._check_evidence(entry, REQUEST_FILE_RE.match(request).group(2) if request else None)
        ctx.tip = sha

    def _entries(self, entry: LogEntry, blobs: dict[str, bytes | None]) -> list[TreeEntry]:
        """The tree entries the commit adds or changes, with git's modes and the sizes known."""
        out = []
        for c in entry.changes:
            if c.new == ZERO:
                continue
            if c.mode == GITLINK:
                out.append(TreeEntry(c.mode, "commit", c.path, None))
                continue
            data = blobs.get(c.path)
            if data is None and is_policy_path(c.path):
                data = self.reader.read(c.new)
            out.append(TreeEntry(c.mode, "blob", c.path, None if data is None else len(data)))
        return out

    def _check_evidence(self, entry: LogEntry, request_id: str | None) -> None:
        """What the commit does under evidence/ against the attachments its event names."""
        changes = [
            (
                EvidenceEntry(c.path, c.old, c.old_mode) if c.old != ZERO else None,
                EvidenceEntry(c.path, c.new, c.new_mode) if c.new != ZERO else None,
            )
            for c in entry.changes
            if is_evidence_path(c.path)
        ]
        if not changes and not self._named:
            return
        result = check_commit(
            changes, self._named, lean.stored_entry(self.git_dir, entry.sha), self._read_evidence
        )
        for v in (*result.violations, *not_fetched(result.unchecked)):
            self.add(v.code, entry.sha, request_id, **v.params)

    def _read_evidence(self, oid: str) -> bytes | None:
        """An evidence blob's bytes, or None when this lean clone does not hold it (never fetched:
        asking `cat-file` for a missing blob would fetch it from the hub)."""
        if self._missing is None:
            lean_clone = self._tip is not None and lean.is_lean(self.git_dir)
            self._missing = (
                lean.missing_blobs(self.git_dir, self._tip) if lean_clone else frozenset()
            )
        if oid in self._missing:
            return None
        return self.reader.read(oid)

    def _safe_policy(self, sha: str) -> Policy | None:
        try:
            return self.policy_at(sha)
        except LedgerError:
            return None

    def _check_signature(
        self, sha: str, commit, policy: Policy, author_name: str, author_email: str
    ) -> str | None:
        """The signer's person id when the signature is good and theirs; records findings."""
        if commit.signature is None:
            self.signatures[sha] = UNSIGNED
            if policy.settings.signatures_required:
                self.add("unsigned", sha)
                return None
            # The ledger does not require signatures: the author stands for the actor, unproven.
            self.add("unsigned-allowed", sha)
            person = policy.person_by_email(author_email)
            if person is None or person.name != author_name:
                self.add("author-unknown", sha, author=f"{author_name} <{author_email}>")
                return None
            return person.id
        blob = verify(commit.signature, commit.payload)
        if blob is None:
            self.signatures[sha] = BAD
            self.add("bad-signature", sha)
            return None
        owner = self.registry(policy).get(blob)
        if owner is None:
            self.signatures[sha] = UNKNOWN_KEY
            self.add("unknown-key", sha)
            return None
        person = policy.people[owner.person]
        if owner.retired:
            self.signatures[sha] = UNKNOWN_KEY
            self.add("retired-key", sha, person=person.name, retired=owner.retired)
            return None
        self.signatures[sha] = GOOD
        if person.email.lower() != author_email.lower() or person.name != author_name:
            # A good signature of someone else's commit is not "good" (the TUI said "sah").
            self.signatures[sha] = OTHER_SIGNER
            self.add(
                "signer-not-author",
                sha,
                signer=f"{person.name} <{person.email}>",
                author=f"{author_name} <{author_email}>",
            )
            return None
        return person.id

    def _check_policy_change(
        self,
        sha: str,
        entry: LogEntry,
        policy: Policy,
        signer: str | None,
        message: str,
        root: bool,
    ) -> None:
        if root:
            try:
                new = self.policy_at(sha)
            except LedgerError:
                return
        if parse_trailers(message).get("Ktpel-Action") != POLICY_ACTION:
            self.add(
                "trailer-mismatch",
                sha,
                actual=_trailer_text(parse_trailers(message)),
                expected=f"Ktpel-Action: {POLICY_ACTION}",
            )
        if root:
            if signer is None or not new.people[signer].holds("admin"):
                self.add("root-not-policy", sha)
            self.ctx.seen_keys.update(b.hex() for b in self.registry(new))
            self.policy = new
            return
        snapshot = self._policy_snapshot(
            entry.parents[0],
            policy,
            seen_keys=frozenset(bytes.fromhex(k) for k in self.ctx.seen_keys),
        )
        files = {
            c.path: None if c.new == ZERO else self.reader.read(c.new)
            for c in entry.changes
            if is_policy_path(c.path)
        }
        _, new, problems = judge_policy(
            snapshot, PolicyOp(signer, files, message=message), self.loader
        )
        for v in problems:
            if not v.code.startswith("tree-"):  # the walker reported git's own tree already
                self.add(v.code, sha, **v.params)
        if new is None:
            return
        self.ctx.seen_keys.update(b.hex() for b in self.registry(new))
        self.policy = new
        self._registries.pop(id(policy), None)

    def _check_format_migration(
        self,
        sha: str,
        entry: LogEntry,
        changes: list,
        policy: Policy,
        signer: str | None,
        message: str,
    ) -> None:
        """A commit saying `Ktpel-Action: migrate-format` must be exactly the migration the
        kernel makes from its parent (`kernel.FormatOp`): ledger.toml as `migrated_settings`
        writes it and every request file renamed, the same blob at its new path, nothing else.
        Anything more or less is `migration-not-pure` (docs/FORMAT.md)."""
        parent = entry.parents[0]
        snapshot = self._policy_snapshot(
            parent, policy, request_files=lambda: request_files(self.git_dir, parent)
        )
        layout = parse_trailers(message).get("Ktpel-Layout", "")
        try:
            outcome = kernel_apply(snapshot, FormatOp(signer, layout, message), self.loader)
        except LedgerError as exc:
            for v in exc.violations:
                self.add(v.code, sha, **v.params)
            self._after_refused_migration(sha, changes)
            return
        moves = dict(outcome.moves or {})
        landing = {new: old for old, new in moves.items()}
        by_path = {c.path: c for c in changes}
        wrong: list[tuple[str, str]] = []
        for c in changes:
            if c.path == SETTINGS_FILE:
                fits = c.new != ZERO and self.reader.read(c.new) == outcome.files[SETTINGS_FILE]
            elif c.path in moves:
                fits = c.new == ZERO
            elif c.path in landing:
                source = by_path.get(landing[c.path])
                fits = (
                    source is not None
                    and c.old == ZERO
                    and (c.new, c.new_mode) == (source.old, source.old_mode)
                )
            else:
                fits = False
            if not fits:
                wrong.append((c.path, "why-migration-changed"))
        for path in (SETTINGS_FILE, *moves, *landing):
            if path not in by_path:
                wrong.append((path, "why-migration-missing"))
        for v in message_problems(outcome.message, message):
            self.add(v.code, sha, **v.params)
        if wrong:
            path, why = min(wrong)
            self.add("migration-not-pure", sha, path=path, what=reason(why), count=len(wrong))
            self._after_refused_migration(sha, changes)
            return
        assert outcome.policy is not None
        # The states are untouched (same bytes); what a cold list would compute from each file
        # at its new path is what it computed at the old one.
        self.exact = {
            request_id: (
                moves.get(path, path),
                blob,
                outcome.policy if judged is policy else judged,
            )
            for request_id, (path, blob, judged) in self.exact.items()
        }
        self._registries.pop(id(policy), None)
        self.policy = outcome.policy

    def _policy_snapshot(self, parent: str, policy: Policy, **more: Any) -> Snapshot:
        """What governs a policy or format commit on `parent` (no request state is read)."""
        return Snapshot(
            commit=parent,
            policy=policy,
            policy_key="",
            read=lambda path: self.reader.read(f"{parent}:{path}"),
            state=lambda _request: None,
            **more,
        )

    def _after_refused_migration(self, sha: str, changes: list) -> None:
        """Go on from what the refused commit left: its policy, and the requests it touched
        read again from their files when next changed."""
        self.policy = self._safe_policy(sha) or self.policy
        for c in changes:
            match = REQUEST_FILE_RE.match(c.path)
            if match:
                self.ctx.states.pop(match.group(2), None)
                self.exact.pop(match.group(2), None)
        self.ctx.complete = False

    def _state_before(
        self, request_id: str, path: str, parent: str, policy: Policy
    ) -> RequestState | None:
        """The request's state at the parent: from memory, or (incremental walks) from the file."""
        if request_id in self.ctx.states:
            return self.ctx.states[request_id]
        if self.ctx.complete:
            return empty(request_id, policy.sop.id)
        raw = self.reader.read(f"{parent}:{path}")
        if raw is None:
            return empty(request_id, policy.sop.id)
        try:
            return loads(raw, path, policy)
        except LedgerError:
            return None

    def _check_step(
        self,
        sha: str,
        entry: LogEntry,
        change: Change,
        blob: bytes | None,
        policy: Policy,
        signer: str | None,
        message: str,
        author_time: int,
    ) -> None:
        ctx = self.ctx
        request_id = REQUEST_FILE_RE.match(change.path).group(2)
        # Whether `state` is what `loads` gives under this policy (from memory: as recorded;
        # empty or read from the parent's file by `_state_before`: yes by construction).
        prior = self.exact.get(request_id)
        prior_exact = request_id not in ctx.states or (prior is not None and prior[2] is policy)
        self.exact.pop(request_id, None)
        expected_path = request_path(request_id, policy.settings.layout)
        if change.path != expected_path:
            # A file at the other layout's path (the parent's `layout` decides): not this request.
            self.add(
                "file-invalid",
                sha,
                request_id,
                path=change.path,
                reason=f"id {request_id} harus disimpan di {expected_path}",
            )
            return
        if change.new == ZERO or blob is None:
            self.add("request-deleted", sha, request_id, path=change.path)
            ctx.states[request_id] = None
            return
        state = self._state_before(request_id, change.path, entry.parents[0], policy)
        if state is None:
            self.add("request-broken", sha, request_id, request=request_id)
            return
        try:
            text = blob.decode("utf-8")
            count, raw_event = _new_event(text, len(state.events) + 1)
            event = event_from_dict(raw_event)
            self._named = event.attachments
        except (
            ValueError,
            UnicodeDecodeError,
            tomllib.TOMLDecodeError,
            KeyError,
            IndexError,
            RecursionError,
        ) as exc:
            self.add("event-unreadable", sha, request_id, path=change.path, reason=str(exc))
            ctx.states[request_id] = None
            return
        if count != len(state.events) + 1:
            # Not one step: the file changed without adding exactly one event (a hand edit of its
            # [state] or of earlier events). Judge what comes next against what the file now says.
            self.add("file-mismatch", sha, request_id, path=change.path)
            self._reload(request_id, text, change, policy)
            return
        if signer is not None and event.by != signer:
            self.add(
                "signer-not-actor", sha, request_id, actor=event.by, signer=_name(policy, signer)
            )
        if state.events and event.at < state.events[-1].at:
            self.add(
                "time-backwards",
                sha,
                request_id,
                what=i18n.pick("langkah", "step"),
                at=event.at.isoformat(),
                before=state.events[-1].at.isoformat(),
            )
        if int(event.at.timestamp()) != author_time:
            self.add(
                "time-mismatch",
                sha,
                request_id,
                author=_when(author_time),
                event=event.at.isoformat(),
            )

        snapshot = Snapshot(
            commit=entry.parents[0],
            policy=policy,
            policy_key="",
            read=lambda path: self.reader.read(f"{entry.parents[0]}:{path}"),
            state=lambda _request: state if state.events else None,
            letters=ctx.letters.get,
        )
        try:
            outcome = kernel_apply(snapshot, RequestOp(request_id, event))
        except LedgerError as exc:
            for v in exc.violations:
                self.ctx.findings.append(
                    Finding(v.code, sha, request_id, {k: v for k, v in v.params.items()})
                )
            self._reload(request_id, text, change, policy)
            return
        new = outcome.request
        assert new is not None
        expected_file = outcome.files[change.path]
        if expected_file != blob:
            # What counts is the data (docs/FORMAT.md): the same data written another way (a hand
            # comment, reordered keys, another writer's layout) is a warning, other data an error.
            same = expected_file is not None and _same_data(expected_file, blob)
            self.add(
                "file-not-canonical" if same else "file-mismatch", sha, request_id, path=change.path
            )
        for v in message_problems(outcome.message, message):
            self.add(v.code, sha, request_id, **v.params)
        from .fields import normalize_letter_number

        for _, number in letters_of_events([new.events[-1]], policy.sop):
            ctx.letters[normalize_letter_number(number)] = request_id
        ctx.states[request_id] = new
        if prior_exact and expected_file == blob:
            # The file is the kernel's own writing of `new`, every earlier event judged under
            # this same policy: replaying the file (a cold list) gives `new` again.
            self.exact[request_id] = (change.path, change.new, policy)

    def _reload(self, request_id: str, text: str, change: Change, policy: Policy) -> None:
        """The request's state as its file now says (what comes next is judged against it)."""
        try:
            self.ctx.states[request_id] = loads(text, change.path, policy)
        except LedgerError:
            self.ctx.states[request_id] = None
            return
        self.exact[request_id] = (change.path, change.new, policy)

    def exact_states(self, head: str) -> dict[str, tuple[str, RequestState]]:
        """path -> (blob id, state) of each request whose state is exactly what a cold list
        computes from that blob under the policy at `head` (the others, broken ones among
        them, are left out: a reader parses those files itself)."""
        try:
            policy = self.policy_at(head)
        except LedgerError:
            return {}
        out: dict[str, tuple[str, RequestState]] = {}
        for request_id, (path, blob_id, judged) in self.exact.items():
            state = self.ctx.states.get(request_id)
            if judged is policy and state is not None:
                out[path] = (blob_id, state)
        return out


_EVENT_TABLE = "\n[[event]]\n"


def _new_event(text: str, expected: int) -> tuple[int, Any]:
    """(number of events, the last event's table) of a request file's text.

    The canonical writer puts each event in its own `[[event]]` table: then only the last one is
    parsed. Any other layout of the same TOML (an inline array of tables, say) is parsed whole."""
    if text.count(_EVENT_TABLE) == expected:
        return expected, tomllib.loads(text[text.rindex(_EVENT_TABLE) + 1 :])["event"][-1]
    events = tomllib.loads(text).get("event")
    if not isinstance(events, list) or not events:
        raise ValueError(i18n.pick("tidak ada kejadian [[event]]", "no [[event]]"))
    return len(events), events[-1]


def _same_data(a: bytes, b: bytes) -> bool:
    try:
        return tomllib.loads(a.decode("utf-8")) == tomllib.loads(b.decode("utf-8"))
    except (ValueError, RecursionError):  # UnicodeDecodeError and TOMLDecodeError among them
        return False


def _violation(code: str, **params: Any):
    from .rules import Violation

    return [Violation(code, params)]


def _name(policy: Policy, person_id: str) -> str:
    person = policy.people.get(person_id)
    return person.name if person else person_id


def _trailer_text(trailers: dict[str, str]) -> str:
    return "; ".join(f"{k}: {v}" for k, v in trailers.items()) or "-"


def _when(ts: int) -> str:
    from datetime import UTC, datetime

    try:
        return clock.to_wib(datetime.fromtimestamp(ts, UTC)).isoformat()
    except (OverflowError, ValueError, OSError):  # a forged date far out of range
        return str(ts)


# --- entry points ---------------------------------------------------------------------------------


def audit_git_dir(
    git_dir: Path,
    tip: str = "HEAD",
    *,
    since: str | None = None,
    pins: Iterable[str] = (),
    use_cache: bool = True,
    old_findings: bool = True,
    states: dict[str, tuple[str, RequestState]] | None = None,
    wait_for_clone: bool = True,
) -> AuditReport:
    """Audit the history that ends at `tip` in the repository at `git_dir` (bare or not).

    Without `old_findings` the report lists only the findings of commits checked now (those the
    cache did not know), which is all sync and the hub's hook need. `states`, when given, is
    filled with `Walker.exact_states` at the tip (clone fills the listing cache from it).
    A cached audit first waits for a fresh clone's check (`clonecheck`), whose cache it then
    starts from, instead of walking the whole history a second time beside it.
    """
    git_dir = Path(git_dir)
    if use_cache and wait_for_clone:
        from . import clonecheck

        clonecheck.wait(git_dir)
    head = resolve(git_dir, tip)
    if head is None:
        return AuditReport([Finding("no-history")], None, 0, 0)
    base: str | None = None
    ctx = Context()
    append = False
    if since:
        base = resolve(git_dir, since)
        if base is None:
            return AuditReport([Finding("pin-unknown", None, None, {"pin": since})], head, 0, 0)
        ctx = Context(complete=False, tip=base)
    elif (
        use_cache
        and (cached := load_cache(git_dir, findings="lazy" if old_findings else False))
        and cached.tip
        and is_ancestor(git_dir, cached.tip, head)
    ):
        ctx, base, append = cached, cached.tip, True
    earlier_errors = ctx.errors  # those of the findings the cache holds (before this walk's)
    walker = Walker(git_dir, ctx)
    try:
        if base and since:
            walker.ctx.letters = _letters_at(walker, base)
        walker.run(log_entries(git_dir, head, base))
        if states is not None:
            states.update(walker.exact_states(head))
    finally:
        walker.close()
    if use_cache and not since:
        save_cache(git_dir, walker.ctx, walker.signatures, append=append)
    findings = list(walker.ctx.findings)
    # The cached findings stay unparsed until the report is read (ok needs only their count).
    earlier = walker.ctx.earlier_findings if append and old_findings else None
    if (git_dir / "shallow").exists():
        # A shallow clone lacks the history before its cut: the walk did not start at the root.
        findings.append(Finding("shallow-clone", None, None, {}))
    for pin in pins:
        pinned = resolve(git_dir, pin)
        if pinned is None:  # not even the object is here: history was rewritten before we cloned
            findings.append(Finding("pin-missing", pin, None, {"pin": pin[:12]}))
        elif not is_ancestor(git_dir, pinned, head):
            findings.append(Finding("pin-missing", pinned, None, {"pin": pinned[:12]}))
    return AuditReport(
        findings,
        head,
        walker.ctx.commits,
        walker.checked,
        walker.signatures,
        earlier=earlier,
        earlier_errors=earlier_errors if earlier else 0,
    )


def _letters_at(walker: Walker, rev: str) -> dict[str, str]:
    """Letter numbers used in every request at `rev` (for walks that start mid-history)."""
    from .fields import normalize_letter_number

    policy = walker.policy_at(rev)
    out: dict[str, str] = {}
    listing = (
        git_bytes(walker.git_dir, "ls-tree", "-r", "--name-only", rev, "requests/")
        .decode()
        .split("\n")
    )
    for path in listing:
        match = REQUEST_FILE_RE.match(path)
        raw = walker.reader.read(f"{rev}:{path}") if match else None
        if raw is None:
            continue
        try:
            state = loads(raw, path, policy)
        except LedgerError:
            continue
        own = policy.for_sop(state.sop_id) if state.sop_id in policy.sops else policy
        for _, number in letters_of_events(state.events, own.sop, policy.sops):
            out[normalize_letter_number(number)] = state.id
    return out


def audit(
    ledger, since: str | None = None, pins: Iterable[str] = (), *, use_cache: bool = True
) -> AuditReport:
    """Audit an open `store.Ledger` from its first commit (or from `since`)."""
    return audit_git_dir(ledger.git_dir, "HEAD", since=since, pins=pins, use_cache=use_cache)


def signature_status(ledger, shas: Iterable[str]) -> dict[str, str]:
    """Each commit's signature: "good", "other-signer" (a good signature, not by the commit's
    author), "unknown-key" (also retired), "bad" or "unsigned".

    Answers from the audit cache; commits not in it are checked against their parent's policy.
    """
    wanted = list(shas)
    _, sigs = cache_paths(ledger.git_dir)
    known: dict[str, str] = {}
    try:
        if not cache_is_sealed(ledger.git_dir):
            raise OSError("the cache is not this code's, or was edited: not believed")
        with open(sigs) as fh:
            for line in fh:
                sha, _, status = line.strip().partition(" ")
                known[sha] = status
    except OSError:
        pass
    out = {sha: known[sha] for sha in wanted if sha in known}
    missing = [sha for sha in wanted if sha not in out]
    if missing:
        walker = Walker(ledger.git_dir, Context())
        try:
            for sha in missing:
                raw = walker.reader.read(sha)
                if raw is None:
                    continue
                commit = split_commit(raw)
                parent = commit.parents[0].decode() if commit.parents else sha
                try:
                    policy = walker.policy_at(parent)
                except LedgerError:
                    out[sha] = UNKNOWN_KEY
                    continue
                name, email, _ = person_line(commit.header(b"author") or b"")
                walker._check_signature(sha, commit, policy, name, email)
                out[sha] = walker.signatures[sha]
        finally:
            walker.close()
    return out


__all__ = [
    "ERROR",
    "FINDINGS",
    "WARNING",
    "ZERO",
    "AuditReport",
    "Context",
    "Finding",
    "LedgerFigures",
    "Walker",
    "audit",
    "audit_git_dir",
    "figures",
    "is_ancestor",
    "load_cache",
    "log_entries",
    "signature_status",
]
