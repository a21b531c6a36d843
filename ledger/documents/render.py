"""Render a `Document` into a .docx through a docxtpl template; optionally a PDF via LibreOffice.

Templates: one `.docx` per document kind, shipped in `ledger/documents/templates/` (made by
`python -m ledger.documents.build_templates`). An office replaces one with its own Word file
as a *local setting* (docs/FORMAT.md, "Documents"): `KTPEL_TEMPLATES=<folder>` or the folder
`templates/` in ktpel's config folder, holding `<kind>.docx`. A template's fields are checked
before anything is written; values are autoescaped, so `&` and `<` survive.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from ..rules import LedgerError, fail
from .data import COMMON_FIELDS, FIELDS, KINDS, Document

TEMPLATE_ENV = "KTPEL_TEMPLATES"
_MARK = "ktpel-document"


@dataclass(frozen=True, slots=True)
class Template:
    kind: str
    path: Path | None  # None: the shipped default
    data: bytes

    @property
    def label(self) -> str:
        return str(self.path) if self.path else f"bawaan ktpel ({self.kind}.docx)"


def office_templates_dir() -> Path:
    """Where an office keeps its own templates (a local setting, not ledger data)."""
    if env := os.environ.get(TEMPLATE_ENV):
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_config_dir("ktpel")) / "templates"


OUTPUT_ENV = "KTPEL_DOCS_DIR"


def output_dir(request_id: str) -> Path:
    """Where the screen writes a request's documents: $KTPEL_DOCS_DIR, else the user's documents
    folder, under ktpel/<request id>."""
    if env := os.environ.get(OUTPUT_ENV):
        base = Path(env).expanduser()
    else:
        import platformdirs

        base = Path(platformdirs.user_documents_dir()) / "ktpel"
    return base / request_id


def default_template(kind: str) -> bytes:
    return resources.files("ledger.documents").joinpath("templates", f"{kind}.docx").read_bytes()


def find_template(kind: str, explicit: Path | None = None) -> Template:
    """The template for `kind`: an explicit file, the office's folder, else ktpel's default."""
    path = explicit
    if path is None:
        candidate = office_templates_dir() / f"{kind}.docx"
        if candidate.is_file():
            path = candidate
    if path is None:
        return Template(kind, None, default_template(kind))
    try:
        return Template(kind, path, path.read_bytes())
    except OSError as exc:
        raise fail(
            "doc-template-invalid", path=str(path), reason=exc.strerror or str(exc)
        ) from None


def _env():
    import jinja2

    return jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)


def _load(template: Template):
    from docxtpl import DocxTemplate

    try:
        return DocxTemplate(io.BytesIO(template.data))
    except Exception as exc:  # python-docx raises several kinds for a file that is not a .docx
        raise fail(
            "doc-template-invalid", path=template.label, reason=f"bukan berkas Word .docx ({exc})"
        ) from None


def template_fields(template: Template) -> set[str]:
    """The top-level names a template uses ({{ name }}, {% for x in name %}, ...)."""
    import jinja2

    tpl = _load(template)
    try:
        return set(tpl.get_undeclared_template_variables(_env()))
    except jinja2.TemplateSyntaxError as exc:
        raise fail("doc-template-invalid", path=template.label, reason=exc.message or "") from None


def check_template(template: Template) -> None:
    """Refuse a template that uses a field the kind does not offer, naming the field."""
    known = FIELDS[template.kind] | COMMON_FIELDS
    unknown = sorted(template_fields(template) - known)
    if unknown:
        raise LedgerError(
            *(
                fail(
                    "doc-template-field",
                    field=name,
                    path=template.label,
                    name=name,
                    kind=KINDS[template.kind].title,
                    known=sorted(known),
                ).violations[0]
                for name in unknown
            )
        )


def qr_png(payload: str) -> bytes:
    import segno

    buf = io.BytesIO()
    segno.make(payload, error="m").save(buf, kind="png", scale=4, border=2)
    return buf.getvalue()


_MISSING_RE = re.compile(r"has no attribute '([^']+)'|'([^']+)' is undefined")


def render_docx(doc: Document, template: Template) -> bytes:
    """The finished .docx as bytes (nothing is written to disk here)."""
    import jinja2
    from docx.shared import Mm
    from docxtpl import InlineImage

    check_template(template)
    tpl = _load(template)
    context = dict(doc.context)
    context["qr"] = InlineImage(tpl, io.BytesIO(qr_png(doc.qr_payload)), width=Mm(18))
    try:
        tpl.render(context, _env(), autoescape=True)
    except jinja2.UndefinedError as exc:
        match = _MISSING_RE.search(str(exc))
        name = next((g for g in match.groups() if g), str(exc)) if match else str(exc)
        raise fail(
            "doc-template-field",
            field=name,
            path=template.label,
            name=name,
            kind=KINDS[doc.kind].title,
            known=sorted(FIELDS[doc.kind] | COMMON_FIELDS),
        ) from None
    except jinja2.TemplateError as exc:
        raise fail("doc-template-invalid", path=template.label, reason=str(exc)) from None
    props = tpl.docx.core_properties
    props.identifier = doc.qr_payload
    props.title = KINDS[doc.kind].title
    props.subject = doc.about
    props.keywords = _MARK
    props.category = doc.kind
    out = io.BytesIO()
    tpl.save(out)
    return out.getvalue()


def write_atomic(path: Path, data: bytes) -> None:
    """Write via a temporary file in the same folder, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def to_pdf(docx_path: Path) -> Path:
    """Convert with LibreOffice next to the .docx; a clear sentence when it is missing."""
    exe = soffice()
    if exe is None:
        raise fail("doc-no-soffice", path=str(docx_path))
    with tempfile.TemporaryDirectory(prefix="ktpel-soffice-") as profile:
        # A private profile: two conversions at once (or an open LibreOffice) do not collide.
        cmd = [
            exe,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            str(docx_path.parent),
            str(docx_path),
        ]
        try:
            run = subprocess.run(cmd, capture_output=True, timeout=180)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise fail("doc-pdf-failed", path=str(docx_path), reason=str(exc)) from None
    pdf = docx_path.with_suffix(".pdf")
    if run.returncode != 0 or not pdf.is_file():
        reason = (run.stderr or run.stdout).decode("utf-8", "replace").strip()[:300]
        raise fail("doc-pdf-failed", path=str(docx_path), reason=reason or f"exit {run.returncode}")
    return pdf


def read_mark(data: bytes) -> tuple[dict[str, str], str]:
    """A ktpel document's QR payload fields and its whole text."""
    from docx import Document as Docx

    try:
        docx = Docx(io.BytesIO(data))
    except Exception:
        raise LedgerError(fail("doc-not-ktpel", path="").violations[0]) from None
    props = docx.core_properties
    if props.keywords != _MARK or not (props.identifier or "").startswith("KTPEL;"):
        raise fail("doc-not-ktpel", path="")
    fields = dict(part.split("=", 1) for part in props.identifier.split(";")[1:] if "=" in part)
    return fields, docx_text(docx)


def docx_text(docx) -> str:
    """Every paragraph's text, in the body, tables (nested too), headers and footers."""
    parts: list[str] = []

    def walk(container) -> None:
        for p in container.paragraphs:
            parts.append(p.text)
        for table in container.tables:
            for row in table.rows:
                for cell in row.cells:
                    walk(cell)

    walk(docx)
    for section in docx.sections:
        walk(section.header)
        walk(section.footer)
    return "\n".join(parts)
