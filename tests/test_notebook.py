"""examples/quickstart.ipynb runs top to bottom in a real Jupyter kernel (nbclient), on a small budget, writing only
into the folder it is given, and leaves a run with deployment rows and the outcome figure drawn."""
import nbformat
import pandas as pd
import pytest
from nbclient import NotebookClient

from helpers import ROOT

NOTEBOOK = ROOT / "examples" / "quickstart.ipynb"


def test_the_committed_notebook_has_no_outputs():
    cells = [c for c in nbformat.read(NOTEBOOK, as_version=4).cells if c.cell_type == "code"]
    assert cells and not any(c.outputs or c.execution_count for c in cells)


@pytest.mark.slow
def test_the_quickstart_notebook_trains_deploys_and_plots(tmp_path, monkeypatch):
    out = tmp_path / "runs"
    monkeypatch.setenv("EVOSIM_QUICKSTART_OUT", str(out))
    monkeypatch.setenv("EVOSIM_QUICKSTART_BUDGET", "320")
    monkeypatch.setenv("TQDM_DISABLE", "1")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(nb, timeout=120, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}).execute()

    deploy = pd.read_csv(out / "planner" / "deploy.csv")
    assert len(deploy) == 4 * 32 * 2 and set(deploy["world"]) == {"maze-train", "maze-deploy"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["runs"]  # nothing written beside its output folder
    plots = [c for c in nb.cells if c.cell_type == "code" and "evosim.plot(" in c.source]
    assert len(plots) == 2
    for cell in plots:
        images = [o for o in cell.outputs if "image/png" in o.get("data", {})]
        assert len(images) == 1 and not [o for o in cell.outputs if o.output_type == "error"]
