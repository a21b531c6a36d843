"""Where a request's file lives: the request id and its path (docs/FORMAT.md "Layout").

Kept apart from `ledger.request` (which imports the whole SOP and rule machinery) so a reader
that only needs a path, such as `ktpel log REQ`, imports nothing else.
"""

from __future__ import annotations

import re

from .rules import fail

# ASCII digits only: `\d` takes any Unicode digit (issue 16, tree-digits). At most
# `treecheck.REQUEST_ID_MAX` (20) characters: a longer id is no request's (`tree-id-long`).
REQUEST_ID_RE = re.compile(r"^([0-9]{4})-([0-9]{4,15})$")


def bad_request_id(request_id: str):
    """The refusal of an id that is not one, quoting at most its first 24 characters (an id
    of 5,000 digits is not echoed whole)."""
    shown = request_id if len(request_id) <= 24 else f"{request_id[:24]}… ({len(request_id)})"
    return fail("bad-request-id", request=shown)


# The two layouts of `requests/` (docs/FORMAT.md "Layouts"), flat the default, and the
# `ledger.toml` format that may name one.
FLAT, SHARDED = "flat", "sharded"
LAYOUTS = (FLAT, SHARDED)
LAYOUT_FORMAT = 3


def request_path(request_id: str, layout: str = FLAT) -> str:
    """Where a request's file is stored under a layout (the ledger's `layout` setting, as it
    stood in the parent of the commit that reads or writes it): flat
    `requests/<year>/<id>.toml`, sharded `requests/<year>/<NN>/<id>.toml` with NN the id's
    sequence number modulo 100, two digits (so consecutive ids spread over all shards). The
    default, flat, is format 1's; a reader of a commit passes the layout of its policy."""
    match = REQUEST_ID_RE.match(request_id)
    if not match:
        raise bad_request_id(request_id)
    if layout == SHARDED:
        return f"requests/{match.group(1)}/{match.group(2)[-2:]}/{request_id}.toml"
    if layout != FLAT:
        raise ValueError(f"unknown layout {layout!r}")
    return f"requests/{match.group(1)}/{request_id}.toml"
