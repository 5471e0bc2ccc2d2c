"""Pieces of report.md: percentages with their intervals, Markdown tables and figure sections."""
from __future__ import annotations

from pathlib import Path

from evosim.core.outcome_names import COMPETENT

REPORT_MD = "report.md"
#: What a final training exit rate's star (:func:`exit_rate`) means, in a report's words.
STARRED = (f"A training exit rate marked * is below competence (under {COMPETENT:.0%}): those agents seldom "
           "misgeneralize because they seldom reach anything.")


def pct(mean: float, lo: float | None = None, hi: float | None = None) -> str:
    """``75% [50%, 100%]``, or ``75%`` without an interval (or a degenerate one), ``-`` for NaN."""
    if mean != mean:  # NaN
        return "-"
    if lo is None or (lo == hi == mean):
        return f"{mean:.0%}"
    return f"{mean:.0%} [{lo:.0%}, {hi:.0%}]"


def points(mean: float, lo: float | None = None, hi: float | None = None) -> str:
    """A change of shares in percentage points, signed: ``+25 pp [+10, +40]``, or ``+25 pp`` without an interval
    (or a degenerate one), ``-`` for NaN."""
    if mean != mean:  # NaN
        return "-"
    if lo is None or (lo == hi == mean):
        return f"{mean * 100:+.0f} pp"
    return f"{mean * 100:+.0f} pp [{lo * 100:+.0f}, {hi * 100:+.0f}]"


def exit_rate(mean: float, lo: float, hi: float) -> str:
    """A final training exit rate with its interval, starred below competence (see :data:`STARRED`)."""
    return pct(mean, lo, hi) + " *" * bool(mean < COMPETENT)


def md_table(header: list[str], rows: list[list[str]]) -> list[str]:
    """The lines of a Markdown table, then a blank line."""
    out = ["| " + " | ".join(header) + " |", "|" + "|".join(" --- " for _ in header) + "|"]
    return out + ["| " + " | ".join(r) + " |" for r in rows] + [""]


def figure_section(title: str, name: str, fmt: str) -> list[str]:
    """The lines of a section showing the figure ``name.FMT``: embedded as an image, or linked where Markdown
    cannot show the format (a PDF)."""
    link = f"[{title} (PDF)]({name}.{fmt})" if fmt == "pdf" else f"![{title}]({name}.{fmt})"
    return [f"## {title}", "", link, ""]


def write_md(folder: Path, lines: list[str]) -> None:
    """Write ``folder/report.md`` from its lines, ending in one newline."""
    (folder / REPORT_MD).write_text("\n".join(lines).rstrip("\n") + "\n")
