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


def _by_agent_id(uow: UnitOfWork, team_id: int, agent_id: str) -> Agent | None:
    """The team's agent whose ``agent_id`` is ``agent_id``, ignoring case.

    An exact match wins; otherwise the one agent whose id differs only in case (none when
    two do, as ``Amy`` and ``AMY`` typed as ``amy`` would be a guess).
    """
    agent = repo.find_agent(uow.session, team_id, agent_id=agent_id)
    if agent is not None:
        return agent
    wanted = agent_id.casefold()
    matches = [
        r for r in repo.agent_records(uow.session, team_id) if r.agent_id.casefold() == wanted
    ]
    if len(matches) != 1:
        return None
    return repo.find_agent(uow.session, team_id, agent_id=matches[0].agent_id)


def member(uow: UnitOfWork, team: str, agent_id: str) -> Member | None:
    """The member of ``team`` with this ``agent_id`` (case-insensitive), or None."""
    t = repo.team_by_name(uow.session, team)
    if t is None or t.id is None:
        return None
    a = _by_agent_id(uow, t.id, agent_id)
    if a is None:
        return None
    return _member(a, t)


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

    The transport's id wins (``slack_user_id``, ``telegram_user_id``, exactly as written);
    ``agent_id`` is the fallback, matched without regard to case, so ``@bob`` and ``@Bob``
    name the agent ``Bob`` everywhere.
    """
    t = repo.team_by_name(uow.session, team)
    if t is None or t.id is None:
        return None
    agent = repo.find_agent(uow.session, t.id, slack_user_id=token)
    if agent is None and token.lstrip("-").isdigit():
        agent = repo.find_agent(uow.session, t.id, telegram_user_id=int(token))
    if agent is None:
        agent = _by_agent_id(uow, t.id, token)
    return None if agent is None else agent.agent_id
