"""The git history of a request (or the whole ledger) as an audit trail."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from .store import Ledger
from .trailers import parse_trailers

_FORMAT = "%H%x1f%P%x1f%aI%x1f%an%x1f%ae%x1f%cI%x1f%G?%x1f%B%x1e"


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


def history(
    ledger: Ledger,
    request_id: str | None = None,
    *,
    limit: int | None = None,
    rev: str = "HEAD",
    signatures: bool = False,
) -> list[HistoryEntry]:
    """Newest first. `signatures=True` asks git to check signatures (slower)."""
    fmt = _FORMAT if signatures else _FORMAT.replace("%G?", "N")
    args = ["log", f"--format={fmt}", rev]
    if limit:
        args.insert(1, f"-n{limit}")
    if request_id is not None:
        from .request import request_path

        args += ["--", request_path(request_id)]
    out = ledger.git(*args).stdout.decode("utf-8", "replace")
    entries = []
    for record in out.split("\x1e"):
        record = record.strip("\n")
        if not record:
            continue
        sha, parents, at, author, email, committed, sig, body = record.split("\x1f", 7)
        subject = body.split("\n", 1)[0]
        entries.append(
            HistoryEntry(
                sha=sha,
                parents=tuple(parents.split()),
                at=datetime.fromisoformat(at),
                author=author,
                email=email,
                committed=datetime.fromisoformat(committed),
                signature=sig,
                subject=subject,
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
