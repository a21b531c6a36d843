"""Hand-off to the next person by WhatsApp: the number, the wa.me link, and its QR code.

The SOP moves work by WhatsApp (steps 10-12). After a step is recorded, the CLI and the TUI
offer a link that opens WhatsApp with a short message to whoever the request now waits on; the
clerk sends it (ktpel sends nothing). `people.toml` keeps each person's number in the
international form WhatsApp uses, `62...` without '+'.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote

from . import i18n
from .letters import quoted_input
from .rules import LedgerError, Violation
from .worktime import format_due

# An Indonesian mobile number: 62, then 8 and 8 to 11 more digits (0812-3456-789 to
# 0812-3456-78901 as written at home).
_MOBILE = re.compile(r"^628\d{8,11}$")
_SEPARATORS = re.compile(r"[\s\-.()/]")


def whatsapp_problem(text: str) -> Violation | None:
    """Why `text` is not a WhatsApp number ktpel can use, or None (see `normalize_whatsapp`)."""
    try:
        normalize_whatsapp(text)
    except LedgerError as err:
        return err.violations[0]
    return None


def normalize_whatsapp(text: str) -> str:
    """'0812-3456-7890', '+62 812 3456 7890', '62 812...' -> '6281234567890'.

    Spaces, dashes, dots, slashes and brackets are ignored. Refuses (whatsapp-invalid) anything
    that is not an Indonesian mobile number: a landline, a foreign number, letters, too short.
    """
    raw = str(text).strip()
    compact = _SEPARATORS.sub("", raw)
    if not compact:
        raise _refused(raw, "nomornya kosong", "it is empty")
    if compact.startswith("+"):
        if not compact.startswith("+62"):
            raise _refused(
                raw, "bukan nomor Indonesia (+62)", "it is not an Indonesian number (+62)"
            )
        compact = compact[1:]
    if not compact.isdigit() or not compact.isascii():
        raise _refused(
            raw,
            "hanya boleh angka, spasi, tanda hubung dan + di depan",
            "only digits, spaces, dashes and a leading + are allowed",
        )
    if compact.startswith("620"):
        compact = "62" + compact[3:]  # "+62 0812..." is written often enough to accept
    elif compact.startswith("0"):
        compact = "62" + compact[1:]
    elif not compact.startswith("62"):
        raise _refused(
            raw,
            "harus diawali 08, 62 atau +62",
            "it must start with 08, 62 or +62",
        )
    if not compact.startswith("628"):
        raise _refused(
            raw,
            "bukan nomor seluler (nomor seluler diawali 08)",
            "it is not a mobile number (mobile numbers start with 08)",
        )
    if not _MOBILE.match(compact):
        raise _refused(
            raw,
            f"nomor seluler punya 10 sampai 13 angka (mulai 08), bukan {len(compact) - 1}",
            f"a mobile number has 10 to 13 digits (from 08), not {len(compact) - 1}",
        )
    return compact


def _refused(raw: str, id_reason: str, en_reason: str) -> LedgerError:
    return LedgerError(
        Violation(
            "whatsapp-invalid",
            {"number": quoted_input(raw), "reason": i18n.pick(id_reason, en_reason)},
            field="whatsapp",
        )
    )


def display_number(number: str) -> str:
    """A stored number as people read it: '6281234567890' -> '+62 812-3456-7890'."""
    rest = number[2:]
    groups = [rest[:3], rest[3:7], rest[7:]]
    return "+62 " + "-".join(g for g in groups if g)


def wa_link(number: str, text: str) -> str:
    """The https://wa.me link that opens a chat with `number` and `text` typed in.

    The number is normalised first; the text is UTF-8 percent-encoded with nothing left
    unescaped ('&', '=', '#', '+' and spaces too), as WhatsApp's click-to-chat expects.
    """
    return f"https://wa.me/{normalize_whatsapp(number)}?text={quote(text, safe='')}"


# --- the messages ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Handoff:
    """What the next person needs to know: the request, what was done, what waits on them."""

    request: str
    to_name: str
    to_number: str  # a WhatsApp number (any accepted form)
    next_step: int
    next_title: str
    due: datetime | None = None
    done_step: int | None = None  # None for a reminder: nothing was just done
    done_title: str = ""
    done_by: str = ""
    detail: str = ""  # e.g. "konfirmasi penerimaan Kab. Bangka" at step 19


def _plain(text: str) -> str:
    # Names and titles come from files people edit: one line, no control characters.
    return " ".join("".join(" " if not ch.isprintable() else ch for ch in str(text)).split())


# The messages' sentences, by language; {waiting} is "<step> (<title>)[: <detail>]".
_SENTENCES = {
    "id": {
        "greeting": "Yth. {name},",
        "done": "Permohonan blanko KTP-el {request}: langkah {step} ({title}) sudah dicatat oleh {by}.",
        "request": "Permohonan blanko KTP-el {request}.",
        "waits": "Sekarang menunggu Anda: langkah {waiting}{due}.",
        "due": ", batas waktu {due}",
        "reminder": "Pengingat: permohonan blanko KTP-el {request} menunggu Anda di langkah {waiting}.",
        "late": "Batas waktunya {due} (terlambat {late}).",
    },
    "en": {
        "greeting": "Dear {name},",
        "done": "KTP-el blanks request {request}: step {step} ({title}) was recorded by {by}.",
        "request": "KTP-el blanks request {request}.",
        "waits": "Now waiting on you: step {waiting}{due}.",
        "due": ", due {due}",
        "reminder": "Reminder: KTP-el blanks request {request} is waiting on you at step {waiting}.",
        "late": "It was due {due} ({late} late).",
    },
}


def _words(handoff: Handoff, now: datetime | None, lang: str | None) -> tuple[dict, dict]:
    lang = "en" if (lang or i18n.language()) == "en" else "id"
    h = handoff
    waiting = f"{h.next_step} ({_plain(h.next_title)})"
    if h.detail:
        waiting += f": {_plain(h.detail)}"
    values = {
        "name": _plain(h.to_name),
        "request": _plain(h.request),
        "step": h.done_step,
        "title": _plain(h.done_title),
        "by": _plain(h.done_by),
        "waiting": waiting,
        "due": format_due(h.due, now, lang) if h.due is not None else "",
    }
    return _SENTENCES[lang], values


def handoff_message(handoff: Handoff, now: datetime | None = None, lang: str | None = None) -> str:
    """The short message sent after a step is recorded (Indonesian; English with lang='en')."""
    say, values = _words(handoff, now, lang)
    due = say["due"].format(**values) if values["due"] else ""
    lines = [
        say["greeting"].format(**values),
        say["done" if handoff.done_step is not None else "request"].format(**values),
        say["waits"].format(**{**values, "due": due}),
    ]
    return "\n".join(lines)


def reminder_message(
    handoff: Handoff, late_by: str, now: datetime | None = None, lang: str | None = None
) -> str:
    """The message `ktpel remind` offers for an overdue step; `late_by` as the screen says it
    ('2j 10m'), counted in the step's own clock."""
    say, values = _words(handoff, now, lang)
    lines = [say["greeting"].format(**values), say["reminder"].format(**values)]
    if values["due"]:
        lines.append(say["late"].format(**values, late=_plain(late_by)))
    return "\n".join(lines)


def handoff_link(handoff: Handoff, now: datetime | None = None, lang: str | None = None) -> str:
    """The wa.me link carrying `handoff_message` to the next person."""
    return wa_link(handoff.to_number, handoff_message(handoff, now, lang))


# --- the QR code -----------------------------------------------------------------------------

# Two modules per character cell, top and bottom: (top dark, bottom dark) -> glyph.
_HALF_BLOCKS = {
    (True, True): "█",
    (True, False): "▀",
    (False, True): "▄",
    (False, False): " ",
}


def qr_lines(data: str, *, border: int = 2, invert: bool = False) -> tuple[str, ...]:
    """A QR code of `data` as plain text lines, two modules per line (half blocks).

    Glyphs draw the dark modules, so show the lines dark on light (the TUI: 'black on white');
    `invert=True` draws the light modules instead, for a plain light-on-dark terminal. Every
    line has the same width; `border` is the quiet zone in modules (scanners want some).
    """
    import segno  # imported on use: only the hand-off needs it

    # Level L (the lowest error correction) keeps the code small enough for a terminal; segno
    # raises the level by itself when that costs no extra size.
    code = segno.make(data, error="l", micro=False)
    rows = [[bool(m) != invert for m in row] for row in code.matrix_iter(border=border)]
    if len(rows) % 2:
        rows.append([invert] * len(rows[0]))
    return tuple(
        "".join(_HALF_BLOCKS[pair] for pair in zip(top, bottom, strict=True))
        for top, bottom in zip(rows[::2], rows[1::2], strict=True)
    )
