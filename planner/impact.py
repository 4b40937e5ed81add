"""Staffing impact of a roster change (provisional; replaced by the full module)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from planner.model import Demand, ServiceTarget, Shift
from planner.staffing import interval_table


@dataclass(frozen=True)
class IntervalChange:
    start: datetime
    skill: str
    required: int
    before: float
    after: float


@dataclass(frozen=True)
class DayImpact:
    day: date
    skill: str
    changes: tuple[IntervalChange, ...]
    sl_before: float
    sl_after: float
    short_before: int
    short_after: int
    worst: IntervalChange | None


@dataclass(frozen=True)
class Impact:
    days: tuple[DayImpact, ...]
    has_demand: bool = True

    @property
    def changed(self) -> bool:
        return any(d.changes for d in self.days)


def staffing_impact(
    demand: Demand,
    target: ServiceTarget,
    roster: Sequence[Shift],
    removed: Sequence[Shift],
    added: Sequence[Shift],
    tz: ZoneInfo,
) -> Impact:
    gone = {(s.id, s.agent_id, s.start) for s in removed}
    after_roster = [s for s in roster if (s.id, s.agent_id, s.start) not in gone] + list(added)
    before = interval_table(demand, roster, target)
    after = interval_table(demand, after_roster, target)
    days: list[DayImpact] = []
    merged = before.assign(
        after_sched=after["scheduled"].to_numpy(), after_sl=after["service_level"].to_numpy()
    )
    merged["local"] = merged["interval_start"].dt.tz_convert(tz)
    merged["day"] = merged["local"].dt.date
    for (day, skill), grp in merged.groupby(["day", "skill"], sort=True):
        calls = grp["calls"].to_numpy()
        w = calls.sum()
        slb = float((grp["service_level"] * calls).sum() / w) if w > 0 else 1.0
        sla = float((grp["after_sl"] * calls).sum() / w) if w > 0 else 1.0
        ch = [
            IntervalChange(
                r.local.to_pydatetime(),
                str(skill),
                int(r.required),
                float(r.scheduled),
                float(r.after_sched),
            )
            for r in grp.itertuples()
            if abs(r.scheduled - r.after_sched) > 1e-9
        ]
        if not ch:
            continue
        worst = min(ch, key=lambda c: c.after - c.required)
        days.append(
            DayImpact(
                day,
                str(skill),
                tuple(ch),
                slb,
                sla,
                int((grp["scheduled"] < grp["required"]).sum()),
                int((grp["after_sched"] < grp["required"]).sum()),
                worst,
            )
        )
    return Impact(tuple(days), bool(demand.interval_starts))
