"""Labels that collide, as matplotlib's renderer lays them out: pairs of texts whose boxes
overlap and texts the figure's edge cuts off. Every figure job checks its figure with it.

A rotated text's box is its own rotated rectangle, not the upright box around it, so
neighbouring slanted tick labels collide only where their letters' boxes do.
"""

import math
from itertools import combinations

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.text import Text

# Share of the smaller box two texts may have in common before they collide (the corners of
# letter boxes, which hold no ink, may touch).
TOLERATED_SHARE = 0.05
EDGE_PIXELS = 1.0


def _undrawn_tick_labels(figure: Figure) -> set[int]:
    """Ids of tick labels matplotlib keeps but does not draw: an axis switched off, or ticks
    outside an axis's limits."""
    undrawn = set()
    for ax in figure.axes:
        for axis in (ax.xaxis, ax.yaxis):
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not ax.axison or not low - 1e-9 <= tick.get_loc() <= high + 1e-9:
                    undrawn.update({id(tick.label1), id(tick.label2)})
    return undrawn


def _outline(text: Text, renderer) -> np.ndarray:
    """The four corners (display pixels) of the box a text draws: its bbox patch if boxed,
    else its rotated rectangle (centred where its upright bounding box is)."""
    patch = text.get_bbox_patch()
    if patch is not None:
        box = patch.get_window_extent(renderer)
        return np.array([[box.x0, box.y0], [box.x1, box.y0], [box.x1, box.y1], [box.x0, box.y1]])
    upright = text.get_window_extent(renderer)
    angle = text.get_rotation()
    text.set_rotation(0)
    flat = text.get_window_extent(renderer)
    text.set_rotation(angle)
    half = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * [flat.width / 2, flat.height / 2]
    theta = math.radians(angle)
    turn = np.array([[math.cos(theta), -math.sin(theta)], [math.sin(theta), math.cos(theta)]])
    return np.array([(upright.x0 + upright.x1) / 2, (upright.y0 + upright.y1) / 2]) + half @ turn.T


def _area(polygon: np.ndarray) -> float:
    x, y = polygon[:, 0], polygon[:, 1]
    return abs(float(np.dot(x, np.roll(y, 1)) - np.dot(y, np.roll(x, 1)))) / 2 if len(polygon) > 2 else 0.0


def _cross(u: np.ndarray, v: np.ndarray) -> float:
    return float(u[0] * v[1] - u[1] * v[0])


def _common_area(first: np.ndarray, second: np.ndarray) -> float:
    """Area two convex polygons (counter-clockwise corners) have in common (Sutherland-Hodgman)."""
    kept = list(first)
    for a, b in zip(second, np.roll(second, -1, axis=0), strict=True):
        edge = b - a
        inside = [_cross(edge, point - a) >= 0 for point in kept]
        clipped = []
        for i, point in enumerate(kept):
            previous = kept[i - 1]
            if inside[i] != inside[i - 1]:
                d1, d2 = _cross(edge, previous - a), _cross(edge, point - a)
                clipped.append(previous + (point - previous) * (d1 / (d1 - d2)))
            if inside[i]:
                clipped.append(point)
        kept = clipped
        if not kept:
            return 0.0
    return _area(np.array(kept))


def drawn_texts(figure: Figure) -> list[tuple[str, np.ndarray]]:
    """(text, its four corners on the canvas) of every non-empty text the renderer draws."""
    renderer = FigureCanvasAgg(figure).get_renderer()
    figure.draw(renderer)
    undrawn = _undrawn_tick_labels(figure)
    found = []
    for text in figure.findobj(Text):
        shown = text.get_visible() and text.get_text().strip() and (text.axes is None or text.axes.get_visible())
        if shown and id(text) not in undrawn:
            outline = _outline(text, renderer)
            if _area(outline) > 0:
                found.append((text.get_text(), outline))
    return found


def text_collisions(figure: Figure) -> list[str]:
    """What collides in ``figure``: one line per pair of overlapping texts or text cut off."""
    texts = drawn_texts(figure)
    edge = figure.bbox.padded(EDGE_PIXELS)
    problems = [
        f"{label!r} is cut off by the figure's edge"
        for label, corners in texts
        if not all(edge.contains(x, y) for x, y in corners)
    ]
    for (first, a), (second, b) in combinations(texts, 2):
        apart = (a.max(axis=0) <= b.min(axis=0)).any() or (b.max(axis=0) <= a.min(axis=0)).any()
        if not apart and _common_area(a, b) > TOLERATED_SHARE * min(_area(a), _area(b)):
            problems.append(f"{first!r} overlaps {second!r}")
    return problems
