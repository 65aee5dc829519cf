"""Build the statistics world map from Natural Earth (public domain).

Reads the TopoJSON of Natural Earth's admin-0 countries that the npm package
``world-atlas`` ships (ids are ISO 3166-1 numeric codes), projects it with the
Equal Earth projection, simplifies the shared borders once (so neighbours keep
meeting), and writes two files:

- ``world-map.svg``, the outlines: one ``<path id="FR">`` per country, which the
  statistics page draws with ``<use href="…world-map.svg#FR">``. It is a static
  file the browser caches (hashed name), not HTML sent with every page.
- ``world-map.json``, what the server needs: per country its ISO 3166-1 alpha-2
  code, a centroid for the route arcs, ``small`` for a country that also gets a
  dot, ``outline: false`` for one too small to have an outline at all.

Run by hand when the geometry should change, never at run time::

    npm pack world-atlas@2.0.2 && tar xzf world-atlas-2.0.2.tgz
    python tools/build_world_map.py package/countries-50m.json \
        static/vendor/natural-earth/world-map.json

Antarctica is left out (no customs seizure happens there, and it would take a
quarter of the map's height).
"""

import argparse
import itertools
import json
import math
import sys
from pathlib import Path

from django_countries.data import ALT_CODES

WIDTH = 1000  # the SVG viewBox width; the height follows from the projection
TOLERANCE = 0.35  # Douglas-Peucker tolerance, in viewBox units
SMALL = 4.0  # a country whose outline fits in a square this wide also gets a dot
LEFT_OUT = {"AQ"}

# Equal Earth (Šavrič, Patterson & Jenny, 2018).
A1, A2, A3, A4 = 1.340264, -0.081106, 0.000893, 0.003796
M = math.sqrt(3) / 2


def equal_earth(longitude: float, latitude: float) -> tuple[float, float]:
    lam, phi = math.radians(longitude), math.radians(latitude)
    theta = math.asin(M * math.sin(phi))
    t2 = theta * theta
    t6 = t2 * t2 * t2
    x = lam * math.cos(theta) / (M * (A1 + 3 * A2 * t2 + t6 * (7 * A3 + 9 * A4 * t2)))
    y = theta * (A1 + A2 * t2 + t6 * (A3 + A4 * t2))
    return x, -y  # SVG's y axis points down


def decode_arcs(topology: dict) -> list[list[tuple[float, float]]]:
    """The arcs in longitude/latitude (TopoJSON stores quantised deltas)."""
    (sx, sy), (tx, ty) = topology["transform"]["scale"], topology["transform"]["translate"]
    arcs = []
    for arc in topology["arcs"]:
        x = y = 0
        points = []
        for dx, dy in arc:
            x, y = x + dx, y + dy
            points.append((x * sx + tx, y * sy + ty))
        arcs.append(points)
    return arcs


def simplify(points: list, tolerance: float) -> list:
    """Douglas-Peucker, iterative; the two ends always stay."""
    if len(points) < 3:
        return points
    keep = [False] * len(points)
    keep[0] = keep[-1] = True
    stack = [(0, len(points) - 1)]
    while stack:
        first, last = stack.pop()
        (x1, y1), (x2, y2) = points[first], points[last]
        dx, dy = x2 - x1, y2 - y1
        length = math.hypot(dx, dy)
        worst, index = -1.0, None
        for i in range(first + 1, last):
            px, py = points[i]
            if length:
                distance = abs(dy * px - dx * py + x2 * y1 - y2 * x1) / length
            else:
                distance = math.hypot(px - x1, py - y1)
            if distance > worst:
                worst, index = distance, i
        if index is not None and worst > tolerance:
            keep[index] = True
            stack += [(first, index), (index, last)]
    return [point for point, kept in zip(points, keep, strict=True) if kept]


def ring_points(ring: list[int], arcs: list) -> list:
    points: list = []
    for index in ring:
        arc = arcs[index] if index >= 0 else arcs[~index][::-1]
        points.extend(arc if not points else arc[1:])
    return points


def split_at_antimeridian(points: list) -> list[list]:
    """A ring that crosses 180° jumps from one edge of the map to the other:
    cut it there into pieces that each stay on one side."""
    pieces = [[points[0]]]
    for previous, point in itertools.pairwise(points):
        if abs(point[0] - previous[0]) > WIDTH / 2:
            pieces.append([])
        pieces[-1].append(point)
    if len(pieces) > 1:
        pieces[0] = pieces.pop() + pieces[0]  # the ring's end continues its start
    return pieces


def signed_area(points: list) -> float:
    return (
        sum(
            x1 * y2 - x2 * y1
            for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True)
        )
        / 2
    )


def centroid(points: list) -> tuple[float, float]:
    area = signed_area(points)
    if abs(area) < 1e-9:
        xs, ys = zip(*points, strict=True)
        return sum(xs) / len(xs), sum(ys) / len(ys)
    cx = cy = 0.0
    for (x1, y1), (x2, y2) in zip(points, points[1:] + points[:1], strict=True):
        cross = x1 * y2 - x2 * y1
        cx, cy = cx + (x1 + x2) * cross, cy + (y1 + y2) * cross
    return cx / (6 * area), cy / (6 * area)


def path_string(rings: list) -> str:
    """Relative SVG path commands with one decimal: the shortest plain text."""
    parts = []
    for ring in rings:
        rounded = [(round(x * 10), round(y * 10)) for x, y in ring]
        previous = None
        commands = []
        for x, y in rounded:
            if previous is None:
                commands.append(f"M{x / 10:g} {y / 10:g}")
            elif (x, y) != previous:
                dx, dy = (x - previous[0]) / 10, (y - previous[1]) / 10
                commands.append(f"l{dx:g} {dy:g}" if len(commands) == 1 else f" {dx:g} {dy:g}")
            previous = (x, y)
        if len(commands) > 2:
            parts.append("".join(commands) + "z")
    return "".join(parts).replace(" -", "-")


def build(topology: dict) -> dict:
    numeric_to_alpha2 = {numeric: alpha2 for alpha2, (_, numeric) in ALT_CODES.items()}
    geometries = topology["objects"]["countries"]["geometries"]
    codes = [numeric_to_alpha2.get(int(g["id"])) if g.get("id") else None for g in geometries]

    projected = [[equal_earth(*point) for point in arc] for arc in decode_arcs(topology)]
    used_arcs = {
        index if index >= 0 else ~index
        for geometry, code in zip(geometries, codes, strict=True)
        if code and code not in LEFT_OUT
        for polygon in _polygons(geometry)
        for ring in polygon
        for index in ring
    }
    xs = [x for i in used_arcs for x, _ in projected[i]]
    ys = [y for i in used_arcs for _, y in projected[i]]
    scale = WIDTH / (max(xs) - min(xs))
    left, top = min(xs), min(ys)
    height = round((max(ys) - top) * scale, 1)
    arcs = [
        [((x - left) * scale, (y - top) * scale) for x, y in arc] if i in used_arcs else []
        for i, arc in enumerate(projected)
    ]
    simple = [simplify(arc, TOLERANCE) for arc in arcs]

    shapes: dict[str, dict] = {}
    for geometry, code in zip(geometries, codes, strict=True):
        if not code or code in LEFT_OUT:
            continue
        shape = shapes.setdefault(code, {"rings": [], "full": []})
        for polygon in _polygons(geometry):
            shape["full"].extend(split_at_antimeridian(ring_points(polygon[0], arcs)))
            for ring in polygon:
                for points in split_at_antimeridian(ring_points(ring, simple)):
                    if len(points) > 3 and abs(signed_area(points)) > 0.05:
                        shape["rings"].append(points)

    countries = []
    for code in sorted(shapes):
        shape = shapes[code]
        largest = max(shape["full"], key=lambda ring: abs(signed_area(ring)))
        x, y = centroid(largest)
        every = [point for ring in shape["full"] for point in ring]
        width = max(p[0] for p in every) - min(p[0] for p in every)
        tall = max(p[1] for p in every) - min(p[1] for p in every)
        entry = {"code": code, "d": path_string(shape["rings"]), "c": [round(x, 1), round(y, 1)]}
        if max(width, tall) < SMALL or not entry["d"]:
            entry["small"] = True
        countries.append(entry)
    return {
        "source": "Natural Earth 1:50m admin-0 countries via world-atlas 2.0.2 (public domain)",
        "projection": "Equal Earth",
        "width": WIDTH,
        "height": height,
        "countries": countries,
    }


def _polygons(geometry: dict) -> list:
    if geometry["type"] == "Polygon":
        return [geometry["arcs"]]
    if geometry["type"] == "MultiPolygon":
        return geometry["arcs"]
    return []


def write(world: dict, output: Path) -> Path:
    """The built map as ``output`` (the JSON, without the paths) and the SVG of
    the outlines beside it; returns the SVG's path."""
    outlines = output.with_suffix(".svg")
    paths = "".join(
        f'<path id="{country["code"]}" d="{country["d"]}"/>\n'
        for country in world["countries"]
        if country["d"]
    )
    outlines.write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" '
        f'viewBox="0 0 {world["width"]:g} {world["height"]:g}">\n'
        f"<!-- {world['source']}; {world['projection']} projection. -->\n"
        f"{paths}</svg>\n"
    )
    countries = []
    for country in world["countries"]:
        entry = {key: value for key, value in country.items() if key != "d"}
        if not country["d"]:
            entry["outline"] = False
        countries.append(entry)
    output.write_text(json.dumps({**world, "countries": countries}, separators=(",", ":")) + "\n")
    return outlines


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("topojson", type=Path, help="world-atlas countries-50m.json")
    parser.add_argument("output", type=Path, help="the JSON to write (the SVG goes beside it)")
    arguments = parser.parse_args(argv)
    world = build(json.loads(arguments.topojson.read_text()))
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    outlines = write(world, arguments.output)
    sizes = f"{arguments.output.stat().st_size} + {outlines.stat().st_size} bytes"
    sys.stdout.write(f"{len(world['countries'])} countries, {sizes}\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
