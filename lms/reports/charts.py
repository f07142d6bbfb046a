"""Charts drawn on the server as inline SVG: no chart library, no script, no style attribute.

Every chart is an ``<svg role="img">`` with a ``<title>`` and a ``<desc>`` that says in
words what it shows (the values, up to a sensible number), and points with
``aria-describedby`` at the table beside it that holds every figure. Colours are
presentation attributes (``fill="…"``), which the Content-Security-Policy allows; the
``rep-chart*`` classes in ``app.css`` size the drawing.

Sizes are in viewBox units. Horizontal bar charts are 360 units wide with their labels
above the bars, so that on a phone (about 320 px for the drawing) the text stays about
13 px, and on a desktop (at most 24rem wide) about 16 px; long theme or organisation
names never collide with the bars. The line chart sits in a horizontally scrollable box
with a minimum width instead.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup, escape

PETROL = "#0b5c73"
ACCENT = "#b8461f"
TRACK = "#eef2f3"
GRID = "#d5dbdf"
INK = "#1d2327"
MUTED = "#50585e"

#: Colours of the series of a grouped chart, in order (AA contrast on white).
SERIES_COLOURS = (PETROL, ACCENT, "#1f6b3a", "#6a3d9a")

#: How many values a ``<desc>`` spells out before referring to the table.
DESC_LIMIT = 20
#: Labels longer than this are shortened in the drawing (the table has them in full).
LABEL_LIMIT = 40


@dataclass(frozen=True)
class Bar:
    """One bar: its label, its value (for the length) and the value as people read it."""

    label: str
    value: float
    text: str


@dataclass(frozen=True)
class Series:
    """One series of a grouped bar chart: a name (legend) and one value per category."""

    name: str
    values: Sequence[float | None]
    texts: Sequence[str]


@dataclass(frozen=True)
class Point:
    """One point of a line chart: its x label (short), value, and the value as text."""

    label: str
    value: float
    text: str
    #: A longer label for the desc and the tooltip ("maart 2026" for "mrt").
    long_label: str = ""


def _num(value: float) -> str:
    """A coordinate with at most one decimal, no trailing zeros."""
    text = f"{value:.1f}"
    return text[:-2] if text.endswith(".0") else text


def _short(label: str, limit: int = LABEL_LIMIT) -> str:
    return label if len(label) <= limit else label[: limit - 1].rstrip() + "…"


def _text_width(text: str, size: float) -> float:
    """A generous estimate of the width of ``text`` at ``size`` (no font metrics here)."""
    return len(text) * size * 0.62


def _describe(items: Sequence[tuple[str, str]], empty: str) -> str:
    if not items:
        return str(empty)
    parts = [f"{label}: {text}" for label, text in items[:DESC_LIMIT]]
    rest = len(items) - DESC_LIMIT
    text = "; ".join(parts)
    if rest > 0:
        text += _("; en nog %(num)d (zie de tabel)", num=rest)
    return text + "."


def _open_svg(chart_id: str, width: float, height: float, css: str, table_id: str | None) -> str:
    described = f' aria-describedby="{escape(table_id)}"' if table_id else ""
    return (
        f'<svg class="rep-chart {css}" id="{escape(chart_id)}" '
        f'viewBox="0 0 {_num(width)} {_num(height)}" width="{_num(width)}" '
        f'height="{_num(height)}" role="img" '
        f'aria-labelledby="{escape(chart_id)}-title {escape(chart_id)}-desc"{described} '
        f'font-family="system-ui, -apple-system, Segoe UI, Roboto, Noto Sans, Arial, sans-serif">'
    )


def _head(chart_id: str, title: str, desc: str) -> str:
    return (
        f'<title id="{escape(chart_id)}-title">{escape(title)}</title>'
        f'<desc id="{escape(chart_id)}-desc">{escape(desc)}</desc>'
    )


def bar_chart(
    bars: Sequence[Bar],
    *,
    chart_id: str,
    title: str,
    table_id: str | None = None,
    max_value: float | None = None,
    colour: str = PETROL,
    empty_text: str = _l("Geen gegevens."),
) -> Markup:
    """Horizontal bars, one per item, label above and value after the bar."""
    width, row, bar_h = 360, 48, 18
    bar_area = width - _text_width(max((b.text for b in bars), key=len, default=""), 15) - 16
    top = max_value if max_value is not None else max((b.value for b in bars), default=0)
    top = top if top > 0 else 1
    height = max(len(bars), 1) * row + 4
    parts = [
        _open_svg(chart_id, width, height, "rep-chart-bars", table_id),
        _head(chart_id, title, _describe([(b.label, b.text) for b in bars], empty_text)),
    ]
    if not bars:
        parts.append(
            f'<text x="0" y="24" font-size="15" fill="{MUTED}">{escape(str(empty_text))}</text>'
        )
    for index, bar in enumerate(bars):
        y = index * row
        length = max(min(bar.value, top), 0) / top * bar_area
        parts.append(
            f"<g><title>{escape(bar.label)}: {escape(bar.text)}</title>"
            f'<text x="0" y="{y + 15}" font-size="15" fill="{INK}">'
            f"{escape(_short(bar.label))}</text>"
            f'<rect x="0" y="{y + 22}" width="{_num(bar_area)}" height="{bar_h}" rx="3" '
            f'fill="{TRACK}"/>'
        )
        if length > 0:
            parts.append(
                f'<rect x="0" y="{y + 22}" width="{_num(max(length, 2))}" height="{bar_h}" '
                f'rx="3" fill="{colour}"/>'
            )
        parts.append(
            f'<text x="{width}" y="{y + 36}" font-size="15" font-weight="600" '
            f'text-anchor="end" fill="{INK}">{escape(bar.text)}</text></g>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every value above is escaped)


def grouped_bar_chart(
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    chart_id: str,
    title: str,
    table_id: str | None = None,
    max_value: float = 1.0,
    empty_text: str = _l("Geen gegevens."),
) -> Markup:
    """Horizontal bars grouped per category (one bar per series), with a legend on top.

    A missing value (None) draws no bar and reads "geen gegevens" in the desc.
    """
    width, bar_h, gap = 360, 14, 4
    longest = max((t for s in series for t in s.texts), key=len, default="")
    bar_area = width - _text_width(longest, 13) - 10
    legend_h = 30
    group_h = 22 + len(series) * (bar_h + gap) + 12
    height = legend_h + max(len(categories), 1) * group_h
    top = max(
        [max_value] + [v for s in series for v in s.values if v is not None],
    )
    top = top if top > 0 else 1
    described = []
    for index, category in enumerate(categories):
        values = ", ".join(
            f"{s.name.lower()} {s.texts[index] if s.values[index] is not None else 'geen gegevens'}"
            for s in series
        )
        described.append((category, values))
    parts = [
        _open_svg(chart_id, width, height, "rep-chart-bars", table_id),
        _head(chart_id, title, _describe(described, empty_text)),
    ]
    x = 0
    for index, s in enumerate(series):
        colour = SERIES_COLOURS[index % len(SERIES_COLOURS)]
        parts.append(
            f'<rect x="{_num(x)}" y="4" width="14" height="14" rx="2" fill="{colour}"/>'
            f'<text x="{_num(x + 20)}" y="16" font-size="14" fill="{INK}">{escape(s.name)}</text>'
        )
        x += 36 + _text_width(s.name, 14)
    if not categories:
        parts.append(
            f'<text x="0" y="{legend_h + 20}" font-size="15" fill="{MUTED}">'
            f"{escape(str(empty_text))}</text>"
        )
    for c_index, category in enumerate(categories):
        y = legend_h + c_index * group_h
        parts.append(
            f'<text x="0" y="{y + 15}" font-size="15" font-weight="600" fill="{INK}">'
            f"{escape(_short(category))}</text>"
        )
        for s_index, s in enumerate(series):
            value = s.values[c_index]
            by = y + 22 + s_index * (bar_h + gap)
            colour = SERIES_COLOURS[s_index % len(SERIES_COLOURS)]
            parts.append(
                f"<g><title>{escape(category)}, {escape(s.name.lower())}: "
                f"{escape(s.texts[c_index] if value is not None else 'geen gegevens')}</title>"
                f'<rect x="0" y="{by}" width="{_num(bar_area)}" height="{bar_h}" rx="2" '
                f'fill="{TRACK}"/>'
            )
            if value is not None and value > 0:
                length = min(value, top) / top * bar_area
                parts.append(
                    f'<rect x="0" y="{by}" width="{_num(max(length, 2))}" height="{bar_h}" '
                    f'rx="2" fill="{colour}"/>'
                )
            label = s.texts[c_index] if value is not None else "–"
            parts.append(
                f'<text x="{width}" y="{by + 12}" font-size="13" text-anchor="end" '
                f'fill="{INK}">{escape(label)}</text></g>'
            )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every value above is escaped)


def nice_ticks(top: float, count: int = 4) -> list[float]:
    """Round tick values from 0 to at least ``top``: steps of 1, 2, 2.5 or 5 × 10^k."""
    if top <= 0:
        return [0.0, 1.0]
    raw = top / count
    magnitude = 10 ** math.floor(math.log10(raw))
    step = next(m * magnitude for m in (1, 2, 2.5, 5, 10) if m * magnitude >= raw)
    ticks = [0.0]
    while ticks[-1] < top - 1e-9:
        ticks.append(round(ticks[-1] + step, 10))
    return ticks


def _tick_text(value: float) -> str:
    text = f"{value:.2f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def line_chart(
    points: Sequence[Point],
    *,
    chart_id: str,
    title: str,
    table_id: str | None = None,
    unit: str = "",
    colour: str = PETROL,
    empty_text: str = _l("Geen gegevens."),
    y_max: float | None = None,
) -> Markup:
    """A line through the points with dots, a y axis with round ticks and x labels.

    Drawn at its natural size (one viewBox unit a pixel) in a scrollable box: its labels
    keep their size on any screen."""
    left, right, top_pad, bottom = 52, 30, 30, 44
    step = 56
    width = max(left + right + step * max(len(points) - 1, 1), 520)
    height = 260
    plot_h = height - top_pad - bottom
    plot_w = width - left - right
    ticks = nice_ticks(y_max or max((p.value for p in points), default=0))
    y_max = ticks[-1] or 1
    described = [(p.long_label or p.label, p.text) for p in points]
    parts = [
        _open_svg(chart_id, width, height, "rep-chart-line", table_id),
        _head(chart_id, title, _describe(described, empty_text)),
    ]

    def y_of(value: float) -> float:
        return top_pad + plot_h - (value / y_max) * plot_h

    for tick in ticks:
        y = y_of(tick)
        parts.append(
            f'<line x1="{left}" y1="{_num(y)}" x2="{width - right}" y2="{_num(y)}" '
            f'stroke="{GRID}" stroke-width="1"/>'
            f'<text x="{left - 8}" y="{_num(y + 5)}" font-size="14" text-anchor="end" '
            f'fill="{MUTED}">{escape(_tick_text(tick))}</text>'
        )
    if unit:
        parts.append(f'<text x="4" y="14" font-size="14" fill="{MUTED}">{escape(unit)}</text>')
    if not points:
        parts.append(
            f'<text x="{left + 8}" y="{_num(top_pad + plot_h / 2)}" font-size="15" '
            f'fill="{MUTED}">{escape(str(empty_text))}</text></svg>'
        )
        return Markup("".join(parts))  # noqa: S704 (every value above is escaped)
    spacing = plot_w / (len(points) - 1) if len(points) > 1 else 0
    coords = [
        (left + (i * spacing if len(points) > 1 else plot_w / 2), y_of(p.value))
        for i, p in enumerate(points)
    ]
    if len(coords) > 1:
        path = " ".join(f"{_num(x)},{_num(y)}" for x, y in coords)
        parts.append(
            f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="3" '
            f'stroke-linejoin="round" stroke-linecap="round"/>'
        )
    # Label every point when they fit, else every second or third one.
    every = 1 if spacing >= 40 or len(points) == 1 else math.ceil(40 / max(spacing, 1))
    for index, ((x, y), point) in enumerate(zip(coords, points, strict=True)):
        parts.append(
            f"<g><title>{escape(point.long_label or point.label)}: {escape(point.text)}</title>"
            f'<circle cx="{_num(x)}" cy="{_num(y)}" r="5" fill="#fff" stroke="{colour}" '
            f'stroke-width="3"/></g>'
        )
        if index % every == 0:
            parts.append(
                f'<text x="{_num(x)}" y="{height - bottom + 22}" font-size="14" '
                f'text-anchor="middle" fill="{INK}">{escape(point.label)}</text>'
            )
    parts.append(
        f'<line x1="{left}" y1="{_num(top_pad + plot_h)}" x2="{width - right}" '
        f'y2="{_num(top_pad + plot_h)}" stroke="{MUTED}" stroke-width="1.5"/>'
    )
    parts.append("</svg>")
    return Markup("".join(parts))  # noqa: S704 (every value above is escaped)


def meter(fraction: float | None, *, over: bool = False) -> Markup:
    """A small decorative bar for a table cell (the number beside it says the same)."""
    if fraction is None:
        return Markup("")
    width = 100
    filled = max(min(fraction, 1.0), 0.0) * width
    colour = ACCENT if over else PETROL
    bar = (
        f'<rect x="0" y="0" width="{_num(max(filled, 1.5))}" height="10" rx="2" fill="{colour}"/>'
        if filled > 0
        else ""
    )
    return Markup(  # noqa: S704 (only numbers and constants)
        f'<svg class="rep-meter" viewBox="0 0 {width} 10" preserveAspectRatio="none" '
        f'aria-hidden="true" focusable="false">'
        f'<rect x="0" y="0" width="{width}" height="10" rx="2" fill="{TRACK}"/>{bar}</svg>'
    )


# --- The reports' charts -----------------------------------------------------------------------


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _waiting_text(count: int) -> str:
    return ngettext("%(num)d wachtende", "%(num)d wachtenden", count)


def _rate(value: Any) -> float | None:
    return None if value is None else float(value)


def activity_report_charts(report: Any) -> dict[str, Markup]:
    """Fill and attendance rate per kind; the longest waiting lists."""
    from lms.reports.common import percent_text

    kinds = report.per_kind
    result = {
        "per_kind": grouped_bar_chart(
            [k.label.capitalize() for k in kinds],
            [
                Series(
                    _("Bezettingsgraad"),
                    [_rate(k.fill_rate) for k in kinds],
                    [percent_text(k.fill_rate) for k in kinds],
                ),
                Series(
                    _("Aanwezigheidsgraad"),
                    [_rate(k.attendance_rate) for k in kinds],
                    [percent_text(k.attendance_rate) for k in kinds],
                ),
            ],
            chart_id="grafiek-soort",
            title=_("Bezettingsgraad en aanwezigheidsgraad per soort"),
            table_id="tabel-soort",
            empty_text=_("Geen activiteiten in deze selectie."),
        )
    }
    waiting = report.longest_waitlists()
    result["waitlists"] = bar_chart(
        [Bar(r.title, r.waitlisted, _waiting_text(r.waitlisted)) for r in waiting],
        chart_id="grafiek-wachtlijst",
        title=_("Langste wachtlijsten"),
        table_id="tabel-activiteiten",
        colour=ACCENT,
        empty_text=_("Niemand staat op een wachtlijst."),
    )
    return result


def period_report_charts(report: Any) -> dict[str, Markup]:
    """Hours over time (line), per theme, per kind and per organisation (bars)."""
    from lms.reports.per_period import short_bucket_label

    def hour_bars(groups: Sequence[Any], limit: int | None = None) -> list[Bar]:
        shown = [g for g in groups if g.minutes > 0]
        if limit is not None:
            shown = shown[:limit]
        return [Bar(_capital(g.label), float(g.hours), g.hours_text) for g in shown]

    return {
        "timeline": line_chart(
            [
                Point(short_bucket_label(g), float(g.hours), g.hours_text, g.label)
                for g in report.timeline
                if not g.future
            ],
            chart_id="grafiek-tijd",
            title=_("Gegeven uren per jaar") if report.by_year else _("Gegeven uren per maand"),
            table_id="tabel-tijd",
            unit=_("uren"),
        ),
        "themes": bar_chart(
            hour_bars(report.themes),
            chart_id="grafiek-thema",
            title=_("Gegeven uren per thema"),
            table_id="tabel-thema",
            empty_text=_("Nog geen gegeven uren in deze periode."),
        ),
        "kinds": bar_chart(
            hour_bars(report.kinds),
            chart_id="grafiek-soort",
            title=_("Gegeven uren per soort activiteit"),
            table_id="tabel-soort",
            empty_text=_("Nog geen gegeven uren in deze periode."),
        ),
        "organisations": bar_chart(
            hour_bars(report.organisations, limit=15),
            chart_id="grafiek-organisatie",
            title=_("Gegeven uren per organisatie (de 15 grootste)"),
            table_id="tabel-organisatie",
            empty_text=_("Nog geen gegeven uren in deze periode."),
        ),
    }


def session_rate_chart(detail: Any) -> Markup:
    """Attendance rate per held session of one activity."""
    from lms.common.timeutil import SHORT_MONTH_NAMES, format_date
    from lms.reports.common import percent_text

    points = []
    for s in detail.held_sessions:
        if s.attendance_rate is None:
            continue
        local = s.starts_at.astimezone(_brussels())
        points.append(
            Point(
                f"{local.day} {SHORT_MONTH_NAMES[local.month - 1]}",
                float(s.attendance_rate) * 100,
                percent_text(s.attendance_rate),
                format_date(s.starts_at, weekday=False),
            )
        )
    return line_chart(
        points,
        chart_id="grafiek-sessies",
        title=_("Aanwezigheidsgraad per afgelopen sessie"),
        table_id="tabel-sessies",
        unit="%",
        empty_text=_("Nog geen afgelopen sessies met ingeschreven deelnemers."),
        y_max=100,
    )


def _brussels():  # -> ZoneInfo
    from lms.common.timeutil import BRUSSELS

    return BRUSSELS
