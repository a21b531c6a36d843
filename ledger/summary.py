"""A request's one-row summary, as the list and the cache see it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from . import clock
from .policy import Policy
from .request import RequestState, due_at, letters_of_events, waiting_on
from .rules import Violation, param_plain
from .worktime import WorkCalendar, default_calendar


@dataclass(frozen=True, slots=True)
class RequestSummary:
    id: str
    path: str
    status: str = ""
    step: int = 0
    step_title: str = ""
    since: datetime | None = None
    due: datetime | None = None
    waiting: tuple[dict[str, Any], ...] = ()
    kabkota: tuple[str, ...] = ()
    letters: tuple[str, ...] = ()
    kabkota_letters: tuple[str, ...] = ()  # the Kab/Kota's own permohonan letter numbers
    created: datetime | None = None
    requested: int = 0
    shipped: int | None = None
    received_good: int | None = None
    shares: int | None = None
    handed_over: int = 0
    confirmed: int = 0
    returns: int = 0
    # The last recorded action ("return" while the request waits for its correction): the list
    # says "dikembalikan" from it, a return count alone cannot tell a corrected request apart.
    last_action: str = ""
    # The last step of the request's own SOP revision (the list's "N/19"); 0 for a broken file.
    last_step: int = 0
    error: Violation | None = None
    # The current step's clock and standard minutes, and the first instant it is late: the
    # list and the Terlambat tab tell lateness from these without the calendar (worktime).
    clock: str = "working"
    standard: int = 0
    late_from: datetime | None = None

    @property
    def broken(self) -> bool:
        return self.error is not None

    @property
    def done(self) -> bool:
        return self.status == "selesai"

    @property
    def returned(self) -> bool:
        """Sent back by a reviewer and not yet redone."""
        return not self.done and not self.broken and self.last_action == "return"

    def overdue(self, now: datetime | None = None) -> bool:
        if self.done or self.due is None or self.broken:
            return False
        now = now or clock.now()
        if self.late_from is not None:
            return now >= self.late_from
        return now > self.due  # a summary cached before office time

    def is_for(self, person, sop) -> bool:
        """Whether this request waits on `person` now (the 'Tugas saya' filter)."""
        from .request import waits_on

        return not self.broken and any(
            waits_on(person, w["role"], w["office"], sop) for w in self.waiting
        )

    def waited_minutes(
        self, now: datetime | None = None, calendar: WorkCalendar | None = None
    ) -> int | None:
        """Minutes of the step's clock used so far (office minutes for a `working` step), on
        the ledger's calendar (`Settings.calendar`; the default calendar when not given)."""
        if self.since is None or self.done:
            return None
        return (calendar or default_calendar()).elapsed(self.since, now or clock.now(), self.clock)

    def to_json(self, now: datetime | None = None) -> dict[str, Any]:
        if self.error is not None:
            return {
                "id": self.id,
                "path": self.path,
                "error": {**self.error.to_dict(), **error_to_json(self.error)},
            }
        return {
            "id": self.id,
            "path": self.path,
            "status": self.status,
            "step": self.step,
            "step_title": self.step_title,
            "since": self.since.isoformat() if self.since else None,
            "due": self.due.isoformat() if self.due else None,
            "overdue": self.overdue(now),
            "waiting": list(self.waiting),
            "kabkota": list(self.kabkota),
            "letters": list(self.letters),
            "kabkota_letters": list(self.kabkota_letters),
            "created": self.created.isoformat() if self.created else None,
            "requested": self.requested,
            "shipped": self.shipped,
            "received_good": self.received_good,
            "shares": self.shares,
            "handed_over": self.handed_over,
            "confirmed": self.confirmed,
            "returns": self.returns,
            "clock": self.clock,
            "standard_minutes": self.standard,
            "late_from": self.late_from.isoformat() if self.late_from else None,
            # Only while it sits on a return: every other request's JSON stays as before.
            **({"last_action": self.last_action} if self.last_action == "return" else {}),
        }

    def cache_json(self, now: datetime | None = None) -> dict[str, Any]:
        """`to_json` (the public `list --json` row, a golden contract) and what only the listing
        cache keeps: the last step of the request's own SOP revision."""
        return {**self.to_json(now), "last_step": self.last_step}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> RequestSummary:
        if "error" in raw:
            err = raw["error"]
            return cls(
                id=raw["id"],
                path=raw["path"],
                error=Violation(
                    err["code"], err.get("params", {}), err.get("path"), err.get("line")
                ),
            )

        def when(key: str) -> datetime | None:
            return datetime.fromisoformat(raw[key]) if raw.get(key) else None

        return cls(
            id=raw["id"],
            path=raw["path"],
            status=raw["status"],
            step=raw["step"],
            step_title=raw["step_title"],
            since=when("since"),
            due=when("due"),
            waiting=tuple(raw["waiting"]),
            kabkota=tuple(raw["kabkota"]),
            letters=tuple(raw["letters"]),
            kabkota_letters=tuple(raw.get("kabkota_letters", ())),
            created=when("created"),
            requested=raw["requested"],
            shipped=raw["shipped"],
            received_good=raw["received_good"],
            shares=raw["shares"],
            handed_over=raw["handed_over"],
            confirmed=raw["confirmed"],
            returns=raw["returns"],
            last_action=raw.get("last_action", ""),
            last_step=raw.get("last_step", 0),
            clock=raw.get("clock", "working"),
            standard=raw.get("standard_minutes", 0),
            late_from=when("late_from"),
        )


def summarize(state: RequestState, path: str, policy: Policy) -> RequestSummary:
    policy = policy.for_sop(state.sop_id)
    sop = policy.sop
    step = sop.step(state.step)
    shares = state.quantity("shares")
    calendar = policy.settings.calendar
    late_from = None
    if not state.done and state.since is not None:
        late_from = calendar.late_from(state.since, step.due_minutes, step.clock)
    return RequestSummary(
        id=state.id,
        path=path,
        status=state.status,
        step=state.step,
        step_title=step.title,
        since=state.since,
        due=due_at(state, sop, calendar),
        waiting=tuple(
            {"role": w.role, "office": w.office, "action": w.action, "kabkota": w.kabkota}
            for w in waiting_on(state, sop)
        ),
        kabkota=state.kabkota,
        letters=tuple(number for _, number in letters_of_events(state.events, sop, policy.sops)),
        kabkota_letters=tuple(str(p.get("letter_number", "")) for p in state.permohonan),
        created=state.events[0].at if state.events else None,
        requested=sum(state.requested.values()),
        shipped=state.quantity("blanks_shipped"),
        received_good=state.received_good,
        shares=sum(shares.values()) if shares else None,
        handed_over=sum(d.blanks for d in state.deliveries),
        confirmed=sum(d.good for d in state.deliveries),
        returns=sum(1 for ev in state.events if ev.action == "return"),
        last_action=state.events[-1].action if state.events else "",
        last_step=sop.last_step,
        clock=step.clock,
        standard=step.due_minutes,
        late_from=late_from,
    )


def broken_summary(path: str, violation: Violation) -> RequestSummary:
    request_id = path.rsplit("/", 1)[-1].removesuffix(".toml")
    return RequestSummary(id=request_id, path=path, error=violation)


def error_to_json(violation: Violation) -> dict[str, Any]:
    return {
        "code": violation.code,
        "params": {k: param_plain(v) for k, v in violation.params.items()},
        "path": violation.path,
        "line": violation.line,
    }
