"""The digest's chart: required vs scheduled agents per interval, one panel per skill.

Drawn with matplotlib's Agg canvas (no display, no pyplot state, safe in a worker thread):
for each skill the required agents and the agents scheduled on the phones as steps over the
team's local day, the intervals below the requirement or the SL target shaded, and on the
right axis the projected service level against the SL target line. The words come from the
catalog in the team's language; Chinese needs a CJK font on the machine (Noto Sans CJK,
Source Han Sans, WenQuanYi …), without one the chart is labelled in English.

Imported by the entry points only (the command line and the scheduler), so nothing else
loads matplotlib.
"""

from __future__ import annotations

import io
import math
import struct
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo

import matplotlib
from matplotlib import dates as mdates
from matplotlib import font_manager
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from bot.i18n import Words, is_zh, words
from bot.services.digest import DigestView, is_gap
from bot.services.roster import IntervalRow
from planner.staffing import UNREACHABLE

WIDTH_INCHES = 10.0
PANEL_INCHES = 2.6
HEAD_INCHES = 1.3
DPI = 100

REQUIRED = "#1f3b73"
SCHEDULED = "#2e9e5b"
SHORT = "#e8a3a3"
LEVEL = "#8a5a00"
TARGET = "#b03030"

_CJK_FAMILIES = (
    "Noto Sans CJK TC",
    "Noto Sans CJK SC",
    "Noto Sans CJK JP",
    "Noto Sans TC",
    "Noto Sans SC",
    "Source Han Sans TC",
    "Source Han Sans SC",
    "Source Han Sans",
    "WenQuanYi Zen Hei",
    "WenQuanYi Micro Hei",
    "AR PL UMing TW",
    "Microsoft JhengHei",
    "PingFang TC",
    "Heiti TC",
    "SimHei",
    "Droid Sans Fallback",
)


@dataclass(frozen=True)
class Chart:
    """A rendered chart: the PNG bytes, its size in pixels and the skill of each panel."""

    png: bytes
    width: int
    height: int
    panels: tuple[str, ...]
    lang: str

    def write(self, path: Path | str) -> None:
        Path(path).write_bytes(self.png)


@cache
def cjk_font() -> str | None:
    """The name of an installed font family that has Chinese glyphs, if any."""
    installed = {f.name for f in font_manager.fontManager.ttflist}
    for family in _CJK_FAMILIES:
        if family in installed:
            return family
    return None


def _chart_words(view: DigestView) -> tuple[Words, list[str]]:
    """The team's words when the machine can draw them, else English; the font families."""
    w = words(view.lang, view.skill_names)
    if not is_zh(w.lang):
        return w, ["DejaVu Sans"]
    font = cjk_font()
    if font is None:
        return words("en", view.skill_names), ["DejaVu Sans"]
    return w, [font, "DejaVu Sans"]


def _x(moment: datetime) -> float:
    return float(mdates.date2num(moment.astimezone(UTC)))


def digest_chart(view: DigestView, *, dpi: int = DPI) -> Chart | None:
    """The chart of the digest's day; None when the day has no demand to chart."""
    rows = view.staffing.rows
    if not rows:
        return None
    w, fonts = _chart_words(view)
    skills = sorted({r.skill for r in rows})
    step = timedelta(minutes=view.staffing.interval_minutes)
    tz = ZoneInfo(view.timezone)
    target = view.staffing.target_service_level
    height = HEAD_INCHES + PANEL_INCHES * len(skills)
    fig = Figure(figsize=(WIDTH_INCHES, height), dpi=dpi)
    FigureCanvasAgg(fig)
    with matplotlib.rc_context({"font.family": fonts, "axes.unicode_minus": False}):
        axes = fig.subplots(len(skills), 1, sharex=True, squeeze=False)[:, 0]
        for ax, skill in zip(axes, skills, strict=True):
            own = sorted(
                (r for r in rows if r.skill == skill), key=lambda r: r.start.astimezone(UTC)
            )
            _panel(ax, own, step, target, w)
            ax.set_title(w.skill(skill), loc="left", fontsize=11, fontweight="bold")
        axes[-1].xaxis.set_major_formatter(mdates.DateFormatter("%H:%M", tz=tz))
        axes[-1].xaxis.set_major_locator(mdates.HourLocator(interval=2, tz=tz))
        axes[-1].set_xlabel(w("chart.time", zone=view.timezone))
        handles = [
            _line(REQUIRED, "-", w("chart.required")),
            _line(SCHEDULED, "-", w("chart.scheduled")),
            Patch(color=SHORT, alpha=0.6, label=w("chart.short")),
            _line(LEVEL, ":", w("chart.sl")),
            _line(TARGET, "--", w("chart.target", target=target)),
        ]
        fig.legend(
            handles=handles,
            loc="upper center",
            ncol=5,
            frameon=False,
            bbox_to_anchor=(0.5, 1 - 0.55 / height),
        )
        title = w("chart.title", team=view.team, day=view.day)
        fig.suptitle(title, fontsize=14, y=1 - 0.15 / height)
        fig.subplots_adjust(
            left=0.07, right=0.92, top=1 - HEAD_INCHES / height, bottom=0.7 / height, hspace=0.45
        )
        buffer = io.BytesIO()
        fig.savefig(
            buffer,
            format="png",
            dpi=dpi,
            metadata={"Title": title, "Description": "panels: " + ";".join(skills)},
        )
    png = buffer.getvalue()
    width_px, height_px = struct.unpack(">II", png[16:24])  # the PNG header's IHDR chunk
    return Chart(png, width_px, height_px, tuple(skills), w.lang)


def _line(color: str, style: Literal["-", "--", ":"], label: str) -> Line2D:
    return Line2D([], [], color=color, linestyle=style, linewidth=2, label=label)


def _panel(ax: Axes, rows: list[IntervalRow], step: timedelta, target: float, w: Words) -> None:
    starts = [r.start for r in rows]
    edges = [_x(s) for s in starts] + [_x(starts[-1] + step)]
    required = [float(r.required) if r.required != UNREACHABLE else math.nan for r in rows]
    scheduled = [float(r.scheduled) for r in rows]
    level = [100.0 * r.service_level for r in rows]
    for r, lo, hi in zip(rows, edges[:-1], edges[1:], strict=True):
        if is_gap(r, target):
            ax.axvspan(lo, hi, color=SHORT, alpha=0.6, linewidth=0)
    ax.stairs(required, edges, color=REQUIRED, linewidth=2, baseline=None)
    ax.stairs(scheduled, edges, color=SCHEDULED, linewidth=2, baseline=None)
    top = max([v for v in (*required, *scheduled) if not math.isnan(v)] or [1.0])
    ax.set_ylim(0, top * 1.15 + 1)
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylabel(w("chart.agents"))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.grid(axis="y", alpha=0.3)
    right = ax.twinx()
    right.stairs(level, edges, color=LEVEL, linewidth=1.5, linestyle=":", baseline=None)
    right.axhline(100.0 * target, color=TARGET, linestyle="--", linewidth=1.2)
    right.set_ylim(0, 105)
    right.yaxis.set_major_formatter(PercentFormatter(decimals=0))
