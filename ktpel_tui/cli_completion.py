"""Shell completion and the man page, both generated from the one argparse parser.

`ktpel completion bash|zsh` prints a script for the shell (shtab); `ktpel man` prints the page
in roff (argparse-manpage), to read with `ktpel man | man -l -`. Neither needs a ledger.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

from ledger import i18n

T = i18n.pick

SHELLS = ("bash", "zsh")


def _parser() -> argparse.ArgumentParser:
    from .cli import build_parser

    return build_parser()


def cmd_completion(args: argparse.Namespace) -> int:
    import shtab

    sys.stdout.write(shtab.complete(_parser(), shell=args.shell))
    return 0


def cmd_man(args: argparse.Namespace) -> int:
    from argparse_manpage.manpage import Manpage

    parser = _parser()
    page = Manpage(
        parser,
        _data={
            "project_name": "ktpel",
            "prog": "ktpel",
            "description": parser.description,
            "url": "docs/FORMAT.md",
        },
    )
    sys.stdout.write(str(page))
    return 0


def register(sub, common, verb: Callable[..., argparse.ArgumentParser]) -> None:
    p = verb(
        "completion",
        cmd_completion,
        "skrip pelengkapan perintah untuk shell (bash atau zsh)",
        "a shell completion script (bash or zsh)",
    )
    p.add_argument("shell", choices=SHELLS, metavar="|".join(SHELLS))
    verb(
        "man",
        cmd_man,
        "halaman manual (roff); baca dengan 'ktpel man | man -l -'",
        "the manual page (roff); read it with 'ktpel man | man -l -'",
    )
