"""Roster rules: every rule passes at its limit and breaks just past it."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.i18n import catalog_ids, words
from planner.model import AgentInfo, Demand, Leave, ServiceTarget, Shift, TeamRules, Window
from planner.rules import RULE_KEYS, ChangeKind, RosterChange, RosterContext, Violation
from planner.rules import validate as validate_change

TPE = ZoneInfo("Asia/Taipei")
BERLIN = ZoneInfo("Europe/Berlin")
_ids = itertools.count(1)


def agent(agent_id: str, *skills: str) -> AgentInfo:
    return AgentInfo(agent_id=agent_id, name=agent_id.capitalize(), skills=frozenset(skills))


AGENTS = {
    a.agent_id: a
    for a in (
        agent("alice", "cards"),
        agent("bob", "cards"),
        agent("carol", "cards", "loans"),
        agent("dave", "loans"),
    )
}


def local(text: str, tz: ZoneInfo = TPE) -> datetime:
    """``YYYY-MM-DD HH:MM`` local to ``tz`` as an aware UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=tz).astimezone(UTC)


def make_shift(
    agent_id: str,
    day: str,
    start: str,
    end: str,
    skill: str = "cards",
    tz: ZoneInfo = TPE,
    breaks: Sequence[tuple[str, str]] = (),
    shift_id: int | None = -1,
) -> Shift:
    """A shift from local wall-clock times; ``end <= start`` ends the next day."""
    d = date.fromisoformat(day)
    begin = datetime.combine(d, time.fromisoformat(start), tzinfo=tz)
    end_day = d + timedelta(days=1) if end <= start else d
    finish = datetime.combine(end_day, time.fromisoformat(end), tzinfo=tz)
    windows = []
    for b_start, b_end in breaks:
        b0 = datetime.combine(d, time.fromisoformat(b_start), tzinfo=tz)
        b1 = datetime.combine(d, time.fromisoformat(b_end), tzinfo=tz)
        windows.append(Window(b0.astimezone(UTC), b1.astimezone(UTC)))
    return Shift(
        agent_id=agent_id,
        local_date=d,
        start=begin.astimezone(UTC),
        end=finish.astimezone(UTC),
        skill=skill,
        breaks=tuple(windows),
        id=next(_ids) if shift_id == -1 else shift_id,
    )


def make_context(
    shifts: Iterable[Shift],
    *,
    leaves: Iterable[Leave] = (),
    now: datetime | None = None,
    rules: TeamRules | None = None,
    tz: ZoneInfo = TPE,
    agents: dict[str, AgentInfo] | None = None,
    demand: Demand | None = None,
    target: ServiceTarget | None = None,
) -> RosterContext:
    return RosterContext(
        tz=tz,
        rules=rules or TeamRules(),
        target=target or ServiceTarget(),
        agents=agents if agents is not None else AGENTS,
        shifts=tuple(shifts),
        leaves=tuple(leaves),
        now=now or local("2026-01-01 09:00"),
        demand=demand,
    )


def give(
    shift: Shift, to: str, kind: ChangeKind = "giveaway", by_lead: bool = False
) -> RosterChange:
    return RosterChange(
        kind=kind,
        requester=shift.agent_id,
        remove=(shift,),
        add=(shift.reassigned(to),),
        by_lead=by_lead,
    )


def swap(mine: Shift, theirs: Shift) -> RosterChange:
    return RosterChange(
        kind="swap",
        requester=mine.agent_id,
        remove=(mine, theirs),
        add=(mine.reassigned(theirs.agent_id), theirs.reassigned(mine.agent_id)),
    )


EN, ZH = words("en"), words("zh-Hant")


def _plain_values(value: object, tz: ZoneInfo) -> None:
    """Params hold plain values; every datetime is local to the team's zone."""
    if isinstance(value, datetime):
        assert value.tzinfo is tz, value
    elif isinstance(value, list | tuple):
        for item in value:
            _plain_values(item, tz)
    else:
        assert isinstance(value, str | int | float | date), value


def assert_worded(v: Violation, tz: ZoneInfo) -> None:
    """The violation names its sentence, and the catalog words it as ``message`` says."""
    assert v.rule in RULE_KEYS and v.code.split(".")[0] == v.rule
    for value in v.params.values():
        _plain_values(value, tz)
    assert EN("rule." + v.code, **v.params) == v.message
    assert ZH("rule." + v.code, **v.params).startswith(v.rule + "：")


def validate(change: RosterChange, ctx: RosterContext) -> list[Violation]:
    found = validate_change(change, ctx)
    for v in found:
        assert_worded(v, ctx.tz)
    return found


def rules_of(violations: Iterable[Violation]) -> list[str]:
    return [v.rule for v in violations]


def lines(violations: Iterable[Violation]) -> list[str]:
    return [v.message for v in violations]


def messages(violations: Iterable[Violation], rule: str) -> list[str]:
    return [v.message for v in violations if v.rule == rule]


# --- min_rest_hours -------------------------------------------------------------------------


def test_rest_of_exactly_the_minimum_passes() -> None:
    bob_thu = make_shift("bob", "2026-11-26", "14:00", "22:00")
    alice_fri = make_shift("alice", "2026-11-27", "09:00", "17:00")
    ctx = make_context([bob_thu, alice_fri])
    assert validate(give(alice_fri, "bob"), ctx) == []


def test_rest_half_an_hour_short_is_refused_with_both_times() -> None:
    bob_thu = make_shift("bob", "2026-11-26", "14:00", "22:00")
    alice_fri = make_shift("alice", "2026-11-27", "08:30", "16:30")
    ctx = make_context([bob_thu, alice_fri])
    assert lines(validate(give(alice_fri, "bob"), ctx)) == [
        "min_rest_hours: Bob would have 10.5 h between Thu 22:00 and Fri 08:30; "
        "the minimum is 11 h",
    ]


def test_rest_across_midnight_from_a_late_to_an_early_shift_is_nine_hours() -> None:
    bob_late = make_shift("bob", "2026-11-26", "14:00", "23:00")
    alice_early = make_shift("alice", "2026-11-27", "08:00", "16:00")
    ctx = make_context([bob_late, alice_early])
    assert messages(validate(give(alice_early, "bob"), ctx), "min_rest_hours") == [
        "min_rest_hours: Bob would have 9 h between Thu 23:00 and Fri 08:00; the minimum is 11 h"
    ]


def test_rest_after_the_added_shift_is_checked_too() -> None:
    bob_sat = make_shift("bob", "2026-11-28", "06:00", "14:00")
    alice_fri = make_shift("alice", "2026-11-27", "14:00", "22:00")
    ctx = make_context([bob_sat, alice_fri])
    assert messages(validate(give(alice_fri, "bob"), ctx), "min_rest_hours") == [
        "min_rest_hours: Bob would have 8 h between Fri 22:00 and Sat 06:00; the minimum is 11 h"
    ]


def test_hours_are_shown_with_at_most_one_decimal() -> None:
    bob_thu = make_shift("bob", "2026-11-26", "14:00", "22:00")
    alice_fri = make_shift("alice", "2026-11-27", "02:56", "10:00")
    ctx = make_context([bob_thu, alice_fri])
    assert messages(validate(give(alice_fri, "bob"), ctx), "min_rest_hours") == [
        "min_rest_hours: Bob would have 4.9 h between Thu 22:00 and Fri 02:56; the minimum is 11 h"
    ]


def test_a_rest_just_under_the_minimum_never_shows_as_the_minimum() -> None:
    bob_thu = make_shift("bob", "2026-11-26", "14:00", "22:00")
    alice_fri = make_shift("alice", "2026-11-27", "08:59", "16:00")
    ctx = make_context([bob_thu, alice_fri])
    (found,) = validate(give(alice_fri, "bob"), ctx)
    assert found.params["rest"] == 10.9
    assert found.message == (
        "min_rest_hours: Bob would have 10.9 h between Thu 22:00 and Fri 08:59; the minimum is 11 h"
    )


def test_rest_reads_naturally_in_chinese() -> None:
    bob_thu = make_shift("bob", "2026-11-26", "14:00", "22:00")
    alice_fri = make_shift("alice", "2026-11-27", "08:30", "16:30")
    (found,) = validate(give(alice_fri, "bob"), make_context([bob_thu, alice_fri]))
    assert ZH("rule." + found.code, **found.params) == (
        "min_rest_hours：Bob 在 週四 22:00 到 週五 08:30 之間只休息 10.5 小時，至少需要 11 小時"
    )
    assert words("zh-Hans")("rule." + found.code, **found.params) == (
        "min_rest_hours：Bob 在 周四 22:00 到 周五 08:30 之间只休息 10.5 小时，至少需要 11 小时"
    )


def test_rest_uses_the_team_rule_not_the_default() -> None:
    bob_late = make_shift("bob", "2026-11-26", "14:00", "23:00")
    alice_early = make_shift("alice", "2026-11-27", "08:00", "16:00")
    ctx = make_context([bob_late, alice_early], rules=TeamRules(min_rest_hours=9))
    assert validate(give(alice_early, "bob"), ctx) == []


# --- DST (Europe/Berlin, clocks go from 02:00 to 03:00 on Sun 29 Mar 2026) -------------------


def test_a_night_shift_across_spring_forward_is_seven_paid_hours() -> None:
    night = make_shift("alice", "2026-03-28", "22:00", "06:00", tz=BERLIN)
    assert night.hours == 7.0


def test_rest_across_spring_forward_is_measured_on_real_instants() -> None:
    bob_sat = make_shift("bob", "2026-03-28", "13:00", "23:00", tz=BERLIN)
    alice_sun = make_shift("alice", "2026-03-29", "09:00", "17:00", tz=BERLIN)
    ctx = make_context([bob_sat, alice_sun], tz=BERLIN, rules=TeamRules(min_rest_hours=10))
    assert lines(validate(give(alice_sun, "bob"), ctx)) == [
        "min_rest_hours: Bob would have 9 h between Sat 23:00 and Sun 09:00; the minimum is 10 h",
    ]


def _berlin_week(agent_id: str, hours_each: Sequence[tuple[str, str]]) -> list[Shift]:
    days = ["2026-03-23", "2026-03-24", "2026-03-25", "2026-03-26", "2026-03-27"]
    return [
        make_shift(agent_id, d, s, e, tz=BERLIN) for d, (s, e) in zip(days, hours_each, strict=True)
    ]


def test_weekly_hours_in_the_dst_week_count_the_short_night_as_seven_hours() -> None:
    bob = _berlin_week("bob", [("06:00", "14:00")] * 4 + [("06:00", "15:00")])
    assert sum(s.hours for s in bob) == 41
    night = make_shift("alice", "2026-03-28", "22:00", "06:00", tz=BERLIN)
    ctx = make_context([*bob, night], tz=BERLIN)
    assert validate(give(night, "bob"), ctx) == []


def test_weekly_hours_in_the_dst_week_break_half_an_hour_past_the_limit() -> None:
    bob = _berlin_week("bob", [("06:00", "14:00")] * 4 + [("06:00", "15:30")])
    night = make_shift("alice", "2026-03-28", "22:00", "06:00", tz=BERLIN)
    ctx = make_context([*bob, night], tz=BERLIN)
    assert lines(validate(give(night, "bob"), ctx)) == [
        "max_weekly_hours: Bob would work 48.5 h in the week of Mon 23 Mar; the maximum is 48 h",
    ]


# --- max_weekly_hours -----------------------------------------------------------------------


def _bob_mon_to_thu(end: str = "18:00") -> list[Shift]:
    return [
        make_shift("bob", d, "08:00", end)
        for d in ("2026-11-23", "2026-11-24", "2026-11-25", "2026-11-26")
    ]


def test_weekly_hours_exactly_at_the_maximum_pass() -> None:
    sat = make_shift("alice", "2026-11-28", "08:00", "16:00")
    ctx = make_context([*_bob_mon_to_thu(), sat])
    assert validate(give(sat, "bob"), ctx) == []


def test_weekly_hours_half_an_hour_over_the_maximum_are_refused() -> None:
    sat = make_shift("alice", "2026-11-28", "08:00", "16:30")
    ctx = make_context([*_bob_mon_to_thu(), sat])
    assert lines(validate(give(sat, "bob"), ctx)) == [
        "max_weekly_hours: Bob would work 48.5 h in the week of Mon 23 Nov; the maximum is 48 h",
    ]


def test_a_sunday_night_shift_counts_in_the_week_it_starts() -> None:
    sun_night = make_shift("alice", "2026-11-29", "22:00", "06:30")
    ctx = make_context([*_bob_mon_to_thu(), sun_night])
    assert messages(validate(give(sun_night, "bob"), ctx), "max_weekly_hours") == [
        "max_weekly_hours: Bob would work 48.5 h in the week of Mon 23 Nov; the maximum is 48 h"
    ]


def test_a_shift_in_the_next_iso_week_does_not_count_towards_this_one() -> None:
    next_mon = make_shift("alice", "2026-11-30", "08:00", "18:00")
    bob = [*_bob_mon_to_thu(), make_shift("bob", "2026-11-27", "08:00", "18:00")]
    ctx = make_context([*bob, next_mon])
    assert validate(give(next_mon, "bob"), ctx) == []


def test_giving_away_a_shift_from_an_overfull_week_is_not_refused_for_hours() -> None:
    bob = [*_bob_mon_to_thu(end="20:00"), make_shift("bob", "2026-11-27", "08:00", "20:00")]
    assert sum(s.hours for s in bob) == 60
    ctx = make_context(bob)
    assert validate(give(bob[-1], "alice"), ctx) == []


# --- max_consecutive_days -------------------------------------------------------------------


def _days(agent_id: str, days: Iterable[int]) -> list[Shift]:
    return [make_shift(agent_id, f"2026-11-{d:02d}", "08:00", "14:00") for d in days]


def test_six_days_in_a_row_pass() -> None:
    sat = make_shift("alice", "2026-11-28", "08:00", "14:00")
    ctx = make_context([*_days("bob", range(23, 28)), sat])
    assert validate(give(sat, "bob"), ctx) == []


def test_a_seventh_day_in_a_row_is_refused() -> None:
    sun = make_shift("alice", "2026-11-29", "08:00", "14:00")
    ctx = make_context([*_days("bob", range(23, 29)), sun])
    assert lines(validate(give(sun, "bob"), ctx)) == [
        "max_consecutive_days: Bob would work 7 days in a row, Mon 23 Nov to Sun 29 Nov; "
        "the maximum is 6",
    ]


def test_a_day_that_joins_two_runs_is_judged_on_the_joined_run() -> None:
    thu = make_shift("alice", "2026-11-26", "08:00", "14:00")
    ctx = make_context([*_days("bob", (23, 24, 25, 27, 28, 29)), thu])
    assert messages(validate(give(thu, "bob"), ctx), "max_consecutive_days") == [
        "max_consecutive_days: Bob would work 7 days in a row, Mon 23 Nov to Sun 29 Nov; "
        "the maximum is 6"
    ]


def test_a_second_shift_on_a_day_already_worked_does_not_lengthen_the_run() -> None:
    evening = make_shift("alice", "2026-11-25", "20:00", "23:00")
    ctx = make_context([*_days("bob", range(22, 30)), evening], rules=TeamRules(min_rest_hours=6))
    assert validate(give(evening, "bob"), ctx) == []


# --- swap_cutoff_hours ----------------------------------------------------------------------


def test_a_giveaway_exactly_at_the_cutoff_passes() -> None:
    fri = make_shift("alice", "2026-11-27", "08:00", "16:00")
    ctx = make_context([fri], now=local("2026-11-26 20:00"))
    assert validate(give(fri, "bob"), ctx) == []


def test_a_giveaway_half_an_hour_inside_the_cutoff_is_refused() -> None:
    fri = make_shift("alice", "2026-11-27", "08:00", "16:00")
    ctx = make_context([fri], now=local("2026-11-26 20:30"))
    assert lines(validate(give(fri, "bob"), ctx)) == [
        "swap_cutoff_hours: Alice's Fri 08:00–16:00 shift starts in 11.5 h; "
        "changes need 12 h notice unless a lead makes them",
    ]


def test_a_lead_may_reassign_inside_the_cutoff() -> None:
    fri = make_shift("alice", "2026-11-27", "08:00", "16:00")
    ctx = make_context([fri], now=local("2026-11-27 07:00"))
    assert validate(give(fri, "bob", kind="cover", by_lead=True), ctx) == []


def test_a_shift_that_already_started_cannot_be_given_away() -> None:
    fri = make_shift("alice", "2026-11-27", "08:00", "16:00")
    ctx = make_context([fri], now=local("2026-11-27 09:00"))
    assert messages(validate(give(fri, "bob"), ctx), "swap_cutoff_hours") == [
        "swap_cutoff_hours: Alice's Fri 08:00–16:00 shift has already started"
    ]


def test_both_shifts_of_a_swap_are_held_to_the_cutoff() -> None:
    alice_sat = make_shift("alice", "2026-11-28", "08:00", "16:00")
    bob_fri = make_shift("bob", "2026-11-27", "08:00", "16:00")
    ctx = make_context([alice_sat, bob_fri], now=local("2026-11-27 00:00"))
    assert messages(validate(swap(alice_sat, bob_fri), ctx), "swap_cutoff_hours") == [
        "swap_cutoff_hours: Bob's Fri 08:00–16:00 shift starts in 8 h; "
        "changes need 12 h notice unless a lead makes them"
    ]


def test_leave_is_not_held_to_the_swap_cutoff() -> None:
    fri = make_shift("alice", "2026-11-27", "08:00", "16:00")
    ctx = make_context([fri], now=local("2026-11-27 07:00"))
    change = RosterChange(
        kind="leave", requester="alice", remove=(fri,), leaves=(Leave("alice", fri.local_date),)
    )
    assert validate(change, ctx) == []


# --- max_off_per_day ------------------------------------------------------------------------

FRI = date(2026, 11, 27)


def _leave(agent_id: str, day: date = FRI) -> RosterChange:
    return RosterChange(kind="leave", requester=agent_id, leaves=(Leave(agent_id, day),))


def test_leave_up_to_the_daily_maximum_passes() -> None:
    ctx = make_context([], leaves=[Leave("alice", FRI)])
    assert validate(_leave("bob"), ctx) == []


def test_leave_past_the_daily_maximum_is_refused_naming_who_is_off() -> None:
    ctx = make_context([], leaves=[Leave("alice", FRI), Leave("carol", FRI)])
    assert lines(validate(_leave("bob"), ctx)) == [
        "max_off_per_day: 3 people would be off on Fri 27 Nov (Alice, Carol and Bob); "
        "the maximum is 2",
    ]


def test_leave_on_another_day_does_not_count() -> None:
    ctx = make_context([], leaves=[Leave("alice", FRI), Leave("carol", date(2026, 11, 28))])
    assert validate(_leave("bob"), ctx) == []


def test_asking_again_for_leave_already_approved_is_not_refused() -> None:
    ctx = make_context([], leaves=[Leave("alice", FRI), Leave("carol", FRI), Leave("bob", FRI)])
    assert validate(_leave("bob"), ctx) == []


def test_a_leave_range_reports_each_full_day() -> None:
    sat = date(2026, 11, 28)
    ctx = make_context([], leaves=[Leave("alice", sat), Leave("carol", sat)])
    change = RosterChange(
        kind="leave", requester="bob", leaves=(Leave("bob", FRI), Leave("bob", sat))
    )
    assert messages(validate(change, ctx), "max_off_per_day") == [
        "max_off_per_day: 3 people would be off on Sat 28 Nov (Alice, Carol and Bob); "
        "the maximum is 2"
    ]


# --- skill ----------------------------------------------------------------------------------


def test_a_shift_in_a_queue_the_taker_works_passes() -> None:
    loans = make_shift("dave", "2026-11-27", "08:00", "16:00", skill="loans")
    ctx = make_context([loans])
    assert validate(give(loans, "carol"), ctx) == []


def test_a_shift_in_a_queue_the_taker_lacks_is_refused() -> None:
    loans = make_shift("dave", "2026-11-27", "08:00", "16:00", skill="loans")
    ctx = make_context([loans])
    assert lines(validate(give(loans, "bob"), ctx)) == [
        "skill: Bob does not have loans, needed for Fri 08:00–16:00"
    ]


# --- overlap --------------------------------------------------------------------------------


def test_back_to_back_shifts_do_not_overlap() -> None:
    bob_morning = make_shift("bob", "2026-11-27", "08:00", "12:00")
    alice_afternoon = make_shift("alice", "2026-11-27", "12:00", "16:00")
    ctx = make_context([bob_morning, alice_afternoon], rules=TeamRules(min_rest_hours=0))
    assert validate(give(alice_afternoon, "bob"), ctx) == []


def test_overlapping_shifts_are_refused() -> None:
    bob_morning = make_shift("bob", "2026-11-27", "08:00", "12:30")
    alice_afternoon = make_shift("alice", "2026-11-27", "12:00", "16:00")
    ctx = make_context([bob_morning, alice_afternoon], rules=TeamRules(min_rest_hours=0))
    assert lines(validate(give(alice_afternoon, "bob"), ctx)) == [
        "overlap: Bob would work Fri 08:00–12:30 and Fri 12:00–16:00 at the same time",
    ]


def test_an_overlap_with_a_shift_of_the_same_times_names_it_once() -> None:
    bob = make_shift("bob", "2026-11-27", "08:00", "16:00")
    alice = make_shift("alice", "2026-11-27", "08:00", "16:00")
    ctx = make_context([bob, alice])
    (found,) = validate(give(alice, "bob"), ctx)
    assert found.code == "overlap.same_times"
    assert found.message == "overlap: Bob already works Fri 08:00–16:00"
    assert ZH("rule." + found.code, **found.params) == "overlap：Bob 已經有 週五 08:00–16:00 的班了"


def test_an_overlap_is_not_also_reported_as_short_rest() -> None:
    bob = make_shift("bob", "2026-11-27", "08:00", "16:00")
    alice = make_shift("alice", "2026-11-27", "10:00", "18:00")
    ctx = make_context([bob, alice])
    assert rules_of(validate(give(alice, "bob"), ctx)) == ["overlap"]


# --- on_leave -------------------------------------------------------------------------------


def test_a_shift_on_the_day_before_leave_passes() -> None:
    fri = make_shift("alice", "2026-11-27", "22:00", "06:00")
    ctx = make_context([fri], leaves=[Leave("bob", date(2026, 11, 28))])
    assert validate(give(fri, "bob"), ctx) == []


def test_a_shift_on_a_day_of_leave_is_refused() -> None:
    fri = make_shift("alice", "2026-11-27", "08:00", "16:00")
    ctx = make_context([fri], leaves=[Leave("bob", FRI)])
    assert lines(validate(give(fri, "bob"), ctx)) == [
        "on_leave: Bob is on leave on Fri 27 Nov, the day of Fri 08:00–16:00"
    ]


# --- no_shift -------------------------------------------------------------------------------


def test_swapping_with_a_counterpart_who_has_no_shift_that_day_is_refused() -> None:
    alice_fri = make_shift("alice", "2026-11-27", "08:00", "16:00")
    phantom = make_shift("bob", "2026-11-27", "08:00", "16:00")
    ctx = make_context([alice_fri])
    assert messages(validate(swap(alice_fri, phantom), ctx), "no_shift") == [
        "no_shift: Bob has no shift on Fri 27 Nov"
    ]


def test_days_are_written_without_a_leading_zero() -> None:
    alice_thu = make_shift("alice", "2026-12-03", "08:00", "16:00")
    phantom = make_shift("bob", "2026-12-03", "08:00", "16:00")
    found = validate(swap(alice_thu, phantom), make_context([alice_thu]))
    assert messages(found, "no_shift") == ["no_shift: Bob has no shift on Thu 3 Dec"]
    (no_shift,) = (v for v in found if v.rule == "no_shift")
    assert no_shift.code == "no_shift.no_shift_that_day"
    assert ZH("rule." + no_shift.code, **no_shift.params) == "no_shift：Bob 12/3(週四) 沒有班"


def test_a_swap_that_gives_the_counterpart_nothing_to_give_back_is_refused() -> None:
    alice_fri = make_shift("alice", "2026-11-27", "08:00", "16:00")
    change = RosterChange(
        kind="swap", requester="alice", remove=(alice_fri,), add=(alice_fri.reassigned("bob"),)
    )
    assert lines(validate(change, make_context([alice_fri]))) == [
        "no_shift: Bob has no shift to swap"
    ]


def test_giving_away_a_shift_someone_else_already_took_is_refused() -> None:
    fri = make_shift("alice", "2026-11-27", "08:00", "16:00")
    ctx = make_context([fri.reassigned("carol")])
    assert lines(validate(give(fri, "bob"), ctx)) == [
        "no_shift: Alice no longer has the Fri 08:00–16:00 shift; it is now Carol's",
    ]


def test_a_shift_moved_since_the_request_is_refused() -> None:
    fri = make_shift("alice", "2026-11-27", "08:00", "16:00")
    moved = make_shift("alice", "2026-11-27", "09:00", "17:00", shift_id=fri.id)
    ctx = make_context([moved])
    assert messages(validate(give(fri, "bob"), ctx), "no_shift") == [
        "no_shift: Alice's Fri 08:00–16:00 shift has changed to Fri 09:00–17:00"
    ]


def test_a_shift_without_id_is_found_by_agent_and_times() -> None:
    fri = make_shift("alice", "2026-11-27", "08:00", "16:00", shift_id=None)
    ctx = make_context([make_shift("alice", "2026-11-27", "08:00", "16:00", shift_id=None)])
    assert validate(give(fri, "bob"), ctx) == []


def test_a_missing_shift_on_a_day_worked_names_what_they_do_work() -> None:
    wanted = make_shift("alice", "2026-11-27", "08:00", "16:00", shift_id=None)
    ctx = make_context([make_shift("alice", "2026-11-27", "12:00", "20:00")])
    assert messages(validate(give(wanted, "bob"), ctx), "no_shift") == [
        "no_shift: Alice has no Fri 08:00–16:00 shift on Fri 27 Nov (they work Fri 12:00–20:00)"
    ]


def test_an_unknown_agent_is_refused_by_name() -> None:
    fri = make_shift("alice", "2026-11-27", "08:00", "16:00")
    ctx = make_context([fri])
    assert lines(validate(give(fri, "zed"), ctx)) == [
        "no_shift: there is no agent 'zed' in this team"
    ]


# --- several rules at once ------------------------------------------------------------------


def test_every_broken_rule_is_returned_in_the_documented_order() -> None:
    bob_week = _days("bob", range(21, 26))
    bob_thu_night = make_shift("bob", "2026-11-26", "22:00", "10:00")
    loans = make_shift("dave", "2026-11-27", "09:00", "17:00", skill="loans")
    ctx = make_context(
        [*bob_week, bob_thu_night, loans],
        leaves=[Leave("bob", FRI)],
        now=local("2026-11-27 01:00"),
    )
    found = validate(give(loans, "bob"), ctx)
    assert rules_of(found) == [
        "max_consecutive_days",
        "swap_cutoff_hours",
        "skill",
        "overlap",
        "on_leave",
    ]
    assert all(v.message.startswith(f"{v.rule}: ") for v in found)
    assert validate(give(loans, "bob"), ctx) == found


def test_a_clean_swap_passes() -> None:
    alice_fri = make_shift("alice", "2026-11-27", "08:00", "16:00")
    bob_sat = make_shift("bob", "2026-11-28", "08:00", "16:00")
    ctx = make_context([alice_fri, bob_sat])
    assert validate(swap(alice_fri, bob_sat), ctx) == []


def test_a_swap_checks_each_side_against_the_roster_after_the_swap() -> None:
    alice_thu = make_shift("alice", "2026-11-26", "14:00", "22:00")
    alice_sat = make_shift("alice", "2026-11-28", "08:00", "16:00")
    bob_fri = make_shift("bob", "2026-11-27", "06:00", "14:00")
    ctx = make_context([alice_thu, alice_sat, bob_fri])
    assert messages(validate(swap(alice_sat, bob_fri), ctx), "min_rest_hours") == [
        "min_rest_hours: Alice would have 8 h between Thu 22:00 and Fri 06:00; the minimum is 11 h"
    ]


# --- staffing -------------------------------------------------------------------------------

STAFF_DAY = "2026-11-27"


def _demand(calls: float, aht: float = 300.0, hours: tuple[int, int] = (8, 16)) -> Demand:
    first = local(f"{STAFF_DAY} {hours[0]:02d}:00")
    count = (hours[1] - hours[0]) * 2
    return Demand(
        interval_starts=tuple(first + timedelta(minutes=30 * i) for i in range(count)),
        interval_seconds=1800,
        calls={"cards": (calls,) * count},
        aht_seconds={"cards": (aht,) * count},
    )


def _required(demand: Demand, target: ServiceTarget) -> int:
    from planner.staffing import required_agents

    req = required_agents(
        np.asarray(demand.calls["cards"]),
        np.asarray(demand.aht_seconds["cards"]),
        demand.interval_seconds,
        target.service_level,
        target.target_seconds,
        target.max_occupancy,
    )
    return int(np.max(req))


def _staffed(count: int, start: str = "08:00", end: str = "16:00") -> tuple[dict, list[Shift]]:
    agents = {f"a{i:02d}": agent(f"a{i:02d}", "cards") for i in range(count)}
    shifts = [make_shift(a, STAFF_DAY, start, end) for a in agents]
    return agents, shifts


def _leave_removing(shift: Shift) -> RosterChange:
    return RosterChange(
        kind="leave",
        requester=shift.agent_id,
        remove=(shift,),
        leaves=(Leave(shift.agent_id, shift.local_date),),
    )


def test_leave_that_leaves_exactly_the_required_agents_passes() -> None:
    demand, target = _demand(60.0), ServiceTarget()
    required = _required(demand, target)
    agents, shifts = _staffed(required + 1)
    ctx = make_context(shifts, agents=agents, demand=demand, target=target)
    assert validate(_leave_removing(shifts[0]), ctx) == []


def _day_service_level(demand: Demand, shifts: Sequence[Shift], target: ServiceTarget) -> float:
    """The day's service level for cards as the ``staffing`` command computes it."""
    from planner.staffing import interval_table, weighted_service_level

    table = interval_table(demand, shifts, target)
    return weighted_service_level(table[table["skill"] == "cards"])


def _floor_percent(fraction: float) -> int:
    return int(np.floor(fraction * 100 + 1e-6))


def test_leave_that_drops_below_the_required_agents_is_refused_once_per_day() -> None:
    demand, target = _demand(60.0), ServiceTarget()
    required = _required(demand, target)
    agents, shifts = _staffed(required)
    ctx = make_context(shifts, agents=agents, demand=demand, target=target)
    found = validate(_leave_removing(shifts[0]), ctx)
    assert rules_of(found) == ["staffing"]
    (short,) = found
    before = _floor_percent(_day_service_level(demand, shifts, target))
    after = _floor_percent(_day_service_level(demand, shifts[1:], target))
    assert after < 80 <= before
    assert short.code == "staffing.short_intervals"
    assert short.message == (
        "staffing: cards would be short in 16 intervals, Fri 08:00–16:00; worst Fri 08:00–08:30 "
        f"with {required - 1} on the phones, {required} needed; "
        f"projected SL on Fri 27 Nov {before}% → {after}% (target 80%)"
    )
    assert short.params["count"] == 16 and short.params["required"] == required


def test_the_staffing_violation_names_the_worst_interval_of_the_day() -> None:
    demand, target = _demand(60.0), ServiceTarget()
    required = _required(demand, target)
    calls = list(demand.calls["cards"])
    calls[6] = 75.0  # 11:00-11:30 needs more agents than the others
    peak = Demand(demand.interval_starts, 1800, {"cards": tuple(calls)}, demand.aht_seconds)
    agents, shifts = _staffed(required)
    ctx = make_context(shifts, agents=agents, demand=peak, target=target)
    (short,) = validate(_leave_removing(shifts[0]), ctx)
    worst = short.params["worst"]
    assert isinstance(worst, tuple)
    assert [f"{t:%H:%M}" for t in worst] == ["11:00", "11:30"]
    assert short.params["required"] > required
    assert "worst Fri 11:00–11:30 with" in short.message


def test_one_short_interval_is_named_on_its_own() -> None:
    target = ServiceTarget()
    calls = [5.0] * 16
    calls[4] = 60.0  # 10:00-10:30
    base = _demand(60.0)
    demand = Demand(base.interval_starts, 1800, {"cards": tuple(calls)}, base.aht_seconds)
    required = _required(demand, target)
    agents, shifts = _staffed(required)
    ctx = make_context(shifts, agents=agents, demand=demand, target=target)
    (short,) = validate(_leave_removing(shifts[0]), ctx)
    before = _floor_percent(_day_service_level(demand, shifts, target))
    after = _floor_percent(_day_service_level(demand, shifts[1:], target))
    assert short.code == "staffing.short"
    assert short.message == (
        f"staffing: cards Fri 10:00–10:30 would drop to {required - 1} on the phones, "
        f"{required} needed; projected SL on Fri 27 Nov {before}% → {after}% (target 80%)"
    )
    assert ZH("rule.staffing.short", **short.params) == (
        f"staffing：cards 週五 10:00–10:30 線上人數會降到 {required - 1} 人，需要 {required} 人；"
        f"11/27(週五) 預估服務水準 {before}% → {after}%（目標 80%）"
    )


def test_staffing_only_judges_the_intervals_the_change_touches() -> None:
    demand, target = _demand(60.0, hours=(8, 20)), ServiceTarget()
    required = _required(demand, target)
    agents, shifts = _staffed(required + 1, "08:00", "12:00")
    late = make_shift("a00", STAFF_DAY, "16:00", "20:00")
    ctx = make_context([*shifts, late], agents=agents, demand=demand, target=target)
    assert validate(_leave_removing(shifts[1]), ctx) == []


def test_a_break_inside_the_removed_shift_is_not_counted_as_lost_coverage() -> None:
    demand, target = _demand(60.0), ServiceTarget()
    required = _required(demand, target)
    agents, shifts = _staffed(required)
    extra_id = f"a{required:02d}"
    agents[extra_id] = agent(extra_id, "cards")
    on_break = make_shift(extra_id, STAFF_DAY, "08:00", "16:00", breaks=[("08:00", "16:00")])
    ctx = make_context([*shifts, on_break], agents=agents, demand=demand, target=target)
    assert validate(_leave_removing(on_break), ctx) == []


def test_reassigning_a_shift_never_costs_coverage() -> None:
    demand, target = _demand(60.0), ServiceTarget()
    required = _required(demand, target)
    agents, shifts = _staffed(required)
    agents["spare"] = agent("spare", "cards")
    ctx = make_context(shifts, agents=agents, demand=demand, target=target)
    assert validate(give(shifts[0], "spare"), ctx) == []


def test_without_demand_the_staffing_rule_is_skipped() -> None:
    agents, shifts = _staffed(1)
    ctx = make_context(shifts, agents=agents)
    assert validate(_leave_removing(shifts[0]), ctx) == []


# --- properties -----------------------------------------------------------------------------

PROP_AGENTS = {
    a.agent_id: a
    for a in (agent("ann", "cards"), agent("ben", "cards", "loans"), agent("cat", "loans"))
}
PROP_START = date(2026, 3, 23)


@st.composite
def rosters(draw: st.DrawFn) -> list[Shift]:
    count = draw(st.integers(0, 14))
    out: list[Shift] = []
    seen: set[tuple[str, datetime]] = set()
    for n in range(count):
        who = draw(st.sampled_from([*PROP_AGENTS, "ghost"]))
        day = PROP_START + timedelta(days=draw(st.integers(0, 13)))
        start_h = draw(st.integers(0, 23))
        length = draw(st.integers(1, 12))
        skill = draw(st.sampled_from(["cards", "loans"]))
        begin = datetime.combine(day, time(start_h), tzinfo=BERLIN).astimezone(UTC)
        if (who, begin) in seen:
            continue
        seen.add((who, begin))
        sid = n + 1 if draw(st.booleans()) else None
        out.append(Shift(who, day, begin, begin + timedelta(hours=length), skill, id=sid))
    return out


@st.composite
def changes(draw: st.DrawFn, roster: list[Shift]) -> RosterChange:
    kinds: list[ChangeKind] = ["swap", "giveaway", "take", "leave", "cover"]
    kind = draw(st.sampled_from(kinds))
    fallback = Shift(
        "ann",
        PROP_START,
        local("2026-03-23 08:00", BERLIN),
        local("2026-03-23 16:00", BERLIN),
        "cards",
    )
    pool = roster or [fallback]
    removed = draw(st.lists(st.sampled_from(pool), max_size=2))
    targets = st.sampled_from([*PROP_AGENTS, "ghost"])
    added = [s.reassigned(draw(targets)) for s in removed]
    if kind == "cover" and not removed:
        added = [draw(st.sampled_from(pool)).reassigned(draw(targets))]
    leaves: tuple[Leave, ...] = ()
    if kind == "leave":
        leaves = tuple(
            Leave(draw(targets), PROP_START + timedelta(days=draw(st.integers(0, 13))))
            for _ in range(draw(st.integers(1, 3)))
        )
        added = []
    return RosterChange(
        kind=kind,
        requester=draw(targets),
        remove=tuple(removed),
        add=tuple(added),
        leaves=leaves,
        by_lead=draw(st.booleans()),
    )


def _prop_demand() -> Demand:
    first = datetime.combine(PROP_START, time(0), tzinfo=BERLIN).astimezone(UTC)
    count = 14 * 24
    return Demand(
        interval_starts=tuple(first + timedelta(hours=i) for i in range(count)),
        interval_seconds=3600,
        calls={"cards": tuple(float(i % 40) for i in range(count))},
        aht_seconds={"cards": (240.0,) * count},
    )


PROP_DEMAND = _prop_demand()


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), roster=rosters(), with_demand=st.booleans())
def test_validate_never_raises_and_reports_only_known_rules(
    data: st.DataObject, roster: list[Shift], with_demand: bool
) -> None:
    change = data.draw(changes(roster))
    leaves = data.draw(
        st.lists(
            st.builds(
                Leave,
                st.sampled_from(list(PROP_AGENTS)),
                st.integers(0, 13).map(lambda d: PROP_START + timedelta(days=d)),
            ),
            max_size=4,
        )
    )
    ctx = make_context(
        roster,
        leaves=leaves,
        tz=BERLIN,
        agents=PROP_AGENTS,
        now=local("2026-03-28 12:00", BERLIN),
        demand=PROP_DEMAND if with_demand else None,
    )
    found = validate(change, ctx)
    assert all(v.rule in RULE_KEYS for v in found)
    assert all(v.message.startswith(f"{v.rule}: ") and "\n" not in v.message for v in found)
    order = [RULE_KEYS.index(v.rule) for v in found]
    assert order == sorted(order)
    assert validate(change, ctx) == found


PROP_WORDS = sorted(
    {*PROP_AGENTS, *(a.name for a in PROP_AGENTS.values()), "ghost", "cards", "loans"},
    key=len,
    reverse=True,
)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), roster=rosters(), with_demand=st.booleans())
def test_every_violation_is_in_both_catalogs_and_reads_as_chinese(
    data: st.DataObject, roster: list[Shift], with_demand: bool
) -> None:
    change = data.draw(changes(roster))
    stale = data.draw(st.sampled_from(["as is", "other agent", "moved"]))
    if stale == "other agent":
        who = data.draw(st.sampled_from(list(PROP_AGENTS)))
        change = replace(change, remove=tuple(s.reassigned(who) for s in change.remove))
    elif stale == "moved":
        hour = timedelta(hours=1)
        change = replace(
            change,
            remove=tuple(replace(s, start=s.start + hour, end=s.end + hour) for s in change.remove),
        )
    leaves = data.draw(
        st.lists(
            st.builds(
                Leave,
                st.sampled_from(list(PROP_AGENTS)),
                st.integers(0, 13).map(lambda d: PROP_START + timedelta(days=d)),
            ),
            max_size=4,
        )
    )
    rules = TeamRules(
        min_rest_hours=data.draw(st.sampled_from([8.0, 11.0, 11.5])),
        max_weekly_hours=data.draw(st.sampled_from([10.0, 48.0])),
        max_consecutive_days=data.draw(st.integers(1, 6)),
        max_off_per_day=data.draw(st.integers(0, 2)),
    )
    ctx = make_context(
        roster,
        leaves=leaves,
        rules=rules,
        tz=BERLIN,
        agents=PROP_AGENTS,
        now=local("2026-03-28 12:00", BERLIN),
        demand=PROP_DEMAND if with_demand else None,
    )
    found = validate(change, ctx)
    en_ids, zh_ids = catalog_ids("en"), catalog_ids("zh-Hant")
    for v in found:
        key = "rule." + v.code
        assert key in en_ids and key in zh_ids
        zh = ZH(key, **v.params)
        assert zh.startswith(v.rule + "：")
        rest = zh.removeprefix(v.rule + "：")
        for word in PROP_WORDS:
            rest = rest.replace(word, "")
        assert not re.search("[A-Za-z]", rest), zh


@settings(max_examples=150, deadline=None)
@given(roster=rosters(), data=st.data())
def test_an_unchanged_shift_is_never_refused_even_on_a_roster_that_breaks_rules(
    roster: list[Shift], data: st.DataObject
) -> None:
    known = [s for s in roster if s.agent_id in PROP_AGENTS]
    if not known:
        return
    shift = data.draw(st.sampled_from(known))
    ctx = make_context(
        roster,
        tz=BERLIN,
        agents=PROP_AGENTS,
        now=local("2026-03-01 00:00", BERLIN),
        demand=PROP_DEMAND,
    )
    change = RosterChange(kind="cover", requester=shift.agent_id, remove=(shift,), add=(shift,))
    assert validate(change, ctx) == []


@settings(max_examples=100, deadline=None)
@given(roster=rosters(), data=st.data())
def test_removing_shifts_never_breaks_rest_hours_or_runs(
    roster: list[Shift], data: st.DataObject
) -> None:
    known = [s for s in roster if s.agent_id in PROP_AGENTS]
    removed = data.draw(st.lists(st.sampled_from(known), max_size=3)) if known else []
    ctx = make_context(roster, tz=BERLIN, agents=PROP_AGENTS, now=local("2026-03-01 00:00"))
    change = RosterChange(kind="giveaway", requester="ann", remove=tuple(removed))
    found = rules_of(validate(change, ctx))
    assert not {"min_rest_hours", "max_weekly_hours", "max_consecutive_days"} & set(found)


def test_adding_a_shift_the_agent_already_has_replaces_it_instead_of_overlapping() -> None:
    fri = make_shift("alice", "2026-11-27", "08:00", "16:00")
    ctx = make_context([fri])
    change = RosterChange(kind="cover", requester="alice", add=(fri.reassigned("alice"),))
    assert validate(change, ctx) == []


@pytest.mark.parametrize("kind", ["giveaway", "take", "cover"])
def test_the_kinds_that_hand_a_shift_over_share_the_rules(kind: ChangeKind) -> None:
    fri = make_shift("alice", "2026-11-27", "08:30", "16:30")
    bob_thu = make_shift("bob", "2026-11-26", "14:00", "22:00")
    ctx = make_context([fri, bob_thu])
    assert rules_of(validate(give(fri, "bob", kind=kind), ctx)) == ["min_rest_hours"]


def test_a_lead_acting_for_the_team_need_not_be_one_of_its_agents() -> None:
    fri = make_shift("alice", "2026-11-27", "08:00", "16:00")
    change = RosterChange(
        kind="cover",
        requester="boss",
        remove=(fri,),
        add=(fri.reassigned("bob"),),
        by_lead=True,
    )
    assert validate(change, make_context([fri])) == []
    unknown = RosterChange(kind="cover", requester="boss", remove=(fri,), add=(fri,))
    assert messages(validate(unknown, make_context([fri])), "no_shift") == [
        "no_shift: there is no agent 'boss' in this team"
    ]


def test_validate_on_a_500_agent_roster_finds_the_one_broken_rule() -> None:
    agents = {f"a{i:03d}": agent(f"a{i:03d}", "cards") for i in range(500)}
    first = date(2026, 11, 9)
    roster = [
        make_shift(a, (first + timedelta(days=d)).isoformat(), "08:00", "16:00")
        for a in agents
        for d in range(35)
        if (first + timedelta(days=d)).weekday() < 5
    ]
    ctx = make_context(roster, agents=agents)
    fri = next(s for s in roster if s.agent_id == "a000" and s.local_date == FRI)
    change = give(fri, "a001")
    assert rules_of(validate(change, ctx)) == ["overlap"]
