"""A lead generates next week's roster in Slack and applies it with the button.

The real ``shiftbot serve --slack-http`` against the fake Slack: the lead's DM is answered
with the summary and an Apply button; the click stores the roster, the team channel is told,
the draft's message loses its button, and a second click changes nothing. The solver runs
its heuristic only (time limit 0).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, text

from storage.importers import import_agents, import_teams, import_volume
from storage.unit_of_work import UnitOfWork
from tests.factories import TEAM, TZ
from tests.fakes.serve import Serve, free_port
from tests.fakes.slack_api import BOT_TOKEN, SIGNING_SECRET, FakeSlack, Message, SlackSender
from tests.integration.test_roster import AGENTS, TEAMS, volume_csv

LIN = "U0LIN00005"
CHANNEL = "C0TEAM0001"


def next_monday() -> date:
    today = datetime.now(UTC).astimezone(TZ).date()
    return today + timedelta(days=7 - today.weekday())


def seed(engine: Engine, tmp: Path, week: date, *, telegram_chat_id: int | None = None) -> None:
    teams = TEAMS.format(language="en")
    if telegram_chat_id is not None:
        teams = teams.replace(
            "[team.rules]", f"telegram_chat_id = {telegram_chat_id}\n[team.rules]"
        )
    (tmp / "teams.toml").write_text(teams, encoding="utf-8")
    (tmp / "agents.csv").write_text(AGENTS, encoding="utf-8")
    (tmp / "volume.csv").write_text(volume_csv(week), encoding="utf-8")
    with UnitOfWork(engine) as uow:
        import_teams(uow.session, tmp / "teams.toml")
        import_agents(uow.session, tmp / "agents.csv", TEAM)
        import_volume(uow.session, tmp / "volume.csv", TEAM)
        uow.commit()


def week_shift_count(engine: Engine, week: date) -> int:
    with engine.connect() as conn:
        found = conn.execute(
            text("SELECT COUNT(*) FROM shift WHERE local_date >= :a AND local_date <= :b"),
            {"a": week, "b": week + timedelta(days=6)},
        ).scalar_one()
    return int(found)


def test_a_lead_generates_next_weeks_roster_by_dm_and_applies_it_with_the_button(
    db_url: str, engine: Engine, tmp_path: Path
) -> None:
    week = next_monday()
    seed(engine, tmp_path, week)
    port = free_port()
    with FakeSlack() as fake:
        env = {
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            "SLACK_API_URL": fake.api_url,
            "SHIFTBOT_ROSTER_TIME_LIMIT": "0",
        }
        serve = Serve(["--slack-http", str(port)], db_url, env, tmp_path)
        with serve:
            slack = SlackSender(f"http://127.0.0.1:{port}/slack/events", fake)
            assert slack.dm(LIN, "generate next week's roster").status == 200
            draft = fake.wait(
                lambda: next(
                    (m for m in fake.dms(LIN) if "roster_apply:1" in m.action_ids()), None
                ),
                timeout=60.0,
                what="Lin's draft with Apply",
            )
            shown = draft.all_text()
            assert f"Roster for the week of Mon {week.day} {week:%b}" in shown
            assert "draft #1" in shown
            assert week_shift_count(engine, week) == 0  # nothing changes before Apply

            assert slack.click(LIN, draft, "roster_apply:1").status == 200
            fake.wait(
                lambda: next(
                    (m for m in fake.dms(LIN) if "Applied draft #1" in m.all_text()), None
                ),
                what="Lin told the draft was applied",
            )
            posted = fake.wait(
                lambda: [m for m in fake.messages(CHANNEL) if "New roster" in m.all_text()],
                what="the team channel told",
            )
            assert "applied by Lin Huang" in posted[0].all_text()
            stored = week_shift_count(engine, week)
            assert stored > 0

            # The draft's message loses its Apply button and says who applied it.
            def settled() -> Message | None:
                found = [m for m in fake.dms(LIN) if m.ts == draft.ts]
                return (
                    found[0] if found and found[0].updates and not found[0].action_ids() else None
                )

            edited = fake.wait(settled, what="the draft's message edited")
            assert "Applied by Lin Huang" in edited.all_text()
            assert f"Roster for the week of Mon {week.day} {week:%b}" in edited.all_text()

            assert slack.click(LIN, draft, "roster_apply:1").status == 200
            fake.wait(
                lambda: next(
                    (m for m in fake.dms(LIN) if "was already applied" in m.all_text()), None
                ),
                what="a second click answered",
            )
            assert week_shift_count(engine, week) == stored
            assert len([m for m in fake.messages(CHANNEL) if "New roster" in m.all_text()]) == 1
        assert "Traceback" not in serve.output, serve.output
