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
from bot.services.views import Notice, Outcome, Person, RequestView, ShiftView
from planner.cover import CoverCandidate, suggest_cover
from planner.model import AgentInfo, Demand, Leave
from planner.model import Shift as PlanShift
from planner.rules import ChangeKind, RosterChange, RosterContext, Violation, validate
from storage import repository as repo
from storage.localtime import local_day_bounds
from storage.repository import AgentRecord as Agent
from storage.tables import Request, Shift, Team
from storage.unit_of_work import UnitOfWork

PENDING = ("pending_counterpart", "pending_lead", "open")
FINAL = ("approved", "denied", "declined", "cancelled", "expired")
MAX_LEAVE_DAYS = 31


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
            raise UnknownTeam(f"unknown team {team_name!r}")
        agents = {a.id: a for a in repo.agent_records(session, team.id)}
        return cls(session, team, ZoneInfo(team.timezone), agents)

    @property
    def team_id(self) -> int:
        assert self.team.id is not None
        return self.team.id

    def agent(self, agent_id: str) -> Agent:
        for agent in self.agents.values():
            if agent.agent_id == agent_id:
                return agent
        raise UnknownAgent(f"there is no agent @{agent_id} in team {self.team.name}")

    def by_pk(self, pk: int | None) -> Agent | None:
        return None if pk is None else self.agents.get(pk)

    def person(self, pk: int | None) -> Person | None:
        agent = self.by_pk(pk)
        return None if agent is None else Person(agent.agent_id, agent.name, agent.role)

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
                seen = {s.id for s in shifts}
                for day in days:
                    for shift in repo.roster_window(
                        self.session, self.team_id, day - timedelta(days=1), day
                    ):
                        if shift.id not in seen:
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


def _no_shift(agent: Agent, day: date) -> Violation:
    return Violation("no_shift", f"no_shift: {agent.name} has no shift on {day:%a %d %b}")


def _ownership(
    scope: Scope, shift: Shift | None, expected: Agent, day: date | None
) -> list[Violation]:
    """``no_shift`` when ``expected`` no longer works the shift the request is about."""
    when = f" on {day:%a %d %b}" if day else ""
    if shift is None:
        return [
            Violation("no_shift", f"no_shift: the shift of {expected.name}{when} no longer exists")
        ]
    if shift.agent_pk != expected.id:
        holder = scope.by_pk(shift.agent_pk)
        now_with = f" ({holder.name} works it now)" if holder else " (it is open now)"
        return [
            Violation(
                "no_shift",
                f"no_shift: {expected.name} no longer has the shift on "
                f"{shift.start_utc.astimezone(scope.tz):%a %d %b %H:%M}{now_with}",
            )
        ]
    return []


def _lock_shifts(session: Session, ids: Iterable[int | None]) -> dict[int, Shift]:
    out: dict[int, Shift] = {}
    for shift_id in sorted({i for i in ids if i is not None}):
        shift = repo.shift_by_id(session, shift_id, lock=True)
        if shift is not None:
            session.refresh(shift)
            out[shift_id] = shift
    return out


def _load_request(scope: Scope, request_id: int) -> Request:
    req = repo.request_by_id(scope.session, request_id, lock=True)
    if req is None or req.team_id != scope.team_id:
        raise UnknownRequest(f"there is no request #{request_id} in team {scope.team.name}")
    scope.session.refresh(req)
    return req


def _state_error(scope: Scope, req: Request, wanted: str) -> InvalidTransition:
    """``#12 was already approved by lin at 09:14`` and friends."""
    rid = f"#{req.id}"
    who = scope.by_pk(req.decided_by_pk)
    at = f" at {req.decided_at.astimezone(scope.tz):%H:%M}" if req.decided_at else ""
    if req.status in ("approved", "denied"):
        by = f" by {who.agent_id}" if who else ""
        return InvalidTransition(f"{rid} was already {req.status}{by}{at}")
    if req.status == "declined":
        return InvalidTransition(
            f"{rid} was declined by {who.agent_id if who else 'the counterpart'}{at}"
        )
    if req.status == "cancelled":
        return InvalidTransition(f"{rid} was cancelled by its requester{at}")
    if req.status == "expired":
        return InvalidTransition(f"{rid} expired when its shift started")
    if req.status == "pending_counterpart":
        other = scope.by_pk(req.counterpart_pk)
        return InvalidTransition(
            f"{rid} is still waiting for {other.agent_id if other else 'the counterpart'} "
            f"to accept; it cannot be {wanted} yet"
        )
    if req.status == "open":
        return InvalidTransition(
            f"{rid} is still open for someone to take; it cannot be {wanted} yet"
        )
    if req.status == "pending_lead":
        return InvalidTransition(
            f"{rid} is waiting for a lead's decision; it cannot be {wanted} now"
        )
    return InvalidTransition(f"{rid} is {req.status}; it cannot be {wanted}")


def _cas(
    scope: Scope, req: Request, expected: str, new: str, now: datetime, **values: object
) -> None:
    assert req.id is not None
    if not repo.compare_and_set_status(
        scope.session, req.id, expected, new, updated_at=now, **values
    ):
        fresh = repo.request_by_id(scope.session, req.id)
        assert fresh is not None
        scope.session.refresh(fresh)
        raise _state_error(scope, fresh, new.replace("_", " "))
    scope.session.refresh(req)


def _expire(scope: Scope, now: datetime) -> None:
    """Expire what is due first, in its own transaction, whatever the use case decides."""
    if repo.expire_due(scope.session, now, PENDING):
        scope.session.commit()


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
    person = Person(to.agent_id, to.name, to.role)
    return [Notice(to=person, kind=kind, request=scope.view(req), actions=actions, **extra)]  # type: ignore[arg-type]


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
    if req.kind in ("giveaway", "sick"):
        shift = shifts.get(req.shift_id) if req.shift_id else None
        receiver = scope.by_pk(req.taker_pk if req.taker_pk else req.counterpart_pk)
        if req.kind == "giveaway":
            problems += _ownership(scope, shift, requester, req.start_date)
        elif shift is None or shift.agent_pk is not None:
            holder = scope.by_pk(shift.agent_pk) if shift else None
            problems.append(
                Violation(
                    "no_shift",
                    "no_shift: the freed shift is no longer open"
                    + (f" ({holder.name} works it now)" if holder else ""),
                )
            )
        if problems or shift is None:
            return RosterChange("take", requester.agent_id, by_lead=by_lead), problems, days
        days = [shift.local_date]
        if req.kind == "sick":
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


def _check(
    scope: Scope, req: Request, now: datetime, *, by_lead: bool
) -> tuple[list[Violation], dict[int, Shift]]:
    ids: list[int | None] = [req.shift_id, req.counterpart_shift_id]
    if req.kind == "leave":
        ids += _leave_shift_ids(scope, req)
    shifts = _lock_shifts(scope.session, ids)
    change, problems, days = _change_for(scope, req, shifts, by_lead=by_lead)
    if problems:
        return problems, shifts
    involved = [scope.by_pk(pk) for pk in (req.requester_pk, req.counterpart_pk, req.taker_pk)]
    # Reassigning a shift keeps its times and skill, so only leave can change coverage:
    # the staffing rule's demand is loaded for leave alone.
    ctx = scope.context(
        now,
        days,
        agents=[a.agent_id for a in involved if a is not None],
        with_demand=req.kind == "leave",
    )
    violations = validate(change, ctx)
    if req.kind == "sick":
        violations = [v for v in violations if v.rule != "staffing"]
    return violations, shifts


def _apply(
    scope: Scope, req: Request, shifts: dict[int, Shift], actor: Agent, now: datetime
) -> None:
    """Apply an approved request to the roster, every shift by compare-and-set."""
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
    elif req.kind == "sick":
        assert req.shift_id
        changes.append((req.shift_id, None, req.taker_pk))
    elif req.kind == "leave":
        changes += [(sid, req.requester_pk, None) for sid in _leave_shift_ids(scope, req)]
    for shift_id, old, new in changes:
        shift = shifts.get(shift_id) or scope.session.get(Shift, shift_id)
        before = _shift_state(scope, shift)
        if not repo.reassign_shift(scope.session, shift_id, old, new):
            raise Conflict(
                f"the roster changed while #{req.id} was being decided; "
                "nothing was applied, please try again"
            )
        shift = _fresh_shift(scope, shift_id)
        scope.audit(actor, "roster_change", req, before, _shift_state(scope, shift), now)


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


def _is_cutoff_only(violations: Sequence[Violation]) -> bool:
    return bool(violations) and all(v.rule == "swap_cutoff_hours" for v in violations)


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


def _require_future(scope: Scope, shift: Shift, now: datetime, what: str) -> None:
    if shift.start_utc <= now:
        raise BadRequest(
            f"that shift already started at "
            f"{shift.start_utc.astimezone(scope.tz):%a %d %b %H:%M}; {what} is for future shifts"
        )


def _finish_pending(
    scope: Scope,
    req: Request,
    actor: Agent,
    now: datetime,
    violations: list[Violation],
    shifts: dict[int, Shift],
    expected: str,
) -> tuple[list[Notice], bool]:
    """After accept/take: auto-approve when allowed, else hand over to the leads."""
    auto = scope.team.approval == "auto" and not violations
    if auto:
        _cas(
            scope,
            req,
            expected,
            "approved",
            now,
            decided_at=now,
            decision_note="auto-approved: every rule passed",
        )
        _apply(scope, req, shifts, actor, now)
        scope.audit(
            "system",
            "approve",
            req,
            {"status": expected},
            {"status": "approved"},
            now,
            note="approval = auto",
        )
        return [], True
    _cas(scope, req, expected, "pending_lead", now, override_cutoff=_is_cutoff_only(violations))
    scope.audit(actor, "to_lead", req, {"status": expected}, {"status": "pending_lead"}, now)
    notices = _lead_notices(
        scope,
        req,
        "approval_needed",
        ("approve", "deny"),
        exclude=[req.requester_pk],
        violations=tuple(violations),
    )
    return notices, False


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
    _expire(scope, now)
    requester = scope.agent(requester_id)
    counterpart = scope.agent(counterpart_id)
    if requester.id == counterpart.id:
        raise BadRequest(
            "you cannot swap a shift with yourself; mention a colleague, e.g. swap fri with @bob"
        )
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
        raise RulesBroken("the swap cannot be requested", missing)
    assert mine is not None and theirs is not None
    _require_future(scope, mine, now, "a swap")
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
    violations, _ = _check_new(scope, req, now, by_lead=requester.role == "lead")
    _create(scope, req, requester, "request_swap", now)
    uow.commit()
    notices = _notice(scope, counterpart, "swap_asked", req, ("accept", "decline"))
    return Outcome(
        scope.view(req), notices, violations=tuple(violations), needs_override=bool(violations)
    )


def _check_new(
    scope: Scope, req: Request, now: datetime, *, by_lead: bool
) -> tuple[list[Violation], dict[int, Shift]]:
    """Rules for a request about to be created: refuse unless only the cutoff is broken."""
    violations, shifts = _check(scope, req, now, by_lead=by_lead)
    if violations and not _is_cutoff_only(violations):
        raise RulesBroken(
            f"the {req.kind} breaks {len(violations)} rule{'s' if len(violations) > 1 else ''}",
            violations,
        )
    return violations, shifts


def request_giveaway(
    uow: UnitOfWork, team: str, requester_id: str, day: date, to_id: str | None, now: datetime
) -> Outcome:
    """Offer my shift on ``day`` to a colleague, or to anyone eligible when ``to_id`` is None."""
    scope = Scope.load(uow.session, team)
    _expire(scope, now)
    requester = scope.agent(requester_id)
    assert requester.id is not None
    receiver = scope.agent(to_id) if to_id else None
    if receiver is not None and receiver.id == requester.id:
        raise BadRequest("you cannot give a shift to yourself")
    shift = repo.shift_of(scope.session, requester.id, day)
    if shift is None:
        raise RulesBroken(
            "nothing to give away",
            [_no_shift(requester, day)],
        )
    _require_future(scope, shift, now, "a give-away")
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
    violations, _ = _check_new(scope, req, now, by_lead=requester.role == "lead")
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
        violations=tuple(violations),
        cover=tuple(cover),
        needs_override=bool(violations),
    )


def take(uow: UnitOfWork, team: str, taker_id: str, request_id: int, now: datetime) -> Outcome:
    """Claim an open give-away (or a shift freed by a sick call)."""
    scope = Scope.load(uow.session, team)
    _expire(scope, now)
    taker = scope.agent(taker_id)
    req = _load_request(scope, request_id)
    if req.kind not in ("giveaway", "sick"):
        raise BadRequest(f"#{request_id} is a {req.kind} request; only open shifts can be taken")
    if req.status != "open":
        raise _state_error(scope, req, "taken")
    if req.requester_pk == taker.id:
        raise NotAllowed(f"#{request_id} is your own shift; use cancel {request_id} to withdraw it")
    req.taker_pk = taker.id
    violations, shifts = _check(scope, req, now, by_lead=taker.role == "lead")
    if violations and not _is_cutoff_only(violations):
        raise RulesBroken(f"you cannot take #{request_id}", violations)
    scope.session.add(req)
    scope.session.flush()
    scope.audit(
        taker, "take", req, {"status": "open", "taker": None}, {"taker": taker.agent_id}, now
    )
    notices, approved = _finish_pending(scope, req, taker, now, violations, shifts, "open")
    if req.kind == "giveaway":
        notices += _notice(
            scope, scope.by_pk(req.requester_pk), "taken_approved" if approved else "taken", req
        )
    uow.commit()
    return Outcome(
        scope.view(req),
        notices,
        violations=tuple(violations),
        needs_override=bool(violations),
        leads_available=bool(scope.leads()),
    )


def answer(
    uow: UnitOfWork, team: str, agent_id: str, request_id: int, accept: bool, now: datetime
) -> Outcome:
    """The counterpart accepts or declines a swap (or a give-away offered to them)."""
    scope = Scope.load(uow.session, team)
    _expire(scope, now)
    agent = scope.agent(agent_id)
    req = _load_request(scope, request_id)
    if req.counterpart_pk != agent.id:
        other = scope.by_pk(req.counterpart_pk)
        whom = f"@{other.agent_id}" if other else "nobody in particular"
        raise NotAllowed(
            f"#{request_id} is addressed to {whom}; "
            f"only they can {'accept' if accept else 'decline'} it"
        )
    if req.status != "pending_counterpart":
        raise _state_error(scope, req, "accepted" if accept else "declined")
    requester = scope.by_pk(req.requester_pk)
    if not accept:
        _cas(
            scope,
            req,
            "pending_counterpart",
            "declined",
            now,
            decided_by_pk=agent.id,
            decided_at=now,
        )
        scope.audit(
            agent, "decline", req, {"status": "pending_counterpart"}, {"status": "declined"}, now
        )
        notices = _notice(scope, requester, "declined", req)
        uow.commit()
        return Outcome(scope.view(req), notices)
    if req.kind == "giveaway":
        req.taker_pk = agent.id
    violations, shifts = _check(scope, req, now, by_lead=False)
    if violations and not _is_cutoff_only(violations):
        raise RulesBroken(f"#{request_id} cannot go ahead as the roster is now", violations)
    scope.audit(agent, "accept", req, {"status": "pending_counterpart"}, None, now)
    notices, approved = _finish_pending(
        scope, req, agent, now, violations, shifts, "pending_counterpart"
    )
    notices += _notice(scope, requester, "approved" if approved else "accepted", req)
    uow.commit()
    return Outcome(
        scope.view(req),
        notices,
        violations=tuple(violations),
        needs_override=bool(violations),
        leads_available=bool(scope.leads()),
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
    """A lead approves (re-validating every rule against the roster now) or denies."""
    scope = Scope.load(uow.session, team)
    _expire(scope, now)
    lead = scope.agent(lead_id)
    verb = "approve" if approve else "deny"
    if lead.role != "lead":
        raise NotAllowed(f"only a lead of {scope.team.name} can {verb} requests")
    req = _load_request(scope, request_id)
    if req.requester_pk == lead.id and scope.leads(exclude=[lead.id]):
        raise NotAllowed(f"#{request_id} is your own request; another lead must {verb} it")
    if req.status != "pending_lead":
        raise _state_error(scope, req, "approved" if approve else "denied")
    requester = scope.by_pk(req.requester_pk)
    involved = [requester, scope.by_pk(req.counterpart_pk), scope.by_pk(req.taker_pk)]
    if not approve:
        _cas(
            scope,
            req,
            "pending_lead",
            "denied",
            now,
            decided_by_pk=lead.id,
            decided_at=now,
            decision_note=note,
        )
        scope.audit(
            lead, "deny", req, {"status": "pending_lead"}, {"status": "denied"}, now, note=note
        )
        notices = [n for a in involved for n in _notice(scope, a, "denied", req)]
        uow.commit()
        return Outcome(scope.view(req), notices)
    violations, shifts = _check(scope, req, now, by_lead=True)
    if violations:
        raise RulesBroken(f"#{request_id} cannot be approved as the roster is now", violations)
    cutoff_before = req.override_cutoff
    _cas(
        scope,
        req,
        "pending_lead",
        "approved",
        now,
        decided_by_pk=lead.id,
        decided_at=now,
        decision_note=note,
    )
    _apply(scope, req, shifts, lead, now)
    scope.audit(
        lead,
        "approve",
        req,
        {"status": "pending_lead"},
        {"status": "approved"},
        now,
        note="lead override of swap_cutoff_hours" if cutoff_before else note,
    )
    notices = [n for a in involved for n in _notice(scope, a, "approved", req)]
    cover: list[CoverCandidate] = []
    if req.kind == "leave":
        for sid in [
            s for s in shifts.values() if s.agent_pk is None and s.id in set(_freed_ids(scope, req))
        ]:
            cover += _cover_for(scope, sid, now, exclude=[requester.agent_id] if requester else [])
    uow.commit()
    return Outcome(scope.view(req), notices, cover=tuple(cover[:5]))


def _freed_ids(scope: Scope, req: Request) -> list[int]:
    assert req.start_date is not None and req.end_date is not None
    rows = repo.shifts_on_dates(
        scope.session, scope.team_id, req.start_date, req.end_date, assigned_only=False
    )
    return [s.id for s, _a in rows if s.id is not None and s.freed_from_pk == req.requester_pk]


def cancel(uow: UnitOfWork, team: str, agent_id: str, request_id: int, now: datetime) -> Outcome:
    """The requester withdraws a pending request. Nothing is deleted."""
    scope = Scope.load(uow.session, team)
    _expire(scope, now)
    agent = scope.agent(agent_id)
    req = _load_request(scope, request_id)
    if req.requester_pk != agent.id:
        owner = scope.by_pk(req.requester_pk)
        raise NotAllowed(
            f"#{request_id} belongs to @{owner.agent_id if owner else '?'}; only they can cancel it"
        )
    if req.status not in PENDING or req.kind == "sick":
        raise _state_error(scope, req, "cancelled")
    before = req.status
    _cas(scope, req, before, "cancelled", now, decided_at=now)
    scope.audit(agent, "cancel", req, {"status": before}, {"status": "cancelled"}, now)
    others = [scope.by_pk(req.counterpart_pk), scope.by_pk(req.taker_pk)]
    notices = [n for a in others for n in _notice(scope, a, "cancelled", req)]
    if before == "pending_lead":
        notices += _lead_notices(scope, req, "cancelled", (), exclude=[req.requester_pk])
    uow.commit()
    return Outcome(scope.view(req), notices)


def request_leave(
    uow: UnitOfWork,
    team: str,
    agent_id: str,
    first: date,
    last: date | None,
    reason: str | None,
    now: datetime,
) -> Outcome:
    """Ask for leave on ``first``..``last``; limited by ``max_off_per_day`` and staffing."""
    scope = Scope.load(uow.session, team)
    _expire(scope, now)
    agent = scope.agent(agent_id)
    assert agent.id is not None
    last = last or first
    if last < first:
        raise BadRequest(f"the leave ends ({last:%d %b}) before it starts ({first:%d %b})")
    if (last - first).days + 1 > MAX_LEAVE_DAYS:
        raise BadRequest(f"a leave request covers at most {MAX_LEAVE_DAYS} days; split it")
    if first < scope.today(now):
        raise BadRequest(f"{first:%a %d %b} is in the past; leave is for today or later")
    for other in repo.requests_involving(scope.session, agent.id, ("pending_lead", "approved")):
        if (
            other.kind == "leave"
            and other.requester_pk == agent.id
            and other.start_date
            and other.end_date
            and other.start_date <= last
            and other.end_date >= first
        ):
            raise BadRequest(
                f"you already have leave #{other.id} "
                f"({other.status.replace('_', ' ')}) on those days"
            )
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
    violations, shifts = _check(scope, req, now, by_lead=False)
    if violations:
        raise RulesBroken("the leave cannot be granted", violations)
    _create(scope, req, agent, "request_leave", now, note=reason)
    notices: list[Notice] = []
    if scope.team.approval == "auto":
        _cas(
            scope,
            req,
            "pending_lead",
            "approved",
            now,
            decided_at=now,
            decision_note="auto-approved: every rule passed",
        )
        _apply(scope, req, shifts, agent, now)
        scope.audit(
            "system",
            "approve",
            req,
            {"status": "pending_lead"},
            {"status": "approved"},
            now,
            note="approval = auto",
        )
    else:
        notices = _lead_notices(
            scope, req, "approval_needed", ("approve", "deny"), exclude=[agent.id]
        )
    uow.commit()
    return Outcome(scope.view(req), notices, leads_available=bool(scope.leads(exclude=[agent.id])))


def report_sick(uow: UnitOfWork, team: str, agent_id: str, day: date, now: datetime) -> Outcome:
    """Report absence: the shift is freed at once, leads get a ranked list of who can cover."""
    scope = Scope.load(uow.session, team)
    _expire(scope, now)
    agent = scope.agent(agent_id)
    assert agent.id is not None
    shift = repo.shift_of(scope.session, agent.id, day)
    if shift is None:
        raise RulesBroken(
            "there is no shift to free",
            [_no_shift(agent, day)],
        )
    if shift.end_utc <= now:
        raise BadRequest(f"your shift on {day:%a %d %b} has already ended")
    shift_id = shift.id
    assert shift_id is not None
    shift = _lock_shifts(scope.session, [shift_id])[shift_id]
    before = _shift_state(scope, shift)
    if not repo.reassign_shift(scope.session, shift_id, agent.id, None):
        raise Conflict("your shift changed at the same moment; please try again")
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
    notices = _lead_notices(scope, req, "sick", (), exclude=[agent.id], cover=tuple(cover))
    for candidate in cover:
        notices += _notice(scope, scope.agent(candidate.agent_id), "open_shift", req, ("take",))
    uow.commit()
    return Outcome(
        scope.view(req),
        notices,
        cover=tuple(cover),
        leads_available=bool(scope.leads(exclude=[agent.id])),
    )


def expire_pending(uow: UnitOfWork, now: datetime) -> list[int]:
    """Expire every pending request whose shift has started (all teams)."""
    ids = repo.expire_due(uow.session, now, PENDING)
    uow.commit()
    return ids


def pending_for(uow: UnitOfWork, team: str, agent_id: str, now: datetime) -> list[RequestView]:
    """Requests waiting for this person: answers as counterpart, decisions as a lead."""
    scope = Scope.load(uow.session, team)
    _expire(scope, now)
    uow.commit()
    agent = scope.agent(agent_id)
    out: list[RequestView] = []
    for req in repo.requests_of_team(scope.session, scope.team_id, PENDING):
        mine = req.status == "pending_counterpart" and req.counterpart_pk == agent.id
        lead = (
            req.status == "pending_lead" and agent.role == "lead" and req.requester_pk != agent.id
        )
        if mine or lead:
            out.append(scope.view(req))
    return out


def requests_of(uow: UnitOfWork, team: str, agent_id: str, now: datetime) -> list[RequestView]:
    """This person's own open requests and those addressed to them."""
    scope = Scope.load(uow.session, team)
    _expire(scope, now)
    uow.commit()
    agent = scope.agent(agent_id)
    assert agent.id is not None
    return [scope.view(r) for r in repo.requests_involving(scope.session, agent.id, PENDING)]


def open_shifts(uow: UnitOfWork, team: str, now: datetime) -> list[RequestView]:
    scope = Scope.load(uow.session, team)
    return [scope.view(r) for r in repo.requests_of_team(scope.session, scope.team_id, ("open",))]
