"""Charts as inline SVG, drawn on the server: bars, lines and a funnel, no JavaScript.

Each function returns markup ready for a template (`Markup`); labels are escaped
here. Colours come from classes the stylesheet defines (the page's CSP allows no
inline styles). Every chart carries a <title> and an aria-label, and prints its
values, so it reads without the picture too.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

WIDTH = 640
HEIGHT = 220
PAD_LEFT = 44
PAD_RIGHT = 12
PAD_TOP = 16
PAD_BOTTOM = 34
# More x labels than this and they overlap on a tablet; every n-th one is kept.
MAX_X_LABELS = 12


@dataclass(frozen=True)
class Point:
    label: str
    value: float | None


def _fmt(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 or value == int(value) else f"{value:.2f}"


def _open(title: str, width: int, height: int, kind: str) -> str:
    text = escape(title)
    return (
        f'<svg class="chart kind-{kind}" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{text}" xmlns="http://www.w3.org/2000/svg"><title>{text}</title>'
    )


def _empty(title: str, width: int = WIDTH, height: int = 80) -> Markup:
    return Markup(
        _open(title, width, height, "empty")
        + f'<text class="chart-note" x="{width / 2}" y="{height / 2}" text-anchor="middle">'
        "nothing in this range</text></svg>"
    )


def _x_labels(points: Sequence[Point], xs: Sequence[float], baseline: float) -> str:
    step = max(1, -(-len(points) // MAX_X_LABELS))
    return "".join(
        f'<text class="chart-label" x="{x:.1f}" y="{baseline + 16:.1f}" text-anchor="middle">'
        f"{escape(point.label)}</text>"
        for index, (point, x) in enumerate(zip(points, xs, strict=True))
        if index % step == 0
    )


def _frame(top: float, baseline: float, width: int, low: float, high: float, unit: str) -> str:
    return (
        f'<line class="chart-axis" x1="{PAD_LEFT}" y1="{baseline}" x2="{width - PAD_RIGHT}" '
        f'y2="{baseline}"/>'
        f'<text class="chart-label" x="{PAD_LEFT - 6}" y="{top + 4}" text-anchor="end">'
        f"{_fmt(high)}{escape(unit)}</text>"
        f'<text class="chart-label" x="{PAD_LEFT - 6}" y="{baseline}" text-anchor="end">'
        f"{_fmt(low)}</text>"
    )


def bar_chart(
    points: Sequence[Point], *, title: str, unit: str = "", width: int = WIDTH, height: int = HEIGHT
) -> Markup:
    """Vertical bars, one per point (None counts as 0), the value printed above each."""
    values = [point.value or 0.0 for point in points]
    if not points or max(values) <= 0:
        return _empty(title, width)
    top, baseline = PAD_TOP, height - PAD_BOTTOM
    high = max(values)
    slot = (width - PAD_LEFT - PAD_RIGHT) / len(points)
    bar = max(slot * 0.7, 1.0)
    xs = [PAD_LEFT + slot * index + slot / 2 for index in range(len(points))]
    parts = [_open(title, width, height, "bars"), _frame(top, baseline, width, 0, high, unit)]
    for point, value, x in zip(points, values, xs, strict=True):
        h = (baseline - top) * value / high
        parts.append(
            f'<rect class="chart-bar" x="{x - bar / 2:.1f}" y="{baseline - h:.1f}" '
            f'width="{bar:.1f}" height="{h:.1f}"><title>{escape(point.label)}: '
            f"{_fmt(value)}{escape(unit)}</title></rect>"
        )
        if len(points) <= 24 and value:
            parts.append(
                f'<text class="chart-value" x="{x:.1f}" y="{baseline - h - 3:.1f}" '
                f'text-anchor="middle">{_fmt(value)}</text>'
            )
    parts.append(_x_labels(points, xs, baseline))
    parts.append("</svg>")
    return Markup("".join(parts))


def line_chart(
    points: Sequence[Point],
    *,
    title: str,
    unit: str = "",
    low: float | None = None,
    high: float | None = None,
    width: int = WIDTH,
    height: int = HEIGHT,
) -> Markup:
    """A line through the points in order; a None value breaks the line (no data that day)."""
    known = [point.value for point in points if point.value is not None]
    if not known:
        return _empty(title, width)
    bottom_value = min(known) if low is None else low
    top_value = max(known) if high is None else high
    if top_value == bottom_value:
        top_value = bottom_value + 1
    top, baseline = PAD_TOP, height - PAD_BOTTOM
    slot = (width - PAD_LEFT - PAD_RIGHT) / max(len(points), 1)
    xs = [PAD_LEFT + slot * index + slot / 2 for index in range(len(points))]

    def y_of(value: float) -> float:
        return baseline - (baseline - top) * (value - bottom_value) / (top_value - bottom_value)

    parts = [_open(title, width, height, "line"),
             _frame(top, baseline, width, bottom_value, top_value, unit)]
    for segment in _segments(points, xs):
        path = " ".join(f"{x:.1f},{y_of(v):.1f}" for x, v in segment)
        parts.append(f'<polyline class="chart-line" points="{path}"/>')
    for point, x in zip(points, xs, strict=True):
        if point.value is not None:
            parts.append(
                f'<circle class="chart-dot" cx="{x:.1f}" cy="{y_of(point.value):.1f}" r="3">'
                f"<title>{escape(point.label)}: {_fmt(point.value)}{escape(unit)}</title></circle>"
            )
    parts.append(_x_labels(points, xs, baseline))
    parts.append("</svg>")
    return Markup("".join(parts))


def _segments(points: Sequence[Point], xs: Sequence[float]) -> list[list[tuple[float, float]]]:
    segments: list[list[tuple[float, float]]] = [[]]
    for point, x in zip(points, xs, strict=True):
        if point.value is None:
            if segments[-1]:
                segments.append([])
            continue
        segments[-1].append((x, point.value))
    return [segment for segment in segments if segment]


def funnel_chart(stages: Sequence[Point], *, title: str, width: int = WIDTH) -> Markup:
    """Horizontal bars, widest first, each with its count and its share of the first stage."""
    values = [stage.value or 0.0 for stage in stages]
    if not stages or values[0] <= 0:
        return _empty(title, width)
    row, label_width = 30, 150
    height = PAD_TOP + row * len(stages)
    room = width - label_width - 90
    parts = [_open(title, width, height, "funnel")]
    for index, (stage, value) in enumerate(zip(stages, values, strict=True)):
        y = PAD_TOP / 2 + row * index
        w = max(room * value / values[0], 1.0)
        share = value / values[0]
        parts.append(
            f'<text class="chart-label" x="{label_width - 8}" y="{y + 17}" text-anchor="end">'
            f"{escape(stage.label)}</text>"
            f'<rect class="chart-bar" x="{label_width}" y="{y + 4}" width="{w:.1f}" '
            f'height="{row - 8}">'
            f"<title>{escape(stage.label)}: {_fmt(value)}</title></rect>"
            f'<text class="chart-value" x="{label_width + w + 6:.1f}" y="{y + 17}">'
            f"{_fmt(value)} ({share * 100:.0f}%)</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def horizontal_bars(items: Sequence[Point], *, title: str, width: int = WIDTH) -> Markup:
    """Horizontal bars scaled to the largest item, for categories (intents, reasons)."""
    values = [item.value or 0.0 for item in items]
    if not items or max(values) <= 0:
        return _empty(title, width)
    row, label_width = 26, 170
    height = PAD_TOP + row * len(items)
    room = width - label_width - 60
    high = max(values)
    parts = [_open(title, width, height, "hbars")]
    for index, (item, value) in enumerate(zip(items, values, strict=True)):
        y = PAD_TOP / 2 + row * index
        w = max(room * value / high, 1.0)
        parts.append(
            f'<text class="chart-label" x="{label_width - 8}" y="{y + 15}" text-anchor="end">'
            f"{escape(item.label)}</text>"
            f'<rect class="chart-bar" x="{label_width}" y="{y + 3}" width="{w:.1f}" '
            f'height="{row - 7}">'
            f"<title>{escape(item.label)}: {_fmt(value)}</title></rect>"
            f'<text class="chart-value" x="{label_width + w + 6:.1f}" y="{y + 15}">'
            f"{_fmt(value)}</text>"
        )
    parts.append("</svg>")
    return Markup("".join(parts))
