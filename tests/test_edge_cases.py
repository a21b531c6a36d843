"""Edge cases of the procedure a clerk can really meet."""

import pytest

from ledger.report import timeline
from ledger.request import Event
from ledger.rules import LedgerError


def _advance(led, request, person, role, step, data, at):
    return led.record(request, Event("advance", step, at, person, role, data)).request


def _to_step_18(demo, at, good, damaged, shares):
    state = demo.read_request("2026-0004")
    assert state.step == 13
    _advance(
        demo,
        "2026-0004",
        "bambang",
        "bapeng",
        13,
        {
            "blanks_shipped": 500,
            "carrier": "Garuda Indonesia Cargo",
            "airway_bill": "126-1",
            "ship_date": at.date(),
        },
        at,
    )
    _advance(
        demo,
        "2026-0004",
        "dedi",
        "pelaksana",
        14,
        {"pickup_date": at.date(), "parcels": 1, "airway_bill_matches": True},
        at,
    )
    _advance(
        demo,
        "2026-0004",
        "agus",
        "kasubag-umum",
        15,
        {"received_good": good, "damaged_missing": damaged},
        at,
    )
    _advance(demo, "2026-0004", "rudi", "kabid", 16, {"proposed_shares": shares}, at)
    return _advance(demo, "2026-0004", "hendra", "kadis", 17, {"shares": shares}, at)


def test_every_blank_damaged_the_request_closes_after_the_schedule_step(demo, fixed_clock):
    """No share above zero: nothing to schedule or hand over, so the request is done at step 18."""
    at = fixed_clock
    _to_step_18(demo, at, 0, 500, {"19.03": 0, "19.05": 0})
    # A schedule for a Kab/Kota without a share is still refused...
    with pytest.raises(LedgerError) as err:
        _advance(
            demo,
            "2026-0004",
            "maya",
            "kasi",
            18,
            {"schedule": {"19.03": {"date": at.date(), "mode": "ambil"}}},
            at,
        )
    assert err.value.code == "schedule-mismatch"
    # ...and an empty one closes the request.
    state = _advance(demo, "2026-0004", "maya", "kasi", 18, {}, at)
    assert state.done and state.status == "selesai"
    rows = {s.id: s for s in demo.list_requests()}
    assert rows["2026-0004"].done and rows["2026-0004"].waiting == ()


def test_schedule_still_required_when_someone_has_a_share(demo, fixed_clock):
    at = fixed_clock
    _to_step_18(demo, at, 500, 0, {"19.03": 300, "19.05": 0})
    head = demo.head()
    with pytest.raises(LedgerError) as err:
        _advance(demo, "2026-0004", "maya", "kasi", 18, {}, at)
    assert err.value.code == "field-missing" and demo.head() == head
    state = _advance(
        demo,
        "2026-0004",
        "maya",
        "kasi",
        18,
        {"schedule": {"19.03": {"date": at.date(), "mode": "antar"}}},
        at,
    )
    assert state.step == 19 and not state.done


def test_step_19_says_it_waits_on_the_kabkota_receipt_not_only_the_pelaksana(demo, fixed_clock):
    state = demo.read_request("2026-0002")
    rows, _ = timeline(state, demo.policy(), fixed_clock)
    current = next(r for r in rows if r.status == "sekarang")
    assert current.step == 19
    assert "Kepala Dinas Dukcapil Kab/Kota 19.05" in current.role  # handed over, receipt pending
    assert "Pelaksana" in current.role  # 19.03 still to be handed over


def test_loose_objects_are_packed_by_git_gc_auto_as_git_commit_would(
    demo, fixed_clock, monkeypatch
):
    """ktpel commits with commit-tree/update-ref, so it must trigger git's housekeeping itself."""
    import subprocess

    def loose() -> int:
        out = subprocess.run(
            ["git", "count-objects", "-v"],
            cwd=demo.root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        return int(
            next(line.split(": ")[1] for line in out.splitlines() if line.startswith("count:"))
        )

    # A low threshold (git's gc.auto) stands in for months of work; gc runs in the foreground here.
    subprocess.run(["git", "config", "gc.auto", "20"], cwd=demo.root, check=True)
    subprocess.run(["git", "config", "gc.autoDetach", "false"], cwd=demo.root, check=True)
    before = loose()
    assert before > 20
    # Enough loose objects in objects/17/ for git's estimate (1/256 of them land there).
    from ledger.gitobjects import write_loose

    objects17 = demo.git_dir / "objects" / "17"
    i = 0
    while not objects17.is_dir() or len(list(objects17.iterdir())) < 2:
        write_loose(demo.git_dir / "objects", b"blob", f"filler {i}".encode())
        i += 1
    before = loose()
    demo.record("2026-0005", Event("advance", 3, fixed_clock, "rudi", "kabid", {}))
    assert loose() < before, "git gc --auto packed the loose objects"
    assert subprocess.run(["git", "fsck"], cwd=demo.root, capture_output=True).returncode == 0
    assert demo.read_request("2026-0005").step == 4


def test_a_ledger_without_required_signatures_audits_clean_with_a_warning_per_unsigned_step(
    tmp_path, fixed_clock
):
    """signatures_required = false: unsigned steps are allowed; the audit says so, as warnings."""
    from ledger.audit import audit
    from ledger.bootstrap import init_ledger
    from ledger.policy import Person

    admin = Person(
        "nokey-admin",
        "Admin Tanpa Kunci",
        "198803152014031002",
        "admin@nokey.test",
        "prov",
        ("admin",),
    )
    head = Person(
        "nokey-1901",
        "Kadis Tanpa Kunci",
        "196908081995031002",
        "kadis@nokey.test",
        "19.01",
        ("kadis-kabkota",),
    )
    led = init_ledger(
        tmp_path / "ledger", admin, people=[head], signatures_required=False, at=fixed_clock
    )
    data = {
        "kabkota": "19.01",
        "letter_number": "470/1/X",
        "letter_date": fixed_clock.date(),
        "blanks_requested": 100,
        "stock_left": 5,
    }
    led.record(None, Event("create", 0, fixed_clock, "nokey-1901", "kadis-kabkota", data))
    report = audit(led)
    assert report.errors == [] and report.ok
    assert {f.code for f in report.findings} == {"unsigned-allowed"}
    led.close()
