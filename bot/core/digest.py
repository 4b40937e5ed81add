"""Words for the morning digest, intraday alerts and reminders, from the catalog.

The digest is short enough to read on a phone: who works by shift and skill, who is off,
each skill's projected service level, the worst gaps and who could cover the biggest, open
shifts, approvals waiting and yesterday's result. The detail per interval is in the chart
(:mod:`bot.charts`) and in ``--format json``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

from bot.core.handlers import buttons_for
from bot.core.messages import Outgoing
from bot.core.wording import MAX_REPLY, RequestWords, clip_lines, cover_lines
from bot.i18n import Words, words
from bot.services.digest import (
    CRITICAL_SHARE,
    WARNING_SHARE,
    DigestView,
    Gap,
    Intraday,
    Reminder,
    Waiting,
)
from bot.services.roster import IntervalRow
from planner.staffing import UNREACHABLE

MAX_GROUPS = 8
NAMES_UP_TO = 24
"""Up to this many people working, the digest names them; beyond, it counts them."""
MAX_NAMES = 6
MAX_OFF = 8
MAX_GAPS = 5
MAX_OPEN = 5
MAX_PENDING = 5


def _hours(start: datetime, end: datetime) -> str:
    return f"{start:%H:%M}–{end:%H:%M}"


def _more(lines: list[str], total: int, shown: int, w: Words) -> None:
    if total > shown:
        lines.append("  " + w("more", n=total - shown))


def digest_words(view: DigestView) -> Words:
    """The team's language with its skill names."""
    return words(view.lang, view.skill_names)


def digest_text(view: DigestView, w: Words | None = None) -> str:
    """The digest as one message in the team's language (at most :data:`MAX_REPLY`)."""
    w = w or digest_words(view)
    lines = [w("digest.title", team=view.team, day=view.day)]
    lines += _working(view, w)
    lines += _off(view, w)
    lines += _staffing(view, w)
    lines += _open(view, w)
    lines += _pending(view.pending, w)
    if view.yesterday is not None:
        y = view.yesterday
        key = "digest.yesterday_met" if y.met else "digest.yesterday_missed"
        lines.append(
            w(
                key,
                day=y.day,
                sl=y.service_level,
                calls=round(y.calls),
                seconds=int(view.staffing.target_seconds),
                target=y.target,
            )
        )
    if sum(len(line) + 1 for line in lines) > MAX_REPLY:
        return clip_lines(lines, w)
    return "\n".join(lines)


def _working(view: DigestView, w: Words) -> list[str]:
    """Who works, by shift hours and skill: names for a small day, head counts per skill
    for a large one (the names are in ``roster``)."""
    if not view.working:
        return [w("digest.nobody_working", day=view.day)]
    lines = [w.tn("digest.working", view.people_working)]
    if view.people_working > NAMES_UP_TO:
        by_hours: dict[tuple[datetime, datetime], list[tuple[str, int]]] = {}
        local: dict[tuple[datetime, datetime], tuple[datetime, datetime]] = {}
        for group in view.working:
            key = (group.start.astimezone(UTC), group.end.astimezone(UTC))
            local[key] = (group.start, group.end)
            by_hours.setdefault(key, []).append((group.skill, len(group.people)))
        rows = [(local[key], skills) for key, skills in by_hours.items()]
        for (start, end), skills in rows[:MAX_GROUPS]:
            counts = ", ".join(f"{w.skill(skill)} {n}" for skill, n in skills)
            total = sum(n for _skill, n in skills)
            lines.append(
                "  " + w("digest.hours_line", hours=_hours(start, end), n=total, skills=counts)
            )
        _more(lines, len(rows), MAX_GROUPS, w)
        return lines
    for group in view.working[:MAX_GROUPS]:
        ids = [p.agent_id for p in group.people]
        names = ", ".join(ids[:MAX_NAMES])
        if len(ids) > MAX_NAMES:
            names += " " + w("digest.more_names", n=len(ids) - MAX_NAMES)
        hours = _hours(group.start, group.end)
        lines.append(
            "  " + w("digest.group", hours=hours, skill=group.skill, n=len(ids), names=names)
        )
    _more(lines, len(view.working), MAX_GROUPS, w)
    return lines


def _off(view: DigestView, w: Words) -> list[str]:
    if not view.off:
        return []
    lines = [w("digest.off_head", n=len(view.off))]
    for absence in view.off[:MAX_OFF]:
        if absence.covered_by:
            state = w("off.covered", who=absence.covered_by)
        elif absence.covered_by is None and absence.why != "leave_no_shift":
            state = w("off.uncovered")
        else:
            state = w("off.no_shift")
        reason = w("off." + absence.why.split("_")[0])
        person = absence.person
        line = w("off.line", name=person.name, id=person.agent_id, why=reason, covered=state)
        lines.append("  " + line)
    _more(lines, len(view.off), MAX_OFF, w)
    return lines


def _staffing(view: DigestView, w: Words) -> list[str]:
    sd = view.staffing
    if not view.has_demand:
        return [w("staffing.no_forecast", day=view.day)]
    if not view.rostered:
        return [w("digest.no_roster", day=view.day)]
    lines = [
        w(
            "digest.staffing_head",
            sl=sd.weighted_service_level,
            target=sd.target_service_level,
            seconds=int(sd.target_seconds),
        )
    ]
    for s in view.skills:
        if s.short:
            line = w(
                "digest.skill_short",
                skill=s.skill,
                sl=s.service_level,
                short=s.short,
                n=s.intervals,
            )
        elif s.below_target:
            line = w(
                "digest.skill_below",
                skill=s.skill,
                sl=s.service_level,
                below=s.below_target,
                n=s.intervals,
            )
        else:
            line = w("digest.skill_ok", skill=s.skill, sl=s.service_level)
        lines.append("  " + line)
    if not view.gaps:
        lines.append(w("digest.no_gaps"))
        return lines
    lines.append(w("digest.gaps_head", n=len(view.gaps)))
    worst = sorted(view.gaps, key=_severity)[:MAX_GAPS]
    for gap in sorted(worst, key=lambda g: (g.start.astimezone(UTC), g.skill)):
        lines.append("  " + gap_line(gap, sd.target_service_level, w))
    _more(lines, len(view.gaps), MAX_GAPS, w)
    if view.biggest is not None and view.biggest.worst is not None:
        row = view.biggest.worst
        lines.append(
            w(
                "digest.biggest",
                skill=row.skill,
                at=row.start,
                scheduled=float(row.scheduled),
                required=row.required,
                sl=row.service_level,
            )
        )
        lines += cover_lines(view.cover, w)
    return lines


def _severity(gap: Gap) -> tuple[float, float, datetime]:
    return (-gap.short_by, gap.lowest_service_level, gap.start.astimezone(UTC))


def gap_line(gap: Gap, target: float, w: Words) -> str:
    hours = _hours(gap.start, gap.end)
    if gap.worst is None:
        return w("digest.gap_unreachable", skill=gap.skill, hours=hours)
    if gap.short_by > 0:
        return w(
            "digest.gap_short",
            skill=gap.skill,
            hours=hours,
            short=_agents(gap.short_by),
            sl=gap.lowest_service_level,
        )
    return w(
        "digest.gap_sl", skill=gap.skill, hours=hours, sl=gap.lowest_service_level, target=target
    )


def _agents(value: float) -> float:
    """Agents short, to one decimal (coverage is fractional where a shift starts mid-way)."""
    return round(value, 1)


def _open(view: DigestView, w: Words) -> list[str]:
    if not view.open_shifts:
        return []
    rw = RequestWords(w)
    lines = [w("digest.open_head", n=len(view.open_shifts))]
    for item in view.open_shifts[:MAX_OPEN]:
        shift = rw.shift(item.shift)
        if item.request is None:
            lines.append("  " + w("digest.open_bare", shift=shift))
            continue
        lines.append(
            "  "
            + w(
                "digest.open_line",
                id=item.request.id,
                shift=shift,
                kind=rw.kind(item.request.kind),
                who=item.request.requester.name,
            )
        )
    _more(lines, len(view.open_shifts), MAX_OPEN, w)
    return lines


def _pending(pending: Sequence[Waiting], w: Words) -> list[str]:
    if not pending:
        return []
    rw = RequestWords(w)
    lines = [w("digest.pending_head", n=len(pending))]
    for item in pending[:MAX_PENDING]:
        text = w(
            "digest.pending_line",
            line=rw.describe(item.request, status=False),
            hours=item.age_hours,
        )
        lines.append("  " + text)
        summary = impact_summary(item.impact, w)
        if summary:
            lines.append("    " + summary)
    _more(lines, len(pending), MAX_PENDING, w)
    return lines


def impact_summary(impact: Any, w: Words) -> str:
    """The day and skill a pending change hurts most, in one line ("" when unknown)."""
    if impact is None:
        return ""
    if not getattr(impact, "has_demand", True):
        return w("impact.no_demand")
    days = [d for d in impact.days if d.changes]
    if not days:
        return w("impact.none")
    worst = min(days, key=lambda d: (d.sl_after - d.sl_before, d.day, d.skill))
    return w(
        "digest.pending_impact",
        day=worst.day,
        skill=worst.skill,
        sl_before=worst.sl_before,
        sl_after=worst.sl_after,
    )


# ---------------------------------------------------------------------------------- JSON


def _num(value: float) -> float | None:
    return None if math.isinf(value) or math.isnan(value) else value


def _row(r: IntervalRow, rostered: bool) -> dict[str, Any]:
    reachable = r.required != UNREACHABLE
    return {
        "interval_start": r.start.strftime("%Y-%m-%dT%H:%M"),
        "skill": r.skill,
        "calls": r.calls,
        "aht_seconds": r.aht_seconds,
        "reachable": reachable,
        "required": r.required if reachable else None,
        "scheduled": r.scheduled,
        "gap": r.gap if reachable else None,
        "service_level": _num(r.service_level) if rostered else None,
        "asa_seconds": _num(r.asa_seconds) if rostered else None,
        "occupancy": _num(r.occupancy) if rostered else None,
    }


def _local(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%dT%H:%M")


def _gap_json(gap: Gap) -> dict[str, Any]:
    return {
        "skill": gap.skill,
        "start": _local(gap.start),
        "end": _local(gap.end),
        "intervals": len(gap.rows),
        "short_by": gap.short_by,
        "lowest_service_level": _num(gap.lowest_service_level),
        "unreachable": gap.unreachable,
        "worst": None if gap.worst is None else _row(gap.worst, True),
    }


def digest_json(view: DigestView) -> dict[str, Any]:
    """Every figure of the digest, floats at full precision, and its text."""
    sd = view.staffing
    rostered = view.rostered
    return {
        "team": view.team,
        "date": view.day.isoformat(),
        "generated_at": view.now.isoformat(timespec="seconds"),
        "timezone": view.timezone,
        "language": view.lang,
        "interval_minutes": sd.interval_minutes,
        "service_level_target": sd.target_service_level,
        "target_seconds": sd.target_seconds,
        "rostered": rostered,
        "weighted_service_level": (
            _num(sd.weighted_service_level) if rostered and view.has_demand else None
        ),
        "working": [
            {
                "start": _local(g.start),
                "end": _local(g.end),
                "skill": g.skill,
                "agents": [p.agent_id for p in g.people],
            }
            for g in view.working
        ],
        "off": [
            {
                "agent_id": a.person.agent_id,
                "name": a.person.name,
                "reason": a.why,
                "covered_by": a.covered_by,
            }
            for a in view.off
        ],
        "skills": [
            {
                "skill": s.skill,
                "calls": s.calls,
                "service_level": s.service_level if rostered else None,
                "intervals": s.intervals,
                "short": s.short,
                "below_target": s.below_target,
                "unreachable": s.unreachable,
            }
            for s in view.skills
        ],
        "intervals": [_row(r, rostered) for r in sd.rows],
        "gaps": [_gap_json(g) for g in view.gaps],
        "biggest_gap": None if view.biggest is None else _gap_json(view.biggest),
        "cover": [
            {
                "agent_id": c.agent_id,
                "name": c.name,
                "week_hours": c.week_hours,
                "rest_hours": c.rest_hours,
            }
            for c in view.cover
        ],
        "open_shifts": [
            {
                "request_id": o.request.id if o.request else None,
                "kind": o.request.kind if o.request else None,
                "requester": o.request.requester.agent_id if o.request else None,
                "date": o.shift.local_date.isoformat(),
                "start": _local(o.shift.start),
                "end": _local(o.shift.end),
                "skill": o.shift.skill,
            }
            for o in view.open_shifts
        ],
        "pending": [
            {
                "request_id": p.request.id,
                "kind": p.request.kind,
                "requester": p.request.requester.agent_id,
                "age_hours": p.age_hours,
                "impact": _impact_json(p.impact),
            }
            for p in view.pending
        ],
        "yesterday": None
        if view.yesterday is None
        else {
            "date": view.yesterday.day.isoformat(),
            "calls": view.yesterday.calls,
            "service_level": view.yesterday.service_level,
            "target": view.yesterday.target,
            "met": view.yesterday.met,
        },
        "text": digest_text(view),
    }


def _impact_json(impact: Any) -> list[dict[str, Any]] | None:
    if impact is None or not getattr(impact, "has_demand", True):
        return None
    return [
        {
            "date": d.day.isoformat(),
            "skill": d.skill,
            "sl_before": d.sl_before,
            "sl_after": d.sl_after,
            "short_before": d.short_before,
            "short_after": d.short_after,
        }
        for d in impact.days
        if d.changes
    ]


# --------------------------------------------------------------------------- the channel


def digest_notice(view: DigestView, attachment: str | None = None) -> Outgoing:
    """The digest for the team's channel (with the chart file, when there is one)."""
    w = digest_words(view)
    return Outgoing(
        to=None,
        text=digest_text(view, w),
        kind="digest",
        lang=w.lang,
        channel=True,
        team=view.team,
        attachment=attachment,
        key=f"digest:{view.team}:{view.day.isoformat()}",
    )


def alert_notice(found: Intraday, level: str, rows: Sequence[IntervalRow]) -> Outgoing:
    """One alert for the team's channel: the intervals at ``level`` and who could cover."""
    w = words(found.lang, found.skill_names)
    share = CRITICAL_SHARE if level == "critical" else WARNING_SHARE
    lines = [w(f"alert.{level}", team=found.team, share=share, target=found.target_service_level)]
    step = {r.row.start: r.end for r in found.risks}
    for row in rows:
        lines.append(
            "  "
            + w(
                "alert.line",
                skill=row.skill,
                hours=_hours(row.start, step.get(row.start, row.start)),
                sl=row.service_level,
                scheduled=float(row.scheduled),
                required=row.required,
            )
        )
    lines.append(w("cover.head"))
    lines += cover_lines(found.cover, w)
    return Outgoing(
        to=None,
        text=clip_lines(lines, w) if sum(map(len, lines)) > MAX_REPLY else "\n".join(lines),
        kind=f"alert_{level}",
        lang=w.lang,
        channel=True,
        team=found.team,
    )


def reminder_notices(reminder: Reminder) -> list[Outgoing]:
    """The reminder for each person who must act, in their language, with the buttons."""
    out = []
    for person in reminder.recipients:
        w = words(person.lang, reminder.skill_names)
        rw = RequestWords(w)
        key = "reminder.counterpart" if "accept" in reminder.actions else "reminder.lead"
        text = w(
            key, line=rw.describe(reminder.request), hours=reminder.hours, id=reminder.request.id
        )
        out.append(
            Outgoing(
                to=person.agent_id,
                text=text,
                buttons=buttons_for(reminder.actions, reminder.request.id, w),
                kind="reminder",
                request_id=reminder.request.id,
                lang=w.lang,
                team=reminder.team,
            )
        )
    return out
