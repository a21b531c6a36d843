"""The audit's memory under `.git/ktpel/`: the walk's context (audit.json), the findings so far
(an append-only file of one typed finding per line) and the signature verdicts.

A second audit starts where the cached one stopped; a cache of another version is set aside and
the history audited again.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .findings import Finding
from .request import RequestState

CACHE_VERSION = 3  # 2: findings in their own append-only file; 3: policy rule codes unified


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


def cache_paths(git_dir: Path) -> tuple[Path, Path]:
    folder = Path(git_dir) / "ktpel"
    return folder / "audit.json", folder / "audit-signatures"


def _findings_path(git_dir: Path) -> Path:
    return Path(git_dir) / "ktpel" / "audit-findings"


def load_cache(git_dir: Path, *, findings: bool = True) -> Context | None:
    """The remembered walk; with `findings`, also every finding so far (a ledger whose commits are
    unsigned by choice has one per commit: sync and the hub's hook only need the new ones)."""
    path, _ = cache_paths(git_dir)
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
        raw = json.loads(cache_paths(git_dir)[0].read_text())
    except (OSError, ValueError):
        return None
    return raw.get("tip") if isinstance(raw, dict) and raw.get("version") == CACHE_VERSION else None


def save_cache(git_dir: Path, ctx: Context, signatures: dict[str, str], *, append: bool) -> None:
    """Remember the walk. New findings are appended to the findings file (never rewritten whole);
    the JSON, replaced last, says how much of that file is valid, so a process killed in between
    leaves the previous cache, and the next save cuts off what it appended."""
    import fcntl

    path, sigs = cache_paths(git_dir)
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
