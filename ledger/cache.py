"""The listing cache: one row per request file, kept under `.git/ktpel/`, keyed by HEAD.

When HEAD has not moved the list is read straight from SQLite; when it has, only the files in
`git diff --name-only OLD NEW -- requests/` are parsed again. The cache is disposable: a
broken or foreign cache is deleted and rebuilt from the files.
"""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

from .fields import normalize_letter_number
from .policy import Policy
from .requestfile import loads
from .rules import LedgerError
from .summary import RequestSummary, broken_summary, summarize

SCHEMA_VERSION = "2"
REQUESTS_DIR = "requests"


class ListingCache:
    def __init__(self, root: Path, git_dir: Path) -> None:
        self.root = root
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

    def refresh(self, head: str, policy: Policy, *, policy_key: str, progress: Callable[[int, int], None] | None = None) -> int:
        """Bring the cache to HEAD; returns how many files were parsed."""
        db = self._connect()
        old = self.cached_head()
        old_policy = db.execute("SELECT value FROM meta WHERE key='policy'").fetchone()
        if old == head and old_policy and old_policy[0] == policy_key:
            return 0
        changed: list[str] | None = None
        if old and old_policy and old_policy[0] == policy_key:
            changed = self._changed_paths(old, head)
        if changed is None:
            paths = sorted(self._all_paths())
            full = True
        else:
            paths = changed
            full = False
        db.execute("BEGIN IMMEDIATE")
        try:
            if full:
                db.execute("DELETE FROM req")
                db.execute("DELETE FROM letters")
            for index, rel in enumerate(paths, start=1):
                self._reparse(db, rel, policy)
                if progress and index % 500 == 0:
                    progress(index, len(paths))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('head', ?)", (head,))
            db.execute("INSERT OR REPLACE INTO meta VALUES ('policy', ?)", (policy_key,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise
        return len(paths)

    def _changed_paths(self, old: str, new: str) -> list[str] | None:
        proc = subprocess.run(
            ["git", "diff", "--name-only", "-z", "--no-renames", old, new, "--", REQUESTS_DIR],
            cwd=self.root, capture_output=True,
        )
        if proc.returncode != 0:
            return None
        return [p for p in proc.stdout.decode("utf-8", "replace").split("\0") if p]

    def _all_paths(self) -> Iterator[str]:
        base = self.root / REQUESTS_DIR
        if not base.is_dir():
            return
        for year in os.scandir(base):
            if not year.is_dir():
                continue
            for entry in os.scandir(year.path):
                if entry.name.endswith(".toml"):
                    yield f"{REQUESTS_DIR}/{year.name}/{entry.name}"

    def _reparse(self, db: sqlite3.Connection, rel: str, policy: Policy) -> None:
        db.execute("DELETE FROM letters WHERE path=?", (rel,))
        file = self.root / rel
        try:
            text = file.read_text(encoding="utf-8")
        except FileNotFoundError:
            db.execute("DELETE FROM req WHERE path=?", (rel,))
            return
        except (OSError, UnicodeDecodeError) as exc:
            from .rules import Violation

            summary = broken_summary(rel, Violation("file-malformed", {"path": rel, "line": "?", "reason": str(exc)}, rel))
            self._store(db, rel, summary)
            return
        try:
            state = loads(text, rel, policy)
        except LedgerError as exc:
            self._store(db, rel, broken_summary(rel, exc.violations[0]))
            return
        self._store(db, rel, summarize(state, rel, policy))

    def _store(self, db: sqlite3.Connection, rel: str, summary: RequestSummary) -> None:
        db.execute(
            "INSERT OR REPLACE INTO req VALUES (?, ?, ?)",
            (rel, summary.id, json.dumps(summary.to_json(), ensure_ascii=False)),
        )
        db.executemany(
            "INSERT INTO letters VALUES (?, ?, ?)",
            [(normalize_letter_number(n), summary.id, rel) for n in summary.letters],
        )

    def note_commit(self, parent: str, head: str, rel: str, summary: RequestSummary, policy_key: str) -> None:
        """After our own commit: update one row, if the cache was current for the parent."""
        db = self._connect()
        db.execute("BEGIN IMMEDIATE")
        try:
            row = db.execute("SELECT value FROM meta WHERE key='head'").fetchone()
            pol = db.execute("SELECT value FROM meta WHERE key='policy'").fetchone()
            if row and row[0] == parent and pol and pol[0] == policy_key:
                db.execute("DELETE FROM letters WHERE path=?", (rel,))
                self._store(db, rel, summary)
                db.execute("INSERT OR REPLACE INTO meta VALUES ('head', ?)", (head,))
            db.execute("COMMIT")
        except BaseException:
            db.execute("ROLLBACK")
            raise

    # --- queries ---------------------------------------------------------------------------

    def summaries(self) -> list[RequestSummary]:
        rows = self._connect().execute("SELECT summary FROM req ORDER BY id").fetchall()
        return [RequestSummary.from_json(json.loads(r[0])) for r in rows]

    def letter_owner(self, normalized: str) -> str | None:
        row = self._connect().execute("SELECT request FROM letters WHERE number=? LIMIT 1", (normalized,)).fetchone()
        return row[0] if row else None

    def letters_like(self, prefix_sql: str) -> list[str]:
        rows = self._connect().execute("SELECT number FROM letters WHERE number LIKE ?", (prefix_sql,)).fetchall()
        return [r[0] for r in rows]
