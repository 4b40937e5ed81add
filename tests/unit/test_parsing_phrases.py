"""The chat grammar, phrase by phrase: English and Chinese (traditional and simplified).

Every row is one message as an agent or lead would type it, the instant it was sent, and
what the bot must understand from it. Reference instants (Asia/Taipei):

* WED   2026-11-25 10:00, a Wednesday near a month end
* DEC30 2026-12-30 10:00, a Wednesday near a year end
* NYE   2026-12-31 23:30, a Thursday, half an hour before the year ends
* FEB27 2026-02-27 10:00, a Friday near the end of a short February
* LATE  2026-11-24 17:30 UTC, already 2026-11-25 01:30 in Taipei
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from bot.core.parsing import INTENTS, parse

TAIPEI = ZoneInfo("Asia/Taipei")
WED = datetime(2026, 11, 25, 10, 0, tzinfo=TAIPEI)
DEC30 = datetime(2026, 12, 30, 10, 0, tzinfo=TAIPEI)
NYE = datetime(2026, 12, 31, 23, 30, tzinfo=TAIPEI)
FEB27 = datetime(2026, 2, 27, 10, 0, tzinfo=TAIPEI)
LATE = datetime(2026, 11, 24, 17, 30, tzinfo=UTC)
NEW_YEAR_UTC = datetime(2026, 12, 31, 16, 30, tzinfo=UTC)

BAD = "parse.bad_date"
WHICH = "parse.which_day"
NO_SUCH_DAY = "parse.no_such_day"
REVERSED = "parse.reversed_range"
FAR = "parse.date_out_of_range"


def case(
    case_id: str,
    text: str,
    intent: str,
    dates: tuple[str, ...] = (),
    users: tuple[str, ...] = (),
    request_id: int | None = None,
    *,
    now: datetime = WED,
    reason: str | None = None,
    problem: str | None = None,
    is_range: bool = False,
    suggestion: str | None = None,
) -> Any:
    expected = (
        intent,
        tuple(date.fromisoformat(d) for d in dates),
        users,
        request_id,
        reason,
        problem,
        is_range,
        suggestion,
    )
    return pytest.param(text, now, expected, id=case_id)


PHRASES = [
    # --- explicit English commands --------------------------------------------------
    case("swap-iso", "swap 2026-12-24 with @bob", "swap", ("2026-12-24",), ("bob",)),
    case(
        "swap-two-dates",
        "swap Dec 24 with @bob Dec 26",
        "swap",
        ("2026-12-24", "2026-12-26"),
        ("bob",),
    ),
    case("swap-slack-id", "swap 12/24 with <@U0123>", "swap", ("2026-12-24",), ("U0123",)),
    case("swap-slack-label", "swap 12/24 with <@U0123|bob>", "swap", ("2026-12-24",), ("U0123",)),
    case("swap-slash-shift", "/shift swap friday with @bob", "swap", ("2026-11-27",), ("bob",)),
    case(
        "swap-telegram-bot-suffix",
        "/swap@shiftbot_bot 2026-12-24 with @bob",
        "swap",
        ("2026-12-24",),
        ("bob",),
    ),
    case("swap-telegram", "/swap tomorrow with @amy", "swap", ("2026-11-26",), ("amy",)),
    case("giveaway-to-user", "giveaway Dec 24 to @amy", "giveaway", ("2026-12-24",), ("amy",)),
    case("giveaway-open", "giveaway 12/24", "giveaway", ("2026-12-24",)),
    case("give-away-two-words", "give away friday", "giveaway", ("2026-11-27",)),
    case("give-away-hyphen", "give-away 24 Dec", "giveaway", ("2026-12-24",)),
    case("take-id", "take 12", "take", request_id=12),
    case("take-hash", "take #12", "take", request_id=12),
    case("take-telegram", "/take@shiftbot_bot 31", "take", request_id=31),
    case("leave-iso", "leave 2026-12-24", "leave", ("2026-12-24",)),
    case(
        "leave-range-reason",
        "leave Dec 24 to Dec 26 family trip",
        "leave",
        ("2026-12-24", "2026-12-26"),
        reason="family trip",
        is_range=True,
    ),
    case(
        "leave-dash-range", "leave Dec 24-26", "leave", ("2026-12-24", "2026-12-26"), is_range=True
    ),
    case(
        "leave-to-bare-day",
        "leave Dec 24 to 26",
        "leave",
        ("2026-12-24", "2026-12-26"),
        is_range=True,
    ),
    case(
        "leave-day-month-range",
        "leave 24 to 26 Dec",
        "leave",
        ("2026-12-24", "2026-12-26"),
        is_range=True,
    ),
    case(
        "leave-24-26-dec", "leave 24-26 Dec", "leave", ("2026-12-24", "2026-12-26"), is_range=True
    ),
    case(
        "leave-slash-range-reason",
        "leave 12/24 - 12/26 wedding",
        "leave",
        ("2026-12-24", "2026-12-26"),
        reason="wedding",
        is_range=True,
    ),
    case(
        "leave-iso-range",
        "leave 2026-12-24 to 2026-12-26",
        "leave",
        ("2026-12-24", "2026-12-26"),
        is_range=True,
    ),
    case(
        "leave-for-reason",
        "leave dec 24 for my sister's wedding",
        "leave",
        ("2026-12-24",),
        reason="my sister's wedding",
    ),
    case("sick-bare", "sick", "sick"),
    case("sick-tomorrow", "sick tomorrow", "sick", ("2026-11-26",)),
    case("accept", "accept 12", "accept", request_id=12),
    case("decline-hash", "decline #12", "decline", request_id=12),
    case("approve", "approve 12", "approve", request_id=12),
    case("approve-request-word", "approve request 12", "approve", request_id=12),
    case(
        "deny-reason", "deny 12 not enough cover", "deny", request_id=12, reason="not enough cover"
    ),
    case("deny-no-reason", "deny 12", "deny", request_id=12),
    case(
        "reject-is-deny",
        "reject 15 too many people off",
        "deny",
        request_id=15,
        reason="too many people off",
    ),
    case("cancel", "cancel 12", "cancel", request_id=12),
    case("mine", "mine", "mine"),
    case("roster", "roster", "roster"),
    case("roster-tomorrow", "roster tomorrow", "roster", ("2026-11-26",)),
    case("staffing-monday", "staffing monday", "staffing", ("2026-11-30",)),
    case("pending", "pending", "pending"),
    case("help", "help", "help"),
    case("telegram-start", "/start", "help"),
    case("empty", "", "help"),
    case("blank", "   \n ", "help"),
    case("slash-shift-alone", "/shift", "help"),
    case("unknown-telegram-command", "/settings", "unknown"),
    case("uppercase", "SWAP DEC 24 WITH @BOB", "swap", ("2026-12-24",), ("bob",)),
    case(
        "full-width", "ｓｗａｐ　１２／２４　ｗｉｔｈ　＠ｂｏｂ", "swap", ("2026-12-24",), ("bob",)
    ),
    case("full-width-hash", "approve ＃１２", "approve", request_id=12),
    case("extra-spaces", "  leave    dec   24   ", "leave", ("2026-12-24",)),
    case("punctuation", "swap!!! friday... with @bob???", "swap", ("2026-11-27",), ("bob",)),
    # --- English free text ------------------------------------------------------------
    case(
        "free-swap-friday",
        "can I swap my friday shift with @bob?",
        "swap",
        ("2026-11-27",),
        ("bob",),
    ),
    case("free-someone-take-my", "could someone take my Dec 24 shift", "giveaway", ("2026-12-24",)),
    case(
        "free-cover-to-user",
        "can you cover my shift on friday @amy",
        "giveaway",
        ("2026-11-27",),
        ("amy",),
    ),
    case("free-take-off", "I'd like to take Dec 24 off", "leave", ("2026-12-24",)),
    case("free-ill-take-id", "I'll take #12", "take", request_id=12),
    case("free-sick-today", "I'm sick today", "sick", ("2026-11-25",)),
    case("free-unwell", "feeling unwell, can't come in tomorrow", "sick", ("2026-11-26",)),
    case("free-ok-approve", "ok approve #12", "approve", request_id=12),
    case("free-my-shifts", "what are my shifts", "mine"),
    case("free-who-works", "who is working tomorrow", "roster", ("2026-11-26",)),
    case("free-understaffed", "are we understaffed on monday", "staffing", ("2026-11-30",)),
    case("free-waiting", "anything waiting for me", "pending"),
    case("free-have-off", "can I have friday off?", "leave", ("2026-11-27",)),
    case(
        "free-need-off-reason",
        "I need Dec 24 off for a wedding",
        "leave",
        ("2026-12-24",),
        reason="a wedding",
    ),
    case("free-who-is-off", "who is off tomorrow", "off", ("2026-11-26",)),
    case("free-how-do-i", "how do i swap", "help"),
    case("free-approve-my-leave", "please approve my leave on dec 24", "leave", ("2026-12-24",)),
    case("free-dont-accept", "i don't accept 12", "decline", request_id=12),
    case("free-approve-please", "can you approve 12 please", "approve", request_id=12),
    case("free-cancel-by-date", "cancel my leave on dec 24", "cancel", ("2026-12-24",)),
    case(
        "free-clock-time-ignored",
        "swap my 9:00 shift on friday with @bob",
        "swap",
        ("2026-11-27",),
        ("bob",),
    ),
    case(
        "free-am-time-ignored",
        "swap my 9am shift friday with @bob",
        "swap",
        ("2026-11-27",),
        ("bob",),
    ),
    case("free-i-can-take-date", "I can take friday", "take", ("2026-11-27",)),
    case("free-take-my-shift", "take my friday shift", "giveaway", ("2026-11-27",)),
    case(
        "free-anyone-cover",
        "anyone able to cover my shift on the 24th?",
        "giveaway",
        ("2026-12-24",),
    ),
    case(
        "free-pick-up", "is anybody free to pick up my shift tomorrow", "giveaway", ("2026-11-26",)
    ),
    case("free-calling-in-sick", "I'm calling in sick", "sick"),
    case("free-fever", "I have a fever, won't make it today", "sick", ("2026-11-25",)),
    case(
        "free-switch-next-week",
        "I want to switch shifts with @carol friday next week",
        "swap",
        ("2026-12-04",),
        ("carol",),
    ),
    case(
        "free-trade-two-days",
        "could I trade my saturday with <@U0ABC|dave> for his sunday",
        "swap",
        ("2026-11-28", "2026-11-29"),
        ("U0ABC",),
    ),
    case("free-day-off", "need a day off on 12/31", "leave", ("2026-12-31",)),
    case(
        "free-vacation-range",
        "vacation from dec 28 to jan 3",
        "leave",
        ("2026-12-28", "2027-01-03"),
        is_range=True,
    ),
    case("free-when-do-i-work", "when do I work next week", "mine"),
    case("free-my-schedule", "show me my schedule", "mine"),
    case("free-who-works-sat", "who works on saturday", "roster", ("2026-11-28",)),
    case("free-roster-for", "what's the roster for friday", "roster", ("2026-11-27",)),
    case("free-enough-agents", "do we have enough agents tomorrow", "staffing", ("2026-11-26",)),
    case("free-staffing-gaps", "staffing gaps on dec 24", "staffing", ("2026-12-24",)),
    case("free-needs-approval", "any requests that need my approval", "pending"),
    case("free-what-can-you-do", "what can you do", "help"),
    case(
        "free-request-leave-range",
        "I'd like to request leave from Dec 24 to Dec 26 for a family trip",
        "leave",
        ("2026-12-24", "2026-12-26"),
        reason="a family trip",
        is_range=True,
    ),
    case(
        "free-give-to-user", "give my friday shift to @bob", "giveaway", ("2026-11-27",), ("bob",)
    ),
    case(
        "free-swap-mention-first",
        "@amy would you swap your monday with my tuesday?",
        "swap",
        ("2026-11-30", "2026-12-01"),
        ("amy",),
    ),
    case("free-i-can-cover-id", "i can cover #14", "take", request_id=14),
    case(
        "free-deny-because",
        "deny #5 because we are short staffed",
        "deny",
        request_id=5,
        reason="we are short staffed",
    ),
    case("free-whos-on", "who's on tomorrow", "roster", ("2026-11-26",)),
    case(
        "free-enough-coverage", "is there enough coverage on dec 24?", "staffing", ("2026-12-24",)
    ),
    case("free-greeting", "hi", "unknown"),
    case("free-thanks", "thanks!", "unknown"),
    case("free-nonsense", "lorem ipsum dolor", "unknown"),
    # --- English dates -----------------------------------------------------------------
    case("date-today", "roster today", "roster", ("2026-11-25",)),
    case("date-tomorrow-tz", "roster tomorrow", "roster", ("2026-11-26",), now=LATE),
    case("date-day-after-tomorrow", "roster the day after tomorrow", "roster", ("2026-11-27",)),
    case("date-yesterday", "roster yesterday", "roster", ("2026-11-24",)),
    case("date-fri", "roster fri", "roster", ("2026-11-27",)),
    case("date-weekday-today", "roster wed", "roster", ("2026-11-25",)),
    case("date-this-friday", "roster this friday", "roster", ("2026-11-27",)),
    case("date-next-monday-passed", "roster next monday", "roster", ("2026-11-30",)),
    case("date-next-same-weekday", "roster next wednesday", "roster", ("2026-12-02",)),
    case("date-next-friday-ambiguous", "roster next friday", "roster", problem=WHICH),
    case("date-next-friday-on-friday", "roster next friday", "roster", ("2026-03-06",), now=FEB27),
    case("date-next-sunday-ambiguous", "roster next sunday", "roster", now=FEB27, problem=WHICH),
    case("date-friday-next-week", "roster friday next week", "roster", ("2026-12-04",)),
    case("date-next-week-friday", "roster next week friday", "roster", ("2026-12-04",)),
    case("date-tomorrow-year-end", "sick tomorrow", "sick", ("2027-01-01",), now=NYE),
    case("date-today-utc-new-year", "sick today", "sick", ("2027-01-01",), now=NEW_YEAR_UTC),
    case("date-jan-3-next-year", "leave Jan 3", "leave", ("2027-01-03",), now=DEC30),
    case("date-past-rolls-year", "leave Dec 24", "leave", ("2027-12-24",), now=DEC30),
    case("date-today-counts", "leave Dec 30", "leave", ("2026-12-30",), now=DEC30),
    case(
        "date-range-over-year-end",
        "leave Dec 30 to Jan 2",
        "leave",
        ("2026-12-30", "2027-01-02"),
        now=DEC30,
        is_range=True,
    ),
    case(
        "date-dash-range-over-year-end",
        "leave Dec 31-2",
        "leave",
        ("2026-12-31", "2027-01-02"),
        now=DEC30,
        is_range=True,
    ),
    case(
        "date-range-over-month-end",
        "leave 28 Feb to 2 Mar",
        "leave",
        ("2026-02-28", "2026-03-02"),
        now=FEB27,
        is_range=True,
    ),
    case("date-slash-feb", "roster 2/28", "roster", ("2026-02-28",), now=FEB27),
    case("date-feb-29-not-this-year", "roster Feb 29", "roster", now=FEB27, problem=NO_SUCH_DAY),
    case("date-feb-30", "roster Feb 30", "roster", problem=BAD),
    case("date-13-45", "roster 13/45", "roster", problem=BAD),
    case("date-iso-invalid", "roster 2026-02-30", "roster", problem=BAD),
    case("date-31st-skips-november", "roster the 31st", "roster", ("2026-12-31",)),
    case("date-3rd-next-month", "roster the 3rd", "roster", ("2026-12-03",)),
    case("date-25th-today", "roster on the 25th", "roster", ("2026-11-25",)),
    case("date-march-1", "roster march 1", "roster", ("2026-03-01",), now=FEB27),
    case("date-sun-over-month-end", "roster sun", "roster", ("2026-03-01",), now=FEB27),
    case("date-next-mon-over-month-end", "roster next mon", "roster", ("2026-03-02",), now=FEB27),
    case("date-with-year", "roster dec 24th, 2027", "roster", ("2027-12-24",)),
    case("date-of-month", "roster 24th of december", "roster", ("2026-12-24",)),
    case("date-us-full", "roster 12/24/2027", "roster", ("2027-12-24",)),
    case(
        "date-weekday-range", "leave mon-fri", "leave", ("2026-11-30", "2026-12-04"), is_range=True
    ),
    case(
        "date-weekday-range-wraps",
        "leave fri to mon",
        "leave",
        ("2026-11-27", "2026-11-30"),
        is_range=True,
    ),
    case(
        "date-reversed-explicit-range",
        "leave 2026-12-26 to 2026-12-24",
        "leave",
        ("2026-12-26", "2026-12-24"),
        problem=REVERSED,
        is_range=True,
    ),
    # --- Chinese ------------------------------------------------------------------------
    case("zh-swap-simplified", "我想和@bob换周五的班", "swap", ("2026-11-27",), ("bob",)),
    case("zh-leave", "12月24日請假", "leave", ("2026-12-24",)),
    case(
        "zh-leave-range-reason",
        "12月24日到26日請假 家裡有事",
        "leave",
        ("2026-12-24", "2026-12-26"),
        reason="家裡有事",
        is_range=True,
    ),
    case(
        "zh-leave-range-zhi",
        "12月24日至12月26日请假",
        "leave",
        ("2026-12-24", "2026-12-26"),
        is_range=True,
    ),
    case(
        "zh-leave-range-dash",
        "12月24-26日請假",
        "leave",
        ("2026-12-24", "2026-12-26"),
        is_range=True,
    ),
    case("zh-sick-leave", "明天病假", "sick", ("2026-11-26",)),
    case("zh-sick-today", "我今天生病了", "sick", ("2026-11-25",)),
    case("zh-swap-next-monday", "下週一可以跟@amy換班嗎", "swap", ("2026-11-30",), ("amy",)),
    case("zh-giveaway", "有人可以幫我代12月24日的班嗎", "giveaway", ("2026-12-24",)),
    case("zh-take-hao", "我要接12號", "take", request_id=12),
    case("zh-take-hash", "接 #12", "take", request_id=12),
    case("zh-approve-pizhun", "批准12", "approve", request_id=12),
    case("zh-approve-hezhun", "核准 #12", "approve", request_id=12),
    case("zh-approve-tongyi", "同意12", "approve", request_id=12),
    case("zh-deny-jujue", "拒絕12", "deny", request_id=12),
    case("zh-deny-reason", "駁回 12 人力不足", "deny", request_id=12, reason="人力不足"),
    case("zh-accept", "接受12", "accept", request_id=12),
    case("zh-decline-bu-jieshou", "不接受12", "decline", request_id=12),
    case("zh-decline-wanju", "婉拒12", "decline", request_id=12),
    case("zh-cancel", "取消12", "cancel", request_id=12),
    case("zh-mine", "我的班", "mine"),
    case("zh-mine-roster", "我的班表", "mine"),
    case("zh-roster-who", "明天誰上班", "roster", ("2026-11-26",)),
    case("zh-roster", "班表", "roster"),
    case("zh-staffing", "人力", "staffing"),
    case("zh-staffing-enough", "明天人力夠嗎", "staffing", ("2026-11-26",)),
    case("zh-pending-shen", "待審", "pending"),
    case("zh-pending-chuli", "待處理", "pending"),
    case("zh-help-bangzhu", "幫助", "help"),
    case("zh-help-shuoming", "說明", "help"),
    case("zh-help-zenme", "怎麼用", "help"),
    case("zh-houtian", "後天請假", "leave", ("2026-11-27",)),
    case("zh-houtian-simplified", "后天请假", "leave", ("2026-11-27",)),
    case("zh-xingqi-wu", "星期五請假", "leave", ("2026-11-27",)),
    case("zh-libai-wu", "禮拜五請假", "leave", ("2026-11-27",)),
    case("zh-libai-wu-simplified", "礼拜五请假", "leave", ("2026-11-27",)),
    case("zh-zhou-ri", "週日可以換班嗎", "swap", ("2026-11-29",)),
    case("zh-zhou-tian", "週天上班的人", "roster", ("2026-11-29",)),
    case("zh-xingqi-tian", "星期天誰上班", "roster", ("2026-11-29",)),
    case("zh-next-week-simplified", "下周一请假", "leave", ("2026-11-30",)),
    case("zh-next-xingqi", "下星期一請假", "leave", ("2026-11-30",)),
    case("zh-this-week", "這週五請假", "leave", ("2026-11-27",)),
    case("zh-this-week-simplified", "这周五请假", "leave", ("2026-11-27",)),
    case("zh-ben-zhou", "本週五請假", "leave", ("2026-11-27",)),
    case("zh-this-week-passed", "這週一請假", "leave", problem="parse.past_week"),
    case("zh-hao", "12月24號請假", "leave", ("2026-12-24",)),
    case("zh-hao-simplified", "12月24号请假", "leave", ("2026-12-24",)),
    case("zh-bare-day-next-month", "24日請假", "leave", ("2026-12-24",)),
    case("zh-bare-day-this-month", "26日請假", "leave", ("2026-11-26",)),
    case("zh-bare-day-skips-february", "30號請假", "leave", ("2026-03-30",), now=FEB27),
    case("zh-bare-day-range", "24到26日請假", "leave", ("2026-12-24", "2026-12-26"), is_range=True),
    case("zh-chinese-numerals", "十二月二十四日請假", "leave", ("2026-12-24",)),
    case("zh-with-year", "2026年12月24日請假", "leave", ("2026-12-24",)),
    case("zh-next-month-day", "下個月3號請假", "leave", ("2026-12-03",)),
    case("zh-week-after-next", "下下週一請假", "leave", ("2026-12-07",)),
    case("zh-tomorrow-year-end", "明天請假", "leave", ("2027-01-01",), now=NYE),
    case("zh-jan-3-next-year", "1月3日請假", "leave", ("2027-01-03",), now=DEC30),
    case(
        "zh-range-over-year-end",
        "12月30日到1月2日請假",
        "leave",
        ("2026-12-30", "2027-01-02"),
        now=DEC30,
        is_range=True,
    ),
    case("zh-next-week-over-year-end", "下週一請假", "leave", ("2027-01-04",), now=DEC30),
    case("zh-friday-over-year-end", "週五請假", "leave", ("2027-01-01",), now=DEC30),
    case("zh-invalid-date", "2月30日請假", "leave", problem=BAD),
    case("zh-take-by-date", "我可以接12月24日的班", "take", ("2026-12-24",)),
    case("zh-cover-friday", "誰可以幫我上週五的班", "giveaway", ("2026-11-27",)),
    case(
        "zh-leave-range-simplified-reason",
        "我想请假 12月24日 到 12月26日 因为家里有事",
        "leave",
        ("2026-12-24", "2026-12-26"),
        reason="家里有事",
        is_range=True,
    ),
    case("zh-cannot-work", "明天不能上班", "sick", ("2026-11-26",)),
    case("zh-approve-please", "请批准 #7", "approve", request_id=7),
    case("zh-deny-butongyi", "不同意 7", "deny", request_id=7),
    case("zh-swap-tiaoban", "我下週三想跟@bob調班", "swap", ("2026-12-02",), ("bob",)),
    case("zh-swap-mention-first", "@amy 可以跟我換後天的班嗎", "swap", ("2026-11-27",), ("amy",)),
    case("zh-off-who-on-leave", "明天有誰請假", "off", ("2026-11-26",)),
    case("zh-pending-for-me", "有什麼要我批的嗎", "pending"),
    case("zh-staffing-next-week", "下週人力夠不夠", "staffing"),
    case("zh-help-how-swap", "怎麼換班", "help"),
    case("zh-my-friday-swap", "我週五的班可以跟@bob換嗎", "swap", ("2026-11-27",), ("bob",)),
    case("zh-approve-zhunjia", "准假 5", "approve", request_id=5),
    case("zh-decline-changed-mind", "我不想换了 #8", "decline", request_id=8),
    case("zh-mine-this-week", "我這禮拜有什麼班", "mine"),
    case("zh-leave-want", "明天想請假", "leave", ("2026-11-26",)),
    case("zh-leave-slash-date", "12/24 請特休", "leave", ("2026-12-24",)),
    case("zh-sick-cannot-come", "我身體不舒服，今天沒辦法上班", "sick", ("2026-11-25",)),
    case("zh-swap-anyone", "有人可以跟我换12月24号的班吗", "swap", ("2026-12-24",)),
    case("zh-giveaway-bare-day", "12號我不行，有人可以幫我嗎", "giveaway", ("2026-12-12",)),
    case("mixed-swap", "swap 週五 with @bob", "swap", ("2026-11-27",), ("bob",)),
    case(
        "zh-relative-range",
        "请假 明天 到 后天",
        "leave",
        ("2026-11-26", "2026-11-27"),
        is_range=True,
    ),
    case("zh-full-width-digits", "１２月２４日請假", "leave", ("2026-12-24",)),
    case(
        "zh-telegram-leave",
        "/leave@shiftbot_bot 12月24日 家裡有事",
        "leave",
        ("2026-12-24",),
        reason="家裡有事",
    ),
    # --- open shifts and who is off -----------------------------------------------------
    case("open", "open", "open"),
    case("open-shifts", "open shifts", "open"),
    case("open-slash", "/open", "open"),
    case("open-what-can-i-take", "what can I take", "open"),
    case("open-available", "any available shifts?", "open"),
    case("open-requests-are-pending", "open requests", "pending"),
    case("zh-open-which", "有哪些班可以接", "open"),
    case("zh-open-what", "有什麼班可以接", "open"),
    case("zh-open-takeable", "可以接的班", "open"),
    case("zh-open-simplified", "有什么班可以接", "open"),
    case("off", "off", "off"),
    case("off-tomorrow", "off tomorrow", "off", ("2026-11-26",)),
    case("off-slash", "/off 12/24", "off", ("2026-12-24",)),
    case("off-whos-off", "who's off on friday?", "off", ("2026-11-27",)),
    case("off-on-leave", "who is on leave tomorrow", "off", ("2026-11-26",)),
    case(
        "off-work-is-leave",
        "off work tomorrow, family matters",
        "leave",
        ("2026-11-26",),
        reason="family matters",
    ),
    case("zh-off-who", "誰請假", "off"),
    case("zh-off-tomorrow", "明天誰請假", "off", ("2026-11-26",)),
    case("zh-off-simplified", "谁请假", "off"),
    case("zh-off-rest", "週五誰休假", "off", ("2026-11-27",)),
    # --- a lead asking for cover is a staffing question ----------------------------------
    case("lead-who-can-cover", "who can cover 12/8?", "staffing", ("2026-12-08",)),
    case("lead-who-can-cover-friday", "hey, who can cover friday", "staffing", ("2026-11-27",)),
    case(
        "agent-who-can-cover-mine", "who can cover my shift on 12/8?", "giveaway", ("2026-12-08",)
    ),
    # --- pending, give-away to someone (Chinese) -----------------------------------------
    case("zh-pending-daihezhun", "待核准", "pending"),
    case("zh-pending-daishen", "待審", "pending"),
    case("zh-pending-simplified", "待审核", "pending"),
    case("zh-pending-which", "有哪些待核准的申請", "pending"),
    case("zh-giveaway-ba-gei", "我想把週六的班給@ling", "giveaway", ("2026-11-28",), ("ling",)),
    case("zh-giveaway-rang-gei", "週六的班讓給@ling", "giveaway", ("2026-11-28",), ("ling",)),
    case("zh-giveaway-simplified", "周六的班让给@ling", "giveaway", ("2026-11-28",), ("ling",)),
    # --- typos of a command word ---------------------------------------------------------
    case(
        "typo-swap", "swpa fri with @bob", "unknown", ("2026-11-27",), ("bob",), suggestion="swap"
    ),
    case("typo-approve", "aprove 12", "unknown", suggestion="approve"),
    case("typo-leave", "leve tomorrow", "unknown", ("2026-11-26",), suggestion="leave"),
    case("typo-slash", "/swpa fri", "unknown", ("2026-11-27",), suggestion="swap"),
    case("typo-staffing", "stafing tomorrow", "unknown", ("2026-11-26",), suggestion="staffing"),
    case("typo-pending", "pendng", "unknown", suggestion="pending"),
    case("typo-after-filler", "please cancle 12", "unknown", suggestion="cancel"),
    case("not-a-typo", "make it quick", "unknown"),
    case("not-a-typo-short", "tak", "unknown"),
    # --- ranges written backwards, ranges over a month or year end -----------------------
    case(
        "range-reversed",
        "leave Dec 20 to Dec 18",
        "leave",
        ("2026-12-20", "2026-12-18"),
        problem=REVERSED,
        is_range=True,
    ),
    case(
        "range-reversed-days",
        "leave Dec 20-18",
        "leave",
        ("2026-12-20", "2026-12-18"),
        problem=REVERSED,
        is_range=True,
    ),
    case(
        "range-reversed-partial-start",
        "leave 20 to 18 Dec",
        "leave",
        ("2026-12-20", "2026-12-18"),
        problem=REVERSED,
        is_range=True,
    ),
    case(
        "zh-range-reversed",
        "12月20日到12月18日請假",
        "leave",
        ("2026-12-20", "2026-12-18"),
        problem=REVERSED,
        is_range=True,
    ),
    case(
        "range-over-new-year",
        "leave Dec 30 to Jan 2",
        "leave",
        ("2026-12-30", "2027-01-02"),
        is_range=True,
    ),
    case(
        "range-month-wrap", "leave Dec 30-2", "leave", ("2026-12-30", "2027-01-02"), is_range=True
    ),
    case(
        "range-partial-start-wrap",
        "leave 30 to 2 Jan",
        "leave",
        ("2026-12-30", "2027-01-02"),
        is_range=True,
    ),
    # --- calendar edges ------------------------------------------------------------------
    case("edge-year-9999", "leave 9999-12-31", "leave", problem=FAR),
    case("edge-month-99", "staffing 99/99/9999", "staffing", problem=BAD),
    case("edge-year-1", "0001-01-01", "unknown", problem=FAR),
    case("edge-range-9999", "leave 9999-12-30 to 9999-12-31", "leave", problem=FAR),
    case("edge-five-years-away", "leave Dec 24 2031", "leave", problem=FAR),
    case("edge-within-two-years", "leave Dec 24 2027", "leave", ("2027-12-24",)),
    # --- mentions are case-insensitive ids; Slack ids stay as written --------------------
    case("mention-capitalised", "swap fri with @Amy", "swap", ("2026-11-27",), ("amy",)),
    case("mention-slack-id-kept", "swap fri with <@U0ABC9>", "swap", ("2026-11-27",), ("U0ABC9",)),
    # --- a lead generates a week's roster: dates hold that week's Monday ----------------
    case("generate-alone", "generate", "generate"),
    case("generate-next-week", "generate next week's roster", "generate", ("2026-11-30",)),
    case("generate-slash", "/generate next week", "generate", ("2026-11-30",)),
    case("generate-this-week", "generate this week's roster", "generate", ("2026-11-23",)),
    case("generate-week-of", "generate roster for week of 2026-12-07", "generate", ("2026-12-07",)),
    case("generate-mid-week-date", "generate the roster for Dec 9", "generate", ("2026-12-07",)),
    case(
        "generate-after-next",
        "build the schedule for the week after next",
        "generate",
        ("2026-12-07",),
    ),
    case("generate-make", "please make the roster for next week", "generate", ("2026-11-30",)),
    case("generate-like-the-cli", "roster generate 2026-12-14", "generate", ("2026-12-14",)),
    case("generate-auto", "auto-roster next week", "generate", ("2026-11-30",)),
    case("generate-zh", "排下週的班", "generate", ("2026-11-30",)),
    case("generate-zh-simplified", "帮我排下周的班", "generate", ("2026-11-30",)),
    case("generate-zh-table", "產生下下週的班表", "generate", ("2026-12-07",)),
    case("generate-zh-auto", "自動排班", "generate"),
    case("generate-zh-date", "排12月7日那週的班", "generate", ("2026-12-07",)),
    case("roster-next-week-is-a-look-up", "下週的排班", "roster"),
    case("my-schedule-is-not-generated", "make my schedule", "mine"),
    case("apply", "apply 7", "apply", request_id=7),
    case("apply-slash", "/apply 7", "apply", request_id=7),
    case("apply-roster", "apply roster #7", "apply", request_id=7),
    case("apply-zh", "套用7", "apply", request_id=7),
    case("apply-without-id", "apply", "apply"),
    case("apply-for-leave-is-leave", "apply for leave dec 24", "leave", ("2026-12-24",)),
]


@pytest.mark.parametrize(("text", "now", "expected"), PHRASES)
def test_phrase(text: str, now: datetime, expected: tuple[object, ...]) -> None:
    got = parse(text, now, TAIPEI)
    assert (
        got.intent,
        got.dates,
        got.users,
        got.request_id,
        got.reason,
        got.problem.key if got.problem else None,
        got.is_range,
        got.suggestion,
    ) == expected


def test_the_table_is_large_and_covers_every_intent() -> None:
    assert len(PHRASES) >= 150
    intents = {p.values[2][0] for p in PHRASES}
    assert intents == set(INTENTS)
    texts = [p.values[0] for p in PHRASES]
    assert sum(1 for t in texts if any("\u4e00" <= c <= "\u9fff" for c in t)) >= 60
