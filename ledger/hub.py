"""The hub: a bare repository the offices sync through, and cloning a working ledger from it."""

from __future__ import annotations

import importlib.util
import os
import subprocess
from pathlib import Path

from . import lean
from .rules import LedgerError, fail
from .store import Ledger
from .sync import MAIN, _net_env

HUB_CONFIG = (
    ("receive.denyNonFastForwards", "true"),
    ("receive.denyDeletes", "true"),
    ("receive.fsckObjects", "true"),
    ("core.logAllRefUpdates", "true"),
)


def init_hub(path: str | os.PathLike[str]) -> Path:
    """Create a bare hub repository (default branch main) that refuses rewrites and deletions.

    The first office sends its ledger there with `ktpel sync` after `git remote add origin URL`.
    """
    root = Path(path).expanduser().resolve()
    if root.exists() and any(root.iterdir()):
        raise fail("hub-exists", path=str(root))
    root.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["git", "init", "-q", "--bare", "-b", MAIN, str(root)], check=True, capture_output=True
    )
    for key, value in HUB_CONFIG:
        subprocess.run(
            ["git", "-C", str(root), "config", key, value], check=True, capture_output=True
        )
    lean.prepare_hub(root)  # offices on a slow link may clone without the evidence blobs
    # The single place the hub's checks are installed: every pushed commit must pass the audit.
    if importlib.util.find_spec("ledger.hook") is not None:
        from . import hook

        hook.install(root)
    return root


def clone(
    url: str,
    path: str | os.PathLike[str] | None = None,
    remote: str = "origin",
    *,
    lean_clone: bool = False,
) -> Ledger:
    """Clone the hub's ledger into `path` (default: the URL's last part) and open it, ready to use.

    With `lean_clone` the evidence blobs stay on the hub (git partial clone); they are fetched
    one by one when asked for (`ktpel evidence get`).
    """
    target = (
        Path(path)
        if path
        else Path(url.rstrip("/").rsplit("/", 1)[-1].removesuffix(".git") or "ledger")
    )
    target = target.expanduser().resolve()
    if target.exists() and any(target.iterdir()):
        raise fail("ledger-exists", path=str(target))
    if lean_clone:
        lean.clone_lean(url, target, remote, MAIN)
    else:
        proc = subprocess.run(
            ["git", "clone", "--quiet", "--no-tags", "--origin", remote, url, str(target)],
            capture_output=True,
            env=_net_env(),
        )
        if proc.returncode != 0:
            lines = [
                line.removeprefix("fatal: ")
                for line in proc.stderr.decode("utf-8", "replace").splitlines()
                if line.strip()
            ]
            raise fail(
                "clone-failed", url=url, reason=lines[-1] if lines else f"exit {proc.returncode}"
            )
    has_main = (
        subprocess.run(
            [
                "git",
                "-C",
                str(target),
                "rev-parse",
                "--verify",
                "--quiet",
                f"refs/remotes/{remote}/{MAIN}",
            ],
            capture_output=True,
        ).returncode
        == 0
    )
    if not has_main:
        _remove(target)
        raise fail("hub-empty", url=url)

    def config(*args: str) -> None:
        subprocess.run(["git", "-C", str(target), "config", *args], check=True, capture_output=True)

    # A strict refspec: a plain `git fetch` refuses a rewritten hub, as `ktpel sync` does.
    config(f"remote.{remote}.fetch", f"refs/heads/{MAIN}:refs/remotes/{remote}/{MAIN}")
    config("core.splitIndex", "true")
    subprocess.run(
        ["git", "-C", str(target), "checkout", "-q", "-B", MAIN, f"{remote}/{MAIN}"],
        check=True,
        capture_output=True,
    )
    try:
        ledger = Ledger.open(target)
    except LedgerError:
        _remove(target)  # a repository that is not a ledger: leave nothing half-made behind
        raise
    ledger.list_requests()  # build the listing cache once, now
    from .audit import audit_git_dir

    audit_git_dir(
        ledger.git_dir, "HEAD"
    )  # and the audit's verdicts: each sync then checks only what is new
    return ledger


def _remove(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)
