"""Server-side SVG charts: stacked daily bars, ranked bars and a line.

Drawn here rather than by a JavaScript library: no script to vendor, audit and keep
up to date, charts that print and work with scripts off, and a strict CSP. Colours
are CSS classes (static/console.css), so the contrast is checked with the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

W, H = 720, 240
LEFT, RIGHT, TOP, BOTTOM = 44, 12, 12, 28


@dataclass(frozen=True)
class Series:
    label: str
    css: str
    values: Sequence[int]


def _nice_max(value: int) -> int:
    """A top for the y axis whose quarters are round numbers."""
    for top in (4, 8, 20, 40, 60, 100, 200, 400, 600, 1000, 2000, 4000, 10000, 20000):
        if value <= top:
            return top
    return (value // 4000 + 1) * 4000


def _y_axis(top: int, width: int = W) -> list[str]:
    parts = []
    for i in range(5):
        value = top * i // 4
        y = TOP + (H - TOP - BOTTOM) * (1 - i / 4)
        parts.append(
            f'<line class="grid" x1="{LEFT}" x2="{width - RIGHT}" y1="{y:.1f}" y2="{y:.1f}"/>'
            f'<text class="tick" x="{LEFT - 6}" y="{y + 4:.1f}" text-anchor="end">{value}</text>'
        )
    return parts


def _x_labels(days: Sequence[str], x_of: list[float], every: int = 0) -> list[str]:
    every = every or max(1, len(days) // 8)
    parts = []
    for i, day in enumerate(days):
        last = i == len(days) - 1
        if (i % every == 0 and len(days) - 1 - i >= every) or last:
            anchor = "end" if last else "middle"
            parts.append(
                f'<text class="tick" x="{x_of[i]:.1f}" y="{H - 8}" text-anchor="{anchor}">'
                f"{escape(day[8:10])}/{escape(day[5:7])}</text>"
            )
    return parts


def _svg(title: str, body: list[str], height: int = H, width: int = W) -> str:
    return (
        f'<svg class="chart" viewBox="0 0 {width} {height}" role="img" '
        f'aria-label="{escape(title)}" '
        f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>'
        + "".join(body)
        + "</svg>"
    )


def stacked_bars(title: str, days: Sequence[str], series: Sequence[Series]) -> str:
    totals = [sum(s.values[i] for s in series) for i in range(len(days))]
    top = _nice_max(max(totals, default=0))
    plot_w, plot_h = W - LEFT - RIGHT, H - TOP - BOTTOM
    slot = plot_w / max(len(days), 1)
    bar = max(slot * 0.7, 1.0)
    x_of = [LEFT + slot * i + slot / 2 for i in range(len(days))]
    body = _y_axis(top)
    for i, day in enumerate(days):
        y = float(TOP + plot_h)
        for s in series:
            value = s.values[i]
            if not value:
                continue
            h = plot_h * value / top
            y -= h
            body.append(
                f'<rect class="{s.css}" x="{x_of[i] - bar / 2:.1f}" y="{y:.1f}" '
                f'width="{bar:.1f}" height="{h:.1f}"><title>{escape(day)} · '
                f"{escape(s.label)} : {value}</title></rect>"
            )
    body += _x_labels(days, x_of)
    return _svg(title, body)


def ranked_bars(
    title: str, items: Sequence[tuple[str, int]], css: str = "s1", width: int = 480
) -> str:
    """Drawn narrower than the daily plot: it sits in half a page, and stays legible."""
    row = 28
    height = max(len(items), 1) * row + 8
    label_w = 230
    top = max((v for _, v in items), default=0) or 1
    body = []
    for i, (label, value) in enumerate(items):
        y = 4 + i * row
        w = (width - label_w - 40) * value / top
        shown = label if len(label) <= 30 else label[:29].rstrip() + "…"
        body.append(
            f'<text class="label" x="0" y="{y + 18}">'
            f"{escape(shown)}</text>"
            f'<rect class="{css}" x="{label_w}" y="{y + 3}" width="{max(w, 1):.1f}" '
            f'height="{row - 8}">'
            f"<title>{escape(label)} : {value}</title></rect>"
            f'<text class="value" x="{label_w + w + 6:.1f}" y="{y + 18}">{value}</text>'
        )
    return _svg(title, body, height, width)


def line(
    title: str, days: Sequence[str], values: Sequence[int], css: str = "s1", width: int = 480
) -> str:
    top = _nice_max(max(values, default=0))
    plot_w, plot_h = width - LEFT - RIGHT, H - TOP - BOTTOM
    step = plot_w / max(len(days) - 1, 1)
    x_of = [LEFT + step * i for i in range(len(days))]
    points = " ".join(
        f"{x_of[i]:.1f},{TOP + plot_h * (1 - v / top):.1f}" for i, v in enumerate(values)
    )
    body = _y_axis(top, width)
    body.append(f'<polyline class="line {css}" points="{points}"/>')
    if values:
        x, v = x_of[-1], values[-1]
        body.append(
            f'<circle class="{css}" cx="{x:.1f}" cy="{TOP + plot_h * (1 - v / top):.1f}" r="4">'
            f"<title>{escape(days[-1])} : {v}</title></circle>"
        )
    body += _x_labels(days, x_of, every=max(1, len(days) // 5))
    return _svg(title, body, width=width)
