"""Cover suggestions: who could work a freed shift, best first."""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from bot.i18n import catalog_ids, words
from planner.cover import CoverCandidate, Reason
from planner.cover import suggest_cover as suggest
from planner.model import AgentInfo, Leave, ServiceTarget, Shift, TeamRules
from planner.rules import RosterChange, RosterContext, Violation
from planner.rules import validate as validate_change

TPE = ZoneInfo("Asia/Taipei")
_ids = itertools.count(1000)


EN = words("en")
ZH = words("zh-Hant", {"cards": {"zh-Hant": "信用卡"}, "loans": {"zh-Hant": "貸款"}})
CATALOGS = catalog_ids("en") & catalog_ids("zh-Hant")


def agent(agent_id: str, *skills: str, role: str = "agent") -> AgentInfo:
    return AgentInfo(
        agent_id=agent_id,
        name=agent_id.capitalize(),
        skills=frozenset(skills),
        role="lead" if role == "lead" else "agent",
    )


def suggest_cover(
    shift: Shift, ctx: RosterContext, exclude: Iterable[str] = (), limit: int = 5
) -> list[CoverCandidate]:
    """``suggest_cover``, checking that the catalog words every reason as its English text."""
    found = suggest(shift, ctx, exclude=exclude, limit=limit)
    for candidate in found:
        for reason in candidate.reasons:
            key = "cover." + reason.code
            assert key in CATALOGS
            assert EN(key, **reason.params) == reason.text
            assert not re.search("[A-Za-z]", ZH(key, **reason.params))
        assert candidate.reason_text == ", ".join(r.text for r in candidate.reasons)
    return found


def validate(change: RosterChange, ctx: RosterContext) -> list[Violation]:
    """``validate``, checking that the catalog words every violation as its message."""
    found = validate_change(change, ctx)
    for v in found:
        assert EN("rule." + v.code, **v.params) == v.message
        assert ZH("rule." + v.code, **v.params).startswith(v.rule + "：")
    return found


def texts(candidate: CoverCandidate) -> tuple[str, ...]:
    return tuple(r.text for r in candidate.reasons)


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
        reasons=(
            Reason("has_skill", {"skill": "cards"}),
            Reason("week_hours", {"hours": 24.0}),
            Reason("rest_before", {"hours": 16.0}),
        ),
    )
    assert by_id["hank"].reason_text == "has cards, 24 h this week, 16 h rest before"
    assert by_id["ivy"].rest_hours is None
    assert texts(by_id["ivy"]) == ("has cards", "0 h this week", "no shift next to it")
    assert by_id["carol"].rest_hours == 40.0


def test_rest_after_the_shift_counts_and_the_shorter_side_ranks() -> None:
    sat = make_shift("bob", "2026-11-28", "03:00", "11:00")
    ctx = make_context([SICK, sat], [agent("alice", "cards"), agent("bob", "cards")])
    (bob,) = suggest_cover(SICK, ctx)
    assert bob.rest_hours == 11.0
    assert texts(bob) == ("has cards", "8 h this week", "11 h rest after")


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


def test_a_lead_off_the_phones_that_week_comes_after_every_agent() -> None:
    team = [agent("alice", "cards"), agent("bob", "cards"), agent("lina", "cards", role="lead")]
    roster = [SICK, *week("bob", (23, 24, 25))]
    ctx = make_context(roster, team)
    assert ids(suggest_cover(SICK, ctx)) == ["bob", "lina"]
    lina = suggest_cover(SICK, ctx)[1]
    assert lina.week_hours == 0
    assert lina.reason_text == (
        "has cards, 0 h this week, no shift next to it, lead, not on the phones this week"
    )
    assert ZH("cover." + lina.reasons[-1].code) == "組長，本週沒有排班"


def test_a_lead_on_the_phones_that_week_ranks_with_the_agents() -> None:
    team = [agent("alice", "cards"), agent("bob", "cards"), agent("lina", "cards", role="lead")]
    roster = [SICK, *week("bob", (23, 24, 25)), *week("lina", (23,))]
    ctx = make_context(roster, team)
    assert ids(suggest_cover(SICK, ctx)) == ["lina", "bob"]
    assert "lead" not in suggest_cover(SICK, ctx)[0].reason_text


def test_a_shift_of_the_lead_in_another_week_does_not_count_as_on_the_phones() -> None:
    team = [agent("alice", "cards"), agent("bob", "cards"), agent("lina", "cards", role="lead")]
    roster = [SICK, *week("bob", (23, 24, 25)), *week("lina", (20,))]
    ctx = make_context(roster, team)
    assert ids(suggest_cover(SICK, ctx)) == ["bob", "lina"]


def test_a_lead_is_still_suggested_when_no_agent_can_cover() -> None:
    team = [agent("alice", "cards"), agent("lina", "cards", role="lead")]
    ctx = make_context([SICK], team)
    assert ids(suggest_cover(SICK, ctx)) == ["lina"]


def test_reasons_read_as_chinese_with_the_skill_display_name() -> None:
    (bob,) = suggest_cover(
        SICK,
        make_context(
            [SICK, make_shift("bob", "2026-11-28", "03:00", "11:00")],
            [agent("alice", "cards"), agent("bob", "cards")],
        ),
    )
    assert [ZH("cover." + r.code, **r.params) for r in bob.reasons] == [
        "具備 信用卡 技能",
        "本週已排 8 小時",
        "班後休息 11 小時",
    ]


PROP_AGENTS = [agent("ann", "cards"), agent("ben", "cards", "loans"), agent("cat", "loans")]
PROP_AGENTS += [agent(f"x{i}", "cards") for i in range(3)]
PROP_AGENTS += [agent("lee", "cards", "loans", role="lead")]
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
    iso_week = shift.local_date.isocalendar()[:2]
    leads_off = {
        a.agent_id
        for a in PROP_AGENTS
        if a.role == "lead"
        and not any(
            s.agent_id == a.agent_id and s.local_date.isocalendar()[:2] == iso_week for s in roster
        )
    }
    keys = [
        (
            c.agent_id in leads_off,
            c.week_hours,
            -(c.rest_hours if c.rest_hours is not None else float("inf")),
            c.agent_id,
        )
        for c in suggested
    ]
    assert keys == sorted(keys)
