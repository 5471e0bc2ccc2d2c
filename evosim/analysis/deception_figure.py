"""The figure of deception-game evolution: how often genomes choose A in training and in deployment."""
from __future__ import annotations

import pandas as pd
import seaborn as sns
from matplotlib.figure import Figure, SubFigure

from evosim.analysis.style import colors, subplots


def deception_evolution_figure(rows: list[dict], game, fig: Figure | SubFigure | None = None) -> Figure:
    """Chance of choosing A in training and in deployment over generations, a line per seed, drawn into ``fig``
    (or a figure of its own).

    ``rows`` are deception_evolution.csv's; ``game`` gives the title its training and
    deployment lengths and modification chance.
    """
    df = pd.DataFrame(rows).assign(seed=lambda d: "seed " + d["seed"].astype(str))
    palette = colors(list(dict.fromkeys(df["seed"])))
    fig, axes = subplots(10.0, 4.0, 1, 2, fig, sharey=True)
    for ax, column, title in zip(axes, ("p_a_training", "p_a_deployment"),
                                 ("in training (selected)", "in deployment (never selected)")):
        sns.lineplot(df, x="generation", y=column, hue="seed", palette=palette, errorbar=None,
                     legend=ax is axes[1], ax=ax)
        ax.set_ylim(-0.03, 1.03)
        ax.set_title(f"P(choose A) {title}", fontsize=10)
        ax.set_xlabel("generation")
    axes[0].set_ylabel("population mean")
    axes[1].legend(fontsize=8)
    fig.suptitle(f"Selection sees only training: T={game.training}, D={game.deployment}, "
                 f"p={game.modification:g}", fontsize=11)
    return fig
