"""SOP revisions as data: an admin adds a revision, new requests take it, requests in progress
keep theirs until migrated, and nothing recorded before is ever read under the wrong SOP."""

from __future__ import annotations

import random
import subprocess
import tomllib
from datetime import timedelta
from itertools import count
from pathlib import Path

import pytest
import tomli_w
from conftest import FIXED_NOW, head_of

from ledger.audit import audit
from ledger.demo import ACTOR, _step_data
from ledger.request import Event
from ledger.revisions import add_sop, migrate, use_sop
from ledger.rules import LedgerError
from ledger.sop import builtin_sop_text
from ledger.store import Ledger

_minutes = count(1)
OLD = "ktpel-blanko-2020-r2"  # the SOP a new ledger (the demo) gets
WITH_FIELD = "ktpel-blanko-2026a"  # step 14 records one more required field
WITH_STEP = "ktpel-blanko-2026b"  # a new step 3: every later step is renumbered


def _at():
    return FIXED_NOW + timedelta(hours=1, minutes=next(_minutes))


def revision_with_field() -> str:
    raw = tomllib.loads(builtin_sop_text())
    raw["sop"]["id"] = WITH_FIELD
    step14 = next(s for s in raw["step"] if s["no"] == 14)
    step14["field"].append(
        {"name": "seal_intact", "type": "bool", "label": "Segel utuh", "required": True}
    )
    return tomli_w.dumps(raw)


def revision_with_step() -> str:
    raw = tomllib.loads(builtin_sop_text())
    raw["sop"]["id"] = WITH_STEP
    for step in raw["step"]:
        if step["no"] >= 3:
            step["no"] += 1
        if step.get("return_to") is not None and step["return_to"] >= 3:
            step["return_to"] += 1
    raw["step"].append(
        {
            "no": 3,
            "kind": "task",
            "title": "Pemeriksaan kelengkapan berkas",
            "activity": "Memeriksa kelengkapan berkas permohonan",
            "role": "kasi",
            "minutes": 15,
            "output": "Berkas lengkap",
            "on_behalf": [],
        }
    )
    raw["step"].sort(key=lambda s: s["no"])
    return tomli_w.dumps(raw)


def advance(led: Ledger, request_id: str, **override) -> Event:
    state = led.read_request(request_id)
    sop = led.policy().for_sop(state.sop_id).sop
    step = sop.step(state.step)
    at = _at()
    data = {**_step_data(led, state, step.no, at, random.Random(step.no)), **override}
    event = Event("advance", step.no, at, ACTOR[step.role], step.role, data)
    led.record(request_id, event)
    return event


def listed_clean(led: Ledger) -> dict[str, str]:
    rows = led.list_requests()
    assert [r.id for r in rows if r.broken] == []
    return {r.id: r.step_title for r in rows}


def test_a_revision_that_adds_a_field_leaves_history_readable_and_new_requests_take_it(
    demo_path, fixed_clock, tmp_path
):
    from ktpel_tui.cli import main

    sop_file = tmp_path / "revisi.toml"
    sop_file.write_text(revision_with_field(), encoding="utf-8")
    with Ledger.open(demo_path) as led:
        titles_before = listed_clean(led)
        states_before = {rid: led.read_request(rid) for rid in titles_before}
    assert main(["--ledger", str(demo_path), "--as", "yusuf", "sop", "add", str(sop_file)]) == 0
    assert main(["--ledger", str(demo_path), "--as", "yusuf", "sop", "use", WITH_FIELD]) == 0
    with Ledger.open(demo_path) as led:
        assert led.policy().settings.sops == (OLD, WITH_FIELD)
        assert listed_clean(led) == titles_before
        for rid, state in states_before.items():
            assert led.read_request(rid) == state  # the same state, under its own SOP
        # A new request takes the new revision ...
        first = led.read_request("2026-0006").events[0]
        new = led.record(
            None,
            Event(
                "create",
                0,
                _at(),
                first.by,
                first.role,
                {**first.data, "letter_number": "470/999/Uji/2026"},
            ),
        )
        assert new.request.sop_id == WITH_FIELD
        # ... one in progress continues on its own: step 14 of the old SOP has no seal field.
        assert led.read_request("2026-0004").sop_id == OLD
        advance(led, "2026-0004")
        assert led.read_request("2026-0004").step == 14
        advance(led, "2026-0004")
        assert led.read_request("2026-0004").step == 15
        assert audit(led, use_cache=False).ok
    # The same ledger audits clean from the command line (a second time from the cache too).
    assert main(["--ledger", str(demo_path), "audit"]) == 0
    assert main(["--ledger", str(demo_path), "show", "2026-0001"]) == 0


def test_a_revision_that_inserts_a_step_computes_the_counts_right_after_migration(
    demo_path, fixed_clock
):
    with Ledger.open(demo_path) as led:
        add_sop(led, "yusuf", revision_with_step(), at=_at())
        use_sop(led, "yusuf", WITH_STEP, at=_at())
        # 2026-0004 waits at step 13 (shipping) of the old SOP; in the new one that is step 14.
        before = led.read_request("2026-0004")
        head = head_of(demo_path)
        with pytest.raises(LedgerError) as err:  # step 2's letter data has no place in step 3
            migrate(led, "2026-0004", "maya", "kasi", WITH_STEP, {0: 0, 1: 1, 2: 3}, at=_at())
        assert err.value.code == "migrate-loses-data"
        assert head_of(demo_path) == head
        assert git_status(demo_path) == ""
        moved = migrate(led, "2026-0004", "maya", "kasi", WITH_STEP, at=_at()).request
        assert moved.sop_id == WITH_STEP and moved.step == before.step + 1
        assert moved.quantity("blanks_asked") == before.quantity("blanks_asked")
        assert led.read_request("2026-0004") == moved
        # Shipping (now step 14), pickup, then receipt (step 16, was 15): the received check
        # still compares with what step 14 shipped.
        advance(led, "2026-0004")
        advance(led, "2026-0004")
        shipped = led.read_request("2026-0004").quantity("blanks_shipped")
        with pytest.raises(LedgerError) as err:
            advance(led, "2026-0004", received_good=shipped, damaged_missing=1)
        assert err.value.code == "received-mismatch"
        advance(led, "2026-0004")
        state = led.read_request("2026-0004")
        assert state.step == 17 and state.received_good + state.quantity("damaged_missing") == (
            shipped
        )
        # Shares (now steps 17 and 18) are still held to what was received in good condition.
        with pytest.raises(LedgerError) as err:
            advance(led, "2026-0004", proposed_shares={"19.01": state.received_good + 1})
        assert err.value.code == "share-over"
        advance(led, "2026-0004")
        advance(led, "2026-0004")
        assert led.read_request("2026-0004").shares == led.read_request("2026-0004").quantity(
            "proposed_shares"
        )
        # An in-progress request not migrated stays on the old SOP and still advances.
        assert led.read_request("2026-0005").sop_id == OLD
        advance(led, "2026-0005")
        listed_clean(led)
        assert audit(led, use_cache=False).ok


def test_only_an_admin_or_a_kasi_migrates_and_an_unknown_revision_is_refused(demo):
    with pytest.raises(LedgerError) as err:
        migrate(demo, "2026-0005", "maya", "kasi", "tidak-ada", at=_at())
    assert err.value.code == "sop-unknown"
    add_sop(demo, "yusuf", revision_with_step(), at=_at())
    with pytest.raises(LedgerError) as err:
        migrate(demo, "2026-0005", "dedi", "pelaksana", WITH_STEP, at=_at())
    assert err.value.code == "migrate-role"
    with pytest.raises(LedgerError) as err:  # the same id again is a change of a recorded file
        add_sop(demo, "yusuf", revision_with_step(), at=_at())
    assert err.value.code == "sop-changed"


def git_status(root: Path) -> str:
    return subprocess.run(
        ["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True
    ).stdout


def test_letter_numbers_recorded_before_a_migration_stay_taken_after_it(demo_path, fixed_clock):
    """After a migration onto a revision that renumbers steps, the letter numbers the request's
    earlier events carry (steps 9 and 12 of the old SOP) are still its own: listed with it and
    refused to another request."""
    with Ledger.open(demo_path) as led:
        add_sop(led, "yusuf", revision_with_step(), at=_at())
        use_sop(led, "yusuf", WITH_STEP, at=_at())
        before = {r.id: r.letters for r in led.list_requests()}["2026-0004"]
        old = led.read_request("2026-0004")
        taken = [
            ev.data[name]
            for ev in old.events
            for name in ("letter_number", "cover_letter_number")
            if ev.step in (9, 12) and isinstance(ev.data.get(name), str)
        ]
        assert len(taken) == 2 and set(taken) <= set(before)
        migrate(led, "2026-0004", "maya", "kasi", WITH_STEP, at=_at())
        assert {r.id: r.letters for r in led.list_requests()}["2026-0004"] == before
        advance(led, "2026-0003")  # on the old SOP, to step 9 (the letter to the ministry)
        assert led.read_request("2026-0003").step == 9
        with pytest.raises(LedgerError) as err:
            advance(led, "2026-0003", letter_number=taken[0])
        assert "2026-0004" in err.value.message()
        assert audit(led, use_cache=False).ok
