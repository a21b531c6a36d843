"""Where a request's file lives: the request id and its path (docs/FORMAT.md "Layout").

Kept apart from `ledger.request` (which imports the whole SOP and rule machinery) so a reader
that only needs a path, such as `ktpel log REQ`, imports nothing else.
"""

from __future__ import annotations

import re

from .rules import fail

# ASCII digits only: `\d` takes any Unicode digit (issue 16, tree-digits).
REQUEST_ID_RE = re.compile(r"^([0-9]{4})-([0-9]{4,})$")


def request_path(request_id: str) -> str:
    match = REQUEST_ID_RE.match(request_id)
    if not match:
        raise fail("bad-request-id", request=request_id)
    return f"requests/{match.group(1)}/{request_id}.toml"
