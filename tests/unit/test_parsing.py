"""Properties of the chat grammar that must hold for every message, not just the phrase table."""

from __future__ import annotations

import json
import unicodedata
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bot.core.parsing import (
    _REAL_WORDS,
    INTENTS,
    MAX_DAYS_AWAY,
    MAX_REQUEST_ID,
    ParsedMessage,
    _parse,
    parse,
    resolve_date,
)
from bot.i18n import LANGS

TAIPEI = ZoneInfo("Asia/Taipei")
WED = datetime(2026, 11, 25, 10, 0, tzinfo=TAIPEI)
ZONES = [TAIPEI, ZoneInfo("UTC"), ZoneInfo("Europe/Berlin"), ZoneInfo("America/Los_Angeles")]
EN_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
ZH_WEEKDAYS = "一二三四五六日"

FAST = settings(deadline=None, suppress_health_check=[HealthCheck.too_slow])

SOUP_WORDS = (
    "swap giveaway take leave sick accept decline approve deny cancel mine roster staffing"
    " pending help /shift /swap@bot with to - ~ 到 至 off my shift someone next this week"
    " friday fri mon sun today tomorrow 12/24 13/45 2026-12-24 0001-01-01 9999-12-31 24 26"
    " #12 12 99999999999999999999 @bob <@U0123> <@U0123|bob> 9:00 9am 請假 病假 換班 换班"
    " 代班 有人可以幫我代 接 接受 不接受 批准 拒絕 取消 我的班 班表 誰上班 人力 待審 幫助 今天"
    " 明天 後天 后天 週五 周日 星期天 禮拜五 下週一 下下週三 這週一 本週五 12月24日 12月24號"
    " 24日 24號 30号 十二月二十四日 下個月31號 12月24日到26日 家裡有事 ， 。 ？ ! İ ß ＡＢＣ"
    " ＃１２ ＠ｂｏｂ"
)
FRAGMENTS = [
    *SOUP_WORDS.split(),
    "give away",
    "the day after tomorrow",
    "Dec 24",
    "24 Dec",
    "Feb 29",
    "Feb 30",
    "the 31st",
    "\x00",
    "\u200b",
    "\ufeff",
    "\ue000",
    "\ue001",
    "\ue002",
    "\x1d",
    "\x1f",
    "\n",
]

grammar_soup = st.lists(st.sampled_from(FRAGMENTS), max_size=12).map(" ".join)
glued_soup = st.lists(st.sampled_from(FRAGMENTS), max_size=12).map("".join)
any_text = st.one_of(
    st.text(),
    st.text(alphabet=st.characters(codec="utf-8")),
    st.text(alphabet=st.characters(min_codepoint=0x3000, max_codepoint=0x9FFF)),
    st.text(alphabet=st.characters(max_codepoint=0x7F)),
    grammar_soup,
    glued_soup,
)
instants = st.datetimes(
    min_value=datetime(1, 1, 8), max_value=datetime(9999, 12, 24), timezones=st.just(UTC)
)
zones = st.sampled_from(ZONES)


def assert_well_formed(msg: ParsedMessage, text: str) -> None:
    assert msg.intent in INTENTS
    assert isinstance(msg.dates, tuple)
    assert all(type(d) is date for d in msg.dates)
    assert isinstance(msg.users, tuple)
    assert all(isinstance(u, str) and u and not u.startswith("@") for u in msg.users)
    assert len(set(msg.users)) == len(msg.users)
    assert msg.request_id is None or (
        type(msg.request_id) is int and 0 <= msg.request_id <= MAX_REQUEST_ID
    )
    assert msg.reason is None or (isinstance(msg.reason, str) and msg.reason == msg.reason.strip())
    assert msg.lang in LANGS
    if msg.problem is not None:
        assert msg.problem.key.startswith("parse.")
        for lang in LANGS:
            assert msg.problem.text(lang)
        question = msg.question_text()
        assert isinstance(question, str) and question
        if msg.request_id is None and msg.problem.key != "parse.reversed_range":
            assert msg.dates == ()
    else:
        assert msg.question_text() is None
    assert msg.suggestion is None or (msg.intent == "unknown" and msg.suggestion in INTENTS)
    if msg.is_range:
        assert len(msg.dates) >= 2
    if msg.request_id is not None:
        assert msg.intent in ("take", "accept", "decline", "approve", "deny", "cancel")
    assert json.loads(json.dumps(msg.to_json())) == msg.to_json()


@FAST
@given(text=any_text, now=instants, tz=zones)
def test_parse_never_raises_and_is_well_formed(text: str, now: datetime, tz: ZoneInfo) -> None:
    msg = parse(text, now, tz)
    assert_well_formed(msg, text)


@FAST
@given(text=any_text, today=st.dates(min_value=date(1, 1, 8), max_value=date(9999, 12, 24)))
def test_the_parser_itself_does_not_rely_on_the_safety_net(text: str, today: date) -> None:
    assert_well_formed(_parse(text, today), text)


@FAST
@given(text=any_text)
def test_lang_is_chinese_exactly_when_the_message_has_han_characters(text: str) -> None:
    normalised = unicodedata.normalize("NFKC", text)
    # Unassigned code points (e.g. a CJK block newer than this Python's Unicode data) are
    # not printable; the parser reads them as blanks, so they are not Han either.
    has_han = any(
        c.isprintable()
        and (
            "\u4e00" <= c <= "\u9fff"
            or "\u3400" <= c <= "\u4dbf"
            or "\uf900" <= c <= "\ufaff"
            or "\U00020000" <= c <= "\U0003134f"
        )
        for c in normalised
    )
    lang = parse(text, WED, TAIPEI).lang
    assert lang in (("zh-Hant", "zh-Hans") if has_han else ("en",))


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("12月24日請假", "zh-Hant"),
        ("12月24日请假", "zh-Hans"),
        ("我想和@bob换周五的班", "zh-Hans"),
        ("週五誰上班", "zh-Hant"),
        ("明天", "zh-Hant"),
        ("leave Dec 24", "en"),
    ],
)
def test_simplified_chinese_is_told_apart_from_traditional(text: str, lang: str) -> None:
    assert parse(text, WED, TAIPEI).lang == lang


slack_ids = st.from_regex(r"[UW][A-Z0-9]{2,12}", fullmatch=True)
plain_names = st.from_regex(r"[A-Za-z0-9_]{1,21}", fullmatch=True)


near_dates = st.dates(
    min_value=WED.date() - timedelta(days=MAX_DAYS_AWAY),
    max_value=WED.date() + timedelta(days=MAX_DAYS_AWAY),
)


@FAST
@given(
    day=near_dates,
    other=near_dates,
    name=plain_names,
    slack_id=slack_ids,
    form=st.integers(0, 2),
)
def test_explicit_swap_round_trips(
    day: date, other: date, name: str, slack_id: str, form: int
) -> None:
    mention, user = [
        (f"@{name}", name.lower()),
        (f"<@{slack_id}>", slack_id),
        (f"<@{slack_id}|{name}>", slack_id),
    ][form]
    msg = parse(f"swap {day.isoformat()} with {mention}", WED, TAIPEI)
    assert (msg.intent, msg.dates, msg.users, msg.request_id) == ("swap", (day,), (user,), None)
    assert msg.to_json() == {
        "intent": "swap",
        "dates": [day.isoformat()],
        "users": [user],
        "request_id": None,
    }
    two = parse(f"swap {day.isoformat()} with {mention} {other.isoformat()}", WED, TAIPEI)
    assert (two.intent, two.dates, two.users) == ("swap", (day, other), (user,))


@FAST
@given(
    request_id=st.integers(0, MAX_REQUEST_ID),
    verb=st.sampled_from(["take", "accept", "decline", "approve", "deny", "cancel"]),
    hashed=st.booleans(),
)
def test_id_commands_round_trip(request_id: int, verb: str, hashed: bool) -> None:
    ref = f"#{request_id}" if hashed else str(request_id)
    msg = parse(f"{verb} {ref}", WED, TAIPEI)
    assert (msg.intent, msg.request_id, msg.dates, msg.problem) == (verb, request_id, (), None)


def test_an_id_too_large_for_the_database_is_refused_with_a_question() -> None:
    msg = parse("approve 99999999999", WED, TAIPEI)
    assert msg.intent == "approve"
    assert msg.request_id is None
    assert msg.problem is not None and msg.problem.key == "parse.bad_request_id"
    assert msg.question_text() == "#99999999999 is not a valid request number."


@FAST
@given(now=instants, tz=zones, weekday=st.integers(0, 6))
def test_next_weekday_asks_rather_than_guessing(now: datetime, tz: ZoneInfo, weekday: int) -> None:
    today = now.astimezone(tz).date()
    monday_next = today - timedelta(days=today.weekday()) + timedelta(days=7)
    next_week = monday_next + timedelta(days=weekday)
    plain = today + timedelta(days=(weekday - today.weekday()) % 7)
    msg = parse(f"roster next {EN_WEEKDAYS[weekday]}", now, tz)
    if today < plain < monday_next:
        assert msg.dates == ()
        assert msg.problem is not None
        assert (msg.problem.key, dict(msg.problem.params)) == (
            "parse.which_day",
            {"first": plain, "second": next_week},
        )
    else:
        assert msg.problem is None
        assert msg.dates == (next_week,)


@FAST
@given(
    now=instants,
    tz=zones,
    weekday=st.integers(0, 6),
    prefix=st.sampled_from(["下週", "下周", "下星期"]),
)
def test_chinese_next_week_is_never_ambiguous(
    now: datetime, tz: ZoneInfo, weekday: int, prefix: str
) -> None:
    today = now.astimezone(tz).date()
    expected = today - timedelta(days=today.weekday()) + timedelta(days=7 + weekday)
    msg = parse(f"{prefix}{ZH_WEEKDAYS[weekday]}請假", now, tz)
    assert (msg.intent, msg.dates, msg.problem) == ("leave", (expected,), None)


@FAST
@given(now=instants, tz=zones, weekday=st.integers(0, 6))
def test_a_weekday_name_is_the_nearest_such_day_from_today_on(
    now: datetime, tz: ZoneInfo, weekday: int
) -> None:
    today = now.astimezone(tz).date()
    for text in (f"roster {EN_WEEKDAYS[weekday]}", f"roster {EN_WEEKDAYS[weekday][:3]}",
                 f"週{ZH_WEEKDAYS[weekday]}誰上班"):  # fmt: skip
        (got,) = parse(text, now, tz).dates
        assert got.weekday() == weekday
        assert today <= got <= today + timedelta(days=6)


@FAST
@given(today=st.dates(min_value=date(2, 1, 1), max_value=date(9996, 12, 31)),
       day=st.dates(min_value=date(2000, 1, 1), max_value=date(2000, 12, 31)))  # fmt: skip
def test_a_date_without_a_year_is_its_next_occurrence(today: date, day: date) -> None:
    token = f"{day.month}/{day.day}"
    msg = _parse(f"roster {token}", today)
    if msg.dates:
        (got,) = msg.dates
        assert (got.month, got.day) == (day.month, day.day)
        assert today <= got < today.replace(year=today.year + 1, day=1) + timedelta(days=400)
        assert got.year in (today.year, today.year + 1)
        assert got.year == today.year or (got.month, got.day) < (today.month, today.day)
    else:
        assert (day.month, day.day) == (2, 29)
        assert msg.problem is not None and msg.problem.key == "parse.no_such_day"


@FAST
@given(month=st.integers(0, 99), day=st.integers(0, 99))
def test_impossible_dates_get_a_question_not_a_crash(month: int, day: int) -> None:
    msg = parse(f"leave {month}/{day}", WED, TAIPEI)
    try:
        date(2028, month, day)
    except ValueError:
        assert msg.dates == ()
        assert msg.question_text() == f"{month}/{day} is not a date."
    else:
        assert len(msg.dates) == 1 or msg.problem is not None


@FAST
@given(today=st.dates(min_value=date(2, 1, 1), max_value=date(9998, 1, 1)),
       start=st.dates(min_value=date(2000, 1, 1), max_value=date(2000, 12, 31)),
       length=st.integers(0, 40))  # fmt: skip
def test_a_range_never_ends_before_it_starts(today: date, start: date, length: int) -> None:
    end = start + timedelta(days=length)
    text = (
        f"leave {_EN_MONTHS[start.month - 1]} {start.day} to {_EN_MONTHS[end.month - 1]} {end.day}"
    )
    msg = _parse(text, today)
    assert msg.problem is None or msg.problem.key != "parse.reversed_range"
    if msg.problem is None:
        first, last = msg.dates
        assert msg.is_range
        assert first <= last
        assert ((first.month, first.day), (last.month, last.day)) == (
            (start.month, start.day),
            (end.month, end.day),
        )
        assert (last - first).days < 366


_EN_MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]


def _ordinal(n: int) -> str:
    suffix = "th" if 10 <= n % 100 <= 20 else {1: "st", 2: "nd", 3: "rd"}.get(n % 10, "th")
    return f"{n}{suffix}"


def _full_width(text: str) -> str:
    return "".join(
        "\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c for c in text
    )


@FAST
@given(text=grammar_soup)
def test_full_width_text_reads_like_ascii(text: str) -> None:
    assert parse(_full_width(text), WED, TAIPEI) == parse(text, WED, TAIPEI)


def test_to_json_has_exactly_the_contract_shape() -> None:
    msg = parse("leave Dec 24 to Dec 26 family trip", WED, TAIPEI)
    assert msg.to_json() == {
        "intent": "leave",
        "dates": ["2026-12-24", "2026-12-26"],
        "users": [],
        "request_id": None,
    }
    assert list(msg.to_json()) == ["intent", "dates", "users", "request_id"]
    assert parse("approve #12", WED, TAIPEI).to_json() == {
        "intent": "approve",
        "dates": [],
        "users": [],
        "request_id": 12,
    }


@pytest.mark.parametrize(
    ("text", "users"),
    [
        ("<@U0123> swap friday", ("U0123",)),
        ("swap friday with <@U0123>", ("U0123",)),
        ("swap <@U0123|bob> friday", ("U0123",)),
        ("swap friday with <@W0ABC123|Bob Smith>", ("W0ABC123",)),
        ("swap friday with <@U0123> and <@U0456|amy>", ("U0123", "U0456")),
        ("swap friday with <@U0123> <@U0123>", ("U0123",)),
        ("swap friday with @bob.smith.", ("bob.smith",)),
        ("mail bob@example.com about friday", ()),
        ("see <https://example.com/@bob|the wiki>", ()),
        ("ping <!here> and <#C0123|general>", ()),
        ("我想和@bob换周五的班", ("bob",)),
    ],
)
def test_slack_and_plain_mention_forms(text: str, users: tuple[str, ...]) -> None:
    assert parse(text, WED, TAIPEI).users == users


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("roster next friday", "Which day do you mean: Fri 27 Nov or Fri 4 Dec?"),
        ("Feb 30", "Feb 30 is not a date."),
        ("13/45", "13/45 is not a date."),
        ("next friday 請假", "你是指哪一天：11/27(週五)還是12/4(週五)？"),
        ("next friday 请假", "你是指哪一天：11/27(周五)还是12/4(周五)？"),
        ("這週一請假", "11/23(週一)已經過了，是指11/30(週一)嗎？"),
        ("这周一请假", "11/23(周一)已经过了，是指11/30(周一)吗？"),
        ("2月30日請假", "「2月30日」不是有效的日期。"),
        ("Feb 29 請假", "2027年沒有「Feb 29」這一天。"),
        ("leave 9999-12-31", "9999-12-31 is too far from today: give a date within two years."),
    ],
)
def test_questions_are_in_the_language_of_the_message(text: str, question: str) -> None:
    msg = parse(text, WED, TAIPEI)
    assert (msg.question_text(), msg.dates) == (question, ())


@pytest.mark.parametrize(
    ("text", "question"),
    [
        ("leave Dec 20 to Dec 18", "The range ends (Fri 18 Dec) before it starts (Sun 20 Dec)."),
        ("2026-12-26 to 2026-12-24", "The range ends (Thu 24 Dec) before it starts (Sat 26 Dec)."),
        ("12月20日到18日請假", "結束日期（12/18(週五)）早於開始日期（12/20(週日)）。"),
        ("12月20日到18日请假", "结束日期（12/18(周五)）早于开始日期（12/20(周日)）。"),
        ("leave tomorrow to today", "The range ends (Wed 25 Nov) before it starts (Thu 26 Nov)."),
    ],
)
def test_a_reversed_range_keeps_its_dates_as_written_and_is_refused(
    text: str, question: str
) -> None:
    msg = parse(text, WED, TAIPEI)
    assert msg.problem is not None and msg.problem.key == "parse.reversed_range"
    assert msg.is_range and len(msg.dates) == 2 and msg.dates[0] > msg.dates[1]
    assert msg.question_text() == question


@FAST
@given(
    start=st.dates(min_value=date(2026, 11, 25), max_value=date(2027, 11, 24)),
    back=st.integers(1, 200),
)
def test_a_range_written_backwards_is_never_rolled_into_another_year(
    start: date, back: int
) -> None:
    end = start - timedelta(days=back)
    if end < WED.date():
        return
    text = f"leave {start.isoformat()} to {end.isoformat()}"
    msg = parse(text, WED, TAIPEI)
    assert msg.dates == (start, end) and msg.is_range
    assert msg.problem is not None and msg.problem.key == "parse.reversed_range"


@FAST
@given(offset=st.integers(-5000, 5000))
def test_dates_more_than_two_years_away_are_refused(offset: int) -> None:
    day = WED.date() + timedelta(days=offset)
    msg = parse(f"roster {day.isoformat()}", WED, TAIPEI)
    if abs(offset) <= MAX_DAYS_AWAY:
        assert (msg.dates, msg.problem) == ((day,), None)
    else:
        assert msg.dates == ()
        assert msg.problem is not None and msg.problem.key == "parse.date_out_of_range"


@pytest.mark.parametrize(
    "text",
    [
        "leave 9999-12-31",
        "staffing 99/99/9999",
        "0001-01-01",
        "leave 9999-12-30 to 9999-12-31",
        "leave 0000-01-01",
        "leave Dec 31 9999 to Jan 2",
        "roster 12/31/9999",
    ],
)
def test_calendar_edges_get_a_problem_not_an_exception(text: str) -> None:
    msg = _parse(text, WED.date())
    assert_well_formed(msg, text)
    assert msg.problem is not None
    assert msg.problem.key in ("parse.bad_date", "parse.date_out_of_range")
    for today in (date(9999, 12, 31), date(9999, 12, 30), date(1, 1, 1), date(1, 1, 2)):
        assert_well_formed(_parse(text, today), text)


def test_a_range_past_the_last_year_of_the_calendar_is_out_of_range() -> None:
    msg = _parse("leave Dec 31 to Jan 2", date(9999, 12, 30))
    assert msg.dates == ()
    assert msg.problem is not None and msg.problem.key == "parse.date_out_of_range"


COMMON_WORDS = (
    "the be to of and a in that have it for not on with he as you do at this but his by from"
    " they we say her she or an will my one all would there their what so up out if about who"
    " get which go me when make can like time no just him know people into year your good some"
    " could them see other than then now look only come its over think also back after use two"
    " how our work first well way even new want because any these give day most us is are was"
    " were been has had did said made find where thing many down long little very still hand"
    " great need mean keep let begin seem help talk turn start show hear play run move live"
    " believe hold bring happen write provide sit stand lose pay meet include continue set learn"
    " change lead understand watch follow stop create speak read allow add spend grow open walk"
    " win offer remember love consider appear buy wait serve die send expect build stay fall cut"
    " reach kill remain suggest raise pass sell require report decide pull mind line fine nine"
    " wine mine lake make cake take sake wake bake stick slick sock suck sack pick kick swan sway"
    " swamp snap soap heap held hell helm yelp lease heave weave cancer accent oven omen poster"
    " rooster foster sending ending spending lending bending tending trace grade clam eject"
    " thanks sorry hello please maybe today tomorrow morning evening night week month shift"
    " roster swap leave sick approve deny cancel pending staffing decline accept giveaway"
)


@FAST
@given(word=st.sampled_from(COMMON_WORDS.split()), tail=st.sampled_from(["", " it", " now", "?"]))
def test_ordinary_english_words_are_not_corrected(word: str, tail: str) -> None:
    assert parse(f"{word}{tail}", WED, TAIPEI).suggestion is None


COMMANDS = [
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
    "help",
]


def _typos(word: str) -> list[str]:
    dropped = [word[:i] + word[i + 1 :] for i in range(1, len(word))]
    swapped = [word[:i] + word[i + 1] + word[i] + word[i + 2 :] for i in range(1, len(word) - 1)]
    doubled = [word[: i + 1] + word[i] + word[i + 1 :] for i in range(len(word))]
    return [t for t in dropped + swapped + doubled if t != word and t not in _REAL_WORDS]


@FAST
@given(data=st.data(), command=st.sampled_from(COMMANDS))
def test_a_typo_of_a_command_word_suggests_the_command(data: st.DataObject, command: str) -> None:
    typo = data.draw(st.sampled_from(_typos(command)))
    msg = parse(f"{typo} tomorrow", WED, TAIPEI)
    if len(typo) >= 4 and msg.intent == "unknown":
        assert msg.suggestion == command


@pytest.mark.parametrize(
    ("text", "suggestion"),
    [
        ("swpa fri with @bob", "swap"),
        ("aprove 12", "approve"),
        ("leve tomorrow", "leave"),
        ("/aprove 12", "approve"),
        ("rostr tomorrow", "roster"),
        ("hlep", "help"),
        ("make it quick", None),
        ("mind the step", None),
        ("sending it now", None),
    ],
)
def test_typos(text: str, suggestion: str | None) -> None:
    msg = parse(text, WED, TAIPEI)
    assert (msg.intent, msg.suggestion) == ("unknown", suggestion)


@FAST
@given(
    parts=st.lists(st.sampled_from(FRAGMENTS), min_size=1, max_size=4),
    times=st.integers(200, 2000),
)
@pytest.mark.timeout(120)
def test_repeated_fragments_are_read_in_one_pass(parts: list[str], times: int) -> None:
    text = " ".join(parts * times)
    assert_well_formed(parse(text, WED, TAIPEI), text)


def test_feb_29_in_a_leap_year_is_a_date() -> None:
    assert parse("leave Feb 29", datetime(2028, 2, 1, tzinfo=TAIPEI), TAIPEI).dates == (
        date(2028, 2, 29),
    )


def test_today_is_taken_in_the_team_time_zone() -> None:
    now = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)
    assert parse("sick today", now, TAIPEI).dates == (date(2026, 11, 25),)
    assert parse("sick today", now, ZoneInfo("America/Los_Angeles")).dates == (date(2026, 11, 24),)


def test_a_dst_change_does_not_move_tomorrow() -> None:
    berlin = ZoneInfo("Europe/Berlin")
    now = datetime(2026, 3, 28, 23, 30, tzinfo=berlin)
    assert parse("roster tomorrow", now, berlin).dates == (date(2026, 3, 29),)


@pytest.mark.parametrize(
    "text",
    [
        "9:00 " * 12000,
        "req " + " " * 60000,
        "a" * 60000,
        "<#" * 30000,
        "下" + " " * 60000 + "x",
        "1 " * 30000,
        "dec 24 - " * 6000,
        "@a " * 20000,
        "take " + "x" * 60000 + " off",
    ],
    ids=["times", "spaces", "letters", "slack-open", "zh-space", "numbers", "ranges", "at", "take"],
)
@pytest.mark.timeout(60)
def test_long_hostile_messages_get_an_answer_instead_of_hanging(text: str) -> None:
    parsed = parse(text, WED, TAIPEI)
    assert parsed.intent in INTENTS


@pytest.mark.parametrize(
    ("token", "expected"),
    [
        ("Dec 24", date(2026, 12, 24)),
        ("下週一", date(2026, 11, 30)),
        ("fri", date(2026, 11, 27)),
        ("明天", date(2026, 11, 26)),
        ("next friday", None),
        ("Feb 30", None),
        ("Dec 24 to Dec 26", None),
        ("nothing here", None),
    ],
)
def test_resolve_date(token: str, expected: date | None) -> None:
    assert resolve_date(token, date(2026, 11, 25)) == expected


NEXT_WEEK_ROSTER = [
    "generate next week's roster",
    "generate the roster for next week",
    "please build next week's schedule",
    "/generate next week",
    "排下週的班",
    "排下周的班",
    "幫我排下個禮拜的班",
    "產生下週班表",
]


@FAST
@given(now=instants, tz=zones, text=st.sampled_from(NEXT_WEEK_ROSTER))
def test_next_weeks_roster_is_the_week_after_the_current_iso_week(
    now: datetime, tz: ZoneInfo, text: str
) -> None:
    today = now.astimezone(tz).date()
    msg = parse(text, now, tz)
    assert msg.intent == "generate"
    assert msg.dates == (today - timedelta(days=today.weekday()) + timedelta(weeks=1),)


@FAST
@given(
    today=st.dates(min_value=date(2, 1, 1), max_value=date(9996, 12, 31)),
    offset=st.integers(-700, 700),
)
def test_a_roster_for_any_date_is_the_roster_of_its_week(today: date, offset: int) -> None:
    day = today + timedelta(days=offset)
    for text in (f"generate roster for week of {day.isoformat()}", f"排{day.isoformat()}那週的班"):
        msg = _parse(text, today)
        assert msg.intent == "generate", text
        assert msg.dates == (day - timedelta(days=day.weekday()),), text


@FAST
@given(text=any_text, now=instants, tz=zones)
def test_a_generated_week_always_starts_on_a_monday(text: str, now: datetime, tz: ZoneInfo) -> None:
    msg = parse("generate " + text, now, tz)
    if msg.intent == "generate":
        assert len(msg.dates) <= 1 and all(d.weekday() == 0 for d in msg.dates)


@FAST
@given(
    request_id=st.integers(1, MAX_REQUEST_ID),
    form=st.sampled_from(["apply {}", "apply roster #{}", "/apply {}", "套用{}"]),
)
def test_apply_takes_the_draft_id(request_id: int, form: str) -> None:
    msg = parse(form.format(request_id), WED, TAIPEI)
    assert (msg.intent, msg.request_id) == ("apply", request_id)


@FAST
@given(day=st.dates(min_value=date(2026, 11, 26), max_value=date(2027, 11, 1)))
def test_applying_for_leave_is_leave_not_a_roster(day: date) -> None:
    msg = parse(f"I want to apply for leave on {day.isoformat()}", WED, TAIPEI)
    assert (msg.intent, msg.dates) == ("leave", (day,))
