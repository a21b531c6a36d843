"""Does a printed (or edited) document still match the ledger? (`ktpel doc verify FILE`)

A ktpel document names, in its properties and its QR code, the request, the kind, the handover
and the commit it was made from. Verifying rebuilds the document's facts twice: at that commit
(what the paper should say) and at HEAD (what the ledger says now). Two kinds of difference:

- `edited`: a fact of the commit is missing from the document's text (someone changed the
  paper in Word after printing it from ktpel);
- `changed`: the ledger's data differs now from the commit's (the paper is out of date).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..rules import LedgerError, fail
from .data import Document, build
from .render import read_mark


@dataclass(frozen=True, slots=True)
class Difference:
    kind: str  # "edited" or "changed"
    label: str
    paper: str
    ledger: str


@dataclass(frozen=True, slots=True)
class Verdict:
    request: str
    kind: str
    key: str
    commit: str
    in_history: bool
    head: str
    differences: tuple[Difference, ...]
    document: Document | None

    @property
    def ok(self) -> bool:
        return self.in_history and not self.differences


def _squash(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def verify(ledger, data: bytes, path: str = "") -> Verdict:
    """Compare a .docx made by ktpel with the ledger (read-only)."""
    try:
        fields, text = read_mark(data)
    except LedgerError:
        raise fail("doc-not-ktpel", path=path) from None
    request, kind, key, commit = (fields.get(k, "") for k in ("req", "doc", "key", "commit"))
    if not (request and kind and commit):
        raise fail("doc-not-ktpel", path=path)
    head = ledger.head()
    known = ledger.git("cat-file", "-e", f"{commit}^{{commit}}", check=False).returncode == 0
    in_history = (
        known
        and ledger.git("merge-base", "--is-ancestor", commit, head, check=False).returncode == 0
    )
    now = build(ledger.read_request(request, head), ledger.policy(head), kind, head, key)
    differences: list[Difference] = []
    then: Document | None = None
    if known:
        then = build(ledger.read_request(request, commit), ledger.policy(commit), kind, commit, key)
        flat = _squash(text)
        for label, value in then.facts:
            if value and _squash(value) not in flat:
                differences.append(Difference("edited", label, "", value))
        before = dict(then.facts)
        for label, value in now.facts:
            if before.get(label) != value:
                differences.append(Difference("changed", label, before.get(label, ""), value))
    return Verdict(request, kind, key, commit, in_history, head, tuple(differences), then or now)
