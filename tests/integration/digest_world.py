"""A fixed roster for the digest tests: a card team's week with leave, sick calls and history.

``hotline`` (Asia/Taipei, 30-minute intervals):

- Mon 30 Nov 2026 is history: calls as they came, the roster as it was worked.
- Tue 1 Dec has gaps: Dan is on approved leave and Eve reported sick; nobody took either
  freed shift, so the morning runs short of Cards agents.
- Wed 2 Dec has none: Eve is sick again, and Lin (a lead) took her shift.
- Amy's leave on Thu 3 Dec waits for a lead, with its staffing impact.

``nightdesk`` (Europe/Berlin) works through the night of Sun 29 Mar 2026, when the clocks
jump from 02:00 to 03:00.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, update
from sqlmodel import col

from bot.bootstrap import make_core
from bot.core.messages import Action, Edit, Incoming, Outgoing
from storage.importers import import_agents, import_shifts, import_teams, import_volume
from storage.tables import Team
from storage.unit_of_work import UnitOfWork

TZ = ZoneInfo("Asia/Taipei")
TEAM = "hotline"
NIGHT = "nightdesk"
BERLIN = ZoneInfo("Europe/Berlin")
GAPS_DAY = date(2026, 12, 1)
ACTED = datetime(2026, 11, 30, 10, 0, tzinfo=TZ)
"""When the requests were made (Monday morning)."""
SKILL_NAMES = {
    "cards": {"en": "Cards", "zh-Hant": "信用卡"},
    "loans": {"en": "Loans", "zh-Hant": "貸款"},
}

TEAMS = """[[team]]
name = "hotline"
timezone = "Asia/Taipei"
interval_minutes = 30
digest_time = "08:00"
slack_channel = "C0HOTLINE1"
telegram_chat_id = -100111
service_level = 0.80
target_seconds = 20

[[team]]
name = "nightdesk"
timezone = "Europe/Berlin"
interval_minutes = 30
digest_time = "07:00"
slack_channel = "C0NIGHTDSK"
telegram_chat_id = -100222
service_level = 0.80
target_seconds = 20
"""

AGENTS = """agent_id,name,role,skills,slack_user_id,telegram_user_id,weekly_hours
amy,Amy Chen,agent,cards;loans,U0AMY00001,1001,40
bob,Bob Lin,agent,cards,U0BOB00002,1002,40
cara,Cara Wu,agent,loans,U0CARA0003,1003,40
dan,Dan Ho,agent,cards,U0DAN00004,1004,40
eve,Eve Kao,agent,cards,U0EVE00005,1005,40
fay,Fay Lu,agent,cards,,,40
gus,Gus Yang,agent,cards;loans,,,40
hao,Hao Chen,agent,loans,,,40
ivy,Ivy Su,agent,cards,,,40
lin,Lin Huang,lead,cards,U0LIN00010,1010,40
mei,Mei Tsai,lead,,U0MEI00011,1011,
"""

SHIFTS = """agent_id,date,start,end,skill,breaks
amy,2026-11-30,08:00,17:00,cards,12:00-13:00
bob,2026-11-30,08:00,17:00,cards,
ivy,2026-11-30,13:00,22:00,cards,
fay,2026-11-30,13:00,22:00,cards,
cara,2026-11-30,09:00,18:00,loans,
hao,2026-11-30,09:00,18:00,loans,
amy,2026-12-01,08:00,17:00,cards,12:00-13:00
dan,2026-12-01,08:00,17:00,cards,
eve,2026-12-01,08:00,17:00,cards,
fay,2026-12-01,10:00,19:00,cards,14:00-14:30
ivy,2026-12-01,13:00,22:00,cards,17:30-18:00
bob,2026-12-01,13:00,22:00,cards,
cara,2026-12-01,09:00,18:00,loans,12:30-13:00
hao,2026-12-01,09:00,18:00,loans,13:00-13:30
gus,2026-12-01,09:00,18:00,loans,
amy,2026-12-02,08:00,17:00,cards,
bob,2026-12-02,08:00,17:00,cards,
dan,2026-12-02,08:00,17:00,cards,
ivy,2026-12-02,13:00,22:00,cards,
fay,2026-12-02,13:00,22:00,cards,
eve,2026-12-02,13:00,22:00,cards,
cara,2026-12-02,08:00,17:00,loans,
hao,2026-12-02,08:00,17:00,loans,
gus,2026-12-02,08:00,17:00,loans,
amy,2026-12-03,08:00,17:00,cards,
bob,2026-12-03,08:00,17:00,cards,
dan,2026-12-03,08:00,17:00,cards,
"""

NIGHT_AGENTS = """agent_id,name,role,skills,slack_user_id,telegram_user_id,weekly_hours
ana,Ana Weber,agent,cards,,,40
ben,Ben Vogel,agent,cards,,,40
kim,Kim Roth,lead,cards,,,40
"""

NIGHT_SHIFTS = """agent_id,date,start,end,skill
ana,2026-03-28,22:00,06:00,cards
ben,2026-03-29,00:00,08:00,cards
"""


def _rows(day: str, skill: str, first: int, last: int, calls: float, aht: int) -> list[str]:
    """Half-hour rows from ``first``:00 up to (not including) ``last``:00."""
    return [
        f"{day}T{h:02d}:{m:02d},{skill},{calls},{aht}" for h in range(first, last) for m in (0, 30)
    ]


def volume() -> str:
    rows: list[str] = []
    for day in ("2026-11-30", "2026-12-01"):
        rows += _rows(day, "cards", 8, 10, 10, 240)
        rows += _rows(day, "cards", 10, 12, 20, 240)
        rows += _rows(day, "cards", 12, 22, 10, 240)
        rows += _rows(day, "loans", 9, 18, 5, 300)
    rows += _rows("2026-12-02", "cards", 8, 22, 10, 240)
    rows += _rows("2026-12-02", "loans", 8, 17, 5, 300)
    rows += _rows("2026-12-03", "cards", 8, 17, 10, 240)
    return "interval_start,skill,calls,aht_seconds\n" + "\n".join(rows) + "\n"


def night_volume() -> str:
    rows = []
    for h in range(0, 8):
        if h == 2:
            continue  # 02:00–03:00 does not exist that night
        for m in (0, 30):
            calls = 20 if (h, m) in ((1, 30), (3, 0)) else 10
            rows.append(f"2026-03-29T{h:02d}:{m:02d},cards,{calls},240")
    return "interval_start,skill,calls,aht_seconds\n" + "\n".join(rows) + "\n"


def build(engine: Engine, tmp: Path) -> None:
    """Import the teams, people, rosters and volume, then make the requests in chat."""
    files = {
        "teams.toml": TEAMS,
        "agents.csv": AGENTS,
        "shifts.csv": SHIFTS,
        "volume.csv": volume(),
        "night-agents.csv": NIGHT_AGENTS,
        "night-shifts.csv": NIGHT_SHIFTS,
        "night-volume.csv": night_volume(),
    }
    for name, text in files.items():
        (tmp / name).write_text(text)
    with UnitOfWork(engine) as uow:
        import_teams(uow.session, tmp / "teams.toml")
        import_agents(uow.session, tmp / "agents.csv", TEAM)
        import_shifts(uow.session, tmp / "shifts.csv", TEAM)
        import_volume(
            uow.session, tmp / "volume.csv", TEAM, now=datetime(2026, 12, 1, 0, 0, tzinfo=TZ)
        )
        import_agents(uow.session, tmp / "night-agents.csv", NIGHT)
        import_shifts(uow.session, tmp / "night-shifts.csv", NIGHT)
        import_volume(
            uow.session,
            tmp / "night-volume.csv",
            NIGHT,
            now=datetime(2026, 3, 28, 12, 0, tzinfo=BERLIN),
        )
        uow.session.execute(
            update(Team).where(col(Team.name) == TEAM).values(skill_names=SKILL_NAMES)
        )
        uow.commit()
    core = make_core(engine, lambda: ACTED.astimezone(UTC))

    def say(who: str, text: str) -> None:
        reply = core.handle(Incoming(TEAM, who, text))
        assert reply.ok, reply.text

    def click(who: str, kind: str, request_id: int) -> None:
        reply = core.handle(Incoming(TEAM, who, action=Action(kind, request_id)))
        assert reply.ok, reply.text

    say("dan", "leave 2026-12-01 family")  # 1, freeing his shift as open shift 2
    click("mei", "approve", 1)
    say("eve", "sick 2026-12-01")  # 3
    say("eve", "sick 2026-12-02")  # 4
    click("lin", "take", 4)
    click("mei", "approve", 4)
    say("amy", "leave 2026-12-03 dentist")  # 5, waiting for a lead


def set_language(engine: Engine, team: str, lang: str | None) -> None:
    with UnitOfWork(engine) as uow:
        uow.session.execute(update(Team).where(col(Team.name) == team).values(language=lang))
        uow.commit()


def morning(day: date, tz: ZoneInfo = TZ) -> datetime:
    """07:55 local on ``day``: when the digest is built."""
    return datetime(day.year, day.month, day.day, 7, 55, tzinfo=tz)


@dataclass
class Recorder:
    """A transport that reaches the channels of ``teams`` and records every post.

    ``fail`` posts fail first (the API refuses them); with ``hold`` set, a post waits for it
    before it is recorded (a post under way). ``people`` says whether it reaches people too
    (reminders). ``knows`` answers ``was_posted`` when set.
    """

    name: str
    teams: frozenset[str] = frozenset({TEAM, NIGHT})
    posts: list[tuple[str, Outgoing, bytes]] = field(default_factory=list)
    fail: int = 0
    hold: asyncio.Event | None = None
    started: int = 0
    people: bool = False
    knows: bool | None = None

    async def start(self) -> None:
        self.started += 1

    async def stop(self) -> None:
        pass

    async def reaches(self, team: str, agent_id: str | None, channel: bool) -> bool:
        return team in self.teams and (channel or self.people)

    def __getattr__(self, name: str) -> object:
        if name == "was_posted" and self.__dict__.get("knows") is not None:

            async def was_posted(team: str, notice: Outgoing) -> bool:
                return bool(self.knows)

            return was_posted
        raise AttributeError(name)

    async def deliver(self, team: str, notice: Outgoing) -> None:
        if self.hold is not None:
            await self.hold.wait()
        if self.fail > 0:
            self.fail -= 1
            raise RuntimeError("the API said no")
        picture = Path(notice.attachment).read_bytes() if notice.attachment else b""
        self.posts.append((team, notice, picture))

    async def apply(self, edit: Edit) -> None:
        pass

    def digests(self, team: str | None = None) -> list[Outgoing]:
        return [n for t, n, _ in self.posts if n.kind == "digest" and team in (None, t)]
