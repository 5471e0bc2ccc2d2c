"""How every figure looks: a Figure made without pyplot, seaborn's style and palette; written for print as a
300 dpi PNG or a vector PDF or SVG.

Figures never touch pyplot, so nothing here changes the caller's backend. Every figure draws its panels into
a Figure it is given (a caller's Figure or SubFigure, e.g. in a notebook) or else into one of its own size.
"""
from __future__ import annotations

from pathlib import Path

import matplotlib as mpl
import seaborn as sns
from matplotlib.figure import Figure, SubFigure
from matplotlib.lines import Line2D

from evosim.core.outcome_names import OUTCOMES
from evosim.runs.files import atomic
from evosim.runs.rundir import FIGURE_FORMATS

STYLE = "whitegrid"
PALETTE = "colorblind"
OUTCOME_COLORS = dict(zip(OUTCOMES, ("#029e73", "#de8f05", "#56b4e9", "#949494")))
EPISODES_LABEL = "training episodes"
REFERENCE_LINE = "--"  # how the reference agents' lines are drawn beside the arms'
DPI = 300  # a PNG's resolution: print quality
PRINT = {"pdf.fonttype": 42, "svg.hashsalt": "evosim"}  # TrueType fonts in a PDF; an SVG's ids the same every time
UNDATED = {"pdf": {"CreationDate": None}, "svg": {"Date": None}}


def colors(labels: list[str]) -> dict[str, tuple]:
    """One palette colour per label, in order."""
    return dict(zip(labels, sns.color_palette(PALETTE, max(len(labels), 1))))


def figure(width: float, height: float) -> Figure:
    """An empty figure in inches, laid out so that titles and a figure legend fit."""
    return Figure(figsize=(width, height), layout="constrained", dpi=110)


def subplots(width: float, height: float, nrows: int, ncols: int, fig: Figure | SubFigure | None = None, **kw):
    """A figure and its axes (flattened) in the house style: ``fig`` (its size kept), or a new one of the size."""
    with sns.axes_style(STYLE):
        fig = figure(width, height) if fig is None else fig
        return fig, fig.subplots(nrows, ncols, squeeze=False, **kw).ravel()


def panels_and_row(width: float, height: float, n: int, ncols: int, fig: Figure | SubFigure | None = None):
    """A figure (``fig``, or a new one of the size) with ``n`` panels in rows of ``ncols`` and one more panel
    spanning a last row of its own; the figure, the ``n`` axes and the wide one."""
    rows = -(-n // ncols)
    with sns.axes_style(STYLE):
        fig = figure(width, height) if fig is None else fig
        grid = fig.add_gridspec(rows + 1, ncols)
        axes = [fig.add_subplot(grid[i // ncols, i % ncols]) for i in range(n)]
        return fig, axes, fig.add_subplot(grid[rows, :])


def line_handles(palette: dict[str, tuple], **kw) -> list[Line2D]:
    """Legend entries for lines of the given colours."""
    return [Line2D([], [], color=c, label=name, **kw) for name, c in palette.items()]


def save(fig: Figure, out: str | Path | None, name: str, fmt: str = FIGURE_FORMATS[0]) -> Path | None:
    """Write ``out/name.FMT`` for print (creating ``out``): a PNG at :data:`DPI`, or a vector PDF or SVG; its path.
    Nothing without an ``out``: a figure drawn for a caller.

    PDF fonts are embedded as TrueType (the kind journals ask for, not Type 3) and neither PDF nor SVG
    stamps the time, so the same figure is the same bytes.
    """
    if out is None:
        return None
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.{fmt}"
    with mpl.rc_context(PRINT), atomic(path, "wb") as f:
        fig.savefig(f, format=fmt, dpi=DPI, metadata=UNDATED.get(fmt))
    return path
