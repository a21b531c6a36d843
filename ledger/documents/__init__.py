"""The SOP's paper: documents from ledger data (DOCX, PDF), the Excel recap, the HTML report.

Pure data assembly lives in `data` (no files), numbers and dates in words in `words`,
rendering in `render`, the recap in `recap`, the inspector's site in `site`. This package
reads the ledger only through `Ledger.read_request`, `Ledger.policy`, `ledger.report` and, for
audit findings, `findings.read_findings` (one place, while findings are being restructured).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .data import KINDS, Available, Document, available, build, handovers

__all__ = [
    "KINDS",
    "Available",
    "Document",
    "available",
    "build",
    "handovers",
    "for_request",
    "write_document",
]


def for_request(ledger, request_id: str, kind: str, key: str = "") -> Document:
    """The document `kind` of a request at the ledger's HEAD (its commit goes on the paper)."""
    head = ledger.head()
    state = ledger.read_request(request_id, head)
    return build(state, ledger.policy(head), kind, head, key)


def write_document(
    ledger,
    request_id: str,
    kind: str,
    key: str,
    target_for: Callable[[str], Path],
    *,
    pdf: bool = False,
    template: Path | None = None,
) -> tuple[Document, Path, Path | None]:
    """Build, check, render and write one document: (document, .docx path, .pdf path or None).

    `target_for(filename)` says where the .docx goes. Everything is checked and rendered in
    memory first, so a refusal (step not reached, unknown template field) writes nothing.
    """
    from ..rules import fail
    from .render import find_template, render_docx, to_pdf, write_atomic

    doc = for_request(ledger, request_id, kind, key)
    target = target_for(doc.filename)
    data = render_docx(doc, find_template(kind, template))
    if target.is_dir():
        raise fail("doc-output-exists", path=str(target))
    write_atomic(target, data)
    return doc, target, (to_pdf(target) if pdf else None)
