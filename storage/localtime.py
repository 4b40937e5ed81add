"""Conversions between a team's local wall-clock time and UTC instants."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


class LocalTimeError(ValueError):
    """A wall-clock time that does not exist in the zone (the hour skipped by a DST change)."""


def to_utc(day: date, clock: time, tz: ZoneInfo) -> datetime:
    """The UTC instant of ``clock`` on ``day`` in ``tz``.

    A time skipped by a spring-forward change is refused; a repeated time (autumn) is
    read as its first occurrence.
    """
    local = datetime.combine(day, clock).replace(tzinfo=tz, fold=0)
    instant = local.astimezone(UTC)
    if instant.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise LocalTimeError(f"{clock:%H:%M} does not exist on {day.isoformat()} in {tz.key}")
    return instant


def shift_instants(day: date, start: time, end: time, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """Start and end instants of a shift; ``end <= start`` means it ends the next day."""
    start_utc = to_utc(day, start, tz)
    end_day = day + timedelta(days=1) if end <= start else day
    return start_utc, to_utc(end_day, end, tz)


def local_day_bounds(day: date, tz: ZoneInfo) -> tuple[datetime, datetime]:
    """The UTC instants at which local ``day`` starts and the next local day starts."""
    start = datetime.combine(day, time(0)).replace(tzinfo=tz).astimezone(UTC)
    end = datetime.combine(day + timedelta(days=1), time(0)).replace(tzinfo=tz).astimezone(UTC)
    return start, end


def parse_hhmm(text: str) -> time:
    """``HH:MM`` (00:00–23:59, also 24:00 read as midnight) to a ``time``."""
    text = text.strip()
    parts = text.split(":")
    if len(parts) != 2 or not all(p.isdigit() for p in parts) or len(parts[1]) != 2:
        raise ValueError(f"{text!r} is not a time in HH:MM form")
    hours, minutes = int(parts[0]), int(parts[1])
    if (hours, minutes) == (24, 0):
        return time(0)
    if not (0 <= hours <= 23 and 0 <= minutes <= 59):
        raise ValueError(f"{text!r} is not a time of day (00:00–23:59)")
    return time(hours, minutes)
