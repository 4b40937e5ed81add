"""Request workflows on SQLite and PostgreSQL: swaps, give-aways, leave, sick, decisions."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from bot.services import requests as svc
from bot.services.errors import InvalidTransition, NotAllowed, RulesBroken, UnknownAgent
from storage import messaging as msgrepo
from storage import repository as repo
from storage.importers import export_shifts
from storage.unit_of_work import UnitOfWork
from tests.factories import NOW, TEAM, seed

DEC1, DEC2, DEC3 = date(2026, 12, 1), date(2026, 12, 2), date(2026, 12, 3)


@pytest.fixture
def team(engine: Engine, tmp_path: Path) -> Engine:
    seed(engine, tmp_path)
    return engine


def roster(engine: Engine, day: date) -> list[str]:
    with UnitOfWork(engine) as uow:
        text = export_shifts(uow.session, TEAM, day, day)
    return sorted(text.splitlines()[1:])


def audit_actions(engine: Engine, request_id: int) -> list[str]:
    with UnitOfWork(engine) as uow:
        return [e.action for e in repo.audit_of_request(uow.session, request_id)]


def test_a_swap_accepted_and_approved_changes_the_roster(team: Engine) -> None:
    with UnitOfWork(team) as uow:
        out = svc.request_swap(uow, TEAM, "amy", "bob", DEC1, None, NOW)
    assert out.request.status == "pending_counterpart"
    assert [n.to.agent_id for n in out.notices] == ["bob"]
    assert out.notices[0].actions == ("accept", "decline")
    rid = out.request.id
    with UnitOfWork(team) as uow:
        out = svc.answer(uow, TEAM, "bob", rid, True, NOW)
    assert out.request.status == "pending_lead"
    assert {n.to.agent_id for n in out.notices} >= {"lin", "mei"}
    assert roster(team, DEC1)[0].startswith("amy,2026-12-01,08:00")
    with UnitOfWork(team) as uow:
        out = svc.decide(uow, TEAM, "lin", rid, True, NOW)
    assert out.request.status == "approved"
    assert out.request.decided_by is not None and out.request.decided_by.agent_id == "lin"
    assert roster(team, DEC1) == sorted(
        [
            "amy,2026-12-01,13:00,22:00,cards,17:30-18:00",
            "bob,2026-12-01,08:00,17:00,cards,12:00-13:00",
            "dan,2026-12-01,08:00,17:00,cards,",
            "cara,2026-12-01,09:00,18:00,loans,",
        ]
    )
    assert audit_actions(team, rid) == [
        "request_swap",
        "accept",
        "to_lead",
        "roster_change",
        "roster_change",
        "approve",
    ]


def test_a_swap_that_breaks_rules_is_refused_with_every_rule_key(team: Engine) -> None:
    # amy's Dec 1 early for bob's Dec 2 early: each would work two overlapping shifts.
    with UnitOfWork(team) as uow, pytest.raises(RulesBroken) as caught:
        svc.request_swap(uow, TEAM, "amy", "bob", DEC1, DEC2, NOW)
    keys = {v.rule for v in caught.value.violations}
    assert "overlap" in keys
    assert all(v.message.startswith(v.rule + ": ") for v in caught.value.violations)
    with UnitOfWork(team) as uow:
        assert repo.requests_of_team(uow.session, 1) == []


def test_a_swap_with_someone_off_that_day_names_them(team: Engine) -> None:
    with UnitOfWork(team) as uow, pytest.raises(RulesBroken) as caught:
        svc.request_swap(uow, TEAM, "bob", "eve", DEC3, None, NOW)
    assert [v.rule for v in caught.value.violations] == ["no_shift"]
    assert "Eve Kao has no shift on Thu 3 Dec" in caught.value.violations[0].message


def test_only_the_counterpart_can_accept_and_nothing_changes(team: Engine) -> None:
    with UnitOfWork(team) as uow:
        rid = svc.request_swap(uow, TEAM, "amy", "bob", DEC1, None, NOW).request.id
    with UnitOfWork(team) as uow, pytest.raises(NotAllowed, match="addressed to @bob"):
        svc.answer(uow, TEAM, "dan", rid, True, NOW)
    with UnitOfWork(team) as uow:
        req = repo.request_by_id(uow.session, rid)
        assert req is not None and req.status == "pending_counterpart"


def test_only_a_lead_can_approve(team: Engine) -> None:
    with UnitOfWork(team) as uow:
        rid = svc.request_swap(uow, TEAM, "amy", "bob", DEC1, None, NOW).request.id
    with UnitOfWork(team) as uow:
        svc.answer(uow, TEAM, "bob", rid, True, NOW)
    with UnitOfWork(team) as uow, pytest.raises(NotAllowed, match="Only a lead"):
        svc.decide(uow, TEAM, "dan", rid, True, NOW)
    assert roster(team, DEC1)[0].startswith("amy,2026-12-01,08:00")


def test_a_second_approval_is_told_who_approved_first(team: Engine) -> None:
    with UnitOfWork(team) as uow:
        rid = svc.request_swap(uow, TEAM, "amy", "bob", DEC1, None, NOW).request.id
    with UnitOfWork(team) as uow:
        svc.answer(uow, TEAM, "bob", rid, True, NOW)
    with UnitOfWork(team) as uow:
        svc.decide(uow, TEAM, "lin", rid, True, NOW)
    with UnitOfWork(team) as uow, pytest.raises(InvalidTransition) as caught:
        svc.decide(uow, TEAM, "mei", rid, True, NOW)
    assert str(caught.value) == f"#{rid} was already approved by lin at 10:00."


def test_a_stale_approval_is_refused_after_the_shift_moved(team: Engine) -> None:
    with UnitOfWork(team) as uow:
        first = svc.request_swap(uow, TEAM, "amy", "bob", DEC1, None, NOW).request.id
    with UnitOfWork(team) as uow:
        second = svc.request_giveaway(uow, TEAM, "amy", DEC1, "eve", NOW).request.id
    for rid, who in ((first, "bob"), (second, "eve")):
        with UnitOfWork(team) as uow:
            assert svc.answer(uow, TEAM, who, rid, True, NOW).request.status == "pending_lead"
    with UnitOfWork(team) as uow:
        svc.decide(uow, TEAM, "lin", first, True, NOW)
    with UnitOfWork(team) as uow, pytest.raises(RulesBroken) as caught:
        svc.decide(uow, TEAM, "lin", second, True, NOW)
    assert [v.rule for v in caught.value.violations] == ["no_shift"]
    assert "Bob Lin works it now" in caught.value.violations[0].message
    with UnitOfWork(team) as uow:
        req = repo.request_by_id(uow.session, second)
        assert req is not None and req.status == "pending_lead"


def test_an_open_giveaway_is_taken_and_approved(team: Engine) -> None:
    with UnitOfWork(team) as uow:
        out = svc.request_giveaway(uow, TEAM, "amy", DEC3, None, NOW)
    assert out.request.status == "open"
    assert out.cover and "amy" not in [c.agent_id for c in out.cover]
    assert all(n.actions == ("take",) for n in out.notices)
    rid = out.request.id
    with UnitOfWork(team) as uow:
        out = svc.take(uow, TEAM, "eve", rid, NOW)
    assert out.request.status == "pending_lead"
    assert out.request.taker is not None and out.request.taker.agent_id == "eve"
    with UnitOfWork(team) as uow:
        svc.decide(uow, TEAM, "mei", rid, True, NOW)
    assert "eve,2026-12-03,13:00,22:00,cards," in roster(team, DEC3)


def test_with_auto_approval_a_clean_take_is_approved_at_once(
    engine: Engine, tmp_path: Path
) -> None:
    seed(engine, tmp_path, approval="auto")
    with UnitOfWork(engine) as uow:
        rid = svc.request_giveaway(uow, TEAM, "amy", DEC3, None, NOW).request.id
    with UnitOfWork(engine) as uow:
        out = svc.take(uow, TEAM, "eve", rid, NOW)
    assert out.request.status == "approved"
    assert "eve,2026-12-03,13:00,22:00,cards," in roster(engine, DEC3)


def test_leave_over_max_off_per_day_is_refused(engine: Engine, tmp_path: Path) -> None:
    seed(engine, tmp_path, max_off=1)
    with UnitOfWork(engine) as uow:
        rid = svc.request_leave(uow, TEAM, "cara", DEC2, None, "family", NOW).request.id
    with UnitOfWork(engine) as uow:
        svc.decide(uow, TEAM, "lin", rid, True, NOW)
    with UnitOfWork(engine) as uow, pytest.raises(RulesBroken) as caught:
        svc.request_leave(uow, TEAM, "eve", DEC2, DEC3, None, NOW)
    assert [v.rule for v in caught.value.violations] == ["max_off_per_day"]


def test_approved_leave_frees_the_shifts_on_those_days(team: Engine) -> None:
    with UnitOfWork(team) as uow:
        out = svc.request_leave(uow, TEAM, "bob", DEC2, DEC3, "wedding", NOW)
    assert out.request.status == "pending_lead" and out.request.reason == "wedding"
    with UnitOfWork(team) as uow:
        out = svc.decide(uow, TEAM, "lin", out.request.id, True, NOW)
    assert not any(line.startswith("bob,") for line in roster(team, DEC2) + roster(team, DEC3))


def test_sick_frees_the_shift_and_suggests_cover(team: Engine) -> None:
    with UnitOfWork(team) as uow:
        out = svc.report_sick(uow, TEAM, "bob", DEC2, NOW)
    assert out.request.kind == "sick" and out.request.status == "open"
    assert not any(line.startswith("bob,") for line in roster(team, DEC2))
    names = [c.agent_id for c in out.cover]
    assert names and "bob" not in names
    assert "dan" not in names and "eve" not in names  # already on a shift that day
    leads = [n for n in out.notices if n.kind == "sick"]
    assert {n.to.agent_id for n in leads} == {"lin", "mei"}
    with UnitOfWork(team) as uow:
        svc.take(uow, TEAM, names[0], out.request.id, NOW)
    with UnitOfWork(team) as uow:  # a lead who took it cannot approve it: the other lead does
        svc.decide(uow, TEAM, "mei" if names[0] == "lin" else "lin", out.request.id, True, NOW)
    assert any(line.startswith(f"{names[0]},2026-12-02,08:00") for line in roster(team, DEC2))


def test_only_the_requester_can_cancel_and_a_cancelled_request_stays(team: Engine) -> None:
    with UnitOfWork(team) as uow:
        rid = svc.request_leave(uow, TEAM, "amy", DEC3, None, None, NOW).request.id
    with UnitOfWork(team) as uow, pytest.raises(NotAllowed, match="belongs to @amy"):
        svc.cancel(uow, TEAM, "bob", rid, NOW)
    with UnitOfWork(team) as uow:
        assert svc.cancel(uow, TEAM, "amy", rid, NOW).request.status == "cancelled"
    with UnitOfWork(team) as uow, pytest.raises(InvalidTransition, match="cancelled"):
        svc.decide(uow, TEAM, "lin", rid, True, NOW)


def test_pending_requests_expire_when_their_shift_starts(team: Engine) -> None:
    with UnitOfWork(team) as uow:
        rid = svc.request_swap(uow, TEAM, "amy", "bob", DEC1, None, NOW).request.id
    later = NOW + timedelta(days=1)  # Dec 1 10:00 local, after the 08:00 start
    with UnitOfWork(team) as uow, pytest.raises(InvalidTransition, match="expired"):
        svc.answer(uow, TEAM, "bob", rid, True, later)
    with UnitOfWork(team) as uow:
        assert svc.sweep(uow, later) == [rid]
    assert audit_actions(team, rid)[-1] == "expire"
    with UnitOfWork(team) as uow:
        told = [(m.recipient, m.kind) for m in msgrepo.undelivered(uow.session)]
    assert told == [("amy", "expired")]


def test_a_giveaway_inside_the_cutoff_needs_a_lead_who_overrides_it(team: Engine) -> None:
    late = NOW + timedelta(hours=13)  # Nov 30 23:00 local: dan's Dec 1 08:00 is 9 h away
    with UnitOfWork(team) as uow:
        out = svc.request_giveaway(uow, TEAM, "dan", DEC1, "eve", late)
    assert [v.rule for v in out.violations] == ["swap_cutoff_hours"]
    with UnitOfWork(team) as uow:
        out = svc.answer(uow, TEAM, "eve", out.request.id, True, late)
    assert out.request.status == "pending_lead" and out.request.override_cutoff
    with UnitOfWork(team) as uow:
        out = svc.decide(uow, TEAM, "lin", out.request.id, True, late)
    assert out.request.status == "approved"
    with UnitOfWork(team) as uow:
        notes = [e.note for e in repo.audit_of_request(uow.session, out.request.id)]
    assert "lead override of swap_cutoff_hours" in notes
    assert "eve,2026-12-01,08:00,17:00,cards," in roster(team, DEC1)


def test_an_unknown_colleague_gets_a_clear_answer(team: Engine) -> None:
    with UnitOfWork(team) as uow, pytest.raises(UnknownAgent, match="no agent @zed"):
        svc.request_swap(uow, TEAM, "amy", "zed", DEC1, None, NOW)


def test_taking_a_shift_without_its_skill_is_refused(team: Engine) -> None:
    with UnitOfWork(team) as uow:
        rid = svc.request_giveaway(uow, TEAM, "bob", DEC1, None, NOW).request.id
    with UnitOfWork(team) as uow, pytest.raises(RulesBroken) as caught:
        svc.take(uow, TEAM, "cara", rid, NOW)
    assert "skill" in {v.rule for v in caught.value.violations}
    with UnitOfWork(team) as uow:
        req = repo.request_by_id(uow.session, rid)
        assert req is not None and req.status == "open" and req.taker_pk is None
