"""One handler per intent, registered in one table; domain errors become replies here.

The core knows no transport and no SQL: it parses the text (or takes the clicked
:class:`~bot.core.messages.Action`), resolves mentions, calls one service use case inside a
unit of work, and words the result from the message catalog in the reader's language.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from zoneinfo import ZoneInfo

from bot.core.messages import Action, Block, Button, Edit, Incoming, Outgoing, Reply
from bot.core.parsing import ParsedMessage, parse
from bot.core.wording import (
    MAX_REPLY,
    RequestWords,
    clip_lines,
    cover_lines,
    impact_lines,
    settled_line,
    violation_lines,
)
from bot.i18n import Words, normalise, words
from bot.services import directory, events, roster, rostering
from bot.services import requests as svc
from bot.services.errors import Busy, DomainError, RulesBroken
from bot.services.ports import UowFactory, busy_guard
from bot.services.views import Notice, Outcome, RefView, RequestView

Clock = Callable[[], datetime]
SkillNames = Mapping[str, Mapping[str, str]]

WRITE_INTENTS = (
    "swap",
    "giveaway",
    "take",
    "leave",
    "sick",
    "accept",
    "decline",
    "approve",
    "deny",
    "cancel",
    "generate",
    "apply",
    "roster_apply",
)


class Duplicate(Exception):
    """This delivery was handled before (a transport retry or a double click)."""


@dataclass(frozen=True)
class Turn:
    """One message being handled: who, in which team, what they meant, in which language."""

    msg: Incoming
    parsed: ParsedMessage
    now: datetime
    tz: ZoneInfo
    w: Words
    member: directory.Member

    @property
    def lang(self) -> str:
        return self.w.lang

    @property
    def rw(self) -> RequestWords:
        return RequestWords(self.w)


# ------------------------------------------------------------------------------- the core


class ChatCore:
    """Turns one incoming message into one reply (plus notices and edits), whatever the
    transport. Synchronous: an async adapter calls :meth:`handle` in a worker thread
    (``await asyncio.to_thread(core.handle, msg)``) so its event loop never blocks."""

    def __init__(
        self,
        uow_factory: UowFactory,
        clock: Clock | None = None,
        read_factory: UowFactory | None = None,
        roster_time_limit: float | None = None,
    ) -> None:
        self.uow = uow_factory
        self.read = read_factory or uow_factory
        self.clock = clock or (lambda: datetime.now(UTC))
        self.roster_time_limit = (
            rostering.chat_time_limit() if roster_time_limit is None else roster_time_limit
        )

    # -- the entry point ---------------------------------------------------------------

    def handle(self, msg: Incoming) -> Reply:
        now = msg.now or self.clock()
        with self.read() as uow:
            info = directory.team_info(uow, msg.team)
            member = directory.member(uow, msg.team, msg.sender) if info else None
        hint = normalise(msg.lang)
        if info is None:
            with self.read() as uow:
                known = directory.team_names(uow)
            w = words(hint)
            return Reply(
                w("error.unknown_team", team=msg.team, known=known or ["—"]), ok=False, lang=hint
            )
        tz = ZoneInfo(info.timezone)
        if msg.action is not None:
            parsed = ParsedMessage(
                intent=msg.action.kind,  # type: ignore[arg-type]
                dates=(),
                users=(),
                request_id=msg.action.request_id,
                reason=msg.action.note,
                lang="en",
            )
            written = None
        else:
            parsed = parse(msg.text, now, tz)
            written = parsed.lang
        if member is None:
            w = words(written or hint, info.skill_names)
            return Reply(
                w("error.unknown_agent", agent=msg.sender, team=msg.team), ok=False, lang=w.lang
            )
        lang = normalise(member.lang or info.language or written or member.last_lang or hint)
        w = words(lang, info.skill_names)
        turn = Turn(msg, parsed, now, tz, w, member)
        self._prepare(turn, written)
        if parsed.problem is not None:
            return Reply(w(parsed.problem.key, **parsed.problem.params), ok=False, lang=lang)
        handler = HANDLERS.get(parsed.intent, handle_help)
        try:
            with busy_guard():
                reply = handler(self, turn)
        except Duplicate:
            return Reply("", duplicate=True, lang=lang)
        except RulesBroken as exc:
            head = w.tn(exc.key, len(exc.violations), **exc.params)
            lines = [head, *violation_lines(exc.violations, w)]
            return Reply("\n".join(lines), ok=False, lang=lang)
        except DomainError as exc:
            return Reply(w(exc.key, **exc.params), ok=False, lang=lang)
        return replace(reply, lang=lang, text=_clip(reply.text, w))

    def _prepare(self, turn: Turn, written: str | None) -> None:
        """Before a change: expire what is due, in its own short transaction. Remember the
        language the person wrote in when it changed (a look-up writes nothing else)."""
        write = turn.parsed.intent in WRITE_INTENTS
        try:
            with busy_guard():
                due = False
                if write:
                    with self.read() as uow:
                        due = svc.due_exists(uow, turn.now)
                if due:
                    with self.uow() as uow:
                        svc.sweep(uow, turn.now)
                if written and normalise(written) != turn.member.last_lang:
                    with self.uow() as uow:
                        directory.remember_language(
                            uow, turn.msg.team, turn.member.agent_id, normalise(written)
                        )
                        uow.commit()
        except Busy:
            pass

    # -- helpers for handlers ----------------------------------------------------------

    @contextmanager
    def write(self, turn: Turn) -> Iterator[Any]:
        """A unit of work for a change that claims the delivery's event id in the same
        transaction, so a retried delivery has no second effect."""
        with self.uow() as uow:
            msg = turn.msg
            if msg.event_id and not events.claim(uow, msg.source, msg.event_id):
                raise Duplicate
            yield uow

    def mention(self, turn: Turn, index: int = 0) -> str | None:
        parsed = turn.parsed
        if len(parsed.users) <= index:
            return None
        token = parsed.users[index]
        with self.read() as uow:
            found = directory.resolve_mention(uow, turn.msg.team, token)
        if found is None:
            raise svc.UnknownAgent("error.unknown_agent", agent=token, team=turn.msg.team)
        return found

    # -- transports ----------------------------------------------------------------------

    def posted(
        self,
        team: str,
        transport: str,
        recipient: str,
        request_id: int,
        actions: Sequence[str],
        ref: dict[str, Any],
        lang: str = "en",
        now: datetime | None = None,
    ) -> Edit | None:
        """Record a message with buttons that a transport just posted.

        Returns an edit at once when the request settled in the meantime (its buttons are
        already stale), else None: the message is edited when the request settles.
        """
        if "roster_apply" in actions:
            return self._posted_draft(team, transport, recipient, request_id, ref, lang)
        group = svc.ACTION_GROUP.get(actions[0], actions[0]) if actions else "info"
        try:
            with busy_guard(), self.uow() as uow:
                view = events.record_posted(
                    uow,
                    transport=transport,
                    recipient=recipient,
                    request_id=request_id,
                    kind=group,
                    lang=normalise(lang),
                    ref=ref,
                    now=now or self.clock(),
                )
        except Busy:
            # Not recorded: the message keeps its buttons, and a late click is told how the
            # request was settled.
            return None
        if view is None:
            return None
        ref_view, request = view
        info = self.team(team)
        return _edit_for(ref_view, request, team, info.skill_names if info else None)

    def _posted_draft(
        self,
        team: str,
        transport: str,
        recipient: str,
        draft_id: int,
        ref: dict[str, Any],
        lang: str,
    ) -> Edit | None:
        """Record a message with a roster draft's Apply button; edited once it is applied."""
        message = rostering.DraftMessage(transport, recipient, normalise(lang), dict(ref))
        try:
            with busy_guard(), self.uow() as uow:
                applied = rostering.record_draft_message(uow, team, draft_id, message)
        except (Busy, DomainError):
            return None  # not recorded: a late click is told the draft was applied
        if applied is None or applied.applied_at is None:
            return None
        info = self.team(team)
        return _draft_edit(message, applied, applied.applied_by or "—", team, info)

    def drain(self, team: str | None = None, now: datetime | None = None) -> list[Outgoing | Edit]:
        """Claim and word what waits in the outbox (expiries, import cancellations).

        Nothing waiting costs one read; while the database is busy nothing is claimed.
        """
        with self.read() as uow:
            if not events.waiting(uow, team):
                return []
        try:
            with busy_guard(), self.uow() as uow:
                items = events.drain(uow, team, now or self.clock())
        except Busy:
            return []
        out: list[Outgoing | Edit] = []
        for item in items:
            if item.ref is not None:
                out.append(_edit_for(item.ref, item.request, item.team, item.skill_names))
                continue
            w = words(item.lang, item.skill_names)
            rw = RequestWords(w)
            text = w(f"notice.{item.kind}", line=rw.describe(item.request), **item.payload)
            out.append(
                Outgoing(
                    to=item.recipient,
                    text=text,
                    kind=item.kind,
                    request_id=item.request.id,
                    lang=w.lang,
                    team=item.team,
                )
            )
        return out

    def sweep(self, now: datetime | None = None) -> list[int]:
        """Expire every pending request that is due (the scheduler calls this)."""
        with self.uow() as uow:
            return svc.sweep(uow, now or self.clock())

    def contact(self, team: str, agent_id: str) -> directory.Member | None:
        """How to reach a person: their transport ids (and language), for adapters."""
        with self.read() as uow:
            return directory.member(uow, team, agent_id)

    def team(self, team: str) -> directory.TeamInfo | None:
        """The team's zone, language, skill names and channels, for adapters."""
        with self.read() as uow:
            return directory.team_info(uow, team)

    def look_up(
        self,
        member: directory.Member,
        intent: LookUp,
        lang: str,
        now: datetime | None = None,
        source: str = "console",
    ) -> Reply:
        """A read-only look-up (``mine``, ``open``, ``pending``) for ``member`` in ``lang``.

        For views a transport refreshes by itself (Slack's App Home): nothing is written,
        not even the language a person last wrote in, and no event id is claimed.
        """
        info = self.team(member.team)
        if info is None:
            raise svc.UnknownTeam("error.unknown_team", team=member.team, known=["—"])
        at = now or self.clock()
        w = words(normalise(lang), info.skill_names)
        parsed = ParsedMessage(intent=intent, dates=(), users=(), request_id=None, lang="en")
        msg = Incoming(member.team, member.agent_id, intent, now=at, source=source)
        return LOOK_UPS[intent](self, Turn(msg, parsed, at, ZoneInfo(info.timezone), w, member))

    def identify(self, transport: str, user_id: str) -> directory.Member | None:
        """The person a transport user is (``slack_user_id`` / ``telegram_user_id``)."""
        with self.read() as uow:
            found = directory.by_transport_id(uow, transport, user_id)
        return found[0] if found else None

    def onboarding(self, transport: str, user_id: str, lang: str | None = None) -> Reply:
        """The answer for someone the team has not added yet: their id and what to do."""
        w = words(normalise(lang))
        column = {"slack": "slack_user_id", "telegram": "telegram_user_id"}.get(
            transport, "agent_id"
        )
        return Reply(w("onboarding", id=user_id, column=column), ok=False, lang=w.lang)


def _clip(text: str, w: Words) -> str:
    if len(text) <= MAX_REPLY:
        return text
    return clip_lines(text.split("\n"), w)


def _draft_edit(
    message: rostering.DraftMessage,
    draft: rostering.DraftView,
    who: str,
    team: str,
    info: directory.TeamInfo | None,
) -> Edit:
    """A posted Apply button, once its draft is applied: the summary's head and who applied."""
    w = words(message.lang, info.skill_names if info else None)
    at = draft.applied_at or datetime.now(UTC)
    if info is not None:
        at = at.astimezone(ZoneInfo(info.timezone))
    head = roster_summary_lines(draft.summary, w)[0]
    text = f"{head}\n{w('settled.applied_by', who=who, at=at)}"
    return Edit(message.transport, message.recipient, message.ref, text, draft.id, w.lang, team)


def _edit_for(
    ref: RefView, request: RequestView, team: str | None = None, skills: SkillNames | None = None
) -> Edit:
    w = words(ref.lang, skills)
    rw = RequestWords(w)
    text = f"{rw.describe(request)}\n{settled_line(request, w)}"
    return Edit(ref.transport, ref.recipient, ref.ref, text, request.id, w.lang, team)


# ------------------------------------------------------------------------------- wording


def buttons_for(actions: Sequence[str], request_id: int, w: Words) -> tuple[Button, ...]:
    style = {"approve": "primary", "accept": "primary", "take": "primary", "deny": "danger"}
    return tuple(Button(w(f"button.{a}"), Action(a, request_id), style.get(a)) for a in actions)


def notice_text(n: Notice, w: Words) -> str:
    r = n.request
    rw = RequestWords(w)
    line = rw.describe(r)
    rid = r.id
    taker = r.taker.name if r.taker else w("someone")
    text = w(
        f"notice.{n.kind}",
        line=line,
        id=rid,
        who=r.requester.name,
        taker=taker,
        shift=rw.shift(r.shift),
        note=r.decision_note or "",
    )
    parts = [text]
    if n.kind == "denied" and r.decision_note:
        parts = [w("notice.denied_note", line=line, note=r.decision_note)]
    if n.kind == "sick":
        parts.append(w("cover.head"))
        parts += cover_lines(n.cover, w)
    if n.impact is not None:
        parts += impact_lines(n.impact, w)
    parts += ["  " + w("impact.no_shift_day", day=d) for d in n.no_shift_days]
    if any(v.rule == "staffing" for v in n.violations):
        parts.append(w("notice.staffing_flag"))
    others = [v for v in n.violations if v.rule != "staffing" or n.impact is None]
    if others:
        parts.append(w("notice.warnings"))
        parts += violation_lines(others, w)
    return "\n".join(parts)


def notices_of(outcome: Outcome, team: str, skills: SkillNames) -> tuple[Outgoing, ...]:
    """Each notice in its recipient's language (the team channel: the team's language)."""
    out = []
    for n in outcome.notices:
        lang = n.team_lang if n.channel or n.to is None else n.to.lang
        w = words(lang, skills)
        out.append(
            Outgoing(
                to=None if n.to is None else n.to.agent_id,
                text=_clip(notice_text(n, w), w),
                buttons=buttons_for(n.actions, n.request.id, w),
                kind=n.kind,
                request_id=n.request.id,
                lang=w.lang,
                channel=n.channel,
                team=team,
            )
        )
    return tuple(out)


def edits_of(outcome: Outcome, team: str, skills: SkillNames) -> tuple[Edit, ...]:
    return tuple(_edit_for(ref, outcome.request, team, skills) for ref in outcome.retired)


def _outcome_reply(outcome: Outcome, lines: list[str], turn: Turn) -> Reply:
    return Reply(
        "\n".join(lines),
        notices=notices_of(outcome, turn.msg.team, turn.w.skill_names),
        edits=edits_of(outcome, turn.msg.team, turn.w.skill_names),
        request_id=outcome.request.id,
        lang=turn.lang,
    )


def _need(turn: Turn, what: str) -> Reply:
    return Reply(turn.w(f"need.{what}"), ok=False)


def _today(turn: Turn) -> date:
    return turn.now.astimezone(turn.tz).date()


# ------------------------------------------------------------------------------- handlers


def handle_help(core: ChatCore, turn: Turn) -> Reply:
    w = turn.w
    if turn.parsed.intent == "unknown":
        suggestion = turn.parsed.suggestion
        if suggestion:
            return Reply(w("help.did_you_mean", word=suggestion), ok=False)
        return Reply(f"{w('help.not_understood')}\n{w('help.text')}", ok=False)
    return Reply(w("help.text"))


def handle_swap(core: ChatCore, turn: Turn) -> Reply:
    parsed, w = turn.parsed, turn.w
    if not parsed.dates:
        return _need(turn, "swap_day")
    other = core.mention(turn)
    if other is None:
        return _need(turn, "swap_colleague")
    day = parsed.dates[0]
    other_day = parsed.dates[1] if len(parsed.dates) > 1 else None
    with core.write(turn) as uow:
        out = svc.request_swap(
            uow, turn.msg.team, turn.member.agent_id, other, day, other_day, turn.now
        )
    r, rw = out.request, turn.rw
    lines = [
        w(
            "swap.asked",
            id=r.id,
            mine=rw.shift(r.shift),
            other=r.counterpart.name if r.counterpart else other,
            theirs=rw.shift(r.counterpart_shift),
        ),
        w("swap.waiting", who=other),
    ]
    lines += _warnings(out, turn)
    return _outcome_reply(out, lines, turn)


def _warnings(out: Outcome, turn: Turn) -> list[str]:
    w = turn.w
    lines: list[str] = []
    if out.needs_override:
        lines.append(w("warn.override"))
        lines += violation_lines([v for v in out.violations if v.rule == "swap_cutoff_hours"], w)
    if out.warnings:
        lines.append(w("warn.staffing"))
        lines += violation_lines(out.warnings, w)
    return lines


def handle_giveaway(core: ChatCore, turn: Turn) -> Reply:
    parsed, w = turn.parsed, turn.w
    if not parsed.dates:
        return _need(turn, "giveaway_day")
    to = core.mention(turn)
    with core.write(turn) as uow:
        out = svc.request_giveaway(
            uow, turn.msg.team, turn.member.agent_id, parsed.dates[0], to, turn.now
        )
    r, rw = out.request, turn.rw
    if to:
        who = r.counterpart.name if r.counterpart else to
        lines = [w("giveaway.to", id=r.id, shift=rw.shift(r.shift), who=who, agent=to)]
    else:
        lines = [w("giveaway.open", id=r.id, shift=rw.shift(r.shift)), w("giveaway.asked_first")]
        lines += cover_lines(out.cover, w)
    lines += _warnings(out, turn)
    return _outcome_reply(out, lines, turn)


def handle_take(core: ChatCore, turn: Turn) -> Reply:
    w = turn.w
    if turn.parsed.request_id is None:
        return _need(turn, "take_id")
    with core.write(turn) as uow:
        out = svc.take(uow, turn.msg.team, turn.member.agent_id, turn.parsed.request_id, turn.now)
    r = out.request
    key = "take.approved" if r.status == "approved" else "take.claimed"
    return _outcome_reply(out, [w(key, id=r.id, shift=turn.rw.shift(r.shift))], turn)


def handle_answer(core: ChatCore, turn: Turn) -> Reply:
    w = turn.w
    accept = turn.parsed.intent == "accept"
    if turn.parsed.request_id is None:
        return _need(turn, "answer_id")
    with core.write(turn) as uow:
        out = svc.answer(
            uow, turn.msg.team, turn.member.agent_id, turn.parsed.request_id, accept, turn.now
        )
    r = out.request
    if not accept:
        line = w("answer.declined", id=r.id)
    elif r.status == "approved":
        line = w("answer.approved", line=turn.rw.describe(r))
    else:
        line = w("answer.accepted", id=r.id)
    return _outcome_reply(out, [line], turn)


def handle_decide(core: ChatCore, turn: Turn) -> Reply:
    w, parsed = turn.w, turn.parsed
    approve = parsed.intent == "approve"
    if parsed.request_id is None:
        return _need(turn, "decide_id")
    with core.write(turn) as uow:
        out = svc.decide(
            uow,
            turn.msg.team,
            turn.member.agent_id,
            parsed.request_id,
            approve,
            turn.now,
            parsed.reason,
        )
    r, rw = out.request, turn.rw
    if approve:
        lines = [w("decide.approved", line=rw.describe(r))]
        if out.impact is not None:
            lines += impact_lines(out.impact, w)
        if out.warnings:
            lines.append(w("decide.against_warning"))
        if out.cover:
            lines.append(w("cover.freed_head"))
            lines += cover_lines(out.cover, w)
    else:
        lines = [w("decide.denied", line=rw.describe(r))]
    return _outcome_reply(out, lines, turn)


def handle_cancel(core: ChatCore, turn: Turn) -> Reply:
    w = turn.w
    if turn.parsed.request_id is None:
        return _need(turn, "cancel_id")
    with core.write(turn) as uow:
        out = svc.cancel(uow, turn.msg.team, turn.member.agent_id, turn.parsed.request_id, turn.now)
    r = out.request
    key = "cancel.sick" if r.kind == "sick" else "cancel.done"
    return _outcome_reply(out, [w(key, id=r.id, shift=turn.rw.shift(r.shift))], turn)


def handle_leave(core: ChatCore, turn: Turn) -> Reply:
    w, parsed = turn.w, turn.parsed
    if not parsed.dates:
        return _need(turn, "leave_days")
    first = parsed.dates[0]
    last = parsed.dates[1] if len(parsed.dates) > 1 else None
    with core.write(turn) as uow:
        out = svc.request_leave(
            uow, turn.msg.team, turn.member.agent_id, first, last, parsed.reason, turn.now
        )
    r, rw = out.request, turn.rw
    if r.status == "approved":
        lines = [w("leave.approved", line=rw.describe(r, status=False))]
    else:
        lines = [w("leave.requested", line=rw.describe(r, status=False))]
    if out.impact is not None and not out.warnings:
        lines += impact_lines(out.impact, w)
    for day in out.no_shift_days:
        lines.append(w("impact.no_shift_day", day=day))
    if out.warnings:
        lines.append(w("warn.staffing"))
        lines += violation_lines(out.warnings, w)
    if out.cover:
        lines.append(w("cover.freed_head"))
        lines += cover_lines(out.cover, w)
    return _outcome_reply(out, lines, turn)


def handle_sick(core: ChatCore, turn: Turn) -> Reply:
    w = turn.w
    day = turn.parsed.dates[0] if turn.parsed.dates else _today(turn)
    with core.write(turn) as uow:
        out = svc.report_sick(uow, turn.msg.team, turn.member.agent_id, day, turn.now)
    r = out.request
    lines = [w("sick.freed", id=r.id, shift=turn.rw.shift(r.shift)), w("cover.head")]
    lines += cover_lines(out.cover, w)
    return _outcome_reply(out, lines, turn)


def handle_mine(core: ChatCore, turn: Turn) -> Reply:
    w, rw = turn.w, turn.rw
    with core.read() as uow:
        shifts = roster.my_shifts(uow, turn.msg.team, turn.member.agent_id, turn.now)
        reqs = svc.requests_of(uow, turn.msg.team, turn.member.agent_id, turn.now)
    lines = [w("mine.head")]
    lines += [f"  {rw.shift(s)}" for s in shifts] or [f"  {w('none')}"]
    if reqs:
        lines.append(w("mine.requests"))
        lines += [f"  {rw.describe(r)}" for r in reqs]
    return Reply("\n".join(lines))


def handle_roster(core: ChatCore, turn: Turn) -> Reply:
    w = turn.w
    day = turn.parsed.dates[0] if turn.parsed.dates else _today(turn)
    with core.read() as uow:
        rd = roster.roster_day(uow, turn.msg.team, day)
    groups: dict[str, list[str]] = {}
    for person, shift in rd.shifts:
        key = f"{shift.start:%H:%M}–{shift.end:%H:%M} {w.skill(shift.skill)}"
        groups.setdefault(key, []).append(person.agent_id)
    lines = [w("roster.head", day=day)]
    if not groups:
        lines.append("  " + w("roster.nobody"))
    for key in sorted(groups):
        lines.append(f"  {key} ({len(groups[key])}): {', '.join(sorted(groups[key]))}")
    if rd.open_shifts:
        spans = [f"{s.start:%H:%M}–{s.end:%H:%M} {w.skill(s.skill)}" for s in rd.open_shifts]
        lines.append(w("roster.open", shifts=", ".join(spans)))
    if rd.off:
        people = [f"{p.agent_id} ({w('off.' + why)})" for p, why in rd.off]
        lines.append(w("roster.off", people=", ".join(people)))
    return Reply("\n".join(lines))


def handle_off(core: ChatCore, turn: Turn) -> Reply:
    w = turn.w
    day = turn.parsed.dates[0] if turn.parsed.dates else _today(turn)
    with core.read() as uow:
        rd = roster.roster_day(uow, turn.msg.team, day)
    if not rd.off:
        return Reply(w("off.nobody", day=day))
    lines = [w("off.head", day=day)]
    for person, why, covered_by in rd.off_detail:
        if covered_by:
            state = w("off.covered", who=covered_by)
        elif covered_by is None and why != "leave_no_shift":
            state = w("off.uncovered")
        else:
            state = w("off.no_shift")
        reason = w("off." + why.split("_")[0])
        line = w("off.line", name=person.name, id=person.agent_id, why=reason, covered=state)
        lines.append("  " + line)
    return Reply("\n".join(lines))


def handle_open(core: ChatCore, turn: Turn) -> Reply:
    w, rw = turn.w, turn.rw
    with core.read() as uow:
        items = svc.open_shifts(uow, turn.msg.team, turn.member.agent_id, turn.now)
    if not items:
        return Reply(w("open.none"))
    blocks = [
        Block(
            f"#{r.id} {rw.shift(r.shift)} ({rw.kind(r.kind)}, {r.requester.name})",
            buttons_for(("take",), r.id, w),
            r.id,
        )
        for r in items
    ]
    return _blocks_reply(w("open.head"), blocks, w)


def _blocks_reply(head: str, blocks: list[Block], w: Words) -> Reply:
    shown, rest = _fit(head, blocks)
    lines = [head, *["  " + b.text.replace("\n", "\n  ") for b in shown]]
    if rest:
        lines.append("  " + w("more", n=rest))
    return Reply(
        "\n".join(lines),
        buttons=tuple(b for block in shown for b in block.buttons),
        blocks=(Block(head), *shown),
    )


def _fit(head: str, blocks: list[Block]) -> tuple[list[Block], int]:
    size = len(head)
    shown: list[Block] = []
    for block in blocks:
        size += len(block.text) + 3
        if size > MAX_REPLY - 120 or len(shown) >= 20:
            break
        shown.append(block)
    return shown, len(blocks) - len(shown)


def handle_staffing(core: ChatCore, turn: Turn) -> Reply:
    day = turn.parsed.dates[0] if turn.parsed.dates else _today(turn)
    with core.read() as uow:
        sd = roster.staffing_day(uow, turn.msg.team, day)
    return Reply(staffing_text(sd, turn.w))


def staffing_text(sd: roster.StaffingDay, w: Words, *, max_rows: int = 12) -> str:
    if not sd.rows:
        return w("staffing.no_forecast", day=sd.day)
    head = w(
        "staffing.head",
        day=sd.day,
        sl=sd.weighted_service_level,
        target=sd.target_service_level,
        seconds=int(sd.target_seconds),
    )
    lines = [head]
    gaps = sd.gaps
    if not gaps:
        lines.append(w("staffing.all_met"))
        return "\n".join(lines)
    lines.append(w("staffing.short", n=len(gaps)))
    lines.append("  " + w("staffing.columns"))
    worst = sorted(gaps, key=lambda r: (r.gap, r.start))[:max_rows]
    for r in sorted(worst, key=lambda r: (r.start, r.skill)):
        lines.append(
            f"  {r.start:%H:%M}  {w.skill(r.skill):<8} {r.required:>4} {r.scheduled:>5.1f}"
            f" {r.gap:>+4.0f} {r.service_level:>5.0%}"
        )
    if len(gaps) > max_rows:
        lines.append("  " + w("more", n=len(gaps) - max_rows))
    return "\n".join(lines)


def handle_pending(core: ChatCore, turn: Turn) -> Reply:
    w, rw = turn.w, turn.rw
    with core.read() as uow:
        items = svc.pending_for(uow, turn.msg.team, turn.member.agent_id, turn.now)
    if not items:
        return Reply(w("pending.none"))
    blocks = []
    for p in items:
        text = rw.describe(p.request)
        if p.request.created_at is not None:
            hours = _age_hours(p.request.created_at, turn.now)
            if hours < 1:
                text += " " + w("pending.age_minutes", minutes=int(hours * 60))
            else:
                text += " " + w("pending.age", hours=hours)
        extra = impact_lines(p.impact, w) if p.impact is not None else []
        extra += [w("impact.no_shift_day", day=d) for d in p.no_shift_days]
        blocks.append(
            Block(
                "\n".join([text, *("  " + e for e in extra)]),
                buttons_for(p.actions, p.request.id, w),
                p.request.id,
            )
        )
    return _blocks_reply(w("pending.head"), blocks, w)


def _age_hours(created: datetime, now: datetime) -> float:
    return max(0.0, (now - created).total_seconds() / 3600)


def handle_generate(core: ChatCore, turn: Turn) -> Reply:
    """A lead asks for a week's roster: solve it, keep it as a draft, offer Apply."""
    w, team = turn.w, turn.msg.team
    rostering.require_lead(turn.member.role)
    today = _today(turn)
    this_week = rostering.week_of(today)
    week = turn.parsed.dates[0] if turn.parsed.dates else this_week + timedelta(weeks=1)
    if week < today:
        next_week = this_week + timedelta(weeks=1)
        raise svc.BadRequest("error.roster_week_started", week=week, next=next_week)
    with core.read() as uow:
        week_input = rostering.load_week(uow, team, week)
    # The solve holds no transaction: nobody waits for it but the lead who asked.
    generated = rostering.solve(week_input, core.roster_time_limit)
    with core.write(turn) as uow:
        draft = rostering.save_draft(uow, generated, turn.member.agent_id, turn.now)
    lines = roster_summary_lines(generated.summary, w)
    lines.append(w("generate.apply_hint", id=draft.id))
    button = Button(w("button.roster_apply"), Action("roster_apply", draft.id), "primary")
    return Reply("\n".join(lines), buttons=(button,))


def roster_summary_lines(
    s: rostering.RosterSummary, w: Words, *, max_people: int = 10
) -> list[str]:
    """A generated week in words: status, understaffing against its bound, fairness, and
    everyone short of their contract with the reason."""
    lines = [
        w(
            "generate.head",
            week=s.week,
            how=w(f"generate.state.{s.status}"),
            seconds=s.seconds,
            shifts=s.shifts,
            people=s.people,
        ),
        w(
            "generate.understaffed",
            short=s.understaffed,
            required=s.required,
            bound=s.lower_bound,
            gap=s.gap,
            over=s.overstaffed,
        ),
    ]
    if s.fairness:
        lines.append(w("generate.fairness", late=s.late_spread, weekend=s.weekend_spread))
    if s.short:
        lines.append(w.tn("generate.contracts_short", len(s.short), total=s.contracts))
        for c in s.short[:max_people]:
            why = w(f"generate.reason.{c.reason}")
            line = w(
                "generate.short_line",
                name=c.name,
                id=c.agent_id,
                hours=c.hours,
                contract=c.contract_hours,
                why=why,
            )
            lines.append("  " + line)
        if len(s.short) > max_people:
            lines.append("  " + w("more", n=len(s.short) - max_people))
    elif s.contracts:
        lines.append(w.tn("generate.contracts_met", s.contracts))
    if s.kept:
        lines.append(w.tn("generate.kept", s.kept))
    if s.replaced:
        lines.append(w.tn("generate.replaces", s.replaced))
    return lines


def handle_apply(core: ChatCore, turn: Turn) -> Reply:
    """A lead applies a roster draft: stored in one transaction, the channel is told."""
    w, team = turn.w, turn.msg.team
    rostering.require_lead(turn.member.role)
    draft_id = turn.parsed.request_id
    if draft_id is None:
        return _need(turn, "apply_id")
    with core.write(turn) as uow:
        applied, draft = rostering.apply_draft(uow, team, draft_id, turn.member.agent_id, turn.now)
    counts = {
        "week": applied.week,
        "created": applied.created,
        "people": applied.people,
        "removed": applied.removed,
        "kept": applied.kept,
    }
    line = w("generate.applied", id=draft_id, **counts)
    info = core.team(team)
    tw = words(info.language if info else None, w.skill_names)
    notice = Outgoing(
        to=None,
        text=tw("notice.roster_published", who=turn.member.name, **counts),
        kind="roster_published",
        lang=tw.lang,
        channel=True,
        team=team,
    )
    edits = tuple(_draft_edit(m, draft, turn.member.name, team, info) for m in draft.messages)
    return Reply(line, notices=(notice,), edits=edits)


Handler = Callable[[ChatCore, Turn], Reply]
LookUp = Literal["mine", "open", "pending"]

HANDLERS: dict[str, Handler] = {
    "swap": handle_swap,
    "giveaway": handle_giveaway,
    "take": handle_take,
    "leave": handle_leave,
    "sick": handle_sick,
    "accept": handle_answer,
    "decline": handle_answer,
    "approve": handle_decide,
    "deny": handle_decide,
    "cancel": handle_cancel,
    "mine": handle_mine,
    "roster": handle_roster,
    "staffing": handle_staffing,
    "pending": handle_pending,
    "open": handle_open,
    "off": handle_off,
    "generate": handle_generate,
    "apply": handle_apply,
    "roster_apply": handle_apply,
    "help": handle_help,
    "unknown": handle_help,
}

LOOK_UPS: dict[LookUp, Handler] = {
    "mine": handle_mine,
    "open": handle_open,
    "pending": handle_pending,
}
