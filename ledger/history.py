"""The git history of a request (or the whole ledger) as an audit trail."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING

from .gitread import stream_objects
from .sshsig import split_commit
from .trailers import parse_trailers

if TYPE_CHECKING:  # `ktpel log` reads history through a light `LedgerReader`, without a Ledger
    from .reader import LedgerReader
    from .store import Ledger


@dataclass(frozen=True, slots=True)
class HistoryEntry:
    sha: str
    parents: tuple[str, ...]
    at: datetime
    author: str
    email: str
    committed: datetime
    signature: str  # git's %G?: G good, B bad, U/X/Y/R/E see git-log(1), N none
    subject: str
    body: str
    trailers: dict[str, str]

    @property
    def request(self) -> str | None:
        return self.trailers.get("Ktpel-Request")

    @property
    def step(self) -> int | None:
        value = self.trailers.get("Ktpel-Step")
        return int(value) if value and value.isdigit() else None

    @property
    def action(self) -> str | None:
        return self.trailers.get("Ktpel-Action")

    @property
    def role(self) -> str | None:
        return self.trailers.get("Ktpel-Role")

    @property
    def on_behalf_of(self) -> str | None:
        return self.trailers.get("Ktpel-On-Behalf-Of")


# A date outside these years, or an offset beyond a day, is shown as this instant (the audit
# reports the commit, `time-invalid`): `datetime` raises on both.
_FALLBACK = datetime(1970, 1, 1, tzinfo=UTC)
_HEADER_RE = re.compile(rb"^(.*) <([^>]*)> (-?[0-9]{1,12}) ([+-])([0-9]{2})([0-9]{2})$", re.S)


def _person(value: bytes | None) -> tuple[str, str, datetime]:
    """(name, email, time) of an author/committer header, never raising on what it holds."""
    match = _HEADER_RE.match(value or b"")
    if not match:
        return (value or b"").decode("utf-8", "replace"), "", _FALLBACK
    name, email = (match.group(i).decode("utf-8", "replace") for i in (1, 2))
    hours, minutes = int(match.group(5)), int(match.group(6))
    if hours >= 24 or minutes >= 60:
        return name, email, _FALLBACK
    sign = -1 if match.group(4) == b"-" else 1
    try:
        zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
        return name, email, datetime.fromtimestamp(int(match.group(3)), zone)
    except (OverflowError, ValueError, OSError):
        return name, email, _FALLBACK


def history(
    ledger: Ledger | LedgerReader,
    request_id: str | None = None,
    *,
    limit: int | None = None,
    rev: str = "HEAD",
    signatures: bool = False,
) -> list[HistoryEntry]:
    """Newest first. `signatures=True` asks git to check signatures (slower)."""
    # Only ids (and git's signature letter) come from `git log`; each commit is then read raw and
    # split here, so no byte a forger puts in a name or a message can split a record, and no
    # date or offset git would print can reach a parser that raises on it (issue 16).
    args = ["log", "--format=%H %G?" if signatures else "--format=%H", rev]
    if limit:
        args.insert(1, f"-n{limit}")
    if request_id is not None:
        from .paths import request_path

        # Both layouts' paths: the file keeps its history whichever layout held it.
        args += ["--", request_path(request_id, "flat"), request_path(request_id, "sharded")]
    listed = ledger.git(*args).stdout.decode("ascii", "replace").splitlines()
    rows = [line.split(" ", 1) for line in listed if line]
    shas = [row[0] for row in rows]
    entries = []
    for row, raw in zip(rows, stream_objects(ledger.git_dir, shas), strict=True):
        commit = split_commit(raw or b"")
        author, email, at = _person(commit.header(b"author"))
        _, _, committed = _person(commit.header(b"committer"))
        body = commit.message.decode("utf-8", "replace")
        entries.append(
            HistoryEntry(
                sha=row[0],
                parents=tuple(p.decode("ascii", "replace") for p in commit.parents),
                at=at,
                author=author,
                email=email,
                committed=committed,
                signature=row[1] if len(row) > 1 else "N",
                subject=body.split("\n", 1)[0],
                body=body,
                trailers=parse_trailers(body),
            )
        )
    return entries


def diff(ledger: Ledger, sha: str) -> str:
    """The change a commit made (its patch), as text."""
    return ledger.git("show", "--format=", "--patch", "--no-color", sha).stdout.decode(
        "utf-8", "replace"
    )
