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
    "write_documents",
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
    return write_documents(
        ledger, request_id, [(kind, key)], target_for, pdf=pdf, template=template
    )[0]


def write_documents(
    ledger,
    request_id: str,
    wanted: list[tuple[str, str]],
    target_for: Callable[[str], Path],
    *,
    pdf: bool = False,
    template: Path | None = None,
) -> list[tuple[Document, Path, Path | None]]:
    """Several documents of one request, (kind, key) each, from one read of the ledger.

    All are built and rendered before the first is written: one refusal writes none.
    """
    from ..rules import fail
    from .render import find_template, render_docx, to_pdf, write_atomic

    head = ledger.head()
    state = ledger.read_request(request_id, head)
    policy = ledger.policy(head)
    ready = []
    for kind, key in wanted:
        doc = build(state, policy, kind, head, key)
        target = target_for(doc.filename)
        if target.is_dir():
            raise fail("doc-output-exists", path=str(target))
        ready.append((doc, target, render_docx(doc, find_template(kind, template))))
    out = []
    for doc, target, data in ready:
        write_atomic(target, data)
        out.append((doc, target, to_pdf(target) if pdf else None))
    return out
