"""`ktpel log REQ` without opening a `Ledger` (issue 17: the command took 3x `git log -- path`).

A plain `ktpel log REQ [--json]` (with `--ledger`, `--as`, `--lang` before or after the verb) is
answered from a `LedgerReader`: the request's file at HEAD, its commits (`history`), the role
titles of the SOP in force. No argparse, GitPython, kernel, rules, calendar or listing cache is
imported. Anything else (help, an abbreviated option, a usage error, a ledger or policy file the
reader does not take) returns None before printing anything, and the caller runs the full
command (`ktpel_tui.cli.cmd_log`), which prints the same bytes for the same ledger and every
sentence a user gets for a bad folder, a bad id or a broken policy file.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from types import SimpleNamespace
from typing import TYPE_CHECKING

from ledger import i18n
from ledger.rules import fail

from .clibase import T, guarded, ledger_path, say

if TYPE_CHECKING:
    from ledger.history import HistoryEntry

# The options every verb takes (`build_parser`'s `common`): each needs a value.
_COMMON = {"--ledger": "ledger", "--as": "as_person", "--lang": "lang"}


def light_args(argv: Sequence[str]) -> SimpleNamespace | None:
    """What argparse would make of `argv` if it is a plain `log` command, else None."""
    values: dict[str, str] = {}
    request: str | None = None
    verb = as_json = False
    i = 0
    while i < len(argv):
        token = argv[i]
        if token.startswith("-"):
            name, eq, value = token.partition("=")
            if name in _COMMON and not (eq and name == "--lang"):  # `main` reads `--lang X` only
                if not eq:
                    if i + 1 >= len(argv):
                        return None
                    i += 1
                    value = argv[i]
                if value.startswith("-") or (name == "--lang" and value not in i18n.SUPPORTED):
                    return None
                values[_COMMON[name]] = value  # the last one, as argparse keeps
            elif token == "--json" and verb:
                as_json = True
            else:  # -h, an abbreviation, `--`, an unknown option
                return None
        elif not verb:
            if token != "log":
                return None
            verb = True
        elif request is None:
            request = token
        else:
            return None
        i += 1
    if request is None:
        return None
    return SimpleNamespace(request=request, json=as_json, **values)


def print_log(
    entries: Sequence[HistoryEntry], title: Callable[[str], str], *, as_json: bool
) -> None:
    """The log, oldest first (both paths of `ktpel log` print through here)."""
    if as_json:
        rows = [
            {
                "commit": e.sha,
                "at": e.at.isoformat(),
                "author": e.author,
                "email": e.email,
                "role": e.role,
                "step": e.step,
                "action": e.action,
                "on_behalf_of": e.on_behalf_of,
                "subject": e.subject,
            }
            for e in entries
        ]
        print(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    for e in entries:
        role = title(e.role) if e.role else "-"
        ob = (
            T(f" atas nama {e.on_behalf_of}", f" on behalf of {e.on_behalf_of}")
            if e.on_behalf_of
            else ""
        )
        say(f"{e.at:%Y-%m-%d %H:%M} {e.sha[:9]} {e.author} ({role}{ob})")
        say(f"    {e.subject}")


def _log(args: SimpleNamespace) -> int | None:
    from ledger.reader import LedgerReader

    reader = LedgerReader.open(ledger_path(args))
    if reader is None:
        return None
    with reader:
        settings = reader.settings()
        if settings is None:  # no commit yet, or a format this reader does not know
            return None
        from ledger.paths import FLAT, request_path

        path = request_path(args.request, settings.get("layout", FLAT))
        if reader.blob("HEAD", path) is None:
            raise fail("unknown-request", request=args.request)
        titles = reader.role_titles(settings)
        if titles is None:
            return None
        from ledger.history import history

        entries = list(reversed(history(reader, args.request)))
    print_log(entries, lambda role: titles.get(role, role), as_json=args.json)
    return 0


def run_light(argv: Sequence[str]) -> int | None:
    """The exit code of `ktpel log` answered here, or None: run the full command instead."""
    args = light_args(argv)
    if args is None:
        return None
    return guarded(lambda: _log(args))
