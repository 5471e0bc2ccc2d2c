"""How every figure looks: a Figure made without pyplot, seaborn's style and palette, PNGs by Agg.

Figures never touch pyplot, so nothing here changes the caller's backend.
"""
from __future__ import annotations

from pathlib import Path

import seaborn as sns
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from evosim.core.outcome_names import OUTCOMES

STYLE = "whitegrid"
PALETTE = "colorblind"
OUTCOME_COLORS = dict(zip(OUTCOMES, ("#029e73", "#de8f05", "#56b4e9", "#949494")))
EPISODES_LABEL = "training episodes"


def colors(labels: list[str]) -> dict[str, tuple]:
    """One palette colour per label, in order."""
    return dict(zip(labels, sns.color_palette(PALETTE, max(len(labels), 1))))


def figure(width: float, height: float) -> Figure:
    """An empty figure in inches, laid out so that titles and a figure legend fit."""
    return Figure(figsize=(width, height), layout="constrained", dpi=110)


def subplots(width: float, height: float, nrows: int, ncols: int, **kw):
    """A figure and its axes (flattened) in the house style."""
    with sns.axes_style(STYLE):
        fig = figure(width, height)
        return fig, fig.subplots(nrows, ncols, squeeze=False, **kw).ravel()


def line_handles(palette: dict[str, tuple], **kw) -> list[Line2D]:
    """Legend entries for lines of the given colours."""
    return [Line2D([], [], color=c, label=name, **kw) for name, c in palette.items()]


def save(fig: Figure, out: Path, name: str) -> Path:
    """Write ``out/name.png`` (creating ``out``); its path."""
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"{name}.png"
    fig.savefig(path)
    return path
