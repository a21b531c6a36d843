"""`ktpel audit`: verify a ledger's whole history from its first commit, from git objects alone.

Every commit is checked against the policy (people, keys, SOP, settings) of its *parent*, so no
commit can authorise itself (as Guix and gittuf do):

- one parent; a good SSH signature by a key listed and not retired in the parent's people.toml;
  the signer is the commit's author and the event's actor;
- exactly one request file changed, or only policy files changed by an admin (who may not add
  a key of their own; keys are retired, never deleted or reused);
- the new event, replayed through `request.apply` against the parent's state and policy, is
  allowed (role, office, order, quantities, letter numbers), and the file is byte for byte
  `requestfile.dumps` of the result; the trailers are the ones the step produces;
- time does not run backwards (a warning); every pinned commit is still in history.

Objects are read in one `git log --raw` and one pipelined `git cat-file --batch`; signatures are
verified in-process (`sshsig`). Verdicts are cached under `.git/ktpel/` by commit id, so a second
audit checks only new commits. The hub's pre-receive hook (`hook.py`) runs the same `Walker`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import threading
import tomllib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from . import clock, i18n
from .kernel import PolicyLoader, PolicyOp, RequestOp, Snapshot, is_policy_path, judge_policy
from .kernel import apply as kernel_apply
from .keys import KeyOwner, registry
from .policy import Policy
from .request import RequestState, empty, letters_of_events
from .requestfile import event_from_dict, loads
from .rules import RULES, LedgerError
from .sshsig import split_commit, verify
from .trailers import POLICY_ACTION, parse_trailers

CACHE_VERSION = 3  # 2: findings in their own append-only file; 3: policy rule codes unified
ZERO = "0" * 40
ERROR, WARNING = "error", "warning"
GOOD, UNKNOWN_KEY, BAD, UNSIGNED = "good", "unknown-key", "bad", "unsigned"
REQUEST_FILE_RE = re.compile(r"^requests/(\d{4})/(\d{4}-\d{4,})\.toml$")
ROOT_ONLY_FILES = (".gitattributes", "requests/.gitkeep")

# The audit's own findings: stable code -> (severity, Indonesian, English). Rule violations
# found by replaying an event keep their code from rules.py.
FINDINGS: dict[str, tuple[str, str, str]] = {
    "unsigned": (ERROR, "Commit tidak bertanda tangan.", "The commit is not signed."),
    "unsigned-allowed": (
        WARNING,
        "Commit tidak bertanda tangan (ledger ini tidak mewajibkan tanda tangan); pelakunya hanya ditunjukkan oleh nama penulis.",
        "The commit is not signed (this ledger does not require signatures); only the author's name says who acted.",
    ),
    "author-unknown": (
        ERROR,
        "Penulis commit {author} tidak terdaftar di people.toml sebelumnya.",
        "The commit's author {author} is not listed in the previous people.toml.",
    ),
    "bad-signature": (
        ERROR,
        "Tanda tangan commit tidak sah: isi commit diubah sesudah ditandatangani, atau tanda tangannya rusak.",
        "The commit's signature is not valid: the commit was changed after signing, or the signature is damaged.",
    ),
    "unknown-key": (
        ERROR,
        "Commit ditandatangani kunci yang tidak terdaftar di people.toml sebelumnya.",
        "The commit is signed by a key not listed in the previous people.toml.",
    ),
    "retired-key": (
        ERROR,
        "Commit ditandatangani kunci milik {person} yang sudah dipensiunkan ({retired}).",
        "The commit is signed by a key of {person} retired on {retired}.",
    ),
    "signer-not-author": (
        ERROR,
        "Commit ditandatangani kunci milik {signer}, tetapi penulisnya tertulis {author}.",
        "The commit is signed with {signer}'s key but its author reads {author}.",
    ),
    "signer-not-actor": (
        ERROR,
        "Langkah dicatat atas nama pelaku '{actor}', tetapi ditandatangani oleh {signer}.",
        "The step names '{actor}' as actor but is signed by {signer}.",
    ),
    "not-linear": (
        ERROR,
        "Commit memiliki {count} induk; riwayat ledger harus lurus (satu induk per commit).",
        "The commit has {count} parents; the ledger's history must be linear (one parent each).",
    ),
    "root-not-policy": (
        ERROR,
        "Commit pertama ledger harus pembuatan kebijakan oleh admin yang menandatanganinya.",
        "The ledger's first commit must create the policy, signed by an admin.",
    ),
    "files-count": (
        ERROR,
        "Commit mengubah {count} berkas permohonan ({paths}); satu commit harus tepat satu langkah pada satu permohonan.",
        "The commit changes {count} request files ({paths}); a commit must be exactly one step on one request.",
    ),
    "mixed-change": (
        ERROR,
        "Commit mengubah berkas kebijakan bersama berkas lain ({paths}).",
        "The commit changes policy files together with other files ({paths}).",
    ),
    "foreign-file": (
        ERROR,
        "Commit mengubah berkas di luar ledger: {path}.",
        "The commit changes a file outside the ledger's layout: {path}.",
    ),
    "request-deleted": (
        ERROR,
        "Commit menghapus berkas permohonan {path}.",
        "The commit deletes the request file {path}.",
    ),
    "event-unreadable": (
        ERROR,
        "Kejadian baru di {path} tidak dapat dibaca: {reason}",
        "The new event in {path} cannot be read: {reason}",
    ),
    "file-not-canonical": (
        WARNING,
        "Isi {path} sama datanya dengan hasil langkah ini tetapi ditulis lain (komentar tambahan, urutan kunci, atau penulis lain).",
        "{path} holds the same data this step produces but is written differently (an added comment, reordered keys, or another writer).",
    ),
    "file-mismatch": (
        ERROR,
        "Isi {path} bukan hasil langkah ini persis: berkas diubah di luar aturan (riwayat atau [state] disunting).",
        "{path} is not exactly what this step produces: the file was edited outside the rules (history or [state] rewritten).",
    ),
    "trailer-mismatch": (
        ERROR,
        "Trailer commit ({actual}) tidak sesuai dengan perubahannya ({expected}).",
        "The commit's trailers ({actual}) do not match its change ({expected}).",
    ),
    "request-broken": (
        ERROR,
        "Permohonan {request} sudah rusak sebelumnya; langkah ini tidak dapat diperiksa ulang.",
        "Request {request} was already broken earlier; this step cannot be replayed.",
    ),
    "time-backwards": (
        WARNING,
        "Waktu mundur: {what} {at} lebih awal dari {before} sebelumnya (commit mungkin ditanggalkan mundur).",
        "Time runs backwards: {what} {at} is earlier than the previous {before} (the commit may be backdated).",
    ),
    "time-mismatch": (
        WARNING,
        "Waktu penulis commit ({author}) tidak sama dengan waktu langkah ({event}).",
        "The commit's author time ({author}) differs from the step's time ({event}).",
    ),
    "pin-missing": (
        ERROR,
        "Titik periksa {pin} tidak lagi ada dalam riwayat: riwayat di hub digulung balik atau ditulis ulang.",
        "Checkpoint {pin} is no longer in the history: the hub's history was rolled back or rewritten.",
    ),
    "pin-unknown": (
        ERROR,
        "Titik periksa {pin} tidak dikenal di repositori ini.",
        "Checkpoint {pin} is not known in this repository.",
    ),
    "no-history": (ERROR, "Ledger belum memiliki commit.", "The ledger has no commit yet."),
    # The hub's refusals that are not about a commit's content.
    "ref-not-allowed": (
        ERROR,
        "Hub hanya menerima cabang {allowed}; {ref} ditolak.",
        "The hub accepts only the {allowed} branch; {ref} is refused.",
    ),
    "ref-deleted": (
        ERROR,
        "Menghapus {ref} di hub tidak diizinkan.",
        "Deleting {ref} on the hub is not allowed.",
    ),
    "non-fast-forward": (
        ERROR,
        "Dorongan ini menulis ulang riwayat {ref} (bukan fast-forward); ditolak.",
        "This push rewrites the history of {ref} (not a fast-forward); refused.",
    ),
}


@dataclass(frozen=True, slots=True)
class Finding:
    """One thing wrong (or suspicious) in the history: stable code, where, and the sentence."""

    code: str
    commit: str | None = None
    request: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    @property
    def severity(self) -> str:
        return FINDINGS[self.code][0] if self.code in FINDINGS else ERROR

    def message(self, lang: str | None = None) -> str:
        en = (lang or i18n.language()) == "en"
        if self.code in FINDINGS:
            template = FINDINGS[self.code][2 if en else 1]
        else:
            rule = RULES[self.code]
            template = rule.en if en else rule.id
        try:
            return template.format(
                **{
                    k: ", ".join(map(str, v)) if isinstance(v, (list, tuple)) else v
                    for k, v in self.params.items()
                }
            )
        except (KeyError, IndexError):
            return f"{template} {self.params}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "severity": self.severity,
            "commit": self.commit,
            "request": self.request,
            "message": self.message(),
            "params": {k: _plain(v) for k, v in self.params.items()},
        }

    def to_cache(self) -> dict[str, Any]:
        """What `from_dict` needs, without the sentence (made when shown, in the reader's language)."""
        return {
            "code": self.code,
            "commit": self.commit,
            "request": self.request,
            "params": {k: _plain(v) for k, v in self.params.items()},
        }

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Finding:
        return cls(raw["code"], raw.get("commit"), raw.get("request"), dict(raw.get("params", {})))


def _plain(value: Any) -> Any:
    """A parameter as JSON keeps it (lists stay lists), so a cached finding reads back as typed
    as it was found and its sentence is made the same way in either language."""
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_plain(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


@dataclass
class AuditReport:
    findings: list[Finding]
    tip: str | None
    commits: int  # commits in the audited history
    checked: int  # commits checked in this run (the rest came from the cache)
    signatures: dict[str, str] = field(default_factory=dict)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == ERROR]

    @property
    def ok(self) -> bool:
        return not self.errors


# --- reading git objects in batch --------------------------------------------------------------


def _git(git_dir: Path, *args: str, input: bytes | None = None) -> bytes:
    proc = subprocess.run(
        ["git", "--git-dir", str(git_dir), *args], capture_output=True, input=input
    )
    if proc.returncode != 0:
        raise RuntimeError(proc.stderr.decode("utf-8", "replace").strip())
    return proc.stdout


class ObjectReader:
    """One `git cat-file --batch` process for random reads (`rev:path` works too)."""

    def __init__(self, git_dir: Path) -> None:
        self.proc = subprocess.Popen(
            ["git", "--git-dir", str(git_dir), "cat-file", "--batch"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )

    def read(self, name: str) -> bytes | None:
        assert self.proc.stdin and self.proc.stdout
        self.proc.stdin.write(name.encode() + b"\n")
        self.proc.stdin.flush()
        return _read_answer(self.proc.stdout)

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        self.proc.wait()


def _read_answer(out: IO[bytes]) -> bytes | None:
    header = out.readline()
    if header.endswith(b" missing\n") or header.endswith(b" ambiguous\n") or not header:
        return None
    size = int(header.split()[2])
    data = out.read(size)
    out.read(1)
    return data


@dataclass(frozen=True, slots=True)
class Change:
    path: str
    old: str
    new: str  # ZERO when deleted


@dataclass(frozen=True, slots=True)
class LogEntry:
    sha: str
    parents: tuple[str, ...]
    changes: tuple[Change, ...]


def log_entries(git_dir: Path, tip: str, base: str | None) -> list[LogEntry]:
    """Commits of base..tip (all from the root when base is None), oldest first, with changes."""
    rev = f"{base}..{tip}" if base else tip
    out = _git(
        git_dir,
        "log",
        "--raw",
        "--no-renames",
        "--no-abbrev",
        "--root",
        "-r",
        "--reverse",
        "--topo-order",
        "--format=%x00%H %P",
        rev,
    )
    entries: list[LogEntry] = []
    for chunk in out.split(b"\x00")[1:]:
        lines = chunk.split(b"\n")
        ids = lines[0].decode().split()
        changes = []
        for line in lines[1:]:
            if not line.startswith(b":"):
                continue
            meta, _, path = line.partition(b"\t")
            parts = meta.split()
            changes.append(
                Change(
                    path.decode("utf-8", "surrogateescape"), parts[2].decode(), parts[3].decode()
                )
            )
        entries.append(LogEntry(ids[0], tuple(ids[1:]), tuple(changes)))
    return entries


def _stream(git_dir: Path, names: list[str]) -> Iterator[bytes | None]:
    """Object contents for `names`, in order, from one pipelined `git cat-file --batch`."""
    proc = subprocess.Popen(
        ["git", "--git-dir", str(git_dir), "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        bufsize=1 << 20,
    )
    assert proc.stdin and proc.stdout

    def feed() -> None:
        try:
            proc.stdin.write(b"".join(n.encode() + b"\n" for n in names))
        finally:
            proc.stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    try:
        for _ in names:
            yield _read_answer(proc.stdout)
    finally:
        writer.join()
        proc.stdout.close()
        proc.wait()


# --- the walk ------------------------------------------------------------------------------------


@dataclass
class Context:
    """What the walk carries from one commit to the next (cached between audits)."""

    tip: str | None = None
    commits: int = 0
    complete: bool = True  # every request state is in `states` (walk began at the root)
    letters: dict[str, str] = field(default_factory=dict)
    seen_keys: set[str] = field(default_factory=set)
    last_committed: int | None = None
    findings: list[Finding] = field(default_factory=list)
    states: dict[str, RequestState | None] = field(default_factory=dict)  # None: broken
    # The findings file holds the findings of every commit up to `tip` in its first
    # `findings_bytes` bytes; `findings` holds the ones loaded from it (`loaded` of them, or none
    # when the caller wants only new ones) and then the new ones.
    findings_bytes: int = 0
    loaded: int = 0
    tip_at_load: str | None = (
        None  # the cache's tip when it was read (a save checks nobody moved it)
    )

    def to_json(self) -> dict[str, Any]:
        return {
            "version": CACHE_VERSION,
            "tip": self.tip,
            "commits": self.commits,
            "letters": self.letters,
            "seen_keys": sorted(self.seen_keys),
            "last_committed": self.last_committed,
            "findings_bytes": self.findings_bytes,
            "broken": sorted(k for k, v in self.states.items() if v is None),
        }

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Context:
        ctx = cls(
            tip=raw["tip"],
            commits=int(raw["commits"]),
            complete=False,
            letters=dict(raw["letters"]),
            seen_keys=set(raw["seen_keys"]),
            last_committed=raw.get("last_committed"),
            findings_bytes=int(raw["findings_bytes"]),
            tip_at_load=raw["tip"],
        )
        ctx.states = {k: None for k in raw.get("broken", [])}
        return ctx


def _person_line(value: bytes) -> tuple[str, str, int]:
    """(name, email, unix time) of an author/committer header."""
    text = value.decode("utf-8", "replace")
    match = re.match(r"^(.*) <([^>]*)> (-?\d+) [+-]\d{4}$", text)
    if not match:
        return text, "", 0
    return match.group(1), match.group(2), int(match.group(3))


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
        names: list[str] = []
        for entry in entries:
            names.append(entry.sha)
            names.extend(
                c.new for c in entry.changes if c.new != ZERO and REQUEST_FILE_RE.match(c.path)
            )
        stream = _stream(self.git_dir, names)
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
        self.checked += 1
        ctx.commits += 1
        commit = split_commit(raw)
        root = not entry.parents
        if len(entry.parents) > 1:
            self.add("not-linear", sha, count=len(entry.parents))
            self.policy = self._safe_policy(sha)
            ctx.complete = False
            ctx.states = {k: v for k, v in ctx.states.items() if v is None}
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
        author_name, author_email, author_time = _person_line(commit.header(b"author") or b"")
        _, _, committed = _person_line(commit.header(b"committer") or b"")
        signer = self._check_signature(sha, commit, policy, author_name, author_email)
        if ctx.last_committed is not None and committed < ctx.last_committed:
            self.add(
                "time-backwards",
                sha,
                what="commit",
                at=_when(committed),
                before=_when(ctx.last_committed),
            )
        ctx.last_committed = max(committed, ctx.last_committed or committed)
        message = commit.message.decode("utf-8", "replace")
        policy_paths = [c.path for c in entry.changes if is_policy_path(c.path)]
        request_changes = [c for c in entry.changes if REQUEST_FILE_RE.match(c.path)]
        others = [
            c.path
            for c in entry.changes
            if not is_policy_path(c.path)
            and not REQUEST_FILE_RE.match(c.path)
            and not (root and c.path in ROOT_ONLY_FILES)
        ]
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
                    ctx.complete = False
            elif not others:
                self.add("files-count", sha, count=0, paths="-")
        else:
            change = request_changes[0]
            self._check_step(
                sha, entry, change, blobs.get(change.path), policy, signer, message, author_time
            )
        ctx.tip = sha

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
        parent = entry.parents[0]
        snapshot = Snapshot(
            commit=parent,
            policy=policy,
            policy_key="",
            read=lambda path: self.reader.read(f"{parent}:{path}"),
            state=lambda _request: None,
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
            self.add(v.code, sha, **v.params)
        if new is None:
            return
        self.ctx.seen_keys.update(b.hex() for b in self.registry(new))
        self.policy = new
        self._registries.pop(id(policy), None)

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
            return loads(raw.decode("utf-8"), path, policy)
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
        except (
            ValueError,
            UnicodeDecodeError,
            tomllib.TOMLDecodeError,
            KeyError,
            IndexError,
        ) as exc:
            self.add("event-unreadable", sha, request_id, path=change.path, reason=str(exc))
            ctx.states[request_id] = None
            return
        if count != len(state.events) + 1:
            # Not one step: the file changed without adding exactly one event (a hand edit of its
            # [state] or of earlier events). Judge what comes next against what the file now says.
            self.add("file-mismatch", sha, request_id, path=change.path)
            try:
                ctx.states[request_id] = loads(text, change.path, policy)
            except LedgerError:
                ctx.states[request_id] = None
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
            try:
                ctx.states[request_id] = loads(text, change.path, policy)
            except LedgerError:
                ctx.states[request_id] = None
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
        expected = parse_trailers(outcome.message)
        actual = parse_trailers(message)
        if expected != actual:
            self.add(
                "trailer-mismatch",
                sha,
                request_id,
                actual=_trailer_text(actual),
                expected=_trailer_text(expected),
            )
        from .fields import normalize_letter_number

        for _, number in letters_of_events([new.events[-1]], policy.sop):
            ctx.letters[normalize_letter_number(number)] = request_id
        ctx.states[request_id] = new


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
    except (UnicodeDecodeError, tomllib.TOMLDecodeError):
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

    return clock.to_wib(datetime.fromtimestamp(ts, UTC)).isoformat()


# --- the cache ------------------------------------------------------------------------------------


def _cache_paths(git_dir: Path) -> tuple[Path, Path]:
    folder = Path(git_dir) / "ktpel"
    return folder / "audit.json", folder / "audit-signatures"


def _findings_path(git_dir: Path) -> Path:
    return Path(git_dir) / "ktpel" / "audit-findings"


def load_cache(git_dir: Path, *, findings: bool = True) -> Context | None:
    """The remembered walk; with `findings`, also every finding so far (a ledger whose commits are
    unsigned by choice has one per commit: sync and the hub's hook only need the new ones)."""
    path, _ = _cache_paths(git_dir)
    try:
        raw = json.loads(path.read_text())
        if raw.get("version") != CACHE_VERSION:
            return None
        ctx = Context.from_json(raw)
        if findings and ctx.findings_bytes:
            with open(_findings_path(git_dir), "rb") as fh:
                data = fh.read(ctx.findings_bytes)
            if len(data) != ctx.findings_bytes:
                return None
            ctx.findings = [
                Finding.from_dict(json.loads(line)) for line in data.splitlines() if line
            ]
            ctx.loaded = len(ctx.findings)
        return ctx
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _finding_lines(findings: Iterable[Finding]) -> bytes:
    return b"".join(json.dumps(f.to_cache(), ensure_ascii=False).encode() + b"\n" for f in findings)


def _cached_tip(git_dir: Path) -> str | None:
    try:
        raw = json.loads(_cache_paths(git_dir)[0].read_text())
    except (OSError, ValueError):
        return None
    return raw.get("tip") if isinstance(raw, dict) and raw.get("version") == CACHE_VERSION else None


def _save_cache(git_dir: Path, ctx: Context, signatures: dict[str, str], *, append: bool) -> None:
    """Remember the walk. New findings are appended to the findings file (never rewritten whole);
    the JSON, replaced last, says how much of that file is valid, so a process killed in between
    leaves the previous cache, and the next save cuts off what it appended."""
    import fcntl

    path, sigs = _cache_paths(git_dir)
    path.parent.mkdir(exist_ok=True)
    new = ctx.findings[ctx.loaded :] if append else ctx.findings
    with open(_findings_path(git_dir), "ab") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)  # hub hooks of concurrent pushes run at once
        if append and _cached_tip(git_dir) != ctx.tip_at_load:
            return  # another process saved meanwhile (or the cache went away): keep theirs
        fh.truncate(ctx.findings_bytes if append else 0)
        fh.seek(0, os.SEEK_END)
        fh.write(_finding_lines(new))
        fh.flush()
        ctx.findings_bytes = fh.tell()
        tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
        tmp.write_text(json.dumps(ctx.to_json()))
        with open(sigs, "a" if append else "w") as out:
            out.write("".join(f"{sha} {status}\n" for sha, status in signatures.items()))
        os.replace(tmp, path)


def is_ancestor(git_dir: Path, old: str, new: str) -> bool:
    proc = subprocess.run(
        ["git", "--git-dir", str(git_dir), "merge-base", "--is-ancestor", old, new],
        capture_output=True,
    )
    return proc.returncode == 0


def _resolve(git_dir: Path, rev: str) -> str | None:
    proc = subprocess.run(
        ["git", "--git-dir", str(git_dir), "rev-parse", "-q", "--verify", f"{rev}^{{commit}}"],
        capture_output=True,
    )
    return proc.stdout.decode().strip() or None


# --- entry points ---------------------------------------------------------------------------------


def audit_git_dir(
    git_dir: Path,
    tip: str = "HEAD",
    *,
    since: str | None = None,
    pins: Iterable[str] = (),
    use_cache: bool = True,
    old_findings: bool = True,
) -> AuditReport:
    """Audit the history that ends at `tip` in the repository at `git_dir` (bare or not).

    Without `old_findings` the report lists only the findings of commits checked now (those the
    cache did not know), which is all sync and the hub's hook need.
    """
    git_dir = Path(git_dir)
    head = _resolve(git_dir, tip)
    if head is None:
        return AuditReport([Finding("no-history")], None, 0, 0)
    base: str | None = None
    ctx = Context()
    append = False
    if since:
        base = _resolve(git_dir, since)
        if base is None:
            return AuditReport([Finding("pin-unknown", None, None, {"pin": since})], head, 0, 0)
        ctx = Context(complete=False, tip=base)
    elif (
        use_cache
        and (cached := load_cache(git_dir, findings=old_findings))
        and cached.tip
        and is_ancestor(git_dir, cached.tip, head)
    ):
        ctx, base, append = cached, cached.tip, True
    walker = Walker(git_dir, ctx)
    try:
        if base and since:
            walker.ctx.letters = _letters_at(walker, base)
        walker.run(log_entries(git_dir, head, base))
    finally:
        walker.close()
    if use_cache and not since:
        _save_cache(git_dir, walker.ctx, walker.signatures, append=append)
    findings = list(walker.ctx.findings)
    for pin in pins:
        pinned = _resolve(git_dir, pin)
        if pinned is None:  # not even the object is here: history was rewritten before we cloned
            findings.append(Finding("pin-missing", pin, None, {"pin": pin[:12]}))
        elif not is_ancestor(git_dir, pinned, head):
            findings.append(Finding("pin-missing", pinned, None, {"pin": pinned[:12]}))
    return AuditReport(findings, head, walker.ctx.commits, walker.checked, walker.signatures)


def _letters_at(walker: Walker, rev: str) -> dict[str, str]:
    """Letter numbers used in every request at `rev` (for walks that start mid-history)."""
    from .fields import normalize_letter_number

    policy = walker.policy_at(rev)
    out: dict[str, str] = {}
    listing = (
        _git(walker.git_dir, "ls-tree", "-r", "--name-only", rev, "requests/").decode().split("\n")
    )
    for path in listing:
        match = REQUEST_FILE_RE.match(path)
        raw = walker.reader.read(f"{rev}:{path}") if match else None
        if raw is None:
            continue
        try:
            state = loads(raw.decode("utf-8"), path, policy)
        except LedgerError:
            continue
        for _, number in letters_of_events(state.events, policy.sop):
            out[normalize_letter_number(number)] = state.id
    return out


def audit(
    ledger, since: str | None = None, pins: Iterable[str] = (), *, use_cache: bool = True
) -> AuditReport:
    """Audit an open `store.Ledger` from its first commit (or from `since`)."""
    return audit_git_dir(ledger.git_dir, "HEAD", since=since, pins=pins, use_cache=use_cache)


def signature_status(ledger, shas: Iterable[str]) -> dict[str, str]:
    """Each commit's signature: "good", "unknown-key" (also retired), "bad" or "unsigned".

    Answers from the audit cache; commits not in it are checked against their parent's policy.
    """
    wanted = list(shas)
    _, sigs = _cache_paths(ledger.git_dir)
    known: dict[str, str] = {}
    try:
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
                name, email, _ = _person_line(commit.header(b"author") or b"")
                walker._check_signature(sha, commit, policy, name, email)
                out[sha] = walker.signatures[sha]
        finally:
            walker.close()
    return out


# --- what the inspector also reads: time per step, overdue work, stock --------------------------


@dataclass(frozen=True, slots=True)
class StepTime:
    step: int
    title: str
    standard_minutes: int
    count: int
    mean_minutes: float
    max_minutes: int
    late: int


@dataclass(frozen=True, slots=True)
class Overdue:
    request: str
    step: int
    title: str
    waited_minutes: int
    standard_minutes: int


@dataclass(frozen=True, slots=True)
class KabkotaStock:
    code: str
    name: str
    requested: int
    share: int
    handed_over: int
    confirmed: int
    stock_left: int | None  # as reported in the Kab/Kota's latest letter


@dataclass(frozen=True, slots=True)
class StepDone:
    """One request's completed step: actual minutes against the standard."""

    request: str
    step: int
    minutes: int
    standard_minutes: int
    late: bool
    on_behalf: str


@dataclass(frozen=True, slots=True)
class LedgerFigures:
    requests: int
    steps: tuple[StepTime, ...]
    overdue: tuple[Overdue, ...]
    stock: tuple[KabkotaStock, ...]
    province_stock: int  # received good minus handed over, across the ledger
    on_behalf: int  # steps recorded on behalf of an actor without an account
    done: tuple[StepDone, ...] = ()  # every request's completed steps


def figures(ledger, now=None) -> LedgerFigures:
    """Actual minutes per step against the standard, overdue steps, and stock per Kab/Kota at HEAD."""
    from .report import quantities, timeline

    policy = ledger.policy()
    sop = policy.sop
    head = ledger.head()
    per_step: dict[int, list[tuple[int, bool]]] = {}
    overdue: list[Overdue] = []
    done: list[StepDone] = []
    stock: dict[str, list[int]] = {}
    latest_letter: dict[str, tuple[Any, int | None]] = {}
    province = 0
    on_behalf = 0
    count = 0
    listing = (
        ledger.git("ls-tree", "-r", "--name-only", head, "requests/").stdout.decode().split("\n")
    )
    for path in listing:
        if not REQUEST_FILE_RE.match(path):
            continue
        try:
            state = loads((ledger.blob(head, path) or b"").decode("utf-8"), path, policy)
        except LedgerError:
            continue
        count += 1
        on_behalf += sum(1 for ev in state.events if ev.on_behalf is not None)
        rows, _ = timeline(state, policy, now)
        for row in rows:
            if row.status == "selesai" and row.minutes is not None:
                per_step.setdefault(row.step, []).append((row.minutes, row.late))
                done.append(
                    StepDone(
                        state.id, row.step, row.minutes, row.due_minutes, row.late, row.on_behalf
                    )
                )
            elif row.status == "sekarang" and row.late:
                overdue.append(
                    Overdue(state.id, row.step, row.title, row.minutes or 0, row.due_minutes)
                )
        qty = quantities(state, policy)
        if qty.in_store is not None:
            province += qty.in_store
        for r in qty.rows:
            acc = stock.setdefault(r.code, [0, 0, 0, 0])
            acc[0] += r.requested
            acc[1] += r.share
            acc[2] += r.handed_over
            acc[3] += r.confirmed
        for p in state.permohonan:
            when = p.get("letter_date")
            code = p["kabkota"]
            if code not in latest_letter or (
                when is not None and str(when) >= str(latest_letter[code][0])
            ):
                latest_letter[code] = (when, p.get("stock_left"))
    steps = tuple(
        StepTime(
            no,
            sop.step(no).title,
            sop.step(no).due_minutes,
            len(vals),
            sum(m for m, _ in vals) / len(vals),
            max(m for m, _ in vals),
            sum(1 for _, late in vals if late),
        )
        for no, vals in sorted(per_step.items())
    )
    kab = tuple(
        KabkotaStock(
            code,
            policy.settings.office_name(code),
            *stock.get(code, [0, 0, 0, 0]),
            latest_letter.get(code, (None, None))[1],
        )
        for code in sorted(policy.settings.kabkota)
    )
    return LedgerFigures(
        count,
        steps,
        tuple(sorted(overdue, key=lambda o: -o.waited_minutes)),
        kab,
        province,
        on_behalf,
        tuple(done),
    )
