"""Chat grammar: turn one chat message into an intent, dates, mentions and a request id.

This is the English and Chinese (traditional and simplified) grammar of CONTRACT §3. It is a
pure function of the text, the current instant and the team's time zone: no clock, no
database, no transport. ``parse`` never raises; anything it does not understand comes back
as intent ``"unknown"``.

How a message is read
---------------------
1. The text is normalised with NFKC (full-width digits, letters, ``＠`` and ``＃`` become
   ASCII), curly quotes become ``'``, control and other unprintable characters become
   spaces. Matching is case-insensitive; reasons keep their case.
2. A leading Telegram-style command (``/swap``, ``/leave@shiftbot_bot``, ``/start`` = help)
   or Slack's ``/shift`` prefix is read as the command word.
3. Mentions are taken out first: Slack ``<@U0123>`` and ``<@U0123|bob>`` give ``U0123``
   (as written), ``@Bob`` gives ``bob`` (ASCII letters, digits, ``_``, ``.`` and ``-``,
   lower-cased: agent ids are matched without regard to case; a name written in Chinese
   after ``@`` is not a mention). Links, e-mail addresses and clock times (``9:00``,
   ``9am``, ``9點``) are ignored.
4. Request ids: ``#12`` anywhere, ``request 12``, ``單號 12``, ``第12號``, or a number right
   after an id verb (``approve 12``, ``批准12``, ``接12號``). ``12號`` after an id verb is a
   request id, elsewhere it is a date (the 12th); ``接12號的班`` is the 12th again.
   ``request_id`` is only reported for the id intents (take, accept, decline, approve, deny,
   cancel); with several ids the first one counts. Ids above 2**31 - 1 are a problem
   (``parse.bad_request_id``).
5. Dates, then the intent (see below), then the reason.

Dates
-----
Forms: ``2026-12-24`` (also ``/`` or ``.``), ``12/24`` and ``12/24/2026`` (month/day),
``Dec 24``, ``December 24th, 2026``, ``24 Dec``, ``24th of December``, ``the 24th``,
``today``, ``tonight``, ``tomorrow`` (and the common misspellings ``tmr``, ``tmrw``),
``the day after tomorrow``, ``yesterday``, weekday names (``fri``, ``friday``, ``this
friday``, ``next friday``, ``friday next week``), ``今天/今日``, ``明天/明日``, ``後天/后天``,
``大後天``, ``昨天``, ``週五/周五/星期五/禮拜五/礼拜五/拜五`` (``週日/週天/星期日/星期天``),
``下週一/下周一/下星期一/下個禮拜一``, ``下下週一``, ``這週五/这周五/本週五``, ``12月24日``,
``12月24號/号``, ``2026年12月24日``, ``十二月二十四日``, ``下個月3號``, ``24日``, ``24號``.
Ranges: ``Dec 24 to Dec 26``, ``Dec 24-26``, ``Dec 24 to 26``, ``24 to 26 Dec``,
``24-26 Dec``, ``12/24-12/26``, ``mon-fri``, ``12月24日到26日``, ``12月24日至12月26日``,
``12月24-26日``, ``24到26日`` (connectors ``to``, ``till``, ``until``, ``through``, ``thru``,
``-``, ``–``, ``~``, ``到``, ``至``). A range gives its two ends and sets ``is_range``.

Resolution rules, all relative to ``today = now.astimezone(tz).date()``:

* A date without a year is its next occurrence from today on (today counts). When that
  year has no such day (``Feb 29`` in 2027) the message gets the problem
  ``parse.no_such_day``.
* A bare day of the month (``24日``, ``24號``, ``the 24th``) is the next date from today on
  with that day of the month: this month if it is not past, otherwise the next month that
  has that day (``31日`` asked on 30 November is 31 December).
* A range end is resolved from the range start: ``Dec 30 to Jan 2`` ends in the next year
  (a yearless end rolls into the next year when that gives a range of at most half a year),
  ``Dec 30-2`` ends on 2 January (a bare day rolls into the next month for a range of at
  most two weeks), ``fri to mon`` ends on the Monday after that Friday. Any other range
  whose end falls before its start (``Dec 20 to Dec 18``, ``Dec 20-18``, explicit years,
  ``tomorrow to today``) is reversed: ``dates`` keeps both ends in the order written,
  ``is_range`` is set and the problem ``parse.reversed_range`` names both, so the request
  is refused rather than stretched over a year.
* Weekday names (``friday``, ``this friday``, ``coming friday``, ``週五``) mean the nearest
  such day from today on; today counts. So ``this monday`` said on a Wednesday is the
  coming Monday.
* ``next friday`` means the Friday of the next ISO week (weeks run Monday to Sunday). When
  the plain Friday of the current week is still ahead (``next friday`` said on a Wednesday
  could mean in 2 or in 9 days), the message is ambiguous: ``dates`` stays empty and the
  problem ``parse.which_day`` asks "Which day do you mean: Fri 27 Nov or Fri 4 Dec?". Said
  on the Friday itself or
  after it, there is only one reading and it is used. ``friday next week`` / ``next week
  friday`` always mean the next ISO week and never ask.
* ``下週X`` is always the next ISO week and ``下下週X`` the one after (never ambiguous).
  ``這週X/本週X`` is day X of the current ISO week; if that day has passed, the message gets
  the problem ``parse.past_week`` instead of a date. ``上週五`` is read as 上 (to work) +
  週五, the coming Friday, because ``幫我上週五的班`` ("cover my Friday shift") is far more
  common in shift chat than a past Friday.
* Invalid dates (``Feb 30``, ``13/45``, ``2026-02-30``, ``99/99/9999``) give the problem
  ``parse.bad_date`` ("Feb 30 is not a date.") and no crash. Dates more than
  :data:`MAX_DAYS_AWAY` days (about two years) before or after today (``9999-12-31``,
  ``0001-01-01``) give ``parse.date_out_of_range``.
* Whenever a date has a problem other than a reversed range, ``dates`` is empty: a wrong
  or partial date list could change the meaning of the remaining dates (``swap DATE with
  @u DATE2``).

Problems
--------
``problem`` is a :class:`Problem`: a message id of the ``parse`` catalog domain
(``bot/i18n/locale/*/LC_MESSAGES/parse.po``) and its values (dates, user text, numbers).
The caller words it for the reader with :mod:`bot.i18n`; ``question_text()`` words it in the
language of the message.

Intents
-------
A leading explicit command word wins (``swap``, ``giveaway``/``give away``, ``take``,
``leave``, ``sick``, ``accept``, ``decline``, ``approve``, ``deny``/``reject``, ``cancel``,
``mine``, ``roster``/``schedule``, ``staffing``, ``pending``, ``open`` (optionally
``open shifts``), ``off`` (followed by a date at most), ``generate`` (also ``roster
generate``), ``apply`` (with an id, or alone), ``help``), after polite fillers such as ``ok``
or ``please``. ``take`` followed by ``off`` is leave, ``take my ...`` is a
give-away. Otherwise the message is read as free text, in this order:

1. an id plus an id verb gives that verb's intent;
2. "who is off / on leave ...", ``誰請假``, ``明天有誰休假`` is ``off``;
3. "who is working / on ...", ``誰上班`` is ``roster``;
4. "open shifts", "what can I take", ``有哪些班可以接``, ``可以接的班`` is ``open``;
5. ``待核准``, ``待審核`` (waiting for approval) is ``pending``, although it holds
   ``核准`` (approve);
6. "who can cover DATE?" with nothing else (no "my", no mention) is ``staffing`` for that
   day: it is a lead looking for people to fill that day's gaps, and the staffing reply
   shows the gaps and who is short; "who can cover my shift on DATE" stays a give-away;
7. "how do I ..." without dates is help;
8. the earliest action phrase (sick, leave, swap, give-away, take, accept, decline,
   approve, deny, cancel) decides (``我想把週六的班給@ling`` and ``週六的班讓給@ling`` are
   give-aways to ling);
9. then pending, staffing, mine, roster and help, in that order.

An agent's "please approve my leave on Dec 24" (approve without an id, about "my" leave,
swap or give-away) is that request, not a lead's approval.

A lead's "generate next week's roster", "build the schedule for the week of Dec 7",
"排下週的班", "產生下下週的班表" or "自動排班" is ``generate`` (checked before the other free
text forms); its ``dates`` hold the Monday of the week meant: the week of its first date,
else a week named in words (``this week``, ``next week``, ``the week after next``, ``這週``,
``下週``, ``下下週``), else nothing (the caller takes next week). "排班" and "下週的排班" alone
stay ``roster`` (a look-up). ``apply 3``, ``apply roster #3`` and ``套用3`` apply roster draft
#3; "apply for leave" is leave.

Choices worth knowing:

* Empty or blank text is ``help`` (Slack ``/shift`` and Telegram ``/start`` with nothing
  after them); an unknown Telegram command with nothing after it is ``unknown``.
* ``sick`` without a date leaves ``dates`` empty; the caller defaults it to today.
* ``reason`` is the text after the last date of a leave request and after the id of a
  deny, without connector words (``for``, ``because``, ``因為``) or the leave keyword itself.
* ``lang`` is ``zh-Hans`` or ``zh-Hant`` when the normalised message contains a Han
  character (``zh-Hans`` when it holds more characters found only in Simplified writing,
  such as 这 换 请, than ones found only in Traditional), else ``en``.
* A message not understood (``unknown``) whose first word is one edit (Damerau–Levenshtein:
  a letter added, dropped, changed, or two neighbours swapped) from a command word of four
  letters or more gets ``suggestion``: ``swpa fri with @bob`` suggests ``swap``, ``aprove 12``
  ``approve``. Real English words one edit from a command (``make``, ``mind``, ``sending``)
  are never "corrected".
* A ``take`` with a date and no id (``I can take friday``, ``我可以接12月24日的班``) keeps
  the date so the caller can look up the open give-away on that day.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Literal, TypeAlias, get_args
from zoneinfo import ZoneInfo

from bot.i18n import words

__all__ = [
    "ID_INTENTS",
    "INTENTS",
    "MAX_DAYS_AWAY",
    "MAX_REQUEST_ID",
    "Intent",
    "Lang",
    "ParsedMessage",
    "Problem",
    "parse",
    "resolve_date",
]

log = logging.getLogger(__name__)

Intent = Literal[
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
    "mine",
    "roster",
    "staffing",
    "pending",
    "open",
    "off",
    "generate",
    "apply",
    "help",
    "unknown",
]
Lang = Literal["en", "zh-Hant", "zh-Hans"]

INTENTS: tuple[Intent, ...] = get_args(Intent)
ID_INTENTS: frozenset[Intent] = frozenset(
    {"take", "accept", "decline", "approve", "deny", "cancel", "apply"}
)
MAX_REQUEST_ID = 2**31 - 1
MAX_DAYS_AWAY = 732
"""Dates further than this from today (about two years, either way) are refused."""


@dataclass(frozen=True)
class Problem:
    """Why a message cannot be acted on as it stands, to be asked back.

    ``key`` is a message id of the ``parse`` catalog domain (``parse.bad_date``,
    ``parse.which_day`` ...); ``params`` are its values (dates, user text, numbers), worded
    for the reader by :class:`bot.i18n.Words`.
    """

    key: str
    params: Mapping[str, object] = field(default_factory=dict, hash=False)

    def text(self, lang: str) -> str:
        return words(lang)(self.key, **self.params)


@dataclass(frozen=True)
class ParsedMessage:
    """What the bot understood from one message.

    ``dates`` are local dates in order of appearance (a range gives its start and end),
    ``users`` are mentions (Slack ids as written, plain ``@names`` lower-cased), ``problem``
    is set when a date or id is ambiguous or invalid, ``suggestion`` names the command a
    mistyped first word was probably meant to be (intent ``unknown`` only).
    """

    intent: Intent
    dates: tuple[date, ...]
    users: tuple[str, ...]
    request_id: int | None
    reason: str | None = None
    lang: Lang = "en"
    problem: Problem | None = None
    is_range: bool = False
    suggestion: str | None = None

    def question_text(self) -> str | None:
        """The problem as a question to send back, in the language of the message."""
        return None if self.problem is None else self.problem.text(self.lang)

    def to_json(self) -> dict[str, object]:
        """The CONTRACT §3 shape printed by ``shiftbot parse --json``."""
        return {
            "intent": self.intent,
            "dates": [d.isoformat() for d in self.dates],
            "users": list(self.users),
            "request_id": self.request_id,
        }


# ---------------------------------------------------------------------------------------
# Normalisation

_PUNCT_MAP = str.maketrans(
    "\u2018\u2019\u201b\u2032`\u00b4\u201c\u201d\u301c\u2010\u2011\u2212", "''''''\"\"~---"
)

_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_SIMPLIFIED_MARKS = frozenset("这换请个礼号谁么驳绝审处帮说们时间会吗没过为报后")
_TRADITIONAL_MARKS = frozenset("這換請個禮號誰麼駁絕審處幫說們時間會嗎沒過為報後週")


def _normalise(text: str) -> str:
    out = unicodedata.normalize("NFKC", text).translate(_PUNCT_MAP)
    if out.isprintable():
        return out
    return "".join(c if c.isprintable() else " " for c in out)


def _lower_aligned(text: str) -> str:
    """Lower-case ``text`` keeping one output character per input character."""
    low = text.lower()
    if len(low) == len(text):
        return low
    return "".join(c.lower() if len(c.lower()) == 1 else c for c in text)


def _uses_simplified(text: str) -> bool:
    simp = sum(1 for c in text if c in _SIMPLIFIED_MARKS)
    trad = sum(1 for c in text if c in _TRADITIONAL_MARKS)
    return simp > trad


# ---------------------------------------------------------------------------------------
# Vocabulary


def _numbered(groups: tuple[str, ...], first: int = 0) -> dict[str, int]:
    """``("january jan", ...)`` -> ``{"january": first, "jan": first, ...}``."""
    return {word: n for n, words in enumerate(groups, first) for word in words.split()}


_MONTHS = _numbered(
    (
        "january jan",
        "february feb",
        "march mar",
        "april apr",
        "may",
        "june jun",
        "july jul",
        "august aug",
        "september sept sep",
        "october oct",
        "november nov",
        "december dec",
    ),
    first=1,
)
_EN_WEEKDAYS = _numbered(
    (
        "monday mon",
        "tuesday tues tue",
        "wednesday weds wed",
        "thursday thurs thur thu",
        "friday fri",
        "saturday sat",
        "sunday sun",
    )
)
_ZH_WEEKDAYS = _numbered(("一 1", "二 2", "三 3", "四 4", "五 5", "六 6", "日 天 七 7"))
_CN_DIGITS = _numbered(("〇 零", "一", "二 兩 两", "三", "四", "五", "六", "七", "八", "九"))
_MON = "(?:" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + ")"
_WD = "(?:" + "|".join(sorted(_EN_WEEKDAYS, key=len, reverse=True)) + ")"
_CN = "[〇零一二兩两三四五六七八九十]{1,3}"
_CONN = r"(?:to|till|til|until|through|thru|-|–|—|~|到|至)"

_DATE_MARK = "\ue000"
_USER_MARK = "\ue001"
_ID_MARK = "\ue002"


def _w(*alternatives: str) -> str:
    """English alternatives with ASCII word boundaries (CJK next to a word still splits)."""
    return r"(?<![a-z0-9'])(?:" + "|".join(alternatives) + r")(?![a-z0-9])"


def _cn_number(token: str) -> int | None:
    if token.isascii():
        return int(token) if token.isdigit() else None
    if "十" in token:
        tens_part, _, ones_part = token.partition("十")
        if len(tens_part) > 1 or len(ones_part) > 1 or "十" in ones_part:
            return None
        tens = _CN_DIGITS.get(tens_part) if tens_part else 1
        ones = _CN_DIGITS.get(ones_part) if ones_part else 0
        if tens is None or ones is None:
            return None
        return tens * 10 + ones
    if len(token) == 1:
        return _CN_DIGITS.get(token)
    return None


# ---------------------------------------------------------------------------------------
# Noise, mentions, times, ids

_SLASH_COMMAND = re.compile(r"\s*+/([a-z][a-z0-9_]*)(?:@[a-z0-9_]+)?(?![a-z0-9_@])")
_SLASH_WORDS: dict[str, str] = {
    **{name: name for name in INTENTS if name != "unknown"},
    "shift": "",
    "shiftbot": "",
    "give_away": "giveaway",
    "start": "help",
}

_NOISE = re.compile(
    r"<(?:https?|mailto|tel):[^<>]*>|<[#!][^<>]*>|https?://\S+|www\.\S+"
    r"|(?<![a-z0-9._%+-])[a-z0-9._%+-]+@[a-z0-9-]+(?:\.[a-z0-9-]+)*\.[a-z]{2,}(?![a-z0-9])"
)
_SLACK_MENTION = re.compile(r"<@([a-z0-9]+)(?:\|[^<>]*)?>")
_PLAIN_MENTION = re.compile(r"(?<![a-z0-9_])@([a-z0-9_](?:[a-z0-9_.-]*[a-z0-9_])?)")
_TIME = re.compile(
    r"(?<![0-9])[0-9]{1,2}:[0-9]{2}(?::[0-9]{2})?(?:\s*+(?:am|pm|a\.m\.|p\.m\.)(?![a-z]))?"
    r"(?![0-9])"
    r"|(?<![0-9a-z.])[0-9]{1,2}(?:\.[0-9]{1,2})?\s*+(?:am|pm|a\.m\.|p\.m\.)(?![a-z])"
    r"|(?:早上|上午|中午|下午|晚上|凌晨|傍晚)?(?<![0-9])[0-9]{1,2}\s*+(?:點|点|時|时)"
    r"(?:半|[0-9]{1,2}\s*+分?)?"
)

_NOT_QUANTITY = (
    r"(?![0-9])(?!個|个|天|人|位|週|周|星期|%)"
    r"(?!\s*+(?:[/:.\-][0-9]|月|日|點|点|時|时|分|小時|小时|(?:號|号)\s*+的?\s*+班"
    r"|(?:am|pm|a\.m|p\.m|st|nd|rd|th|h|hrs?|hours?|mins?|minutes?|days?|weeks?|shifts?"
    r"|people|agents|persons?|staff|" + _MON[3:-1] + r")(?![a-z])))"
)
_ID_NUMBER = r"([0-9]{1,18})(\s*+(?:號|号)(?!\s*+的?\s*+班))?"
_ID_VERBS_EN = (
    r"takes?|taking|claim|claiming|grab|cover|accept|accepting|decline|declining|approve"
    r"|approving|deny|denying|reject|rejecting|refuse|cancel|cancelling|canceling|withdraw"
    r"|apply|applying"
)

_ID_VERBS_ZH = (
    "不接受|接受|婉拒|謝絕|谢绝|批准|核准|同意|准假|准|通過|通过|拒絕|拒绝|駁回|驳回|否決|否决|退回|取消|撤回|撤銷"
    "|撤销|認領|认领|領取|领取|套用|接"
)
_ID_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"#\s*+" + _ID_NUMBER),
    re.compile(
        r"(?<![a-z0-9])(?:request|req|id|ticket|number|no\.|nr\.?)\s*+#?\s*+"
        + _ID_NUMBER
        + _NOT_QUANTITY
    ),
    re.compile(
        r"(?:單號|单号|編號|编号|申請|申请|請求|请求|第)\s*+#?\s*+" + _ID_NUMBER + _NOT_QUANTITY
    ),
    re.compile(
        r"(?:"
        + _w(_ID_VERBS_EN)
        + "|(?:"
        + _ID_VERBS_ZH
        + r"))\s*+(?:(?:the|request|req|swap|leave|giveaway|give-?away|shift|roster|draft"
        r"|number|no\.?)\s*+)?" + _ID_NUMBER + _NOT_QUANTITY
    ),
)
_BARE_NUMBER = re.compile(r"(?<![0-9a-z])" + _ID_NUMBER + _NOT_QUANTITY)


# ---------------------------------------------------------------------------------------
# Dates


@dataclass(frozen=True)
class _Atom:
    """One date expression found in the text, not yet resolved against today."""

    start: int
    end: int
    kind: str
    text: str
    year: int | None = None
    month: int = 0
    day: int = 0
    offset: int = 0
    weekday: int = 0


@dataclass(frozen=True)
class _Issue:
    code: str
    token: str
    year: int = 0
    first: date | None = None
    second: date | None = None
    weekday: int = 0


_Resolved: TypeAlias = date | _Issue
_AtomBuilder: TypeAlias = Callable[[re.Match[str], str], "_Atom | None"]


def _atom(
    m: re.Match[str],
    norm: str,
    kind: str,
    *,
    year: int | None = None,
    month: int = 0,
    day: int = 0,
    offset: int = 0,
    weekday: int = 0,
) -> _Atom:
    text = norm[m.start() : m.end()].strip()
    return _Atom(m.start(), m.end(), kind, text, year, month, day, offset, weekday)


def _year(token: str | None) -> int | None:
    if token is None:
        return None
    value = int(token)
    return value + 2000 if len(token) == 2 else value


def _build_iso(m: re.Match[str], norm: str) -> _Atom:
    return _atom(m, norm, "ymd", year=int(m[1]), month=int(m[2]), day=int(m[3]))


def _build_zh_md(m: re.Match[str], norm: str) -> _Atom | None:
    month, day = _cn_number(m[2]), _cn_number(m[3])
    if month is None or day is None:
        return None
    if m[1]:
        return _atom(m, norm, "ymd", year=int(m[1]), month=month, day=day)
    return _atom(m, norm, "md", month=month, day=day)


def _build_zh_month_relative(m: re.Match[str], norm: str) -> _Atom | None:
    day = _cn_number(m[2])
    if day is None:
        return None
    return _atom(m, norm, "md_rel", day=day, offset=1 if m[1].startswith("下") else 0)


def _build_zh_day(m: re.Match[str], norm: str) -> _Atom | None:
    day = _cn_number(m[1] or m[2])
    return None if day is None else _atom(m, norm, "day", day=day)


def _build_zh_weekday(m: re.Match[str], norm: str) -> _Atom:
    weekday = _ZH_WEEKDAYS[m[2]]
    prefix = m[1] or ""
    if prefix == "下下":
        return _atom(m, norm, "wd_weeks", weekday=weekday, offset=2)
    if prefix == "下":
        return _atom(m, norm, "wd_weeks", weekday=weekday, offset=1)
    if prefix:
        return _atom(m, norm, "wd_this_week", weekday=weekday)
    return _atom(m, norm, "wd", weekday=weekday)


_ZH_RELATIVE: dict[str, int] = {
    "大後天": 3,
    "大后天": 3,
    "後天": 2,
    "后天": 2,
    "明天": 1,
    "明日": 1,
    "明早": 1,
    "明晚": 1,
    "今天": 0,
    "今日": 0,
    "今晚": 0,
    "今早": 0,
    "昨天": -1,
    "昨日": -1,
    "前天": -2,
}


def _build_zh_relative(m: re.Match[str], norm: str) -> _Atom:
    return _atom(m, norm, "rel", offset=_ZH_RELATIVE[m[0]])


def _build_en_relative(m: re.Match[str], norm: str) -> _Atom:
    word = m[0]
    if "after" in word:
        offset = 2
    elif word in ("today", "tonight", "tonite", "tdy"):
        offset = 0
    elif word.startswith("y"):
        offset = -1
    else:
        offset = 1
    return _atom(m, norm, "rel", offset=offset)


def _build_en_weekday(m: re.Match[str], norm: str) -> _Atom:
    weekday = _EN_WEEKDAYS[m["wd"]]
    week = m["wk1"] or m["wk2"]
    if week == "next":
        return _atom(m, norm, "wd_weeks", weekday=weekday, offset=1)
    if week == "this":
        return _atom(m, norm, "wd_this_week", weekday=weekday)
    if m["pre"] == "next":
        return _atom(m, norm, "wd_next", weekday=weekday)
    return _atom(m, norm, "wd", weekday=weekday)


def _build_en_month_day(m: re.Match[str], norm: str) -> _Atom:
    month, day, year = _MONTHS[m[1]], int(m[2]), _year(m[3])
    if year is not None:
        return _atom(m, norm, "ymd", year=year, month=month, day=day)
    return _atom(m, norm, "md", month=month, day=day)


def _build_en_day_month(m: re.Match[str], norm: str) -> _Atom:
    day, month, year = int(m[1]), _MONTHS[m[2]], _year(m[3])
    if year is not None:
        return _atom(m, norm, "ymd", year=year, month=month, day=day)
    return _atom(m, norm, "md", month=month, day=day)


def _build_slash(m: re.Match[str], norm: str) -> _Atom:
    month, day, year = int(m[1]), int(m[2]), _year(m[3])
    if year is not None:
        return _atom(m, norm, "ymd", year=year, month=month, day=day)
    return _atom(m, norm, "md", month=month, day=day)


def _build_ordinal(m: re.Match[str], norm: str) -> _Atom:
    return _atom(m, norm, "day", day=int(m[1] or m[2]))


_ATOM_PATTERNS: tuple[tuple[re.Pattern[str], _AtomBuilder], ...] = (
    (
        re.compile(r"(?<![0-9])([0-9]{4})[-/.]([0-9]{1,2})[-/.]([0-9]{1,2})(?![0-9])"),
        _build_iso,
    ),
    (
        re.compile(
            r"(?:(?<![0-9])([0-9]{4})\s*+年\s*+)?(?<![0-9])([0-9]{1,2}|" + _CN + r")\s*+月\s*+"
            r"([0-9]{1,2}|" + _CN + r")(?![0-9])(?:\s*+(?:日|號|号))?"
        ),
        _build_zh_md,
    ),
    (
        re.compile(
            r"(下個?月|下个?月|這個?月|这个?月|本月)\s*+([0-9]{1,2}|" + _CN + r")\s*+(?:日|號|号)"
        ),
        _build_zh_month_relative,
    ),
    (
        re.compile(
            r"(?<![0-9月])([0-9]{1,2})\s*+(?:日|號|号)"
            r"|(?<![0-9月〇零一二兩两三四五六七八九十])(" + _CN + r")\s*+(?:號|号)"
        ),
        _build_zh_day,
    ),
    (
        re.compile(
            r"(?:(下下|下|這|这|本|今)\s*+(?:(?:個|个)\s*+)?)?(?:週|周|星期|禮拜|礼拜|拜)\s*+"
            r"([一二三四五六日天七1-7])(?![0-9])"
        ),
        _build_zh_weekday,
    ),
    (
        re.compile("|".join(sorted(_ZH_RELATIVE, key=len, reverse=True))),
        _build_zh_relative,
    ),
    (
        re.compile(
            _w(
                r"(?:the\s++)?day\s++after\s++(?:tomorrow|tmrw?)",
                "tomorrow",
                "tmrw",
                "tmr",
                "tomorow",
                "tommorow",
                "tommorrow",
                "2morrow",
                "2moro",
                "today",
                "tonight",
                "tonite",
                "tdy",
                "yesterday",
            )
        ),
        _build_en_relative,
    ),
    (
        re.compile(
            r"(?<![a-z0-9'])(?:(?P<pre>next|this\s++coming|this|coming|upcoming)\s++)?"
            r"(?:(?P<wk1>next|this)\s++week(?:'?s)?\s++(?:on\s++)?)?"
            r"(?P<wd>" + _WD + r")(?:'?s)?(?![a-z0-9])"
            r"(?:\s++(?P<wk2>next|this)\s++week(?![a-z]))?"
        ),
        _build_en_weekday,
    ),
    (
        re.compile(
            r"(?<![a-z0-9'])(" + _MON + r")\.?\s*+(?:the\s++)?([0-9]{1,2})(?![0-9])"
            r"(?:st|nd|rd|th)?(?:\s*+,?\s*+([0-9]{4})(?![0-9]))?"
        ),
        _build_en_month_day,
    ),
    (
        re.compile(
            r"(?<![0-9/.:#])([0-9]{1,2})(?:st|nd|rd|th)?\s*+(?:of\s++)?(" + _MON + r")(?![a-z])\.?"
            r"(?:\s*+,?\s*+([0-9]{4})(?![0-9]))?"
        ),
        _build_en_day_month,
    ),
    (
        re.compile(r"(?<![0-9/.-])([0-9]{1,2})/([0-9]{1,2})(?:/([0-9]{4}|[0-9]{2}))?(?![0-9/])"),
        _build_slash,
    ),
    (
        re.compile(
            r"(?<![a-z0-9])(?:on\s++)?the\s++([0-9]{1,2})(?:st|nd|rd|th)(?![a-z0-9])"
            r"|(?<![a-z0-9])on\s++([0-9]{1,2})(?:st|nd|rd|th)(?![a-z0-9])"
        ),
        _build_ordinal,
    ),
)

_RANGE_BETWEEN = re.compile(r"\s*+" + _CONN + r"\s*+")
_PARTIAL_END = re.compile(
    r"\s*+"
    + _CONN
    + r"\s*+(?:the\s++)?([0-9]{1,2})(?:st|nd|rd|th)?(?:\s*+(?:日|號|号))?(?![0-9/:.])"
)
_PARTIAL_START = re.compile(
    r"(?<![0-9/.:#a-z-])([0-9]{1,2})(?:st|nd|rd|th)?\s*+" + _CONN + r"\s*+(?:the\s++)?\Z"
)


def _find_atoms(work: str, norm: str) -> list[_Atom]:
    found: list[_Atom] = []
    for pattern, build in _ATOM_PATTERNS:
        for m in pattern.finditer(work):
            atom = build(m, norm)
            if atom is not None:
                found.append(atom)
    found.sort(key=lambda a: (a.start, a.start - a.end))
    chosen: list[_Atom] = []
    last_end = -1
    for atom in found:
        if atom.start >= last_end:
            chosen.append(atom)
            last_end = atom.end
    return chosen


def _yearless(month: int, day: int, base: date, token: str) -> _Resolved:
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return _Issue("invalid", token)
    year = base.year if (month, day) >= (base.month, base.day) else base.year + 1
    try:
        return date(year, month, day)
    except ValueError:
        try:
            date(2000, month, day)
        except ValueError:
            return _Issue("invalid", token)
        return _Issue("invalid_year", token, year=year)


def _day_of_month(day: int, base: date, token: str) -> _Resolved:
    if not 1 <= day <= 31:
        return _Issue("invalid", token)
    year, month = base.year, base.month
    for _ in range(13):
        if (year, month) != (base.year, base.month) or day >= base.day:
            try:
                return date(year, month, day)
            except ValueError:
                pass
        month += 1
        if month > 12:
            year, month = year + 1, 1
    return _Issue("invalid", token)


def _week_monday(today: date) -> date:
    return today - timedelta(days=today.weekday())


def _resolve(atom: _Atom, today: date) -> _Resolved:
    try:
        return _resolve_unchecked(atom, today)
    except (ValueError, OverflowError):
        return _Issue("invalid", atom.text)


def _resolve_unchecked(atom: _Atom, today: date) -> _Resolved:
    kind = atom.kind
    if kind == "ymd":
        try:
            return date(atom.year or 0, atom.month, atom.day)
        except ValueError:
            return _Issue("invalid", atom.text)
    if kind == "md":
        return _yearless(atom.month, atom.day, today, atom.text)
    if kind == "day":
        return _day_of_month(atom.day, today, atom.text)
    if kind == "md_rel":
        year, month = today.year, today.month + atom.offset
        if month > 12:
            year, month = year + 1, month - 12
        try:
            return date(year, month, atom.day)
        except ValueError:
            return _Issue("invalid", atom.text)
    if kind == "rel":
        return today + timedelta(days=atom.offset)
    if kind == "wd":
        return today + timedelta(days=(atom.weekday - today.weekday()) % 7)
    if kind == "wd_weeks":
        return _week_monday(today) + timedelta(days=7 * atom.offset + atom.weekday)
    if kind == "wd_this_week":
        this_week = _week_monday(today) + timedelta(days=atom.weekday)
        if this_week < today:
            following = this_week + timedelta(days=7)
            return _Issue(
                "past_week", atom.text, first=this_week, second=following, weekday=atom.weekday
            )
        return this_week
    if kind == "wd_next":
        plain = today + timedelta(days=(atom.weekday - today.weekday()) % 7)
        next_week = _week_monday(today) + timedelta(days=7 + atom.weekday)
        if today < plain < next_week:
            return _Issue(
                "ambiguous", atom.text, first=plain, second=next_week, weekday=atom.weekday
            )
        return next_week
    return _Issue("invalid", atom.text)


_MONTH_DAYS = (31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)
_MONTH_WRAP_DAYS = 14
"""``Dec 28-3`` wraps into the next month; ``Dec 20-18`` (29 days if wrapped) is reversed."""
_YEAR_WRAP_DAYS = 183
"""``Dec 30 to Jan 2`` wraps into the next year; ``Dec 20 to Dec 18`` is reversed."""


def _reversed(start: date, end: date, token: str) -> _Issue:
    return _Issue("reversed", token, first=start, second=end)


def _end_in_month(day: int, start: date, token: str) -> _Resolved:
    """A bare day ending a range that starts on ``start`` (``Dec 24-26``, ``Dec 30-2``)."""
    if not 1 <= day <= 31:
        return _Issue("invalid", token)
    if day >= start.day:
        return _day_of_month(day, start, token)
    wrapped = _day_of_month(day, start, token)
    if isinstance(wrapped, date) and (wrapped - start).days <= _MONTH_WRAP_DAYS:
        return wrapped
    return _reversed(start, start.replace(day=day), token)


def _end_in_year(month: int, day: int, start: date, token: str) -> _Resolved:
    """A yearless ``month day`` ending a range that starts on ``start``."""
    if not (1 <= month <= 12 and 1 <= day <= 31):
        return _Issue("invalid", token)
    try:
        same = date(start.year, month, day)
    except ValueError:
        same = None
    if same is not None and same >= start:
        return same
    if start.year >= date.max.year:
        return _Issue("out_of_range", token)
    try:
        wrapped: date | None = date(start.year + 1, month, day)
    except ValueError:
        wrapped = None
    if wrapped is not None and (wrapped - start).days <= _YEAR_WRAP_DAYS:
        return wrapped
    if same is not None:
        return _reversed(start, same, token)
    return _yearless(month, day, start, token)


def _resolve_end(end: _Atom, start: date, today: date) -> _Resolved:
    """Resolve a range end relative to its start.

    A yearless end falls in the start's year, or in the next one when that makes a range of
    at most half a year (``Dec 30 to Jan 2``); a bare day likewise wraps into the next month
    for at most two weeks (``Dec 30-2``). Any other end before the start is a reversed range.
    """
    try:
        if end.kind == "day":
            return _end_in_month(end.day, start, end.text)
        if end.kind == "md":
            return _end_in_year(end.month, end.day, start, end.text)
        if end.kind == "wd":
            return start + timedelta(days=(end.weekday - start.weekday()) % 7)
    except (ValueError, OverflowError):
        return _Issue("invalid", end.text)
    resolved = _resolve(end, today)
    if isinstance(resolved, date) and resolved < start:
        return _reversed(start, resolved, end.text)
    return resolved


def _partial_start(day: int, end: _Atom, m: re.Match[str], norm: str, wrap: bool) -> _Atom:
    """The bare day in ``24 to 26 Dec`` or ``24到26日``, taking its month from the end.

    With ``wrap``, a start day above the end's day is in the month before (``30 to 2 Jan``).
    """
    text = norm[m.start() : m.start(1) + len(m[1])]
    if wrap and end.kind in ("md", "ymd") and day > end.day:
        month, year = end.month - 1, end.year
        if month < 1:
            month, year = 12, None if year is None else year - 1
    else:
        month, year = end.month, end.year
    kind = "day" if end.kind == "day" else ("ymd" if year is not None else "md")
    return _Atom(m.start(), m.start(1) + len(m[1]), kind, text, year=year, month=month, day=day)


@dataclass(frozen=True)
class _DateResult:
    dates: tuple[date, ...]
    spans: tuple[tuple[int, int], ...]
    problem: _Issue | None
    is_range: bool


def _checked(value: _Resolved, token: str, today: date) -> _Resolved:
    """``value`` unless it is a date more than :data:`MAX_DAYS_AWAY` days from today."""
    if isinstance(value, date) and abs((value - today).days) > MAX_DAYS_AWAY:
        return _Issue("out_of_range", token)
    if (
        isinstance(value, _Issue)
        and value.code == "reversed"
        and value.first is not None
        and value.second is not None
        and abs((value.second - today).days) > MAX_DAYS_AWAY
    ):
        return _Issue("out_of_range", token)
    return value


def _extract_dates(work: str, norm: str, today: date) -> _DateResult:
    """Every date of the message, resolved.

    A problem with any date empties ``dates`` (a partial list could change what the others
    mean), except a reversed range, whose two dates are kept as written.
    """
    atoms = _find_atoms(work, norm)
    if not atoms:
        return _DateResult((), (), None, False)
    masked = _mask(work, [(atom.start, atom.end) for atom in atoms], _DATE_MARK)

    dates: list[date] = []
    spans: list[tuple[int, int]] = []
    problems: list[_Issue] = []
    is_range = False
    last_end = 0

    def add(value: _Resolved, span: tuple[int, int]) -> None:
        value = _checked(value, norm[span[0] : span[1]].strip(), today)
        spans.append(span)
        if isinstance(value, _Issue):
            problems.append(value)
            if value.code == "reversed" and value.second is not None:
                dates.append(value.second)
        else:
            dates.append(value)

    def add_range(start_atom: _Atom, end_atom: _Atom) -> None:
        start = _checked(_resolve(start_atom, today), start_atom.text, today)
        end = start if isinstance(start, _Issue) else _resolve_end(end_atom, start, today)
        add(start, (start_atom.start, start_atom.end))
        add(end, (end_atom.start, end_atom.end))

    i = 0
    while i < len(atoms):
        atom = atoms[i]
        nxt = atoms[i + 1] if i + 1 < len(atoms) else None
        if nxt is not None and _RANGE_BETWEEN.fullmatch(masked, atom.end, nxt.start):
            add_range(atom, nxt)
            is_range, last_end, i = True, nxt.end, i + 2
            continue
        tail = _PARTIAL_END.match(masked, atom.end)
        if tail and atom.kind in ("md", "ymd", "day"):
            end_text = norm[tail.start(1) : tail.end()].strip()
            end_atom = _Atom(tail.start(1), tail.end(), "day", end_text, day=int(tail[1]))
            add_range(atom, end_atom)
            is_range, last_end, i = True, tail.end(), i + 1
            continue
        head = _PARTIAL_START.search(masked, last_end, atom.start)
        if head and atom.kind in ("md", "ymd", "day"):
            day = int(head[1])
            wrap = _MONTH_DAYS[(atom.month - 2) % 12] - day + atom.day <= _MONTH_WRAP_DAYS
            add_range(_partial_start(day, atom, head, norm, wrap=wrap), atom)
            is_range, last_end, i = True, atom.end, i + 1
            continue
        add(_resolve(atom, today), (atom.start, atom.end))
        last_end, i = atom.end, i + 1

    real = [p for p in problems if p.code != "reversed"]
    if real:
        return _DateResult((), tuple(spans), real[0], is_range)
    problem = problems[0] if problems else None
    return _DateResult(tuple(dates), tuple(spans), problem, is_range)


# ---------------------------------------------------------------------------------------
# Intents


def _zh(words: str) -> str:
    """Chinese alternatives, given as one space-separated string."""
    return "|".join(words.split())


def _intent_pattern(english: str, chinese: str) -> re.Pattern[str]:
    return re.compile(english + "|" + chinese)


_ACTION_PATTERNS: tuple[tuple[Intent, re.Pattern[str]], ...] = (
    (
        "sick",
        _intent_pattern(
            _w(
                *["sick", "ill", "unwell", "fever", "flu", "covid", "migraine"],
                r"not\s++feeling\s++(?:well|good|great|ok|okay)",
                r"not\s++well",
                r"feel(?:ing)?\s++(?:bad|terrible|awful|sick|ill|unwell|rough)",
                r"vomit(?:ing)?",
                r"throwing\s++up",
                r"food\s++poisoning",
                r"(?:can'?t|cannot|can\s++not|won'?t|unable\s++to|not\s++able\s++to)\s++"
                r"(?:be\s++able\s++to\s++)?(?:come|make\s++it)",
                r"not\s++coming\s++in",
                r"call(?:ing)?\s++in",
                r"out\s++sick",
            ),
            _zh(
                "病假 生病 病了 不舒服 身體不適 身体不适 發燒 发烧 感冒 頭痛 头痛 頭疼 头疼 肚子痛"
                " 拉肚子 腸胃炎 肠胃炎 確診 确诊 住院 急診 急诊 不能來 不能来 沒辦法來 没办法来"
                " 無法上班 无法上班 不能上班 沒辦法上班 没办法上班 來不了 来不了 病倒"
            ),
        ),
    ),
    (
        "leave",
        _intent_pattern(
            _w(
                *["leave", "vacation", "pto"],
                r"holidays?",
                r"days?\s++off",
                r"time\s++off",
                r"off\s++work",
                r"take(?![a-z0-9])[^.?!\n]{0,40}?(?<![a-z0-9])off",
                r"(?:need|want|like|request|book|have|get|ask\s++for|put\s++in\s++for)(?![a-z0-9])"
                r"[^.?!\n]{0,30}?(?<![a-z0-9])off",
            ),
            _zh(
                "請假 请假 休假 排休 特休 年假 事假 婚假 喪假 丧假 產假 产假 陪產假 陪产假 補休"
                " 补休 公假 放假 想休 要休 休一天 休兩天 休两天 休息一天 不上班"
            ),
        ),
    ),
    (
        "swap",
        _intent_pattern(
            _w(
                r"swap(?:s|ped|ping)?",
                r"switch(?:es|ing)?",
                *["trade", "trading", "exchange"],
                r"change\s++shifts?",
            ),
            _zh("換班 换班 調班 调班 交換 交换 互換 互换 對調 对调 調換 调换 換 换"),
        ),
    ),
    (
        "giveaway",
        _intent_pattern(
            _w(
                r"give\s*+-?\s*+away",
                "giveaway",
                r"give(?:s|ing)?(?!\s++me(?![a-z]))",
                r"cover(?:ing|s)?",
                r"fill\s++in",
                r"take\s++over",
                r"hand\s++over",
                r"offer(?:ing)?",
                r"takes?\s++my",
                r"(?:some\s?one|any\s?one|somebody|anybody)(?![a-z0-9])[^.?!\n]{0,30}?"
                r"(?<![a-z0-9])(?:take|cover|work|do|pick\s++up)",
                r"who\s++(?:can|could|will|would|wants?\s++to)\s++(?:take|cover|work|do|pick\s++up)",
                r"need\s++(?:a\s++)?cover",
            ),
            _zh(
                "代班 代我 幫我代 帮我代 幫我上 帮我上 幫我頂 帮我顶 頂班 顶班 讓出 让出 送出 轉讓"
                " 转让 釋出 释出 找人代 送班 讓班 让班"
            )
            + "|有人(?:可以|能|願意|愿意|要)?(?:幫|帮|代|接|上|頂|顶)"
            "|(?:誰|谁)(?:可以|能|願意|愿意|要)(?:幫|帮|代|接|上|頂|顶)"
            "|(?:讓給|让给|轉給|转给|交給|交给)\\s*+\ue001"
            "|班\\s*+(?:給|给)\\s*+\ue001"
            "|把[^,。?!]{0,12}?班\\s*+(?:給|给|讓|让|轉|转|交)",
        ),
    ),
    (
        "decline",
        _intent_pattern(
            _w(
                r"declin(?:e|es|ed|ing)",
                r"(?:don'?t|do\s++not|won'?t|will\s++not|not|no|can'?t|cannot)\s++"
                r"(?:want\s++to\s++)?accept",
                r"pass\s++on",
                r"no\s++thanks",
                r"turn\s++down",
            ),
            _zh("不接受 婉拒 謝絕 谢绝 不願意 不愿意 不想換 不想换 不換了 不换了 不要換 不要换"),
        ),
    ),
    (
        "cancel",
        _intent_pattern(
            _w(
                r"cancel(?:led|ed|ing|s)?",
                r"withdraw(?:n|s)?",
                "retract",
                "revoke",
                r"never\s?mind",
            ),
            _zh("取消 撤回 撤銷 撤销 不請了 不请了"),
        ),
    ),
    (
        "deny",
        _intent_pattern(
            _w(
                *["deny", "denied", "denying"],
                r"reject(?:ed|ing|s)?",
                r"refuse[ds]?",
                r"disapprove[ds]?",
            ),
            _zh("拒絕 拒绝 駁回 驳回 否決 否决 不批准 不核准 不同意 不准 不通過 不通过 退回"),
        ),
    ),
    (
        "approve",
        _intent_pattern(
            _w(r"approve[ds]?", "approving", "lgtm"),
            _zh("批准 核准 同意 准假 通過 通过 准了 批了"),
        ),
    ),
    (
        "accept",
        _intent_pattern(
            _w(r"accept(?:s|ed|ing)?", r"agree[ds]?", r"i'?m\s++in"),
            _zh("接受 願意換 愿意换"),
        ),
    ),
    (
        "take",
        _intent_pattern(
            _w(
                r"take[sn]?",
                "taking",
                "took",
                r"claim(?:ed|ing)?",
                "grab",
                r"pick(?:ing)?\s++(?:it\s++)?up",
                r"i\s++can\s++(?:do|work|cover)",
                r"i'?ll\s++(?:do|work|cover)",
            ),
            "接(?=\\s*+[\ue002\ue000#0-9第這这那下手班])|"
            + _zh("認領 认领 領取 领取 我來上 我来上 我可以上 我來代 我来代 我可以代")
            + "|我可以(?:幫|帮)",
        ),
    ),
)
_APPLY_PATTERN = _intent_pattern(_w(r"apply(?:ing)?", r"apply\s++(?:the\s++)?roster"), "套用")
"""Applying a generated roster draft: only with an id (``apply for leave`` is leave)."""
_ID_INTENT_PATTERNS: tuple[tuple[Intent, re.Pattern[str]], ...] = (
    *((i, p) for i, p in _ACTION_PATTERNS if i in ID_INTENTS),
    ("apply", _APPLY_PATTERN),
)
_CONTENT_PATTERNS = tuple(
    (i, p) for i, p in _ACTION_PATTERNS if i in ("sick", "leave", "swap", "giveaway")
)

_INFO_PATTERNS: tuple[tuple[Intent, re.Pattern[str]], ...] = (
    (
        "pending",
        _intent_pattern(
            _w(
                *["pending", "waiting", "awaiting", "inbox", "outstanding"],
                r"to\s++approve",
                r"to\s++review",
                r"needs?\s++(?:my\s++)?(?:approval|review|attention|action|decision)",
                r"open\s++requests?",
                r"requests?\s++for\s++me",
                r"anything\s++for\s++me",
                r"my\s++approvals?",
            ),
            _zh(
                "待審 待审 待處理 待处理 待批 待核 待簽 待签 待辦 待办 待確認 待确认 等我 需要我"
                " 未處理 未处理 要我批 要我審 要我审 有什麼要 有什么要"
            ),
        ),
    ),
    (
        "staffing",
        _intent_pattern(
            _w(
                *["staffing", "understaffed", "coverage", "occupancy", "erlang"],
                r"under[\s-]?staffed",
                r"over[\s-]?staffed",
                r"short[\s-]?staffed",
                r"short[\s-]?handed",
                r"enough\s++(?:people|agents|staff|cover|coverage|bodies|hands)",
                r"head\s?count",
                r"service\s++level",
                r"how\s++many\s++(?:people|agents|staff)",
                r"gaps?",
            ),
            _zh(
                "人力 人手 人數 人数 缺人 夠不夠 够不够 夠人 够人 人夠 人够 編制 编制 定編 定编"
                " 服務水準 服务水平 服務水平 缺口 人員配置 人员配置 短缺"
            ),
        ),
    ),
    (
        "mine",
        _intent_pattern(
            _w(
                "mine",
                r"my\s++(?:shifts?|schedule|roster|rota|requests?|hours|week|calendar|timetable)",
                r"when\s++(?:am|do)\s++i\s++(?:work|working|on)",
                r"am\s++i\s++(?:working|on|scheduled|in)",
                r"do\s++i\s++(?:work|have\s++(?:a\s++)?shifts?)",
                r"my\s++upcoming",
            ),
            _zh("我的班 我的排班 我的申請 我的申请 我的假")
            + "|我[^,。?!]{0,6}?(?:(?:"
            + _zh("什麼時候 什么时候 哪天 哪幾天 哪几天 何時 何时 幾點 几点 幾號 几号")
            + ")上班|有(?:沒有|没有|什麼|什么|哪些)?班|上什麼班|上什么班)",
        ),
    ),
    (
        "roster",
        _intent_pattern(
            _w(
                *["roster", "schedule", "rota"],
                r"who\s++works",
                r"who(?:'?s|\s++is|\s++are)\s++on",
                r"working\s++(?:today|tomorrow|\ue000)",
                r"shifts?\s++(?:for|on)",
                r"line-?up",
            ),
            _zh("班表 排班 值班表 輪班 轮班 上班的人 誰上班 谁上班 有誰 有谁")
            + "|(?:誰|谁)(?:在|有)?(?:上班|值班)",
        ),
    ),
    (
        "help",
        _intent_pattern(
            _w(
                *["help", "commands", "usage", "instructions", "manual", "menu", "start"],
                r"how\s++(?:do|does|can|to)",
                r"what\s++can\s++you\s++do",
            )
            + r"|^\?+$",
            _zh(
                "幫助 帮助 說明 说明 怎麼用 怎么用 使用方法 用法 指令 教學 教学 求助 功能 怎麼 怎么"
                " 如何"
            ),
        ),
    ),
)


_STRONG_OFF = re.compile(
    r"(?<![a-z0-9'])who(?:'?s|\s++is|\s++are|\s++will\s++be)?\s++(?:off|on\s++leave|away|absent"
    r"|out|sick|out\s++sick|on\s++(?:holiday|vacation|pto|sick\s++leave))(?![a-z0-9])"
    r"|(?:誰|谁|哪些人|哪位|有誰|有谁|幾個人|几个人|多少人)[^,。?!]{0,4}?"
    r"(?:休假|請假|请假|休息|放假|病假|不在|沒上班|没上班)"
)
_STRONG_ROSTER = re.compile(
    r"(?<![a-z0-9'])who(?:'?s|\s++is|\s++are|\s++will\s++be)?\s++(?:working|in|on\s++shift"
    r"|on\s++duty|scheduled|at\s++work|on)(?![a-z0-9])"
    r"|(?:誰|谁|哪些人|哪位|有誰|有谁|幾個人|几个人|多少人)[^,。?!]{0,4}?"
    r"(?:上班|值班|排班|在班|有班)"
)
_STRONG_OPEN = re.compile(
    _w(
        r"open\s++shifts?",
        r"(?:free|available|spare|unclaimed|unfilled)\s++shifts?",
        r"shifts?\s++(?:up\s++)?for\s++grabs",
        r"what\s++(?:shifts?\s++)?(?:can|could)\s++i\s++(?:take|pick\s++up|grab|claim)",
        r"anything\s++(?:i\s++can|to)\s++(?:take|pick\s++up|grab|claim)",
    )
    + "|"
    + _zh("可以接的班 可接的班 班可以接 班能接 班可以認領 班可以认领 空班 開放的班 开放的班")
)
_STRONG_PENDING = re.compile(
    _zh(
        "待核准 待批准 待審核 待审核 待審批 待审批 待簽核 待签核"
        " 等待核准 等待批准 等待審核 等待审核"
    )
)
_LEAD_COVER = re.compile(
    r"who\s++(?:can|could)\s++(?:cover|fill\s++in|work)\s++(?:on\s++|for\s++)?(?:the\s++)?"
    r"(?:gaps?\s++(?:on\s++)?)?\ue000(?:\s*+'?s?\s*+(?:shifts?|gaps?))?[\s?.!]*+"
)
"""A lead asking who can fill a day's gaps ("who can cover 12/8?"): read as ``staffing``."""
_ZH_WEEK = r"(?:下下|下|這|这|本|今)\s*+(?:個|个)?\s*+(?:週|周|星期|禮拜|礼拜)"
_STRONG_GENERATE = re.compile(
    r"(?<![a-z0-9'])(?:generate|build|create|draft|plan|prepare|produce|make|auto[\s-]?generate)"
    r"(?![a-z0-9])(?:(?!\bmy\b)[^.?!\n]){0,40}?(?<![a-z0-9])(?:roster|schedule|rota|timetable)s?"
    r"(?![a-z0-9])"
    r"|(?<![a-z0-9'])auto[\s-]?(?:roster|schedule)(?![a-z0-9])"
    r"|排\s*+(?:一下\s*+)?(?:" + _ZH_WEEK + r"|\ue000(?:\s*+(?:那|這|这)?\s*+一?"
    r"(?:週|周|星期|禮拜|礼拜))?)\s*+的?\s*+班"
    r"|(?:產生|产生|生成|建立|製作|制作|自動|自动|做)[^,。?!]{0,8}?(?:班表|排班)"
)
"""A lead asking for a week's roster to be made ("generate next week's roster", "排下週的班")."""
_ZH_WEEKS = r"\s*+(?:個|个)?\s*+(?:週|周|星期|禮拜|礼拜)"
_WEEK_WORDS: tuple[tuple[re.Pattern[str], int], ...] = (
    (re.compile(_w(r"week\s++after\s++next") + "|下下" + _ZH_WEEKS), 2),
    (re.compile(_w(r"(?:next|coming|following)\s++week") + "|下" + _ZH_WEEKS), 1),
    (re.compile(_w(r"(?:this|current)\s++week") + "|(?:這|这|本|今)" + _ZH_WEEKS), 0),
)
"""Weeks named without a date, for ``generate``: weeks after the current ISO week."""
_STRONG_HELP = re.compile(
    r"^(?:how\s++(?:do|does|can|should)\s++(?:i|we|you)|how\s++to|what\s++can\s++you\s++do)(?![a-z0-9])"
    r"|^(?:怎麼|怎么|如何)|怎麼用|怎么用"
)

_LEAD_FILLERS = re.compile(
    r"(?:(?:ok|okay|please|pls|plz|yes|yep|yeah|sure|hey|hi|hello|yo|shiftbot|bot)"
    r"(?![a-z0-9'])[\s,.!:;~-]*+)+"
)
_LEAD_WORD = re.compile(r"(give\s*+-?\s*+away|[a-z]+)(?![a-z0-9'])")
_COMMAND_WORDS: dict[str, Intent] = {
    "swap": "swap",
    "trade": "swap",
    "switch": "swap",
    "giveaway": "giveaway",
    "give": "giveaway",
    "offer": "giveaway",
    "take": "take",
    "claim": "take",
    "leave": "leave",
    "vacation": "leave",
    "pto": "leave",
    "sick": "sick",
    "accept": "accept",
    "decline": "decline",
    "approve": "approve",
    "deny": "deny",
    "reject": "deny",
    "cancel": "cancel",
    "withdraw": "cancel",
    "mine": "mine",
    "roster": "roster",
    "schedule": "roster",
    "staffing": "staffing",
    "pending": "pending",
    "open": "open",
    "off": "off",
    "generate": "generate",
    "apply": "apply",
    "help": "help",
    "usage": "help",
    "commands": "help",
}
_HELP_REST = re.compile(r"(?:[\s?!.,]|me(?![a-z])|please|pls)*")
_OFF_REST = re.compile(r"[\s\ue000?!.,]*")
_OPEN_REST = re.compile(r"\s*+(?:shifts?|ones)?[\s\ue000?!.,]*")
_OFF = re.compile(r"(?<![a-z0-9])off(?![a-z0-9])")
_TAKE_FOR_OTHERS = re.compile(
    r"(?<![a-z0-9])(?:my|some\s?one|any\s?one|somebody|anybody)(?![a-z0-9])"
)
_MY = re.compile(r"(?<![a-z0-9])my(?![a-z0-9])|我")


def _earliest(
    patterns: tuple[tuple[Intent, re.Pattern[str]], ...], text: str
) -> tuple[Intent, int] | None:
    best: tuple[Intent, int] | None = None
    for intent, pattern in patterns:
        m = pattern.search(text)
        if m is not None and (best is None or m.start() < best[1]):
            best = (intent, m.start())
    return best


def _command_start(residual: str) -> int:
    """Where the command word would be: after polite fillers such as ``ok`` or ``please``."""
    lead = _LEAD_FILLERS.match(residual)
    return lead.end() if lead else 0


def _explicit_intent(residual: str, has_id: bool) -> Intent | None:
    m = _LEAD_WORD.match(residual, _command_start(residual))
    if m is None:
        return None
    word = re.sub(r"[\s-]", "", m[1])
    intent = _COMMAND_WORDS.get(word)
    rest = residual[m.end() :]
    if intent is None:
        return None
    if word == "give" and re.match(r"\s*+me(?![a-z])", rest):
        return None
    if intent == "help":
        return "help" if _HELP_REST.fullmatch(rest) else None
    if intent == "off":
        return "off" if _OFF_REST.fullmatch(rest) else None
    if intent == "open":
        return "open" if _OPEN_REST.fullmatch(rest) else None
    if intent == "roster" and re.match(r"\s*+generate(?![a-z0-9])", rest):
        return "generate"
    if intent == "apply" and not has_id:
        return "apply" if _HELP_REST.fullmatch(rest) else None
    if intent == "take" and not has_id:
        if _OFF.search(rest):
            return "leave"
        if _TAKE_FOR_OTHERS.search(rest):
            return "giveaway"
    return intent


def _free_intent(residual: str, has_id: bool, has_dates: bool) -> Intent:
    if has_id:
        found = _earliest(_ID_INTENT_PATTERNS, residual)
        if found is not None:
            return found[0]
    if _STRONG_GENERATE.search(residual):
        return "generate"
    if _STRONG_OFF.search(residual):
        return "off"
    if _STRONG_ROSTER.search(residual):
        return "roster"
    if _STRONG_OPEN.search(residual):
        return "open"
    if _STRONG_PENDING.search(residual):
        return "pending"
    if _LEAD_COVER.fullmatch(residual, _command_start(residual)):
        return "staffing"
    if not has_dates and _USER_MARK not in residual and _STRONG_HELP.search(residual):
        return "help"
    found = _earliest(_ACTION_PATTERNS, residual)
    if found is not None:
        return found[0]
    for intent, pattern in _INFO_PATTERNS:
        if pattern.search(residual):
            return intent
    return "unknown"


# ---------------------------------------------------------------------------------------
# Typos

_SUGGESTIONS: dict[str, str] = {
    **{name: name for name in INTENTS if len(name) >= 4 and name != "unknown"},
    "schedule": "roster",
    "reject": "deny",
    "trade": "swap",
    "claim": "take",
    "vacation": "leave",
    "withdraw": "cancel",
}
"""Command words a mistyped word is compared with, and the command each suggests."""


def _word_set(text: str) -> frozenset[str]:
    return frozenset(text.split())


_REAL_WORDS = _word_set(
    """
    slap snap soap swab swag swam swamp swan swat sway swop bake cake fake hake lake make rake
    sake stake tale tame tape tare tike toke tyke wake cleave eave heave lease leaven weave dick
    hick kick lick nick pick rick sack sics silk sink slick sock stick suck tick wick accent
    recline defy dens dent dewy cancer chancel dine fine line mane mice mien mike mile mime
    mince mind mined miner mines mini mink mint minx mire mite nine pine sine tine vine wine
    foster poster raster roaster roister rooster rooter rosier router stiffing stuffing bending
    ending fending lending mending penning rending sending spending tending upending vending
    wending omen oven oxen heap held hell helm hemp kelp whelp yelp deject eject grade tirade
    trace clam vocation
    """
)
"""English words one edit away from a command word: never read as a typo of it."""


def _one_edit_apart(a: str, b: str) -> bool:
    """Damerau–Levenshtein distance exactly 1: one letter added, dropped, changed or two
    neighbours swapped."""
    if a == b or abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        diff = [i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y]
        if len(diff) == 1:
            return True
        return (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and a[diff[0]] == b[diff[1]]
            and a[diff[1]] == b[diff[0]]
        )
    short, long = (a, b) if len(a) < len(b) else (b, a)
    i = 0
    while i < len(short) and short[i] == long[i]:
        i += 1
    return short[i:] == long[i + 1 :]


def _suggest(word: str) -> str | None:
    """The command ``word`` is probably a typo of (``swpa`` -> ``swap``), or None.

    Only words of four letters or more are compared, and never a real English word one edit
    away from a command (``make``, ``mind``, ``sending``), so ordinary text is left alone.
    """
    if len(word) < 4 or not word.isascii() or not word.isalpha() or word in _REAL_WORDS:
        return None
    if word in _COMMAND_WORDS:
        return None
    for command, suggestion in _SUGGESTIONS.items():
        if _one_edit_apart(word, command):
            return suggestion
    return None


def _suggest_for(residual: str) -> str | None:
    m = _LEAD_WORD.match(residual, _command_start(residual))
    return None if m is None else _suggest(m[1])


# ---------------------------------------------------------------------------------------
# Reasons and questions

_REASON_STRIP = " \t\n,.;:!?-–—~、。()[]\"'"
_REASON_LEAD = re.compile(
    r"(?:off|leave|please|pls|for|because|since|as|due\s++to|reasons?|cause|coz|cuz)(?![a-z0-9])"
    r"|我?(?:想要|想|要|需要)?(?:請|请)?(?:休假|排休|特休|年假|事假|婚假|喪假|丧假|產假|产假|補休|补休"
    r"|公假|假)|因為|因为|由於|由于|原因[是為为]?|理由[是為为]?|事由",
    re.IGNORECASE,
)


def _reason_after(norm: str, pos: int) -> str | None:
    rest = norm[pos:]
    previous = None
    while previous != rest:
        previous = rest
        rest = rest.strip(_REASON_STRIP)
        rest = _REASON_LEAD.sub("", rest, count=1) if _REASON_LEAD.match(rest) else rest
    rest = " ".join(rest.split())
    return rest or None


def _problem(issue: _Issue) -> Problem:
    """The catalog message (``parse`` domain) that asks back about ``issue``."""
    code, token = issue.code, issue.token
    if code == "ambiguous" and issue.first and issue.second:
        return Problem("parse.which_day", {"first": issue.first, "second": issue.second})
    if code == "past_week" and issue.first and issue.second:
        return Problem("parse.past_week", {"first": issue.first, "second": issue.second})
    if code == "reversed" and issue.first and issue.second:
        return Problem("parse.reversed_range", {"start": issue.first, "end": issue.second})
    if code == "invalid_year":
        return Problem("parse.no_such_day", {"token": token, "year": issue.year})
    if code == "out_of_range":
        return Problem("parse.date_out_of_range", {"token": token})
    if code == "bad_id":
        return Problem("parse.bad_request_id", {"number": token})
    return Problem("parse.bad_date", {"token": token})


# ---------------------------------------------------------------------------------------
# Entry points


def _mask(text: str, spans: list[tuple[int, int]], mark: str) -> str:
    """Replace every ``(start, end)`` span of ``text`` by ``mark``, keeping its length."""
    if not spans:
        return text
    pieces: list[str] = []
    pos = 0
    for start, end in sorted(spans):
        start = max(start, pos)
        if end <= start:
            continue
        pieces.append(text[pos:start])
        pieces.append(mark * (end - start))
        pos = end
    pieces.append(text[pos:])
    return "".join(pieces)


def _parse(text: str, today: date) -> ParsedMessage:
    norm = _normalise(text)
    lang: Lang = "en"
    if _HAN.search(norm):
        lang = "zh-Hans" if _uses_simplified(norm) else "zh-Hant"
    if not norm.strip():
        return ParsedMessage("help", (), (), None, lang=lang)
    work = _lower_aligned(norm)

    unknown_command: str | None = None
    slash = _SLASH_COMMAND.match(work)
    if slash is not None:
        name = slash[1]
        if name in _SLASH_WORDS:
            word = _SLASH_WORDS[name]
            width = slash.end() - slash.start()
            work = word.ljust(width) + work[slash.end() :]
        else:
            unknown_command = name
            work = _mask(work, [(0, slash.end())], " ")
        if not work.strip():
            if unknown_command is None:
                return ParsedMessage("help", (), (), None, lang=lang)
            typo_of = _suggest(unknown_command)
            return ParsedMessage("unknown", (), (), None, lang=lang, suggestion=typo_of)

    work = _mask(work, [m.span() for m in _NOISE.finditer(work)], " ")

    users: list[str] = []
    for pattern in (_SLACK_MENTION, _PLAIN_MENTION):
        found = list(pattern.finditer(work))
        for m in found:
            user = norm[m.start(1) : m.end(1)]
            if pattern is _PLAIN_MENTION:
                user = user.lower()
            if user not in users:
                users.append(user)
        work = _mask(work, [m.span() for m in found], _USER_MARK)

    work = _mask(work, [m.span() for m in _TIME.finditer(work)], " ")

    id_spans: list[tuple[int, int, int]] = []
    for pattern in _ID_PATTERNS:
        found_ids = [
            (
                m.start() if m[0].startswith("#") else m.start(1),
                m.end(2) if m[2] else m.end(1),
                m[1],
            )
            for m in pattern.finditer(work)
        ]
        id_spans.extend((start, end, int(number)) for start, end, number in found_ids)
        work = _mask(work, [(start, end) for start, end, _ in found_ids], _ID_MARK)
    id_spans.sort()

    date_result = _extract_dates(work, norm, today)
    work = _mask(work, list(date_result.spans), _DATE_MARK)

    residual = re.sub("\ue000+", " \ue000 ", work)
    residual = re.sub("\ue001+", " \ue001 ", residual)
    residual = re.sub("\ue002+", " \ue002 ", residual)
    residual = " ".join(residual.split())

    has_id = bool(id_spans)
    intent_found = _explicit_intent(residual, has_id)
    explicit = intent_found is not None
    intent = intent_found or _free_intent(residual, has_id, bool(date_result.spans))
    if intent == "approve" and not has_id and _MY.search(residual):
        content = _earliest(_CONTENT_PATTERNS, residual)
        if content is not None:
            intent = content[0]

    request_id: int | None = None
    problem = date_result.problem
    id_end: int | None = None
    if intent in ID_INTENTS:
        bare = _BARE_NUMBER.search(work) if not id_spans and explicit else None
        if bare is not None:
            id_spans.append((bare.start(1), bare.end(2) if bare[2] else bare.end(1), int(bare[1])))
        if id_spans:
            _, end, value = id_spans[0]
            id_end = end
            if value > MAX_REQUEST_ID:
                problem = problem or _Issue("bad_id", str(value))
            else:
                request_id = value

    reason: str | None = None
    if intent == "leave" and date_result.spans:
        reason = _reason_after(norm, date_result.spans[-1][1])
    elif intent == "deny" and id_end is not None:
        reason = _reason_after(norm, id_end)

    dates = date_result.dates
    if intent == "generate":
        dates = _generated_week(residual, dates, today)

    suggestion: str | None = None
    if intent == "unknown":
        suggestion = _suggest(unknown_command) if unknown_command else _suggest_for(residual)

    return ParsedMessage(
        intent=intent,
        dates=dates,
        users=tuple(users),
        request_id=request_id,
        reason=reason,
        lang=lang,
        problem=_problem(problem) if problem else None,
        is_range=date_result.is_range and len(dates) >= 2,
        suggestion=suggestion,
    )


def _generated_week(residual: str, dates: tuple[date, ...], today: date) -> tuple[date, ...]:
    """The Monday of the week a ``generate`` is about: the week of its first date, or a week
    named in words (``next week``, ``下週``); none when it names no week."""
    if dates:
        return (_week_monday(dates[0]),)
    for pattern, weeks in _WEEK_WORDS:
        if pattern.search(residual):
            return (_week_monday(today) + timedelta(weeks=weeks),)
    return ()


def parse(text: str, now: datetime, tz: ZoneInfo) -> ParsedMessage:
    """Understand one chat message.

    ``now`` must be timezone-aware; dates are resolved in ``tz`` (the team's zone).
    Never raises: a message that cannot be read is returned as intent ``"unknown"``.
    """
    today = now.astimezone(tz).date()
    try:
        return _parse(text, today)
    except Exception:
        log.exception("could not parse chat message")
        return ParsedMessage("unknown", (), (), None)


def resolve_date(token: str, today: date) -> date | None:
    """Resolve one date expression (``"Dec 24"``, ``"下週一"``, ``"fri"`` ...) against today.

    Returns ``None`` when the token holds no date, more than one, or an ambiguous or
    invalid one.
    """
    norm = _normalise(token)
    try:
        result = _extract_dates(_lower_aligned(norm), norm, today)
    except Exception:
        log.exception("could not resolve date token")
        return None
    if result.problem is not None or len(result.dates) != 1:
        return None
    return result.dates[0]
