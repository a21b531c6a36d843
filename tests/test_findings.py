"""Findings stay typed until shown: a second audit (read from the cache) prints exactly what the
first one printed, in Indonesian and in English."""

from __future__ import annotations

import pytest
from test_audit import STEP1, _at, forge

from ledger.request import Event, request_path


@pytest.mark.parametrize("lang", ["id", "en"])
def test_a_second_audit_prints_the_same_text_as_the_first(demo_path, capsys, lang, fixed_clock):
    from ktpel_tui.cli import main

    # The figures count minutes waited until now: a fixed clock keeps two runs comparable.
    other = (demo_path / request_path("2026-0005")).read_text() + "# disisipkan\n"
    forge(  # a finding whose parameter is a list (the two paths)
        demo_path,
        "2026-0006",
        Event("advance", 1, _at(), "maya", "kasi", STEP1),
        extra={request_path("2026-0005"): other},
    )
    args = ["--ledger", str(demo_path), "--lang", lang, "audit"]
    other_lang = "en" if lang == "id" else "id"
    assert main(args) == 1
    first = capsys.readouterr().out
    assert "[files-count]" in first and "['" not in first
    assert "requests/2026/2026-0005.toml, requests/2026/2026-0006.toml" in first
    # The cache was written while the other language was in use in between: no mixing.
    assert main(["--ledger", str(demo_path), "--lang", other_lang, "audit"]) == 1
    capsys.readouterr()
    assert main(args) == 1
    assert capsys.readouterr().out == first
