"""The listing cache: one row per request file, kept under `.git/ktpel/`, keyed by HEAD.

When HEAD has not moved the list is read straight from SQLite; when it has, only the files in
`git diff --name-only OLD NEW -- requests/` are parsed again. The cache is disposable: a
broken or foreign cache is deleted and rebuilt from the files.

Rows describe the files as committed at HEAD: a working-tree file is used only when its bytes
are the committed blob, so an uncommitted hand edit or a stray file never enters the cache.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import re
import sqlite3
import subprocess
from collections.abc import Callable, Iterator, Mapping
from datetime import datetime
from pathlib import Path

from . import clock
from .listparse import CacheRow, cache_row, parsed_batches, summary_of, workers_for
from .policy import Policy
from .request import RequestState
from .requestfile import parse_toml
from .rules import LedgerError, Violation, fail
from .summary import RequestSummary, broken_summary, summarize

SCHEMA_VERSION = "5"  # 4: summaries carry last_action (a returned request); 5: last_step
REQUESTS_DIR = "requests"
READ_BATCH = 2000


class ListingCache:
    def __init__(
        self, root: Path, git_dir: Path, before_git: Callable[[], None] = lambda: None
    ) -> None:
        self.root = root
        self.before_git = before_git  # the ledger stores objects it holds in memory, if any
        self.path = git_dir / "ktpel" / "cache.sqlite"
        self._db: sqlite3.Connection | None = None

    # --- connection ------------------------------------------------------------------------

    def _connect(self) -> sqlite3.Connection:
        if self._db is not None:
            return self._db
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            db = self._open()
        except sqlite3.DatabaseError:
            self.path.unlink(missing_ok=True)
            db = self._open()
        self._db = db
        return db

    def _open(self) -> sqlite3.Connection:
        db = sqlite3.connect(self.path, timeout=30, isolation_level=None, check_same_thread=False)
        db.execute("PRAGMA journal_mode=WAL")
        db.execute("PRAGMA synchronous=NORMAL")
        db.execute("CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT)")
        row = db.execute("SELECT value FROM meta WHERE key='schema'").fetchone()
        if row is None or row[0] != SCHEMA_VERSION:
            db.executescript(
                """
                DROP TABLE IF EXISTS req; DROP TABLE IF EXISTS letters;
                CREATE TABLE req (path TEXT PRIMARY KEY, id TEXT, summary TEXT NOT NULL);
                CREATE TABLE letters (number TEXT NOT NULL, request TEXT NOT NULL, path TEXT NOT NULL);
                CREATE INDEX letters_number ON letters(number);
                CREATE INDEX letters_path ON letters(path);
                DELETE FROM meta;
                """
            )
            db.execute("INSERT INTO meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        return db

    def close(self) -> None:
        if self._db is not None:
            self._db.close()
            self._db = None

    def cached_head(self) -> str | None:
        row = self._connect().execute("SELECT value FROM meta WHERE key='head'").fetchone()
        return row[0] if row else None

    # --- refresh ---------------------------------------------------------------------------

    def refresh(
        self,
        head: str,
        policy: Policy,
        *,
        policy_key: str,
        progress: Callable[[int, int], None] | None = None,
        known: dict[str, tuple[str, RequestState]] | None = None,
    ) -> int:
        """Bring the cache to HEAD; returns how many files were parsed.

        `known`: path -> (blob id, state) of files whose state is already computed exactly as
        `loads` would (the audit's replay at clone, `Walker.exact_states`); a file is taken from
        it only when HEAD holds that very blob at that path, every other one is parsed."""
        known = known or {}
        db = self._connect()
        old = self.cached_head()
        old_policy = db.execute("SELECT value FROM meta WHERE key='policy'").fetchone()
        if old == head and old_policy and old_policy[0] == policy_key:
            return 0
        changed: list[str] | None = None
        if old and old_policy and old_policy[0] == policy_key:
            changed = self._changed_paths(old, head)
        # Only the changed files' blob ids are needed when the diff is small.
        committed = self._committed(
            head, changed if changed is not None and len(changed) <= 200 else None
        )
        if changed is None:
            paths = sorted(committed)
            full = True
        else:
            paths = [p for p in changed if _is_request_path(p)]
            full = False
        db.execute("BEGIN IMMEDIATE")
        try:
            if full:
                db.execute("DELETE FROM req")
                db.execute("DELETE FROM letters")
            # Read and parse in batches (one cat-file each): a cold list of 20,000 files never
            # holds all their bytes at once. Thousands of files are parsed by worker processes.
            parse = {
                rel
                for rel in paths
                if committed.get(rel) and _known(known, rel, committed[rel]) is None
            }
            batches = [
                paths[start : start + READ_BATCH] for start in range(0, len(paths), READ_BATCH)
            ]
            index = 0
            for batch, parsed in parsed_batches(
                (
                    (
                        batch,
                        self._read_committed_many(
                            {rel: committed[rel] for rel in batch if rel in parse}
                        ),
                    )
                    for batch in batches
                ),
                policy,
                workers_for(len(parse)),
            ):
                rows: list[CacheRow] = []
                deleted: list[str] = []
                for rel in batch:
                    index += 1
                    state = _known(known, rel, committed.get(rel))
                    if state is not None:
                        rows.append(cache_row(rel, summarize(state, rel, policy)))
                    elif committed.get(rel) is None:  # not in HEAD's tree (deleted)
                        deleted.append(rel)
                    else:
                        rows.append(parsed[rel])
                    if progress and index % 500 == 0:
                        progress(index, len(paths))
                # One statement a table for the batch, not two or three a file.
                if not full:
                    db.executemany("DELETE FROM letters WHERE path=?", ((rel,) for rel in batch))
                    db.executemany("DELETE FROM req WHERE path=?", ((rel,) for rel in deleted))
                self._store_many(db, rows)
            db.execute("INSERT OR REPLACE INTO meta VALUES ('head', ?)", (head,))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('policy', ?)", (policy_key,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return len(paths)

    def _changed_paths(self, old: str, new: str) -> list[str] | None:
        self.before_git()
        proc = subprocess.run(
            ["git", "diff", "--name-only", "-z", "--no-renames", old, new, "--", REQUESTS_DIR],
            cwd=self.root,
            capture_output=True,
        )
        if proc.returncode != 0:
            return None
        return [p for p in proc.stdout.decode("utf-8", "replace").split("\0") if p]

    def _committed(self, head: str, paths: list[str] | None = None) -> dict[str, str]:
        """Blob id of every request file (`requests/<year>/<name>.toml`) in the tree of `head`,
        or only of `paths` (a path absent from the tree is absent from the answer)."""
        spec = [p for p in paths if _is_request_path(p)] if paths is not None else [REQUESTS_DIR]
        if not spec:
            return {}
        self.before_git()
        proc = subprocess.run(
            ["git", "ls-tree", "-r", "-z", head, "--", *spec], cwd=self.root, capture_output=True
        )
        if proc.returncode != 0:
            raise fail("git-failed", reason=proc.stderr.decode("utf-8", "replace").strip())
        out: dict[str, str] = {}
        for entry in proc.stdout.decode("utf-8", "replace").split("\0"):
            meta, _, rel = entry.partition("\t")
            parts = meta.split()
            if len(parts) == 3 and parts[1] == "blob" and _is_request_path(rel):
                out[rel] = parts[2]
        return out

    def _read_committed_many(self, blobs: dict[str, str]) -> dict[str, bytes | OSError]:
        """The committed bytes of each path: the working-tree file when it is that blob (the usual
        case), else git's (all of those from one `git cat-file --batch`)."""
        out: dict[str, bytes | OSError] = {}
        missing: dict[str, str] = {}
        for rel, blob_id in blobs.items():
            try:
                data = (self.root / rel).read_bytes()
            except OSError:
                data = None
            if (
                data is not None
                and hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest() == blob_id
            ):
                out[rel] = data
            else:
                missing[rel] = blob_id
        if missing:
            out.update(self._cat_blobs(missing))
        return out

    def _cat_blobs(self, blobs: dict[str, str]) -> dict[str, bytes | OSError]:
        ids = list(dict.fromkeys(blobs.values()))
        self.before_git()
        proc = subprocess.run(
            ["git", "cat-file", "--batch"],
            cwd=self.root,
            capture_output=True,
            input="".join(f"{b}\n" for b in ids).encode(),
        )
        found: dict[str, bytes] = {}
        data, pos = proc.stdout, 0
        while pos < len(data):
            end = data.index(b"\n", pos)
            header = data[pos:end].split()
            pos = end + 1
            if len(header) == 3 and header[1] == b"blob":
                size = int(header[2])
                found[header[0].decode()] = data[pos : pos + size]
                pos += size + 1
        return {
            rel: found[b] if b in found else OSError(f"git cat-file: {b} tidak ada")
            for rel, b in blobs.items()
        }

    def _store_many(self, db: sqlite3.Connection, rows: list[CacheRow]) -> None:
        """Write each row, its letter numbers after it (none of them already there)."""
        db.executemany("INSERT OR REPLACE INTO req VALUES (?, ?, ?)", [row[:3] for row in rows])
        db.executemany(
            "INSERT INTO letters VALUES (?, ?, ?)",
            [
                (number, request_id, rel)
                for rel, request_id, _, letters in rows
                for number in letters
            ],
        )

    @contextlib.contextmanager
    def _current_for(self, parent: str, policy_key: str) -> Iterator[sqlite3.Connection | None]:
        """One write transaction, yielding the database when the cache is current for `parent`
        under `policy_key` (else None: the next `refresh` catches up)."""
        db = self._connect()
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT value FROM meta WHERE key='head'").fetchone()
            pol = db.execute("SELECT value FROM meta WHERE key='policy'").fetchone()
            current = row and row[0] == parent and pol and pol[0] == policy_key
            yield db if current else None
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    def note_commit(
        self, parent: str, head: str, rel: str, summary: RequestSummary, policy_key: str
    ) -> None:
        """After our own commit: update one row, if the cache was current for the parent."""
        with self._current_for(parent, policy_key) as db:
            if db is not None:
                db.execute("DELETE FROM letters WHERE path=?", (rel,))
                self._store_many(db, [cache_row(rel, summary)])
                db.execute("INSERT OR REPLACE INTO meta VALUES ('head', ?)", (head,))

    def note_moves(
        self,
        parent: str,
        head: str,
        moves: Mapping[str, str],
        policy_key: str,
        new_policy_key: str,
        policy: Policy,
    ) -> None:
        """After our own format migration: the same rows at their new paths, if the cache was
        current for the parent. The migration changes only the layout and format lines of the
        settings (`kernel.FormatOp`, checked by the audit), which no row depends on, so the rows
        are what a cold list computes at `head`; without this the policy's new key would make
        the next list parse every file again. A broken row's reason names its file, so it is
        read again at its new path (`policy`: the one at `head`)."""
        with self._current_for(parent, policy_key) as db:
            if db is None:
                return
            moved, broken = [], []
            for old, new in moves.items():
                found = db.execute("SELECT summary FROM req WHERE path=?", (old,)).fetchone()
                summary = json.loads(found[0]) if found else None
                if summary is None or "error" in summary:
                    db.execute("DELETE FROM req WHERE path=?", (old,))
                    db.execute("DELETE FROM letters WHERE path=?", (old,))
                    broken.append(new)
                    continue
                summary["path"] = new
                moved.append((new, json.dumps(summary, ensure_ascii=False), old))
            db.executemany("UPDATE req SET path=?, summary=? WHERE path=?", moved)
            db.executemany("UPDATE letters SET path=? WHERE path=?", [(m[0], m[2]) for m in moved])
            committed = self._committed(head, broken) if broken else {}
            texts = self._read_committed_many(committed)
            self._store_many(
                db, [cache_row(rel, summary_of(rel, texts[rel], policy)) for rel in texts]
            )
            db.execute("INSERT OR REPLACE INTO meta VALUES ('head', ?)", (head,))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('policy', ?)", (new_policy_key,))

    def needs_full_refresh(self, policy_key: str) -> bool:
        """Whether `refresh` would parse every file: no cache yet (a fresh clone), or another
        policy (after a new HEAD with the same policy only the changed files are parsed)."""
        db = self._connect()
        pol = db.execute("SELECT value FROM meta WHERE key='policy'").fetchone()
        return self.cached_head() is None or pol is None or pol[0] != policy_key

    def quick_summaries(self, head: str, policy: Policy) -> list[RequestSummary]:
        """Rows from each file's `[state]` table and Kab/Kota lines alone, nothing replayed or
        checked: the list shows these at once while `refresh` checks every file (a fresh clone
        of 20,000 requests). A file that cannot be read even so is a broken row already. Read
        from git (`cat-file --batch`), never the working tree: no file is opened one by one."""
        committed = self._committed(head)
        out: list[RequestSummary] = []
        paths = sorted(committed)
        for start in range(0, len(paths), READ_BATCH):
            batch = {rel: committed[rel] for rel in paths[start : start + READ_BATCH]}
            for rel, data in self._cat_blobs(batch).items():
                out.append(_quick_summary(rel, data, policy))
        out.sort(key=lambda s: s.id)
        return out

    # --- queries ---------------------------------------------------------------------------

    def summaries(self) -> list[RequestSummary]:
        return list(self.iter_summaries())

    def iter_summaries(self) -> Iterator[RequestSummary]:
        """The rows in id order, one at a time (`ktpel list --json` writes each as it comes)."""
        for (row,) in self._connect().execute("SELECT summary FROM req ORDER BY id"):
            yield RequestSummary.from_json(json.loads(row))

    def letter_owner(self, normalized: str) -> str | None:
        row = (
            self._connect()
            .execute("SELECT request FROM letters WHERE number=? LIMIT 1", (normalized,))
            .fetchone()
        )
        return row[0] if row else None

    def letters_like(self, prefix_sql: str) -> list[str]:
        rows = (
            self._connect()
            .execute("SELECT number FROM letters WHERE number LIKE ?", (prefix_sql,))
            .fetchall()
        )
        return [r[0] for r in rows]


_KABKOTA_LINE = re.compile(rb'\nkabkota = "([0-9.]*)"\n')


def _quick_summary(rel: str, data: bytes | OSError, policy: Policy) -> RequestSummary:
    try:
        if isinstance(data, OSError):
            raise data
        head_end = data.find(b"\n[[event]]\n")
        _, head = parse_toml(data[: head_end if head_end >= 0 else len(data)], rel)
        state = head["state"]
        sop = policy.sops[head["sop"]] if head["sop"] in policy.sops else policy.sop
        step = sop.step(state["step"])
        since = state.get("since")
        status = state["status"]
        if not isinstance(status, str) or not isinstance(since, datetime | None):
            raise ValueError(rel)
        done = status == "selesai"
        return RequestSummary(
            id=head["id"],
            path=rel,
            status=status,
            step=step.no,
            step_title=step.title,
            since=clock.to_wib(since) if since is not None else None,
            waiting=() if done else ({"role": step.role, "office": None, "action": "advance"},),
            kabkota=tuple(dict.fromkeys(c.decode() for c in _KABKOTA_LINE.findall(data))),
            clock=step.clock,
            standard=step.due_minutes,
        )
    except LedgerError as exc:
        return broken_summary(rel, exc.violations[0])
    except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
        # Whatever is wrong, `refresh` says it with the file and line; the row waits for it.
        return broken_summary(
            rel, Violation("file-malformed", {"path": rel, "line": "?", "reason": str(exc)}, rel)
        )


def _known(
    known: dict[str, tuple[str, RequestState]], rel: str, blob_id: str | None
) -> RequestState | None:
    entry = known.get(rel)
    return entry[1] if entry is not None and blob_id is not None and entry[0] == blob_id else None


def _is_request_path(rel: str) -> bool:
    """`requests/<year>/<name>.toml` (flat) or `requests/<year>/<NN>/<name>.toml` (sharded):
    a file at the wrong place for the layout is listed broken by `loads`, not left out."""
    parts = rel.split("/")
    return (
        len(parts) in (3, 4)
        and parts[0] == REQUESTS_DIR
        and parts[-1].endswith(".toml")
        and (len(parts) == 3 or len(parts[2]) == 2)
    )
