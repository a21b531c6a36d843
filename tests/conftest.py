"""Shared fixtures: real git repositories in temporary folders, never mocks.

Every test runs with its own config and keys folders, no global git config, a fixed language
(Indonesian) and no ledger/person taken from the developer's environment.

The whole run (with pytest-xdist: the controller and every worker) keeps its temporary files
under one folder of its own (TMPDIR points there). At the end anything left there outside
pytest's own tmp_path folders fails the run, and the folder is removed: a run leaves nothing.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from datetime import datetime
from pathlib import Path

import pytest

from ledger import clock
from ledger.store import Ledger

FIXED_NOW = datetime(2026, 11, 28, 10, 0, tzinfo=clock.WIB)


def _run_root() -> Path:
    """The run's temporary folder: made by the controller, shared by xdist workers (env)."""
    if root := os.environ.get("KTPEL_TEST_TMP"):
        return Path(root)
    root = Path(tempfile.mkdtemp(prefix="ktpel-tests-"))
    # Traversable (not listable) by other users: the hub transport tests run sshd and the web
    # server as their own user, which must reach the hub and the launcher made under here.
    root.chmod(0o711)
    os.environ["KTPEL_TEST_TMP"] = str(root)
    return root


_OWNS_ROOT = "KTPEL_TEST_TMP" not in os.environ
_RUN_ROOT = _run_root()
_IS_WORKER = "PYTEST_XDIST_WORKER" in os.environ
_TMP = _RUN_ROOT / "tmp"
_TMP.mkdir(exist_ok=True)
_TMP.chmod(0o711)
# Everything that asks for a temporary folder (pytest, tempfile, git) gets one in the run's.
os.environ["TMPDIR"] = str(_TMP)
tempfile.tempdir = None
# Each process its own keys and config folder: workers share nothing but the run's folder.
_SESSION_DIR = Path(tempfile.mkdtemp(prefix="session-", dir=_RUN_ROOT))


def left_behind(tmp: Path) -> list[str]:
    """What the run left in its temporary folder besides pytest's own tmp_path folders."""
    return sorted(p.name for p in tmp.iterdir() if not p.name.startswith("pytest-of-"))


@pytest.hookimpl(trylast=True)
def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if _IS_WORKER or not _OWNS_ROOT:
        return
    leftovers = left_behind(_TMP)
    if leftovers:
        session.config.get_terminal_writer().line(
            f"tests left temporary files behind in {_TMP}: {leftovers[:10]}", red=True
        )
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


@pytest.hookimpl(tryfirst=True)
def pytest_configure(config: pytest.Config) -> None:
    # Before any fixture: keys and config of "this machine" live in the session folder.
    os.environ["KTPEL_KEYS_DIR"] = str(_SESSION_DIR / "keys")
    os.environ["KTPEL_CONFIG"] = str(_SESSION_DIR / "config.toml")
    os.environ["GIT_CONFIG_GLOBAL"] = str(_SESSION_DIR / "gitconfig")
    os.environ["GIT_CONFIG_NOSYSTEM"] = "1"
    (_SESSION_DIR / "gitconfig").write_text(
        '[init]\n\tdefaultBranch = main\n[protocol "file"]\n\tallow = always\n'
    )
    for var in ("KTPEL_LEDGER", "KTPEL_USER", "KTPEL_NOW", "KTPEL_LANG", "LC_ALL", "LC_MESSAGES"):
        os.environ.pop(var, None)
    os.environ["LANG"] = "C.UTF-8"


def pytest_unconfigure(config: pytest.Config) -> None:
    if _IS_WORKER:
        shutil.rmtree(_SESSION_DIR, ignore_errors=True)
    elif _OWNS_ROOT:
        shutil.rmtree(_RUN_ROOT, ignore_errors=True)
    else:
        shutil.rmtree(_SESSION_DIR, ignore_errors=True)


@pytest.fixture(autouse=True)
def _clean_language():
    from ledger import i18n

    i18n.set_language(None)
    clock.set_clock(None)
    yield
    i18n.set_language(None)
    clock.set_clock(None)


@pytest.fixture
def fixed_clock():
    """Freeze ledger.clock.now() at FIXED_NOW (the demo's 'now')."""
    clock.set_clock(lambda: FIXED_NOW)
    yield FIXED_NOW
    clock.set_clock(None)


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo ledger, built once per session at FIXED_NOW. Copy it; never write to it."""
    from ledger.demo import build_demo

    root = tmp_path_factory.mktemp("template") / "demo"
    build_demo(root, now=FIXED_NOW).close()
    return root


@pytest.fixture
def demo_path(tmp_path: Path, demo_template: Path) -> Path:
    """A private copy of the demo ledger (working tree and .git)."""
    target = tmp_path / "demo"
    shutil.copytree(demo_template, target, symlinks=True)
    return target


@pytest.fixture
def demo(demo_path: Path):
    """The demo ledger, opened."""
    led = Ledger.open(demo_path)
    yield led
    led.close()


def head_of(path: Path) -> str:
    import subprocess

    return subprocess.run(
        ["git", "rev-parse", "HEAD"], cwd=path, capture_output=True, text=True, check=True
    ).stdout.strip()
