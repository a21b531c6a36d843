"""Proposals: a policy change that needs a second admin, waiting for them (issue 16, governance).

A proposal is one file `proposals/<id>.toml` holding the exact new bytes of every policy file the
change would write, the hash of each file as it stood when proposed (`base`), who proposed it and
a summary. Committing it changes no policy file, so nothing takes effect. The approval is a
commit by another authorised person that writes those files verbatim and removes the proposal
(`kernel.proposals_kept` judges both, at record, sync replay, hub and audit alike).
"""

from __future__ import annotations

import hashlib
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass

PROPOSAL_DIR = "proposals"
PROPOSAL_RE = re.compile(r"proposals/([0-9a-f]{10})\.toml", re.ASCII)
PROPOSAL_TRAILER = "Ktpel-Proposal"


def is_proposal_path(path: str) -> bool:
    return PROPOSAL_RE.fullmatch(path) is not None


def proposal_path(proposal_id: str) -> str:
    return f"{PROPOSAL_DIR}/{proposal_id}.toml"


def file_hash(data: bytes | None) -> str:
    """What `base` holds for a file: its SHA-256, "" when the file does not exist."""
    return "" if data is None else hashlib.sha256(data).hexdigest()


@dataclass(frozen=True, slots=True)
class Proposal:
    id: str
    by: str
    summary: str
    files: Mapping[str, bytes]  # policy path -> the exact new bytes
    bases: Mapping[str, str]  # policy path -> file_hash of the file when proposed


def _toml_string(text: str) -> str:
    """A TOML multi-line basic string holding `text` exactly (checked by the caller's parse)."""
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\n")
        elif ord(ch) < 0x20 or ord(ch) == 0x7F:
            out.append(f"\\u{ord(ch):04X}")
        else:
            out.append(ch)
    return '"""\n' + "".join(out) + '"""'


def _body(by: str, summary: str, files: Mapping[str, bytes], bases: Mapping[str, str]) -> str:
    lines = [
        f"by = {_toml_string(by)}",
        f"summary = {_toml_string(summary)}",
    ]
    for path in sorted(files):
        lines += [
            "",
            "[[file]]",
            f"path = {_toml_string(path)}",
            f'base = "{bases[path]}"',
            f"data = {_toml_string(files[path].decode('utf-8'))}",
        ]
    return "\n".join(lines) + "\n"


def dumps(by: str, summary: str, files: Mapping[str, bytes], bases: Mapping[str, str]) -> bytes:
    """The proposal file; its id is the first ten hex digits of the SHA-256 of the rest."""
    body = _body(by, summary, files, bases)
    proposal_id = hashlib.sha256(body.encode("utf-8")).hexdigest()[:10]
    head = (
        "# A proposed policy change: nothing here is in force until another admin approves it\n"
        "# (ktpel approve ID).\n"
        f'id = "{proposal_id}"\n'
    )
    raw = (head + body).encode("utf-8")
    parsed = parse(raw)
    assert parsed is not None and dict(parsed.files) == dict(files), "proposal round trip"
    return raw


def parse(raw: bytes | None) -> Proposal | None:
    """The proposal in a file, or None when it is not one (never raises)."""
    if raw is None:
        return None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        return None
    proposal_id, by, summary = data.get("id"), data.get("by"), data.get("summary")
    items = data.get("file")
    if not all(isinstance(v, str) for v in (proposal_id, by, summary)):
        return None
    if not re.fullmatch(r"[0-9a-f]{10}", proposal_id, re.ASCII) or not isinstance(items, list):
        return None
    files: dict[str, bytes] = {}
    bases: dict[str, str] = {}
    for item in items:
        if not isinstance(item, dict) or set(item) != {"path", "base", "data"}:
            return None
        path, base, text = item["path"], item["base"], item["data"]
        if not all(isinstance(v, str) for v in (path, base, text)) or path in files:
            return None
        files[path] = text.encode("utf-8")
        bases[path] = base
    if not files:
        return None
    return Proposal(proposal_id, by, summary, files, bases)


def proposal_message(summary: str, proposal_id: str, role: str) -> str:
    return (
        f"Kebijakan: {summary}\n\nKtpel-Action: policy\nKtpel-Role: {role}\n"
        f"{PROPOSAL_TRAILER}: {proposal_id}\n"
    )
