"""The `ktpel` command: `ktpel log REQ` answered before the rest of the CLI is imported.

Importing `ktpel_tui.cli` costs more than git's own `git log -- path` at 20,000 requests (the
store, the kernel, the rules, GitPython: issue 17), so the installed command starts here: a
plain `ktpel log` runs through `cli_log.run_light`; anything else, or a log it does not take,
through `ktpel_tui.cli.main`. Both print the same bytes.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

from .cli_log import run_light
from .clibase import apply_lang


def main(argv: Sequence[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    apply_lang(argv)
    code = run_light(argv)
    if code is not None:
        return code
    from .cli import main as full

    return full(argv, light=False)


if __name__ == "__main__":
    sys.exit(main())
