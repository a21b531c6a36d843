"""`ktpel remind`: every overdue step with the person it waits on and a WhatsApp link (issue 12).

Overdue is what `list --overdue` says (the step's own clock on the ledger's calendar); the
message is `handoff.reminder_message`, the link `handoff.wa_link`. ktpel sends nothing: the
clerk opens the link on the office phone.
"""

from __future__ import annotations

import argparse

from ledger import clock, i18n

from .cli import open_ledger, out_json, say

T = i18n.pick


def cmd_remind(args: argparse.Namespace) -> int:
    from ledger.nextactor import late_by, next_actors

    with open_ledger(args) as led:
        policy = led.policy()
        now = clock.now()
        rows = []
        for summary in led.list_requests():
            if not summary.overdue(now):
                continue
            state = led.read_request(summary.id)
            late = late_by(state, policy, now) or "-"
            actors = next_actors(state, policy, now=now, late_by=late)
            rows.append((summary, late, actors))
    if args.json:
        out_json(
            [
                {
                    "request": s.id,
                    "step": s.step,
                    "title": s.step_title,
                    "due": s.due.isoformat() if s.due else None,
                    "late_by": late,
                    "people": [a.as_json() for a in actors],
                }
                for s, late, actors in rows
            ]
        )
        return 0
    if not rows:
        say(T("Tidak ada langkah yang terlambat.", "No step is overdue."))
        return 0
    for s, late, actors in rows:
        say(
            T(
                f"{s.id} langkah {s.step} {s.step_title}: terlambat {late}",
                f"{s.id} step {s.step} {s.step_title}: {late} late",
            )
        )
        if not actors:
            say("  " + T("tidak ada orang yang memegang peran ini", "nobody holds this role"))
        for a in actors:
            detail = f" ({a.handoff.detail})" if a.handoff.detail else ""
            say(f"  {a.person.name}{detail}")
            say(
                "    "
                + (
                    a.link
                    or T(
                        "belum ada nomor WhatsApp di people.toml",
                        "no WhatsApp number in people.toml",
                    )
                )
            )
    return 0


def register(sub, common: argparse.ArgumentParser, verb) -> None:
    p = verb(
        "remind",
        cmd_remind,
        "langkah yang terlambat, dengan orangnya dan tautan WhatsApp pengingat",
        "overdue steps, with their person and a WhatsApp reminder link",
    )
    p.add_argument("--json", action="store_true", help=T("keluaran JSON", "JSON output"))
