"""The message catalog: both languages hold every message, with the same fields."""

from __future__ import annotations

import re
import string
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from bot.i18n import LOCALE_DIR, MissingMessage, normalise, words
from bot.i18n.__main__ import stale


def _catalog(lang_dir: str) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for po in sorted((LOCALE_DIR / lang_dir / "LC_MESSAGES").glob("*.po")):
        with po.open("rb") as fh:
            for message in read_po(fh):
                if not message.id:
                    continue
                key = message.id[0] if isinstance(message.id, tuple) else message.id
                texts = message.string if isinstance(message.string, tuple) else (message.string,)
                assert key not in out, f"{key} is defined twice ({po.name})"
                out[key] = tuple(texts)
    return out


def _fields(text: str) -> set[str]:
    return {f[1].split(".")[0].split("[")[0] for f in string.Formatter().parse(text) if f[1]}


def test_every_message_has_both_languages_with_the_same_fields() -> None:
    en, zh = _catalog("en"), _catalog("zh_Hant")
    assert sorted(set(en) - set(zh)) == [], "messages missing in zh_Hant"
    assert sorted(set(zh) - set(en)) == [], "messages missing in en"
    for key, texts in en.items():
        assert all(texts), f"{key}: empty English text"
        assert all(zh[key]), f"{key}: empty Chinese text"
        wanted = set().union(*(_fields(t) for t in texts))
        got = set().union(*(_fields(t) for t in zh[key]))
        assert got <= wanted | {"n"} and wanted - {"n"} <= got | {"n"}, (
            f"{key}: fields differ, en {sorted(wanted)} vs zh {sorted(got)}"
        )


def test_compiled_catalogs_match_their_sources() -> None:
    assert stale() == [], "run: python -m bot.i18n compile"


def test_chinese_text_holds_no_english_words() -> None:
    for key, texts in _catalog("zh_Hant").items():
        for text in texts:
            literal = "".join(part[0] for part in string.Formatter().parse(text))
            literal = re.sub(r"`[^`]*`|@\w+", " ", literal)  # commands and mentions
            letters = [w for w in literal.replace("\n", " ").split() if w.isascii() and w.isalpha()]
            allowed = {"SL", "ASA", "ID", "id", "h", "min", "s"}
            assert not [w for w in letters if w not in allowed and len(w) > 1], (key, text)


@pytest.mark.parametrize(
    ("tag", "lang"),
    [
        ("zh", "zh-Hant"),
        ("zh-TW", "zh-Hant"),
        ("zh_CN", "zh-Hans"),
        ("zh-Hans", "zh-Hans"),
        ("en-GB", "en"),
        ("fr", "en"),
        (None, "en"),
    ],
)
def test_language_tags_are_read_as_people_write_them(tag: str | None, lang: str) -> None:
    assert normalise(tag) == lang


def test_simplified_chinese_comes_from_the_traditional_text() -> None:
    zh = words("zh-Hant").tn("error.swap_breaks", 2)
    hans = words("zh-Hans").tn("error.swap_breaks", 2)
    assert zh != hans and "規則" in zh and "规则" in hans


def test_an_unknown_message_id_is_an_error_not_a_silent_key() -> None:
    with pytest.raises(MissingMessage):
        words("en")("no.such.message")


def test_catalog_files_exist_for_both_languages() -> None:
    for lang_dir in ("en", "zh_Hant"):
        assert list(Path(LOCALE_DIR / lang_dir / "LC_MESSAGES").glob("*.po"))
