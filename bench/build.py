"""Build benchmark ledgers fast, with git plumbing (git fast-import), from real core operations.

Every request's events are produced by `ledger.request.apply` (the same rules as real work),
serialised with `ledger.requestfile.dumps`, and streamed into `git fast-import`:
- `history="events"`: one commit per event (realistic history; used for the 200-request ledger);
- `history="requests"`: one commit per request holding its final file (the 20,000-request one).
The ledger has the demo's people and settings (signatures not required), so it opens like any.
"""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

from bench.fastimport import FIRST_MESSAGE, REF, commit_command, first_files
from ledger import clock
from ledger.bootstrap import default_settings_text, people_text
from ledger.demo import ACTOR, PEOPLE, REQUESTED, STOCK_LEFT
from ledger.policy import parse_policy
from ledger.request import Event, RequestState, apply, empty, request_path
from ledger.requestfile import dumps
from ledger.sop import BUILTIN_SOP, builtin_sop_text
from ledger.trailers import commit_message

KABKOTA = sorted(REQUESTED)


def _policy_texts() -> tuple[str, str, str]:
    return default_settings_text(), people_text(PEOPLE), builtin_sop_text(BUILTIN_SOP)


def _data(state: RequestState, no: int, at: datetime, n: int) -> dict:
    year = at.year
    if no == 1:
        return {"meeting_date": at.date(), "minutes_summary": "Rapat monev stok blanko."}
    if no == 2:
        return {
            "subject": "Permohonan Fasilitasi Pengambilan Blanko KTP-el",
            "blanks_asked": sum(state.requested.values()),
        }
    if no == 9:
        return {"letter_number": f"470/{2 * n + 1}/DP3ACSKB/{year}", "letter_date": at.date()}
    if no == 11:
        return {"recipient": "PJ Korwil Babel", "sent_at": at}
    if no == 12:
        return {"cover_letter_number": f"470/{2 * n + 2}/DP3ACSKB/{year}", "sent_at": at}
    if no == 13:
        return {
            "blanks_shipped": state.value(2, "blanks_asked"),
            "carrier": "Garuda Indonesia Cargo",
            "airway_bill": f"126-{10000000 + n}",
            "ship_date": at.date(),
        }
    if no == 14:
        return {"pickup_date": at.date(), "parcels": 3, "airway_bill_matches": True}
    if no == 15:
        return {"received_good": state.value(13, "blanks_shipped"), "damaged_missing": 0}
    if no == 16:
        return {"proposed_shares": dict(state.requested)}
    if no == 17:
        return {"shares": dict(state.value(16, "proposed_shares"))}
    if no == 18:
        return {"schedule": {c: {"date": at.date(), "mode": "ambil"} for c in sorted(state.shares)}}
    return {}


def request_events(
    n: int, start: datetime, last_step: int, policy, rng: random.Random
) -> Iterator[tuple[RequestState, Event]]:
    """Apply a request's operations one by one; yields (state after, event)."""
    year = start.year
    state = empty(f"{year}-{n + 1:04d}", policy.sop.id)
    at = start
    codes = rng.sample(KABKOTA, 2)
    for i, code in enumerate(codes):
        data = {
            "kabkota": code,
            "letter_number": f"470/{n}/Dukcapil-{code}/{year}",
            "letter_date": at.date(),
            "blanks_requested": REQUESTED[code],
            "stock_left": STOCK_LEFT[code],
        }
        ev = Event(
            "create" if i == 0 else "permohonan",
            0,
            at,
            "kadis-" + code.replace(".", ""),
            "kadis-kabkota",
            data,
        )
        state = apply(state, ev, policy)
        yield state, state.events[-1]
        at += timedelta(minutes=20)
    for no in range(1, min(last_step, 18) + 1):
        step = policy.sop.step(no)
        ev = Event("advance", no, at, ACTOR[step.role], step.role, _data(state, no, at, n))
        state = apply(state, ev, policy)
        yield state, state.events[-1]
        at += timedelta(minutes=max(1, step.minutes // 2))


def _fast_import_stream(out, n_requests: int, history: str, policy, texts, seed: int) -> None:
    rng = random.Random(seed)
    t0 = clock.to_wib(datetime(2026, 1, 5, 8, 0))
    admin = PEOPLE[0]
    mark = 0

    def commit(files: dict[str, bytes], message: str, name: str, email: str, at: datetime) -> None:
        nonlocal mark
        mark += 1
        when = int(at.timestamp())
        parent = mark - 1 if mark > 1 else None
        who = f"{name} <{email}>"
        out.write(commit_command(REF, who, when, when, message, files, mark, parent))

    commit(first_files(texts), FIRST_MESSAGE, admin.name, admin.email, t0)
    people = policy.people
    for n in range(n_requests):
        start = t0 + timedelta(minutes=37 * n)
        last = rng.choice([2, 5, 8, 10, 12, 14, 16, 18])
        path = request_path(f"{start.year}-{n + 1:04d}")
        final = None
        for state, ev in request_events(n, start, last, policy, rng):
            if history == "events":
                person = people[ev.by]
                commit(
                    {path: dumps(state).encode()},
                    commit_message(state, ev, policy),
                    person.name,
                    person.email,
                    ev.at,
                )
            final = (state, ev)
        if history == "requests" and final:
            state, ev = final
            person = people[ev.by]
            commit(
                {path: dumps(state).encode()},
                commit_message(state, ev, policy),
                person.name,
                person.email,
                ev.at,
            )


def build(path: Path, n_requests: int, history: str = "events", seed: int = 7) -> Path:
    path = Path(path)
    if path.exists():
        raise SystemExit(f"{path} exists")
    texts = _policy_texts()
    policy = parse_policy(*texts)
    subprocess.run(["git", "init", "-q", "-b", "main", str(path)], check=True)
    proc = subprocess.Popen(["git", "fast-import", "--quiet"], cwd=path, stdin=subprocess.PIPE)
    assert proc.stdin is not None
    _fast_import_stream(proc.stdin, n_requests, history, policy, texts, seed)
    proc.stdin.close()
    if proc.wait() != 0:
        raise SystemExit("git fast-import failed")
    subprocess.run(["git", "checkout", "-q", "-f", "main"], cwd=path, check=True)
    return path


if __name__ == "__main__":
    build(Path(sys.argv[1]), int(sys.argv[2]), sys.argv[3] if len(sys.argv) > 3 else "events")
