"""What every command's output goes through, importable without the ledger's heavy modules.

`ktpel_tui.cli` re-exports these; the light `ktpel log` (`cli_log`) uses them without importing
`ktpel_tui.cli` (which imports the store, the kernel and GitPython).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from ledger import i18n
from ledger.rules import LedgerError
from ledger.textsafe import visible

T = i18n.pick


def apply_lang(argv: Sequence[str]) -> None:
    """`--lang` before anything is parsed, so argparse's own errors are in that language too."""
    if "--lang" in argv:
        index = list(argv).index("--lang")
        if index + 1 < len(argv) and argv[index + 1] in i18n.SUPPORTED:
            i18n.set_language(argv[index + 1])


def ledger_path(args: Any) -> Path:
    if getattr(args, "ledger", None):
        return Path(args.ledger)
    if env := os.environ.get("KTPEL_LEDGER"):
        return Path(env)
    # As git does: the ledger the current folder is in, before the demo (a clerk who `cd`s into
    # the office ledger must not be shown, or record into, the demo).
    here = Path.cwd()
    for folder in (here, *here.parents):
        if (folder / "ledger.toml").is_file() and (folder / ".git").exists():
            return folder
    from ledger.demo import demo_path

    return demo_path()


def say(line: object = "", *, file: Any = None, keep_newlines: bool = False) -> None:
    """Print one piece of human-readable output with its control characters made visible.

    Every line the CLI prints goes through here: a name, a note or a commit subject holding
    escape sequences or a carriage return then shows them (`\\x1b`) instead of obeying them.
    """
    print(visible(line, keep_newlines=keep_newlines), file=file)


def print_error(err: LedgerError) -> None:
    for v in err.violations:
        where = ""
        if v.path and v.code.startswith("file"):
            where = ""  # the sentence names the file already
        elif v.field:
            where = f" ({v.field})"
        say(T("Galat", "Error") + f" [{v.code}]{where}: {v.message()}", file=sys.stderr)


def unexpected_error(exc: Exception) -> int:
    """The last resort for an exception no check turned into a sentence: one line, exit 1
    (the caller re-raises instead when KTPEL_DEBUG is set)."""
    print(
        T(
            f"Galat tak terduga ({type(exc).__name__}: {exc}). Jalankan lagi dengan KTPEL_DEBUG=1 untuk rinciannya dan laporkan.",
            f"Unexpected error ({type(exc).__name__}: {exc}). Run again with KTPEL_DEBUG=1 for details and report it.",
        ),
        file=sys.stderr,
    )
    return 1


def guarded(run: Callable[[], int]) -> int:
    """Run a command: a ledger error is one sentence (exit 1), Ctrl+C exits 130, a closed pipe
    is no error, and anything else one line (`unexpected_error`; raised with KTPEL_DEBUG)."""
    try:
        return run()
    except LedgerError as exc:
        print_error(exc)
        return 1
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        return 0
    except Exception as exc:
        if os.environ.get("KTPEL_DEBUG"):
            raise
        return unexpected_error(exc)
