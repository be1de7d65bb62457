"""Automatic mode never changes a real notebook's outputs.

Every notebook under ``tests/notebooks_real/`` (written in the styles found in the wild: NumPy
tutorials, ML from scratch, data cleaning, magics, errors and warnings, async and threads, rich
display and output history) runs twice in fresh kernels: plainly, and with ``%load_ext arrayprof``
plus ``%arrayprof on`` run first.  Every cell's outputs must then be identical once arrayprof's own
outputs (tagged ``{"arrayprof": ...}`` in their metadata) are dropped and the few things that
differ between any two runs are normalised (timings of ``%timeit``/``%%time``, memory addresses,
the kernel's process id in cell file names, the working directory, widget model ids).

The setup runs with ``store_history=False``, so it takes no execution count: ``In``, ``Out``,
``_3`` and tracebacks' ``Cell In[n]`` line up with the plain run exactly.  One notebook also runs
with a real first cell, as a user would type it, and is compared with its counts shifted by one.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

NOTEBOOKS = Path(__file__).parent / "notebooks_real"
AUTO_ON = "%load_ext arrayprof\n%arrayprof on"
CELL_TIMEOUT = 120

ANSI = re.compile(r"\x1b\[[0-9;]*[A-Za-z]")
ADDRESS = re.compile(r"0x[0-9a-fA-F]{6,}")
KERNEL_PID = re.compile(r"ipykernel_\d+")
TIMEIT = re.compile(r"[\d.]+ (?:ns|[µμu]s|ms|s) ± [\d.]+ (?:ns|[µμu]s|ms|s) per loop "
                    r"\(mean ± std\. dev\. of \d+ runs?, [\d,]+ loops? each\)")
TIMES = re.compile(r"^(?:CPU times|Wall time|Compiler|Parser) *: .*$\n?", re.MULTILINE)
SLOWEST = re.compile(r"The slowest run took [\d.]+ times longer than the fastest\. This could "
                     r"mean that an intermediate result is being cached\.\n")
MODEL_ID = re.compile(r"[0-9a-f]{32}")


@dataclass
class Run:
    """One execution of a notebook: the executed notebook and its wall time (cells only)."""

    nb: Any
    seconds: float
    setup_outputs: list[dict[str, Any]]


def kernel_env() -> dict[str, str]:
    """The same environment for every kernel; a fixed hash seed so that sets of strings print in
    the same order in both runs (that is not something arrayprof could change)."""
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = "0"
    env.pop("MPLBACKEND", None)
    return env


def run_notebook(path: Path, workdir: Path, *, setup: str | None = None,
                 first_cell: str | None = None) -> Run:
    """Execute `path` in a fresh kernel whose working directory is `workdir` (emptied first).

    `setup` runs before the notebook without taking an execution count; `first_cell` is inserted
    as the notebook's first code cell instead (as a user would)."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    nb = nbformat.read(path, as_version=4)
    if first_cell is not None:
        nb.cells.insert(0, nbformat.v4.new_code_cell(first_cell))
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                     allow_errors=True, coalesce_streams=True,
                                     resources={"metadata": {"path": str(workdir)}})
    setup_outputs: list[dict[str, Any]] = []
    with client.setup_kernel(env=kernel_env(), cwd=str(workdir)):
        assert client.kc is not None
        client.wait_for_reply(client.kc.kernel_info())
        if setup is not None:
            cell = nbformat.v4.new_code_cell(setup)
            nb.cells.append(cell)  # executed at its own index, then removed
            client.execute_cell(cell, len(nb.cells) - 1, store_history=False)
            nb.cells.pop()
            setup_outputs = list(cell.outputs)
        started = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        seconds = time.perf_counter() - started
    return Run(nb, seconds, setup_outputs)


def is_arrayprof_output(output: dict[str, Any]) -> bool:
    return "arrayprof" in (output.get("metadata") or {})


def normalise_text(text: str, workdir: Path) -> str:
    text = ANSI.sub("", text)
    text = text.replace(str(workdir.resolve()), "<CWD>").replace(str(workdir), "<CWD>")
    text = KERNEL_PID.sub("ipykernel_PID", text)
    text = TIMEIT.sub("<timeit>", text)
    text = SLOWEST.sub("", text)
    text = TIMES.sub("<time>\n", text)
    return ADDRESS.sub("0xADDR", text)


def normalise_data(data: dict[str, Any], workdir: Path) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for mime, value in data.items():
        if mime == "application/vnd.jupyter.widget-view+json":
            value = {**value, "model_id": MODEL_ID.sub("<model>", value.get("model_id", ""))}
        elif isinstance(value, str):
            value = normalise_text(value, workdir)
        elif isinstance(value, list):
            value = [normalise_text(v, workdir) if isinstance(v, str) else v for v in value]
        out[mime] = value
    return out


def normalise_outputs(outputs: list[dict[str, Any]], workdir: Path,
                      count_shift: int = 0) -> list[dict[str, Any]]:
    """The user-visible content of a cell's outputs, without arrayprof's own outputs; streams of
    the same name are joined (how a stream is chunked depends on timing, not on content)."""
    kept: list[dict[str, Any]] = []
    for output in outputs:
        if is_arrayprof_output(output):
            continue
        kind = output["output_type"]
        if kind == "stream":
            text = normalise_text(output["text"], workdir)
            if kept and kept[-1]["output_type"] == "stream" and kept[-1]["name"] == output["name"]:
                kept[-1]["text"] += text
            else:
                kept.append({"output_type": "stream", "name": output["name"], "text": text})
        elif kind in ("display_data", "execute_result"):
            entry = {"output_type": kind, "data": normalise_data(output["data"], workdir),
                     "metadata": dict(output.get("metadata") or {})}
            if kind == "execute_result":
                count = output.get("execution_count")
                entry["execution_count"] = None if count is None else count - count_shift
            kept.append(entry)
        elif kind == "error":
            traceback = [normalise_text(line, workdir) for line in output["traceback"]]
            kept.append({"output_type": "error", "ename": output["ename"],
                         "evalue": normalise_text(output["evalue"], workdir),
                         "traceback": traceback})
        else:
            kept.append(copy.deepcopy(dict(output)))
    for entry in kept:
        if entry["output_type"] == "stream":
            entry["text"] = TIMES.sub("<time>\n", entry["text"])  # lines split across chunks
    return kept


def shift_cell_numbers(outputs: list[dict[str, Any]], shift: int) -> list[dict[str, Any]]:
    """`Cell In[n]` in tracebacks and `Out[n]` prompts, as the plain run numbered them."""
    def fix(text: str) -> str:
        return re.sub(r"(In|Out)\[(\d+)\]", lambda m: f"{m[1]}[{int(m[2]) - shift}]", text)

    for entry in outputs:
        if entry["output_type"] == "error":
            entry["traceback"] = [fix(line) for line in entry["traceback"]]
    return outputs


def code_cells(nb: Any) -> list[Any]:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def unstable_gc_count(cell: Any, outputs: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The value of a cell ending in ``gc.collect()``, which no extension can keep identical.

    It counts the cyclic garbage that CPython's automatic collections had not reached yet.  Full
    automatic collections wait until the objects promoted since the last one exceed a quarter of
    all long-lived objects, so merely importing a package (more long-lived objects) moves them;
    plain runs repeat the count only because they load the same modules.  What arrayprof itself
    controls (no cyclic garbage of its own, no collection triggered or moved by its work between
    cells) is tested exactly by `test_no_garbage_and_no_moved_collections`."""
    lines = [line.strip() for line in cell.source.splitlines() if line.strip()]
    if not lines or not re.fullmatch(r"(gc\.)?collect\(\)", lines[-1]):
        return outputs
    for entry in outputs:
        if entry["output_type"] == "execute_result" and \
                entry["data"].get("text/plain", "").isdigit():
            entry["data"] = {**entry["data"], "text/plain": "<gc.collect() count>"}
    return outputs


def differences(plain: Run, auto: Run, workdirs: tuple[Path, Path],
                skip_first: int = 0) -> list[str]:
    """Human-readable differences between the user-visible outputs of two runs."""
    found = []
    plain_cells = code_cells(plain.nb)
    auto_cells = code_cells(auto.nb)[skip_first:]
    assert len(plain_cells) == len(auto_cells)
    for number, (p, a) in enumerate(zip(plain_cells, auto_cells, strict=True), start=1):
        expected = unstable_gc_count(p, normalise_outputs(p.outputs, workdirs[0]))
        got = unstable_gc_count(a, shift_cell_numbers(
            normalise_outputs(a.outputs, workdirs[1], skip_first), skip_first))
        if expected != got:
            found.append(f"code cell {number}:\n{p.source}\n--- plain:\n{expected!r}\n"
                         f"--- with arrayprof:\n{got!r}")
    return found


def arrayprof_outputs(run: Run) -> list[tuple[int, dict[str, Any]]]:
    return [(number, output) for number, cell in enumerate(code_cells(run.nb), start=1)
            for output in cell.outputs if is_arrayprof_output(output)]


NOTEBOOK_PATHS = sorted(NOTEBOOKS.glob("*.ipynb"))
TIMINGS: dict[str, tuple[float, float]] = {}


def test_the_corpus_is_real_sized() -> None:
    assert len(NOTEBOOK_PATHS) >= 8
    for path in NOTEBOOK_PATHS:
        assert 15 <= len(code_cells(nbformat.read(path, as_version=4))) <= 40, path.name


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=[p.stem for p in NOTEBOOK_PATHS])
def test_automatic_mode_keeps_every_output(path: Path, tmp_path: Path) -> None:
    workdirs = (tmp_path / "plain", tmp_path / "auto")
    plain = run_notebook(path, workdirs[0])
    auto = run_notebook(path, workdirs[1], setup=AUTO_ON)
    TIMINGS[path.stem] = (plain.seconds, auto.seconds)
    assert any("automatic mode is on" in str(o.get("data")) for o in auto.setup_outputs), \
        auto.setup_outputs
    assert not [o for o in auto.setup_outputs if o["output_type"] == "error"]
    found = differences(plain, auto, workdirs)
    assert not found, "\n\n".join(found)
    for number, output in arrayprof_outputs(auto):
        kind = output["metadata"]["arrayprof"].get("kind")
        assert kind == "summary", (number, output)
