"""Maps of France drawn as inline SVG from the shipped polygons: no tiles, no script from elsewhere.

Territories are drawn with their real perimeters: the 2025 EPCI polygons of the EPCI their member
communes belong to in the 2026 geography (an EPCI is kept when the territory holds at least half of
its population; Paris, a single commune that is also a department, uses its department's polygon).
Historical campaigns (vintage before 2016) show the 22 regions of 2014-2015 behind the territories.
"""
from __future__ import annotations

import json
import math
from functools import cache
from html import escape
from importlib import resources

LON0, LAT0 = 2.5, 46.5
KX = math.cos(math.radians(LAT0))
SCALE = 100.0
# metropolitan France (and Corsica)
FRANCE_BOX = (-5.3, 41.3, 9.7, 51.2)

# Decisions that hold a label after the campaign, and one colour per decision.
HOLDS_LABEL = ("labelled", "renewed", "confirmed")
LABEL_COLOURS = {"labelled": "#1a7a43", "renewed": "#0e4f2a", "confirmed": "#0e4f2a", "deferred": "#b85c00",
                 "withdrawn": "#b3261e", "not_selected": "#8a94a0", "ineligible": "#b7bec7", "": "#c9ced6"}


@cache
def shapes(name: str) -> dict:
    """A shipped GeoJSON (``epci_2025``, ``regions_2015``, ``regions_2016``, ``departements``)."""
    text = (resources.files("frenchtech.report") / "data" / f"{name}.geojson").read_text(encoding="utf-8")
    return json.loads(text)


@cache
def _by_code(name: str) -> dict[str, dict]:
    return {str(f["properties"]["code"]): f for f in shapes(name)["features"]}


def _rings(geometry: dict):
    if geometry["type"] == "Polygon":
        yield from geometry["coordinates"]
    elif geometry["type"] == "MultiPolygon":
        for poly in geometry["coordinates"]:
            yield from poly


def project(lon: float, lat: float) -> tuple[float, float]:
    return ((lon - LON0) * KX * SCALE, -(lat - LAT0) * SCALE)


def path_d(geometries, tolerance: float = 0.4) -> str:
    """SVG path data; points closer than ``tolerance`` (projected units, 1 = about 1.1 km) are dropped."""
    parts = []
    for g in geometries:
        for ring in _rings(g):
            pts = [project(lon, lat) for lon, lat in ring]
            kept = [pts[0]]
            for x, y in pts[1:]:
                if abs(x - kept[-1][0]) + abs(y - kept[-1][1]) >= tolerance:
                    kept.append((x, y))
            if len(kept) < 3:
                continue
            parts.append("M" + "L".join(f"{x:.0f},{y:.0f}" if tolerance >= 1 else f"{x:.1f},{y:.1f}"
                                        for x, y in kept) + "Z")
    return "".join(parts)


def bbox(geometries) -> tuple[float, float, float, float]:
    xs, ys = [], []
    for g in geometries:
        for ring in _rings(g):
            for lon, lat in ring:
                xs.append(lon)
                ys.append(lat)
    return (min(xs), min(ys), max(xs), max(ys)) if xs else FRANCE_BOX


def territory_geometries(territories: list[dict]) -> dict[str, dict]:
    """territory id -> {"epci": [codes], "geometries": [...], "source": text} from the 2026 membership."""
    from frenchtech.geo import load_geography

    g26 = load_geography(2026).communes
    epci_pop = g26[g26["kind"] == "commune"].groupby("epci")["population"].sum()
    epci_shapes, deps = _by_code("epci_2025"), _by_code("departements")
    out = {}
    for t in territories:
        codes = [c for c in t["communes"] if c in g26.index]
        members = g26.loc[codes]
        members = members[members["kind"] == "commune"]
        covered = members.groupby("epci")["population"].sum()
        keep = [e for e, p in covered.items() if epci_pop.get(e, 0) and p / epci_pop[e] >= 0.5 and e in epci_shapes]
        geoms, source = [epci_shapes[e]["geometry"] for e in keep], "epci"
        if not keep and len(t["communes"]) == 1 and t["communes"][0] == "75056" and "75" in deps:
            geoms, source = [deps["75"]["geometry"]], "departement"
        elif not keep and len(covered):
            top = covered.idxmax()
            if top in epci_shapes:
                keep, geoms = [top], [epci_shapes[top]["geometry"]]
        out[t["id"]] = {"epci": [str(e) for e in keep], "geometries": geoms, "source": source}
    return out


@cache
def _background(vintage: int) -> str:
    name = "regions_2015" if vintage < 2016 else "regions_2016"
    return "".join(
        f'<path class="region" d="{path_d([f["geometry"]], tolerance=4)}"><title>{escape(f["properties"]["nom"])}</title></path>'
        for f in shapes(name)["features"])


def score_colour(score) -> str:
    """Sequential blue scale, light (0) to dark (100)."""
    try:
        v = max(0.0, min(1.0, float(score) / 100.0))
    except (TypeError, ValueError):
        return LABEL_COLOURS[""]
    lo, hi = (222, 235, 247), (8, 48, 107)
    r, g, b = (round(a + (c - a) * v) for a, c in zip(lo, hi))
    return f"#{r:02x}{g:02x}{b:02x}"


def _viewbox(box, pad=0.15) -> str:
    x0, y0 = project(box[0], box[3])
    x1, y1 = project(box[2], box[1])
    w, h = x1 - x0, y1 - y0
    px, py = w * pad, h * pad
    return f"{x0 - px:.0f} {y0 - py:.0f} {w + 2 * px:.0f} {h + 2 * py:.0f}"


def france_map(items: list[dict], geoms: dict[str, dict], vintage: int, title: str, focus: str | None = None,
               href=None, texts: dict | None = None) -> str:
    """An SVG map; ``items`` carry id, name, decision, score, label_text, score_text.

    Each territory is a focusable group with its details in data attributes and a <title>, so hover
    and keyboard focus show the same tooltip; ``href(id)`` makes territories links. A map focused on one
    territory also names its EPCI and has a scale bar and a legend (``texts``: perimeter, others, background)."""
    box = FRANCE_BOX
    if focus and geoms.get(focus, {}).get("geometries"):
        fx0, fy0, fx1, fy1 = bbox(geoms[focus]["geometries"])
        cx, cy, half = (fx0 + fx1) / 2, (fy0 + fy1) / 2, max(fx1 - fx0, fy1 - fy0, 0.6) / 2 * 1.6
        box = (cx - half, cy - half * 0.75, cx + half, cy + half * 0.75)
    body = [f'<svg class="map" viewBox="{_viewbox(box, 0.02)}" role="group" aria-label="{escape(title)}" '
            f'xmlns="http://www.w3.org/2000/svg"><title>{escape(title)}</title>', _background(vintage)]
    for it in items:
        g = geoms.get(it["id"], {}).get("geometries") or []
        if not g:
            continue
        fill_label = LABEL_COLOURS.get(it.get("decision", ""), LABEL_COLOURS[""])
        fill_score = score_colour(it.get("score"))
        text = f'{it["name"]} — {it.get("label_text", "")} — {it.get("score_text", "")}'
        cls = "territory focus" if it["id"] == focus else "territory"
        shape = (f'<path d="{path_d(g)}" fill="{fill_label}" data-fill-label="{fill_label}" '
                 f'data-fill-score="{fill_score}"/>')
        attrs = (f'class="{cls}" data-territory="{escape(it["id"])}" data-name="{escape(it["name"])}" '
                 f'data-details="{escape(text)}" aria-label="{escape(text)}"')
        if href:
            body.append(f'<a href="{escape(href(it["id"]))}" {attrs}><title>{escape(text)}</title>{shape}</a>')
        else:
            body.append(f'<g tabindex="0" {attrs}><title>{escape(text)}</title>{shape}</g>')
    if focus and texts and geoms.get(focus, {}).get("geometries"):
        body.append(_perimeter_notes(geoms[focus], box, texts, LABEL_COLOURS.get(
            next((it.get("decision", "") for it in items if it["id"] == focus), ""), LABEL_COLOURS[""])))
    body.append("</svg>")
    return "".join(body)


KM_PER_UNIT = 6371.0 * math.pi / 180 / SCALE   # projected units are 1/SCALE degree of latitude


def _perimeter_notes(geom: dict, box, texts: dict, colour: str) -> str:
    """Names of the perimeter's EPCI at their centres, a scale bar and a legend, sized to the view."""
    x0, y0 = project(box[0], box[3])
    x1, y1 = project(box[2], box[1])
    w, h = x1 - x0, y1 - y0
    fs = w / 28  # about 12 px when the map is drawn some 340 px wide
    out = [f'<g class="map-notes" font-size="{fs:.2f}" font-family="system-ui, sans-serif">']
    shapes_by_code = _by_code("epci_2025")
    for code in geom.get("epci", []):
        f = shapes_by_code.get(code)
        if f is None:
            continue
        bx = bbox([f["geometry"]])
        cx, cy = project((bx[0] + bx[2]) / 2, (bx[1] + bx[3]) / 2)
        out.append(f'<text x="{cx:.1f}" y="{cy:.1f}" text-anchor="middle" fill="#1f2933" stroke="#ffffff" '
                   f'stroke-width="{fs / 5:.2f}" paint-order="stroke">{escape(str(f["properties"].get("nom", code)))}</text>')
    # scale bar: a round number of km close to a quarter of the view's width
    target = w / 4 * KM_PER_UNIT
    km = max((k for k in (1, 2, 5, 10, 20, 25, 50, 100, 200) if k <= max(target, 1)), default=1)
    bar = km / KM_PER_UNIT
    sx, sy = x0 + w * 0.04, y1 - h * 0.06
    out.append(f'<g class="scale"><path d="M{sx:.1f},{sy - fs / 2:.1f}V{sy:.1f}H{sx + bar:.1f}V{sy - fs / 2:.1f}" '
               f'fill="none" stroke="#1f2933" stroke-width="{fs / 8:.2f}"/>'
               f'<text x="{sx + bar / 2:.1f}" y="{sy - fs * 0.7:.1f}" text-anchor="middle" fill="#1f2933">'
               f'{km} km</text></g>')
    # legend, top left: the perimeter and what the background shows
    lx, ly = x0 + w * 0.03, y0 + h * 0.04
    rows = [(colour, texts.get("perimeter", "")), (LABEL_COLOURS[""], texts.get("others", "")),
            ("#eef0f3", texts.get("background", ""))]
    out.append(f'<g class="legend"><rect x="{lx - fs * 0.3:.1f}" y="{ly - fs * 0.3:.1f}" width="{w * 0.6:.1f}" '
               f'height="{fs * 1.5 * len(rows) + fs * 0.3:.1f}" fill="#ffffff" fill-opacity="0.85" stroke="#c9d0d9" '
               f'stroke-width="{fs / 12:.2f}"/>')
    for i, (fill, label) in enumerate(rows):
        y = ly + i * fs * 1.5
        out.append(f'<rect x="{lx:.1f}" y="{y:.1f}" width="{fs:.1f}" height="{fs:.1f}" fill="{fill}" stroke="#4a5563" '
                   f'stroke-width="{fs / 12:.2f}"/><text x="{lx + fs * 1.4:.1f}" y="{y + fs * 0.85:.1f}" '
                   f'fill="#1f2933">{escape(label)}</text>')
    out.append("</g></g>")
    return "".join(out)
