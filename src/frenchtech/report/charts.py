"""Charts as inline SVG: ranking with intervals, indicator profiles, heatmap, Sobol bars, trends.

Each chart is decorative-plus-title for assistive technology; the page always puts a table with the
same values beside it.
"""
from __future__ import annotations

import math
import re
from html import escape

from frenchtech.report.maps import LABEL_COLOURS

INK, GRID, ACCENT = "#1f2933", "#d5dae1", "#0b4f8a"


def _svg(w, h, title, body) -> str:
    # Drawn at its own size (width and height in CSS pixels), so that no text is ever shown below 12 px;
    # a narrow screen scrolls the chart inside its figure rather than shrinking it.
    return (f'<svg class="chart" viewBox="0 0 {w} {h}" width="{w}" height="{h}" role="img" '
            f'aria-label="{escape(title)}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>{"".join(body)}</svg>')


def ranking(rows: list[dict], n: int, bar_rank: int | None, title: str, bar_text: str = "") -> str:
    """One line per territory: nominal rank (dot) and its 5-95 % interval (bar) when known."""
    left, right, top, step = 230, 20, 30, 24
    w, h = 760, top + step * len(rows) + 30
    span = w - left - right

    def x(r):
        return left + (float(r) - 1) / max(n - 1, 1) * span

    body = [f'<text x="{left}" y="16" font-size="12" fill="{INK}">1</text>',
            f'<text x="{w - right}" y="16" font-size="12" text-anchor="end" fill="{INK}">{n}</text>']
    for k in range(1, n + 1):
        body.append(f'<line x1="{x(k):.1f}" x2="{x(k):.1f}" y1="{top - 8}" y2="{h - 25}" stroke="{GRID}"/>')
    if bar_rank:
        bx = (x(bar_rank) + x(bar_rank + 1)) / 2 if bar_rank < n else x(n) + 6
        body.append(f'<line x1="{bx:.1f}" x2="{bx:.1f}" y1="{top - 10}" y2="{h - 20}" stroke="#b3261e" '
                    f'stroke-width="2" stroke-dasharray="6 4"/><text x="{bx + 4:.1f}" y="{h - 6}" font-size="12" '
                    f'fill="#b3261e">{escape(bar_text)}</text>')
    for i, r in enumerate(rows):
        y = top + i * step + step / 2
        colour = LABEL_COLOURS.get(r.get("decision", ""), INK)
        body.append(f'<text x="{left - 8}" y="{y + 4:.1f}" font-size="13" text-anchor="end" fill="{INK}">'
                    f'{escape(r["name"])}</text>')
        if r.get("p05") is not None and r.get("p95") is not None:
            body.append(f'<line x1="{x(r["p05"]):.1f}" x2="{x(r["p95"]):.1f}" y1="{y:.1f}" y2="{y:.1f}" '
                        f'stroke="{colour}" stroke-width="6" stroke-linecap="round" opacity="0.45"/>')
        body.append(f'<circle cx="{x(r["rank"]):.1f}" cy="{y:.1f}" r="6" fill="{colour}" stroke="#fff"/>')
    return _svg(w, h, title, body)


def profile(rows: list[dict], title: str, legend: tuple[str, str, str]) -> str:
    """Normalised scores (0-100) of one territory per indicator, with the median and labelled mean."""
    left, top, step, w = 380, 26, 26, 980
    h = top + step * len(rows) + 10
    span = w - left - 20

    def x(v):
        return left + max(0.0, min(100.0, float(v))) / 100 * span

    body = [f'<rect x="{left}" y="4" width="12" height="12" fill="{ACCENT}"/>'
            f'<text x="{left + 16}" y="14" font-size="13">{escape(legend[0])}</text>'
            f'<line x1="{left + 220}" x2="{left + 220}" y1="2" y2="18" stroke="{INK}" stroke-width="3"/>'
            f'<text x="{left + 226}" y="14" font-size="13">{escape(legend[1])}</text>'
            f'<line x1="{left + 400}" x2="{left + 400}" y1="2" y2="18" stroke="#1a7a43" stroke-width="3" '
            f'stroke-dasharray="3 2"/><text x="{left + 406}" y="14" font-size="13">{escape(legend[2])}</text>']
    for i, r in enumerate(rows):
        y = top + i * step
        body.append(f'<text x="{left - 8}" y="{y + 15}" font-size="13" text-anchor="end">{escape(r["name"])}</text>'
                    f'<rect x="{left}" y="{y + 3}" width="{span}" height="16" fill="#eef1f4"/>')
        if r.get("value") is not None and not math.isnan(float(r["value"])):
            body.append(f'<rect x="{left}" y="{y + 3}" width="{x(r["value"]) - left:.1f}" height="16" fill="{ACCENT}"/>')
        for key, colour, dash in (("median", INK, ""), ("labelled", "#1a7a43", ' stroke-dasharray="3 2"')):
            if r.get(key) is not None and not math.isnan(float(r[key])):
                body.append(f'<line x1="{x(r[key]):.1f}" x2="{x(r[key]):.1f}" y1="{y}" y2="{y + 22}" '
                            f'stroke="{colour}" stroke-width="3"{dash}/>')
    return _svg(w, h, title, body)


def shorten(text: str, width: int) -> str:
    """``text`` cut to ``width`` characters at a word boundary, with an ellipsis when cut."""
    text = str(text)
    if len(text) <= width:
        return text
    head = text[:width]
    # Break at a space that is not inside a number ("10 000" stays whole).
    breaks = [m.start() for m in re.finditer(r"\s", head) if not (head[m.start() - 1:m.start()].isdigit()
                                                                  and head[m.start() + 1:m.start() + 2].isdigit())]
    cut = head[:breaks[-1]] if breaks else head[:width - 1]
    return cut.rstrip(" ,;:–-") + "…"


def heatmap(labels: list[str], matrix, title: str, fmt=None) -> str:
    """A correlation matrix, -1 (red) to +1 (blue), each cell labelled with its value."""
    n, cell, left, top = len(labels), 44, 250, 40
    w, h = left + n * cell + 10, top + n * cell + 10
    # both axes labelled: rows by number and name, columns by the same numbers (full name on hover)
    body = [f'<text x="{left + j * cell + cell / 2}" y="{top - 10}" font-size="12" font-weight="700" '
            f'text-anchor="middle"><title>{escape(labels[j])}</title>{j + 1}</text>' for j in range(n)]
    for i in range(n):
        body.append(f'<text x="{left - 6}" y="{top + i * cell + cell / 2 + 4}" font-size="12" '
                    f'text-anchor="end">{escape(labels[i])}</text>')
        for j in range(n):
            v = matrix[i][j]
            if v is None or (isinstance(v, float) and math.isnan(v)):
                fill, txt = "#f4f5f7", ""
            else:
                a = max(-1.0, min(1.0, float(v)))
                base = (33, 102, 172) if a >= 0 else (178, 24, 43)
                r, g, b = (round(255 + (c - 255) * abs(a)) for c in base)
                fill, txt = f"#{r:02x}{g:02x}{b:02x}", fmt(a) if fmt else f"{a:.2f}"
            ink = "#fff" if txt and abs(float(v)) > 0.55 else INK
            body.append(f'<rect x="{left + j * cell}" y="{top + i * cell}" width="{cell - 1}" height="{cell - 1}" '
                        f'fill="{fill}"/><text x="{left + j * cell + cell / 2}" y="{top + i * cell + cell / 2 + 4}" '
                        f'font-size="12" text-anchor="middle" fill="{ink}">{txt}</text>')
    return _svg(w, h, title, body)


def bars(rows: list[dict], title: str, keys=(("first", ACCENT), ("total", "#b85c00"))) -> str:
    """Grouped horizontal bars in [0, 1] (Sobol first-order and total indices)."""
    left, top, step, w = 260, 10, 40, 700
    h = top + step * len(rows) + 10
    span = w - left - 20
    body = []
    for i, r in enumerate(rows):
        y = top + i * step
        body.append(f'<text x="{left - 8}" y="{y + 20}" font-size="12" text-anchor="end">{escape(r["name"])}</text>')
        for k, (key, colour) in enumerate(keys):
            v = max(0.0, min(1.0, float(r.get(key) or 0)))
            body.append(f'<rect x="{left}" y="{y + 4 + k * 16}" width="{v * span:.1f}" height="14" fill="{colour}"/>')
    return _svg(w, h, title, body)


def trend(points: list[tuple[str, float]], title: str) -> str:
    """Scores across campaigns."""
    w, h, left, top = 520, 200, 40, 15
    if not points:
        return ""
    n = len(points)

    def xy(i, v):
        return (left + (i / max(n - 1, 1)) * (w - left - 30), top + (1 - float(v) / 100) * (h - top - 30))

    pts = [xy(i, v) for i, (_, v) in enumerate(points)]
    body = [f'<line x1="{left}" x2="{w - 20}" y1="{h - 15}" y2="{h - 15}" stroke="{GRID}"/>',
            f'<polyline points="{" ".join(f"{a:.1f},{b:.1f}" for a, b in pts)}" fill="none" stroke="{ACCENT}" '
            f'stroke-width="2"/>']
    for (label, v), (a, b) in zip(points, pts):
        body.append(f'<circle cx="{a:.1f}" cy="{b:.1f}" r="4" fill="{ACCENT}"/><text x="{a:.1f}" y="{h - 2}" '
                    f'font-size="12" text-anchor="middle">{escape(label)}</text>')
    return _svg(w, h, title, body)
