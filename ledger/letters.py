"""Letter numbers as the office register gives them: one template per kind of number.

The sequence in a letter number belongs to the Dinas's outgoing-letter register (the buku
agenda, today usually SRIKANDI), which numbers every letter the Dinas sends. So ktpel checks a
typed number against its kind's template from ledger.toml's `[letters]` table, reads its
sequence and year back, and can say the last sequence the ledger knows as a hint; it never
makes a number up. Uniqueness across the ledger is checked where it always was (request.py).

A template is literal text with placeholders, e.g. `400.12.3.2/{seq}/DP3ACSKB/{year}`:
`{seq}` the register's sequence (required, once), `{year}` four digits, `{month}` the month in
Roman numerals as Tata Naskah Dinas numbers often carry it (`XII`). Numbers are compared the
way uniqueness compares them: without spaces, ignoring case.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from typing import Any

from . import i18n
from .fields import normalize_letter_number
from .rules import LedgerError, Violation

# The kinds of number the SOP records, with what the office calls them.
KINDS: Mapping[str, tuple[str, str]] = {
    "surat_ditjen": ("surat permohonan ke Ditjen", "letter to Ditjen"),
    "surat_bapeng": ("surat pengantar ke Badan Penghubung", "cover letter to the Badan Penghubung"),
    "bast": ("BAST", "BAST (handover record)"),
    "pernyataan": ("Surat Pernyataan", "Surat Pernyataan (grant statement)"),
}
PLACEHOLDERS = ("seq", "year", "month")
ROMAN_MONTHS = ("I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII")

_KIND_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_PLACEHOLDER = re.compile(r"\{([^{}]*)\}")
_GROUP = {
    "seq": r"(?P<seq>0*[1-9][0-9]*)",
    "year": r"(?P<year>[0-9]{4})",
    # Longest first, so 'xii' is not read as 'x' followed by literal 'ii'.
    "month": "(?P<month>"
    + "|".join(sorted((m.lower() for m in ROMAN_MONTHS), key=len, reverse=True))
    + ")",
}


def kind_label(kind: str, lang: str | None = None) -> str:
    """What the office calls a kind of number ('BAST'); an unknown kind is shown as its key."""
    words = KINDS.get(kind)
    if words is None:
        return kind
    return words[1] if (lang or i18n.language()) == "en" else words[0]


@dataclass(frozen=True, slots=True)
class Template:
    """One kind's template, e.g. kind 'bast', text '400.12.3.2/{seq}/BAST/DP3ACSKB/{year}'."""

    kind: str
    text: str
    _pattern: re.Pattern[str] = field(compare=False, repr=False)

    @property
    def has_year(self) -> bool:
        return "{year}" in self.text

    @property
    def has_month(self) -> bool:
        return "{month}" in self.text


@dataclass(frozen=True, slots=True)
class LetterNumber:
    """A number that fits its template, and what it says."""

    number: str  # as typed, outer spaces trimmed
    kind: str
    seq: int
    year: int | None = None
    month: int | None = None


@dataclass(frozen=True, slots=True)
class Letters:
    """The `[letters]` table: per kind, one template, or one per office (keyed by office code)."""

    templates: Mapping[str, Template | Mapping[str, Template]]

    def template(self, kind: str, office: str | None = None) -> Template | None:
        """The template a number of `kind` must fit (for `office`, if that kind is per office);
        None when the ledger sets none, and only uniqueness is checked (format 1)."""
        found = self.templates.get(kind)
        if isinstance(found, Mapping):
            return found.get(office) if office is not None else None
        return found


def _template_error(kind: str, text: object, id_reason: str, en_reason: str) -> LedgerError:
    return LedgerError(
        Violation(
            "letter-template-invalid",
            {
                "kind": kind_label(kind),
                "template": quoted_input(str(text)),
                "reason": i18n.pick(id_reason, en_reason),
            },
            path="ledger.toml",
        )
    )


def parse_template(kind: str, text: object) -> Template:
    """Read one template; refuses (letter-template-invalid) one that could not tell numbers apart."""
    if not isinstance(text, str) or not text.strip():
        raise _template_error(
            kind, text, "harus teks yang tidak kosong", "it must be non-blank text"
        )
    names = _PLACEHOLDER.findall(text)
    unknown = [n for n in names if n not in PLACEHOLDERS]
    if unknown:
        raise _template_error(
            kind,
            text,
            f"{{{unknown[0]}}} tidak dikenal; yang ada: {{seq}}, {{year}}, {{month}}",
            f"{{{unknown[0]}}} is unknown; there are {{seq}}, {{year}}, {{month}}",
        )
    if names.count("seq") != 1:
        raise _template_error(
            kind, text, "{seq} harus ada tepat sekali", "{seq} must appear exactly once"
        )
    if any(names.count(n) > 1 for n in ("year", "month")):
        raise _template_error(
            kind,
            text,
            "{year} dan {month} paling banyak sekali",
            "{year} and {month} may appear at most once",
        )
    literal = _PLACEHOLDER.split(text)[::2]
    if "{" in "".join(literal) or "}" in "".join(literal):
        raise _template_error(
            kind, text, "kurung kurawal tanpa pasangan", "a brace without its partner"
        )
    if any(not normalize_letter_number(part) for part in literal[1:-1]):
        raise _template_error(
            kind,
            text,
            "dua isian berdampingan tanpa teks pemisah",
            "two placeholders side by side with no text between them",
        )
    pattern = ""
    for index, part in enumerate(_PLACEHOLDER.split(text)):
        pattern += _GROUP[part] if index % 2 else re.escape(normalize_letter_number(part))
    return Template(kind, text.strip(), re.compile(pattern))


def parse_letters(table: Mapping[str, Any] | None, offices: Iterable[str] = ()) -> Letters:
    """Read ledger.toml's `[letters]` table (None: no templates, numbers only kept unique).

    A kind's value is a template, or a table of templates by office code for numbers each
    office takes from its own register (e.g. the Kab/Kota's Surat Pernyataan).
    """
    if table is None:
        return Letters({})
    if not isinstance(table, Mapping):
        raise _template_error("[letters]", table, "harus tabel", "it must be a table")
    known = set(offices)
    templates: dict[str, Template | Mapping[str, Template]] = {}
    for kind, value in table.items():
        if not _KIND_NAME.match(kind):
            raise _template_error(
                kind,
                value,
                "nama jenis nomor hanya huruf kecil, angka dan garis bawah",
                "a kind's name is lower-case letters, digits and underscores",
            )
        if isinstance(value, Mapping):
            strange = sorted(code for code in value if known and code not in known)
            if strange:
                raise _template_error(
                    kind,
                    value[strange[0]],
                    f"kantor '{strange[0]}' tidak ada di ledger.toml",
                    f"office '{strange[0]}' is not in ledger.toml",
                )
            templates[kind] = {code: parse_template(kind, text) for code, text in value.items()}
        else:
            templates[kind] = parse_template(kind, value)
    return Letters(templates)


# --- checking a typed number ----------------------------------------------------------------


def read_number(number: str, template: Template) -> LetterNumber | None:
    """What a number says if it fits the template (spaces and case aside), else None."""
    match = template._pattern.fullmatch(normalize_letter_number(number))
    if match is None:
        return None
    parts = match.groupdict()
    month = parts.get("month")
    return LetterNumber(
        number=number.strip(),
        kind=template.kind,
        seq=int(parts["seq"]),
        year=int(parts["year"]) if parts.get("year") else None,
        month=ROMAN_MONTHS.index(month.upper()) + 1 if month else None,
    )


def check_number(
    number: str, template: Template, dated: date | None = None, field: str | None = None
) -> Violation | None:
    """Why a typed number cannot be recorded under its template, or None.

    Off the template: `letter-off-template`, with the template in the sentence. With the
    letter's date, a `{year}` or `{month}` that differs from it: `letter-date-mismatch`.
    """
    found = read_number(number, template)
    if found is None:
        extra = []
        if template.has_year:
            extra.append(i18n.pick("{year} = tahun, mis. 2026", "{year} = the year, e.g. 2026"))
        if template.has_month:
            extra.append(
                i18n.pick("{month} = bulan Romawi, mis. XII", "{month} = the Roman month, e.g. XII")
            )
        return Violation(
            "letter-off-template",
            {
                "kind": kind_label(template.kind),
                "number": quoted_input(number.strip()),
                "template": template.text,
                "extra": "".join(f", {e}" for e in extra),
            },
            field=field,
        )
    if dated is not None:
        if found.year is not None and found.year != dated.year:
            part, shown = i18n.pick("tahun", "the year"), str(found.year)
        elif found.month is not None and found.month != dated.month:
            part = i18n.pick("bulan", "the month")
            shown = ROMAN_MONTHS[found.month - 1]
        else:
            return None
        return Violation(
            "letter-date-mismatch",
            {
                "kind": kind_label(template.kind),
                "number": found.number,
                "part": part,
                "found": shown,
                "date": dated.isoformat(),
            },
            field=field,
        )
    return None


def last_known(
    numbers: Iterable[str], template: Template, year: int | None = None
) -> LetterNumber | None:
    """The highest-sequence number among `numbers` that fits the template (of `year`, when the
    template has one): the hint 'last known to the ledger'. The register may be further on."""
    best: LetterNumber | None = None
    for number in numbers:
        found = read_number(number, template)
        if found is None or (year is not None and found.year not in (None, year)):
            continue
        if best is None or found.seq > best.seq:
            best = found
    return best


def draft_number(numbers: Iterable[str], template: Template, on: date) -> tuple[str, int, int]:
    """The number a form offers to take with one key: the template written with `on`'s year
    and Roman month and the next sequence the ledger knows of (the last known + 1; empty when it
    knows none of that year), and where that sequence sits (start, end), for the clerk to type
    the register's own over it. An offer, never a value filled in unasked (issue 12)."""
    last = last_known(numbers, template, on.year if template.has_year else None)
    seq = str(last.seq + 1) if last is not None else ""
    parts = {"seq": seq, "year": str(on.year), "month": ROMAN_MONTHS[on.month - 1]}
    out, at = "", 0
    for index, piece in enumerate(_PLACEHOLDER.split(template.text)):
        if index % 2 == 0:
            out += piece
            continue
        if piece == "seq":
            at = len(out)
        out += parts[piece]
    return out, at, at + len(seq)


def next_number(numbers: Iterable[str], template: Template, on: date) -> str | None:
    """`draft_number` when the ledger knows a sequence to go on, else None."""
    text, start, end = draft_number(numbers, template, on)
    return text if end > start else None


def sequence_hint(
    numbers: Iterable[str], template: Template, year: int | None = None, lang: str | None = None
) -> str:
    """One sentence for the clerk beside the field: the last sequence the ledger knows, and
    that the number comes from the register. Never a number to accept."""
    lang = "en" if (lang or i18n.language()) == "en" else "id"
    label = kind_label(template.kind, lang)
    last = last_known(numbers, template, year)
    if last is not None:  # as the template writes it (the ledger may hold it normalised)
        last = replace(last, number=_written(template, last))
    when = f" {year}" if year is not None and template.has_year else ""
    if lang == "en":
        source = "take the number from the letter register (buku agenda/SRIKANDI)."
        if last is None:
            return f"The ledger knows no {label} number{when} yet; {source}"
        return (
            f"Last {label} sequence{when} known to the ledger: {last.seq} ({last.number}); {source}"
        )
    source = "ambil nomor dari buku agenda/SRIKANDI."
    if last is None:
        return f"Ledger belum mengenal nomor {label}{when}; {source}"
    return f"Nomor urut {label}{when} terakhir yang dikenal ledger: {last.seq} ({last.number}); {source}"


def field_hint(
    letters: Letters,
    kind: str,
    numbers: Iterable[str],
    office: str | None = None,
    year: int | None = None,
    lang: str | None = None,
) -> str:
    """The hint beside a number field of `kind` (the CLI's refusal, the TUI's placeholder):
    `sequence_hint` under the kind's template, or only where the number comes from."""
    template = letters.template(kind, office) if kind else None
    if template is None:
        if (lang or i18n.language()) == "en":
            return "Take the number from the letter register (buku agenda/SRIKANDI)."
        return "Ambil nomor dari buku agenda/SRIKANDI."
    return sequence_hint(numbers, template, year, lang)


def _written(template: Template, number: LetterNumber) -> str:
    parts = {"seq": str(number.seq), "year": str(number.year or ""), "month": ""}
    if number.month:
        parts["month"] = ROMAN_MONTHS[number.month - 1]
    return _PLACEHOLDER.sub(lambda m: parts.get(m.group(1), m.group(0)), template.text)


def quoted_input(text: str) -> str:
    """Typed text as a sentence may quote it: control characters become '?', cut at 80."""
    clean = "".join("?" if not ch.isprintable() else ch for ch in text)
    return clean if len(clean) <= 80 else clean[:79] + "…"
