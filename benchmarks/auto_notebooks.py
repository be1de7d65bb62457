"""Overhead of automatic mode on real notebooks: wall time of every code cell, plain and with
``%arrayprof on`` (optionally ``--verify``), in fresh kernels, alternating, median of N rounds.

    python benchmarks/auto_notebooks.py [--rounds 3] [--verify] [NAME ...]

Kernel start-up is not counted: the clock runs from the first cell to the last.  The setup runs
without an execution count, as in tests/test_auto_faithful.py, whose runner this reuses.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from test_auto_faithful import NOTEBOOK_PATHS, run_notebook

# Time arrayprof's own work in the pre/post_run_cell hooks (wrapped before they are registered,
# in a namespace of their own so the user's stays untouched); reported after the last cell.
CLOCK = """
import time
from arrayprof.kernel import auto
spent = [0.0]
def clocked(hook):
    def run(self, arg):
        t0 = time.perf_counter()
        try:
            return hook(self, arg)
        finally:
            spent[0] += time.perf_counter() - t0
    return run
auto.AutoProfiler.pre_run_cell = clocked(auto.AutoProfiler.pre_run_cell)
auto.AutoProfiler.post_run_cell = clocked(auto.AutoProfiler.post_run_cell)
auto.SPENT = spent
"""
SETUP = f"%load_ext arrayprof\nexec({CLOCK!r}, {{}})\n%arrayprof on"
AFTER = "import arrayprof.kernel.auto\nprint(arrayprof.kernel.auto.SPENT[0])"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per notebook")
    parser.add_argument("--verify", action="store_true", help="%%arrayprof on --verify")
    parser.add_argument("names", nargs="*", help="notebook names (default: all)")
    args = parser.parse_args()
    setup = SETUP + (" --verify" if args.verify else "")
    paths = [p for p in NOTEBOOK_PATHS if not args.names or p.stem in args.names]
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for path in paths:
            plain, auto, hooks = [], [], []
            for round_ in range(args.rounds):
                plain.append(run_notebook(path, Path(tmp) / f"p{round_}").seconds)
                run = run_notebook(path, Path(tmp) / f"a{round_}", setup=setup, after=AFTER)
                auto.append(run.seconds)
                hooks.append(float(run.after_outputs[0]["text"]))
            p, a, h = statistics.median(plain), statistics.median(auto), statistics.median(hooks)
            cells = sum(1 for c in run.nb.cells if c.cell_type == "code")
            rows.append((path.stem, p, a, h, cells))
            print(f"{path.stem:26s} plain {p:6.2f} s  auto {a:6.2f} s  {a / p:5.2f}x  "
                  f"hooks {h:5.2f} s ({h / cells * 1e3:5.1f} ms/cell)", flush=True)
    total_p, total_a, total_h = (sum(r[i] for r in rows) for i in (1, 2, 3))
    cells = sum(r[4] for r in rows)
    print(f"{'all':26s} plain {total_p:6.2f} s  auto {total_a:6.2f} s  "
          f"{total_a / total_p:5.2f}x  hooks {total_h:5.2f} s ({total_h / cells * 1e3:5.1f} "
          "ms/cell)")


if __name__ == "__main__":
    main()
