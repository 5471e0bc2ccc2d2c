"""Which runs a maze-training report pools into one line, and what it calls each line.

Runs of one optimizer / mind are pooled, as seeds of one arm, only when nothing but
their seeds tells them apart: the same training world (run.json), mind options
(agents.json), budget per seed (each seed's last ``episodes`` in generations.csv)
and deployment episodes (the same mazes: deploy.csv's :data:`MAZES` columns).
Otherwise each is its own line, named by its folder, so a report never averages
runs made differently without saying so.
``--label`` names every run's line instead (runs given one label are pooled).
"""
from __future__ import annotations

import json
from collections import Counter
from dataclasses import replace

from evosim.analysis.tables import Run, check_columns, load_runs, table
from evosim.core.errors import UserError
from evosim.runs import rundir

#: What runs must share to be pooled.
BASIS = ("training world", "mind options", "budget per seed", "deployment episodes")
#: The columns of deploy.csv that say which mazes a deployment met.
MAZES = ("world", "episode", "decisive", "size", "exit_distance", "proxy_distance")


def agents_json(run: Run) -> dict:
    """The run's agents.json: who made its agents (optimizer, mind, mind_options)."""
    path = run.path / rundir.AGENTS_JSON
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
        return {"optimizer": rundir.optimizer_name(str(doc["optimizer"])), "mind": str(doc["mind"]),
                "mind_options": dict(doc.get("mind_options", {}))}
    except FileNotFoundError:
        raise UserError(f"{run.path}: no {rundir.AGENTS_JSON}; not a finished training run") from None
    except (ValueError, KeyError, TypeError, OSError) as e:
        raise UserError(f"{path}: not evosim's {rundir.AGENTS_JSON}: {e}") from None


def arm(run: Run) -> str:
    """The run's optimizer / mind."""
    doc = agents_json(run)
    return f"{doc['optimizer']} / {doc['mind']}"


def basis(run: Run) -> tuple:
    """What makes the run, its seeds aside, in the order of :data:`BASIS`."""
    gens = table([run], "generations")
    budget = () if gens is None else tuple(sorted(set(check_columns(gens, [run], "generations", ("seed", "episodes"))
                                                      .groupby("seed")["episodes"].max())))
    deploy = table([run], "deploy")
    mazes = () if deploy is None else tuple(sorted(
        check_columns(deploy, [run], "deploy", MAZES)[list(MAZES)].drop_duplicates().itertuples(index=False)))
    return ((run.doc["world_name"], run.doc["world_toml"]),
            json.dumps(agents_json(run)["mind_options"], sort_keys=True), budget, mazes)


def unpooled(runs: list[Run]) -> dict[str, list[str]]:
    """The arms whose runs cannot be pooled, each with what its runs differ in (names of :data:`BASIS`)."""
    groups: dict[str, list[tuple]] = {}
    for run in runs:
        groups.setdefault(arm(run), []).append(basis(run))
    return {name: [what for what, values in zip(BASIS, zip(*bases)) if len(set(values)) > 1]
            for name, bases in groups.items() if len(set(bases)) > 1}


def check_labels(labels: list[str], runs: int) -> None:
    """Refuse ``--label`` names that are not one non-empty name per run."""
    if len(labels) != runs:
        raise UserError(f"--label: {len(labels)} label(s) for {runs} run(s); give one per run, in order")
    if not all(name.strip() for name in labels):
        raise UserError("--label: a label is empty; give every run's line a name")


def labelled(runs: list[Run], labels: list[str] | None = None) -> list[Run]:
    """The runs, each with its line: ``labels`` (one per run, in order), or its optimizer / mind when its arm's
    runs can be pooled, else its folder's name (parent/name where two names are the same)."""
    if labels is not None:
        check_labels(labels, len(runs))
        return [replace(run, label=name) for run, name in zip(runs, labels)]
    split = unpooled(runs)
    alone = [run for run in runs if arm(run) in split]
    names = Counter(run.path.name for run in alone)
    own = {run.path: run.path.name if names[run.path.name] == 1 else "/".join(run.path.resolve().parts[-2:])
           for run in alone}
    same = [name for name, n in Counter(own.values()).items() if n > 1]
    if same:
        raise UserError(f"{', '.join(str(r.path) for r in alone if own[r.path] == same[0])}: runs that cannot be "
                        f"pooled share the name {same[0]}; name every run's line with --label NAME (one per run, "
                        "in order)")
    return [replace(run, label=own.get(run.path, arm(run))) for run in runs]


def labelled_runs(run_dirs, labels: list[str] | None = None) -> list[Run]:
    """The complete runs in ``run_dirs``, each with its line (:func:`labelled`)."""
    return labelled(load_runs(run_dirs), labels)
