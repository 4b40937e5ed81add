"""Every sentence a person reads, in their language, from one message catalog.

The catalog is gettext: ``bot/i18n/locale/<lang>/LC_MESSAGES/<domain>.po`` with symbolic
message ids (``swap.asked``), compiled to ``.mo`` next to them (``python -m bot.i18n
compile``; a test fails when a ``.mo`` is stale). There are two hand-kept languages,
English (``en``) and Traditional Chinese (``zh-Hant``); Simplified Chinese (``zh-Hans``) is
the Traditional template converted by OpenCC (``t2s``) before the values are filled in, so
names and user text are never converted.

Templates use ``str.format`` fields. Values are written for the reader:

- a ``date`` as ``Fri 27 Nov`` / ``11/27(週五)``;
- a ``datetime`` as ``Fri 22:00`` / ``週五 22:00`` (spec ``t``: ``22:00``; ``d``: the day;
  ``dt``: ``Fri 27 Nov 22:00``);
- a pair of datetimes as a span, ``Fri 08:00–16:00`` (``Thu 22:00–Fri 06:00`` across days);
- a float without a spec with at most one decimal (``8``, ``10.5``);
- a list or tuple of strings joined (``a, b and c`` / ``a、b和c``);
- a field named ``skill`` (or ending in ``_skill``) through the team's display names;
- a field named ``verb`` (``approve``) through ``verb.*`` (``{verb:done}``: ``done.*``, the
  participle "approved"), ``state`` (``pending_lead``) through ``state.*``.

Planner and services never word anything: they return codes and values; the edge calls
:func:`words` (or :func:`t`) with the reader's language.
"""

from __future__ import annotations

import gettext
import string
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from functools import cache
from pathlib import Path
from typing import Any

LOCALE_DIR = Path(__file__).with_name("locale")
LANGS = ("en", "zh-Hant", "zh-Hans")
"""The languages a person can read: CONTRACT §2.2 ``lang``."""

_DIRS = {"en": "en", "zh-Hant": "zh_Hant"}
_EN_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_EN_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_ZH_WEEKDAYS = "一二三四五六日"


def normalise(lang: str | None, default: str = "en") -> str:
    """One of :data:`LANGS` for a tag as people and transports write it.

    ``zh``, ``zh-TW``, ``zh_Hant``, ``zh-HK`` → ``zh-Hant``; ``zh-CN``, ``zh-SG``, ``zh_Hans``
    → ``zh-Hans``; ``en-GB`` → ``en``; anything unknown → ``default``.
    """
    if not lang:
        return default
    tag = lang.strip().replace("_", "-").lower()
    if tag.startswith("zh"):
        if any(part in tag for part in ("hans", "cn", "sg", "my")):
            return "zh-Hans"
        return "zh-Hant"
    if tag.startswith("en"):
        return "en"
    return default


def is_zh(lang: str) -> bool:
    return lang.startswith("zh")


@cache
def _converter(config: str) -> Any:
    import opencc

    return opencc.OpenCC(config)


def to_simplified(text: str) -> str:
    return str(_converter("t2s").convert(text))


def chinese_script(text: str) -> str:
    """``zh-Hans`` when ``text`` uses Simplified characters, else ``zh-Hant``."""
    traditional = _converter("s2t").convert(text)
    return "zh-Hans" if traditional != text else "zh-Hant"


@cache
def _translations(lang: str) -> gettext.NullTranslations:
    """Every domain of one hand-kept language merged into one translations object."""
    folder = LOCALE_DIR / _DIRS[lang] / "LC_MESSAGES"
    merged: gettext.NullTranslations | None = None
    for mo in sorted(folder.glob("*.mo")):
        with mo.open("rb") as fh:
            part = gettext.GNUTranslations(fh)
        if merged is None:
            merged = part
        else:
            merged.add_fallback(part)
    return merged or gettext.NullTranslations()


def catalog_ids(lang: str) -> set[str]:
    """Every message id the compiled catalog of ``lang`` holds (for tests)."""
    ids: set[str] = set()
    folder = LOCALE_DIR / _DIRS[lang] / "LC_MESSAGES"
    for mo in folder.glob("*.mo"):
        with mo.open("rb") as fh:
            part = gettext.GNUTranslations(fh)
        catalog: dict[Any, str] = part._catalog  # type: ignore[attr-defined]
        for key in catalog:
            msgid = key[0] if isinstance(key, tuple) else key
            if msgid:
                ids.add(msgid)
    return ids


class MissingMessage(KeyError):
    """A message id that the catalog does not hold (a bug, found by the catalog test)."""


@cache
def template(lang: str, key: str, count: int | None = None) -> str:
    """The catalog text of ``key`` in ``lang``; with ``count``, the plural form for it."""
    base = "zh-Hant" if lang == "zh-Hans" else lang
    tr = _translations(base)
    text = key
    if count is not None:
        text = tr.ngettext(key, key + "#plural", count)
    if text in (key, key + "#plural"):
        text = tr.gettext(key)
    if text in (key, key + "#plural"):
        raise MissingMessage(f"{key!r} is not in the {base} catalog")
    if lang == "zh-Hans":
        text = to_simplified(text)
    return text


def _number(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


@dataclass(frozen=True)
class Words:
    """The reader's language and the team's skill display names, ready to word messages."""

    lang: str = "en"
    skill_names: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    @property
    def zh(self) -> bool:
        return is_zh(self.lang)

    def __call__(self, key: str, /, **params: object) -> str:
        return self.t(key, **params)

    def t(self, key: str, /, **params: object) -> str:
        return _Formatter(self).format(template(self.lang, key), **params)

    def tn(self, key: str, n: int, /, **params: object) -> str:
        """A message with a count: English picks singular or plural; Chinese has one form.

        A message without plural forms is used as it is.
        """
        text = template(self.lang, key, n)
        return _Formatter(self).format(text, n=n, **params)

    # -- values ----------------------------------------------------------------------

    def day(self, day: date) -> str:
        if self.zh:
            return self.convert(f"{day.month}/{day.day}(週{_ZH_WEEKDAYS[day.weekday()]})")
        return f"{_EN_WEEKDAYS[day.weekday()]} {day.day} {_EN_MONTHS[day.month - 1]}"

    def weekday(self, day: date) -> str:
        if self.zh:
            return self.convert(f"週{_ZH_WEEKDAYS[day.weekday()]}")
        return _EN_WEEKDAYS[day.weekday()]

    def at(self, instant: datetime) -> str:
        return f"{self.weekday(instant.date())} {instant:%H:%M}"

    def span(self, start: datetime, end: datetime, *, with_day: bool = False) -> str:
        head = f"{self.day(start.date())} {start:%H:%M}" if with_day else self.at(start)
        if end.date() != start.date() and (end.hour, end.minute) != (0, 0):
            return f"{head}–{self.at(end)}"
        return f"{head}–{end:%H:%M}"

    def skill(self, code: str) -> str:
        names = self.skill_names.get(code) or {}
        for lang in (self.lang, "zh-Hant" if self.zh else "en"):
            if lang in names:
                text = names[lang]
                return self.convert(text) if self.lang == "zh-Hans" and lang != self.lang else text
        return code

    def join(self, items: Iterable[object]) -> str:
        parts = [self.value(i) for i in items]
        if len(parts) <= 1:
            return "".join(parts)
        if self.zh:
            return "、".join(parts[:-1]) + self.convert("和") + parts[-1]
        return f"{', '.join(parts[:-1])} and {parts[-1]}"

    def convert(self, text: str) -> str:
        return to_simplified(text) if self.lang == "zh-Hans" else text

    def value(self, value: object, spec: str = "", name: str = "") -> str:
        if isinstance(value, bool):
            return str(value)
        if name == "verb" and isinstance(value, str):
            return self.t(f"{'done' if spec == 'done' else 'verb'}.{value}")
        if name == "state" and isinstance(value, str):
            return self.t(f"state.{value}")
        if name == "skill" or name.endswith("_skill"):
            if isinstance(value, str):
                return self.skill(value)
            if isinstance(value, list | tuple | set | frozenset):
                return self.join(self.skill(str(v)) for v in value)
        if isinstance(value, datetime):
            if spec == "t":
                return f"{value:%H:%M}"
            if spec == "d":
                return self.day(value.date())
            if spec == "dt":
                return f"{self.day(value.date())} {value:%H:%M}"
            return self.at(value)
        if isinstance(value, date):
            return self.day(value)
        if (
            isinstance(value, tuple)
            and len(value) == 2
            and all(isinstance(v, datetime) for v in value)
        ):
            return self.span(value[0], value[1], with_day=spec == "d")
        if isinstance(value, float) and not spec:
            return _number(value)
        if isinstance(value, list | tuple) and not spec:
            return self.join(value)
        return format(value, spec)


class _Formatter(string.Formatter):
    def __init__(self, words: Words) -> None:
        self.words = words

    def get_field(self, field_name: str, args: Any, kwargs: Any) -> Any:
        obj, used = super().get_field(field_name, args, kwargs)
        return (field_name, obj), used

    def format_field(self, value: Any, format_spec: str) -> str:
        name, obj = value
        return self.words.value(obj, format_spec, name)

    def convert_field(self, value: Any, conversion: str | None) -> Any:
        name, obj = value
        return name, super().convert_field(obj, conversion)


def words(
    lang: str | None = "en", skill_names: Mapping[str, Mapping[str, str]] | None = None
) -> Words:
    return Words(normalise(lang), skill_names or {})


def t(lang: str | None, key: str, /, **params: object) -> str:
    """``t("zh-Hant", "swap.asked", id=12)``: one message in one language."""
    return words(lang).t(key, **params)
