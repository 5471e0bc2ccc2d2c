"""The nearest food item of a kind to many points at once: items bucketed in a grid, searched ring by ring.

Compiled (:mod:`evosim.core.compiled`). The answer is a KD-tree's (scipy's cKDTree, k=1, p=2, eps=0):
the squared distance is ``dx * dx + dy * dy`` in that order, an item counts when it
is strictly nearer than the bound, the distance returned is its square root, and
of two items at the same distance the one seen first stays (exact ties, which
random places do not make). The grid has about ``ITEMS_PER_CELL`` items of all
kinds to a cell; a search looks at the point's own cell, then at rings of cells
around it, and stops once no item in the next ring can be nearer than the best so
far, or within the bound.
"""
from __future__ import annotations

import numpy as np

from evosim.core.compiled import compiled

ITEMS_PER_CELL = 4.0
MAX_SIDE = 512  # cells along a side at most
MARGIN = 1e-9  # of the arena's side: what a cell's edge may be off by in floating point, searched beyond
ROUNDING = 1e-12  # relative: more than a squared distance's rounding, so a bound keeps all it should


@compiled(inline=True)
def cell_of(x: float, scale: float, side: int) -> int:
    return min(max(int(x * scale), 0), side - 1)


@compiled
def cell(x: float, y: float, base: int, side: int, scale: float) -> int:
    """The cell of (x, y) in a kind's grid of ``side`` cells a side (``scale`` of them to a unit of length),
    its first cell ``base``."""
    return base + cell_of(y, scale, side) * side + cell_of(x, scale, side)


@compiled
def geometry(bounds):
    """Each kind's grid (its slots ``bounds[k]`` to ``bounds[k + 1]``): ``sides``, cells along a side (about
    ``ITEMS_PER_CELL`` of its slots to a cell), and ``base``, its first cell (one more entry: the cells of all)."""
    kinds = len(bounds) - 1
    sides, base = np.empty(kinds, np.int64), np.zeros(kinds + 1, np.int64)
    for k in range(kinds):
        sides[k] = min(max(round(np.sqrt((bounds[k + 1] - bounds[k]) / ITEMS_PER_CELL)), 1), MAX_SIDE)
        base[k + 1] = base[k] + sides[k] * sides[k]
    return sides, base


@compiled(inline=True)
def item_cell(pos, s, kind, sides, base, size):
    """The cell of the item in slot ``s``, in its kind's grid."""
    k = kind[s]
    return cell(pos[s, 0], pos[s, 1], base[k], sides[k], sides[k] / size)


@compiled
def locate(pos, kind, sides, base, size, cells):
    """Every slot's cell, into ``cells``."""
    for s in range(len(pos)):
        cells[s] = item_cell(pos, s, kind, sides, base, size)


@compiled
def bucket(pos, alive, active, kind, cells, n_cells):
    """The items of the active kinds, grouped by cell (``cells``: each slot's, of ``n_cells``): ``start`` (first
    item of each cell, then one past the last), and the items' slots and places in that order (by slot within a
    cell)."""
    start = np.zeros(n_cells + 1, np.int64)
    for s in range(len(alive)):
        if alive[s] and active[kind[s]]:
            start[cells[s] + 1] += 1
    for c in range(n_cells):
        start[c + 1] += start[c]
    free = start[:-1].copy()  # where the next item of each cell goes
    slots, xy = np.empty(start[-1], np.int64), np.empty((start[-1], 2))
    for s in range(len(alive)):
        if alive[s] and active[kind[s]]:
            c = cells[s]
            slots[free[c]], xy[free[c], 0], xy[free[c], 1] = s, pos[s, 0], pos[s, 1]
            free[c] += 1
    return start, slots, xy


@compiled(inline=True)
def within(radius: float) -> float:
    """A squared distance bound that keeps every item whose distance (the rounded square root) is at most
    ``radius``, and few beyond: its square, a little more for rounding."""
    return radius * radius * (1.0 + ROUNDING)


@compiled(inline=True)
def gap(x: float, lo: int, hi: int, side: int, width: float) -> float:
    """How far ``x`` is from the cells outside columns (or rows) lo..hi: inf where the grid ends."""
    g = np.inf
    if lo > 0:
        g = x - lo * width
    if hi < side - 1:
        g = min(g, (hi + 1) * width - x)
    return g


@compiled(inline=True)
def apart(x: float, i: int, width: float, margin: float) -> float:
    """A lower bound of how far ``x`` is from column (or row) ``i`` of cells."""
    return max(i * width - x, x - (i + 1) * width, margin) - margin


@compiled(inline=True)
def scan(x, y, first, last, slots, xy, best, found):
    """Items ``first`` to ``last`` (excluded) of the grid searched: the best squared distance and slot so far."""
    for n in range(first, last):
        ex = xy[n, 0] - x
        ey = xy[n, 1] - y
        d = ex * ex + ey * ey
        if d < best:
            best, found = d, slots[n]
    return best, found


@compiled(inline=True)
def nearest(x, y, k, grid, size, bound2):
    """The squared distance (inf: none) and the slot (-1) of kind ``k``'s nearest item to (x, y) strictly within
    ``bound2`` (a squared distance), in ``grid``: (sides, base) of :func:`geometry`, (start, slots, xy) of
    :func:`bucket`."""
    sides, base, start, slots, xy = grid
    side, first = sides[k], base[k]
    scale, width, margin = side / size, size / side, MARGIN * size
    cx, cy = cell_of(x, scale, side), cell_of(y, scale, side)
    c = first + cy * side + cx
    # an item counts when nearer than the best so far, the first one when nearer than the bound
    best, found = scan(x, y, start[c], start[c + 1], slots, xy, bound2, -1)
    for r in range(1, side):
        reach = min(gap(x, cx - r + 1, cx + r - 1, side, width), gap(y, cy - r + 1, cy + r - 1, side, width)) - margin
        if reach > 0 and reach * reach >= best:  # nothing outside rings 0..r-1 is nearer
            break
        right = min(cx + r, side - 1)
        for j in range(max(cy - r, 0), min(cy + r, side - 1) + 1):
            dy = apart(y, j, width, margin)
            if dy * dy >= best:
                continue
            edge = j == cy - r or j == cy + r  # of a ring's inner rows, only the two ends are in the ring
            i, step = (max(cx - r, 0), 1) if edge else (cx - r, 2 * r)
            while i <= right:
                dx = apart(x, i, width, margin)
                if i >= 0 and dx * dx + dy * dy < best:
                    c = first + j * side + i
                    best, found = scan(x, y, start[c], start[c + 1], slots, xy, best, found)
                i += step
    return (best, found) if found >= 0 else (np.inf, found)


@compiled
def fill(points, dist, slot, grid, size, bound2):
    """Every kind's nearest item to every point, into ``dist`` and ``slot`` (N, kinds)."""
    for p in range(len(points)):
        for k in range(dist.shape[1]):
            d, s = nearest(points[p, 0], points[p, 1], k, grid, size, bound2)
            dist[p, k], slot[p, k] = np.sqrt(d), s


class Nearest:
    """The items of an arena at one moment, bucketed once, searchable by kind for the nearest within a radius.

    ``grid`` and ``size`` are what the compiled searches take: :func:`nearest` for one point and kind.
    """

    def __init__(self, food):
        self.size = float(food.size)
        self.grid = (food.sides, food.base) + bucket(food.pos, food.alive, food.active, food.kind, food.cells,
                                                     food.base[-1])

    def table(self, points: np.ndarray, radius: float) -> tuple[np.ndarray, np.ndarray]:
        """(N, kinds) distance to the nearest item of each kind within ``radius`` (inf if none), and its slot (-1)."""
        dist, slot = np.empty((len(points), len(self.grid[0]))), np.empty((len(points), len(self.grid[0])), np.int64)
        fill(points, dist, slot, self.grid, self.size, radius * radius)
        return dist, slot
