"""Cover suggestions: who could work a freed shift, best first."""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from planner.cover import CoverCandidate, suggest_cover
from planner.model import AgentInfo, Leave, ServiceTarget, Shift, TeamRules
from planner.rules import RosterChange, RosterContext, validate

TPE = ZoneInfo("Asia/Taipei")
_ids = itertools.count(1000)


def agent(agent_id: str, *skills: str) -> AgentInfo:
    return AgentInfo(agent_id=agent_id, name=agent_id.capitalize(), skills=frozenset(skills))


def make_shift(agent_id: str, day: str, start: str, end: str, skill: str = "cards") -> Shift:
    d = date.fromisoformat(day)
    begin = datetime.combine(d, time.fromisoformat(start), tzinfo=TPE)
    end_day = d + timedelta(days=1) if end <= start else d
    finish = datetime.combine(end_day, time.fromisoformat(end), tzinfo=TPE)
    return Shift(agent_id, d, begin.astimezone(UTC), finish.astimezone(UTC), skill, id=next(_ids))


def week(
    agent_id: str, days: Iterable[int], start: str = "08:00", end: str = "16:00"
) -> list[Shift]:
    return [make_shift(agent_id, f"2026-11-{d:02d}", start, end) for d in days]


def make_context(
    shifts: Iterable[Shift],
    agents: Iterable[AgentInfo],
    leaves: Iterable[Leave] = (),
    rules: TeamRules | None = None,
) -> RosterContext:
    return RosterContext(
        tz=TPE,
        rules=rules or TeamRules(),
        target=ServiceTarget(),
        agents={a.agent_id: a for a in agents},
        shifts=tuple(shifts),
        leaves=tuple(leaves),
        now=datetime(2026, 1, 1, tzinfo=UTC),
    )


SICK = make_shift("alice", "2026-11-27", "08:00", "16:00")
FRI = date(2026, 11, 27)

TEAM = [
    agent("alice", "cards"),
    agent("bob", "cards"),
    agent("carol", "cards", "loans"),
    agent("dave", "loans"),
    agent("erin", "cards"),
    agent("frank", "cards"),
    agent("gina", "cards"),
    agent("hank", "cards"),
    agent("ivy", "cards"),
    agent("jack", "cards"),
    agent("kate", "cards"),
    agent("leo", "cards"),
]

ROSTER = [
    SICK,
    *week("bob", (23, 24, 25, 26)),
    *week("carol", (23, 24, 25)),
    *week("erin", (23,)),
    *week("frank", (27,), "12:00", "20:00"),
    *week("gina", (26,), "14:00", "23:00"),
    *week("hank", (23, 24, 26)),
    *week("jack", (23, 24, 26)),
    *week("kate", (23, 24, 25, 26), "06:00", "17:00"),
    *week("leo", range(21, 27), "06:00", "12:00"),
]

CTX = make_context(ROSTER, TEAM, leaves=[Leave("erin", FRI)])


def ids(candidates: Iterable[CoverCandidate]) -> list[str]:
    return [c.agent_id for c in candidates]


def test_candidates_are_ranked_by_week_hours_then_rest_then_id() -> None:
    assert ids(suggest_cover(SICK, CTX, limit=10)) == ["ivy", "carol", "hank", "jack", "bob"]


def test_who_cannot_work_the_shift_is_not_suggested() -> None:
    suggested = set(ids(suggest_cover(SICK, CTX, limit=50)))
    assert "alice" not in suggested  # frees the shift
    assert "dave" not in suggested  # lacks cards
    assert "erin" not in suggested  # on leave
    assert "frank" not in suggested  # overlapping shift
    assert "gina" not in suggested  # 9 h rest only
    assert "kate" not in suggested  # 52 h that week
    assert "leo" not in suggested  # 7 days in a row


def test_excluded_agents_and_the_limit_are_respected() -> None:
    assert ids(suggest_cover(SICK, CTX, exclude=["ivy", "hank"], limit=2)) == ["carol", "jack"]
    assert suggest_cover(SICK, CTX, limit=0) == []


def test_each_candidate_says_why_they_qualify() -> None:
    by_id = {c.agent_id: c for c in suggest_cover(SICK, CTX, limit=10)}
    assert by_id["hank"] == CoverCandidate(
        agent_id="hank",
        name="Hank",
        week_hours=24.0,
        rest_hours=16.0,
        reasons=("has cards", "24 h this week", "16 h rest before"),
    )
    assert by_id["ivy"].rest_hours is None
    assert by_id["ivy"].reasons == ("has cards", "0 h this week", "no shift next to it")
    assert by_id["carol"].rest_hours == 40.0


def test_rest_after_the_shift_counts_and_the_shorter_side_ranks() -> None:
    sat = make_shift("bob", "2026-11-28", "03:00", "11:00")
    ctx = make_context([SICK, sat], [agent("alice", "cards"), agent("bob", "cards")])
    (bob,) = suggest_cover(SICK, ctx)
    assert bob.rest_hours == 11.0
    assert bob.reasons == ("has cards", "8 h this week", "11 h rest after")


def test_rest_exactly_at_the_minimum_is_enough() -> None:
    thu = make_shift("bob", "2026-11-26", "13:00", "21:00")
    ctx = make_context([SICK, thu], [agent("alice", "cards"), agent("bob", "cards")])
    assert ids(suggest_cover(SICK, ctx)) == ["bob"]
    tight = make_context(
        [SICK, thu],
        [agent("alice", "cards"), agent("bob", "cards")],
        rules=TeamRules(min_rest_hours=11.5),
    )
    assert suggest_cover(SICK, tight) == []


def test_every_suggestion_passes_validate_as_a_cover() -> None:
    for candidate in suggest_cover(SICK, CTX, limit=50):
        change = RosterChange(
            kind="cover",
            requester=candidate.agent_id,
            add=(SICK.reassigned(candidate.agent_id),),
        )
        assert validate(change, CTX) == []


def test_an_agent_with_no_matching_skill_anywhere_gets_no_suggestions() -> None:
    loans = make_shift("dave", "2026-11-27", "08:00", "16:00", skill="mortgages")
    assert suggest_cover(loans, CTX) == []


PROP_AGENTS = [agent("ann", "cards"), agent("ben", "cards", "loans"), agent("cat", "loans")]
PROP_AGENTS += [agent(f"x{i}", "cards") for i in range(3)]
PROP_START = date(2026, 11, 16)


@st.composite
def rosters(draw: st.DrawFn) -> list[Shift]:
    out: list[Shift] = []
    names = [a.agent_id for a in PROP_AGENTS]
    for n in range(draw(st.integers(1, 25))):
        day = PROP_START + timedelta(days=draw(st.integers(0, 20)))
        begin = datetime.combine(day, time(draw(st.integers(0, 23))), tzinfo=TPE).astimezone(UTC)
        length = timedelta(hours=draw(st.integers(4, 12)))
        skill = draw(st.sampled_from(["cards", "loans"]))
        out.append(Shift(draw(st.sampled_from(names)), day, begin, begin + length, skill, id=n))
    return out


@settings(max_examples=150, deadline=None)
@given(roster=rosters(), data=st.data())
def test_suggestions_are_exactly_the_agents_validate_accepts(
    roster: list[Shift], data: st.DataObject
) -> None:
    shift = data.draw(st.sampled_from(roster))
    leaves = data.draw(
        st.lists(
            st.builds(
                Leave,
                st.sampled_from([a.agent_id for a in PROP_AGENTS]),
                st.integers(0, 20).map(lambda d: PROP_START + timedelta(days=d)),
            ),
            max_size=4,
        )
    )
    rules = TeamRules(
        min_rest_hours=data.draw(st.sampled_from([0.0, 8.0, 11.0])),
        max_weekly_hours=data.draw(st.sampled_from([20.0, 48.0])),
        max_consecutive_days=data.draw(st.integers(1, 6)),
    )
    ctx = make_context(roster, PROP_AGENTS, leaves=leaves, rules=rules)
    suggested = suggest_cover(shift, ctx, limit=100)
    accepted = {
        a.agent_id
        for a in PROP_AGENTS
        if a.agent_id != shift.agent_id
        and not validate(
            RosterChange(kind="cover", requester=a.agent_id, add=(shift.reassigned(a.agent_id),)),
            ctx,
        )
    }
    assert set(ids(suggested)) == accepted
    keys = [
        (c.week_hours, -(c.rest_hours if c.rest_hours is not None else float("inf")), c.agent_id)
        for c in suggested
    ]
    assert keys == sorted(keys)
