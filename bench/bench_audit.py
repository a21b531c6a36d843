"""Benchmark `ktpel audit` on a large signed ledger.

    python -m bench.bench_audit [COMMITS] [--keep PATH]

Builds a ledger of COMMITS signed commits (default 100,000) fast: the request files come from
the real core operations (`bench.build.request_events`: `request.apply` + `requestfile.dumps`),
trees and blobs go through `git fast-import`, then every commit is re-made on top of its signed
parent and signed in-process with `cryptography` (the same SSHSIG bytes `ssh-keygen -Y sign`
makes; the tests check git verifies them) and written as one pack through `git index-pack`.
The people (the demo's) have deterministic ed25519 keys registered in people.toml, and the
ledger requires signatures.

Measured in the same run over the same history:
- `git log --raw` of the whole history (what the audit reads first, so its floor);
- a full audit without cache (commits checked per second);
- a second audit with the cache (nothing new);
- an incremental audit after 100 new signed commits.
"""

from __future__ import annotations

import hashlib
import random
import shutil
import struct
import subprocess
import sys
import tempfile
import threading
import time
import zlib
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from bench.build import request_events
from bench.fastimport import FIRST_MESSAGE, commit_command, first_files
from ledger import clock
from ledger.audit import audit_git_dir
from ledger.bootstrap import default_settings_text, people_text
from ledger.demo import PEOPLE
from ledger.gitobjects import pack_object_header
from ledger.policy import Key, parse_policy
from ledger.request import request_path
from ledger.requestfile import dumps
from ledger.sop import BUILTIN_SOP, builtin_sop_text
from ledger.sshsig import key_blob_of, public_line, sign, split_commit, with_signature
from ledger.trailers import commit_message

UNSIGNED_REF = "refs/bench/unsigned"


def bench_keys() -> dict[str, Ed25519PrivateKey]:
    return {
        p.id: Ed25519PrivateKey.from_private_bytes(
            hashlib.sha256(f"ktpel-bench-{p.id}".encode()).digest()
        )
        for p in PEOPLE
    }


def _stream_unsigned(out, n_commits: int, keys: dict[str, Ed25519PrivateKey], seed: int) -> None:
    people = [
        replace(p, keys=(Key(public_line(key_blob_of(keys[p.id])), added="2026-01-01"),))
        for p in PEOPLE
    ]
    texts = (
        default_settings_text(signatures_required=True),
        people_text(people),
        builtin_sop_text(BUILTIN_SOP),
    )
    policy = parse_policy(*texts)
    rng = random.Random(seed)
    t0 = clock.to_wib(datetime(2026, 1, 5, 8, 0))
    made = 0
    last_committed = 0

    def commit(files: dict[str, bytes], message: str, name: str, email: str, at: datetime) -> None:
        # Requests are generated one after another, so their events overlap in time; as in real
        # work (and after sync), the commit time only moves forward while the author time is the
        # step's own time.
        nonlocal made, last_committed
        made += 1
        last_committed = max(last_committed, int(at.timestamp()))
        who = f"{name} <{email}>"
        out.write(
            commit_command(UNSIGNED_REF, who, int(at.timestamp()), last_committed, message, files)
        )

    admin = people[0]
    commit(first_files(texts), FIRST_MESSAGE, admin.name, admin.email, t0)
    n = 0
    while made < n_commits:
        start = t0 + timedelta(minutes=37 * n)
        last = rng.choice([2, 5, 8, 10, 12, 14, 16, 18])
        path = request_path(f"{start.year}-{n + 1:04d}")
        for state, ev in request_events(n, start, last, policy, rng):
            if made >= n_commits:
                break
            person = policy.people[ev.by]
            commit(
                {path: dumps(state).encode()},
                commit_message(state, ev, policy),
                person.name,
                person.email,
                ev.at,
            )
        n += 1


def sign_onto(
    git_dir: Path,
    unsigned: list[str],
    parent: str | None,
    keys: dict[str, Ed25519PrivateKey],
    emails: dict[str, str],
) -> str:
    """Re-make `unsigned` commits (oldest first) as a signed chain on `parent`; returns the tip."""
    proc = subprocess.Popen(
        ["git", "--git-dir", str(git_dir), "cat-file", "--batch"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )

    def feed() -> None:
        proc.stdin.write("".join(s + "\n" for s in unsigned).encode())
        proc.stdin.close()

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    body = bytearray()
    tip = parent
    for _ in unsigned:
        header = proc.stdout.readline()
        raw = proc.stdout.read(int(header.split()[2]))
        proc.stdout.read(1)
        commit = split_commit(raw)
        head, _, message = commit.payload.partition(b"\n\n")
        lines = [line for line in head.split(b"\n") if not line.startswith(b"parent ")]
        if tip:
            lines.insert(1, b"parent " + tip.encode())
        payload = b"\n".join(lines) + b"\n\n" + message
        author = commit.header(b"author") or b""
        email = author[author.index(b"<") + 1 : author.index(b">")].decode()
        obj = with_signature(payload, sign(keys[emails[email]], payload))
        tip = hashlib.sha1(b"commit " + str(len(obj)).encode() + b"\0" + obj).hexdigest()
        body += pack_object_header(b"commit", len(obj)) + zlib.compress(obj, 1)
    writer.join()
    proc.wait()
    pack = b"PACK" + struct.pack(">II", 2, len(unsigned)) + bytes(body)
    pack += hashlib.sha1(pack).digest()
    subprocess.run(
        ["git", "--git-dir", str(git_dir), "index-pack", "--stdin"],
        input=pack,
        check=True,
        capture_output=True,
    )
    return tip


def build_signed(
    root: Path, n_commits: int, extra: int = 100, seed: int = 7
) -> tuple[str, list[str]]:
    """The ledger at `root` with `n_commits` signed commits on main; returns (tip, the `extra` unsigned ones to sign later)."""
    keys = bench_keys()
    subprocess.run(["git", "init", "-q", "-b", "main", str(root)], check=True)
    git_dir = root / ".git"
    proc = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=root, stdin=subprocess.PIPE)
    _stream_unsigned(proc.stdin, n_commits + extra, keys, seed)
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    shas = subprocess.run(
        ["git", "rev-list", "--reverse", UNSIGNED_REF],
        cwd=root,
        capture_output=True,
        check=True,
        text=True,
    ).stdout.split()
    emails = {p.email: p.id for p in PEOPLE}
    tip = sign_onto(git_dir, shas[:n_commits], None, keys, emails)
    subprocess.run(["git", "update-ref", "refs/heads/main", tip], cwd=root, check=True)
    subprocess.run(["git", "update-ref", "-d", UNSIGNED_REF], cwd=root, check=True)
    return tip, shas[n_commits:]


def timed(fn):
    start = time.perf_counter()
    result = fn()
    return time.perf_counter() - start, result


def run(n_commits: int, keep: Path | None = None) -> dict[str, float]:
    folder = Path(tempfile.mkdtemp(prefix="ktpel-bench-audit-")) if keep is None else keep
    root = folder / "ledger"
    git_dir = root / ".git"
    build_s, (tip, later) = timed(lambda: build_signed(root, n_commits))
    print(f"built {n_commits} signed commits in {build_s:.1f} s")
    log_s, _ = timed(
        lambda: subprocess.run(
            [
                "git",
                "--git-dir",
                str(git_dir),
                "log",
                "--raw",
                "--no-abbrev",
                "-r",
                "--root",
                "main",
            ],
            stdout=subprocess.DEVNULL,
            check=True,
        )
    )
    print(f"git log --raw: {log_s:.2f} s ({n_commits / log_s:,.0f} commits/s)")
    full_s, report = timed(lambda: audit_git_dir(git_dir, "main"))
    assert report.commits == n_commits, report.commits
    errors = [f for f in report.findings if f.severity == "error"]
    print(
        f"audit (no cache): {full_s:.2f} s ({n_commits / full_s:,.0f} commits/s), {len(errors)} errors, "
        f"{len(report.findings) - len(errors)} warnings"
    )
    cached_s, again = timed(lambda: audit_git_dir(git_dir, "main"))
    print(f"second audit (cache, nothing new): {cached_s:.2f} s, checked {again.checked}")
    keys = bench_keys()
    new_tip = sign_onto(git_dir, later, tip, keys, {p.email: p.id for p in PEOPLE})
    subprocess.run(
        ["git", "--git-dir", str(git_dir), "update-ref", "refs/heads/main", new_tip, tip],
        check=True,
    )
    inc_s, inc = timed(lambda: audit_git_dir(git_dir, "main"))
    print(
        f"incremental audit after {len(later)} new commits: {inc_s:.2f} s, checked {inc.checked}, "
        f"{len(inc.errors)} errors"
    )
    if keep is None:
        shutil.rmtree(folder, ignore_errors=True)
    return {
        "commits": n_commits,
        "build_s": build_s,
        "log_s": log_s,
        "full_s": full_s,
        "cached_s": cached_s,
        "incremental_s": inc_s,
        "incremental_checked": inc.checked,
        "errors": len(errors) + len(inc.errors),
    }


DOC = Path(__file__).resolve().parent.parent / "docs" / "PERFORMANCE.md"
BEGIN, END = "<!-- bench_audit:begin -->", "<!-- bench_audit:end -->"
SECTION = f"""
## Audit

```sh
python -m bench.bench_audit 100000 --write-doc
```

A ledger of signed commits (one per event, the demo's people, signatures required) is built
with `git fast-import` and in-process signatures, then audited in the same run as a plain
`git log --raw` of the same history (the audit's own first read, so its floor).

{BEGIN}
(run the command above)
{END}
"""


def write_doc(r: dict[str, float]) -> None:
    """Replace the figures between the bench_audit markers (adding the section if absent)."""
    text = DOC.read_text(encoding="utf-8") if DOC.exists() else "# Performance\n"
    if BEGIN not in text:
        text = text.rstrip("\n") + "\n" + SECTION
    n = int(r["commits"])
    table = "\n".join(
        [
            f"Measured {time.strftime('%Y-%m-%d')} on this machine (2 cores, shared with other work), {n:,} signed commits:",
            "",
            "| what | time | commits/s |",
            "|---|---:|---:|",
            f"| build the signed ledger (fast-import + signing + index-pack) | {r['build_s']:.1f} s | {n / r['build_s']:,.0f} |",
            f"| `git log --raw` over the whole history (baseline) | {r['log_s']:.2f} s | {n / r['log_s']:,.0f} |",
            f"| `ktpel audit`, full, no cache | {r['full_s']:.1f} s | {n / r['full_s']:,.0f} |",
            f"| second audit, nothing new (cache) | {r['cached_s']:.2f} s | - |",
            f"| incremental audit after {int(r['incremental_checked'])} new commits | {r['incremental_s']:.2f} s | "
            f"{r['incremental_checked'] / r['incremental_s']:,.0f} |",
            "",
            f"Errors found: {int(r['errors'])} (the ledger is clean, so every check ran to its end).",
        ]
    )
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    DOC.write_text(head + BEGIN + "\n" + table + "\n" + END + tail, encoding="utf-8")


if __name__ == "__main__":
    count = int(sys.argv[1]) if len(sys.argv) > 1 and not sys.argv[1].startswith("-") else 100_000
    keep = Path(sys.argv[sys.argv.index("--keep") + 1]) if "--keep" in sys.argv else None
    if keep:
        keep.mkdir(parents=True, exist_ok=False)
    results = run(count, keep)
    print(results)
    if "--write-doc" in sys.argv:
        write_doc(results)
