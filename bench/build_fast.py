"""Build benchmark ledgers of any size in seconds to minutes: templated `git fast-import`.

`bench/build.py` replays every request through `ledger.request.apply` (~6 min per 20,000
requests). Here only a few TEMPLATES (requests ending at each step) are replayed through the
real core (`bench.build.request_events`: `request.apply` + `requestfile.dumps` +
`trailers.commit_message`); every request of the ledger is then one template with its id,
letter numbers and airway bill replaced and every timestamp shifted, so each file is a file
ktpel itself wrote, only for another id at another time.

Histories:
- `events`: one commit per event (author time = the event's time, committer time only moves
  forward). A ledger built this way audits clean (checked by `python -m bench.build_fast
  --check`);
- `requests`: one commit per request holding its final file (message and trailers of its last
  event). Not a step-by-step history: the audit reports each as `file-mismatch`. Opens, lists
  and advances like any ledger;
- `batch`: one commit per BATCH requests (message `bench: requests A..B`, no trailers): the
  only way to put 200,000 requests in one year's folder in minutes (each commit writes the
  whole `requests/<year>/` tree). For step and listing benchmarks only.

All requests start within one year (2026): the flat `requests/2026/` folder is the worst case.

    python -m bench.build_fast PATH N [events|requests|batch]
    python -m bench.build_fast --check        # builds 30 requests (events) and audits them
"""

from __future__ import annotations

import random
import re
import subprocess
import sys
import tempfile
from datetime import date, datetime, timedelta
from pathlib import Path

from bench.build import _policy_texts, request_events
from bench.fastimport import FIRST_MESSAGE, REF, commit_command, first_files
from ledger import clock
from ledger.bootstrap import default_settings_text
from ledger.demo import PEOPLE
from ledger.paths import FLAT, request_path
from ledger.policy import parse_policy
from ledger.requestfile import dumps
from ledger.trailers import commit_message

SENTINEL = 7_000_000  # template t is built as request SENTINEL + t: its numbers are unmistakable
LAST_STEPS = (2, 5, 8, 10, 12, 14, 16, 18)
T0 = clock.to_wib(datetime(2026, 1, 5, 8, 0))
_STAMP = re.compile(r"(\d{4}-\d{2}-\d{2})( \d{2}:\d{2}:\d{2}\+07:00)?")
BATCH = 1000


class Template:
    """One replayed request: per event, (file text, message, author, author time) with the
    template's own numbers and times as placeholders."""

    def __init__(self, t: int, last: int, policy, rng: random.Random) -> None:
        s = SENTINEL + t
        self.subs = [
            (f"2026-{s + 1}", "{id}"),
            (f"470/{2 * s + 1}/", "470/{l1}/"),
            (f"470/{2 * s + 2}/", "470/{l2}/"),
            (f"470/{s}/", "470/{n}/"),
            (f"126-{10000000 + s}", "126-{awb}"),
        ]
        self.events = []
        for state, ev in request_events(s, T0, last, policy, rng):
            person = policy.people[ev.by]
            self.events.append(
                (
                    self._pieces(dumps(state)),
                    self._pieces(commit_message(state, ev, policy)),
                    person,
                    ev.at,
                )
            )

    def _pieces(self, text: str) -> list:
        """The text split into literal strings and ("dt"|"d", value) stamps to shift."""
        for old, new in self.subs:
            text = text.replace(old, new.replace("{", "\x00").replace("}", "\x01"))
        text = text.replace("{", "{{").replace("}", "}}")
        text = text.replace("\x00", "{").replace("\x01", "}")
        out: list = []
        pos = 0
        for m in _STAMP.finditer(text):
            out.append(text[pos : m.start()])
            if m.group(2):
                out.append(("dt", datetime.fromisoformat(m.group(0))))
            else:
                out.append(("d", date.fromisoformat(m.group(1))))
            pos = m.end()
        out.append(text[pos:])
        return out


def _render(pieces: list, shift: timedelta, days: timedelta, names: dict[str, object]) -> str:
    parts = []
    for p in pieces:
        if isinstance(p, str):
            parts.append(p.format(**names) if "{" in p else p)
        elif p[0] == "dt":
            parts.append((p[1] + shift).strftime("%Y-%m-%d %H:%M:%S+07:00"))
        else:
            parts.append((p[1] + days).isoformat())
    return "".join(parts)


def _stream(out, n_requests: int, history: str, seed: int, layout: str = FLAT) -> None:
    texts = _policy_texts()
    if layout != FLAT:  # ledger.toml says so (format 3); the files go where request_path puts them
        texts = (default_settings_text(layout=layout), *texts[1:])
    policy = parse_policy(*texts)
    rng = random.Random(seed)
    templates = [Template(t, last, policy, rng) for t, last in enumerate(LAST_STEPS * 4)]
    spacing = min(timedelta(minutes=37), timedelta(days=355) / max(n_requests, 1))
    mark = 0
    committed = 0

    def commit(files: dict[str, bytes], message: str, person, at: datetime) -> None:
        nonlocal mark, committed
        mark += 1
        when = int(at.timestamp())
        committed = max(committed, when)
        who = f"{person.name} <{person.email}>"
        parent = mark - 1 if mark > 1 else None
        out.write(commit_command(REF, who, when, committed, message, files, mark, parent))

    commit(first_files(texts), FIRST_MESSAGE, PEOPLE[0], T0)
    batch: dict[str, bytes] = {}
    for n in range(n_requests):
        tpl = templates[rng.randrange(len(templates))]
        shift = spacing * n
        days = timedelta(days=shift.days)
        rid = f"{(T0 + shift).year}-{n + 1:04d}"
        names = {"id": rid, "n": n, "l1": 2 * n + 1, "l2": 2 * n + 2, "awb": 10000000 + n}
        path = request_path(rid, layout)
        if history == "events":
            for text, message, person, at in tpl.events:
                commit(
                    {path: _render(text, shift, days, names).encode()},
                    _render(message, shift, days, names),
                    person,
                    at + shift,
                )
            continue
        text, message, person, at = tpl.events[-1]
        data = _render(text, shift, days, names).encode()
        if history == "requests":
            commit({path: data}, _render(message, shift, days, names), person, at + shift)
            continue
        batch[path] = data
        if len(batch) == BATCH or n == n_requests - 1:
            first = n + 2 - len(batch)
            commit(batch, f"bench: requests {first}..{n + 1}\n", PEOPLE[0], at + shift)
            batch = {}


def build_fast(
    path: Path, n_requests: int, history: str = "events", seed: int = 7, layout: str = FLAT
) -> Path:
    path = Path(path)
    if path.exists():
        raise SystemExit(f"{path} exists")
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    proc = subprocess.Popen(
        ["git", "fast-import", "--quiet", "--depth=50"], cwd=path, stdin=subprocess.PIPE
    )
    assert proc.stdin is not None
    _stream(proc.stdin, n_requests, history, seed, layout)
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=path, check=True)
    return path


def check(n_requests: int = 30, layout: str = FLAT) -> int:
    """Build a small ledger with the events history and audit it (no cache): must be clean."""
    from ledger.audit import audit
    from ledger.store import Ledger

    with tempfile.TemporaryDirectory() as tmp:
        path = build_fast(Path(tmp) / "ledger", n_requests, "events", layout=layout)
        with Ledger.open(path) as led:
            report = audit(led, use_cache=False)
            rows = led.list_requests()
        codes = sorted({f.code for f in report.findings})
        broken = [r.id for r in rows if r.broken]
        print(
            f"{layout}: {len(rows)} requests, {report.commits} commits;"
            f" findings: {codes}; broken: {broken}"
        )
        return 0 if not broken and not set(codes) - {"unsigned-allowed"} else 1


if __name__ == "__main__":
    if sys.argv[1:2] == ["--check"]:
        n = int(sys.argv[2]) if len(sys.argv) > 2 else 30
        sys.exit(check(n) or check(n, "sharded"))
    build_fast(Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "events")
