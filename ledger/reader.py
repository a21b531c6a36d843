"""A ledger opened only to read what is committed: no GitPython, kernel, rules or listing cache.

`ktpel log REQ` needs three things: that the request exists at HEAD, the commits that touched
its file (`history`, which reads raw commits through `gitread`) and the role titles of the SOP
new requests get (`Policy.sop`). Opening a `Ledger` for that costs more than git's own
`git log -- path` (issue 17): GitPython, the kernel and every rule module imported, a journal
recovery, the index split check and the listing cache. `LedgerReader` reads blobs through one
`git cat-file --batch` instead.

It only takes the plain case. `LedgerReader.open` returns None for anything else (no `.git`
folder of its own, no `ledger.toml`, a write left half-done, which the next `Ledger` opened
recovers), and `role_titles` returns None for policy files it does not expect (an unknown
format or layout, a missing SOP): the caller then opens a `Ledger`, whose checks give the
sentence a user sees for each of those.
"""

from __future__ import annotations

import subprocess
from pathlib import Path
from typing import Any

from .gitread import GIT
from .paths import LAYOUT_FORMAT, LAYOUTS
from .rules import git_failed

# As `ledger.policy` names them (not imported: it pulls in the SOP, calendar and letter rules).
SETTINGS_FILE = "ledger.toml"
SOP_DIR = "sop"
# The `ledger.toml` formats this reader knows (policy.SETTINGS_FORMAT and earlier; a `layout`,
# one of paths.LAYOUTS, needs paths.LAYOUT_FORMAT): anything else is left to the full `Ledger`,
# which reports it.
KNOWN_FORMATS = (1, 2, 3)


def _toml(data: bytes) -> dict[str, Any] | None:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        return None
    try:
        import rtoml
    except ImportError:  # no wheel for this platform: the standard library's parser
        rtoml = None
    try:
        if rtoml is not None:
            return rtoml.loads(text)
        import tomllib

        return tomllib.loads(text)
    except Exception:  # any parse error: the full Ledger names it
        return None


class LedgerReader:
    """Read-only access to a ledger's committed objects (see the module's docstring)."""

    def __init__(self, root: Path, git_dir: Path) -> None:
        self.root = root
        self.git_dir = git_dir
        self._objects: subprocess.Popen[bytes] | None = None

    @classmethod
    def open(cls, root: str | Path) -> LedgerReader | None:
        try:
            root = Path(root).expanduser().resolve()
            git_dir = root / ".git"
            plain = git_dir.is_dir() and (root / SETTINGS_FILE).is_file()
            if not plain or (git_dir / "ktpel" / "pending.json").exists():
                return None
        except (OSError, RuntimeError, ValueError):
            return None
        return cls(root, git_dir)

    def close(self) -> None:
        proc, self._objects = self._objects, None
        if proc is not None:
            assert proc.stdin
            proc.stdin.close()
            proc.wait()
            if proc.stdout:
                proc.stdout.close()

    def __enter__(self) -> LedgerReader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def git(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[bytes]:
        """`git ARGS` in the working tree, as `Ledger.git` runs it."""
        proc = subprocess.run(["git", *args], cwd=self.root, capture_output=True)
        if check and proc.returncode != 0:
            raise git_failed(args, proc.returncode, proc.stderr)
        return proc

    def blob(self, rev: str, path: str) -> bytes | None:
        """A file's bytes at a commit, or None if it is not there (or is no file)."""
        if self._objects is None:
            self._objects = subprocess.Popen(
                [*GIT, "--git-dir", str(self.git_dir), "cat-file", "--batch"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
            )
        proc = self._objects
        assert proc.stdin and proc.stdout
        proc.stdin.write(f"{rev}:{path}\n".encode())
        proc.stdin.flush()
        header = proc.stdout.readline().split()
        if len(header) != 3:  # "<name> missing" / "ambiguous", or git gone
            return None
        data = proc.stdout.read(int(header[2]))
        proc.stdout.read(1)
        return data if header[1] == b"blob" else None

    def settings(self, rev: str = "HEAD") -> dict[str, Any] | None:
        """`ledger.toml` at `rev` as parsed TOML, if it is there, parses and is a format this
        reader knows; else None."""
        raw = self.blob(rev, SETTINGS_FILE)
        settings = _toml(raw) if raw is not None else None
        if settings is None:
            return None
        version = settings.get("format", 1)
        if type(version) is not int or version not in KNOWN_FORMATS:
            return None
        if "layout" in settings and (version < LAYOUT_FORMAT or settings["layout"] not in LAYOUTS):
            return None
        return settings

    def role_titles(self, settings: dict[str, Any], rev: str = "HEAD") -> dict[str, str] | None:
        """Role id -> title in the SOP new requests get (`settings["sop"]`, what `Policy.sop`
        is), read from its file at `rev`; None when that file is not as expected."""
        sop_id = settings.get("sop")
        if not isinstance(sop_id, str):
            return None
        raw = self.blob(rev, f"{SOP_DIR}/{sop_id}.toml")
        sop = _toml(raw) if raw is not None else None
        if sop is None:
            return None
        try:
            if sop["sop"]["id"] != sop_id:
                return None
            titles = {role["id"]: role["title"] for role in sop["role"]}
        except (KeyError, TypeError):
            return None
        if not all(isinstance(k, str) and isinstance(v, str) for k, v in titles.items()):
            return None
        return titles
