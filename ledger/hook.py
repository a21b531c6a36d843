"""The hub's pre-receive hook: refuse any push the audit would flag.

`install(hub)` writes `hooks/pre-receive`, a shell script that runs `ktpel hub hook` with the
ktpel named by the hub's `ktpel.command` setting (docs/HUB.md); `python -m ledger.hook` is the
body older hooks ran, kept so they keep working. For each pushed ref it refuses: any ref but the main branch, a deletion, a
non-fast-forward, and any new commit (old..new) with an error finding, checked by the audit's
`Walker` from the policy and request states at `old`. git keeps the pushed objects in quarantine
until pre-receive says yes, so a refused push leaves the hub exactly as it was.
"""

from __future__ import annotations

import os
import re
import shutil
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
from .textsafe import visible

MAIN_REF = "refs/heads/main"
HOOK_MARK = "# ktpel pre-receive hook"


def _git_dir(hub: Path) -> Path:
    out = subprocess.run(
        ["git", "-C", str(hub), "rev-parse", "--absolute-git-dir"], capture_output=True, check=True
    )
    return Path(out.stdout.decode().strip())


KTPEL_SETTING = "ktpel.command"  # the hub's git config: the ktpel program its hook runs
HOOK_VERSION = 2


def hook_script() -> str:
    """The pre-receive hook: a shell script that finds ktpel through the hub's setting.

    It names no interpreter: an upgrade, a moved virtual environment or a system package keeps
    working as long as `ktpel.command` (or `ktpel` on the server's PATH) runs. When ktpel cannot
    start, the pusher reads one sentence naming the fix instead of an interpreter's traceback.
    """
    refusal_id = (
        "ktpel hub: dorongan ditolak: ktpel tidak dapat dijalankan di hub ($ktpel). "
        "Admin hub: pasang ktpel lalu jalankan 'ktpel hub upgrade $GIT_DIR' (docs/HUB.md)."
    )
    refusal_en = (
        "ktpel hub: push refused: ktpel cannot run on the hub ($ktpel). "
        "Hub admin: install ktpel, then run 'ktpel hub upgrade $GIT_DIR' (docs/HUB.md)."
    )
    return (
        "#!/bin/sh\n"
        f"{HOOK_MARK}, version {HOOK_VERSION}: every pushed commit must pass `ktpel audit`.\n"
        f"# ktpel is the program named by `git config {KTPEL_SETTING}` in this hub, else `ktpel`\n"
        "# on the PATH. Check: ktpel hub doctor HUB. Rewrite: ktpel hub upgrade HUB (docs/HUB.md).\n"
        'GIT_DIR=$(cd "${GIT_DIR:-.}" && pwd) || exit 1\n'
        "export GIT_DIR\n"
        f"ktpel=$(git config --get {KTPEL_SETTING})\n"
        "ktpel=${ktpel:-ktpel}\n"
        'if ! "$ktpel" hub hook --probe >/dev/null 2>&1; then\n'
        '  case "${KTPEL_LANG:-}" in\n'
        f'    en) echo "{refusal_en}" >&2 ;;\n'
        f'    *) echo "{refusal_id}" >&2 ;;\n'
        "  esac\n"
        "  exit 1\n"
        "fi\n"
        '[ -n "${KTPEL_HOOK_PROBE:-}" ] && exit 0  # ktpel hub doctor: ktpel runs, nothing to check\n'
        'exec "$ktpel" hub hook\n'
    )


def installed_version(hub_path: str | os.PathLike[str]) -> int | None:
    """The version of the ktpel hook in this hub (1: the old one naming a Python), None: none."""
    target = _git_dir(Path(hub_path)) / "hooks" / "pre-receive"
    try:
        text = target.read_text(errors="replace")
    except OSError:
        return None
    if HOOK_MARK not in text:
        return None
    match = re.search(re.escape(HOOK_MARK) + r", version (\d+)", text)
    return int(match.group(1)) if match else 1


def default_ktpel() -> str:
    """The ktpel program of this very installation (its entry point next to this Python)."""
    beside = Path(sys.executable).parent / "ktpel"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside.absolute())
    found = shutil.which("ktpel")
    return str(Path(found).absolute()) if found else "ktpel"


def install(hub_path: str | os.PathLike[str], ktpel: str | None = None) -> Path:
    """Write the hub's pre-receive hook (replacing an older ktpel one) and record which ktpel it
    runs (`ktpel`: the given program, default this installation's). Returns the hook's path."""
    git_dir = _git_dir(Path(hub_path))
    hooks = git_dir / "hooks"
    hooks.mkdir(exist_ok=True)
    target = hooks / "pre-receive"
    subprocess.run(
        ["git", "-C", str(git_dir), "config", KTPEL_SETTING, ktpel or default_ktpel()],
        check=True,
        capture_output=True,
    )
    tmp = target.with_name(".pre-receive.tmp")
    tmp.write_text(hook_script())
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
        # A finding quotes names and subjects from the pushed commits: shown visibly (issue 16).
        line = f"[{f.code}] {where}{': ' if where else ''}{f.message()}"
        print(visible(line), file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
