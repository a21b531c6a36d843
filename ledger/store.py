"""The ledger on disk: a git repository whose commits are the operations.

A step's commit is made and signed by the system `git` (`commit-tree -S`) and moved onto HEAD
with `update-ref`; trees are spliced in-process (`gitobjects`). Sync's replay makes its commit
objects in-process, byte for byte as git would, and stores them as one pack (`write_commit`,
`buffered_objects`). Reads of committed objects go through GitPython's persistent
`cat-file --batch`. Every write happens under an exclusive lock
(`.git/ktpel/lock`) with a journal (`.git/ktpel/pending.json`), so a process killed at any
point leaves a ledger the next command opens cleanly.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import os
import re
import subprocess
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import git

from . import clock
from .gitobjects import (
    ObjectBuffer,
    commit_payload,
    ident,
    tree_with,
    tree_with_moves,
    write_loose,
)
from .journal import CRASH_POINTS, LOCK_TIMEOUT, crash_point
from .kernel import FormatOp, Operation, Outcome, PolicyLoader, PolicyOp, RequestOp, Snapshot
from .kernel import apply as apply_operation
from .keys import signing_key_path
from .policy import PEOPLE_FILE, SETTINGS_FILE, Person, Policy, sop_path
from .repo import atomic_write, git_env, last_line
from .request import Event, RequestState, request_path
from .requestfile import loads
from .rules import LedgerError, fail, git_failed
from .signing import key_file, registered_key
from .summary import RequestSummary, summarize

__all__ = [
    "CRASH_POINTS",
    "LOCK_TIMEOUT",
    "Ledger",
    "Recorded",
    "crash_point",
    "git_env",
    "signing_key_path",
]


# A split index's own part (`.git/index`) is re-split beyond this size: about 800 steps' entries
# at a few hundred bytes after each re-split (see `Ledger._keep_index_split`).
SPLIT_PART_MAX = 64 * 1024
_HEX = frozenset("0123456789abcdef")


@dataclass(frozen=True, slots=True)
class Recorded:
    """The outcome of a recorded operation."""

    sha: str
    request: RequestState
    path: str


class Ledger:
    """An open ledger working copy."""

    def __init__(self, root: Path) -> None:
        root = Path(root).expanduser().resolve()
        try:
            self.repo = git.Repo(root)
        except (git.InvalidGitRepositoryError, git.NoSuchPathError):
            raise fail("not-a-ledger", path=str(root)) from None
        if self.repo.bare or not (root / SETTINGS_FILE).is_file():
            raise fail("not-a-ledger", path=str(root))
        self.root = Path(self.repo.working_tree_dir or root)
        self.git_dir = Path(self.repo.git_dir)
        self.state_dir = self.git_dir / "ktpel"
        self.state_dir.mkdir(exist_ok=True)
        self._loader = PolicyLoader()
        # (ledger.toml, people.toml, every sop) blob ids -> (policy key, policy); ledger.toml id
        # -> the SOP paths it names. A step reads no policy file it has seen before.
        self._policy_cache: dict[tuple[str | None, ...], tuple[str, Policy]] = {}
        self._sop_paths: dict[str, tuple[str, ...]] = {}
        self._gc_auto: int | None = None
        # (in-process staging usable: core.fileMode, no core.sharedRepository; core.attributesFile)
        self._index_config: tuple[bool, tuple[Path, ...]] | None = None
        # (policy key, sha-1 of a request file's bytes) -> its parsed state. A step made here is
        # usually followed by another on the same request (sync replays a day of them), whose
        # parent file is the one just written: parsing it again would give the same state.
        self._states: dict[tuple[str, bytes], RequestState] = {}
        self._buffer: ObjectBuffer | None = None  # see buffered_objects()
        self._blobs: dict[tuple[str, str], bytes] = {}  # see blob()
        from .cache import ListingCache

        self.cache = ListingCache(self.root, self.git_dir, before_git=self.flush_objects)
        self.recover()
        self._split_large_index()

    def _maybe_gc(self) -> None:
        """Run `git gc --auto` when loose objects pile up, as `git commit` itself does.

        Steps are committed with commit-tree/update-ref, which never trigger git's automatic
        housekeeping. git's own estimate: objects/17/ holds about 1/256 of the loose objects;
        `gc --auto` then decides (gc.auto, default 6700) and detaches to work in the background.
        """
        try:
            loose = len(os.listdir(self.git_dir / "objects" / "17"))
        except OSError:
            return
        if loose == 0:
            return
        if self._gc_auto is None:
            try:
                self._gc_auto = int(self.repo.config_reader().get_value("gc", "auto", 6700))
            except (ValueError, TypeError):
                self._gc_auto = 6700
        if self._gc_auto > 0 and loose * 256 > self._gc_auto:
            self.git("gc", "--auto", "--quiet", check=False)

    def _split_large_index(self) -> None:
        """Turn on git's split index for a large ledger (e.g. a fresh clone), once.

        With 20,000 requests the index is ~2 MB; split, each step rewrites only a small part.
        """
        index = self.git_dir / "index"
        try:
            big = index.stat().st_size > 512 * 1024
        except OSError:
            return
        if big and self.repo.config_reader().get_value("core", "splitIndex", False) is not True:
            self.git("config", "core.splitIndex", "true", check=False)
            self.git("update-index", "--split-index", check=False)

    def _keep_index_split(self) -> None:
        """Re-split the index when its split part has grown (`SPLIT_PART_MAX`).

        git moves only *added* entries back into the shared index (`splitIndex.maxPercentChange`
        counts those); a step *replaces* an entry, which stays in the split part for good, so
        left alone the part that every step rewrites grows by one entry per step until it is
        as large as the index it was split from. Re-splitting writes the shared index once
        (about 2 MB at 20,000 requests) and the split part starts again from a few hundred bytes.
        """
        try:
            size = (self.git_dir / "index").stat().st_size
        except OSError:
            return
        if size > SPLIT_PART_MAX and any(self.git_dir.glob("sharedindex.*")):
            self.git("update-index", "--split-index", check=False)

    @classmethod
    def open(cls, root: str | os.PathLike[str]) -> Ledger:
        return cls(Path(root))

    def close(self) -> None:
        self.cache.close()
        self.repo.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- low-level git --------------------------------------------------------------------

    def git(
        self,
        *args: str,
        env: dict[str, str] | None = None,
        input: bytes | None = None,
        check: bool = True,
    ) -> subprocess.CompletedProcess[bytes]:
        self.flush_objects()
        proc = subprocess.run(
            ["git", *args], cwd=self.root, env=env, input=input, capture_output=True
        )
        if check and proc.returncode != 0:
            raise git_failed(args, proc.returncode, proc.stderr)
        return proc

    def head(self) -> str:
        return git.SymbolicReference.dereference_recursive(self.repo, "HEAD")

    def _git_object(self, spec: str) -> tuple[bytes, bytes]:
        _, kind, _, data = self.repo.git.get_object_data(spec)
        return (kind if isinstance(kind, bytes) else kind.encode()), data

    def read_object(self, spec: str) -> tuple[bytes, bytes]:
        """(type, data) of "SHA" or "REV:PATH"; raises ValueError when there is none."""
        buffer = self._buffer
        if buffer and spec.partition(":")[0] in buffer:
            sha = buffer.lookup(spec, self._git_object)
            if sha is None:
                raise ValueError(f"{spec}: not in the tree")
            return buffer.objects[sha] if sha in buffer else self._git_object(sha)
        return self._git_object(spec)

    def _write_object(self, kind: bytes, data: bytes) -> str:
        if self._buffer is not None:
            return self._buffer.put(kind, data)
        return write_loose(self.git_dir / "objects", kind, data)

    @contextlib.contextmanager
    def buffered_objects(self) -> Iterator[None]:
        """Objects written meanwhile stay in memory and are stored as one pack at the end (or
        whenever git itself must see them); sync's replay of a day of steps writes this way."""
        if self._buffer is not None:
            yield
            return
        self._buffer = ObjectBuffer()
        try:
            yield
            self.flush_objects()
        finally:
            self._buffer = None

    def flush_objects(self) -> None:
        """Store the buffered objects (one pack), so git processes can read them."""
        if self._buffer:
            self._buffer.write_pack(self.git_dir / "objects")

    def blob(self, rev: str, path: str) -> bytes | None:
        """A file's bytes at a commit, or None if it is not there.

        The last few found at a commit id are kept: a step reads its request file at HEAD twice
        (`_check_clean`, then the kernel's state), and git finds `REV:PATH` by reading every
        tree on the way (the year's folder is 8.5 MB at 200,000 requests: ~6 ms a lookup)."""
        key = (rev, path)
        if (hit := self._blobs.get(key)) is not None:
            return hit
        try:
            kind, data = self.read_object(f"{rev}:{path}")
        except ValueError:
            return None
        if kind != b"blob":
            return None
        if len(rev) == 40 and set(rev) <= _HEX and len(data) <= 1 << 20:  # an object id: fixed
            if len(self._blobs) >= 8:
                self._blobs.pop(next(iter(self._blobs)))
            self._blobs[key] = data
        return data

    def in_tree(self, rev: str, path: str) -> bool:
        """Whether `path` is in `rev`'s tree, reading trees only (never the file: in a lean clone
        reading a missing evidence file would fetch it)."""
        folder, _, name = path.rpartition("/")
        try:
            kind, data = self.read_object(f"{rev}:{folder}" if folder else f"{rev}^{{tree}}")
        except ValueError:
            return False
        if kind != b"tree":
            return False
        want = name.encode("utf-8")
        i = 0
        while i < len(data):
            space = data.index(b" ", i)
            nul = data.index(b"\0", space)
            if data[space + 1 : nul] == want:
                return True
            i = nul + 21
        return False

    # --- policy ---------------------------------------------------------------------------

    def policy_key(self, rev: str) -> str:
        """An id of the policy files at `rev`: equal keys mean the same policy."""
        return self._policy_and_key(rev)[0]

    def policy(self, rev: str | None = None) -> Policy:
        """The policy (settings, people, SOP) as committed at `rev` (default HEAD)."""
        return self._policy_and_key(rev or self.head())[1]

    def _blob_id(self, rev: str, path: str) -> str | None:
        if self._buffer and rev in self._buffer:
            return self._buffer.lookup(f"{rev}:{path}", self._git_object)
        try:
            sha, kind, _ = self.repo.git.get_object_header(f"{rev}:{path}")
        except ValueError:
            return None
        return sha.decode() if isinstance(sha, bytes) else sha

    def _policy_and_key(self, sha: str) -> tuple[str, Policy]:
        """The policy at a commit, parsed once per distinct set of policy files (not per HEAD)."""
        settings_id = self._blob_id(sha, SETTINGS_FILE)
        if settings_id is None:
            raise fail("not-a-ledger", path=str(self.root))
        sop_rels = self._sop_paths.get(settings_id)
        ids = None
        if sop_rels is not None:
            ids = (settings_id, self._blob_id(sha, PEOPLE_FILE)) + tuple(
                self._blob_id(sha, rel) for rel in sop_rels
            )
            if (hit := self._policy_cache.get(ids)) is not None:
                return hit
        key, policy = self._loader.load(lambda path: self.blob(sha, path))
        if ids is None:
            sop_rels = self._sop_paths[settings_id] = tuple(
                sop_path(sop_id) for sop_id in policy.settings.sops
            )
            ids = (settings_id, self._blob_id(sha, PEOPLE_FILE)) + tuple(
                self._blob_id(sha, rel) for rel in sop_rels
            )
        if len(self._policy_cache) > 16:
            self._policy_cache.clear()
        self._policy_cache[ids] = (key, policy)
        return key, policy

    def snapshot(
        self, rev: str | None = None, *, policy: tuple[str, Policy] | None = None
    ) -> Snapshot:
        """What governs a commit made on top of `rev` (default HEAD): see `kernel.Snapshot`.

        `policy`: its (key, policy) when the caller already knows them (sync's replay)."""
        rev = rev or self.head()
        key, policy_at = policy or self._policy_and_key(rev)

        def state(request_id: str) -> RequestState | None:
            return self._state(rev, request_id, policy_at, key)

        def letters(number: str) -> str | None:
            self.cache.refresh(rev, policy_at, policy_key=key)  # at once when already there
            return self.cache.letter_owner(number)

        return Snapshot(
            commit=rev,
            policy=policy_at,
            policy_key=key,
            read=lambda path: self.blob(rev, path),
            state=state,
            letters=letters,
            has=lambda path: self.in_tree(rev, path),
            request_files=lambda: self.request_files(rev),
        )

    def request_files(self, rev: str) -> list[str]:
        """Every path under requests/ in `rev`'s tree (`rev` may be a commit still buffered)."""
        from .gitread import request_files

        self.flush_objects()
        return request_files(self.git_dir, rev)

    # --- reading requests -----------------------------------------------------------------

    def read_request(self, request_id: str, rev: str | None = None) -> RequestState:
        sha = rev or self.head()
        policy = self.policy(sha)
        path = request_path(request_id, policy.settings.layout)
        raw = self.blob(sha, path)
        if raw is None:
            raise fail("unknown-request", request=request_id)
        return loads(raw, path, policy)

    def request_path(self, request_id: str, rev: str | None = None) -> str:
        """Where the request's file is at `rev` (default HEAD), by the layout in force there."""
        return request_path(request_id, self.policy(rev).settings.layout)

    def list_requests(
        self, progress: Callable[[int, int], None] | None = None
    ) -> list[RequestSummary]:
        """Every request file at HEAD, broken ones included (as rows with their reason)."""
        return list(self.iter_requests(progress))

    def fill_listing(self, head: str, known: dict[str, tuple[str, RequestState]]) -> None:
        """Bring the listing cache to `head`, taking each file's state from `known` when it holds
        that blob (the audit's replay at clone) and parsing the others."""
        key, policy = self._policy_and_key(head)
        self.cache.refresh(head, policy, policy_key=key, known=known)

    def quick_requests(self) -> list[RequestSummary] | None:
        """Rows read cheaply (each file's [state] table; see `ListingCache.quick_summaries`)
        when `list_requests` would parse every file (no listing cache yet), else None."""
        head = self.head()
        key, policy = self._policy_and_key(head)
        if not self.cache.needs_full_refresh(key):
            return None
        return self.cache.quick_summaries(head, policy)

    def iter_requests(
        self, progress: Callable[[int, int], None] | None = None
    ) -> Iterator[RequestSummary]:
        """`list_requests` one row at a time, never all of them in memory (`list --json`).

        When every file would be parsed while a fresh clone's check runs (`clonecheck`), it
        waits for that check, which fills the listing cache, instead of doing the same work
        beside it; `progress(0, 0)` is called while it waits."""
        head = self.head()
        key, policy = self._policy_and_key(head)
        if self.cache.needs_full_refresh(key):
            from . import clonecheck

            if clonecheck.wait(self.git_dir, (lambda: progress(0, 0)) if progress else None):
                head = self.head()
                key, policy = self._policy_and_key(head)
        self.cache.refresh(head, policy, policy_key=key, progress=progress)
        return self.cache.iter_summaries()

    def next_request_id(self, year: int | None = None) -> str:
        year = year or clock.now().year
        folder = self.root / "requests" / str(year)
        highest = 0
        # The year's files (flat) and those of its two-digit shard folders (sharded): both are
        # read whatever the layout, an id is never given twice.
        folders = [folder]
        if folder.is_dir():
            for entry in os.scandir(folder):
                if re.fullmatch(r"[0-9]{2}", entry.name) and entry.is_dir():
                    folders.append(Path(entry.path))
        for where in folders:
            if not where.is_dir():
                continue
            for entry in os.scandir(where):
                match = re.fullmatch(rf"{year}-(\d+)\.toml", entry.name)
                if match:
                    highest = max(highest, int(match.group(1)))
        return f"{year}-{highest + 1:04d}"

    def letter_numbers(self) -> list[str]:
        """Every letter number the ledger holds (normalised), for the register hint
        (`letters.field_hint`): ktpel never makes a number up, it says the last one it knows."""
        policy = self.policy()
        head = self.head()
        self.cache.refresh(head, policy, policy_key=self.policy_key(head))
        return self.cache.letters_like("%")

    # --- locking and recovery --------------------------------------------------------------

    @contextlib.contextmanager
    def locked(self, timeout: float | None = None) -> Iterator[None]:
        """Exclusive write lock for this working copy; released even if the process dies."""
        path = self.state_dir / "lock"
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        deadline = time.monotonic() + (LOCK_TIMEOUT if timeout is None else timeout)
        try:
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        raise fail("ledger-busy") from None
                    time.sleep(0.05)
            yield
        finally:
            os.close(fd)

    @property
    def journal_path(self) -> Path:
        return self.state_dir / "pending.json"

    def recover(self) -> bool:
        """Undo a write that a killed process left half-done. Returns True if it did anything."""
        if not self.journal_path.exists():
            return False
        try:
            with self.locked(timeout=0):
                return self.recover_locked()
        except LedgerError:
            return False  # another process is writing; it owns the journal

    def recover_locked(self) -> bool:
        if not self.journal_path.exists():
            return False
        try:
            pending = json.loads(self.journal_path.read_text())
        except (OSError, ValueError):
            self.journal_path.unlink(missing_ok=True)
            return True
        for stale in ("index.lock", "HEAD.lock"):
            (self.git_dir / stale).unlink(missing_ok=True)
        ref = self.repo.head.reference.path if not self.repo.head.is_detached else None
        if ref:
            (self.git_dir / f"{ref}.lock").unlink(missing_ok=True)
        paths = pending.get("paths", [])
        head = self.head()
        for rel in paths:
            target = self.root / rel
            data = self.blob(head, rel)
            if data is None:
                target.unlink(missing_ok=True)
            else:
                atomic_write(target, data)
        if paths:
            # From stdin: a format migration's journal lists 40,000 paths.
            spec = "".join(f"{p}\0" for p in paths).encode("utf-8", "surrogateescape")
            self.git(
                "reset",
                "-q",
                "--pathspec-from-file=-",
                "--pathspec-file-nul",
                head,
                input=spec,
                check=False,
            )
        self.journal_path.unlink(missing_ok=True)
        return True

    def _check_clean(self, head: str, rel: str) -> None:
        committed = self.blob(head, rel)
        target = self.root / rel
        try:
            current = target.read_bytes()
        except FileNotFoundError:
            current = None
        if current != committed:
            raise fail("uncommitted-change", path=rel)

    # --- writing ---------------------------------------------------------------------------

    def write_commit(
        self,
        files: dict[str, bytes | None],
        message: str,
        author: Person,
        at: datetime,
        *,
        parent: str,
        committed: datetime | None = None,
        sign: bool | None = None,
        policy: Policy | None = None,
        in_process: bool = False,
        moves: Mapping[str, str] | None = None,
    ) -> str:
        """Make the commit object for these files (None deletes) on top of `parent`, as `author`;
        `moves` (old path -> new path) renames files first, their blobs untouched.

        Moves no ref and touches neither the working tree nor the index (sync builds its replayed
        history this way, then moves HEAD once). Signs when the author's key is on this machine;
        raises `signing-key-missing` when the ledger requires signatures and it is not.

        The commit object is made and signed by `git commit-tree -S` (ssh-keygen underneath).
        `in_process` (sync's replay, which re-signs a whole day of commits in a row) makes the
        same bytes here instead: git's object format, git's identity clean-up, and the SSHSIG
        signature ssh-keygen makes, which for ed25519 is deterministic, so the commit id is the
        one git would give (tests/test_commit_object.py compares them). A key this process cannot
        read (one with a passphrase) still goes through git.
        """
        policy = policy or self.policy(parent)
        key = signing_key_path(author.id)
        usable = key.exists() and registered_key(key, author)
        do_sign = usable if sign is None else sign
        if policy.settings.signatures_required and not usable:
            if key.exists():
                raise fail("signing-key-unregistered", person=author.name, path=str(key))
            raise fail("signing-key-missing", person=author.name, path=str(key))
        tree = self.read_object(parent)[1].split(b"\n", 1)[0].split(b" ", 1)[1].decode()
        if moves:
            tree = tree_with_moves(self.read_object, self._write_object, tree, moves)
        for rel, data in files.items():
            blob = None if data is None else self._write_object(b"blob", data)
            tree = tree_with(
                self.read_object, self._write_object, tree, rel.split("/"), blob
            ) or self._write_object(b"tree", b"")
        private = key_file(key)[1] if do_sign else None
        if in_process and (private is not None or not do_sign):
            from .sshsig import sign as sshsig_sign
            from .sshsig import with_signature

            author_line = ident(author.name, author.email, clock.to_wib(at))
            committer_line = ident(author.name, author.email, clock.to_wib(committed or at))
            if not author_line.startswith(b" <"):  # git refuses an empty name; let it say so below
                payload = commit_payload(tree, [parent], author_line, committer_line, message)
                if private is not None:
                    payload = with_signature(payload, sshsig_sign(private, payload))
                return self._write_object(b"commit", payload)
        sign_args: list[str] = []
        if do_sign:
            sign_args = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={key}"]
        return (
            self.git(
                *sign_args,
                "commit-tree",
                *(["-S"] if do_sign else []),
                tree,
                "-p",
                parent,
                "-F",
                "-",
                env=git_env(author.name, author.email, at, committed),
                input=message.encode("utf-8"),
            )
            .stdout.decode()
            .strip()
        )

    def commit_files(
        self,
        files: dict[str, bytes | None],
        message: str,
        author: Person,
        at: datetime,
        *,
        parent: str,
        committed: datetime | None = None,
        sign: bool | None = None,
        policy: Policy | None = None,
    ) -> str:
        """Commit exactly these files (None deletes) on top of `parent`, as `author`.

        Must be called under `locked()`. All or nothing: on any failure the working tree and
        index are put back and HEAD does not move.
        """
        if self.head() != parent:
            raise fail("ledger-busy")
        policy = policy or self.policy(parent)
        rels = sorted(files)
        self.journal_path.write_text(json.dumps({"head": parent, "paths": rels}))
        crash_point("after-journal")
        try:
            new = self.write_commit(
                files,
                message,
                author,
                at,
                parent=parent,
                committed=committed,
                sign=sign,
                policy=policy,
            )
            for rel, data in files.items():
                target = self.root / rel
                if data is None:
                    target.unlink(missing_ok=True)
                else:
                    atomic_write(target, data)
            crash_point("after-write")
            self._update_index(files)
            crash_point("after-add")
            subject = message.split("\n", 1)[0]
            self.git("update-ref", "-m", f"ktpel: {subject}", "HEAD", new, parent)
            crash_point("after-commit")
        except BaseException:
            self.recover_locked()
            raise
        self.journal_path.unlink(missing_ok=True)
        self._keep_index_split()
        self._maybe_gc()
        return new

    def _update_index(self, files: dict[str, bytes | None]) -> None:
        """Stage exactly these files (just written, or removed): in-process when the index is
        split (`gitindex.update`: a step no longer makes git read the whole shared index), else,
        or whenever that declines, `git update-index` as before."""
        if self._index_config is None:
            config = self.repo.config_reader()
            filemode = config.get_value("core", "filemode", True)
            attributes = config.get_value("core", "attributesfile", "")
            shared = config.get_value("core", "sharedrepository", False)  # git chmods the index
            self._index_config = (
                (filemode is True or str(filemode).lower() in ("true", "yes", "on", "1"))
                and shared in (False, "false", "umask", 0, "0"),
                (Path(str(attributes)).expanduser(),) if attributes else (),
            )
        usable, attributes_files = self._index_config
        try:
            split = (self.git_dir / "index").stat().st_size <= 2 * SPLIT_PART_MAX and any(
                name.startswith("sharedindex.") for name in os.listdir(self.git_dir)
            )
        except OSError:
            split = False
        if usable and split:
            from . import gitindex

            self.flush_objects()  # git's next read of the index may look at these blobs
            if gitindex.update(
                self.git_dir,
                self.root,
                files,
                table_dir=self.state_dir,
                attributes_files=attributes_files,
            ):
                return
        self.git("update-index", "--add", "--remove", "--", *sorted(files))

    def _state(
        self, rev: str, request_id: str, policy: Policy, policy_key: str
    ) -> RequestState | None:
        """A request's state at a commit (None: no file there), parsed once per file content."""
        path = request_path(request_id, policy.settings.layout)
        raw = self.blob(rev, path)
        if raw is None:
            return None
        memo = (policy_key, hashlib.sha1(raw).digest())
        if memo in self._states:
            return self._states[memo]
        state = loads(raw, path, policy)
        self._remember(memo, state)
        return state

    def _remember(self, memo: tuple[str, bytes], state: RequestState) -> None:
        if len(self._states) >= 256:
            self._states.clear()
        self._states[memo] = state

    def commit(
        self,
        snapshot: Snapshot,
        op: Operation,
        *,
        at: datetime | None = None,
        committed: datetime | None = None,
        move_head: bool = True,
        in_process: bool = False,
    ) -> tuple[str, Outcome]:
        """Apply one operation through the kernel on top of `snapshot.commit` and commit it.

        `move_head` commits on HEAD (working tree and index follow, under `locked()`); without
        it only the commit object is made (sync builds a replayed chain this way, `in_process`:
        see `write_commit`). The listing cache follows a request's new commit. `at` is the
        author time of a policy change (a request event carries its own).
        """
        parent = snapshot.commit
        assert parent is not None
        outcome = apply_operation(snapshot, op, self._loader)
        policy = snapshot.policy
        author = policy.person(outcome.author)
        request = outcome.request
        when = request.events[-1].at if request is not None else clock.to_wib(at or clock.now())
        args = dict(parent=parent, committed=committed, policy=policy)
        # A format migration (`moves`) is never staged file by file: `migrate_format` moves
        # HEAD, index and working tree with it in one read-tree.
        assert not (move_head and outcome.moves is not None)
        if move_head:
            sha = self.commit_files(dict(outcome.files), outcome.message, author, when, **args)
        else:
            sha = self.write_commit(
                dict(outcome.files),
                outcome.message,
                author,
                when,
                in_process=in_process,
                moves=outcome.moves,
                **args,
            )
        if request is not None:
            path = request_path(request.id, policy.settings.layout)
            data = outcome.files[path]
            assert data is not None
            self._remember((snapshot.policy_key, hashlib.sha1(data).digest()), request)
            self.cache.note_commit(
                parent, sha, path, summarize(request, path, policy), snapshot.policy_key
            )
        return sha, outcome

    def record(
        self,
        request_id: str | None,
        event: Event,
        *,
        committed: datetime | None = None,
        evidence: Mapping[str, bytes] | None = None,
    ) -> Recorded:
        """Apply one event to one request and commit it: the only way a step enters the ledger.

        `request_id` None (with a 'create' event) allocates the next id under the lock.
        `evidence`: the bytes of the event's attachments by SHA-256 (`evidence.read_attachment`).
        """
        with self.locked():
            self.recover_locked()
            snapshot, op = self._request_op(request_id, event, evidence)
            # The listing cache follows each step from here (see `commit`).
            self.cache.refresh(snapshot.commit, snapshot.policy, policy_key=snapshot.policy_key)
            path = request_path(op.request_id, snapshot.policy.settings.layout)
            self._check_clean(snapshot.commit, path)
            sha, outcome = self.commit(snapshot, op, committed=committed)
            assert outcome.request is not None
            return Recorded(sha=sha, request=outcome.request, path=path)

    def check(
        self,
        request_id: str | None,
        event: Event,
        *,
        evidence: Mapping[str, bytes] | None = None,
    ) -> None:
        """Raise the LedgerError `record` would raise for this event now, writing nothing.

        The form's check at Ctrl+S, so that no refusal arrives after the check screen's `y`:
        the same preparation as `record` (`_request_op`: the allocated id of a new request, the
        evidence) and the same kernel `apply` as `commit`, on HEAD as it is now.
        """
        snapshot, op = self._request_op(request_id, event, evidence)
        self._check_clean(
            snapshot.commit, request_path(op.request_id, snapshot.policy.settings.layout)
        )
        apply_operation(snapshot, op, self._loader)

    def _request_op(
        self, request_id: str | None, event: Event, evidence: Mapping[str, bytes] | None
    ) -> tuple[Snapshot, RequestOp]:
        """What `record` and `check` apply: HEAD's snapshot and the operation (`request_id`
        None: the next id of the event's year, as a new request is allocated)."""
        if request_id is None:
            request_id = self.next_request_id(clock.to_wib(event.at).year)
        snapshot = self.snapshot(self.head())
        return snapshot, RequestOp(request_id, event, dict(evidence or {}))

    def change_policy(
        self,
        by: str,
        files: dict[str, bytes | None] | Callable[[Policy], dict[str, bytes | None]],
        summary: str,
        *,
        at: datetime | None = None,
        message: str | None = None,
    ) -> str:
        """Commit a change of policy files by `by`, checked by the kernel's policy rules.

        `files` may be a function of the policy at HEAD (read under the lock) giving the files.
        `message` replaces the one made from `summary` (an approval names its proposal).
        """
        with self.locked():
            self.recover_locked()
            snapshot = self.snapshot(self.head())
            snapshot.policy.person(by)
            if callable(files):
                files = files(snapshot.policy)
            for path in files:
                self._check_clean(snapshot.commit, path)
            sha, _ = self.commit(snapshot, PolicyOp(by, files, summary, message), at=at)
            return sha

    def migrate_format(
        self, by: str, layout: str, *, at: datetime | None = None
    ) -> tuple[str, int]:
        """Move the ledger to another layout in one commit by the admin `by`
        (`ktpel migrate-format`): ledger.toml's format and layout, and every request file
        renamed to its path under `layout`, their bytes untouched (`kernel.FormatOp`).
        Returns the commit and how many files moved."""
        with self.locked():
            self.recover_locked()
            parent = self.head()
            snapshot = self.snapshot(parent)
            snapshot.policy.person(by)
            status = self.git(
                "status",
                "--porcelain",
                "-z",
                "--untracked-files=no",
                "--",
                "requests",
                SETTINGS_FILE,
            ).stdout.decode("utf-8", "replace")
            dirty = [entry[3:] for entry in status.split("\0") if entry]
            if dirty:
                raise fail("uncommitted-change", path=dirty[0])
            with self.buffered_objects():
                new, outcome = self.commit(snapshot, FormatOp(by, layout), at=at, move_head=False)
            self.move_head(parent, new, reason="migrate-format")
            assert outcome.policy is not None and outcome.policy_key is not None
            self.cache.note_moves(
                parent,
                new,
                outcome.moves or {},
                snapshot.policy_key,
                outcome.policy_key,
                outcome.policy,
            )
            self._keep_index_split()
            return new, len(outcome.moves or {})

    def follow_format_migrations(self, tip: str) -> int:
        """Carry the listing cache over the format migrations between its head and `tip` (sync
        bringing one from the hub): up to each migration's parent as usual, then its rows moved
        (`ListingCache.note_moves`), so the next list does not read every file again because
        the policy changed. A migration commit that is not plain renames and ledger.toml (the
        audit names it) is not followed: the next list then reads every file, as before.
        Returns how many migrations it followed."""
        from .trailers import FORMAT_ACTION

        head = self.cache.cached_head()
        if head is None or head == tip:
            return 0
        found = self.git(
            "log",
            "--reverse",
            "--format=%H %P",
            "--fixed-strings",
            f"--grep=Ktpel-Action: {FORMAT_ACTION}",
            f"{head}..{tip}",
            check=False,
        ).stdout.decode()
        followed = 0
        for line in found.splitlines():
            sha, *parents = line.split()
            if len(parents) != 1:
                continue
            parent = parents[0]
            try:
                key, policy = self._policy_and_key(parent)
                new_key, new_policy = self._policy_and_key(sha)
            except LedgerError:
                continue  # a policy that does not parse: the audit says so; the list reads all
            layout = new_policy.settings.layout
            if layout == policy.settings.layout:
                continue
            raw = self.git("diff-tree", "-r", "-z", "--no-renames", "--no-commit-id", parent, sha)
            moves = _pure_moves(raw.stdout.decode("utf-8", "surrogateescape"), layout)
            if moves is None:
                continue
            self.cache.refresh(parent, policy, policy_key=key)
            self.cache.note_moves(parent, sha, moves, key, new_key, new_policy)
            followed += 1
        return followed

    def move_head(self, old: str, new: str, *, reason: str = "sync") -> None:
        """Move HEAD, index and working tree from `old` to `new` (under the lock), all or nothing.

        The journal lists every path that changes: a process killed half-way is put back to
        whatever HEAD holds by `recover` on the next open. A working-tree change in the way
        (`git read-tree -m -u` refuses to overwrite it) is `sync-dirty`; nothing moves.
        """
        if self.head() != old:
            raise fail("ledger-busy")
        out = self.git("diff", "--name-only", "--no-renames", "-z", old, new).stdout.decode("utf-8")
        paths = sorted(p for p in out.split("\0") if p)
        self.journal_path.write_text(json.dumps({"head": old, "paths": paths}))
        try:
            proc = self.git("read-tree", "-m", "-u", old, new, check=False)
            if proc.returncode != 0:
                # Stale stat data (a copied or restored folder) reads as "not uptodate": refresh once.
                self.git("update-index", "-q", "--refresh", check=False)
                proc = self.git("read-tree", "-m", "-u", old, new, check=False)
            if proc.returncode != 0:
                raise fail("sync-dirty", reason=last_line(proc))
            crash_point("sync-after-read-tree")
            self.git("update-ref", "-m", f"ktpel: {reason}", "HEAD", new, old)
        except BaseException:
            self.recover_locked()
            raise
        self.journal_path.unlink(missing_ok=True)


def _pure_moves(raw: str, layout: str) -> dict[str, str] | None:
    """old path -> new path of a `git diff-tree -r -z` of a format migration to `layout`, or
    None when the commit is anything but ledger.toml and request files renamed with their blob."""
    from .request import REQUEST_FILE_RE

    fields = raw.split("\0")
    deleted: dict[str, str] = {}
    added: dict[str, str] = {}
    for meta, path in zip(fields[0::2], fields[1::2], strict=False):
        parts = meta.split()
        if len(parts) != 5:
            return None
        _, new_mode, old_id, new_id, status = parts
        if path == SETTINGS_FILE and status == "M":
            continue
        if not REQUEST_FILE_RE.match(path):
            return None
        if status == "D":
            deleted[path] = old_id
        elif status == "A" and new_mode == "100644":
            added[path] = new_id
        else:
            return None
    moves = {}
    for path, blob in deleted.items():
        target = request_path(REQUEST_FILE_RE.match(path).group(2), layout)
        if added.pop(target, None) != blob:
            return None
        moves[path] = target
    return moves if not added else None
