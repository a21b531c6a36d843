"""Issue 17, the sharded layout (format 3): what reads a sharded ledger.

`ktpel log REQ` answers through the light reader (ktpel_tui/cli_log.py, ledger/reader.py) on a
sharded ledger too, byte for byte as the full command does."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXED_NOW

from ktpel_tui import cli
from ktpel_tui.cli_log import run_light
from ledger.demo import build_demo
from ledger.reader import LedgerReader


@pytest.fixture(scope="module")
def sharded(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("migrate") / "ledger"
    build_demo(root, now=FIXED_NOW, layout="sharded").close()
    return root


@pytest.mark.parametrize("lang, extra", [([], []), ([], ["--json"]), (["--lang", "en"], [])])
def test_the_light_log_of_a_sharded_ledger_prints_what_the_full_log_prints(
    sharded: Path, capsys, lang: list[str], extra: list[str]
):
    with LedgerReader.open(sharded) as reader:
        assert reader.settings()["layout"] == "sharded"
    for request in ("2026-0001", "2026-0002"):
        argv = ["--ledger", str(sharded), *lang, "log", request, *extra]
        assert cli.main(argv, light=False) == 0
        full = capsys.readouterr()
        assert run_light(argv) == 0  # answered by the light reader, not left to the full one
        light = capsys.readouterr()
        assert request in full.out and (light.out, light.err) == (full.out, full.err)


def test_the_light_log_leaves_an_unknown_layout_to_the_full_command(sharded: Path, tmp_path):
    import shutil
    import subprocess

    copy = tmp_path / "ledger"
    shutil.copytree(sharded, copy, symlinks=True)
    settings = copy / "ledger.toml"
    settings.write_text(
        settings.read_text(encoding="utf-8").replace('"sharded"', '"tree"'), encoding="utf-8"
    )
    git = ["git", "-C", str(copy), "-c", "commit.gpgsign=false", "-c", "user.name=t"]
    git += ["-c", "user.email=t@example.org"]
    subprocess.run([*git, "commit", "-qam", "tree layout"], check=True)
    assert run_light(["--ledger", str(copy), "log", "2026-0001"]) is None
