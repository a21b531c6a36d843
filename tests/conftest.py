"""Shared fixtures: real git repositories in temporary folders, never mocks.

Every test runs with its own config and keys folders, no global git config, a fixed language
(Indonesian) and no ledger/person taken from the developer's environment.
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

_SESSION_DIR = Path(tempfile.mkdtemp(prefix="ktpel-tests-"))


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
