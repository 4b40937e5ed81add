"""Who is who: transport ids and mentions to agents."""

from __future__ import annotations

from dataclasses import dataclass

from storage import repository as repo
from storage.tables import Agent, Team
from storage.unit_of_work import UnitOfWork


@dataclass(frozen=True)
class Member:
    team: str
    agent_id: str
    name: str
    role: str
    slack_user_id: str | None
    telegram_user_id: int | None
    timezone: str


def _member(agent: Agent, team: Team) -> Member:
    return Member(
        team.name,
        agent.agent_id,
        agent.name,
        agent.role,
        agent.slack_user_id,
        agent.telegram_user_id,
        team.timezone,
    )


def member(uow: UnitOfWork, team: str, agent_id: str) -> Member | None:
    t = repo.team_by_name(uow.session, team)
    if t is None or t.id is None:
        return None
    a = repo.find_agent(uow.session, t.id, agent_id=agent_id)
    if a is None:
        return None
    return Member(
        t.name, a.agent_id, a.name, a.role, a.slack_user_id, a.telegram_user_id, t.timezone
    )


def team_timezone(uow: UnitOfWork, team: str) -> str | None:
    t = repo.team_by_name(uow.session, team)
    return None if t is None else t.timezone


def by_slack_id(uow: UnitOfWork, slack_user_id: str) -> list[Member]:
    return [
        _member(a, t)
        for a, t in repo.agents_by_transport_id(uow.session, slack_user_id=slack_user_id)
    ]


def by_telegram_id(uow: UnitOfWork, telegram_user_id: int) -> list[Member]:
    return [
        _member(a, t)
        for a, t in repo.agents_by_transport_id(uow.session, telegram_user_id=telegram_user_id)
    ]


def resolve_mention(uow: UnitOfWork, team: str, token: str) -> str | None:
    """A mention as written (``U0123`` from Slack, ``bob``) to an ``agent_id`` of the team.

    The transport's id wins (``slack_user_id``, ``telegram_user_id``); ``agent_id`` is the
    fallback, so ``@bob`` names the agent ``bob`` everywhere.
    """
    t = repo.team_by_name(uow.session, team)
    if t is None or t.id is None:
        return None
    agent = repo.find_agent(uow.session, t.id, slack_user_id=token)
    if agent is None and token.lstrip("-").isdigit():
        agent = repo.find_agent(uow.session, t.id, telegram_user_id=int(token))
    if agent is None:
        agent = repo.find_agent(uow.session, t.id, agent_id=token)
    if agent is None:
        agent = repo.find_agent(uow.session, t.id, agent_id=token.lower())
    return None if agent is None else agent.agent_id
