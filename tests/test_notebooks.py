"""The tutorial notebooks (notebooks/): each one runs top to bottom in a real kernel of this
environment, and its cells tagged ``test`` (assertions that the facts the text states are the facts
arrayprof reported) pass.  The committed files carry no outputs and match their sources."""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import time
from pathlib import Path
from types import ModuleType

import nbformat
import pytest
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

import arrayprof

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
CELL_TIMEOUT_S = 120
NOTEBOOK_BUDGET_S = 60  # the bound for one notebook on a 2-core machine, kernel start included

KERNEL_PROBE = """\
import json, sys
import arrayprof
print(json.dumps({"prefix": sys.prefix, "executable": sys.executable,
                  "arrayprof": arrayprof.__file__}))"""


def load_builder() -> ModuleType:
    spec = importlib.util.spec_from_file_location("tutorial_notebooks_build",
                                                  NOTEBOOK_DIR / "build.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


BUILDER = load_builder()
STEMS = list(BUILDER.NOTEBOOKS)


def read(stem: str) -> nbformat.NotebookNode:
    return nbformat.read(NOTEBOOK_DIR / f"{stem}.ipynb", as_version=4)


def tags(cell: nbformat.NotebookNode) -> list[str]:
    return list(cell.get("metadata", {}).get("tags", []))


# notebooks that need an optional extra (arrayprof[dask]): skipped where it is not installed
NEEDS = {"07_when_arrays_outgrow_one_machine": ("dask.array", "distributed")}


@pytest.mark.parametrize("stem", STEMS)
def test_notebook_runs_and_states_what_arrayprof_reports(stem: str) -> None:
    for module in NEEDS.get(stem, ()):
        pytest.importorskip(module)
    nb = read(stem)
    probe = nbformat.v4.new_code_cell(KERNEL_PROBE)
    probe.id = "kernel-probe"
    nb.cells.insert(0, probe)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT_S, kernel_name="python3",
                            resources={"metadata": {"path": str(NOTEBOOK_DIR)}})
    start = time.perf_counter()
    try:
        client.execute()
    except CellExecutionError as exc:
        # the message holds the failing cell's source: for a `test` cell, the fact that is wrong
        pytest.fail(f"{stem}.ipynb failed:\n{exc}", pytrace=False)
    elapsed = time.perf_counter() - start

    kernel = json.loads("".join(o["text"] for o in nb.cells[0].outputs if o["output_type"] == "stream"))
    assert Path(kernel["prefix"]).resolve() == Path(sys.prefix).resolve(), kernel
    assert Path(kernel["arrayprof"]).resolve() == Path(arrayprof.__file__).resolve(), kernel

    test_cells = [c for c in nb.cells if "test" in tags(c)]
    assert len(test_cells) >= 5
    for cell in nb.cells[1:]:
        if cell.cell_type != "code":
            continue
        assert cell.execution_count is not None, cell.source
        assert not [o for o in cell.outputs if o["output_type"] == "error"], cell.source
        if cell.source.startswith("%%arrayprof") and "--quiet" not in cell.source.splitlines()[0]:
            shown = [o for o in cell.outputs if o["output_type"] == "display_data"
                     and o.get("metadata", {}).get("arrayprof", {}).get("kind") == "report"]
            assert len(shown) == 1, f"no arrayprof report shown for:\n{cell.source}"
            assert "application/vnd.jupyter.widget-view+json" in shown[0]["data"], cell.source
    assert elapsed < NOTEBOOK_BUDGET_S, f"{stem} took {elapsed:.1f} s"


@pytest.mark.parametrize("stem", STEMS)
def test_committed_notebook_has_no_outputs_and_matches_its_source(stem: str) -> None:
    path = NOTEBOOK_DIR / f"{stem}.ipynb"
    nb = read(stem)
    for cell in nb.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, cell.source
    assert path.read_text() == BUILDER.notebook_text(stem), (
        f"{path.name} differs from notebooks/source: run python notebooks/build.py")


@pytest.mark.parametrize("stem", STEMS)
def test_notebook_follows_the_tutorial_shape(stem: str) -> None:
    """Opens with a prediction, uses the magics and explain, ends with two exercises whose
    solutions are hidden and checked, and the index links it."""
    nb = read(stem)
    markdown = [c.source for c in nb.cells if c.cell_type == "markdown"]
    code = [c.source for c in nb.cells if c.cell_type == "code"]
    assert "## Predict the output" in markdown[0]
    assert any(s.startswith("%%arrayprof") for s in code)
    assert any(s.startswith("%arrayprof explain") for s in code)
    assert sum("Exercise" in s for s in markdown) >= 2
    solutions = [s for s in markdown if s.startswith("<details>\n<summary>Solution</summary>")]
    assert len(solutions) == 2
    hidden_checks = [c for c in nb.cells if "solution-check" in tags(c)]
    assert len(hidden_checks) == 2
    assert all(c.metadata["jupyter"]["source_hidden"] for c in hidden_checks)
    index = (NOTEBOOK_DIR / "README.md").read_text()
    assert re.search(rf"\]\({re.escape(stem)}\.ipynb\)", index), f"README does not link {stem}"
