"""People type agent ids in any case; the directory finds the agent all the same."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from bot.services import directory
from storage.importers import import_agents, import_teams
from storage.unit_of_work import UnitOfWork
from tests.factories import TEAM, TEAMS

AGENTS = """agent_id,name,role,skills,slack_user_id,telegram_user_id,weekly_hours
Amy,Amy Chen,agent,cards,U0AMY00001,1001,40
bob,Bob Lin,agent,cards,,,40
Lin.Huang,Lin Huang,lead,cards,,,40
Kai,Kai One,agent,cards,,,40
KAI,Kai Two,agent,cards,,,40
"""


def _seed(engine: Engine, tmp: Path) -> None:
    (tmp / "teams.toml").write_text(TEAMS.format(approval="lead", max_off=2))
    (tmp / "agents.csv").write_text(AGENTS)
    with UnitOfWork(engine) as uow:
        import_teams(uow.session, tmp / "teams.toml")
        import_agents(uow.session, tmp / "agents.csv", TEAM)
        uow.commit()


def test_a_mention_names_the_agent_whatever_the_case(engine: Engine, tmp_path: Path) -> None:
    _seed(engine, tmp_path)
    with UnitOfWork(engine) as uow:
        assert directory.resolve_mention(uow, TEAM, "amy") == "Amy"
        assert directory.resolve_mention(uow, TEAM, "AMY") == "Amy"
        assert directory.resolve_mention(uow, TEAM, "Bob") == "bob"
        assert directory.resolve_mention(uow, TEAM, "lin.huang") == "Lin.Huang"
        assert directory.resolve_mention(uow, TEAM, "nobody") is None


def test_transport_ids_are_matched_as_written(engine: Engine, tmp_path: Path) -> None:
    _seed(engine, tmp_path)
    with UnitOfWork(engine) as uow:
        assert directory.resolve_mention(uow, TEAM, "U0AMY00001") == "Amy"
        assert directory.resolve_mention(uow, TEAM, "1001") == "Amy"
        assert directory.resolve_mention(uow, TEAM, "u0amy00001") is None


def test_an_exact_id_wins_and_two_ids_differing_only_in_case_are_not_guessed(
    engine: Engine, tmp_path: Path
) -> None:
    _seed(engine, tmp_path)
    with UnitOfWork(engine) as uow:
        assert directory.resolve_mention(uow, TEAM, "Kai") == "Kai"
        assert directory.resolve_mention(uow, TEAM, "KAI") == "KAI"
        assert directory.resolve_mention(uow, TEAM, "kai") is None


def test_member_lookup_ignores_case(engine: Engine, tmp_path: Path) -> None:
    _seed(engine, tmp_path)
    with UnitOfWork(engine) as uow:
        found = directory.member(uow, TEAM, "amy")
        assert found is not None and (found.agent_id, found.name) == ("Amy", "Amy Chen")
        lead = directory.member(uow, TEAM, "LIN.HUANG")
        assert lead is not None and lead.role == "lead"
        assert directory.member(uow, TEAM, "nobody") is None
        assert directory.member(uow, "no-such-team", "amy") is None
