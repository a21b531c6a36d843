"""The core stays free of the screen; the demo builds and lists."""

import subprocess
import sys


def test_core_never_imports_the_screen():
    code = (
        "import sys, importlib, pkgutil, ledger\n"
        "for m in pkgutil.walk_packages(ledger.__path__, 'ledger.'):\n"
        "    importlib.import_module(m.name)\n"
        "bad = [m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')]\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    ).stdout.strip()
    assert out == "", f"ledger/ imported UI modules: {out}"


def test_demo_lists_every_state(demo, fixed_clock):
    rows = {s.id: s for s in demo.list_requests()}
    assert len(rows) == 6
    assert sum(1 for s in rows.values() if s.done) == 1
    assert any(s.overdue(fixed_clock) for s in rows.values())
    assert not any(s.broken for s in rows.values())
