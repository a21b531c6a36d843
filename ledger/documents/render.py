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
import struct
import subprocess
import tempfile
import zlib
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


_ENV = None
_FIELDS_CACHE: dict[bytes, frozenset[str]] = {}


def _env():
    """One Jinja environment for every render: strict (an unknown field fails), autoescaped,
    and remembering compiled templates by their source, so printing the same kind again (three
    BASTs, or a request's twelve documents) does not recompile the document's XML."""
    global _ENV
    if _ENV is None:
        import jinja2

        class CachingEnvironment(jinja2.Environment):
            _compiled: dict[str, jinja2.Template] = {}

            def from_string(self, source, globals=None, template_class=None):  # noqa: A002
                if globals or template_class or not isinstance(source, str):
                    return super().from_string(source, globals, template_class)
                found = self._compiled.get(source)
                if found is None:
                    if len(self._compiled) > 64:
                        self._compiled.clear()
                    found = self._compiled[source] = super().from_string(source)
                return found

        _ENV = CachingEnvironment(autoescape=True, undefined=jinja2.StrictUndefined)
    return _ENV


_TPL_CLASS = None


def _template_class():
    """docxtpl's DocxTemplate, remembering its XML rewrite (made once per process)."""
    global _TPL_CLASS
    if _TPL_CLASS is None:
        from docxtpl import DocxTemplate

        class Tpl(DocxTemplate):
            # docxtpl rewrites the XML with regular expressions before compiling it; the result
            # depends only on the XML, so it is kept for the next document of the same kind.
            _patched: dict[str, str] = {}

            def patch_xml(self, src_xml: str) -> str:
                found = self._patched.get(src_xml)
                if found is None:
                    if len(self._patched) > 64:
                        self._patched.clear()
                    found = self._patched[src_xml] = super().patch_xml(src_xml)
                return found

        _TPL_CLASS = Tpl
    return _TPL_CLASS


def _load(template: Template):
    try:
        return _template_class()(io.BytesIO(template.data))
    except Exception as exc:  # python-docx raises several kinds for a file that is not a .docx
        raise fail(
            "doc-template-invalid", path=template.label, reason=f"bukan berkas Word .docx ({exc})"
        ) from None


def template_fields(template: Template, tpl=None) -> frozenset[str]:
    """The top-level names a template uses ({{ name }}, {% for x in name %}, ...)."""
    import hashlib

    import jinja2

    key = hashlib.sha256(template.data).digest()
    if key in _FIELDS_CACHE:
        return _FIELDS_CACHE[key]
    tpl = tpl if tpl is not None else _load(template)
    try:
        names = frozenset(tpl.get_undeclared_template_variables(_env()))
    except jinja2.TemplateSyntaxError as exc:
        raise fail("doc-template-invalid", path=template.label, reason=exc.message or "") from None
    _FIELDS_CACHE[key] = names
    return names


def check_template(template: Template, tpl=None) -> None:
    """Refuse a template that uses a field the kind does not offer, naming the field."""
    known = FIELDS[template.kind] | COMMON_FIELDS
    unknown = sorted(template_fields(template, tpl) - known)
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


def qr_png(payload: str, scale: int = 4, border: int = 4) -> bytes:
    """The QR code of `payload` as a greyscale PNG.

    segno encodes (with a fixed mask: choosing the "best" of eight costs a tenth of a second per
    code in pure Python, and any mask reads the same); the PNG is written here from the module
    matrix with whole-row byte operations, many times faster than a pixel-by-pixel writer.
    """
    import segno

    qr = segno.make_qr(payload, error="m", mask=4)
    size = (len(qr.matrix) + 2 * border) * scale
    blank = b"\x00" + b"\xff" * size  # filter byte 0, then white pixels
    rows = [blank] * (border * scale)
    for line in qr.matrix:
        pixels = bytearray(b"\xff" * (border * scale))
        for dark in line:
            pixels += (b"\x00" if dark else b"\xff") * scale
        pixels += b"\xff" * (border * scale)
        rows += [b"\x00" + bytes(pixels)] * scale
    rows += [blank] * (border * scale)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", size, size, 8, 0, 0, 0, 0)  # 8-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"pHYs", struct.pack(">IIB", 11811, 11811, 1))  # 300 dpi
        + chunk(b"IDAT", zlib.compress(b"".join(rows), 9))
        + chunk(b"IEND", b"")
    )


_MISSING_RE = re.compile(r"has no attribute '([^']+)'|'([^']+)' is undefined")


def render_docx(doc: Document, template: Template) -> bytes:
    """The finished .docx as bytes (nothing is written to disk here)."""
    import jinja2
    from docx.shared import Mm
    from docxtpl import InlineImage

    tpl = _load(template)
    if template.path is not None:
        # An office's own template is checked before printing; ktpel's defaults are checked by
        # the test suite (test_the_shipped_templates_use_only_known_fields), not on every print.
        check_template(template, tpl)
    context = dict(doc.context)
    context["qr"] = InlineImage(tpl, io.BytesIO(qr_png(doc.qr_payload)), width=Mm(22))
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
