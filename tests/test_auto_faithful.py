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
    after_outputs: list[dict[str, Any]]


def kernel_env() -> dict[str, str]:
    """The same environment for every kernel; a fixed hash seed so that sets of strings print in
    the same order in both runs (that is not something arrayprof could change)."""
    env = dict(os.environ)
    env["PYTHONHASHSEED"] = "0"
    env.pop("MPLBACKEND", None)
    return env


def run_notebook(path: Path, workdir: Path, *, setup: str | None = None,
                 first_cell: str | None = None, after: str | None = None) -> Run:
    """Execute `path` in a fresh kernel whose working directory is `workdir` (emptied first).

    `setup` runs before the notebook without taking an execution count; `first_cell` is inserted
    as the notebook's first code cell instead (as a user would); `after` runs last, like
    `setup` (for measurements)."""
    if workdir.exists():
        shutil.rmtree(workdir)
    workdir.mkdir(parents=True)
    nb = nbformat.read(path, as_version=4)
    if first_cell is not None:
        nb.cells.insert(0, nbformat.v4.new_code_cell(first_cell))
    client = nbclient.NotebookClient(nb, timeout=CELL_TIMEOUT, kernel_name="python3",
                                     allow_errors=True, coalesce_streams=True,
                                     resources={"metadata": {"path": str(workdir)}})
    def hidden(code: str | None) -> list[dict[str, Any]]:
        if code is None:
            return []
        cell = nbformat.v4.new_code_cell(code)
        nb.cells.append(cell)  # executed at its own index, then removed
        client.execute_cell(cell, len(nb.cells) - 1, store_history=False)
        nb.cells.pop()
        return list(cell.outputs)

    with client.setup_kernel(env=kernel_env(), cwd=str(workdir)):
        assert client.kc is not None
        client.wait_for_reply(client.kc.kernel_info())
        setup_outputs = hidden(setup)
        started = time.perf_counter()
        for index, cell in enumerate(nb.cells):
            client.execute_cell(cell, index)
        seconds = time.perf_counter() - started
        after_outputs = hidden(after)
    return Run(nb, seconds, setup_outputs, after_outputs)


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
SUMMARY_BYTES = re.compile(r"([\d.]+) (B|kB|KB|MB|GB) allocated")
UNITS = {"B": 1, "kB": 1e3, "KB": 1e3, "MB": 1e6, "GB": 1e9}
# Plain runs, shared by the variants of one notebook: (run, its working directory).
_PLAIN: dict[str, tuple[Run, Path]] = {}


def plain_run(path: Path, tmp_root: Path) -> tuple[Run, Path]:
    if path.stem not in _PLAIN:
        workdir = tmp_root / f"{path.stem}-plain"
        _PLAIN[path.stem] = (run_notebook(path, workdir), workdir)
    return _PLAIN[path.stem]


@pytest.fixture(scope="module")
def tmp_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("faithful")


def assert_same_outputs(path: Path, tmp_root: Path, variant: str, **how: str) -> Run:
    plain, plain_dir = plain_run(path, tmp_root)
    auto_dir = tmp_root / f"{path.stem}-{variant}"
    auto = run_notebook(path, auto_dir, **how)
    found = differences(plain, auto, (plain_dir, auto_dir),
                        skip_first=1 if "first_cell" in how else 0)
    assert not found, "\n\n".join(found)
    print(f"{path.stem} [{variant}]: plain {plain.seconds:.2f} s, with arrayprof "
          f"{auto.seconds:.2f} s ({auto.seconds / max(plain.seconds, 1e-9):.2f}x)")
    return auto


def assert_compact(run: Run, threshold: int = 10_000_000) -> None:
    """Automatic mode says one line per cell at most, and only for cells over the threshold or
    with warnings."""
    per_cell: dict[int, int] = {}
    for number, output in arrayprof_outputs(run):
        per_cell[number] = per_cell.get(number, 0) + 1
        assert output["metadata"]["arrayprof"]["kind"] == "summary", (number, output)
        text = output["data"]["text/plain"]
        assert "\n" not in text.strip() and text.startswith("arrayprof"), (number, text)
        size = SUMMARY_BYTES.search(text)
        warned = re.search(r"\d+ warnings?\b", text) is not None
        assert warned or (size is not None and
                          float(size[1]) * UNITS[size[2]] > threshold * 0.99), (number, text)
    assert all(count == 1 for count in per_cell.values()), per_cell


def test_the_corpus_is_real_sized() -> None:
    assert len(NOTEBOOK_PATHS) >= 8
    for path in NOTEBOOK_PATHS:
        assert 15 <= len(code_cells(nbformat.read(path, as_version=4))) <= 40, path.name


@pytest.mark.parametrize("path", NOTEBOOK_PATHS, ids=[p.stem for p in NOTEBOOK_PATHS])
def test_automatic_mode_keeps_every_output(path: Path, tmp_root: Path) -> None:
    auto = assert_same_outputs(path, tmp_root, "auto", setup=AUTO_ON)
    assert any("automatic mode is on" in str(o.get("data")) for o in auto.setup_outputs), \
        auto.setup_outputs
    assert_compact(auto)


@pytest.mark.parametrize("name", ["statistics_monte_carlo", "array_zoo"])
def test_verify_mode_keeps_every_output(name: str, tmp_root: Path) -> None:
    """With --verify, rewrites run again on copies: random generators, objects with ``__del__``
    and array subclasses that count their instances must not notice."""
    auto = assert_same_outputs(NOTEBOOKS / f"{name}.ipynb", tmp_root, "verify",
                               setup=AUTO_ON + " --verify")
    assert_compact(auto)


def test_a_first_cell_as_a_user_types_it(tmp_root: Path) -> None:
    """The setup as the notebook's own first cell: counts shift by one, nothing else changes."""
    assert_same_outputs(NOTEBOOKS / "errors_and_warnings.ipynb", tmp_root, "first-cell",
                        first_cell=AUTO_ON)


INJECTED = {
    # where arrayprof fails -> how the failure is planted (in a namespace of its own, so the
    # user's namespace is untouched), and which cells must say so
    "starting": ("import arrayprof.session as s\n"
                 "def boom(*args, **kwargs):\n    raise RuntimeError('injected')\n"
                 "s.Session.begin = boom", "every"),
    "building the report": ("import arrayprof.inventory as i\n"
                            "def boom(*args, **kwargs):\n    raise RuntimeError('injected')\n"
                            "i.build_inventory = boom", "every"),
    "showing the summary": ("import arrayprof.kernel.auto as a\n"
                            "def boom(*args, **kwargs):\n    raise RuntimeError('injected')\n"
                            "a.show_report = boom", "some"),
}


@pytest.mark.parametrize("where", list(INJECTED))
def test_a_failure_inside_arrayprof_is_one_note_per_cell(where: str, tmp_root: Path) -> None:
    """The cell runs and shows what it shows without arrayprof; arrayprof says, in one tagged
    line (a display with ``{"arrayprof": {"kind": "note"}}`` metadata, not stderr, which is the
    user's), what went wrong."""
    plant, cells = INJECTED[where]
    setup = f"{AUTO_ON}\nexec({plant!r}, {{}})"
    auto = assert_same_outputs(NOTEBOOKS / "game_of_life_fft.ipynb", tmp_root,
                               f"failing-{where.replace(' ', '-')}", setup=setup)
    notes: dict[int, list[str]] = {}
    for number, output in arrayprof_outputs(auto):
        assert output["metadata"]["arrayprof"]["kind"] == "note", (number, output)
        text = output["data"]["text/plain"]
        assert "\n" not in text and text.startswith("arrayprof: ") and "injected" in text, text
        notes.setdefault(number, []).append(text)
    assert all(len(texts) == 1 for texts in notes.values()), notes
    if cells == "every":
        assert len(notes) == len(code_cells(auto.nb)), sorted(notes)
    else:
        assert notes, "no cell reached the summary"


GC_CHECK = """
import gc
import numpy as np
from IPython.core.interactiveshell import InteractiveShell
from arrayprof.kernel.auto import GcBalance, OwnWork

balance = GcBalance()
kept = []
collections = []

def seen(phase, info):
    if phase == "start":
        collections.append(phase)

def work():  # what a hook does: its work in a function of its own
    with OwnWork():
        kept.append([{"x": [i]} for i in range(3000)])  # kept, like reports in history
        kept[:-2] = []  # and older ones freed

def hook():
    balance.start()
    try:
        work()
    finally:
        balance.stop()

gc.callbacks.append(seen)
for _ in range(4):
    before = gc.get_count()[0]
    hook()
    assert gc.get_count()[0] == before, (gc.get_count()[0], before)
gc.callbacks.remove(seen)
assert collections == [], collections

shell = InteractiveShell.instance()
shell.run_cell("import numpy as np\\n%load_ext arrayprof")
cells = ["x = np.ones(2_000_000)", "y = np.ones(10) * 2",
         "w = np.ones(3_000_000)\\nfor i in range(2000):\\n    w[i] = w[i] * 2",
         "v = np.arange(10.0)\\nv.resize(20)"]

def garbage():
    gc.collect()
    gc.set_debug(gc.DEBUG_SAVEALL)
    for code in cells:
        assert shell.run_cell(code).success, code
    gc.collect()
    gc.set_debug(0)
    found = [type(o).__name__ for o in gc.garbage]
    gc.garbage.clear()
    return found

assert garbage() == []  # without arrayprof
for mode in ("on", "on --verify"):
    shell.run_cell("%arrayprof " + mode)
    garbage()  # the first run imports what it needs
    assert garbage() == [], mode
assert shell.user_ns["v"].shape == (20,)

# terminal IPython names cells after their number: lines are attributed all the same
import arrayprof
shell.run_cell("%arrayprof on")
for _ in range(2):
    shell.run_cell("a = np.ones(100)\\nb = a * 2", store_history=True)
    assert [line.lineno for line in arrayprof.history()[-1].lines] == [1, 2]
print("ok")
"""


def test_no_garbage_and_no_moved_collections() -> None:
    """arrayprof's work around a cell leaves no cyclic garbage (which a user's ``gc.collect()``
    would count) and neither triggers nor moves the collector's automatic collections.  In a
    process of its own: threads left by other tests would allocate while it counts."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", GC_CHECK], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0 and done.stdout.rstrip().endswith("ok"), done.stderr[-3000:]
