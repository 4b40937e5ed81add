"""Small teams for service tests, built through the same importers users run."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import Engine

from storage.importers import import_agents, import_shifts, import_teams, import_volume
from storage.unit_of_work import UnitOfWork

TZ = ZoneInfo("Asia/Taipei")
TEAM = "card-hotline"

TEAMS = """[[team]]
name = "card-hotline"
timezone = "Asia/Taipei"
interval_minutes = 30
service_level = 0.80
target_seconds = 20
[team.rules]
min_rest_hours = 11
max_weekly_hours = 48
max_consecutive_days = 6
swap_cutoff_hours = 12
max_off_per_day = {max_off}
approval = "{approval}"
"""

AGENTS = """agent_id,name,role,skills,slack_user_id,telegram_user_id,weekly_hours
amy,Amy Chen,agent,cards;loans,U0AMY00001,1001,40
bob,Bob Lin,agent,cards,U0BOB00002,1002,40
cara,Cara Wu,agent,loans,U0CARA0003,1003,40
dan,Dan Ho,agent,cards,U0DAN00004,1004,40
eve,Eve Kao,agent,cards,,,40
lin,Lin Huang,lead,cards,U0LIN00005,1005,40
mei,Mei Tsai,lead,,U0MEI00006,1006,
"""

# Tue 1 Dec 2026 … Thu 3 Dec 2026, Asia/Taipei.
SHIFTS = """agent_id,date,start,end,skill,breaks
amy,2026-12-01,08:00,17:00,cards,12:00-13:00
bob,2026-12-01,13:00,22:00,cards,17:30-18:00
dan,2026-12-01,08:00,17:00,cards,
cara,2026-12-01,09:00,18:00,loans,
amy,2026-12-02,09:00,18:00,cards,
bob,2026-12-02,08:00,17:00,cards,
dan,2026-12-02,13:00,22:00,cards,
eve,2026-12-02,13:00,22:00,cards,
bob,2026-12-03,08:00,17:00,cards,
amy,2026-12-03,13:00,22:00,cards,
"""

NOW = datetime(2026, 11, 30, 10, 0, tzinfo=TZ).astimezone(UTC)


def seed(
    engine: Engine,
    tmp: Path,
    *,
    approval: str = "lead",
    max_off: int = 2,
    shifts: str = SHIFTS,
    volume: str | None = None,
) -> None:
    (tmp / "teams.toml").write_text(TEAMS.format(approval=approval, max_off=max_off))
    (tmp / "agents.csv").write_text(AGENTS)
    (tmp / "shifts.csv").write_text(shifts)
    with UnitOfWork(engine) as uow:
        import_teams(uow.session, tmp / "teams.toml")
        import_agents(uow.session, tmp / "agents.csv", TEAM)
        import_shifts(uow.session, tmp / "shifts.csv", TEAM)
        if volume is not None:
            (tmp / "volume.csv").write_text(volume)
            import_volume(uow.session, tmp / "volume.csv", TEAM, now=NOW)
        uow.commit()
