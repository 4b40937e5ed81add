"""One handler per intent, registered in one table; domain errors become replies here.

The core knows no transport and no SQL: it parses the text, resolves mentions, calls one
service use case inside a unit of work, and words the result in the message's language.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from bot.core.messages import Button, Incoming, Outgoing, Reply
from bot.core.parsing import ParsedMessage, parse
from bot.services import directory, roster
from bot.services import requests as svc
from bot.services.errors import DomainError, RulesBroken, UnknownTeam
from bot.services.views import Notice, Outcome, RequestView, ShiftView
from planner.cover import CoverCandidate
from storage.unit_of_work import UnitOfWork

UowFactory = Callable[[], UnitOfWork]
Clock = Callable[[], datetime]

ZH_WEEKDAYS = "一二三四五六日"
KIND = {
    "en": {"swap": "swap", "giveaway": "give-away", "leave": "leave", "sick": "sick call"},
    "zh": {"swap": "換班", "giveaway": "讓班", "leave": "請假", "sick": "病假"},
}
STATUS = {
    "en": {
        "pending_counterpart": "waiting for the colleague",
        "pending_lead": "waiting for a lead",
        "open": "open for anyone to take",
        "approved": "approved",
        "denied": "denied",
        "declined": "declined",
        "cancelled": "cancelled",
        "expired": "expired",
    },
    "zh": {
        "pending_counterpart": "等待同事回覆",
        "pending_lead": "等待組長核准",
        "open": "開放認領",
        "approved": "已核准",
        "denied": "已駁回",
        "declined": "已婉拒",
        "cancelled": "已取消",
        "expired": "已過期",
    },
}
ACTION_LABEL = {
    "en": {
        "accept": "Accept",
        "decline": "Decline",
        "approve": "Approve",
        "deny": "Deny",
        "take": "Take it",
    },
    "zh": {
        "accept": "接受",
        "decline": "婉拒",
        "approve": "核准",
        "deny": "駁回",
        "take": "我來接",
    },
}

HELP_EN = """I help with shifts. Try:
  swap fri with @bob          swap my Friday shift with Bob's
  giveaway Dec 24 [to @amy]   give my shift away (to anyone eligible, or to Amy)
  take 12                     claim open shift #12
  leave Dec 24 to Dec 26 trip request leave
  sick [tomorrow]             report sick; leads get who can cover
  accept 12 / decline 12      answer a swap addressed to you
  approve 12 / deny 12 why    lead decisions
  cancel 12                   withdraw your own pending request
  mine · roster [date] · staffing [date] · pending · help
Dates: 2026-12-24, 12/24, Dec 24, today, tomorrow, fri, next monday."""

HELP_ZH = """我可以幫你處理班表，例如：
  我想和@bob換週五的班        換班
  有人可以幫我代12月24日的班嗎  讓班（或 giveaway 12/24 to @amy）
  接 12                       認領開放的班 #12
  12月24日到26日請假 家裡有事  請假
  明天病假                     病假（組長會收到可代班名單）
  接受12 / 婉拒12              回覆換班
  核准12 / 駁回12 原因         組長決定
  取消12 · 我的班 · 明天誰上班 · 明天人力夠嗎 · 待審"""


# ------------------------------------------------------------------------------- wording


def fmt_day(day: date, lang: str) -> str:
    if lang == "zh":
        return f"{day.month}/{day.day}(週{ZH_WEEKDAYS[day.weekday()]})"
    return f"{day:%a} {day.day} {day:%b}"


def fmt_shift(shift: ShiftView | None, lang: str) -> str:
    if shift is None:
        return "—"
    return f"{fmt_day(shift.local_date, lang)} {shift.start:%H:%M}–{shift.end:%H:%M} {shift.skill}"


def describe(req: RequestView, lang: str) -> str:
    """``#12 swap: Amy Chen's Tue 1 Dec 08:00–17:00 cards ⇄ Bob Lin's …``."""
    zh = lang == "zh"
    kind = KIND[lang].get(req.kind, req.kind)
    who = req.requester.name
    if req.kind == "swap":
        other = req.counterpart.name if req.counterpart else "?"
        if zh:
            body = f"{who} 的 {fmt_shift(req.shift, lang)} ⇄ {other} 的 {fmt_shift(req.counterpart_shift, lang)}"
        else:
            body = f"{who}'s {fmt_shift(req.shift, lang)} ⇄ {other}'s {fmt_shift(req.counterpart_shift, lang)}"
    elif req.kind == "giveaway":
        to = req.counterpart or req.taker
        target = f" → {to.name}" if to else (" → 任何人" if zh else " → anyone")
        poss = " 的 " if zh else "'s "
        body = f"{who}{poss}{fmt_shift(req.shift, lang)}{target}"
    elif req.kind == "sick":
        cover = f" → {req.taker.name}" if req.taker else ""
        poss = " 的 " if zh else "'s "
        body = f"{who}{poss}{fmt_shift(req.shift, lang)}{cover}"
    else:
        assert req.start_date is not None
        span = fmt_day(req.start_date, lang)
        if req.end_date and req.end_date != req.start_date:
            span += f"{'–'}{fmt_day(req.end_date, lang)}"
        reason = f" ({req.reason})" if req.reason else ""
        body = f"{who} {span}{reason}"
    status = STATUS[lang].get(req.status, req.status)
    return f"#{req.id} {kind}: {body} [{status}]"


def rule_lines(violations: list[object]) -> str:
    return "\n".join(f"  • {getattr(v, 'message', v)}" for v in violations)


def cover_lines(cover: tuple[CoverCandidate, ...] | list[CoverCandidate], lang: str) -> str:
    if not cover:
        return "  (沒有符合規則的人選)" if lang == "zh" else "  (nobody passes every rule)"
    return "\n".join(
        f"  {i}. @{c.agent_id} {c.name} — {', '.join(c.reasons)}" for i, c in enumerate(cover, 1)
    )


def buttons_for(actions: tuple[str, ...], request_id: int, lang: str) -> tuple[Button, ...]:
    return tuple(Button(ACTION_LABEL[lang].get(a, a), f"{a} {request_id}") for a in actions)


def notice_text(n: Notice, lang: str) -> str:
    r = n.request
    d = describe(r, lang)
    zh = lang == "zh"
    rid = r.id
    texts_en = {
        "swap_asked": f"{r.requester.name} asks to swap with you: {d}\nReply accept {rid} or decline {rid}.",
        "giveaway_offered": f"{r.requester.name} offers you a shift: {d}\nReply accept {rid} or decline {rid}.",
        "open_shift": f"An open shift you could work: {d}\nReply take {rid} to claim it.",
        "approval_needed": f"Needs your decision: {d}\nReply approve {rid} or deny {rid} [reason].",
        "accepted": f"{d}\nAccepted; now a lead decides.",
        "declined": f"{d}\nDeclined.",
        "approved": f"Approved: {d}",
        "taken": f"{r.taker.name if r.taker else 'Someone'} took your shift: {d}\nA lead decides next.",
        "taken_approved": f"{r.taker.name if r.taker else 'Someone'} took your shift: {d}",
        "denied": f"Denied: {d}" + (f" — {r.decision_note}" if r.decision_note else ""),
        "cancelled": f"Cancelled by {r.requester.name}: {d}",
        "sick": f"{r.requester.name} reported sick: {fmt_shift(r.shift, lang)} is open (#{rid}).\nWho can cover:\n{cover_lines(n.cover, lang)}",
    }
    texts_zh = {
        "swap_asked": f"{r.requester.name} 想和你換班：{d}\n回覆 接受{rid} 或 婉拒{rid}。",
        "giveaway_offered": f"{r.requester.name} 想把班讓給你：{d}\n回覆 接受{rid} 或 婉拒{rid}。",
        "open_shift": f"有一個你可以接的班：{d}\n回覆 接{rid} 認領。",
        "approval_needed": f"需要你核准：{d}\n回覆 核准{rid} 或 駁回{rid} [原因]。",
        "accepted": f"{d}\n對方已接受，等待組長核准。",
        "declined": f"{d}\n對方已婉拒。",
        "approved": f"已核准：{d}",
        "taken": f"{r.taker.name if r.taker else '有人'} 接了你的班：{d}\n等待組長核准。",
        "taken_approved": f"{r.taker.name if r.taker else '有人'} 接了你的班：{d}",
        "denied": f"已駁回：{d}" + (f"（{r.decision_note}）" if r.decision_note else ""),
        "cancelled": f"{r.requester.name} 已取消：{d}",
        "sick": f"{r.requester.name} 請病假：{fmt_shift(r.shift, lang)} 目前空缺（#{rid}）。\n可代班人選：\n{cover_lines(n.cover, lang)}",
    }
    text = (texts_zh if zh else texts_en).get(n.kind, d)
    if n.violations:
        head = "注意：" if zh else "Note:"
        text += f"\n{head}\n{rule_lines(list(n.violations))}"
    return text


def notices_of(outcome: Outcome, lang: str) -> tuple[Outgoing, ...]:
    return tuple(
        Outgoing(
            to=n.to.agent_id,
            text=notice_text(n, lang),
            buttons=buttons_for(n.actions, n.request.id, lang),
            kind=n.kind,
            request_id=n.request.id,
        )
        for n in outcome.notices
    )


# ------------------------------------------------------------------------------- the core


class ChatCore:
    """Turns one incoming message into one reply (plus notices), whatever the transport."""

    def __init__(
        self,
        uow_factory: UowFactory,
        clock: Clock | None = None,
        read_factory: UowFactory | None = None,
    ) -> None:
        self.uow = uow_factory
        self.read = read_factory or uow_factory
        self.clock = clock or (lambda: datetime.now(UTC))

    def handle(self, msg: Incoming) -> Reply:
        now = msg.now or self.clock()
        with self.read() as uow:
            tz_name = directory.team_timezone(uow, msg.team)
        if tz_name is None:
            return Reply(f"Unknown team {msg.team!r}.", ok=False)
        parsed = parse(msg.text, now, ZoneInfo(tz_name))
        lang = _lang(parsed)
        question = parsed.question_text()
        if question:
            return Reply(question, ok=False)
        handler = HANDLERS.get(parsed.intent, handle_help)
        try:
            return handler(self, msg, parsed, now)
        except RulesBroken as exc:
            head = _refusal_head(exc, parsed, lang)
            return Reply(f"{head}\n{rule_lines(list(exc.violations))}", ok=False)
        except UnknownTeam as exc:
            return Reply(exc.message, ok=False)
        except DomainError as exc:
            prefix = "無法處理：" if lang == "zh" else "Sorry: "
            return Reply(prefix + exc.message, ok=False)

    # -- helpers used by handlers ----------------------------------------------------

    def mention(self, msg: Incoming, parsed: ParsedMessage, index: int = 0) -> str | None:
        if len(parsed.users) <= index:
            return None
        token = parsed.users[index]
        with self.read() as uow:
            found = directory.resolve_mention(uow, msg.team, token)
        if found is None:
            raise svc.UnknownAgent(f"there is no agent @{token} in team {msg.team}")
        return found


def _lang(parsed: ParsedMessage) -> str:
    """``zh`` or ``en``: the two reply languages of these handlers."""
    return "zh" if parsed.lang.startswith("zh") else "en"


def _refusal_head(exc: RulesBroken, parsed: ParsedMessage, lang: str) -> str:
    n = len(exc.violations)
    if lang == "zh":
        return f"無法完成，違反 {n} 條規則："
    return f"Sorry, {exc.message} ({n} rule{'s' if n != 1 else ''}):"


def _day(parsed: ParsedMessage, now: datetime, tz: ZoneInfo, index: int = 0) -> date | None:
    if len(parsed.dates) > index:
        return parsed.dates[index]
    return None


def _tz(core: ChatCore, team: str) -> ZoneInfo:
    with core.read() as uow:
        name = directory.team_timezone(uow, team)
    return ZoneInfo(name or "UTC")


def _need(what_en: str, what_zh: str, lang: str, example: str) -> Reply:
    if lang == "zh":
        return Reply(f"請告訴我{what_zh}，例如：{example}", ok=False)
    return Reply(f"Which {what_en}? For example: {example}", ok=False)


def _outcome_reply(outcome: Outcome, lang: str, lines: list[str]) -> Reply:
    text = "\n".join(lines)
    return Reply(text, notices=notices_of(outcome, lang), request_id=outcome.request.id)


# ------------------------------------------------------------------------------- handlers


def handle_help(core: ChatCore, msg: Incoming, parsed: ParsedMessage, now: datetime) -> Reply:
    if parsed.intent == "unknown":
        intro = "我不太懂這句話。" if _lang(parsed) == "zh" else "Sorry, I didn't understand that."
        return Reply(f"{intro}\n{HELP_ZH if _lang(parsed) == 'zh' else HELP_EN}", ok=False)
    return Reply(HELP_ZH if _lang(parsed) == "zh" else HELP_EN)


def handle_swap(core: ChatCore, msg: Incoming, parsed: ParsedMessage, now: datetime) -> Reply:
    lang = _lang(parsed)
    day = _day(parsed, now, _tz(core, msg.team))
    if day is None:
        return _need("day", "要換哪一天", lang, "swap fri with @bob / 我想和@bob換週五的班")
    other = core.mention(msg, parsed)
    if other is None:
        return _need("colleague", "要和誰換", lang, "swap fri with @bob")
    other_day = parsed.dates[1] if len(parsed.dates) > 1 else None
    with core.uow() as uow:
        out = svc.request_swap(uow, msg.team, msg.sender, other, day, other_day, now)
    r = out.request
    if lang == "zh":
        lines = [
            f"已送出換班 #{r.id}：你的 {fmt_shift(r.shift, lang)} ⇄ {r.counterpart.name if r.counterpart else ''} 的 {fmt_shift(r.counterpart_shift, lang)}。",
            f"等待 @{other} 接受，之後由組長核准。",
        ]
    else:
        lines = [
            f"Swap #{r.id} asked: your {fmt_shift(r.shift, lang)} ⇄ {r.counterpart.name if r.counterpart else ''}'s {fmt_shift(r.counterpart_shift, lang)}.",
            f"Waiting for @{other} to accept; then a lead decides.",
        ]
    if out.needs_override:
        lines.append(
            ("注意（需組長特准）：" if lang == "zh" else "Only a lead can approve this one:")
            + "\n"
            + rule_lines(list(out.violations))
        )
    return _outcome_reply(out, lang, lines)


def handle_giveaway(core: ChatCore, msg: Incoming, parsed: ParsedMessage, now: datetime) -> Reply:
    lang = _lang(parsed)
    day = _day(parsed, now, _tz(core, msg.team))
    if day is None:
        return _need("day", "要讓哪一天的班", lang, "giveaway Dec 24 / giveaway fri to @amy")
    to = core.mention(msg, parsed)
    with core.uow() as uow:
        out = svc.request_giveaway(uow, msg.team, msg.sender, day, to, now)
    r = out.request
    if to:
        lines = (
            [
                f"已送出讓班 #{r.id}：{fmt_shift(r.shift, lang)} → {r.counterpart.name if r.counterpart else to}，等待對方接受。"
            ]
            if lang == "zh"
            else [
                f"Give-away #{r.id}: your {fmt_shift(r.shift, lang)} → {r.counterpart.name if r.counterpart else to}. Waiting for @{to} to accept."
            ]
        )
    else:
        lines = (
            [
                f"已開放讓班 #{r.id}：{fmt_shift(r.shift, lang)}，任何符合規則的人都可以回覆「接{r.id}」認領。",
                "已通知：",
            ]
            if lang == "zh"
            else [
                f"Give-away #{r.id}: your {fmt_shift(r.shift, lang)} is open; anyone eligible can reply take {r.id}.",
                "Asked first:",
            ]
        )
        lines.append(cover_lines(out.cover, lang))
    if out.needs_override:
        lines.append(
            ("注意（需組長特准）：" if lang == "zh" else "Only a lead can approve this one:")
            + "\n"
            + rule_lines(list(out.violations))
        )
    return _outcome_reply(out, lang, lines)


def handle_take(core: ChatCore, msg: Incoming, parsed: ParsedMessage, now: datetime) -> Reply:
    lang = _lang(parsed)
    if parsed.request_id is None:
        return _need("open shift", "要接哪一個班（編號）", lang, "take 12")
    with core.uow() as uow:
        out = svc.take(uow, msg.team, msg.sender, parsed.request_id, now)
    r = out.request
    if r.status == "approved":
        line = (
            f"你已接下 #{r.id}：{fmt_shift(r.shift, lang)}，已自動核准。"
            if lang == "zh"
            else f"You took #{r.id}: {fmt_shift(r.shift, lang)}. Approved, it is on your roster."
        )
    else:
        line = (
            f"你已認領 #{r.id}：{fmt_shift(r.shift, lang)}，等待組長核准。"
            if lang == "zh"
            else f"You claimed #{r.id}: {fmt_shift(r.shift, lang)}. A lead decides next."
        )
    return _outcome_reply(out, lang, [line])


def handle_answer(core: ChatCore, msg: Incoming, parsed: ParsedMessage, now: datetime) -> Reply:
    lang = _lang(parsed)
    accept = parsed.intent == "accept"
    if parsed.request_id is None:
        return _need("request", "哪一個申請（編號）", lang, "accept 12" if accept else "decline 12")
    with core.uow() as uow:
        out = svc.answer(uow, msg.team, msg.sender, parsed.request_id, accept, now)
    r = out.request
    if not accept:
        line = f"已婉拒 #{r.id}。" if lang == "zh" else f"You declined #{r.id}."
    elif r.status == "approved":
        line = (
            f"已接受並自動核准 #{r.id}：{describe(r, lang)}"
            if lang == "zh"
            else f"Accepted and approved: {describe(r, lang)}"
        )
    else:
        line = (
            f"已接受 #{r.id}，等待組長核准。"
            if lang == "zh"
            else f"You accepted #{r.id}; a lead decides next."
        )
    return _outcome_reply(out, lang, [line])


def handle_decide(core: ChatCore, msg: Incoming, parsed: ParsedMessage, now: datetime) -> Reply:
    lang = _lang(parsed)
    approve = parsed.intent == "approve"
    if parsed.request_id is None:
        return _need(
            "request", "哪一個申請（編號）", lang, "approve 12" if approve else "deny 12 reason"
        )
    with core.uow() as uow:
        out = svc.decide(uow, msg.team, msg.sender, parsed.request_id, approve, now, parsed.reason)
    r = out.request
    if approve:
        lines = [f"已核准 {describe(r, lang)}" if lang == "zh" else f"Approved {describe(r, lang)}"]
        if out.cover:
            lines.append("可代班人選：" if lang == "zh" else "Who can cover the freed shifts:")
            lines.append(cover_lines(out.cover, lang))
    else:
        lines = [f"已駁回 {describe(r, lang)}" if lang == "zh" else f"Denied {describe(r, lang)}"]
    return _outcome_reply(out, lang, lines)


def handle_cancel(core: ChatCore, msg: Incoming, parsed: ParsedMessage, now: datetime) -> Reply:
    lang = _lang(parsed)
    if parsed.request_id is None:
        return _need("request", "要取消哪一個申請（編號）", lang, "cancel 12")
    with core.uow() as uow:
        out = svc.cancel(uow, msg.team, msg.sender, parsed.request_id, now)
    line = (
        f"已取消 #{out.request.id}。"
        if lang == "zh"
        else f"Cancelled #{out.request.id}; nothing changed on the roster."
    )
    return _outcome_reply(out, lang, [line])


def handle_leave(core: ChatCore, msg: Incoming, parsed: ParsedMessage, now: datetime) -> Reply:
    lang = _lang(parsed)
    if not parsed.dates:
        return _need(
            "day(s)", "請假日期", lang, "leave Dec 24 to Dec 26 family trip / 12月24日請假"
        )
    first = parsed.dates[0]
    last = parsed.dates[1] if len(parsed.dates) > 1 else None
    with core.uow() as uow:
        out = svc.request_leave(uow, msg.team, msg.sender, first, last, parsed.reason, now)
    r = out.request
    if r.status == "approved":
        line = (
            f"已自動核准 {describe(r, lang)}" if lang == "zh" else f"Approved {describe(r, lang)}"
        )
    else:
        line = (
            f"已送出 {describe(r, lang)}，等待組長核准。"
            if lang == "zh"
            else f"Requested {describe(r, lang)}. A lead decides next."
        )
    return _outcome_reply(out, lang, [line])


def handle_sick(core: ChatCore, msg: Incoming, parsed: ParsedMessage, now: datetime) -> Reply:
    lang = _lang(parsed)
    tz = _tz(core, msg.team)
    day = parsed.dates[0] if parsed.dates else now.astimezone(tz).date()
    with core.uow() as uow:
        out = svc.report_sick(uow, msg.team, msg.sender, day, now)
    r = out.request
    if lang == "zh":
        lines = [
            f"收到，早日康復。你 {fmt_shift(r.shift, lang)} 的班已釋出（#{r.id}），已通知組長。",
            "可代班人選：",
        ]
    else:
        lines = [
            f"Get well soon. Your {fmt_shift(r.shift, lang)} shift is freed (#{r.id}) and the leads are told.",
            "Who can cover:",
        ]
    lines.append(cover_lines(out.cover, lang))
    return _outcome_reply(out, lang, lines)


def handle_mine(core: ChatCore, msg: Incoming, parsed: ParsedMessage, now: datetime) -> Reply:
    lang = _lang(parsed)
    with core.uow() as uow:
        shifts = roster.my_shifts(uow, msg.team, msg.sender, now)
        reqs = svc.requests_of(uow, msg.team, msg.sender, now)
    lines = ["你接下來 7 天的班：" if lang == "zh" else "Your shifts in the next 7 days:"]
    lines += [f"  {fmt_shift(s, lang)}" for s in shifts] or [
        "  （沒有）" if lang == "zh" else "  (none)"
    ]
    if reqs:
        lines.append("進行中的申請：" if lang == "zh" else "Open requests:")
        lines += [f"  {describe(r, lang)}" for r in reqs]
    return Reply("\n".join(lines))


def handle_roster(core: ChatCore, msg: Incoming, parsed: ParsedMessage, now: datetime) -> Reply:
    lang = _lang(parsed)
    tz = _tz(core, msg.team)
    day = parsed.dates[0] if parsed.dates else now.astimezone(tz).date()
    with core.read() as uow:
        rd = roster.roster_day(uow, msg.team, day)
    groups: dict[str, list[str]] = {}
    for person, shift in rd.shifts:
        key = f"{shift.start:%H:%M}–{shift.end:%H:%M} {shift.skill}"
        groups.setdefault(key, []).append(person.agent_id)
    title = f"{fmt_day(day, lang)} 班表：" if lang == "zh" else f"Roster for {fmt_day(day, lang)}:"
    lines = [title]
    if not groups:
        lines.append("  （沒有排班）" if lang == "zh" else "  (nobody is scheduled)")
    for key in sorted(groups):
        lines.append(f"  {key} ({len(groups[key])}): {', '.join(sorted(groups[key]))}")
    if rd.open_shifts:
        lines.append(
            ("空缺：" if lang == "zh" else "Open: ")
            + ", ".join(f"{s.start:%H:%M}–{s.end:%H:%M} {s.skill}" for s in rd.open_shifts)
        )
    if rd.off:
        lines.append(
            ("休假/病假：" if lang == "zh" else "Off: ")
            + ", ".join(f"{p.agent_id} ({why})" for p, why in rd.off)
        )
    return Reply("\n".join(lines))


def handle_staffing(core: ChatCore, msg: Incoming, parsed: ParsedMessage, now: datetime) -> Reply:
    lang = _lang(parsed)
    tz = _tz(core, msg.team)
    day = parsed.dates[0] if parsed.dates else now.astimezone(tz).date()
    with core.read() as uow:
        sd = roster.staffing_day(uow, msg.team, day)
    return Reply(staffing_text(sd, lang))


def staffing_text(sd: roster.StaffingDay, lang: str, *, max_rows: int = 12) -> str:
    zh = lang == "zh"
    if not sd.rows:
        return (
            f"{fmt_day(sd.day, lang)} 沒有話務預測；先執行 shiftbot forecast。"
            if zh
            else f"No call forecast for {fmt_day(sd.day, lang)}; run `shiftbot forecast` first."
        )
    target = f"{sd.target_service_level:.0%}/{sd.target_seconds:g}s"
    head = (
        f"{fmt_day(sd.day, lang)} 人力：預估服務水準 {sd.weighted_service_level:.1%}（目標 {target}）"
        if zh
        else f"Staffing {fmt_day(sd.day, lang)}: projected service level {sd.weighted_service_level:.1%} (target {target})"
    )
    lines = [head]
    gaps = sd.gaps
    if not gaps:
        lines.append("每個時段人力都足夠。" if zh else "Every interval meets the required agents.")
    else:
        lines.append(f"{len(gaps)} 個時段人力不足：" if zh else f"{len(gaps)} interval(s) short:")
        lines.append(
            "  時段         技能    需求 排班 缺口  SL"
            if zh
            else "  interval     skill   req  sched gap  SL"
        )
        worst = sorted(gaps, key=lambda r: (r.gap, r.start))[:max_rows]
        for r in sorted(worst, key=lambda r: (r.start, r.skill)):
            lines.append(
                f"  {r.start:%H:%M}        {r.skill:<7} {r.required:>4} {r.scheduled:>5.1f} {r.gap:>+4.0f} {r.service_level:>4.0%}"
            )
        if len(gaps) > max_rows:
            lines.append(
                f"  … 另有 {len(gaps) - max_rows} 個"
                if zh
                else f"  … and {len(gaps) - max_rows} more"
            )
    return "\n".join(lines)


def handle_pending(core: ChatCore, msg: Incoming, parsed: ParsedMessage, now: datetime) -> Reply:
    lang = _lang(parsed)
    with core.uow() as uow:
        items = svc.pending_for(uow, msg.team, msg.sender, now)
        me = directory.member(uow, msg.team, msg.sender)
    if not items:
        return Reply("沒有等待你處理的申請。" if lang == "zh" else "Nothing is waiting for you.")
    lines = ["等待你處理：" if lang == "zh" else "Waiting for you:"]
    buttons: list[Button] = []
    for r in items:
        lines.append(f"  {describe(r, lang)}")
        actions = (
            ("accept", "decline") if r.status == "pending_counterpart" else ("approve", "deny")
        )
        if me is not None and me.role == "lead" and r.status == "pending_lead":
            actions = ("approve", "deny")
        buttons += buttons_for(actions, r.id, lang)
    return Reply("\n".join(lines), buttons=tuple(buttons))


Handler = Callable[[ChatCore, Incoming, ParsedMessage, datetime], Reply]

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
    "help": handle_help,
    "unknown": handle_help,
}
