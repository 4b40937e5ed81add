"""The digest's chart, checked as an image: a PNG of a fixed width, one panel per skill."""

from __future__ import annotations

import io
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from PIL import Image

from bot.charts import DPI, HEAD_INCHES, PANEL_INCHES, WIDTH_INCHES, cjk_font, digest_chart
from bot.services.digest import DigestView, gap_runs
from bot.services.roster import IntervalRow, StaffingDay

TZ = ZoneInfo("Asia/Taipei")


def view(skills: tuple[str, ...], lang: str = "en", with_rows: bool = True) -> DigestView:
    day = date(2026, 12, 1)
    rows = []
    if with_rows:
        for i in range(28):
            start = datetime(2026, 12, 1, 8, tzinfo=TZ) + timedelta(minutes=30 * i)
            for k, skill in enumerate(skills):
                required = 5 + k
                scheduled = float(required - (1 if 4 <= i < 8 else 0))
                level = 0.55 if 4 <= i < 8 else 0.9
                rows.append(
                    IntervalRow(
                        start,
                        skill,
                        20.0,
                        240.0,
                        required,
                        scheduled,
                        scheduled - required,
                        level,
                        9.0,
                        0.7,
                    )
                )
    sd = StaffingDay("hotline", day, 30, 0.8, 20.0, rows, 0.85, list(skills))
    return DigestView(
        team="hotline",
        day=day,
        now=datetime(2026, 12, 1, 7, 55, tzinfo=TZ),
        timezone="Asia/Taipei",
        lang=lang,
        skill_names={"cards": {"en": "Cards", "zh-Hant": "信用卡"}},
        staffing=sd,
        working=(),
        off=(),
        skills=(),
        gaps=tuple(gap_runs(rows, 30, 0.8)),
        biggest=None,
        cover=(),
        open_shifts=(),
        pending=(),
        yesterday=None,
    )


def test_the_chart_is_a_png_with_one_panel_per_skill() -> None:
    for skills in (("cards",), ("cards", "loans", "wealth")):
        chart = digest_chart(view(skills))
        assert chart is not None
        image = Image.open(io.BytesIO(chart.png))
        assert image.format == "PNG"
        height = round((HEAD_INCHES + PANEL_INCHES * len(skills)) * DPI)
        assert image.size == (round(WIDTH_INCHES * DPI), height) == (chart.width, chart.height)
        assert chart.panels == skills
        assert image.text["Description"] == "panels: " + ";".join(skills)
        assert "hotline" in image.text["Title"] and "Tue 1 Dec" in image.text["Title"]


def test_the_short_intervals_are_shaded() -> None:
    chart = digest_chart(view(("cards",)))
    assert chart is not None
    pixels = Image.open(io.BytesIO(chart.png)).convert("RGB")
    width, height = pixels.size
    # The panel spans 08:00–22:00; 10:00–12:00 is short (shaded), 16:00 is not.
    left, right = 0.07 * width, 0.92 * width
    y = int(height * 0.55)

    def x_at(hour: float) -> int:
        return int(left + (right - left) * (hour - 8) / 14)

    shaded = pixels.getpixel((x_at(11), y))
    plain = pixels.getpixel((x_at(16.2), y))
    assert plain == (255, 255, 255)
    assert isinstance(shaded, tuple) and shaded[0] > shaded[1] + 30  # pink


def test_a_day_without_demand_has_no_chart() -> None:
    assert digest_chart(view(("cards",), with_rows=False)) is None


def test_chinese_labels_need_a_chinese_font() -> None:
    chart = digest_chart(view(("cards",), lang="zh-Hant"))
    assert chart is not None
    title = Image.open(io.BytesIO(chart.png)).text["Title"]
    if cjk_font() is None:
        assert chart.lang == "en" and title.startswith("hotline: required vs scheduled")
    else:
        assert chart.lang == "zh-Hant" and "需求與排班" in title
