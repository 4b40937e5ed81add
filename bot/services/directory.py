"""Who is who: teams, transport ids and mentions to agents."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from sqlalchemy import update
from sqlmodel import col

from bot.services.ports import UnitOfWork
from storage import repository as repo
from storage.tables import Agent, Team


@dataclass(frozen=True)
class Member:
    team: str
    agent_id: str
    name: str
    role: str
    slack_user_id: str | None
    telegram_user_id: int | None
    timezone: str
    lang: str | None = None
    last_lang: str | None = None


@dataclass(frozen=True)
class TeamInfo:
    name: str
    timezone: str
    language: str | None
    skill_names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    slack_channel: str | None = None
    telegram_chat_id: int | None = None


def _member(agent: Agent, team: Team) -> Member:
    return Member(
        team.name,
        agent.agent_id,
        agent.name,
        agent.role,
        agent.slack_user_id,
        agent.telegram_user_id,
        team.timezone,
        agent.lang,
        agent.last_lang,
    )


def _find(uow: UnitOfWork, team_id: int, agent_id: str) -> Agent | None:
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
    """The team's agent ``agent_id`` (ids are case-insensitive: ``Amy`` finds ``amy``)."""
    t = repo.team_by_name(uow.session, team)
    if t is None or t.id is None:
        return None
    a = _find(uow, t.id, agent_id)
    return None if a is None else _member(a, t)


def team_info(uow: UnitOfWork, team: str) -> TeamInfo | None:
    t = repo.team_by_name(uow.session, team)
    if t is None:
        return None
    return TeamInfo(
        t.name, t.timezone, t.language, t.skill_names or {}, t.slack_channel, t.telegram_chat_id
    )


def team_names(uow: UnitOfWork) -> list[str]:
    return [t.name for t in repo.all_teams(uow.session)]


def by_transport_id(uow: UnitOfWork, transport: str, user_id: str) -> list[Member]:
    """The people a Slack or Telegram user id belongs to (one per team they are in)."""
    if transport == "slack":
        rows = repo.agents_by_transport_id(uow.session, slack_user_id=user_id)
    elif transport == "telegram" and user_id.lstrip("-").isdigit() and len(user_id) < 20:
        rows = repo.agents_by_transport_id(uow.session, telegram_user_id=int(user_id))
    else:
        return []
    return [_member(a, t) for a, t in rows]


def remember_language(uow: UnitOfWork, team: str, agent_id: str, lang: str) -> None:
    """Note the language a person last wrote in (used when nothing else says what they read)."""
    t = repo.team_by_name(uow.session, team)
    if t is None or t.id is None:
        return
    uow.session.execute(
        update(Agent)
        .where(col(Agent.team_id) == t.id, col(Agent.agent_id) == agent_id)
        .values(last_lang=lang)
    )


def resolve_mention(uow: UnitOfWork, team: str, token: str) -> str | None:
    """A mention as written (``U0123`` from Slack, ``bob``) to an ``agent_id`` of the team.

    The transport's id wins (``slack_user_id``, ``telegram_user_id``); ``agent_id`` is the
    fallback, case-insensitively, so ``@bob`` and ``@Bob`` name the agent ``bob`` everywhere.
    """
    t = repo.team_by_name(uow.session, team)
    if t is None or t.id is None:
        return None
    agent = repo.find_agent(uow.session, t.id, slack_user_id=token)
    if agent is None and token.lstrip("-").isdigit() and len(token) < 20:
        agent = repo.find_agent(uow.session, t.id, telegram_user_id=int(token))
    if agent is None:
        agent = _find(uow, t.id, token)
    return None if agent is None else agent.agent_id
