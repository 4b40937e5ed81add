"""Words for requests, rules, cover and staffing impact, from the catalog, per language."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from bot.i18n import MissingMessage, Words
from bot.services.views import RequestView, ShiftView
from planner.cover import CoverCandidate
from planner.rules import Violation

MAX_REPLY = 3000
"""Longest text one reply or notice may have (Slack's section limit; Telegram allows 4,096)."""


@dataclass(frozen=True)
class RequestWords:
    w: Words

    def shift(self, shift: ShiftView | None) -> str:
        if shift is None:
            return "—"
        return (
            f"{self.w.day(shift.local_date)} {shift.start:%H:%M}–{shift.end:%H:%M} "
            f"{self.w.skill(shift.skill)}"
        )

    def kind(self, kind: str) -> str:
        return self.w(f"kind.{kind}")

    def describe(self, req: RequestView, *, status: bool = True) -> str:
        """``#12 swap: Amy Chen's Tue 1 Dec 08:00–17:00 cards ⇄ Bob Lin's … [waiting …]``."""
        w = self.w
        who = req.requester.name
        if req.kind == "swap":
            body = w(
                "describe.swap",
                who=who,
                shift=self.shift(req.shift),
                other=req.counterpart.name if req.counterpart else "?",
                other_shift=self.shift(req.counterpart_shift),
            )
        elif req.kind == "giveaway":
            to = req.counterpart or req.taker
            if to is not None:
                body = w("describe.giveaway_to", who=who, shift=self.shift(req.shift), to=to.name)
            else:
                body = w("describe.giveaway_open", who=who, shift=self.shift(req.shift))
        elif req.kind in ("sick", "cover"):
            if req.taker is not None:
                body = w(
                    "describe.freed_taken",
                    who=who,
                    shift=self.shift(req.shift),
                    taker=req.taker.name,
                )
            else:
                body = w("describe.freed", who=who, shift=self.shift(req.shift))
        else:
            assert req.start_date is not None
            if req.end_date and req.end_date != req.start_date:
                span = f"{w.day(req.start_date)}–{w.day(req.end_date)}"
            else:
                span = w.day(req.start_date)
            key = "describe.leave_reason" if req.reason else "describe.leave"
            body = w(key, who=who, span=span, reason=req.reason or "")
        line = w("describe.line", id=req.id, kind=self.kind(req.kind), body=body)
        if status:
            line += " " + w("describe.status", status=w(f"status.{req.status}"))
        return line


def settled_line(req: RequestView, w: Words) -> str:
    """What an edited button message says once the request moved on."""
    who = req.decided_by.name if req.decided_by else None
    at = req.decided_at
    if req.status in ("approved", "denied", "declined") and who and at:
        return w(f"settled.{req.status}_by", who=who, at=at)
    if req.status == "pending_lead" and req.taker is not None:
        return w("settled.taken", who=req.taker.name)
    if req.status == "pending_lead":
        return w("settled.accepted")
    return w(f"settled.{req.status}")


def violation_line(v: Violation, w: Words) -> str:
    if v.code:
        for key in (f"rule.{v.code}", v.code):
            try:
                return w(key, **dict(v.params))
            except MissingMessage:
                continue
    return v.message


def violation_lines(violations: Iterable[Violation], w: Words) -> list[str]:
    return [f"  • {violation_line(v, w)}" for v in violations]


def cover_lines(cover: Sequence[CoverCandidate], w: Words) -> list[str]:
    if not cover:
        return ["  " + w("cover.nobody")]
    lines = []
    for i, c in enumerate(cover, 1):
        reasons = [w("cover." + r.code, **dict(r.params)) for r in c.reasons]
        joined = ("，" if w.zh else ", ").join(reasons)
        lines.append(f"  {i}. @{c.agent_id} {c.name} — {joined}")
    return lines


def impact_lines(impact: Any, w: Words) -> list[str]:
    """One line per affected day and skill: scheduled before → after against required, the
    day's projected service level before → after and the worst interval."""
    if impact is None or not getattr(impact, "has_demand", True):
        return ["  " + w("impact.no_demand")]
    if not impact.changed:
        return ["  " + w("impact.none")]
    lines = [w("impact.head")]
    for d in impact.days:
        if not d.changes:
            continue
        worst = d.worst
        key = "impact.line_short" if d.short_after > d.short_before else "impact.line"
        lines.append(
            "  "
            + w(
                key,
                day=d.day,
                skill=d.skill,
                sl_before=d.sl_before,
                sl_after=d.sl_after,
                n=len(d.changes),
                short=d.short_after,
                short_before=d.short_before,
                at=worst.start if worst else None,
                before=float(worst.before) if worst else 0.0,
                after=float(worst.after) if worst else 0.0,
                required=int(worst.required) if worst else 0,
            )
        )
    return lines


def clip_lines(lines: list[str], w: Words, limit: int = MAX_REPLY) -> str:
    """Cut a long text at whole lines, saying how many were left out."""
    out: list[str] = []
    size = 0
    for i, line in enumerate(lines):
        if size + len(line) + 1 > limit - 80:
            out.append(w("more", n=len(lines) - i))
            break
        out.append(line)
        size += len(line) + 1
    return "\n".join(out)
