"""Request use cases: swap, give-away, take, leave, sick, accept/decline, approve/deny, cancel.

Each public function is one use case in one transaction: it takes an open unit of work and
plain values, re-reads what it needs, asks the planner's rules, stores the result with an
audit row, commits, and returns an :class:`~bot.services.views.Outcome`. A pending request
reserves nothing: accept, take and approve re-run every rule against the roster as it is
now. Status changes are compare-and-set, so when two people act on one request at once,
exactly one wins and the other is told who came first.

Life cycle::

    swap / give-away to a person:  pending_counterpart -> pending_lead -> approved | denied
                                   (declined by the counterpart; cancelled; expired)
    open give-away, sick cover:    open -> pending_lead -> approved | denied
    leave:                         pending_lead -> approved | denied
    with approval = "auto" a request is approved as soon as every rule passes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import cached_property
from zoneinfo import ZoneInfo

from sqlmodel import Session

from bot.i18n import normalise
from bot.services.errors import (
    BadRequest,
    Conflict,
    InvalidTransition,
    NotAllowed,
    RulesBroken,
    UnknownAgent,
    UnknownRequest,
    UnknownTeam,
)
from bot.services.ports import UnitOfWork
from bot.services.views import Notice, Outcome, Person, RefView, RequestView, ShiftView
from planner.cover import CoverCandidate, suggest_cover
from planner.impact import Impact, staffing_impact
from planner.model import AgentInfo, Demand, Leave
from planner.model import Shift as PlanShift
from planner.rules import (
    ChangeKind,
    RosterChange,
    RosterContext,
    Violation,
    no_shift_that_day,
    validate,
)
from storage import messaging as msgrepo
from storage import repository as repo
from storage.localtime import local_day_bounds
from storage.repository import AgentRecord as Agent
from storage.tables import MessageRef, Request, Shift, Team

PENDING = ("pending_counterpart", "pending_lead", "open")
FINAL = ("approved", "denied", "declined", "cancelled", "expired")
MAX_LEAVE_DAYS = 31
MAX_TEXT = 500
"""Longest reason or deny note a person can type (characters), on every backend."""
MAX_IMPACTS = 10
"""``pending`` computes the staffing impact of at most this many requests."""


# ------------------------------------------------------------------------------- team scope


@dataclass
class Scope:
    """A team with its zone and agents, loaded once per use case."""

    session: Session
    team: Team
    tz: ZoneInfo
    agents: dict[int, Agent]

    @classmethod
    def load(cls, session: Session, team_name: str) -> Scope:
        team = repo.team_by_name(session, team_name)
        if team is None or team.id is None:
            known = [t.name for t in repo.all_teams(session)]
            raise UnknownTeam("error.unknown_team", team=team_name, known=known or ["—"])
        agents = {a.id: a for a in repo.agent_records(session, team.id)}
        return cls(session, team, ZoneInfo(team.timezone), agents)

    @property
    def team_id(self) -> int:
        assert self.team.id is not None
        return self.team.id

    @property
    def team_lang(self) -> str:
        return normalise(self.team.language)

    def agent(self, agent_id: str) -> Agent:
        """The agent ``agent_id`` (an exact id wins; else the one id equal ignoring case)."""
        folded = []
        for agent in self.agents.values():
            if agent.agent_id == agent_id:
                return agent
            if agent.agent_id.casefold() == agent_id.casefold():
                folded.append(agent)
        if len(folded) == 1:
            return folded[0]
        raise UnknownAgent("error.unknown_agent", agent=agent_id, team=self.team.name)

    def by_pk(self, pk: int | None) -> Agent | None:
        return None if pk is None else self.agents.get(pk)

    def reads(self, agent: Agent) -> str:
        """The language ``agent`` reads: their own, else the team's, else what they last wrote."""
        return normalise(agent.lang or self.team.language or agent.last_lang)

    def person(self, pk: int | None) -> Person | None:
        agent = self.by_pk(pk)
        if agent is None:
            return None
        return Person(agent.agent_id, agent.name, agent.role, self.reads(agent))

    def leads(self, exclude: Iterable[int | None] = ()) -> list[Agent]:
        skip = set(exclude)
        return [a for a in self.agents.values() if a.role == "lead" and a.id not in skip]

    def today(self, now: datetime) -> date:
        return now.astimezone(self.tz).date()

    def shift_view(self, shift: Shift | None) -> ShiftView | None:
        if shift is None:
            return None
        agent = self.by_pk(shift.agent_pk)
        plan = repo.to_plan_shift(shift, agent.agent_id if agent else "")
        return ShiftView(
            id=shift.id,
            agent_id=agent.agent_id if agent else None,
            local_date=shift.local_date,
            start=shift.start_utc.astimezone(self.tz),
            end=shift.end_utc.astimezone(self.tz),
            skill=shift.skill,
            breaks=tuple(
                (b.start.astimezone(self.tz), b.end.astimezone(self.tz)) for b in plan.breaks
            ),
        )

    def view(self, req: Request) -> RequestView:
        assert req.id is not None
        requester = self.person(req.requester_pk)
        assert requester is not None
        return RequestView(
            id=req.id,
            kind=req.kind,
            status=req.status,
            requester=requester,
            counterpart=self.person(req.counterpart_pk),
            taker=self.person(req.taker_pk),
            shift=self.shift_view(_shift(self.session, req.shift_id)),
            counterpart_shift=self.shift_view(_shift(self.session, req.counterpart_shift_id)),
            start_date=req.start_date,
            end_date=req.end_date,
            reason=req.reason,
            decided_by=self.person(req.decided_by_pk),
            decided_at=req.decided_at.astimezone(self.tz) if req.decided_at else None,
            decision_note=req.decision_note,
            override_cutoff=req.override_cutoff,
            staffing_warning=req.staffing_warning,
            created_at=req.created_at.astimezone(self.tz) if req.created_at else None,
        )

    # -- rules context -------------------------------------------------------------------

    @cached_property
    def agent_infos(self) -> dict[str, AgentInfo]:
        return {a.agent_id: repo.agent_info(a) for a in self.agents.values()}

    def context(
        self,
        now: datetime,
        days: Iterable[date],
        *,
        agents: Iterable[str] | None = None,
        with_demand: bool = True,
    ) -> RosterContext:
        """What the rules need around ``days``.

        The roster holds the ISO weeks of ``days`` and ``max_consecutive_days + 2`` days
        around them, for ``agents`` only when given (the people whose shifts change), plus
        every shift on the days that have demand, for the staffing rule.
        """
        days = sorted(set(days)) or [self.today(now)]
        rules = repo.team_rules(self.team)
        margin = timedelta(days=rules.max_consecutive_days + 2)
        first = min(days[0] - timedelta(days=days[0].weekday()), days[0] - margin)
        last = max(days[-1] + timedelta(days=6 - days[-1].weekday()), days[-1] + margin)
        skills = sorted({k for a in self.agents.values() for k in a.skill_set})
        demand = _demand_for_days(self.session, self.team, days, skills) if with_demand else None
        if demand is not None and not demand.interval_starts:
            demand = None
        if agents is None:
            shifts = repo.roster_window(self.session, self.team_id, first, last)
        else:
            wanted = set(agents)
            pks = [a.id for a in self.agents.values() if a.agent_id in wanted and a.id]
            shifts = repo.roster_window(self.session, self.team_id, first, last, pks)
            if demand is not None:
                # The staffing rule counts everybody on the phones on those days, including
                # night shifts that began the day before: one read for all of them.
                wanted_days = {d + timedelta(days=k) for d in days for k in (-1, 0)}
                seen = {s.id for s in shifts}
                for shift in repo.roster_window(
                    self.session, self.team_id, min(wanted_days), max(wanted_days)
                ):
                    if shift.local_date in wanted_days and shift.id not in seen:
                        seen.add(shift.id)
                        shifts.append(shift)
        return RosterContext(
            tz=self.tz,
            rules=rules,
            target=repo.team_target(self.team),
            agents=self.agent_infos,
            shifts=tuple(shifts),
            leaves=tuple(repo.approved_leaves(self.session, self.team_id, first, last)),
            now=now,
            demand=demand,
        )

    def audit(
        self,
        actor: Agent | str,
        action: str,
        req: Request | None,
        before: dict[str, object] | None,
        after: dict[str, object] | None,
        now: datetime,
        note: str | None = None,
    ) -> None:
        repo.add_audit(
            self.session,
            team_id=self.team_id,
            actor=actor if isinstance(actor, str) else actor.agent_id,
            action=action,
            request_id=req.id if req is not None else None,
            before=before,
            after=after,
            note=note,
            at=now,
        )


def _shift(session: Session, shift_id: int | None) -> Shift | None:
    return None if shift_id is None else session.get(Shift, shift_id)


def _demand_for_days(
    session: Session, team: Team, days: Sequence[date], skills: Sequence[str] | None = None
) -> Demand:
    if skills is None:
        skills = repo.team_skills(session, team.id) if team.id is not None else []
    parts = [repo.demand_for_day(session, team, d, skills) for d in days]
    starts: list[datetime] = []
    calls: dict[str, list[float]] = {s: [] for s in skills}
    aht: dict[str, list[float]] = {s: [] for s in skills}
    for part in parts:
        n = len(part.interval_starts)
        starts.extend(part.interval_starts)
        for skill in set(calls) | set(part.calls):
            calls.setdefault(skill, [0.0] * (len(starts) - n))
            aht.setdefault(skill, [0.0] * (len(starts) - n))
            calls[skill].extend(part.calls.get(skill, (0.0,) * n))
            aht[skill].extend(part.aht_seconds.get(skill, (0.0,) * n))
    return Demand(
        interval_starts=tuple(starts),
        interval_seconds=team.interval_minutes * 60,
        calls={k: tuple(v) for k, v in calls.items()},
        aht_seconds={k: tuple(v) for k, v in aht.items()},
    )


def _plan(scope: Scope, shift: Shift, expected: Agent | None) -> PlanShift:
    """The shift as the rules see it, worked by ``expected`` (who the request says has it)."""
    worker = expected or scope.by_pk(shift.agent_pk)
    return repo.to_plan_shift(shift, worker.agent_id if worker else "")


def _violation(rule: str, code: str, message: str, **params: object) -> Violation:
    return Violation(rule, message, code, params)


def _no_shift(agent: Agent, day: date) -> Violation:
    return no_shift_that_day(agent.name, day)


def _ownership(
    scope: Scope, shift: Shift | None, expected: Agent, day: date | None
) -> list[Violation]:
    """``no_shift`` when ``expected`` no longer works the shift the request is about."""
    if shift is None:
        return [
            _violation(
                "no_shift",
                "svc.shift_gone",
                f"no_shift: the shift of {expected.name} no longer exists",
                name=expected.name,
            )
        ]
    if shift.agent_pk != expected.id:
        holder = scope.by_pk(shift.agent_pk)
        start = shift.start_utc.astimezone(scope.tz)
        if holder is not None:
            return [
                _violation(
                    "no_shift",
                    "svc.shift_moved",
                    f"no_shift: {expected.name} no longer has the shift on "
                    f"{start:%a} {start.day} {start:%b %H:%M} ({holder.name} works it now)",
                    name=expected.name,
                    start=start,
                    holder=holder.name,
                )
            ]
        return [
            _violation(
                "no_shift",
                "svc.shift_open_now",
                f"no_shift: {expected.name} no longer has the shift on "
                f"{start:%a} {start.day} {start:%b %H:%M} (it is open now)",
                name=expected.name,
                start=start,
            )
        ]
    return []


def _lock_shifts(
    session: Session, ids: Iterable[int | None], *, lock: bool = True
) -> dict[int, Shift]:
    out: dict[int, Shift] = {}
    for shift_id in sorted({i for i in ids if i is not None}):
        shift = repo.shift_by_id(session, shift_id, lock=lock)
        if shift is not None:
            session.refresh(shift)
            out[shift_id] = shift
    return out


def _load_request(scope: Scope, request_id: int, now: datetime) -> Request:
    """The request, locked; one whose time has come is expired, even before the sweep ran."""
    req = repo.request_by_id(scope.session, request_id, lock=True)
    if req is None or req.team_id != scope.team_id:
        raise UnknownRequest("error.unknown_request", id=request_id, team=scope.team.name)
    scope.session.refresh(req)
    if req.status in PENDING and req.expires_at is not None and req.expires_at <= now:
        raise InvalidTransition("error.already_expired", id=req.id)
    return req


def _state_error(scope: Scope, req: Request, wanted: str) -> InvalidTransition:
    """``#12 was already approved by lin at 09:14`` and friends, as a message id and values.

    ``wanted`` is the verb asked for (``approve``, ``take`` …).
    """
    who = scope.by_pk(req.decided_by_pk)
    at = req.decided_at.astimezone(scope.tz) if req.decided_at else None
    base: dict[str, object] = {"id": req.id, "verb": wanted}
    taker = scope.by_pk(req.taker_pk)
    if wanted == "take" and taker is not None and req.status in ("pending_lead", "approved"):
        taken_at = req.updated_at.astimezone(scope.tz)
        return InvalidTransition("error.already_taken", **base, who=taker.agent_id, at=taken_at)
    if req.status in ("approved", "denied") and who is not None and at is not None:
        return InvalidTransition(f"error.already_{req.status}_by", **base, who=who.agent_id, at=at)
    if req.status in ("approved", "denied"):
        return InvalidTransition(f"error.already_{req.status}", **base)
    if req.status == "declined":
        return InvalidTransition(
            "error.already_declined",
            **base,
            who=who.agent_id if who else "—",
            at=at or req.updated_at,
        )
    if req.status == "cancelled":
        return InvalidTransition("error.already_cancelled", **base)
    if req.status == "expired":
        return InvalidTransition("error.already_expired", **base)
    if req.status == "pending_counterpart":
        other = scope.by_pk(req.counterpart_pk)
        return InvalidTransition(
            "error.waiting_for_counterpart", **base, who=other.name if other else "—"
        )
    if req.status == "open":
        return InvalidTransition("error.still_open", **base)
    return InvalidTransition("error.waiting_for_lead", **base)


def _cas(
    scope: Scope, req: Request, expected: str, new: str, now: datetime, verb: str, **values: object
) -> None:
    assert req.id is not None
    if not repo.compare_and_set_status(
        scope.session, req.id, expected, new, updated_at=now, **values
    ):
        fresh = repo.request_by_id(scope.session, req.id)
        assert fresh is not None
        scope.session.refresh(fresh)
        raise _state_error(scope, fresh, verb)
    scope.session.refresh(req)


# Which posted buttons still make sense in each status; the rest are edited when it changes.
BUTTONS_VALID = {
    "pending_counterpart": ("answer",),
    "pending_lead": ("decide",),
    "open": ("take",),
}
ACTION_GROUP = {
    "accept": "answer",
    "decline": "answer",
    "approve": "decide",
    "deny": "decide",
    "take": "take",
}


def _retire(scope: Scope, req: Request, now: datetime) -> list[RefView]:
    """Claim the request's posted button messages that its new status makes stale."""
    assert req.id is not None
    valid = BUTTONS_VALID.get(req.status, ())
    out: list[RefView] = []
    for ref in msgrepo.live_message_refs(scope.session, req.id):
        if ref.kind in valid or ref.id is None:
            continue
        if msgrepo.retire_message_ref(scope.session, ref.id, now):
            out.append(_ref_view(ref))
    return out


def _ref_view(ref: MessageRef) -> RefView:
    assert ref.id is not None
    return RefView(
        ref.id, ref.transport, ref.recipient, ref.request_id, ref.kind, ref.lang, ref.ref
    )


def _notice(
    scope: Scope,
    to: Agent | None,
    kind: str,
    req: Request,
    actions: tuple[str, ...] = (),
    **extra: object,
) -> list[Notice]:
    if to is None:
        return []
    person = Person(to.agent_id, to.name, to.role, scope.reads(to))
    return [
        Notice(
            to=person,
            kind=kind,
            request=scope.view(req),
            actions=actions,
            team_lang=scope.team_lang,
            **extra,  # type: ignore[arg-type]
        )
    ]


def _channel_notice(scope: Scope, kind: str, req: Request, **extra: object) -> list[Notice]:
    """A notice for the team's channel: approved changes and uncovered gaps only."""
    return [
        Notice(
            to=None,
            kind=kind,
            request=scope.view(req),
            channel=True,
            team_lang=scope.team_lang,
            **extra,  # type: ignore[arg-type]
        )
    ]


def _lead_notices(
    scope: Scope,
    req: Request,
    kind: str,
    actions: tuple[str, ...],
    exclude: Iterable[int | None] = (),
    **extra: object,
) -> list[Notice]:
    out: list[Notice] = []
    for lead in scope.leads(exclude):
        out += _notice(scope, lead, kind, req, actions, **extra)
    return out


# ------------------------------------------------------------------------ building changes


def _change_for(
    scope: Scope, req: Request, shifts: dict[int, Shift], *, by_lead: bool
) -> tuple[RosterChange, list[Violation], list[date]]:
    """The roster change a request stands for, as the roster is now, plus ownership problems."""
    requester = scope.by_pk(req.requester_pk)
    assert requester is not None
    problems: list[Violation] = []
    days: list[date] = []
    if req.kind == "swap":
        counterpart = scope.by_pk(req.counterpart_pk)
        assert counterpart is not None
        s1 = shifts.get(req.shift_id) if req.shift_id else None
        s2 = shifts.get(req.counterpart_shift_id) if req.counterpart_shift_id else None
        problems += _ownership(scope, s1, requester, req.start_date)
        problems += _ownership(scope, s2, counterpart, req.end_date)
        if problems or s1 is None or s2 is None:
            return RosterChange("swap", requester.agent_id, by_lead=by_lead), problems, days
        p1, p2 = _plan(scope, s1, requester), _plan(scope, s2, counterpart)
        days = [s1.local_date, s2.local_date]
        return (
            RosterChange(
                "swap",
                requester.agent_id,
                remove=(p1, p2),
                add=(p1.reassigned(counterpart.agent_id), p2.reassigned(requester.agent_id)),
                by_lead=by_lead,
            ),
            problems,
            days,
        )
    if req.kind in ("giveaway", "sick", "cover"):
        shift = shifts.get(req.shift_id) if req.shift_id else None
        receiver = scope.by_pk(req.taker_pk if req.taker_pk else req.counterpart_pk)
        if req.kind == "giveaway":
            problems += _ownership(scope, shift, requester, req.start_date)
        elif shift is None or shift.agent_pk is not None:
            holder = scope.by_pk(shift.agent_pk) if shift else None
            if holder is not None:
                problems.append(
                    _violation(
                        "no_shift",
                        "svc.freed_taken",
                        f"no_shift: the freed shift is no longer open ({holder.name} works it now)",
                        holder=holder.name,
                    )
                )
            else:
                problems.append(
                    _violation(
                        "no_shift", "svc.freed_gone", "no_shift: the freed shift is no longer open"
                    )
                )
        if problems or shift is None:
            return RosterChange("take", requester.agent_id, by_lead=by_lead), problems, days
        days = [shift.local_date]
        if req.kind in ("sick", "cover"):
            plan = repo.to_plan_shift(shift, requester.agent_id)
            add = (plan.reassigned(receiver.agent_id),) if receiver else ()
            return RosterChange("cover", requester.agent_id, add=add, by_lead=True), problems, days
        plan = _plan(scope, shift, requester)
        # An open offer changes nothing until someone takes it: the requester keeps working
        # the shift, so only ownership and the cutoff are checked.
        add = (plan.reassigned(receiver.agent_id),) if receiver else (plan,)
        kind: ChangeKind = "take" if req.taker_pk else "giveaway"
        return (
            RosterChange(kind, requester.agent_id, remove=(plan,), add=add, by_lead=by_lead),
            problems,
            days,
        )
    # leave
    assert req.start_date is not None and req.end_date is not None
    leave_days = _days(req.start_date, req.end_date)
    removed = [
        repo.to_plan_shift(s, requester.agent_id)
        for s in shifts.values()
        if s.agent_pk == requester.id and s.local_date in leave_days
    ]
    return (
        RosterChange(
            "leave",
            requester.agent_id,
            remove=tuple(removed),
            leaves=tuple(Leave(requester.agent_id, d) for d in leave_days),
            by_lead=by_lead,
        ),
        problems,
        leave_days,
    )


def _days(first: date, last: date) -> list[date]:
    return [first + timedelta(days=i) for i in range((last - first).days + 1)]


def _leave_shift_ids(scope: Scope, req: Request) -> list[int]:
    assert req.start_date is not None and req.end_date is not None
    return repo.shift_ids_of(scope.session, req.requester_pk, req.start_date, req.end_date)


def _changes_coverage(change: RosterChange) -> bool:
    """Whether the change moves agents between intervals or skills (reassigning one shift to
    another person keeps its times, skill and breaks, so coverage stays as it is)."""

    def key(s: PlanShift) -> tuple[object, ...]:
        return (s.start, s.end, s.skill, s.breaks)

    return sorted(map(key, change.remove), key=repr) != sorted(map(key, change.add), key=repr)


@dataclass
class Checked:
    """The rules judged for a request as the roster is now, sorted by what they mean.

    ``hard`` refuse it; ``cutoff`` need a lead (``swap_cutoff_hours``); ``staffing`` need a
    lead when the team's policy is ``review`` (with ``deny`` they are hard). ``impact`` is the
    staffing impact of the change (None when it cannot change coverage).
    """

    hard: list[Violation]
    cutoff: list[Violation]
    staffing: list[Violation]
    shifts: dict[int, Shift]
    impact: Impact | None
    no_shift_days: list[date]

    @property
    def warnings(self) -> list[Violation]:
        return [*self.cutoff, *self.staffing]


def _check(
    scope: Scope, req: Request, now: datetime, *, by_lead: bool, lock: bool = True
) -> Checked:
    ids: list[int | None] = [req.shift_id, req.counterpart_shift_id]
    if req.kind == "leave":
        ids += _leave_shift_ids(scope, req)
    shifts = _lock_shifts(scope.session, ids, lock=lock)
    change, problems, days = _change_for(scope, req, shifts, by_lead=by_lead)
    if problems:
        return Checked(problems, [], [], shifts, None, [])
    involved = [scope.by_pk(pk) for pk in (req.requester_pk, req.counterpart_pk, req.taker_pk)]
    moves = _changes_coverage(change)
    ctx = scope.context(
        now,
        days,
        agents=[a.agent_id for a in involved if a is not None],
        with_demand=moves,
    )
    violations = validate(change, ctx)
    policy = scope.team.staffing_policy
    hard = [v for v in violations if v.rule not in ("staffing", "swap_cutoff_hours")]
    cutoff = [v for v in violations if v.rule == "swap_cutoff_hours"]
    staffing = [v for v in violations if v.rule == "staffing"]
    if req.kind in ("sick", "cover") or policy == "off":
        staffing = []
    elif policy == "deny":
        hard, staffing = [*hard, *staffing], []
    impact: Impact | None = Impact(days=(), has_demand=True)  # "no change to staffing"
    if moves and ctx.demand is None:
        impact = Impact(days=(), has_demand=False)
    elif moves and ctx.demand is not None:
        impact = staffing_impact(
            ctx.demand, ctx.target, ctx.shifts, change.remove, change.add, scope.tz
        )
    if req.kind == "leave" and not change.remove:
        impact = None  # no shift on those days: nothing to show but that
    no_shift_days: list[date] = []
    if req.kind == "leave":
        worked = {s.local_date for s in change.remove}
        no_shift_days = [d for d in days if d not in worked]
    return Checked(hard, cutoff, staffing, shifts, impact, no_shift_days)


def _apply(
    scope: Scope, req: Request, shifts: dict[int, Shift], actor: Agent, now: datetime
) -> list[int]:
    """Apply an approved request to the roster, every shift by compare-and-set.

    Returns the ids of shifts the change left open (freed by leave).
    """
    changes: list[tuple[int, int | None, int | None]] = []
    if req.kind == "swap":
        assert req.shift_id and req.counterpart_shift_id
        changes += [
            (req.shift_id, req.requester_pk, req.counterpart_pk),
            (req.counterpart_shift_id, req.counterpart_pk, req.requester_pk),
        ]
    elif req.kind == "giveaway":
        assert req.shift_id
        changes.append((req.shift_id, req.requester_pk, req.taker_pk or req.counterpart_pk))
    elif req.kind in ("sick", "cover"):
        assert req.shift_id
        changes.append((req.shift_id, None, req.taker_pk))
    elif req.kind == "leave":
        changes += [(sid, req.requester_pk, None) for sid in _leave_shift_ids(scope, req)]
    freed: list[int] = []
    for shift_id, old, new in changes:
        shift = shifts.get(shift_id) or scope.session.get(Shift, shift_id)
        before = _shift_state(scope, shift)
        if not repo.reassign_shift(scope.session, shift_id, old, new):
            raise Conflict("error.roster_changed", id=req.id)
        shift = _fresh_shift(scope, shift_id)
        scope.audit(actor, "roster_change", req, before, _shift_state(scope, shift), now)
        if new is None:
            freed.append(shift_id)
    return freed


def _fresh_shift(scope: Scope, shift_id: int) -> Shift:
    """The shift as stored now (after a compare-and-set), without expiring everything else."""
    shift = scope.session.get(Shift, shift_id)
    assert shift is not None
    scope.session.refresh(shift)
    return shift


def _shift_state(scope: Scope, shift: Shift | None) -> dict[str, object] | None:
    if shift is None:
        return None
    agent = scope.by_pk(shift.agent_pk)
    return {
        "shift_id": shift.id,
        "agent_id": agent.agent_id if agent else None,
        "date": shift.local_date.isoformat(),
        "start": shift.start_utc.astimezone(scope.tz).strftime("%H:%M"),
        "end": shift.end_utc.astimezone(scope.tz).strftime("%H:%M"),
        "skill": shift.skill,
        "status": shift.status,
    }


def _state(req: Request) -> dict[str, object]:
    return {"status": req.status}


def _create(
    scope: Scope, req: Request, actor: Agent, action: str, now: datetime, note: str | None = None
) -> None:
    """Store a new request and its audit row (who asked, its first status)."""
    scope.session.add(req)
    scope.session.flush()
    scope.audit(actor, action, req, None, _state(req), now, note=note)


def _cover_for(
    scope: Scope, shift: Shift, now: datetime, exclude: Iterable[str]
) -> list[CoverCandidate]:
    plan = repo.to_plan_shift(shift, "")
    # People already working during the shift can never cover it: leave them out before
    # loading everyone's weeks.
    busy = repo.agents_working_between(scope.session, scope.team_id, shift.start_utc, shift.end_utc)
    able = [
        a.agent_id for a in scope.agents.values() if shift.skill in a.skill_set and a.id not in busy
    ]
    busy_ids = [a.agent_id for a in scope.agents.values() if a.id in busy]
    ctx = scope.context(now, [shift.local_date], agents=able, with_demand=False)
    return suggest_cover(plan, ctx, exclude=[*exclude, *busy_ids], limit=5)


def _require_future(scope: Scope, shift: Shift, now: datetime) -> None:
    if shift.start_utc <= now:
        raise BadRequest("error.shift_started", start=shift.start_utc.astimezone(scope.tz))


def _check_length(text: str | None) -> None:
    if text is not None and len(text) > MAX_TEXT:
        raise BadRequest("error.text_too_long", limit=MAX_TEXT, length=len(text))


def _refuse(checked: Checked, key: str, **params: object) -> None:
    if checked.hard:
        raise RulesBroken(key, checked.hard, **params)


def _to_lead(
    scope: Scope,
    req: Request,
    actor: Agent,
    now: datetime,
    checked: Checked,
    expected: str,
) -> tuple[list[Notice], bool, list[RefView]]:
    """After accept/take: auto-approve when allowed, else hand over to the leads."""
    warnings = checked.warnings
    if scope.team.approval == "auto" and not warnings:
        _cas(
            scope,
            req,
            expected,
            "approved",
            now,
            "approve",
            decided_at=now,
            decision_note="auto-approved: every rule passed",
        )
        _apply(scope, req, checked.shifts, actor, now)
        scope.audit(
            "system",
            "approve",
            req,
            {"status": expected},
            {"status": "approved"},
            now,
            note="approval = auto",
        )
        notices = _channel_notice(scope, "roster_changed", req)
        return notices, True, _retire(scope, req, now)
    _cas(
        scope,
        req,
        expected,
        "pending_lead",
        now,
        "approve",
        override_cutoff=bool(checked.cutoff),
        staffing_warning=bool(checked.staffing),
    )
    scope.audit(actor, "to_lead", req, {"status": expected}, {"status": "pending_lead"}, now)
    notices = _lead_notices(
        scope,
        req,
        "approval_needed",
        ("approve", "deny"),
        exclude=[req.requester_pk],
        violations=tuple(warnings),
        impact=checked.impact,
    )
    return notices, False, _retire(scope, req, now)


# ------------------------------------------------------------------------------- use cases


def request_swap(
    uow: UnitOfWork,
    team: str,
    requester_id: str,
    counterpart_id: str,
    day: date,
    other_day: date | None,
    now: datetime,
) -> Outcome:
    """Ask to swap my shift on ``day`` with the counterpart's shift on ``other_day``."""
    scope = Scope.load(uow.session, team)
    requester = scope.agent(requester_id)
    counterpart = scope.agent(counterpart_id)
    if requester.id == counterpart.id:
        raise BadRequest("error.swap_with_yourself")
    other_day = other_day or day
    assert requester.id is not None and counterpart.id is not None
    mine = repo.shift_of(scope.session, requester.id, day)
    theirs = repo.shift_of(scope.session, counterpart.id, other_day)
    missing = []
    if mine is None:
        missing.append(_no_shift(requester, day))
    if theirs is None:
        missing.append(_no_shift(counterpart, other_day))
    if missing:
        raise RulesBroken("error.swap_not_possible", missing)
    assert mine is not None and theirs is not None
    _require_future(scope, mine, now)
    _require_future(scope, theirs, now)
    if (mine.local_date, mine.start_utc, mine.end_utc, mine.skill) == (
        theirs.local_date,
        theirs.start_utc,
        theirs.end_utc,
        theirs.skill,
    ):
        raise BadRequest("error.swap_identical", who=counterpart.name, day=mine.local_date)
    req = Request(
        team_id=scope.team_id,
        kind="swap",
        status="pending_counterpart",
        requester_pk=requester.id,
        counterpart_pk=counterpart.id,
        shift_id=mine.id,
        counterpart_shift_id=theirs.id,
        start_date=day,
        end_date=other_day,
        created_at=now,
        updated_at=now,
        expires_at=min(mine.start_utc, theirs.start_utc),
    )
    checked = _check(scope, req, now, by_lead=requester.role == "lead")
    _refuse(checked, "error.swap_breaks")
    _create(scope, req, requester, "request_swap", now)
    uow.commit()
    notices = _notice(
        scope, counterpart, "swap_asked", req, ("accept", "decline"), impact=checked.impact
    )
    return Outcome(
        scope.view(req),
        notices,
        violations=tuple(checked.warnings),
        needs_override=bool(checked.cutoff),
        impact=checked.impact,
        warnings=tuple(checked.staffing),
    )


def request_giveaway(
    uow: UnitOfWork, team: str, requester_id: str, day: date, to_id: str | None, now: datetime
) -> Outcome:
    """Offer my shift on ``day`` to a colleague, or to anyone eligible when ``to_id`` is None."""
    scope = Scope.load(uow.session, team)
    requester = scope.agent(requester_id)
    assert requester.id is not None
    receiver = scope.agent(to_id) if to_id else None
    if receiver is not None and receiver.id == requester.id:
        raise BadRequest("error.give_to_yourself")
    shift = repo.shift_of(scope.session, requester.id, day)
    if shift is None:
        raise RulesBroken("error.nothing_to_give", [_no_shift(requester, day)])
    _require_future(scope, shift, now)
    req = Request(
        team_id=scope.team_id,
        kind="giveaway",
        status="pending_counterpart" if receiver else "open",
        requester_pk=requester.id,
        counterpart_pk=receiver.id if receiver else None,
        shift_id=shift.id,
        start_date=day,
        end_date=day,
        created_at=now,
        updated_at=now,
        expires_at=shift.start_utc,
    )
    checked = _check(scope, req, now, by_lead=requester.role == "lead")
    _refuse(checked, "error.giveaway_breaks")
    _create(scope, req, requester, "request_giveaway", now)
    cover: list[CoverCandidate] = []
    notices: list[Notice] = []
    if receiver is not None:
        notices = _notice(scope, receiver, "giveaway_offered", req, ("accept", "decline"))
    else:
        cover = _cover_for(scope, shift, now, exclude=[requester.agent_id])
        for candidate in cover:
            notices += _notice(scope, scope.agent(candidate.agent_id), "open_shift", req, ("take",))
    uow.commit()
    return Outcome(
        scope.view(req),
        notices,
        violations=tuple(checked.warnings),
        cover=tuple(cover),
        needs_override=bool(checked.cutoff),
    )


def take(uow: UnitOfWork, team: str, taker_id: str, request_id: int, now: datetime) -> Outcome:
    """Claim an open give-away (or a shift freed by a sick call or by leave)."""
    scope = Scope.load(uow.session, team)
    taker = scope.agent(taker_id)
    req = _load_request(scope, request_id, now)
    if req.kind not in ("giveaway", "sick", "cover"):
        raise BadRequest("error.not_takeable", id=request_id)
    if req.status != "open":
        raise _state_error(scope, req, "take")
    if req.requester_pk == taker.id:
        if req.kind == "sick":
            raise NotAllowed("error.take_own_sick", id=request_id)
        raise NotAllowed("error.take_own", id=request_id)
    req.taker_pk = taker.id
    checked = _check(scope, req, now, by_lead=taker.role == "lead")
    _refuse(checked, "error.cannot_take", id=request_id)
    scope.session.add(req)
    scope.session.flush()
    scope.audit(
        taker, "take", req, {"status": "open", "taker": None}, {"taker": taker.agent_id}, now
    )
    notices, approved, retired = _to_lead(scope, req, taker, now, checked, "open")
    if req.kind == "giveaway":
        notices += _notice(
            scope, scope.by_pk(req.requester_pk), "taken_approved" if approved else "taken", req
        )
    uow.commit()
    return Outcome(
        scope.view(req),
        notices,
        violations=tuple(checked.warnings),
        needs_override=bool(checked.cutoff),
        leads_available=bool(scope.leads()),
        retired=tuple(retired),
        impact=checked.impact,
    )


def answer(
    uow: UnitOfWork, team: str, agent_id: str, request_id: int, accept: bool, now: datetime
) -> Outcome:
    """The counterpart accepts or declines a swap (or a give-away offered to them)."""
    scope = Scope.load(uow.session, team)
    agent = scope.agent(agent_id)
    req = _load_request(scope, request_id, now)
    verb = "accept" if accept else "decline"
    if req.counterpart_pk != agent.id:
        other = scope.by_pk(req.counterpart_pk)
        if other is None:
            raise NotAllowed("error.not_addressed_anyone", id=request_id, verb=verb)
        raise NotAllowed("error.not_addressed_to_you", id=request_id, who=other.agent_id, verb=verb)
    if req.status != "pending_counterpart":
        raise _state_error(scope, req, verb)
    requester = scope.by_pk(req.requester_pk)
    if not accept:
        _cas(
            scope,
            req,
            "pending_counterpart",
            "declined",
            now,
            verb,
            decided_by_pk=agent.id,
            decided_at=now,
        )
        scope.audit(
            agent, "decline", req, {"status": "pending_counterpart"}, {"status": "declined"}, now
        )
        notices = _notice(scope, requester, "declined", req)
        retired = _retire(scope, req, now)
        uow.commit()
        return Outcome(scope.view(req), notices, retired=tuple(retired))
    if req.kind == "giveaway":
        req.taker_pk = agent.id
    checked = _check(scope, req, now, by_lead=False)
    _refuse(checked, "error.cannot_go_ahead", id=request_id)
    scope.audit(agent, "accept", req, {"status": "pending_counterpart"}, None, now)
    notices, approved, retired = _to_lead(scope, req, agent, now, checked, "pending_counterpart")
    notices += _notice(scope, requester, "approved" if approved else "accepted", req)
    uow.commit()
    return Outcome(
        scope.view(req),
        notices,
        violations=tuple(checked.warnings),
        needs_override=bool(checked.cutoff),
        leads_available=bool(scope.leads()),
        retired=tuple(retired),
        impact=checked.impact,
    )


def decide(
    uow: UnitOfWork,
    team: str,
    lead_id: str,
    request_id: int,
    approve: bool,
    now: datetime,
    note: str | None = None,
) -> Outcome:
    """A lead approves (re-validating every rule against the roster now) or denies.

    A lead who is a party to the request (requester, counterpart or taker) cannot decide it
    while the team has another lead; a team's only lead can, and the audit says so.
    """
    scope = Scope.load(uow.session, team)
    lead = scope.agent(lead_id)
    verb = "approve" if approve else "deny"
    _check_length(note)
    if lead.role != "lead":
        raise NotAllowed("error.not_a_lead", team=scope.team.name, verb=verb)
    req = _load_request(scope, request_id, now)
    party = lead.id in (req.requester_pk, req.counterpart_pk, req.taker_pk)
    if party and scope.leads(exclude=[lead.id]):
        raise NotAllowed("error.own_request", id=request_id, verb=verb)
    if req.status != "pending_lead":
        raise _state_error(scope, req, verb)
    requester = scope.by_pk(req.requester_pk)
    involved = [requester, scope.by_pk(req.counterpart_pk), scope.by_pk(req.taker_pk)]
    audit_note = note
    if party:
        audit_note = "decided by the team's only lead, who is a party to it" + (
            f": {note}" if note else ""
        )
    if not approve:
        _cas(
            scope,
            req,
            "pending_lead",
            "denied",
            now,
            verb,
            decided_by_pk=lead.id,
            decided_at=now,
            decision_note=note,
        )
        scope.audit(
            lead,
            "deny",
            req,
            {"status": "pending_lead"},
            {"status": "denied"},
            now,
            note=audit_note,
        )
        notices = [n for a in involved for n in _notice(scope, a, "denied", req)]
        retired = _retire(scope, req, now)
        if req.kind in ("sick", "cover") and req.shift_id is not None:
            # The shift stays open: offer it again.
            _cas(scope, req, "denied", "open", now, "take", taker_pk=None)
            retired = _retire(scope, req, now)
        uow.commit()
        return Outcome(scope.view(req), notices, retired=tuple(retired))
    checked = _check(scope, req, now, by_lead=True)
    _refuse(checked, "error.cannot_approve", id=request_id)
    notes = []
    if req.override_cutoff:
        notes.append("lead override of swap_cutoff_hours")
    if checked.staffing:
        notes.append("approved against the staffing warning")
    if audit_note:
        notes.append(audit_note)
    _cas(
        scope,
        req,
        "pending_lead",
        "approved",
        now,
        verb,
        decided_by_pk=lead.id,
        decided_at=now,
        decision_note=note,
        staffing_warning=bool(checked.staffing),
    )
    freed = _apply(scope, req, checked.shifts, lead, now)
    scope.audit(
        lead,
        "approve",
        req,
        {"status": "pending_lead"},
        {"status": "approved"},
        now,
        note="; ".join(notes) or None,
    )
    notices = [n for a in involved for n in _notice(scope, a, "approved", req)]
    notices += _channel_notice(scope, "roster_changed", req)
    retired = _retire(scope, req, now)
    cover: list[CoverCandidate] = []
    for shift_id in freed:
        shift = _fresh_shift(scope, shift_id)
        candidates = _cover_for(
            scope, shift, now, exclude=[requester.agent_id] if requester else []
        )
        opened = _open_cover(scope, req, shift, lead, now)
        notices += _channel_notice(scope, "open_shift_channel", opened)
        for candidate in candidates:
            notices += _notice(
                scope, scope.agent(candidate.agent_id), "open_shift", opened, ("take",)
            )
        cover += candidates
    uow.commit()
    return Outcome(
        scope.view(req),
        notices,
        cover=tuple(cover[:5]),
        retired=tuple(retired),
        impact=checked.impact,
        warnings=tuple(checked.staffing),
    )


def _open_cover(scope: Scope, leave: Request, shift: Shift, actor: Agent, now: datetime) -> Request:
    """A shift freed by approved leave gets an id of its own and is offered like a sick call's."""
    req = Request(
        team_id=scope.team_id,
        kind="cover",
        status="open",
        requester_pk=leave.requester_pk,
        shift_id=shift.id,
        start_date=shift.local_date,
        end_date=shift.local_date,
        created_at=now,
        updated_at=now,
        expires_at=shift.end_utc,
        reason=f"#{leave.id}",
    )
    _create(scope, req, actor, "open_cover", now, note=f"freed by leave #{leave.id}")
    return req


def cancel(uow: UnitOfWork, team: str, agent_id: str, request_id: int, now: datetime) -> Outcome:
    """The requester withdraws a pending request (a sick call: the shift comes back).

    Nothing is deleted: the request stays, marked cancelled.
    """
    scope = Scope.load(uow.session, team)
    agent = scope.agent(agent_id)
    req = _load_request(scope, request_id, now)
    if req.requester_pk != agent.id:
        owner = scope.by_pk(req.requester_pk)
        raise NotAllowed("error.not_yours", id=request_id, who=owner.agent_id if owner else "—")
    if req.kind == "cover" or req.status not in PENDING:
        raise _state_error(scope, req, "cancel")
    before = req.status
    if req.kind == "sick":
        if req.status != "open":
            raise _state_error(scope, req, "cancel")
        assert req.shift_id is not None
        shift = _lock_shifts(scope.session, [req.shift_id]).get(req.shift_id)
        if shift is None or shift.end_utc <= now:
            raise BadRequest("error.sick_shift_over", id=request_id)
        state_before = _shift_state(scope, shift)
        if not repo.reassign_shift(scope.session, req.shift_id, None, agent.id):
            raise Conflict("error.roster_changed", id=req.id)
        shift = _fresh_shift(scope, req.shift_id)
        scope.audit(agent, "roster_change", req, state_before, _shift_state(scope, shift), now)
    _cas(scope, req, before, "cancelled", now, "cancel", decided_at=now)
    scope.audit(agent, "cancel", req, {"status": before}, {"status": "cancelled"}, now)
    others = [scope.by_pk(req.counterpart_pk), scope.by_pk(req.taker_pk)]
    notices = [n for a in others for n in _notice(scope, a, "cancelled", req)]
    if before == "pending_lead" or req.kind == "sick":
        notices += _lead_notices(scope, req, "cancelled", (), exclude=[req.requester_pk])
    retired = _retire(scope, req, now)
    uow.commit()
    return Outcome(scope.view(req), notices, retired=tuple(retired))


def request_leave(
    uow: UnitOfWork,
    team: str,
    agent_id: str,
    first: date,
    last: date | None,
    reason: str | None,
    now: datetime,
) -> Outcome:
    """Ask for leave on ``first``..``last``; limited by ``max_off_per_day``; a staffing
    shortfall goes to a lead with its impact (``staffing = "review"``)."""
    scope = Scope.load(uow.session, team)
    agent = scope.agent(agent_id)
    assert agent.id is not None
    _check_length(reason)
    last = last or first
    if last < first:
        raise BadRequest("error.leave_reversed", first=first, last=last)
    if (last - first).days + 1 > MAX_LEAVE_DAYS:
        raise BadRequest("error.leave_too_long", limit=MAX_LEAVE_DAYS)
    if first < scope.today(now):
        raise BadRequest("error.leave_in_past", day=first)
    for other in repo.requests_involving(
        scope.session, agent.id, ("pending_lead", "approved", "open")
    ):
        if other.requester_pk != agent.id or not other.start_date or not other.end_date:
            continue
        if other.start_date <= last and other.end_date >= first:
            if other.kind == "leave":
                raise BadRequest(
                    "error.leave_exists", id=other.id, state=other.status, day=other.start_date
                )
            if other.kind == "sick":
                raise BadRequest("error.leave_after_sick", id=other.id, day=other.start_date)
    started = repo.shift_of(scope.session, agent.id, first)
    if started is not None and started.start_utc <= now:
        raise BadRequest("error.leave_shift_started", start=started.start_utc.astimezone(scope.tz))
    req = Request(
        team_id=scope.team_id,
        kind="leave",
        status="pending_lead",
        requester_pk=agent.id,
        start_date=first,
        end_date=last,
        reason=reason,
        created_at=now,
        updated_at=now,
        expires_at=local_day_bounds(first, scope.tz)[0],
    )
    if started is not None:
        req.expires_at = min(req.expires_at or started.start_utc, started.start_utc)
    checked = _check(scope, req, now, by_lead=False)
    _refuse(checked, "error.leave_refused")
    req.staffing_warning = bool(checked.staffing)
    _create(scope, req, agent, "request_leave", now, note=reason)
    notices: list[Notice] = []
    retired: list[RefView] = []
    cover: list[CoverCandidate] = []
    if scope.team.approval == "auto" and not checked.staffing:
        _cas(
            scope,
            req,
            "pending_lead",
            "approved",
            now,
            "approve",
            decided_at=now,
            decision_note="auto-approved: every rule passed",
        )
        freed = _apply(scope, req, checked.shifts, agent, now)
        scope.audit(
            "system",
            "approve",
            req,
            {"status": "pending_lead"},
            {"status": "approved"},
            now,
            note="approval = auto",
        )
        notices += _channel_notice(scope, "roster_changed", req)
        for shift_id in freed:
            shift = _fresh_shift(scope, shift_id)
            candidates = _cover_for(scope, shift, now, exclude=[agent.agent_id])
            opened = _open_cover(scope, req, shift, agent, now)
            notices += _channel_notice(scope, "open_shift_channel", opened)
            for candidate in candidates:
                notices += _notice(
                    scope, scope.agent(candidate.agent_id), "open_shift", opened, ("take",)
                )
            cover += candidates
    else:
        notices = _lead_notices(
            scope,
            req,
            "approval_needed",
            ("approve", "deny"),
            exclude=[agent.id],
            violations=tuple(checked.staffing),
            impact=checked.impact,
            no_shift_days=tuple(checked.no_shift_days),
        )
    uow.commit()
    return Outcome(
        scope.view(req),
        notices,
        leads_available=bool(scope.leads(exclude=[agent.id])),
        retired=tuple(retired),
        impact=checked.impact,
        warnings=tuple(checked.staffing),
        no_shift_days=tuple(checked.no_shift_days),
        cover=tuple(cover[:5]),
    )


def report_sick(uow: UnitOfWork, team: str, agent_id: str, day: date, now: datetime) -> Outcome:
    """Report absence: the shift is freed at once, leads get a ranked list of who can cover."""
    scope = Scope.load(uow.session, team)
    agent = scope.agent(agent_id)
    assert agent.id is not None
    for other in repo.requests_involving(scope.session, agent.id, ("open", "pending_lead")):
        if other.kind == "sick" and other.requester_pk == agent.id and other.start_date == day:
            raise BadRequest("error.already_sick", id=other.id, day=day)
    shift = repo.shift_of(scope.session, agent.id, day)
    if shift is None:
        raise RulesBroken("error.no_shift_to_free", [_no_shift(agent, day)])
    if shift.end_utc <= now:
        raise BadRequest("error.shift_ended", day=day)
    shift_id = shift.id
    assert shift_id is not None
    shift = _lock_shifts(scope.session, [shift_id])[shift_id]
    impact = _removal_impact(scope, shift, agent, now)
    before = _shift_state(scope, shift)
    if not repo.reassign_shift(scope.session, shift_id, agent.id, None):
        raise Conflict("error.shift_changed_now")
    shift = _fresh_shift(scope, shift_id)
    req = Request(
        team_id=scope.team_id,
        kind="sick",
        status="open",
        requester_pk=agent.id,
        shift_id=shift.id,
        start_date=day,
        end_date=day,
        created_at=now,
        updated_at=now,
        expires_at=shift.end_utc,
    )
    scope.session.add(req)
    scope.session.flush()
    scope.audit(agent, "report_sick", req, before, _shift_state(scope, shift), now)
    cover = _cover_for(scope, shift, now, exclude=[agent.agent_id])
    notices = _lead_notices(
        scope, req, "sick", (), exclude=[agent.id], cover=tuple(cover), impact=impact
    )
    notices += _channel_notice(scope, "open_shift_channel", req)
    for candidate in cover:
        notices += _notice(scope, scope.agent(candidate.agent_id), "open_shift", req, ("take",))
    uow.commit()
    return Outcome(
        scope.view(req),
        notices,
        cover=tuple(cover),
        leads_available=bool(scope.leads(exclude=[agent.id])),
        impact=impact,
    )


def _removal_impact(scope: Scope, shift: Shift, agent: Agent, now: datetime) -> Impact | None:
    """The staffing impact of taking ``shift`` off the roster (a sick call)."""
    plan = repo.to_plan_shift(shift, agent.agent_id)
    ctx = scope.context(now, [shift.local_date], agents=[agent.agent_id], with_demand=True)
    if ctx.demand is None:
        return None
    return staffing_impact(ctx.demand, ctx.target, ctx.shifts, (plan,), (), scope.tz)


# ------------------------------------------------------------------------------ the sweep


@dataclass(frozen=True)
class Expired:
    team: str
    request: RequestView
    retired: tuple[RefView, ...]


def sweep(uow: UnitOfWork, now: datetime) -> list[int]:
    """Expire every pending request whose shift has started, in every team, in one place.

    Each expiry is audited, its requester is told (an outbox notice) and its posted buttons
    are retired (an outbox edit), in the same transaction. Returns the expired ids.
    """
    ids = repo.expire_due(uow.session, now, PENDING)
    for request_id in ids:
        req = repo.request_by_id(uow.session, request_id)
        if req is None or req.id is None:
            continue
        requester = repo.agent_by_pk(uow.session, req.requester_pk)
        if requester is not None:
            msgrepo.add_outbox(
                uow.session,
                team_id=req.team_id,
                recipient=requester.agent_id,
                kind="expired",
                request_id=req.id,
                at=now,
            )
        for ref in msgrepo.live_message_refs(uow.session, req.id):
            if ref.id is not None and msgrepo.retire_message_ref(uow.session, ref.id, now):
                msgrepo.add_outbox(
                    uow.session,
                    team_id=req.team_id,
                    recipient=ref.recipient,
                    kind="edit",
                    request_id=req.id,
                    payload={"ref_id": ref.id},
                    at=now,
                )
    if ids:
        uow.commit()
    return ids


def due_exists(uow: UnitOfWork, now: datetime) -> bool:
    """Whether anything is due to expire (checked read-only before taking the write lock)."""
    return repo.any_due(uow.session, now, PENDING)


# ------------------------------------------------------------------------------ look-ups


def _live(req: Request, now: datetime) -> bool:
    return req.expires_at is None or req.expires_at > now


@dataclass(frozen=True)
class Pending:
    request: RequestView
    actions: tuple[str, ...]
    impact: Impact | None = None
    no_shift_days: tuple[date, ...] = ()


def pending_for(uow: UnitOfWork, team: str, agent_id: str, now: datetime) -> list[Pending]:
    """What waits for this person: answers as counterpart; for a lead, decisions (with their
    staffing impact as the roster is now) and open shifts nobody has taken yet.

    Read-only: requests already due to expire are left out, nothing is written.
    """
    scope = Scope.load(uow.session, team)
    agent = scope.agent(agent_id)
    lead = agent.role == "lead"
    out: list[Pending] = []
    for req in repo.requests_of_team(scope.session, scope.team_id, PENDING):
        if not _live(req, now):
            continue
        if req.status == "pending_counterpart" and req.counterpart_pk == agent.id:
            out.append(Pending(scope.view(req), ("accept", "decline")))
        elif lead and req.status == "pending_lead":
            party = agent.id in (req.requester_pk, req.counterpart_pk, req.taker_pk)
            if party and scope.leads(exclude=[agent.id]):
                continue
            impact: Impact | None = None
            idle: tuple[date, ...] = ()
            if len(out) < MAX_IMPACTS:
                checked = _check(scope, req, now, by_lead=True, lock=False)
                impact, idle = checked.impact, tuple(checked.no_shift_days)
            out.append(Pending(scope.view(req), ("approve", "deny"), impact, idle))
        elif lead and req.status == "open" and req.kind in ("sick", "cover"):
            out.append(Pending(scope.view(req), ("take",)))
    return out


def requests_of(uow: UnitOfWork, team: str, agent_id: str, now: datetime) -> list[RequestView]:
    """This person's own open requests and those addressed to them (read-only)."""
    scope = Scope.load(uow.session, team)
    agent = scope.agent(agent_id)
    assert agent.id is not None
    return [
        scope.view(r)
        for r in repo.requests_involving(scope.session, agent.id, PENDING)
        if _live(r, now)
    ]


def open_shifts(uow: UnitOfWork, team: str, agent_id: str, now: datetime) -> list[RequestView]:
    """Open shifts (give-aways, sick calls, shifts freed by leave) this person could take:
    not their own, and passing every rule for them as the roster is now (read-only)."""
    scope = Scope.load(uow.session, team)
    agent = scope.agent(agent_id)
    out: list[RequestView] = []
    for req in repo.requests_of_team(scope.session, scope.team_id, ("open",)):
        if not _live(req, now) or req.requester_pk == agent.id:
            continue
        shift = _shift(scope.session, req.shift_id)
        if shift is None or shift.skill not in agent.skill_set:
            continue
        probe = Request.model_validate(req.model_dump())
        probe.taker_pk = agent.id
        if not _check(scope, probe, now, by_lead=agent.role == "lead", lock=False).hard:
            out.append(scope.view(req))
    return out
