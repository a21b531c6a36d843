"""Sync between offices over git: fetch, fast-forward or re-apply our operations, push.

One action, over any git remote (the system `git` does the transport, so SSH keys, credential
helpers and `file://`, `ssh://`, `git://`, `https://` URLs work as for git itself):

1. Fetch the hub's `main` into `refs/remotes/<remote>/main` with a strict refspec (no `+`): a
   hub whose history was rewritten is refused, never followed.
2. Only the hub moved: fast-forward. Only we moved: push. Both moved: take the hub's history
   and re-apply each of our unpushed operations on top, oldest first, through
   `ledger.request.apply` (rules checked again on the new state), keeping each one's author and
   author time and signing again with the author's key.
3. An operation that no longer applies is parked under `refs/ktpel/parked/<request>-<sha>`
   with its reason (a local commit wrapping the original), never dropped.
4. Push without force; if another office pushed in between, fetch and re-apply again.

The replayed history is built as commit objects off HEAD and HEAD moves once, under the ledger
lock and its journal: a sync killed at any point leaves either the old HEAD (with every
operation still in it) or the new one. The replay makes and signs its commit objects in-process
(byte for byte what `git commit-tree -S` makes; see `Ledger.write_commit`) and stores them as
one pack before HEAD moves: a day of re-signed steps costs a few milliseconds each, not a git
and an ssh-keygen process each.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import re
import subprocess
import time
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from . import clock, i18n
from .evidence import is_evidence_path
from .kernel import FormatOp, PolicyOp, RequestOp, Snapshot, is_policy_path
from .policy import Policy
from .repo import last_line as _last_line
from .request import REQUEST_ID_RE, request_path
from .requestfile import event_from_dict
from .rules import RULES, LedgerError, Violation, fail
from .store import Ledger, crash_point, git_env, signing_key_path
from .trailers import FORMAT_ACTION, POLICY_ACTION, parse_trailers

T = i18n.pick
MAIN = "main"
PARKED_PREFIX = "refs/ktpel/parked/"
STATE_FILE = "sync.json"
MAX_ATTEMPTS = int(os.environ.get("KTPEL_SYNC_ATTEMPTS", "12"))
# Test hook points (KTPEL_TEST_CRASH_AT), in order: see store.crash_point.
SYNC_CRASH_POINTS = (
    "sync-after-fetch",
    "sync-after-replay",
    "sync-after-read-tree",
    "sync-after-move",
    "sync-after-push",
)

_RETRYABLE_REMOTE = (
    "fast-forward",
    "failed to update ref",
    "cannot lock ref",
    "incorrect old value",
    "failed to lock",
    "fetch first",
)
_AUTH = (
    "authentication failed",
    "permission denied",
    "could not read username",
    "access denied",
    "403",
    "401",
)


@dataclass(frozen=True, slots=True)
class Parked:
    """An operation that no longer applied at sync, kept under `ref` with the reason."""

    ref: str
    request: str | None
    summary: str  # the original commit's subject
    reason: str  # a sentence for the person
    code: str  # the rule code behind the reason
    author: str
    email: str
    at: datetime  # the operation's original time
    original: str  # the original commit

    @property
    def name(self) -> str:
        """The ref without its prefix, as typed in `ktpel parked drop NAME`."""
        return self.ref.removeprefix(PARKED_PREFIX)


@dataclass(frozen=True, slots=True)
class SyncResult:
    pulled: int
    pushed: int
    parked: list[Parked] = field(default_factory=list)
    renumbered: list[tuple[str, str]] = field(default_factory=list)  # (our id, the id it got)
    head: str = ""
    attempts: int = 1


# --- small git helpers ---------------------------------------------------------------------------


def net_env() -> dict[str, str]:
    """The environment for git talking to a hub (public: the hub's setup uses it too)."""
    env = dict(os.environ)
    env.setdefault("GIT_TERMINAL_PROMPT", "0")  # no password prompt under the TUI; fail plainly
    env["LC_ALL"] = "C"  # git's messages are classified by their English text
    return env


def _rev(ledger: Ledger, ref: str) -> str | None:
    """The commit a full ref name points at (read in-process), or None."""
    import git

    try:
        sha = git.SymbolicReference.dereference_recursive(ledger.repo, ref)
    except (ValueError, OSError):
        return None
    try:
        return sha if ledger.read_object(sha)[0] == b"commit" else None
    except ValueError:
        return None


def _divergence(ledger: Ledger, ours: str, theirs: str) -> tuple[list[str], list[str]]:
    """(commits only we have, commits only the hub has), each newest first; one git call says
    whether this is a fast-forward either way, or both moved."""
    out = ledger.git("rev-list", "--left-right", f"{ours}...{theirs}").stdout.decode().split()
    return [c[1:] for c in out if c.startswith("<")], [c[1:] for c in out if c.startswith(">")]


def _count(ledger: Ledger, old: str | None, new: str) -> int:
    spec = f"{old}..{new}" if old else new
    return int(ledger.git("rev-list", "--count", spec).stdout.decode().strip() or 0)


_BOILERPLATE = (
    "could not read from remote repository.",
    "please make sure you have the correct access rights",
    "and the repository exists.",
)


def _network_error(remote: str, proc: subprocess.CompletedProcess[bytes]) -> LedgerError:
    lines = [
        line.strip().removeprefix("fatal: ").removeprefix("error: ")
        for line in proc.stderr.decode("utf-8", "replace").splitlines()
    ]
    said = [line for line in lines if line and line.lower() not in _BOILERPLATE]
    reason = " ".join(said) if said else _last_line(proc)
    if any(word in proc.stderr.decode("utf-8", "replace").lower() for word in _AUTH):
        return fail("sync-auth", remote=remote, reason=reason)
    return fail("sync-unreachable", remote=remote, reason=reason)


# --- state kept under .git/ktpel/ ----------------------------------------------------------------


def last_sync(ledger: Ledger) -> datetime | None:
    """When this clone last synced successfully, or None."""
    try:
        raw = json.loads((ledger.state_dir / STATE_FILE).read_text())
        return clock.to_wib(datetime.fromisoformat(raw["last_sync"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _save_last_sync(ledger: Ledger, remote: str, head: str) -> None:
    path = ledger.state_dir / STATE_FILE
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(
        json.dumps({"last_sync": clock.now().isoformat(), "remote": remote, "head": head})
    )
    os.replace(tmp, path)


# --- parked operations ---------------------------------------------------------------------------

_PARKED_FORMAT = (
    "%(refname)%1f%(authorname)%1f%(authoremail:trim)%1f%(authordate:iso-strict)%1f%(contents)%1e"
)


def parked(ledger: Ledger) -> list[Parked]:
    """Every parked operation in this clone, oldest operation first."""
    out = ledger.git("for-each-ref", f"--format={_PARKED_FORMAT}", PARKED_PREFIX).stdout.decode(
        "utf-8", "replace"
    )
    items = []
    for record in out.split("\x1e"):
        record = record.strip("\n")
        if not record:
            continue
        ref, author, email, at, body = record.split("\x1f", 4)
        items.append(_parked_from(ref, author, email, datetime.fromisoformat(at), body))
    return sorted(items, key=lambda p: (p.at, p.ref))


def _parked_from(ref: str, author: str, email: str, at: datetime, body: str) -> Parked:
    paragraphs = [p for p in body.strip().split("\n\n") if p.strip()]
    trailers: dict[str, str] = {}
    for line in paragraphs[-1].splitlines() if paragraphs else []:
        key, sep, value = line.partition(":")
        if sep:
            trailers[key.strip()] = value.strip()
    summary = paragraphs[0] if paragraphs else ""
    reason = "\n\n".join(paragraphs[1:-1]) if len(paragraphs) > 2 else ""
    return Parked(
        ref=ref,
        request=trailers.get("Ktpel-Request") or None,
        summary=summary,
        reason=reason,
        code=trailers.get("Ktpel-Parked-Code", ""),
        author=author,
        email=email,
        at=clock.to_wib(at),
        original=trailers.get("Ktpel-Parked-Commit", ""),
    )


def _find_parked(ledger: Ledger, name: str) -> Parked:
    for item in parked(ledger):
        if name in (item.ref, item.name) or (len(name) >= 7 and item.original.startswith(name)):
            return item
    raise fail("parked-unknown", ref=name)


def drop_parked(ledger: Ledger, name: str) -> Parked:
    """Discard a parked operation (its ref is deleted; the person chose not to redo it)."""
    item = _find_parked(ledger, name)
    ledger.git("update-ref", "-d", item.ref)
    return item


def retry_parked(ledger: Ledger, name: str) -> tuple[Parked, str | None]:
    """Apply a parked operation on top of HEAD now. Returns (it, new commit or None if still parked)."""
    item = _find_parked(ledger, name)
    with ledger.locked():
        ledger.recover_locked()
        head = ledger.head()
        replay = _Replay(ledger, head)
        if item.request:
            original_request = _request_of(ledger, item.original)
            if original_request and original_request != item.request:
                replay.renumber[original_request] = item.request
        replay.run([_commit_info(ledger, item.original)])
        if replay.tip == head:
            return _find_parked(ledger, item.ref), None
        ledger.move_head(head, replay.tip)
    ledger.git("update-ref", "-d", item.ref)
    return item, replay.tip


# --- reading our commits -------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Commit:
    sha: str
    parents: tuple[str, ...]
    author: str
    email: str
    at: datetime
    message: str
    paths: tuple[str, ...]

    @property
    def subject(self) -> str:
        return self.message.split("\n", 1)[0]


_LOG_FORMAT = "%x1e%H%x1f%P%x1f%an%x1f%ae%x1f%aI%x1f%B%x1f"


def _commits(ledger: Ledger, rev_range: str) -> list[_Commit]:
    out = ledger.git(
        "log",
        "--reverse",
        "--topo-order",
        "--no-renames",
        "--name-only",
        f"--format={_LOG_FORMAT}",
        rev_range,
    ).stdout.decode("utf-8", "replace")
    items = []
    for record in out.split("\x1e"):
        if not record.strip():
            continue
        sha, parents, author, email, at, message, names = record.split("\x1f", 6)
        items.append(
            _Commit(
                sha,
                tuple(parents.split()),
                author,
                email,
                datetime.fromisoformat(at),
                message,
                tuple(n for n in names.split("\n") if n.strip()),
            )
        )
    return items


def _commit_info(ledger: Ledger, sha: str) -> _Commit:
    return _commits(ledger, f"{sha}^!")[0]


def _request_of(ledger: Ledger, sha: str) -> str | None:
    return parse_trailers(_commit_info(ledger, sha).message).get("Ktpel-Request")


# --- replay --------------------------------------------------------------------------------------


class _Parking(Exception):
    def __init__(self, violation: Violation) -> None:
        super().__init__(violation.code)
        self.violation = violation


def _park_for(code: str, **params: object) -> _Parking:
    return _Parking(Violation(code, params))


class _Replay:
    """Re-apply commits on top of `tip`, one commit object at a time (HEAD does not move)."""

    def __init__(
        self,
        ledger: Ledger,
        onto: str,
        progress: Callable[[str], None] | None = None,
        rejected: dict[str, Violation] | None = None,
    ) -> None:
        self.ledger = ledger
        # Local commits the audit's rules refuse (sha -> why): parked, never signed again.
        self.rejected = rejected or {}
        self.tip = onto
        self.progress = progress
        self.renumber: dict[str, str] = {}
        self.dead: set[str] = set()  # requests whose 'create' was parked
        self.parked: list[Parked] = []
        self.renumbered: list[tuple[str, str]] = []
        self._policies: dict[str, tuple[str, Policy]] = {}
        self._events: dict[bytes, list] = {}  # sha-1 of a file's bytes -> its [[event]] tables
        self._highest: dict[int, int] = {}  # year -> highest request number at the tip
        self.made = 0  # commits made on top of `onto`
        self._last_file: tuple[str, str, bytes | None] | None = (
            None  # (original commit, path, its bytes there)
        )
        self.now = clock.now()

    def run(self, commits: list[_Commit]) -> None:
        """Replay `commits` in order; the new objects are stored as one pack at the end."""
        key, policy = self._policy_at(self.tip)
        self.ledger.cache.refresh(
            self.tip, policy, policy_key=key
        )  # then it follows each replayed step
        with self.ledger.buffered_objects():
            self._run(commits)

    def _run(self, commits: list[_Commit]) -> None:
        for index, commit in enumerate(commits, start=1):
            if self.progress:
                self.progress(
                    T(
                        f"Menerapkan ulang {index}/{len(commits)}: {commit.subject}",
                        f"Re-applying {index}/{len(commits)}: {commit.subject}",
                    )
                )
            try:
                self.tip = self._one(commit)
                self.made += 1
            except _Parking as exc:
                self.parked.append(self._park(commit, exc.violation))
            except LedgerError as exc:
                self.parked.append(self._park(commit, exc.violations[0]))

    def _one(self, commit: _Commit) -> str:
        if len(commit.parents) != 1:
            raise _park_for(
                "sync-not-one-op",
                commit=commit.sha[:12],
                reason=T("commit gabungan", "a merge commit"),
            )
        trailers = parse_trailers(commit.message)
        paths = commit.paths
        if trailers.get("Ktpel-Action") == FORMAT_ACTION:
            self._check_audited(commit, None)
            return self._format(commit, trailers)
        if paths and all(is_policy_path(p) for p in paths):
            self._check_audited(commit, None)
            return self._policy(commit, trailers)
        request = trailers.get("Ktpel-Request")
        layout = self._policy_at(commit.parents[0])[1].settings.layout
        # One request file, and the evidence files its event attaches (checked in _request_op).
        if (
            not request
            or not REQUEST_ID_RE.match(request)
            or request_path(request, layout) not in paths
            or not all(p == request_path(request, layout) or is_evidence_path(p) for p in paths)
        ):
            raise _park_for(
                "sync-not-one-op",
                commit=commit.sha[:12],
                reason=T(
                    "tidak mengubah tepat satu berkas permohonan",
                    "it does not change exactly one request file",
                ),
            )
        self._check_audited(commit, request if trailers.get("Ktpel-Action") == "create" else None)
        return self._request_op(commit, request)

    def _check_audited(self, commit: _Commit, created: str | None) -> None:
        """Sync re-signs only what it has checked (issue 16): a local commit the audit's rules
        refuse (unsigned, signed by another than its author, not what its operation makes) is
        parked with the reason; a refused 'create' takes its request's later steps with it."""
        why = self.rejected.get(commit.sha)
        if why is None:
            return
        if created is not None:
            self.dead.add(created)
        raise _Parking(why)

    def _signed(self, sha: str) -> bool:
        raw = self.ledger.read_object(sha)[1]
        return b"\ngpgsig " in raw.split(b"\n\n", 1)[0]

    def _request_op(self, commit: _Commit, original_id: str) -> str:
        ledger = self.ledger
        old_path = request_path(original_id, self._policy_at(commit.parents[0])[1].settings.layout)
        last = self._last_file
        before = (
            last[2]
            if last and last[:2] == (commit.parents[0], old_path)
            else ledger.blob(commit.parents[0], old_path)
        )
        after = ledger.blob(commit.sha, old_path)
        self._last_file = (commit.sha, old_path, after)
        try:
            old_events = self._events_in(before)
            new_events = self._events_in(after)
            if len(new_events) != len(old_events) + 1 or new_events[:-1] != old_events:
                raise ValueError(
                    T("tidak menambah tepat satu kejadian", "it does not add exactly one event")
                )
            event = event_from_dict(new_events[-1])
        except (ValueError, UnicodeDecodeError, AttributeError) as exc:
            raise _park_for("sync-not-one-op", commit=commit.sha[:12], reason=str(exc)) from None
        if original_id in self.dead:
            raise _park_for("sync-request-parked", request=original_id)
        request_id = self.renumber.get(original_id, original_id)
        tip = self.tip
        key, policy = self._policy_at(tip)
        layout = policy.settings.layout
        if (
            event.action == "create"
            and ledger.blob(tip, request_path(request_id, layout)) is not None
        ):
            request_id = self._free_id(tip, int(request_id[:4]))
            self.renumber[original_id] = request_id
            self.renumbered.append((original_id, request_id))
        self._check_key(commit, policy.person(event.by))
        evidence = self._evidence(commit, event)
        try:
            sha, _ = ledger.commit(
                self._snapshot(tip),
                RequestOp(request_id, event, evidence),
                committed=self.now,
                move_head=False,
                in_process=True,
            )
        except LedgerError:
            if event.action == "create":
                self.dead.add(original_id)
                self.renumber.pop(original_id, None)
                if self.renumbered and self.renumbered[-1][0] == original_id:
                    self.renumbered.pop()
            raise
        if event.action == "create":
            self._created(request_id)
        self._policies[sha] = (key, policy)  # a request operation leaves the policy as it was
        return sha

    def _evidence(self, commit: _Commit, event) -> dict[str, bytes]:
        """The bytes of the event's attachments, from the commit being replayed (our own: its
        files are here). The commit may add no evidence file its event does not name."""
        named = {a.path: a for a in event.attachments}
        extra = [p for p in commit.paths if is_evidence_path(p) and p not in named]
        if extra:
            raise _park_for("evidence-unnamed", path=extra[0])
        out = {}
        for attachment in event.attachments:
            data = self.ledger.blob(commit.sha, attachment.path)
            if data is not None:
                out[attachment.sha256] = data
        return out

    def _events_in(self, data: bytes | None) -> list:
        """A request file's [[event]] tables (parsed once: one commit's 'after' is the next one's 'before')."""
        if data is None:
            return []
        digest = hashlib.sha1(data).digest()
        if digest not in self._events:
            events = tomllib.loads(data.decode("utf-8")).get("event", [])
            if not isinstance(events, list):
                raise ValueError(T("[[event]] bukan daftar", "[[event]] is not a list"))
            self._events[digest] = events
        return self._events[digest]

    def _policy_at(self, tip: str) -> tuple[str, Policy]:
        if tip not in self._policies:
            self._policies[tip] = (self.ledger.policy_key(tip), self.ledger.policy(tip))
        return self._policies[tip]

    def _snapshot(self, tip: str) -> Snapshot:
        """What governs a replayed commit on `tip` (the letter numbers come from the listing
        cache, brought there only if asked)."""
        return self.ledger.snapshot(tip, policy=self._policy_at(tip))

    def _check_key(self, commit: _Commit, author) -> None:
        if self._signed(commit.sha) and not signing_key_path(author.id).exists():
            raise _park_for("sync-unsigned", person=author.name)

    def _free_id(self, tip: str, year: int) -> str:
        """The next free id of `year` at `tip` (the year's folder is read once, then followed)."""
        if year not in self._highest:
            try:
                kind, raw = self.ledger.read_object(f"{tip}:requests/{year}")
            except ValueError:
                kind, raw = b"", b""
            raws = [raw] if kind == b"tree" else []
            # A sharded year folder holds two-digit shard folders (docs/FORMAT.md "Layouts").
            for shard in re.finditer(rb"40000 ([0-9]{2})\0", raws[0] if raws else b""):
                try:
                    kind, more = self.ledger.read_object(
                        f"{tip}:requests/{year}/{shard.group(1).decode()}"
                    )
                except ValueError:
                    continue
                raws.append(more if kind == b"tree" else b"")
            names = [m for r in raws for m in re.finditer(rb" %d-(\d+)\.toml\0" % year, r)]
            self._highest[year] = max((int(m.group(1)) for m in names), default=0)
        return f"{year}-{self._highest[year] + 1:04d}"

    def _created(self, request_id: str) -> None:
        year, number = (int(part) for part in request_id.split("-"))
        if year in self._highest:
            self._highest[year] = max(self._highest[year], number)

    def _policy(self, commit: _Commit, trailers: dict[str, str]) -> str:
        ledger = self.ledger
        tip = self.tip
        if trailers.get("Ktpel-Action") != POLICY_ACTION:
            raise _park_for(
                "sync-not-one-op",
                commit=commit.sha[:12],
                reason=T(
                    "perubahan kebijakan tanpa 'Ktpel-Action: policy'",
                    "a policy change without 'Ktpel-Action: policy'",
                ),
            )
        files: dict[str, bytes | None] = {}
        for path in commit.paths:
            base, ours, theirs = (
                ledger.blob(commit.parents[0], path),
                ledger.blob(commit.sha, path),
                ledger.blob(tip, path),
            )
            if theirs != base:
                raise _park_for("sync-policy-conflict", path=path)
            files[path] = ours
        snapshot = self._snapshot(tip)
        author = self._author(snapshot, commit)
        sha, _ = ledger.commit(
            snapshot,
            PolicyOp(author.id, files, message=commit.message),
            at=commit.at,
            committed=self.now,
            move_head=False,
            in_process=True,
        )
        return sha

    def _author(self, snapshot: Snapshot, commit: _Commit):
        """The person a replayed policy or format commit is authored by, under the tip's
        policy, whose key is here to sign it again."""
        author = snapshot.policy.person_by_email(commit.email)
        if author is None:
            raise fail("unknown-person", person=commit.email)
        self._check_key(commit, author)
        return author

    def _format(self, commit: _Commit, trailers: dict[str, str]) -> str:
        """A format migration made here is made again on the tip: every request file there
        (those others recorded meanwhile too) moves, as the kernel's migration does. The
        audit of our commits (`rejected`) already refused one that was not exactly that."""
        snapshot = self._snapshot(self.tip)
        author = self._author(snapshot, commit)
        sha, outcome = self.ledger.commit(
            snapshot,
            FormatOp(author.id, trailers.get("Ktpel-Layout", "")),
            at=commit.at,
            committed=self.now,
            move_head=False,
            in_process=True,
        )
        assert outcome.policy is not None and outcome.policy_key is not None
        self._policies[sha] = (outcome.policy_key, outcome.policy)
        return sha

    def _park(self, commit: _Commit, violation: Violation) -> Parked:
        """Keep the operation under refs/ktpel/parked/ as a local commit wrapping it, with the reason."""
        original_id = parse_trailers(commit.message).get("Ktpel-Request")
        request = self.renumber.get(original_id, original_id) if original_id else None
        reason = violation.message()
        lines = [
            commit.subject,
            "",
            reason,
            "",
            f"Ktpel-Parked-Code: {violation.code}",
            f"Ktpel-Parked-Commit: {commit.sha}",
        ]
        if request:
            lines.append(f"Ktpel-Request: {request}")
        message = "\n".join(lines) + "\n"
        name = f"{PARKED_PREFIX}{request or 'kebijakan'}-{commit.sha[:12]}"
        wrapper = (
            self.ledger.git(
                "commit-tree",
                f"{commit.sha}^{{tree}}",
                "-p",
                commit.sha,
                "-F",
                "-",
                env=git_env(commit.author, commit.email, commit.at, self.now),
                input=message.encode("utf-8"),
            )
            .stdout.decode()
            .strip()
        )
        self.ledger.git("update-ref", "-m", "ktpel: parked", name, wrapper)
        return Parked(
            ref=name,
            request=request,
            summary=commit.subject,
            reason=reason,
            code=violation.code,
            author=commit.author,
            email=commit.email,
            at=clock.to_wib(commit.at),
            original=commit.sha,
        )


# --- the sync ------------------------------------------------------------------------------------


def _fetch(ledger: Ledger, remote: str) -> str | None:
    """Fetch the hub's main strictly. Returns its tip, or None when the hub has no main yet."""
    tracking = f"refs/remotes/{remote}/{MAIN}"
    proc = ledger.git(
        "fetch",
        "--no-progress",
        "--no-tags",
        "--no-write-fetch-head",
        "--refmap=",
        remote,
        f"refs/heads/{MAIN}:{tracking}",
        env=net_env(),
        check=False,
    )
    if proc.returncode != 0:
        err = proc.stderr.decode("utf-8", "replace")
        if "couldn't find remote ref" in err:
            return None
        if "non-fast-forward" in err or "[rejected]" in err:
            raise fail("sync-hub-rewritten", remote=remote)
        raise _network_error(remote, proc)
    return _rev(ledger, tracking)


def _check_incoming(
    ledger: Ledger, remote: str, theirs: str, incoming: set[str], use_cache: bool = True
) -> None:
    """Refuse the hub's new commits (`incoming`) if the audit finds an error in them (a hub
    without the hook). The audit keeps its verdicts under .git/ktpel/, so each sync checks only
    what is new.
    """
    if not incoming:
        return
    from .audit import audit_git_dir

    report = audit_git_dir(ledger.git_dir, theirs, old_findings=False, use_cache=use_cache)
    bad = [f for f in report.errors if f.commit in incoming]
    if bad:
        first = bad[0]
        raise fail(
            "sync-incoming-invalid",
            remote=remote,
            count=len(bad),
            commit=(first.commit or "")[:12],
            reason=first.message(),
        )


def _push(ledger: Ledger, remote: str, sha: str) -> bool:
    """Push `sha` to the hub's main, never forced. False when the hub moved in between."""
    proc = ledger.git(
        "push",
        "--porcelain",
        "--no-verify",
        remote,
        f"{sha}:refs/heads/{MAIN}",
        env=net_env(),
        check=False,
    )
    if proc.returncode == 0:
        return True
    out = proc.stdout.decode("utf-8", "replace")
    status = [line for line in out.splitlines() if line.startswith("!\t")]
    if not status:
        raise _network_error(remote, proc)
    text = status[0].lower()
    if "[rejected]" in text or any(word in text for word in _RETRYABLE_REMOTE):
        return False
    said = [
        line.removeprefix("remote:").strip()
        for line in proc.stderr.decode("utf-8", "replace").splitlines()
        if line.startswith("remote:") and line.removeprefix("remote:").strip()
    ]
    raise fail("sync-rejected", reason="; ".join(said) or status[0].split("\t")[-1])


def _refused_locally(ledger: Ledger, theirs: str, ours: str) -> dict[str, Violation]:
    """Each local commit (theirs..ours) the audit refuses, with its first error as the reason:
    the same walker, kernel rules and signature checks as the hub's hook, from the merge base,
    without the cache (local state is not a witness)."""
    from .audit import audit_git_dir
    from .findings import ERROR

    proc = ledger.git("merge-base", theirs, ours, check=False)
    base = proc.stdout.decode("ascii", "replace").strip() or None
    report = audit_git_dir(ledger.git_dir, ours, since=base, use_cache=False)
    errors: dict[str, list] = {}
    for finding in report.findings:
        if finding.severity == ERROR and finding.commit:
            errors.setdefault(finding.commit, []).append(finding)
    out: dict[str, Violation] = {}
    for sha, found in errors.items():
        # A broken rule keeps its own code (one code at record, sync, hub and audit); what only
        # the audit says (unsigned, a bad signature, ...) is named in `sync-unchecked`.
        rule = next((f for f in found if f.code in RULES), None)
        if rule is not None:
            out[sha] = Violation(rule.code, dict(rule.params))
        else:
            first = found[0]
            out[sha] = Violation("sync-unchecked", {"commit": sha[:12], "reason": first.message()})
    return out


def sync(
    ledger: Ledger,
    remote: str = "origin",
    progress: Callable[[str], None] | None = None,
    *,
    use_cache: bool = True,
) -> SyncResult:
    """Bring this clone and the hub to the same history; see the module docstring.

    `use_cache=False` (`ktpel sync --no-cache`) checks the hub's history from its first commit
    instead of trusting the audit's memory under .git/ktpel/ (local state is a cache).

    Raises LedgerError with a plain sentence when the hub cannot be reached, refuses access or
    refuses the push; the local ledger is then as it was and its operations wait for the next try.
    """
    say = progress or (lambda _text: None)
    if remote not in {r.name for r in ledger.repo.remotes}:
        raise fail("sync-no-remote", remote=remote)
    from . import clonecheck

    if use_cache and clonecheck.running(ledger.git_dir):
        # Its audit is the one each sync starts from: wait for it rather than walk beside it.
        say(T("Menunggu pemeriksaan riwayat salinan baru…", "Waiting for the new clone's check…"))
        clonecheck.wait(ledger.git_dir)
    pulled = 0
    parked_now: list[Parked] = []
    renumbered: list[tuple[str, str]] = []
    for attempt in range(1, MAX_ATTEMPTS + 1):
        say(T(f"Mengambil dari hub '{remote}' ...", f"Fetching from the hub '{remote}' ..."))
        theirs = _fetch(ledger, remote)
        crash_point("sync-after-fetch")
        seen = ledger.head()
        mine_only, theirs_only = (
            _divergence(ledger, seen, theirs) if theirs is not None else ([], [])
        )
        if theirs is not None:
            _check_incoming(ledger, remote, theirs, set(theirs_only), use_cache)
            if theirs_only:
                ledger.follow_format_migrations(theirs)
        with ledger.locked():
            ledger.recover_locked()
            ours = ledger.head()
            if theirs is not None and ours != seen:  # a step was recorded meanwhile
                mine_only, theirs_only = _divergence(ledger, ours, theirs)
            if theirs is None:
                target, pushing = ours, _count(ledger, None, ours)
            elif not theirs_only:  # the hub has nothing new: push ours, if any
                target, pushing = ours, len(mine_only)
            elif not mine_only:  # only the hub moved: fast-forward
                pulled += len(theirs_only)
                say(
                    T(
                        f"Menerima {pulled} langkah dari hub ...",
                        f"Taking {pulled} steps from the hub ...",
                    )
                )
                ledger.move_head(ours, theirs)
                target, pushing = theirs, 0
            else:
                pulled += len(theirs_only)
                mine = _commits(ledger, f"{theirs}..{ours}")
                say(
                    T(
                        f"Hub dan ledger ini sama-sama berubah: menerapkan ulang {len(mine)} langkah di atas riwayat hub ...",
                        f"Both the hub and this ledger moved: re-applying {len(mine)} steps on top of the hub's history ...",
                    )
                )
                replay = _Replay(ledger, theirs, say, _refused_locally(ledger, theirs, ours))
                replay.run(mine)
                parked_now += replay.parked
                for old_id, new_id in replay.renumbered:  # a second attempt may move an id again
                    earlier = next((i for i, (_, b) in enumerate(renumbered) if b == old_id), None)
                    if earlier is None:
                        renumbered.append((old_id, new_id))
                    else:
                        renumbered[earlier] = (renumbered[earlier][0], new_id)
                crash_point("sync-after-replay")
                ledger.move_head(ours, replay.tip)
                target, pushing = replay.tip, replay.made
        crash_point("sync-after-move")
        if pushing == 0:
            break
        say(T(f"Mengirim {pushing} langkah ke hub ...", f"Sending {pushing} steps to the hub ..."))
        if _push(ledger, remote, target):
            crash_point("sync-after-push")
            # Record what the hub now holds, so the next sync starts from it even if it is offline.
            ledger.git("update-ref", f"refs/remotes/{remote}/{MAIN}", target, check=False)
            break
        say(
            T(
                "Hub berubah sementara itu; mengambil lagi ...",
                "The hub moved meanwhile; fetching again ...",
            )
        )
        time.sleep(random.uniform(0.05, 0.25) * attempt)
    else:
        raise fail("sync-retries", attempts=MAX_ATTEMPTS)
    _save_last_sync(ledger, remote, target)
    return SyncResult(
        pulled=pulled,
        pushed=pushing,
        parked=parked_now,
        renumbered=renumbered,
        head=target,
        attempts=attempt,
    )
