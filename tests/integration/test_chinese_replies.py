"""Whatever goes wrong, a Chinese message gets a reply with no English sentence in it."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import Engine

from bot.core.messages import Reply
from planner.rules import RULE_KEYS
from storage.db import make_engine, upgrade
from tests.factories import AGENTS, seed
from tests.testbot import TestBot

PEOPLE = ["amy", "bob", "cara", "dan", "eve", "lin", "mei", "nobody"]
NAMES = [line.split(",")[1] for line in AGENTS.splitlines()[1:]]
DAYS = ["12月1日", "12月2日", "12月3日", "明天", "今天", "後天", "週五", "12月9日", "2月30日"]
TEMPLATES = [
    "我想和@{who}換{day}的班",
    "{day}的班讓給@{who}",
    "有人可以幫我代{day}的班嗎",
    "{day}請假 家裡有事",
    "{day}到12月1日請假",
    "{day}病假",
    "接{id}",
    "接受{id}",
    "婉拒{id}",
    "核准{id}",
    "駁回{id} 人手不足",
    "取消{id}",
    "我的班",
    "{day}誰上班",
    "{day}人力夠嗎",
    "待核准",
    "有哪些班可以接",
    "{day}誰請假",
    "說明",
    "嗯嗯嗯",
    "排下週的班",
    "套用{id}",
]
ALLOWED = re.compile(
    r"`[^`]*`"  # commands
    r"|@\w+"  # mentions
    r"|#\d+"  # request ids
    r"|card-hotline"
    r"|\b(" + "|".join(map(re.escape, [*RULE_KEYS, *PEOPLE, "cards", "loans"])) + r")\b"
    r"|" + "|".join(map(re.escape, NAMES))
)


def english_left(reply: Reply) -> list[str]:
    texts = [reply.text, *(n.text for n in reply.notices if n.lang.startswith("zh"))]
    leftovers = []
    for text in texts:
        rest = ALLOWED.sub(" ", text)
        leftovers += [w for w in re.findall(r"[A-Za-z]{2,}", rest) if w not in ("SL",)]
    return leftovers


@pytest.fixture(scope="module")
def template_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("zh")
    path = folder / "template.db"
    upgrade(f"sqlite:///{path}")
    engine = make_engine(f"sqlite:///{path}")
    seed(engine, folder)
    engine.dispose()  # the last connection closing folds the WAL into the file
    return path


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    steps=st.lists(
        st.tuples(
            st.sampled_from(PEOPLE[:-1]),
            st.sampled_from(TEMPLATES),
            st.sampled_from(PEOPLE),
            st.sampled_from(DAYS),
            st.integers(1, 6),
        ),
        min_size=1,
        max_size=6,
    )
)
def test_no_chinese_reply_carries_english_sentences(
    template_db: Path, tmp_path: Path, steps: list[tuple[str, str, str, str, int]]
) -> None:
    path = tmp_path / f"run-{abs(hash(tuple(steps)))}.db"
    shutil.copy(template_db, path)
    engine = make_engine(f"sqlite:///{path}")
    bot = TestBot(engine)
    try:
        for sender, template, who, day, rid in steps:
            reply = bot.say(sender, template.format(who=who, day=day, id=rid))
            assert reply.lang.startswith("zh"), reply.text
            assert english_left(reply) == [], reply.text
    finally:
        engine.dispose()


def test_a_chinese_refusal_names_the_rule_in_chinese_on_every_backend(
    engine: Engine, tmp_path: Path
) -> None:
    seed(engine, tmp_path)
    bot = TestBot(engine)
    reply = bot.say("amy", "我想和@bob換12月9日的班")
    assert not reply.ok
    assert reply.text.startswith("無法申請換班：")
    assert "no_shift" in reply.text and english_left(reply) == []
