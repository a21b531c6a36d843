"""After sync re-applies operations between offices, every clone (and the hub) still audits clean."""

from __future__ import annotations

import subprocess
from datetime import date, timedelta

from conftest import FIXED_NOW

from ledger import clock
from ledger.audit import audit, audit_git_dir
from ledger.hub import clone, init_hub
from ledger.request import Event
from ledger.sync import sync


def test_every_clone_audits_clean_after_sync_reapplies_operations(demo_path, tmp_path):
    hub = init_hub(tmp_path / "hub.git")
    assert (hub / "hooks" / "pre-receive").exists()
    pushed = subprocess.run(
        ["git", "push", "-q", str(hub), "main"], cwd=demo_path, capture_output=True, text=True
    )
    assert pushed.returncode == 0, pushed.stderr
    clock.set_clock(lambda: FIXED_NOW + timedelta(hours=1))
    a = clone(str(hub), tmp_path / "kantor-a")
    b = clone(str(hub), tmp_path / "kantor-b")
    try:
        a.record(
            "2026-0006",
            Event(
                "advance",
                1,
                FIXED_NOW + timedelta(minutes=5),
                "maya",
                "kasi",
                {"meeting_date": date(2026, 11, 28), "minutes_summary": "Rapat monev."},
            ),
        )
        b.record(
            "2026-0005", Event("advance", 3, FIXED_NOW + timedelta(minutes=7), "rudi", "kabid", {})
        )
        b.record(
            "2026-0005",
            Event("advance", 4, FIXED_NOW + timedelta(minutes=20), "dedi", "pelaksana", {}),
        )
        assert sync(a).pushed == 1
        result = sync(b)  # the hub moved: B's two steps are re-applied on top, re-signed, pushed
        assert result.pushed == 2 and not result.parked
        assert sync(a).pulled == 2
        assert a.head() == b.head()
        for ledger in (a, b):
            report = audit(ledger, use_cache=False)
            assert report.findings == [], [(f.code, f.message()) for f in report.findings]
        assert audit_git_dir(hub, "main", use_cache=False).findings == []
    finally:
        a.close()
        b.close()
