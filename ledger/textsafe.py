"""Text that cannot lie: what ledger text may hold, and how it reaches a terminal.

Three jobs, one module, so every printer and every checker agrees on what a dangerous
character is:

- `visible(text)` makes control and invisible characters visible for a terminal (`\\x1b`,
  `<U+200B>`): a field, a name or a commit subject can then neither drive the terminal (clear
  the screen, set the title, move the cursor) nor paint a line that is not there.
- `identifier(text, field)` NFKC-normalises an identifier or a number (letter number, NIP,
  request id, kab/kota code, email) and refuses invisible, bidi-control, control, non-ASCII
  digit and mixed-script characters: two identifiers that look alike are then the same string.
- `free_text(text, field)` refuses control and bidi characters in free text and demands that
  it holds something a reader can see (a note of zero-width spaces is no note).

Checks return `Violation`s (codes `text-*`, in ledger/rules.py) and never raise on any input,
including lone surrogates from bytes decoded with `surrogateescape`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable

from .rules import Violation

# Bidirectional controls (Trojan Source, CVE-2021-42574): embeddings, overrides, isolates, marks.
BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)

# Characters that draw nothing but are letters or symbols to Unicode (so not caught by their
# category): Hangul fillers, the blank Braille pattern, the Mongolian vowel separator.
_INVISIBLE_LETTERS = frozenset("\u115f\u1160\u3164\uffa0\u2800\u180e")

# Variation selectors and combining grapheme joiner: invisible on their own.
_INVISIBLE_MARKS = frozenset(
    [chr(c) for c in range(0xFE00, 0xFE10)] + [chr(c) for c in range(0xE0100, 0xE01F0)] + ["\u034f"]
)


def _is_control(ch: str) -> bool:
    """C0, DEL and C1 controls (category Cc)."""
    return unicodedata.category(ch) == "Cc"


def is_invisible(ch: str) -> bool:
    """A character that draws nothing and is not ordinary white space.

    Format characters (Cf: zero-width space/joiners, BOM, bidi controls, tags, soft hyphen),
    line/paragraph separators, surrogates, unassigned code points and the letter-like fillers
    above. Plain space, tab and newline are white space, not invisible.
    """
    cat = unicodedata.category(ch)
    return (
        cat in ("Cf", "Cs", "Cn", "Co", "Zl", "Zp")
        or ch in _INVISIBLE_LETTERS
        or ch in _INVISIBLE_MARKS
    )


def _shown(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"<U+{code:04X}>"


def visible(text: object, *, keep_newlines: bool = False) -> str:
    """`text` with every control, escape and invisible character written out visibly.

    ESC becomes `\\x1b`, a zero-width space `<U+200B>`, a right-to-left override `<U+202E>`.
    A newline is shown as `\\x0a` too, unless `keep_newlines` (for multi-line notes printed
    under their own heading): otherwise a value could start a fake line of output. Ordinary
    letters of any script, spaces and tabs-as-`\\x09` aside, are left as they are. Use this on
    every piece of ledger text that reaches a terminal; it accepts any object (`str()` first).
    """
    s = text if isinstance(text, str) else str(text)
    if s.isascii() and s.isprintable():
        return s  # the common case, fast
    out: list[str] = []
    for ch in s:
        if ch == "\n" and keep_newlines:
            out.append(ch)
        elif _is_control(ch) or is_invisible(ch):
            out.append(_shown(ch))
        else:
            out.append(ch)
    return "".join(out)


def _script(ch: str) -> str | None:
    """The script of a letter, from its Unicode name ("LATIN", "CYRILLIC", ...); None for others.

    The standard library has no Script property; a letter's name starts with its script for
    every script a look-alike attack uses (Latin, Cyrillic, Greek, Armenian, Cherokee...).
    Full-width Latin is NFKC-folded to Latin before this is asked.
    """
    if not unicodedata.category(ch).startswith("L"):
        return None
    name = unicodedata.name(ch, "")
    if not name:
        return "UNKNOWN"
    first = name.split(" ", 1)[0]
    if first in ("CJK", "HIRAGANA", "KATAKANA"):
        return "HAN"  # Japanese mixes these legitimately; none is a Latin look-alike
    return first


def _listed(chars: Iterable[str]) -> str:
    seen: list[str] = []
    for ch in chars:
        shown = _shown(ch) if (_is_control(ch) or is_invisible(ch) or ord(ch) > 0x7F) else ch
        if shown not in seen:
            seen.append(shown)
    return " ".join(seen)


def normalize(text: str) -> str:
    """NFKC form of `text`; lone surrogates (undecodable bytes) are kept, not raised on."""
    return unicodedata.normalize("NFKC", text)


def identifier_problems(text: str, field: str) -> list[Violation]:
    """What makes `text` unfit as an identifier or number after NFKC; [] when it is fit."""
    value = normalize(text)
    problems: list[Violation] = []
    controls = [ch for ch in value if _is_control(ch)]
    if controls:
        problems.append(Violation("text-control", {"field": field, "chars": _listed(controls)}))
    bidi = [ch for ch in value if ch in BIDI_CONTROLS]
    if bidi:
        problems.append(Violation("text-bidi", {"field": field, "chars": _listed(bidi)}))
    hidden = [ch for ch in value if is_invisible(ch) and ch not in BIDI_CONTROLS]
    if hidden:
        problems.append(Violation("text-invisible", {"field": field, "chars": _listed(hidden)}))
    digits = [ch for ch in value if ch.isdigit() and not ch.isascii()]
    if digits:
        problems.append(Violation("text-digits", {"field": field, "chars": _listed(digits)}))
    scripts = sorted({s for s in map(_script, value) if s is not None})
    if len(scripts) > 1:
        problems.append(
            Violation("text-mixed-script", {"field": field, "scripts": ", ".join(scripts)})
        )
    return problems


def identifier(text: str, field: str) -> tuple[str, list[Violation]]:
    """The NFKC form of identifier `text` and what is wrong with it (empty list: use the form).

    Applies to letter numbers, NIPs, request ids, kab/kota codes, person ids and emails. NFKC
    folds full-width and compatibility forms (`２０２６` → `2026`, `ﬁ` → `fi`) so they compare
    equal to what they look like; what NFKC cannot fold is refused.
    """
    return normalize(text), identifier_problems(text, field)


def identity_key(text: str) -> str:
    """The form two names or emails are compared in for uniqueness across people.

    NFKC, invisible characters dropped, white space collapsed, case folded: "Maya  Lestari",
    "maya lestari" and "Maya<U+200B> Lestari" are one identity.
    """
    value = normalize(text)
    kept = "".join(ch for ch in value if not (is_invisible(ch) or _is_control(ch)))
    return " ".join(kept.split()).casefold()


def has_visible_content(text: str) -> bool:
    """Whether `text` holds at least one character a reader sees (not space, not invisible)."""
    for ch in normalize(text):
        if ch.isspace() or _is_control(ch) or is_invisible(ch):
            continue
        if unicodedata.category(ch) in ("Mn", "Me"):
            continue  # a combining mark alone draws at most a dot over nothing
        return True
    return False


def free_text_problems(text: str, field: str) -> list[Violation]:
    """What makes free text (a note, a subject, a reason) unfit; [] when it is fit.

    Newlines and tabs are allowed (notes have paragraphs); other controls and bidi controls are
    not; the text must hold something visible. Zero-width characters inside otherwise visible
    text are allowed (some scripts join with them) and shown by `visible` when printed.
    """
    problems: list[Violation] = []
    controls = [ch for ch in text if _is_control(ch) and ch not in "\n\t"]
    if controls:
        problems.append(Violation("text-control", {"field": field, "chars": _listed(controls)}))
    bidi = [ch for ch in text if ch in BIDI_CONTROLS]
    if bidi:
        problems.append(Violation("text-bidi", {"field": field, "chars": _listed(bidi)}))
    if not has_visible_content(text):
        problems.append(Violation("text-empty", {"field": field}))
    return problems
