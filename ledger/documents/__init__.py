"""The SOP's paper: documents from ledger data (DOCX, PDF), the Excel recap, the HTML report.

Pure data assembly lives in `data` (no files), numbers and dates in words in `words`,
rendering in `render`, the recap in `recap`, the inspector's site in `site`. This package
reads the ledger only through `Ledger.read_request`, `Ledger.policy`, `ledger.report` and, for
audit findings, `findings.read_findings` (one place, while findings are being restructured).
"""

from __future__ import annotations

from .data import KINDS, Available, Document, available, build, handovers

__all__ = ["KINDS", "Available", "Document", "available", "build", "handovers", "for_request"]


def for_request(ledger, request_id: str, kind: str, key: str = "") -> Document:
    """The document `kind` of a request at the ledger's HEAD (its commit goes on the paper)."""
    head = ledger.head()
    state = ledger.read_request(request_id, head)
    return build(state, ledger.policy(head), kind, head, key)
