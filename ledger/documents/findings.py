"""The one place `ledger.documents` reads the audit's findings.

The audit's findings are being restructured into typed values; everything here that shows a
finding (the HTML report) goes through `read_findings`, so that change meets this package in
one function.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FindingRow:
    severity: str  # "error" or "warning"
    code: str
    commit: str
    request: str
    message: str


def read_findings(report) -> list[FindingRow]:
    """Every finding of an `audit.AuditReport`, as plain rows (sentence in the current language)."""
    return [
        FindingRow(f.severity, f.code, f.commit or "", f.request or "", f.message())
        for f in report.findings
    ]
