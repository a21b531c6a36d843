"""Language of user-facing text: Indonesian by default, English via a switch.

Order: `set_language()` (from `--lang`), `KTPEL_LANG`, then the locale (`LC_ALL`,
`LC_MESSAGES`, `LANG`): an English locale gives English, anything else Indonesian.
"""

from __future__ import annotations

import os

SUPPORTED = ("id", "en")
_forced: str | None = None


def set_language(lang: str | None) -> None:
    global _forced
    if lang is not None and lang not in SUPPORTED:
        raise ValueError(lang)
    _forced = lang


def language() -> str:
    if _forced:
        return _forced
    explicit = os.environ.get("KTPEL_LANG", "").strip().lower()
    if explicit in SUPPORTED:
        return explicit
    for var in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = os.environ.get(var, "")
        if value:
            return "en" if value.lower().startswith("en") else "id"
    return "id"


def pick(id_text: str, en_text: str) -> str:
    """Choose between an Indonesian and an English text by the current language."""
    return en_text if language() == "en" else id_text
