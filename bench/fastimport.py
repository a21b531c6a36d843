"""The `git fast-import` commands the bench builders write (bench/build.py, build_fast.py,
bench_audit.py): one commit with its files inline, and the first commit of a ledger."""

from __future__ import annotations

from ledger.policy import sop_path
from ledger.sop import BUILTIN_SOP

REF = "refs/heads/main"
FIRST_MESSAGE = "Ledger dibuat\n\nKtpel-Action: policy\nKtpel-Role: admin\n"


def first_files(texts: tuple[str, str, str]) -> dict[str, bytes]:
    """ledger.toml, people.toml and the SOP (as `texts`), and .gitattributes: what init writes."""
    settings, people, sop = texts
    return {
        "ledger.toml": settings.encode(),
        "people.toml": people.encode(),
        sop_path(BUILTIN_SOP): sop.encode(),
        ".gitattributes": b"*.toml text eol=lf\n",
    }


def commit_command(
    ref: str,
    who: str,
    authored: int,
    committed: int,
    message: str,
    files: dict[str, bytes],
    mark: int | None = None,
    parent: int | None = None,
) -> bytes:
    """One `commit` of the fast-import stream: `who` is "Name <email>", times are epoch seconds
    in +0700, `parent` a mark (None: the ref's current tip, or none at all)."""
    msg = message.encode()
    parts = [f"commit {ref}\n".encode()]
    if mark is not None:
        parts.append(f"mark :{mark}\n".encode())
    parts += [
        f"author {who} {authored} +0700\ncommitter {who} {committed} +0700\n".encode(),
        f"data {len(msg)}\n".encode(),
        msg,
        b"\n",
    ]
    if parent is not None:
        parts.append(f"from :{parent}\n".encode())
    for path, data in files.items():
        parts += [f"M 100644 inline {path}\n".encode(), f"data {len(data)}\n".encode(), data, b"\n"]
    parts.append(b"\n")
    return b"".join(parts)
