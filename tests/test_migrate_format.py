"""`ktpel migrate-format`: a flat ledger moved to the sharded layout in one admin commit of pure
renames (docs/FORMAT.md "Moving a ledger to another layout"), accepted as such by the audit, the
hub's hook and sync's replay, and anything more or less than that refused as `migration-not-pure`.

Real ledgers, real signed commits; forgeries are made with plain git as someone bypassing ktpel.
"""

# ruff: noqa: F811 - the hub and offices fixtures come from test_sync, used by name

from __future__ import annotations

import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from conftest import FIXED_NOW, head_of
from test_audit import commit_raw
from test_hub import push, remote_lines
from test_store import KTPEL, NOW_ENV
from test_sync import advance, at, create_event, git, hub, offices  # noqa: F401 - fixtures

from ledger.audit import audit
from ledger.findings import GOOD
from ledger.kernel import format_message, migrated_settings
from ledger.request import REQUEST_FILE_RE, request_id_of, request_path
from ledger.rules import LedgerError
from ledger.store import Ledger, signing_key_path
from ledger.sync import sync

ADMIN = "yusuf"


def ktpel(root: Path, *args: str, env: dict[str, str] | None = None):
    import os

    return subprocess.run(
        [*KTPEL, "--ledger", str(root), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **NOW_ENV, **(env or {})},
        timeout=120,
    )


def request_files(root: Path, rev: str = "HEAD") -> dict[str, str]:
    """path -> blob id of every request file at `rev`."""
    out = git(root, "ls-tree", "-r", rev, "--", "requests")
    files = {}
    for line in out.splitlines():
        meta, path = line.split("\t", 1)
        if REQUEST_FILE_RE.match(path):
            files[path] = meta.split()[2]
    return files


def rows(led: Ledger) -> list[tuple]:
    return [(r.id, r.step, r.status, r.broken) for r in led.list_requests()]


def findings(root: Path) -> list[str]:
    with Ledger.open(root) as led:
        return [f.code for f in audit(led, use_cache=False).errors]


def test_a_flat_ledger_moves_to_sharded_in_one_signed_admin_commit_of_renames(demo_path: Path):
    before = request_files(demo_path)
    base = head_of(demo_path)
    with Ledger.open(demo_path) as led:
        listed = rows(led)
    out = ktpel(demo_path, "--as", ADMIN, "migrate-format", "--layout", "sharded")
    assert out.returncode == 0, out.stderr
    assert f"{len(before)} berkas permohonan, satu commit" in out.stdout
    assert git(demo_path, "rev-list", "--count", f"{base}..HEAD").strip() == "1"
    # Every request file is at its sharded path with the very same blob; nothing else moved.
    after = request_files(demo_path)
    assert after == {request_path(request_id_of(p), "sharded"): blob for p, blob in before.items()}
    status = git(demo_path, "diff", "--name-status", "-M100%", base, "HEAD").splitlines()
    assert sorted(status) == sorted(
        ["M\tledger.toml"]
        + [f"R100\t{p}\t{request_path(request_id_of(p), 'sharded')}" for p in before]
    )
    settings = git(demo_path, "show", "HEAD:ledger.toml")
    assert settings == migrated_settings(git(demo_path, "show", f"{base}:ledger.toml"), "sharded")
    # Signed by the admin, with the trailers that say what it is.
    assert git(demo_path, "log", "-1", "--format=%an").strip() == "Yusuf Pratama, S.Kom"
    assert git(demo_path, "log", "-1", "--format=%B") == format_message("flat", "sharded") + "\n"
    # The working tree and index follow; the listing is the same; the audit is clean.
    assert git(demo_path, "status", "--porcelain") == ""
    assert not (demo_path / next(iter(before))).exists()
    with Ledger.open(demo_path) as led:
        assert rows(led) == listed
        assert led.policy().settings.layout == "sharded"
        report = audit(led, use_cache=False)
        assert report.ok, [(f.code, f.message()) for f in report.errors]
        assert report.signatures[head_of(demo_path)] == GOOD  # signed with the admin's own key
        # The next step goes to the sharded path, and the story of a request spans the move.
        rid = "2026-0003"
        sha = advance(led, rid)
        changed = git(demo_path, "show", "--name-only", "--format=", sha).split()
        assert changed == [request_path(rid, "sharded")]
        assert audit(led, use_cache=False).ok
    log = ktpel(demo_path, "log", rid)
    assert log.returncode == 0 and "Format ledger: susunan berkas permohonan flat -> sharded" in (
        log.stdout
    )
    assert "Langkah 1/19" in log.stdout  # the steps recorded before the move are still its story


def test_refusals_leave_the_ledger_as_it_was(demo_path: Path):
    base = head_of(demo_path)
    not_admin = ktpel(demo_path, "--as", "maya", "migrate-format")
    assert not_admin.returncode == 1 and "[not-admin]" in not_admin.stderr
    unknown = ktpel(demo_path, "--as", ADMIN, "migrate-format", "--layout", "tree")
    assert unknown.returncode == 2 and "pilihan 'tree' tidak ada" in unknown.stderr
    # A request file edited by hand and not committed: nothing moves, the edit is kept.
    path = demo_path / request_path("2026-0002")
    edited = path.read_text() + "# catatan tangan\n"
    path.write_text(edited)
    dirty = ktpel(demo_path, "--as", ADMIN, "migrate-format")
    assert dirty.returncode == 1 and "[uncommitted-change]" in dirty.stderr
    assert "Traceback" not in dirty.stderr
    assert path.read_text() == edited and head_of(demo_path) == base
    path.write_text(git(demo_path, "show", f"HEAD:{request_path('2026-0002')}"))
    assert ktpel(demo_path, "--as", ADMIN, "migrate-format").returncode == 0
    again = ktpel(demo_path, "--as", ADMIN, "--lang", "en", "migrate-format")
    assert again.returncode == 1
    assert "already uses the 'sharded' layout" in again.stderr
    # And back: the same operation the other way is a migration too.
    back = ktpel(demo_path, "--as", ADMIN, "migrate-format", "--layout", "flat")
    assert back.returncode == 0, back.stderr
    assert set(request_files(demo_path)) == set(request_files(demo_path, base))
    assert findings(demo_path) == []


def test_a_migration_killed_half_way_is_put_back_on_the_next_open(demo_path: Path):
    before = request_files(demo_path)
    base = head_of(demo_path)
    out = ktpel(
        demo_path,
        "--as",
        ADMIN,
        "migrate-format",
        env={"KTPEL_TEST_CRASH_AT": "sync-after-read-tree"},
    )
    assert out.returncode == 137, (out.stdout, out.stderr)
    assert (demo_path / ".git/ktpel/pending.json").exists()
    shown = ktpel(demo_path, "list")
    assert shown.returncode == 0, shown.stderr
    assert head_of(demo_path) == base and request_files(demo_path) == before
    assert git(demo_path, "status", "--porcelain") == ""
    assert all((demo_path / p).exists() for p in before)


# --- forgeries: a commit that says it is a migration and is not quite -----------------------


def _forge_migration(root: Path, change) -> str:
    """Move every request file to its sharded path with plain git, let `change` do something
    more (or less), and commit it as the admin, signed, with the migration's own message."""
    paths = list(request_files(root))
    for path in paths:
        new = request_path(request_id_of(path), "sharded")
        (root / new).parent.mkdir(parents=True, exist_ok=True)
        git(root, "mv", path, new)
    settings = (root / "ledger.toml").read_text()
    (root / "ledger.toml").write_text(migrated_settings(settings, "sharded"))
    change(root)
    git(root, "add", "-A", "--", "requests", "ledger.toml")
    with Ledger.open(root) as led:
        admin = led.policy().person(ADMIN)
    return commit_raw(
        root,
        {},
        format_message("flat", "sharded"),
        admin,
        signing_key_path(ADMIN),
        FIXED_NOW + timedelta(hours=3),
    )


def _edit_one(root: Path) -> None:
    path = root / request_path("2026-0002", "sharded")
    path.write_text(path.read_text().replace("blanks_requested = 1500", "blanks_requested = 9500"))


def _leave_one(root: Path) -> None:
    new, old = request_path("2026-0004", "sharded"), request_path("2026-0004")
    git(root, "mv", new, old)


def _rename_settings(root: Path) -> None:
    path = root / "ledger.toml"
    path.write_text(path.read_text().replace("Ledger Blanko", "Ledger Palsu"))


def _add_foreign(root: Path) -> None:
    (root / "requests" / "catatan.txt").write_text("bukan permohonan\n")


FORGERIES = {
    "a file's content changed with the move": (_edit_one, "requests/2026/02/2026-0002.toml"),
    "a file left at its flat path": (_leave_one, "requests/2026/04/2026-0004.toml"),
    "another setting changed with the layout": (_rename_settings, "ledger.toml"),
    "a foreign file added": (_add_foreign, "requests/catatan.txt"),
}


@pytest.mark.parametrize("name", FORGERIES)
def test_a_migration_that_is_not_only_renames_is_not_pure(demo_path: Path, name: str):
    change, path = FORGERIES[name]
    if name == "a file's content changed with the move":
        assert "blanks_requested = 1500" in (demo_path / request_path("2026-0002")).read_text()
    _forge_migration(demo_path, change)
    with Ledger.open(demo_path) as led:
        report = audit(led, use_cache=False)
    found = [f for f in report.errors if f.code == "migration-not-pure"]
    assert found, [(f.code, f.message()) for f in report.findings]
    assert found[0].params["path"] == path
    assert "bukan sekadar pemindahan berkas" in found[0].message()


def test_the_genuine_migration_made_by_hand_is_accepted(demo_path: Path):
    """The audit judges the commit, not the tool that made it: plain git renames and the
    migrated ledger.toml, signed by the admin, are exactly the kernel's migration."""
    _forge_migration(demo_path, lambda root: None)
    assert findings(demo_path) == []


def test_a_layout_flip_without_the_migration_trailer_stays_refused(demo_path: Path):
    paths = list(request_files(demo_path))
    for path in paths:
        new = request_path(request_id_of(path), "sharded")
        (demo_path / new).parent.mkdir(parents=True, exist_ok=True)
        git(demo_path, "mv", path, new)
    text = (demo_path / "ledger.toml").read_text()
    (demo_path / "ledger.toml").write_text(migrated_settings(text, "sharded"))
    git(demo_path, "add", "ledger.toml")
    with Ledger.open(demo_path) as led:
        admin = led.policy().person(ADMIN)
    message = "Kebijakan: susunan\n\nKtpel-Action: policy\nKtpel-Role: admin\n"
    commit_raw(
        demo_path, {}, message, admin, signing_key_path(ADMIN), FIXED_NOW + timedelta(hours=3)
    )
    codes = findings(demo_path)
    assert "mixed-change" in codes and "layout-changed" in codes


def test_a_migration_by_someone_not_admin_is_refused(demo_path: Path):
    _forge_migration(demo_path, lambda root: None)
    git(demo_path, "reset", "-q", "--soft", "HEAD~1")
    with Ledger.open(demo_path) as led:
        maya = led.policy().person("maya")
    commit_raw(
        demo_path,
        {},
        format_message("flat", "sharded"),
        maya,
        signing_key_path("maya"),
        FIXED_NOW + timedelta(hours=3),
    )
    assert "not-admin" in findings(demo_path)


# --- the hub and sync ---------------------------------------------------------------------------


def test_the_hub_accepts_the_migration_and_refuses_an_impure_one(hub: Path, offices):
    a = offices(str(hub), "a")
    b = offices(str(hub), "b")
    before = git(hub, "rev-parse", "main").strip()
    _forge_migration(b.root, _edit_one)
    proc = push(b)
    assert proc.returncode != 0
    assert any("migration-not-pure" in line for line in remote_lines(proc)), proc.stderr
    assert git(hub, "rev-parse", "main").strip() == before
    a.migrate_format(ADMIN, "sharded", at=at())
    assert sync(a).pushed == 1
    assert set(request_files(hub, "main")) == set(request_files(a.root))
    assert all(
        REQUEST_FILE_RE.match(p) and p == request_path(request_id_of(p), "sharded")
        for p in request_files(hub, "main")
    )


def test_an_offline_flat_step_is_replayed_onto_the_migrated_hub(hub: Path, offices):
    a = offices(str(hub), "a")
    b = offices(str(hub), "b")
    a.migrate_format(ADMIN, "sharded", at=at())
    sync(a)
    # b, still flat and offline, records a step and opens a request.
    advance(b, "2026-0003")
    new = b.record(None, create_event("19.02")).request.id
    assert (b.root / request_path(new)).exists()
    result = sync(b)
    assert result.parked == [] and result.pushed == 2
    # The steps landed at their sharded paths, on top of the migration; b follows the hub.
    assert b.policy().settings.layout == "sharded"
    assert git(b.root, "status", "--porcelain") == ""
    top = git(hub, "log", "-2", "--name-only", "--format=", "main").split()
    assert sorted(top) == sorted(
        [request_path("2026-0003", "sharded"), request_path(new, "sharded")]
    )
    assert findings(b.root) == []
    assert new in [r.id for r in b.list_requests()]


def test_an_offline_migration_moves_what_others_recorded_meanwhile(hub: Path, offices):
    a = offices(str(hub), "a")
    b = offices(str(hub), "b")
    a.migrate_format(ADMIN, "sharded", at=at())  # offline
    new = b.record(None, create_event("19.05")).request.id
    sync(b)  # the hub gets a flat request a has not seen
    result = sync(a)
    assert result.parked == [] and result.pushed == 1
    files = request_files(hub, "main")
    assert request_path(new, "sharded") in files and request_path(new) not in files
    assert findings(a.root) == []
    sync(b)
    assert b.policy().settings.layout == "sharded"
    assert (b.root / request_path(new, "sharded")).exists()


def test_the_kernel_refuses_a_migration_the_store_cannot_make(demo: Ledger):
    with pytest.raises(LedgerError) as exc:
        demo.migrate_format(ADMIN, "flat")
    assert exc.value.code == "layout-same"


def test_a_migration_naming_a_layout_that_does_not_exist_is_refused(demo_path: Path):
    _forge_migration(demo_path, lambda root: None)
    git(demo_path, "reset", "-q", "--soft", "HEAD~1")
    with Ledger.open(demo_path) as led:
        admin = led.policy().person(ADMIN)
    message = format_message("flat", "sharded").replace(
        "Ktpel-Layout: sharded", "Ktpel-Layout: ../../tmp"
    )
    commit_raw(
        demo_path, {}, message, admin, signing_key_path(ADMIN), FIXED_NOW + timedelta(hours=3)
    )
    with Ledger.open(demo_path) as led:
        report = audit(led, use_cache=False)
        found = {f.code: f for f in report.errors}
        assert "layout-unknown" in found, [(f.code, f.message()) for f in report.findings]
        assert "'../../tmp'" in found["layout-unknown"].message()
        # The walk goes on from what the commit left: later readers are not thrown off.
        assert led.list_requests()


def test_the_listing_cache_follows_the_migration_as_a_cold_list_would(demo_path: Path):
    from test_audit import _at
    from test_clone_cache import cold_rows
    from test_clone_cache import rows as cached_rows

    # One broken request (a hand edit committed with plain git): its reason names its file.
    with Ledger.open(demo_path) as led:
        victim = request_path("2026-0004")
        person = led.policy().person("maya")
    text = (demo_path / victim).read_text(encoding="utf-8")
    commit_raw(
        demo_path, {victim: text.replace('status = "', 'status = "x', 1)}, "x", person, None, _at()
    )
    with Ledger.open(demo_path) as led:
        led.list_requests()  # the cache is current before the migration
        led.migrate_format(ADMIN, "sharded", at=FIXED_NOW + timedelta(hours=3))
        assert not led.cache.needs_full_refresh(led._policy_and_key(led.head())[0])
        kept = cached_rows(led)
        assert any(request_path("2026-0004", "sharded") in str(row) for row in kept[0])
        assert kept == cold_rows(led)
        shown = {r.id: r for r in led.list_requests()}
        assert shown["2026-0004"].broken
        assert shown["2026-0004"].path == request_path("2026-0004", "sharded")


@pytest.mark.parametrize("offline_step", [False, True], ids=["fast-forward", "replayed"])
def test_a_clone_receiving_the_migration_keeps_its_listing_cache(hub: Path, offices, offline_step):
    from test_clone_cache import cold_rows
    from test_clone_cache import rows as cached_rows

    a = offices(str(hub), "a")
    b = offices(str(hub), "b")
    advance(a, "2026-0005")  # a step before the migration, which b gets in the same pull
    a.migrate_format(ADMIN, "sharded", at=at())
    advance(a, "2026-0004")  # and one after it
    sync(a)
    b.list_requests()
    if offline_step:
        advance(b, "2026-0003")
    # How many files each refresh of b's listing cache reads, through the sync and a list.
    parsed: list[int] = []
    refresh = b.cache.refresh

    def counted(*args, **kw):
        parsed.append(refresh(*args, **kw))
        return parsed[-1]

    b.cache.refresh = counted
    sync(b)
    assert b.policy().settings.layout == "sharded"
    b.list_requests()
    # The sync carried the cache over the migration: no refresh read every file again because
    # the policy changed, only the steps around it.
    assert parsed and max(parsed) <= 2, parsed
    assert cached_rows(b) == cold_rows(b)
    assert all(r.path == request_path(r.id, "sharded") for r in b.list_requests())


def test_only_a_pure_migration_is_followed_by_the_listing_cache(demo_path: Path):
    from ledger.store import _pure_moves

    with Ledger.open(demo_path) as led:
        led.list_requests()
        base = led.head()
    _forge_migration(demo_path, _edit_one)  # a content change on the way: not followed
    with Ledger.open(demo_path) as led:
        raw = git(
            demo_path, "diff-tree", "-r", "-z", "--no-renames", "--no-commit-id", base, "HEAD"
        )
        assert _pure_moves(raw, "sharded") is None
        assert led.follow_format_migrations(led.head()) == 0
        assert led.cache.cached_head() == base  # left for the next list to read in full
    git(demo_path, "reset", "-q", "--hard", base)
    _forge_migration(demo_path, lambda root: None)
    with Ledger.open(demo_path) as led:
        assert led.follow_format_migrations(led.head()) == 1
        assert led.cache.cached_head() == led.head()
