"""The hub's pre-receive hook: refuse any push the audit would flag.

`install(hub)` writes `hooks/pre-receive`, which runs `python -m ledger.hook` with this very
interpreter. For each pushed ref it refuses: any ref but the main branch, a deletion, a
non-fast-forward, and any new commit (old..new) with an error finding, checked by the audit's
`Walker` from the policy and request states at `old`. git keeps the pushed objects in quarantine
until pre-receive says yes, so a refused push leaves the hub exactly as it was.
"""

from __future__ import annotations

import os
import shlex
import subprocess
import sys
from pathlib import Path

from . import i18n
from .audit import (
    ZERO,
    Context,
    Finding,
    Walker,
    audit_git_dir,
    is_ancestor,
    load_cache,
    log_entries,
)

MAIN_REF = "refs/heads/main"
HOOK_MARK = "# ktpel pre-receive hook"


def _git_dir(hub: Path) -> Path:
    out = subprocess.run(
        ["git", "-C", str(hub), "rev-parse", "--absolute-git-dir"], capture_output=True, check=True
    )
    return Path(out.stdout.decode().strip())


def install(hub_path: str | os.PathLike[str]) -> Path:
    """Write the hub's pre-receive hook (replacing an older ktpel one). Returns its path."""
    git_dir = _git_dir(Path(hub_path))
    hooks = git_dir / "hooks"
    hooks.mkdir(exist_ok=True)
    target = hooks / "pre-receive"
    package_root = Path(__file__).resolve().parent.parent
    script = (
        "#!/bin/sh\n"
        f"{HOOK_MARK}: every pushed commit must pass `ktpel audit` (docs/AUDIT.md).\n"
        f"PYTHONPATH={shlex.quote(str(package_root))}${{PYTHONPATH:+:$PYTHONPATH}} "
        f"exec {shlex.quote(sys.executable)} -m ledger.hook\n"
    )
    tmp = target.with_name(".pre-receive.tmp")
    tmp.write_text(script)
    tmp.chmod(0o755)
    os.replace(tmp, target)
    return target


def check_push(git_dir: Path, old: str, new: str, ref: str) -> list[Finding]:
    """Why this ref update must be refused (empty: accept)."""
    if ref != MAIN_REF:
        return [
            Finding(
                "ref-not-allowed",
                None,
                None,
                {"ref": ref, "allowed": MAIN_REF.removeprefix("refs/heads/")},
            )
        ]
    if new == ZERO:
        return [Finding("ref-deleted", None, None, {"ref": ref})]
    if old != ZERO and not is_ancestor(git_dir, old, new):
        return [Finding("non-fast-forward", None, None, {"ref": ref})]
    ctx = Context()
    if old != ZERO:
        audit_git_dir(
            git_dir, old, old_findings=False
        )  # what the hub already holds: cached, normally nothing new
        cached = load_cache(git_dir, findings=False)
        ctx = (
            cached if cached is not None and cached.tip == old else Context(complete=False, tip=old)
        )
    before = len(ctx.findings)
    walker = Walker(git_dir, ctx)
    try:
        walker.run(log_entries(git_dir, new, None if old == ZERO else old))
    finally:
        walker.close()
    return [f for f in ctx.findings[before:] if f.severity == "error"]


def main() -> int:
    git_dir = Path(os.environ.get("GIT_DIR", ".")).resolve()
    refused: list[Finding] = []
    for line in sys.stdin:
        parts = line.split()
        if len(parts) != 3:
            continue
        old, new, ref = parts
        refused += check_push(git_dir, old, new, ref)
    if not refused:
        return 0
    print(i18n.pick("ktpel hub: dorongan ditolak.", "ktpel hub: push refused."), file=sys.stderr)
    for f in refused:
        where = " ".join(x for x in ((f.commit or "")[:12], f.request or "") if x)
        print(f"[{f.code}] {where}{': ' if where else ''}{f.message()}", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
