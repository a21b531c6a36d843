"""Who a request waits on now, as people with their WhatsApp hand-off (issue 12).

After a step is recorded the CLI and the TUI offer the next person a wa.me link
(`handoff.handoff_link`); `ktpel remind` offers one per overdue step (`reminder_message`). Both
come from here: the waits of `request.waiting_on`, each matched with the people who hold it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from . import clock
from .handoff import Handoff, handoff_link, reminder_message, wa_link
from .i18n import pick
from .policy import Person, Policy
from .request import Event, RequestState, current_timing, due_at, waiting_on, waits_on


@dataclass(frozen=True, slots=True)
class NextActor:
    """One person the request now waits on, with the message for them (link empty when the
    person has no WhatsApp number in people.toml)."""

    person: Person
    handoff: Handoff
    link: str

    def as_json(self) -> dict[str, object]:
        h = self.handoff
        return {
            "person": self.person.id,
            "name": self.person.name,
            "whatsapp": self.person.whatsapp or None,
            "step": h.next_step,
            "detail": h.detail or None,
            "due": h.due.isoformat() if h.due else None,
            "link": self.link or None,
        }


def _detail(action: str, kabkota: str | None, policy: Policy) -> str:
    if kabkota is None:
        return ""
    name = policy.settings.office_name(kabkota)
    if action == "handover":
        return pick(f"serah terima ke {name}", f"handover to {name}")
    if action == "receipt":
        return pick(f"konfirmasi penerimaan {name}", f"confirm receipt by {name}")
    return ""


def next_actors(
    state: RequestState,
    policy: Policy,
    done: Event | None = None,
    now: datetime | None = None,
    late_by: str = "",
) -> list[NextActor]:
    """Every person the request waits on, each once per wait, with their hand-off message:
    after `done` was recorded (`handoff_message`), or as a reminder when `late_by` is given.
    The person who just acted is left out: nobody needs a message from themselves."""
    policy = policy.for_sop(state.sop_id)
    sop = policy.sop
    if state.done:
        return []
    step = sop.step(state.step)
    due = due_at(state, sop, policy.settings.calendar)
    done_step = sop.step(done.step) if done is not None and sop.has_step(done.step) else None
    out: list[NextActor] = []
    for wait in waiting_on(state, sop):
        for person in sorted(policy.people.values(), key=lambda p: p.id):
            if done is not None and person.id == done.by:
                continue
            if not waits_on(person, wait.role, wait.office, sop):
                continue
            handoff = Handoff(
                request=state.id,
                to_name=person.name,
                to_number=person.whatsapp,
                next_step=step.no,
                next_title=step.title,
                due=due,
                done_step=done_step.no if done_step is not None else None,
                done_title=done_step.title if done_step is not None else "",
                done_by=policy.person(done.by).name if done is not None else "",
                detail=_detail(wait.action, wait.kabkota, policy),
            )
            link = ""
            if person.whatsapp:
                if late_by:
                    link = wa_link(person.whatsapp, reminder_message(handoff, late_by, now))
                else:
                    link = handoff_link(handoff, now)
            out.append(NextActor(person, handoff, link))
    return out


def late_by(state: RequestState, policy: Policy, now: datetime | None = None) -> str:
    """How late the current step is, in its own clock ('2j 10m'), or '' when it is not."""
    from .clock import format_minutes

    policy = policy.for_sop(state.sop_id)
    timing = current_timing(state, policy.sop, policy.settings.calendar, now or clock.now())
    if timing is None or not timing.late:
        return ""
    return format_minutes(max(1, timing.elapsed - timing.standard))
