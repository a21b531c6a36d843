"""The audit's memory under `.git/ktpel/`: the walk's context (audit.json), the findings so far
(an append-only file of one typed finding per line) and the signature verdicts.

A second audit starts where the cached one stopped; a cache of another version is set aside and
the history audited again.

Local state is a cache, not a witness (issue 16): the cache is bound to the code that made it
(`code_key`, a digest of the `ledger` package's own files, so another ktpel's verdicts are never
reused) and sealed over its JSON, the findings it vouches for and the signature verdicts; a
cache edited by hand (findings wiped, a count set to 0, a verdict turned "good") no longer
matches its seal and is set aside. The seal is a checksum, not a secret: whoever holds a clone
can forge one with care, which is why `ktpel audit --no-cache`, `ktpel sync --no-cache` and
the hub's own audit never read it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .findings import ERROR, Finding
from .request import RequestState

# 2: findings in their own append-only file; 3: policy rule codes unified; 4: sealed, bound to
# the code (issue 16); 5: the count of error findings is kept (an incremental audit parses no
# earlier finding unless they are shown, issue 17)
CACHE_VERSION = 5


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
    errors: int = 0  # how many of all the findings up to `tip` are errors
    # The cached findings' lines as read (and sealed) when the cache was loaded without parsing
    # them (`load_cache(findings="lazy")`): `earlier_findings()` parses them when asked.
    earlier: bytes = b""

    def earlier_findings(self) -> list[Finding]:
        return parse_findings(self.earlier)

    def to_json(self) -> dict[str, Any]:
        return {
            "version": CACHE_VERSION,
            "tip": self.tip,
            "commits": self.commits,
            "letters": self.letters,
            "seen_keys": sorted(self.seen_keys),
            "last_committed": self.last_committed,
            "findings_bytes": self.findings_bytes,
            "errors": self.errors,
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
            errors=int(raw["errors"]),
        )
        ctx.states = {k: None for k in raw.get("broken", [])}
        return ctx


@functools.cache
def code_key() -> str:
    """A digest of the code that makes verdicts (every file of the `ledger` package)."""
    root = Path(__file__).resolve().parent
    digest = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.is_file() and path.suffix in (".py", ".toml") and "__pycache__" not in path.parts:
            digest.update(path.relative_to(root).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


def _file_digest(path: Path, size: int | None = None) -> str:
    try:
        with open(path, "rb") as fh:
            data = fh.read() if size is None else fh.read(size)
    except OSError:
        data = b""
    return hashlib.sha256(data).hexdigest()


def _seal(body: dict[str, Any], git_dir: Path) -> str:
    """The checksum over the JSON (without its seal), the findings it vouches for and the
    signature verdicts."""
    text = json.dumps({k: v for k, v in body.items() if k != "seal"}, sort_keys=True)
    findings = _file_digest(_findings_path(git_dir), int(body.get("findings_bytes") or 0))
    signatures = _file_digest(cache_paths(git_dir)[1])
    return hashlib.sha256(f"{text}\0{findings}\0{signatures}".encode()).hexdigest()


def cache_is_sealed(git_dir: Path) -> bool:
    """Whether the cache under .git/ktpel/ is this code's and untouched since it was saved."""
    try:
        raw = json.loads(cache_paths(git_dir)[0].read_text())
    except (OSError, ValueError):
        return False
    return (
        isinstance(raw, dict)
        and raw.get("version") == CACHE_VERSION
        and raw.get("code") == code_key()
        and raw.get("seal") == _seal(raw, git_dir)
    )


def cache_paths(git_dir: Path) -> tuple[Path, Path]:
    folder = Path(git_dir) / "ktpel"
    return folder / "audit.json", folder / "audit-signatures"


def _findings_path(git_dir: Path) -> Path:
    return Path(git_dir) / "ktpel" / "audit-findings"


def parse_findings(data: bytes) -> list[Finding]:
    """Findings from lines of the findings file."""
    return [Finding.from_dict(json.loads(line)) for line in data.splitlines() if line]


def load_cache(git_dir: Path, *, findings: bool | str = True) -> Context | None:
    """The remembered walk; with `findings`, also every finding so far (a ledger whose commits are
    unsigned by choice has one per commit: sync and the hub's hook only need the new ones);
    `findings="lazy"` reads their bytes (cheap) and leaves the parsing (not) to whoever shows
    them (`Context.earlier_findings`)."""
    path, _ = cache_paths(git_dir)
    try:
        raw = json.loads(path.read_text())
        if raw.get("version") != CACHE_VERSION or raw.get("code") != code_key():
            return None
        if raw.get("seal") != _seal(raw, Path(git_dir)):
            return None  # edited since it was saved: not believed
        ctx = Context.from_json(raw)
        if findings and ctx.findings_bytes:
            with open(_findings_path(git_dir), "rb") as fh:
                data = fh.read(ctx.findings_bytes)
            if len(data) != ctx.findings_bytes:
                return None
            if findings == "lazy":
                ctx.earlier = data
            else:
                ctx.findings = parse_findings(data)
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
    ctx.errors = (ctx.errors if append else 0) + sum(f.severity == ERROR for f in new)
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
        with open(sigs, "a" if append else "w") as out:
            out.write("".join(f"{sha} {status}\n" for sha, status in signatures.items()))
        body = ctx.to_json()
        body["code"] = code_key()
        body["seal"] = _seal(body, Path(git_dir))
        tmp.write_text(json.dumps(body))
        os.replace(tmp, path)
