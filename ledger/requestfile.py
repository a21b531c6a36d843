"""The request file: `requests/<year>/<id>.toml`, a header, a [state] summary and the events.

Written with a fixed key order so `git diff` of a step shows just the event it added (and the
two or three [state] lines it moved). Read back by applying every event again, so a hand-edited
or foreign file that breaks a rule is reported with its file, line and reason.
"""

from __future__ import annotations

import re
import tomllib
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import tomli_w

from . import clock
from .evidence import Attachment, attachments_from_toml, attachments_to_toml
from .policy import Policy
from .request import ACTIONS, Event, OnBehalf, RequestState, apply_event, empty, request_path
from .rules import LedgerError, Violation

try:  # a Rust TOML parser, ~10x tomllib on request files (docs/PERFORMANCE.md, issue 17)
    import rtoml as _rtoml
except ImportError:  # no wheel for this platform: tomllib reads the same files, only slower
    _rtoml = None

FORMAT_VERSION = 1
# A request file says `format = 2` once one of its events carries an attachment (docs/FORMAT.md
# "Evidence files"): a format-1 reader then refuses it instead of dropping the attachments, and a
# file without attachments is written exactly as before.
ATTACHMENT_FORMAT = 2
FORMATS = (FORMAT_VERSION, ATTACHMENT_FORMAT)
HEADER = (
    "# Permohonan blanko KTP-el: satu berkas per permohonan, satu commit per langkah SOP.\n"
    "# Format: docs/FORMAT.md. Jangan diubah dengan tangan; pakai ktpel.\n"
)


def _clean(value: Any) -> Any:
    if isinstance(value, datetime):
        return clock.to_wib(value)
    if isinstance(value, dict):
        keys = (
            sorted(value) if all(re.fullmatch(r"\d+\.\d+", str(k)) for k in value) else list(value)
        )
        return {str(k): _clean(value[k]) for k in keys}
    return value


def event_to_dict(event: Event) -> dict[str, Any]:
    out: dict[str, Any] = {
        "seq": event.seq,
        "action": event.action,
        "step": event.step,
        "at": clock.to_wib(event.at),
        "by": event.by,
        "role": event.role,
    }
    if event.note:
        out["note"] = event.note
    if event.on_behalf is not None:
        out["on_behalf"] = {
            "of": event.on_behalf.of,
            "reason": event.on_behalf.reason,
            "evidence": event.on_behalf.evidence,
        }
    if event.data:
        out["data"] = _clean({k: v for k, v in event.data.items() if v is not None})
    if event.attachments:
        out["attachment"] = attachments_to_toml(event.attachments)
    return out


def file_format(state: RequestState) -> int:
    """The `format` a request file is written with: 2 once an event has an attachment."""
    return ATTACHMENT_FORMAT if any(ev.attachments for ev in state.events) else FORMAT_VERSION


# id(event) -> (the event, its "[[event]]" text, or None when tomli_w would put it inline).
_EVENT_TEXT: dict[int, tuple[Event, str | None]] = {}


def _event_text(event: Event) -> str | None:
    """The event as tomli_w writes it among the file's [[event]] tables (kept: a step adds one
    event to a file whose other events were written before, so a day of steps writes each once)."""
    known = _EVENT_TEXT.get(id(event))
    if known is not None and known[0] is event:
        return known[1]
    text = tomli_w.dumps({"event": [event_to_dict(event)]})
    # An event short enough to be an inline table is written inline when all of a file's events
    # are; then the whole file is left to tomli_w.
    chunk = text if text.startswith("[[event]]\n") else None
    if len(_EVENT_TEXT) >= 4096:
        _EVENT_TEXT.clear()
    _EVENT_TEXT[id(event)] = (event, chunk)
    return chunk


def dumps(state: RequestState) -> str:
    """The file's text: exactly `tomli_w.dumps` of the document (header comment first)."""
    head: dict[str, Any] = {
        "format": file_format(state),
        "id": state.id,
        "sop": state.sop_id,
        "state": {"status": state.status, "step": state.step},
    }
    if state.since is not None:
        head["state"]["since"] = clock.to_wib(state.since)
    chunks = [_event_text(ev) for ev in state.events]
    if chunks and all(chunks):
        # tomli_w writes the top-level keys, then each table after a blank line: [state], then
        # every [[event]] in order; each event's text depends on that event alone.
        return HEADER + tomli_w.dumps(head) + "".join("\n" + c for c in chunks)
    return HEADER + tomli_w.dumps({**head, "event": [event_to_dict(ev) for ev in state.events]})


def _line_of_event(text: str, seq: int) -> int | None:
    count = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if line.strip() == "[[event]]":
            count += 1
            if count == seq:
                return number
    return None


def _line_of_key(text: str, key: str) -> int | None:
    """The first line setting `key = ...` or opening `[key]` (top-level keys come first in the file)."""
    for number, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped == f"[{key}]" or re.match(rf"{re.escape(key)}\s*=", stripped):
            return number
    return None


def _seq(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 10**9:
        raise ValueError("'seq' harus bilangan bulat")
    return value


_EVENT_KEYS = frozenset(
    {"seq", "action", "step", "at", "by", "role", "note", "on_behalf", "data", "attachment"}
)


def event_from_dict(raw: dict[str, Any]) -> Event:
    """Build an Event from its TOML table; raise ValueError on a wrong shape."""
    if not isinstance(raw, dict):
        raise ValueError("kejadian harus berupa tabel")
    action = raw.get("action")
    if action not in ACTIONS:
        raise ValueError(f"aksi '{action}' tidak dikenal")
    at = raw.get("at")
    if not isinstance(at, datetime) or at.tzinfo is None:
        raise ValueError("'at' harus tanggal-jam dengan zona waktu")
    step, by, role = raw.get("step"), raw.get("by"), raw.get("role")
    if (
        isinstance(step, bool)
        or not isinstance(step, int)
        or not isinstance(by, str)
        or not isinstance(role, str)
    ):
        raise ValueError("'step', 'by' dan 'role' wajib ada")
    ob = raw.get("on_behalf")
    on_behalf = None
    if ob is not None:
        if not isinstance(ob, dict):
            raise ValueError("'on_behalf' harus berupa tabel")
        on_behalf = OnBehalf(
            str(ob.get("of", "")), str(ob.get("reason", "")), str(ob.get("evidence", ""))
        )
    data = raw.get("data", {})
    if not isinstance(data, dict):
        raise ValueError("'data' harus berupa tabel")
    unknown = raw.keys() - _EVENT_KEYS
    if unknown:
        raise ValueError(f"kunci tidak dikenal: {', '.join(sorted(unknown))}")
    attachments: tuple[Attachment, ...] = ()
    if "attachment" in raw:
        try:
            attachments = attachments_from_toml(raw["attachment"])
        except LedgerError as exc:
            raise ValueError(exc.message()) from None
    return Event(
        action=action,
        step=step,
        at=clock.to_wib(at),
        by=by,
        role=role,
        data=data,
        note=str(raw.get("note", "")),
        on_behalf=on_behalf,
        seq=_seq(raw.get("seq", 0)),
        attachments=attachments,
    )


_SYNTAX_ERRORS: tuple[type[Exception], ...] = (tomllib.TOMLDecodeError,) + (
    (_rtoml.TomlParsingError,) if _rtoml is not None else ()
)

# TOML 1.1 syntax rtoml reads and tomllib (TOML 1.0: the audit's parser, older ktpel) refuses:
# a newline or trailing comma in an inline table, the \e and \x escapes, a time without seconds,
# a byte-order mark. A text that may hold one is left to tomllib, so both read exactly the same
# files. ktpel writes none of these (`dumps` is tomli-w's TOML 1.0): each test is a plain search.
_ESCAPE_11 = re.compile(r"\\[ex]")
_NO_SECONDS = re.compile(r":\d\d(?![:\d])(?<![+-]\d\d:\d\d)(?<!:\d\d:\d\d)")
# rtoml: "duplicate key at line 4 column 1"; tomllib: "... (at line 4, column 1)".
_AT_LINE = re.compile(r"\s*\(?at line (\d+),? column \d+\)?$")
_ZONES: dict[timedelta, timezone] = {}


def _maybe_toml_11(text: str) -> bool:
    return bool(
        "{" in text
        or text.startswith("\ufeff")
        or ("\\" in text and _ESCAPE_11.search(text))
        or _NO_SECONDS.search(text)
    )


def _std_zones(node: dict[str, Any] | list[Any]) -> None:
    """rtoml's datetimes carry its own tzinfo class (which neither pickles nor deep-copies): give
    each the standard `datetime.timezone` of the same offset, as tomllib does (in place)."""
    for key, value in node.items() if type(node) is dict else enumerate(node):  # type: ignore[union-attr]
        kind = type(value)
        if kind is datetime:
            if value.tzinfo is not None and type(value.tzinfo) is not timezone:
                offset = value.utcoffset()
                assert offset is not None
                zone = _ZONES.get(offset)
                if zone is None:
                    zone = _ZONES[offset] = UTC if not offset else timezone(offset)
                node[key] = value.replace(tzinfo=zone)  # type: ignore[index]
        elif kind is dict or kind is list:
            _std_zones(value)


def _toml(text: str) -> dict[str, Any]:
    """A request file's TOML table as `tomllib.loads` gives it (or refuses it), by rtoml when it
    can: ~10x faster on request files (docs/PERFORMANCE.md, issue 17).

    Of rtoml's values only the events' `data` is kept as read (`loads` turns `at` and `since`
    into WIB times, the rest into text or numbers): there its datetimes get tomllib's tzinfo."""
    if _rtoml is None or _maybe_toml_11(text):
        return tomllib.loads(text)
    try:
        table = _rtoml.loads(text)
    except _rtoml.TomlParsingError as exc:
        # tomllib decides (rtoml refuses a few TOML 1.0 texts, e.g. integers beyond 64 bits);
        # when both refuse, rtoml's message is the one shown: it names the line more often.
        try:
            return tomllib.loads(text)
        except (ValueError, RecursionError):  # TOMLDecodeError among them
            raise exc from None
    events = table.get("event")
    for event in events if type(events) is list else ():
        if type(event) is dict and type(data := event.get("data")) is dict:
            _std_zones(data)
    return table


def _malformed(path: str, reason: str, line: int | None = None) -> LedgerError:
    return LedgerError(
        Violation(
            "file-malformed", {"path": path, "line": line or "?", "reason": reason}, path, line
        )
    )


def parse_toml(data: str | bytes, path: str) -> tuple[str, dict[str, Any]]:
    """(text, table) of a TOML file, or LedgerError `file-malformed`: never another exception.

    Besides TOML syntax, tomllib raises on bytes that are not UTF-8, on integers of more than
    4,300 digits (ValueError, Python's int-size guard) and on nesting thousands deep
    (RecursionError); each is a finding about the file, not a crash of its reader (issue 16).
    """
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = data[: exc.start].count(b"\n") + 1
            raise _malformed(path, f"bukan UTF-8 (bita {exc.start})", line) from None
    try:
        return data, _toml(data)
    except _SYNTAX_ERRORS as exc:
        message = " ".join(str(exc).split())
        match = _AT_LINE.search(message) or re.search(r"line (\d+)", message)
        line = int(match.group(1)) if match else None
        raise _malformed(path, _AT_LINE.sub("", message) or message, line) from None
    except ValueError as exc:
        raise _malformed(path, str(exc).split(";")[0]) from None
    except RecursionError:
        raise _malformed(path, "bersarang terlalu dalam") from None


def loads(text: str | bytes, path: str, policy: Policy) -> RequestState:
    """Parse and re-check a request file. Raises LedgerError naming the file and line."""
    text, raw = parse_toml(text, path)

    def invalid(reason: str, key: str | None = None) -> LedgerError:
        line = _line_of_key(text, key) if key else None
        return LedgerError(Violation("file-invalid", {"path": path, "reason": reason}, path, line))

    if raw.get("format") not in FORMATS:
        raise invalid(f"'format' harus {FORMAT_VERSION} atau {ATTACHMENT_FORMAT}", "format")
    request_id = raw.get("id")
    if not isinstance(request_id, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{4,}", request_id):
        raise invalid("'id' tidak ada atau tidak sah", "id")
    try:
        # The layout in force where the file is read (the policy of the commit it is judged by).
        expected_path = request_path(request_id, policy.settings.layout)
    except LedgerError:
        raise invalid("'id' tidak sah", "id") from None
    if path != expected_path and not path.endswith("/" + expected_path):
        raise invalid(f"id {request_id} harus disimpan di {expected_path}", "id")
    sop_id = raw.get("sop")
    if not isinstance(sop_id, str) or sop_id not in policy.sops:
        raise invalid(f"SOP '{sop_id}' tidak tercatat di ledger.toml ('sops')", "sop")
    events_raw = raw.get("event")
    if not isinstance(events_raw, list) or not events_raw:
        raise invalid("tidak ada kejadian [[event]]")
    # The file names the SOP the request follows now; its events before a migration were
    # recorded under the one that migration names as "from".
    first_migration = next(
        (e for e in events_raw if isinstance(e, dict) and e.get("action") == "migrate"), None
    )
    if first_migration is not None:
        start = (first_migration.get("data") or {}).get("from")
        if not isinstance(start, str) or start not in policy.sops:
            raise invalid(f"SOP awal '{start}' tidak tercatat di ledger.toml ('sops')", "sop")
        sop_id = start
    state = empty(request_id, sop_id)
    for index, item in enumerate(events_raw, start=1):

        def bad_event(reason: str, index: int = index) -> LedgerError:
            # The line is looked up only when something is wrong: listing 20,000 files stays fast.
            line = _line_of_event(text, index)
            return LedgerError(
                Violation(
                    "file-event-invalid", {"path": path, "seq": index, "reason": reason}, path, line
                )
            )

        try:
            event = event_from_dict(item)
        except ValueError as exc:
            raise bad_event(str(exc)) from None
        if event.seq != index:
            raise bad_event(f"nomor urut {event.seq}, seharusnya {index}")
        if index == 1 and event.action != "create":
            raise bad_event("kejadian pertama harus 'create'")
        try:
            state = apply_event(state, event, policy)
        except LedgerError as exc:
            raise bad_event(exc.message()) from None
    recorded = raw.get("state", {})
    mismatch = []
    if raw.get("format") != file_format(state):
        mismatch.append(f"format {raw.get('format')!r} ≠ {file_format(state)}")
    if raw.get("sop") != state.sop_id:
        mismatch.append(f"sop {raw.get('sop')!r} ≠ {state.sop_id!r}")
    if not isinstance(recorded, dict):
        mismatch.append("[state]")
    else:
        if recorded.get("status") != state.status:
            mismatch.append(f"status {recorded.get('status')!r} ≠ {state.status!r}")
        if recorded.get("step") != state.step:
            mismatch.append(f"step {recorded.get('step')!r} ≠ {state.step}")
        since = recorded.get("since")
        if state.since is not None and (
            not isinstance(since, datetime) or clock.to_wib(since) != state.since
        ):
            mismatch.append("since")
    if mismatch:
        raise LedgerError(
            Violation(
                "file-state-mismatch",
                {"path": path, "reason": "; ".join(mismatch)},
                path,
                _line_of_key(text, "state") or 1,
            )
        )
    return state


def as_plain(value: Any) -> Any:
    """JSON-friendly copy of event data (dates as ISO text)."""
    if isinstance(value, dict):
        return {str(k): as_plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_plain(v) for v in value]
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
