"""Demo data for a bank card-services hotline: team, agents, a 4-week roster and call history.

``write_demo_files`` writes the four files a user would bring (CONTRACT §2): ``teams.toml``,
``agents.csv``, ``shifts.csv`` and ``volume.csv``. Everything is a pure function of
``(today, seed)``: the same arguments give byte-identical files.

The call history follows a known demand model (weekday × time-of-day shape, a mid-month
peak for loans, a mild upward trend, Poisson noise). The roster is sized against the same
model: for each interval the generator computes the agents needed for 80 % of calls answered
within 20 s (Erlang C, occupancy at most 85 %) and fills shifts greedily, so staffing is
mostly met, with a few gaps at the peaks (Monday mornings, busy mid-month days for loans).
Every shift respects the default roster rules: at least 11 h rest between shifts, at most
48 paid hours per ISO week, at most 6 consecutive working days, the shift's skill held by
the agent, one shift a day.
"""

from __future__ import annotations

import csv
import hashlib
import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import lru_cache
from pathlib import Path

import numpy as np

TEAM_NAME = "card-hotline"
TIMEZONE = "Asia/Taipei"
INTERVAL_MINUTES = 30
SKILLS: tuple[str, ...] = ("cards", "loans", "wealth")
HISTORY_DAYS = 56
ROSTER_DAYS = 28

OPEN_MINUTE = 8 * 60
CLOSE_MINUTE = 22 * 60
INTERVAL_STARTS: tuple[int, ...] = tuple(range(OPEN_MINUTE, CLOSE_MINUTE, INTERVAL_MINUTES))

AGENTS_HEADER: tuple[str, ...] = (
    "agent_id",
    "name",
    "role",
    "skills",
    "slack_user_id",
    "telegram_user_id",
    "weekly_hours",
    "shift_hours",
)
SHIFTS_HEADER: tuple[str, ...] = ("agent_id", "date", "start", "end", "skill", "breaks")
VOLUME_HEADER: tuple[str, ...] = ("interval_start", "skill", "calls", "aht_seconds")

DEMO_AGENT = "amy"
DEMO_PARTNER = "bob"
DEMO_LEAD = "grace"

TOUR: list[str] = [
    "help",
    "mine",
    "roster tomorrow",
    "staffing tomorrow",
    f"swap tomorrow with @{DEMO_PARTNER}",
    "leave 後天 family dinner",
    "sick tomorrow",
    "open",
]
"""Commands for a console tour as :data:`DEMO_AGENT`.

The demo roster guarantees what they need: the agent and the partner hold the same skill;
tomorrow the agent works the late cards shift (14:00–22:00) and the partner the swing shift
(12:00–20:00), and both work the late shift the day after, so the swap changes who works when
and passes every rule, including the 12 h cut-off at any time of today; the agent also works
the day after tomorrow (後天), the day of the leave request.
"""

SERVICE_LEVEL = 0.80
TARGET_SECONDS = 20
MAX_OCCUPANCY = 0.85
SHRINKAGE = 0.30

# Demand model --------------------------------------------------------------------------

_BASE_CALLS = {"cards": 98.0, "loans": 27.0, "wealth": 10.5}
"""Mean calls per half hour on an ordinary Wednesday at a time-of-day factor of 1, at ``today``."""

_BASE_AHT = {"cards": 240.0, "loans": 420.0, "wealth": 600.0}

_DOW_FACTOR = {
    "cards": (1.30, 1.05, 1.00, 1.00, 1.15, 0.62, 0.50),
    "loans": (1.25, 1.05, 1.00, 0.98, 1.12, 0.45, 0.30),
    "wealth": (1.20, 1.05, 1.00, 1.00, 1.10, 0.40, 0.25),
}

_WEEKDAY_SHAPE = (
    0.55, 0.75, 0.95, 1.05, 1.12, 1.12, 1.08, 1.00, 0.82, 0.74, 0.78, 0.90, 1.00, 1.05,
    1.05, 1.00, 0.95, 0.90, 0.84, 0.76, 0.68, 0.62, 0.56, 0.50, 0.45, 0.40, 0.34, 0.28,
)  # fmt: skip
"""Time-of-day factor for 08:00 … 21:30: morning ramp, lunch dip 12:00–13:30, evening decline."""

_WEEKEND_SHAPE = (
    0.40, 0.55, 0.72, 0.88, 1.00, 1.08, 1.10, 1.05, 0.92, 0.86, 0.90, 0.98, 1.04, 1.06,
    1.04, 1.00, 0.96, 0.92, 0.88, 0.82, 0.76, 0.70, 0.64, 0.58, 0.52, 0.46, 0.40, 0.34,
)  # fmt: skip

_TREND_PER_WEEK = 0.004
"""Relative growth of demand per week (about 23 % a year)."""

_AHT_EVENING = 0.06
"""Calls get longer towards the evening by up to this fraction."""


def _day_of_month_factor(skill: str, day: date) -> float:
    """Loans peak from the 10th to the 20th (instalment reminders), ramping a day either side."""
    if skill != "loans":
        return 1.0
    if 10 <= day.day <= 20:
        return 1.35
    if day.day in (9, 21):
        return 1.15
    return 1.0


def expected_calls(skill: str, day: date, slot: int, today: date) -> float:
    """Mean calls of ``skill`` in interval ``slot`` (index into :data:`INTERVAL_STARTS`)."""
    weekday = day.weekday()
    shape = _WEEKEND_SHAPE if weekday >= 5 else _WEEKDAY_SHAPE
    weeks = (day - today).days / 7.0
    return (
        _BASE_CALLS[skill]
        * _DOW_FACTOR[skill][weekday]
        * shape[slot]
        * _day_of_month_factor(skill, day)
        * math.exp(_TREND_PER_WEEK * weeks)
    )


def expected_aht(skill: str, slot: int) -> float:
    """Mean handling time in seconds of ``skill`` in interval ``slot``."""
    evening = max(0.0, (INTERVAL_STARTS[slot] - 17 * 60) / (CLOSE_MINUTE - 17 * 60))
    return _BASE_AHT[skill] * (1.0 + _AHT_EVENING * evening)


@lru_cache(maxsize=8192)
def _required_agents(calls_x10: int, aht_s: int) -> int:
    """Agents for 80 % answered within 20 s and occupancy ≤ 85 % (Erlang C).

    Uses the stable Erlang B recurrence ``B(k) = A·B(k−1) / (k + A·B(k−1))`` and
    ``C = N·B / (N − A·(1 − B))``; ``A`` is the offered load in Erlangs. Inputs are rounded
    (calls to 0.1, AHT to 1 s) so results can be cached.
    """
    load = calls_x10 / 10.0 * aht_s / (INTERVAL_MINUTES * 60)
    if load <= 0.0:
        return 0
    agents = max(1, math.floor(load) + 1)
    while True:
        if load / agents <= MAX_OCCUPANCY:
            erlang_b = 1.0
            for k in range(1, agents + 1):
                erlang_b = load * erlang_b / (k + load * erlang_b)
            wait = agents * erlang_b / (agents - load * (1.0 - erlang_b))
            served = 1.0 - wait * math.exp(-(agents - load) * TARGET_SECONDS / aht_s)
            if served >= SERVICE_LEVEL:
                return agents
        agents += 1


def required_agents(skill: str, day: date, slot: int, today: date) -> int:
    """Agents needed on the phones for ``skill`` at the expected demand of one interval."""
    calls = expected_calls(skill, day, slot, today)
    return _required_agents(round(calls * 10), round(expected_aht(skill, slot)))


# People --------------------------------------------------------------------------------

_GIVEN_NAMES: dict[str, str] = {
    "ann": "Ann", "ben": "Ben", "cara": "Cara", "dan": "Dan", "eve": "Eve", "fay": "Fay",
    "gus": "Gus", "hank": "Hank", "ian": "Ian", "ivy": "Ivy", "jay": "Jay", "joe": "Joe",
    "kim": "Kim", "leo": "Leo", "max": "Max", "may": "May", "ned": "Ned", "pam": "Pam",
    "ray": "Ray", "roy": "Roy", "sam": "Sam", "sue": "Sue", "ted": "Ted", "tom": "Tom",
    "val": "Val", "zoe": "Zoe", "ada": "Ada", "eli": "Eli", "gina": "Gina", "kai": "Kai",
    "liz": "Liz", "meg": "Meg", "ron": "Ron", "tim": "Tim", "wes": "Wes", "zac": "Zac",
    "nina": "Nina", "owen": "Owen", "ruby": "Ruby", "sean": "Sean", "tina": "Tina",
    "vic": "Vic", "alan": "Alan", "iris": "Iris", "jack": "Jack", "kate": "Kate",
    "lucy": "Lucy", "mark": "Mark", "nick": "Nick", "paul": "Paul", "rose": "Rose",
    "sara": "Sara", "vera": "Vera", "will": "Will", "emma": "Emma", "hugo": "Hugo",
    "wei": "Wei-Ting", "lin": "Lin-Yu", "ting": "Ting-Wei", "hui": "Hui-Chen",
    "jun": "Jun-Hao", "ming": "Ming-Hsuan", "hao": "Hao-Yu", "jia": "Jia-Hui",
    "yun": "Yun-Chen", "hsin": "Hsin-Yi", "pei": "Pei-Shan", "fang": "Fang-Yu",
    "ling": "Ling-Chun", "chia": "Chia-Ying", "han": "Han-Wen", "jie": "Jie-Ru",
    "xin": "Xin-Yi", "rui": "Rui-En", "yan": "Yan-Ting", "hong": "Hong-Ming",
    "zhi": "Zhi-Wei", "yu": "Yu-Xuan", "chun": "Chun-Hung", "kuan": "Kuan-Lin",
    "shu": "Shu-Fen", "wen": "Wen-Chieh", "yi": "Yi-Jun", "po": "Po-Han", "tzu": "Tzu-Chi",
}  # fmt: skip

_SURNAMES: tuple[str, ...] = (
    "Chen", "Lin", "Huang", "Chang", "Lee", "Wang", "Wu", "Liu", "Tsai", "Yang", "Hsu",
    "Cheng", "Hsieh", "Kuo", "Hung", "Tseng", "Chiu", "Liao", "Lai", "Chou", "Yeh", "Su",
    "Chuang", "Lu", "Chiang", "Ho", "Lo", "Kao", "Pan", "Chien",
)  # fmt: skip

_LEADS: tuple[tuple[str, str, bool], ...] = (
    ("grace", "Grace Wang", False),
    ("kevin", "Kevin Lin", True),
    ("mei", "Mei-Ling Chang", True),
    ("tony", "Tony Hsu", False),
)
"""Leads as (id, full name, on the phones)."""

_FULL_TIME_BY_SKILL = {"cards": 35, "loans": 24, "wealth": 16}
_PART_TIME_CARDS = 10
_SECOND_SKILL_SHARE = {"cards": 0.15, "loans": 0.3, "wealth": 0.35}
_SECOND_SKILL = {"cards": "loans", "loans": "cards", "wealth": "loans"}

_FULL_TIME_OFF_PATTERNS: tuple[tuple[frozenset[int], float], ...] = (
    (frozenset({5, 6}), 0.05),
    (frozenset({0, 6}), 0.06),
    (frozenset({1, 6}), 0.10),
    (frozenset({1, 5}), 0.12),
    (frozenset({2, 6}), 0.11),
    (frozenset({2, 5}), 0.14),
    (frozenset({3, 6}), 0.11),
    (frozenset({3, 5}), 0.14),
    (frozenset({4, 5}), 0.035),
    (frozenset({4, 6}), 0.135),
)
"""Weekly days off (Monday = 0) for full-timers, with shares that make the number at work
proportional to the weekly demand: few take a whole weekend off."""

_PART_TIME_OFF_PATTERNS: tuple[frozenset[int], ...] = (
    frozenset({0, 5, 6}),
    frozenset({4, 5, 6}),
    frozenset({0, 4, 6}),
    frozenset({0, 4, 5}),
    frozenset({5, 6}),
    frozenset({0, 4}),
)
"""Part-timers' days off: they fill in midweek, where full-timers take most days off."""


@dataclass(frozen=True)
class _ShiftType:
    code: str
    start: int
    end: int
    break_minutes: int
    break_starts: tuple[int, ...]


def _hm(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def _shift_type(code: str, hours: str, break_minutes: int, break_window: str) -> _ShiftType:
    """``hours`` is ``"HH:MM-HH:MM"``; breaks may start every half hour in ``break_window``."""
    start, end = map(_hm, hours.split("-"))
    first, last = map(_hm, break_window.split("-"))
    starts = tuple(range(first, last + 1, INTERVAL_MINUTES))
    return _ShiftType(code, start, end, break_minutes, starts)


_FULL_TIME_SHIFTS: tuple[_ShiftType, ...] = (
    _shift_type("early", "08:00-16:00", 60, "11:00-13:00"),
    _shift_type("day", "09:00-17:00", 60, "11:30-13:30"),
    _shift_type("mid", "10:00-18:00", 60, "12:30-14:30"),
    _shift_type("swing", "12:00-20:00", 60, "15:00-17:00"),
    _shift_type("late", "14:00-22:00", 60, "17:00-19:00"),
)
_LEAD_SHIFTS = _FULL_TIME_SHIFTS[:3]
_LATE = _FULL_TIME_SHIFTS[-1]
_SWING = _FULL_TIME_SHIFTS[-2]
_PART_TIME_SHIFTS: tuple[_ShiftType, ...] = (
    _shift_type("part-early", "08:00-14:00", 30, "10:30-12:30"),
    _shift_type("part-late", "16:00-22:00", 30, "18:00-19:30"),
)

_MIN_REST_MINUTES = 11 * 60


@dataclass
class _Person:
    agent_id: str
    name: str
    role: str
    skills: tuple[str, ...]
    weekly_hours: int
    off_days: frozenset[int]
    shift_types: tuple[_ShiftType, ...]
    on_phones: bool = True
    slack_user_id: str = ""
    telegram_user_id: int = 0
    last_end: int | None = None
    last_type: str | None = None


@dataclass(frozen=True)
class _RosterShift:
    agent_id: str
    day: date
    start: int
    end: int
    skill: str
    breaks: tuple[tuple[int, int], ...]


@dataclass(frozen=True)
class DemoFiles:
    """Paths of the written demo files, a summary of what they hold and the tour's people."""

    teams: Path
    agents: Path
    shifts: Path
    volume: Path
    summary: dict[str, int | str]
    demo_agent: str
    demo_partner: str
    demo_lead: str


def _chat_ids(agent_id: str, seed: int) -> tuple[str, int]:
    digest = hashlib.sha256(f"shiftbot-demo:{seed}:{agent_id}".encode()).digest()
    alphabet = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(9):
        number, index = divmod(number, len(alphabet))
        chars.append(alphabet[index])
    telegram = 100_000_000 + int.from_bytes(digest[8:16], "big") % 900_000_000
    return "U0" + "".join(chars), telegram


def _quota(count: int, weights: Sequence[float]) -> list[int]:
    """Split ``count`` into integers proportional to ``weights`` (largest remainder)."""
    total = sum(weights)
    exact = [count * w / total for w in weights]
    parts = [math.floor(x) for x in exact]
    order = sorted(range(len(weights)), key=lambda i: exact[i] - parts[i], reverse=True)
    for i in order[: count - sum(parts)]:
        parts[i] += 1
    return parts


def _demo_off_days(today: date) -> frozenset[int]:
    """Two consecutive days off for the tour's pair that miss today + 1 and today + 2."""
    return frozenset({(today + timedelta(days=4)).weekday(), (today + timedelta(days=5)).weekday()})


def _people(today: date, rng: np.random.Generator) -> list[_Person]:
    names = [n for n in _GIVEN_NAMES if n not in (DEMO_AGENT, DEMO_PARTNER)]
    names = [names[i] for i in rng.permutation(len(names))]
    surnames = list(_SURNAMES)
    people: list[_Person] = []

    def full_name(agent_id: str) -> str:
        given = _GIVEN_NAMES.get(agent_id, agent_id.capitalize())
        return f"{given} {surnames[int(rng.integers(len(surnames)))]}"

    demo_off = _demo_off_days(today)
    people.append(
        _Person(DEMO_AGENT, "Amy Chen", "agent", ("cards",), 40, demo_off, _FULL_TIME_SHIFTS)
    )
    people.append(
        _Person(DEMO_PARTNER, "Bob Lin", "agent", ("cards",), 40, demo_off, _FULL_TIME_SHIFTS)
    )

    patterns = [p for p, _ in _FULL_TIME_OFF_PATTERNS]
    weights = [w for _, w in _FULL_TIME_OFF_PATTERNS]
    for skill in SKILLS:
        count = _FULL_TIME_BY_SKILL[skill] - (2 if skill == "cards" else 0)
        offs = [p for p, n in zip(patterns, _quota(count, weights), strict=True) for _ in range(n)]
        offs = [offs[i] for i in rng.permutation(len(offs))]
        second = round(count * _SECOND_SKILL_SHARE[skill])
        for index, off in enumerate(offs):
            agent_id = names.pop()
            skills = (skill, _SECOND_SKILL[skill]) if index < second else (skill,)
            people.append(
                _Person(agent_id, full_name(agent_id), "agent", skills, 40, off, _FULL_TIME_SHIFTS)
            )
    for index in range(_PART_TIME_CARDS):
        agent_id = names.pop()
        off = _PART_TIME_OFF_PATTERNS[index % len(_PART_TIME_OFF_PATTERNS)]
        hours = 6 * (7 - len(off))
        people.append(
            _Person(
                agent_id, full_name(agent_id), "agent", ("cards",), hours, off, _PART_TIME_SHIFTS
            )
        )
    for agent_id, name, on_phones in _LEADS:
        people.append(
            _Person(
                agent_id,
                name,
                "lead",
                SKILLS,
                40,
                frozenset({5, 6}),
                _LEAD_SHIFTS,
                on_phones=on_phones,
            )
        )
    return people


# Roster --------------------------------------------------------------------------------


def _slot(minute: int) -> int:
    return (minute - OPEN_MINUTE) // INTERVAL_MINUTES


_Option = tuple[str, _ShiftType, int]
"""A day's choice for one agent: (skill, shift type, break start minute)."""

_CONTINUITY_BONUS = 2.0
_PRIMARY_SKILL_BONUS = 0.5
_SWEEPS = 3


_LEAVE_MARGIN = 1
"""Agents kept on top of the requirement where the tour's leave day takes the agent away."""


def _build_roster(
    people: list[_Person], today: date, rng: np.random.Generator
) -> list[_RosterShift]:
    """Fill each day greedily, then improve it by re-choosing one agent at a time.

    Every agent at work that day takes the (skill, shift type, break) that best covers the
    intervals still short of the requirement, with a bonus for yesterday's shift type (people
    keep a shift pattern) and for their first skill. Only shift types that leave at least
    11 h of rest after yesterday's shift are offered.

    On the tour's leave day (today + 2) the demo agent's late shift is planned as extra:
    the others cover the requirement plus :data:`_LEAVE_MARGIN` without it, calling in
    agents on a day off where the rules allow, so the leave request passes the staffing rule.
    """
    n_slots = len(INTERVAL_STARTS)
    forced_days = {today + timedelta(days=1), today + timedelta(days=2)}
    leave_day = today + timedelta(days=2)
    roster: list[_RosterShift] = []
    for offset in range(ROSTER_DAYS):
        day = today + timedelta(days=offset)
        required = {
            s: np.array([required_agents(s, day, i, today) for i in range(n_slots)], dtype=float)
            for s in SKILLS
        }
        covered = {s: np.zeros(n_slots) for s in SKILLS}
        working = [p for p in people if p.on_phones and day.weekday() not in p.off_days]
        working = [working[i] for i in rng.permutation(len(working))]
        working.sort(key=lambda p: p.last_end is None or p.last_end < CLOSE_MINUTE)
        options: dict[str, list[_Option]] = {}
        for person in working:
            forced = day in forced_days and person.agent_id in (DEMO_AGENT, DEMO_PARTNER)
            # Tomorrow the partner works the swing shift and the agent the late one, so the
            # tour's swap really changes who works when; both are late the day after.
            swing = day == today + timedelta(days=1) and person.agent_id == DEMO_PARTNER
            kinds = (_SWING,) if swing else (_LATE,)
            options[person.agent_id] = _options(person, kinds if forced else None)
            if not options[person.agent_id]:
                raise RuntimeError(f"no rule-clean shift for {person.agent_id} on {day}")
        extra = next((p for p in working if day == leave_day and p.agent_id == DEMO_AGENT), None)
        target = required
        if extra is not None:
            working.remove(extra)
            fixed = options[extra.agent_id][0]
            target = {s: v.copy() for s, v in required.items()}
            target[fixed[0]][_on_phone_slots(fixed[1], fixed[2])] += _LEAVE_MARGIN
        chosen = _fill_day(working, options, target, covered)
        if extra is not None:
            chosen.update(_call_in(day, today, people, chosen, roster, target, covered, fixed))
            chosen[extra.agent_id] = fixed
        for person in people:
            option = chosen.get(person.agent_id)
            if option is None:
                person.last_end = None
                continue
            skill, kind, break_start = option
            roster.append(
                _RosterShift(
                    person.agent_id,
                    day,
                    kind.start,
                    kind.end,
                    skill,
                    ((break_start, break_start + kind.break_minutes),),
                )
            )
            person.last_end = kind.end
            person.last_type = kind.code
    return roster


def _options(person: _Person, types: tuple[_ShiftType, ...] | None = None) -> list[_Option]:
    """Every (skill, shift type, break) the person may take today after yesterday's shift."""
    return [
        (skill, kind, break_start)
        for kind in types or person.shift_types
        if person.last_end is None or 24 * 60 + kind.start - person.last_end >= _MIN_REST_MINUTES
        for skill in person.skills
        for break_start in kind.break_starts
    ]


def _fill_day(
    working: list[_Person],
    options: dict[str, list[_Option]],
    target: dict[str, np.ndarray],
    covered: dict[str, np.ndarray],
) -> dict[str, _Option]:
    """Greedy choice per agent, then :data:`_SWEEPS` rounds of re-choosing with the others fixed."""
    chosen: dict[str, _Option] = {}
    for _ in range(_SWEEPS):
        for person in working:
            previous = chosen.get(person.agent_id)
            if previous is not None:
                covered[previous[0]][_on_phone_slots(previous[1], previous[2])] -= 1
            own = options[person.agent_id]
            scores = [_option_score(o, person, target, covered) for o in own]
            best = own[int(np.argmax(scores))]
            chosen[person.agent_id] = best
            covered[best[0]][_on_phone_slots(best[1], best[2])] += 1
    return chosen


def _call_in(
    day: date,
    today: date,
    people: list[_Person],
    chosen: dict[str, _Option],
    roster: list[_RosterShift],
    target: dict[str, np.ndarray],
    covered: dict[str, np.ndarray],
    protected_shift: _Option,
) -> dict[str, _Option]:
    """Add shifts for agents on a day off until the protected shift's intervals are covered.

    A called-in agent must hold the skill and stay within the rules: 11 h rest after
    yesterday, at most 6 consecutive days and 48 paid hours in the ISO week, counting the
    days their weekly pattern will still put them to work.
    """
    skill = protected_shift[0]
    protected = _on_phone_slots(protected_shift[1], protected_shift[2])
    last_day = today + timedelta(days=ROSTER_DAYS - 1)
    days_worked: dict[str, set[date]] = {}
    hours_in_week: dict[str, float] = {}
    week = day.isocalendar()[:2]
    for shift in roster:
        days_worked.setdefault(shift.agent_id, set()).add(shift.day)
        if shift.day.isocalendar()[:2] == week:
            hours = (shift.end - shift.start) / 60
            hours_in_week[shift.agent_id] = hours_in_week.get(shift.agent_id, 0.0) + hours

    def allowed(person: _Person, kind: _ShiftType) -> bool:
        worked = days_worked.get(person.agent_id, set())
        before = 0
        while day - timedelta(days=before + 1) in worked:
            before += 1
        after = 0
        later = day + timedelta(days=1)
        planned_hours = 0.0
        longest = max(k.end - k.start for k in person.shift_types) / 60
        while later <= last_day and later.weekday() not in person.off_days:
            after += 1
            if later.isocalendar()[:2] == week:
                planned_hours += longest
            later += timedelta(days=1)
        hours = hours_in_week.get(person.agent_id, 0.0) + (kind.end - kind.start) / 60
        return before + 1 + after <= 6 and hours + planned_hours <= 48

    def short() -> bool:
        return bool(np.any((covered[skill] < target[skill])[protected]))

    added: dict[str, _Option] = {}
    candidates = sorted(
        (
            p
            for p in people
            if p.on_phones
            and p.role == "agent"
            and skill in p.skills
            and p.agent_id not in chosen
            and p.agent_id not in (DEMO_AGENT, DEMO_PARTNER)
        ),
        key=lambda p: p.agent_id,
    )
    while short() and candidates:
        best: tuple[float, _Person, _Option] | None = None
        for person in candidates:
            for option in _options(person):
                if option[0] != skill or not allowed(person, option[1]):
                    continue
                on = _on_phone_slots(option[1], option[2])
                gain = float(((covered[skill] < target[skill]) & on & protected).sum())
                score = gain + 0.01 * _option_score(option, person, target, covered)
                if gain > 0 and (best is None or score > best[0]):
                    best = (score, person, option)
        if best is None:
            break
        _, person, option = best
        added[person.agent_id] = option
        covered[skill][_on_phone_slots(option[1], option[2])] += 1
        candidates.remove(person)
    return added


@lru_cache(maxsize=256)
def _on_phone_slots(kind: _ShiftType, break_start: int) -> np.ndarray:
    mask = np.zeros(len(INTERVAL_STARTS), dtype=bool)
    mask[_slot(kind.start) : _slot(kind.end)] = True
    mask[_slot(break_start) : _slot(break_start + kind.break_minutes)] = False
    mask.flags.writeable = False
    return mask


def _option_score(
    option: _Option,
    person: _Person,
    required: dict[str, np.ndarray],
    covered: dict[str, np.ndarray],
) -> float:
    """How much one more agent in this option reduces the shortfall.

    Each short interval counts 1 plus a tenth of its shortfall (so the largest gaps are
    filled first); an interval already covered counts a little, less the more it is covered.
    """
    skill, kind, break_start = option
    on = _on_phone_slots(kind, break_start)
    need = required[skill][on]
    have = covered[skill][on]
    gap = need - have
    score = float(np.where(gap > 0, 1.0 + 0.1 * gap, 0.05 * need / (have + 1.0)).sum())
    if kind.code == person.last_type:
        score += _CONTINUITY_BONUS
    if skill == person.skills[0]:
        score += _PRIMARY_SKILL_BONUS
    return score


# Volume --------------------------------------------------------------------------------


def _volume_rows(today: date, rng: np.random.Generator) -> list[tuple[str, str, int, int]]:
    rows: list[tuple[str, str, int, int]] = []
    for offset in range(-HISTORY_DAYS, 0):
        day = today + timedelta(days=offset)
        for slot, minute in enumerate(INTERVAL_STARTS):
            stamp = f"{day.isoformat()}T{minute // 60:02d}:{minute % 60:02d}"
            for skill in SKILLS:
                calls = int(rng.poisson(expected_calls(skill, day, slot, today)))
                spread = 0.03 + 0.25 / math.sqrt(calls + 1)
                aht = expected_aht(skill, slot) * math.exp(float(rng.normal(0.0, spread)))
                rows.append((stamp, skill, calls, round(aht)))
    return rows


# Files ---------------------------------------------------------------------------------


def _hhmm(minute: int) -> str:
    return f"{minute // 60:02d}:{minute % 60:02d}"


def _teams_toml() -> str:
    return (
        "[[team]]\n"
        f'name = "{TEAM_NAME}"\n'
        f'timezone = "{TIMEZONE}"\n'
        f"interval_minutes = {INTERVAL_MINUTES}\n"
        'digest_time = "08:00"\n'
        f"service_level = {SERVICE_LEVEL:.2f}\n"
        f"target_seconds = {TARGET_SECONDS}\n"
        f"max_occupancy = {MAX_OCCUPANCY:.2f}\n"
        f"shrinkage = {SHRINKAGE:.2f}\n"
        "\n"
        "[team.rules]\n"
        "min_rest_hours = 11\n"
        "max_weekly_hours = 48\n"
        "max_consecutive_days = 6\n"
        "swap_cutoff_hours = 12\n"
        "max_off_per_day = 2\n"
        'approval = "lead"\n' + _templates_toml()
    )


def _templates_toml() -> str:
    """The roster's shift types as ``[[team.shift_template]]`` tables, for ``roster generate``."""
    parts = []
    for kind in (*_FULL_TIME_SHIFTS, *_PART_TIME_SHIFTS):
        window = f"{_hhmm(kind.break_starts[0])}-{_hhmm(kind.break_starts[-1])}"
        parts.append(
            "\n[[team.shift_template]]\n"
            f'name = "{kind.code}"\n'
            f'start = "{_hhmm(kind.start)}"\n'
            f"hours = {(kind.end - kind.start) / 60:g}\n"
            f"break_minutes = {kind.break_minutes}\n"
            f'break_window = "{window}"\n'
        )
    return "".join(parts)


def _shift_hours(person: _Person) -> str:
    """The shift lengths a person works: those of their shift types."""
    lengths = sorted({(k.end - k.start) / 60 for k in person.shift_types})
    return ";".join(f"{h:g}" for h in lengths)


def write_demo_files(directory: Path, today: date, seed: int = 7) -> DemoFiles:
    """Write the demo team, agents, roster (28 days from ``today``) and 8 weeks of history.

    Parameters
    ----------
    directory
        Where to write ``teams.toml``, ``agents.csv``, ``shifts.csv`` and ``volume.csv``
        (created if missing; existing files are replaced).
    today
        The team's local date: the roster starts on it, the history ends the day before.
    seed
        Seed for names, skills, days off, roster choices and the noise of the history.

    Returns
    -------
    DemoFiles
        The paths, counts for a summary, and the ids of the tour's agent, partner and lead.
    """
    directory.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng([seed, 0])
    people = _people(today, rng)
    seen_slack: set[str] = set()
    seen_telegram: set[int] = set()
    for person in people:
        salt = 0
        slack, telegram = _chat_ids(person.agent_id, seed)
        while slack in seen_slack or telegram in seen_telegram:
            salt += 1
            slack, telegram = _chat_ids(f"{person.agent_id}#{salt}", seed)
        seen_slack.add(slack)
        seen_telegram.add(telegram)
        person.slack_user_id, person.telegram_user_id = slack, telegram
    roster = _build_roster(people, today, rng)
    volume = _volume_rows(today, np.random.default_rng([seed, 1]))

    teams_path = directory / "teams.toml"
    agents_path = directory / "agents.csv"
    shifts_path = directory / "shifts.csv"
    volume_path = directory / "volume.csv"

    teams_path.write_text(_teams_toml(), encoding="utf-8")
    with agents_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(AGENTS_HEADER)
        for person in sorted(people, key=lambda p: p.agent_id):
            writer.writerow(
                (
                    person.agent_id,
                    person.name,
                    person.role,
                    ";".join(person.skills),
                    person.slack_user_id,
                    person.telegram_user_id,
                    person.weekly_hours,
                    _shift_hours(person),
                )
            )
    with shifts_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(SHIFTS_HEADER)
        for shift in sorted(roster, key=lambda s: (s.day, s.start, s.skill, s.agent_id)):
            writer.writerow(
                (
                    shift.agent_id,
                    shift.day.isoformat(),
                    _hhmm(shift.start),
                    _hhmm(shift.end),
                    shift.skill,
                    ";".join(f"{_hhmm(a)}-{_hhmm(b)}" for a, b in shift.breaks),
                )
            )
    with volume_path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(VOLUME_HEADER)
        writer.writerows(volume)

    leads = sum(p.role == "lead" for p in people)
    summary: dict[str, int | str] = {
        "team": TEAM_NAME,
        "people": len(people),
        "agents": len(people) - leads,
        "leads": leads,
        "leads_on_phones": sum(p.role == "lead" and p.on_phones for p in people),
        "multi_skilled": sum(p.role == "agent" and len(p.skills) > 1 for p in people),
        "part_timers": sum(p.weekly_hours < 40 for p in people),
        "shifts": len(roster),
        "roster_from": today.isoformat(),
        "roster_to": (today + timedelta(days=ROSTER_DAYS - 1)).isoformat(),
        "volume_rows": len(volume),
        "history_from": (today - timedelta(days=HISTORY_DAYS)).isoformat(),
        "history_to": (today - timedelta(days=1)).isoformat(),
        "skills": ";".join(SKILLS),
    }
    return DemoFiles(
        teams=teams_path,
        agents=agents_path,
        shifts=shifts_path,
        volume=volume_path,
        summary=summary,
        demo_agent=DEMO_AGENT,
        demo_partner=DEMO_PARTNER,
        demo_lead=DEMO_LEAD,
    )
