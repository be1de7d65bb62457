"""Build the tutorial notebooks from their sources, without outputs.

    python notebooks/build.py                  # (re)write notebooks/*.ipynb from notebooks/source/
    python notebooks/build.py --check          # exit 1 if a committed notebook differs from its source
    python notebooks/build.py --execute OUTDIR # also run each notebook (nbclient) into OUTDIR, with
                                               # outputs, and print how long each took

The committed ``.ipynb`` files carry no outputs: run them in Jupyter, or with ``--execute``.
"""

from __future__ import annotations

import argparse
import importlib
import sys
import time
from pathlib import Path

import nbformat

HERE = Path(__file__).resolve().parent
SOURCE_DIR = HERE / "source"

# notebook file stem -> source module in notebooks/source/
NOTEBOOKS = {
    "01_views_and_copies": "nb01_views_and_copies",
    "02_strides_and_memory_order": "nb02_strides",
    "03_broadcasting": "nb03_broadcasting",
    "04_temporaries_and_peak_memory": "nb04_temporaries",
    "05_loops_to_vectorized": "nb05_loops",
    "06_dtypes": "nb06_dtypes",
    "07_when_arrays_outgrow_one_machine": "nb07_dask",
}

KERNELSPEC = {"display_name": "Python 3 (ipykernel)", "language": "python", "name": "python3"}


def load_source(module: str):
    if str(SOURCE_DIR) not in sys.path:
        sys.path.insert(0, str(SOURCE_DIR))
    return importlib.import_module(module)


def build_notebook(stem: str) -> nbformat.NotebookNode:
    """The notebook `stem` as built from its source (no outputs, stable cell ids)."""
    source = load_source(NOTEBOOKS[stem])
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": dict(KERNELSPEC), "language_info": {"name": "python"}}
    for index, cell in enumerate(source.CELLS):
        if cell.kind == "markdown":
            new = nbformat.v4.new_markdown_cell(cell.source)
        else:
            new = nbformat.v4.new_code_cell(cell.source)
        new.id = f"cell-{index:03d}"
        new.metadata = nbformat.from_dict(cell.metadata)
        nb.cells.append(new)
    nbformat.validate(nb)
    return nb


def notebook_text(stem: str) -> str:
    return nbformat.writes(build_notebook(stem)) + "\n"


def path_of(stem: str) -> Path:
    return HERE / f"{stem}.ipynb"


def execute(stem: str, outdir: Path, timeout: int = 120) -> float:
    from nbclient import NotebookClient

    nb = nbformat.reads(path_of(stem).read_text(), as_version=4)
    start = time.perf_counter()
    try:
        NotebookClient(nb, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(HERE)}}).execute()
    finally:  # keep what ran, also when a cell failed
        elapsed = time.perf_counter() - start
        outdir.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, outdir / f"{stem}.ipynb")
    return elapsed


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="compare the committed notebooks with their sources; write nothing")
    parser.add_argument("--execute", metavar="OUTDIR", type=Path,
                        help="after building, run each notebook and save it with outputs here")
    parser.add_argument("names", nargs="*", help="notebook stems (default: all)")
    args = parser.parse_args(argv)
    stems = args.names or list(NOTEBOOKS)
    stale = []
    for stem in stems:
        text = notebook_text(stem)
        path = path_of(stem)
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(path.name)
        elif not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path.relative_to(HERE.parent)}")
    if stale:
        print("out of date (run python notebooks/build.py): " + ", ".join(stale))
        return 1
    if args.execute:
        for stem in stems:
            print(f"{stem}: {execute(stem, args.execute):.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
