"""The rule catalogue: one documented entry per finding category (issue 12, part 1).

Each entry says what the rules of the category find, why it costs, an example with its rewrite,
and the near misses they leave alone (the per-category cases in tests/advisor_*_cases.py hold
the positives and near misses these words describe).  ``docs/rules.md`` is generated from it:

    python -m arrayprof.advisor.catalogue > docs/rules.md

and tests/test_advisor_structure.py keeps the two equal.  Plain values: no rule is imported here.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass


@dataclass(frozen=True)
class RuleDoc:
    category: str
    module: str  # the rule module under arrayprof.advisor that finds it
    finds: str
    why: str
    example: str  # the pattern, "->", the rewrite
    near_misses: str
    rewrite: str  # the kind of rewrite it offers: "equivalent", "fix" or "none"


CATALOGUE: tuple[RuleDoc, ...] = (
    RuleDoc(
        "python-loop", "loops",
        "A Python loop or comprehension doing element-wise work one array expression can do "
        "(the vectorizer builds the expression), or, measured first, a loop the report shows "
        "spending the cell's time on scalar work: counted passes, ufunc calls of at most 1,024 "
        "elements, no arrays made per pass. The finding names the idiom: np.nditer, one random "
        "draw per pass, an escape-time loop per point, one function call per point, counting "
        "in a dict, Python lists.",
        "Every pass goes through the interpreter: 10-200x slower than the same work in "
        "compiled code.",
        "for i in range(len(x)):\n    out[i] = (x[i] - mu) / sd\n->\nout[:] = (x - mu) / sd",
        "Recurrences (x[i] = r * x[i - 1] * (1 - x[i - 1]), a state each pass decides on), "
        "early exits, loops of whole-array steps (time steps, stencils, epochs), output.",
        "equivalent"),
    RuleDoc(
        "np-vectorize", "loops",
        "np.vectorize / np.frompyfunc used as if it made a function fast.",
        "It is a Python loop: one call of the function per element.",
        "f = np.vectorize(lambda v: 0 if v < 0.5 else 1)\nlabels = f(u)\n->\n"
        "labels = np.where(u < 0.5, 0, 1)",
        "Functions with no array equivalent (string work, calls into other libraries).",
        "equivalent"),
    RuleDoc(
        "python-builtin", "loops",
        "Python's sum, max, min, sorted, any, all or list() over an array.",
        "The builtin boxes every element into a NumPy scalar and combines them in the "
        "interpreter.",
        "s = sum(x) * sum(y)\n->\ns = np.sum(x) * np.sum(y)",
        "Builtins over Python values or a few elements; sum of a list of arrays.",
        "equivalent"),
    RuleDoc(
        "growing-array", "loops",
        "np.append / concatenate / vstack / hstack inside a loop.",
        "Each call copies everything grown so far: quadratic time and memory churn.",
        "for k in range(n):\n    out = np.append(out, f(k))\n->\n"
        "parts = [out]\nfor k in range(n):\n    parts.append(np.ravel(f(k)))\n"
        "out = np.concatenate(parts)",
        "A list collected in the loop and concatenated once after it; tiny arrays.",
        "equivalent"),
    RuleDoc(
        "broadcast-blowup", "broadcasting",
        "A broadcast that materialises an array far larger than its inputs and than what the "
        "line keeps: a temporary reduced or sliced right away, or an accidental outer product "
        "((N,) against (N, 1)).",
        "Memory and time grow with the product of the shapes for a result that needs only "
        "their sum.",
        "spread = np.abs(x[:, None] - x[None, :]).max()\n->\nspread = x.max() - x.min()",
        "An outer product the line keeps as its result (a distance matrix asked for); "
        "temporaries NumPy makes inside std, var or norm.",
        "equivalent"),
    RuleDoc(
        "missing-keepdims", "broadcasting",
        "A reduction broadcast back against its source without keepdims=True.",
        "The shapes line up the wrong way: a wrong result or an outer product.",
        "X - X.mean(axis=1)\n->\nX - X.mean(axis=1, keepdims=True)",
        "Reductions along axis 0 (they broadcast correctly), keepdims or [:, None] already "
        "there.",
        "fix"),
    RuleDoc(
        "temporary-chain", "broadcasting",
        "An expression whose temporaries push the line's peak well above its result.",
        "Each operation of a chain allocates a full-size array; in-place steps or out= "
        "reuse one.",
        "y = a * b + c * d - e\n->\ny = a * b\ny += c * d\ny -= e",
        "Chains NumPy already elides, small arrays, ufunc chains with out=.",
        "equivalent"),
    RuleDoc(
        "unexpected-copy", "copies",
        "A copy where a view or an in-place operation would do: fancy indexing of a range, "
        "flatten, same-dtype astype, np.array(arr), tile/repeat to match shapes.",
        "The copy costs a full pass over memory and its bytes.",
        "rows = m[[0, 2, 4]]\n->\nrows = m[0:6:2]",
        "Copies the cell then writes to (the copy is the point), different dtypes.",
        "equivalent"),
    RuleDoc(
        "view-pins-base", "copies",
        "A small view that keeps a much larger buffer alive no name reaches any more.",
        "The whole base stays in memory as long as the view lives.",
        "top = np.argsort(z)[-10:]\n->\ntop = np.argsort(z)[-10:].copy()",
        "Views whose base is still named, or not much larger.",
        "equivalent"),
    RuleDoc(
        "view-mutation", "copies",
        "A write through a view into an array the cell also uses, where intent is unclear: "
        "the parent read only before the write, or a sort through a reshaped view. An "
        "explanation at info level, never a fix.",
        "If the view was meant to be independent, the parent changes silently.",
        "head = prices[:5]\ntotal_before = prices.sum()\nhead[:] = 0.0\n"
        "-> (an info note; no rewrite)",
        "Writes the cell goes on to use as the updated parent: a stencil's u += ... in a time "
        "loop, flat = Z.ravel(); flat[idx] = 0, Y = Z.view(np.int32); Y[:] = Z.",
        "none"),
    RuleDoc(
        "dtype-upcast", "dtypes",
        "A silent promotion that multiplies the memory of a result (int8 * 1.5 -> float64).",
        "The result takes 2-8x the bytes it needs.",
        "scaled = img * 1.5\n->\nscaled = img * np.float32(1.5)",
        "Complex numbers built from floats (X + Y * 1j), float16 from bytes, small arrays, "
        "ufuncs NumPy calls inside std or norm.",
        "equivalent"),
    RuleDoc(
        "dtype-overflow", "dtypes",
        "Integer arithmetic or a cast whose results wrapped around, checked on the data; NaN "
        "or inf cast to an integer.",
        "Wrong numbers, silently.",
        "counts = counts + 100  # uint8\n->\ncounts = counts.astype(np.uint16) + 100",
        "Arithmetic that stays in range on this data; widened accumulators (dtype= on sums).",
        "fix"),
    RuleDoc(
        "object-dtype", "dtypes",
        "An object-dtype array holding numbers.",
        "Every element is a Python object: 10-100x slower arithmetic and several times the "
        "memory.",
        "nums = np.array(values, dtype=object)\n->\nnums = np.array(values, dtype=np.float64)",
        "Object arrays of strings, ragged lists, None gaps the cell treats as missing.",
        "equivalent"),
    RuleDoc(
        "non-contiguous", "layout",
        "Heavy work on non-contiguous or transposed data, or a strided loop against the "
        "memory order.",
        "Each cache line fetched serves one element instead of eight.",
        "for j in range(n):\n    col = A[:, j].sum()\n->\nA.sum(axis=0)",
        "Single passes over a column, sorts whose copy costs as much.",
        "equivalent"),
    RuleDoc(
        "api-misuse", "api_misuse",
        "A slower or less accurate call where a better one exists: inv(A) @ b, x == np.nan, "
        "argsort/sort then a slice of a few ends, the diagonal, trace or sum of a matrix "
        "product, len(np.where(c)[0]); the legacy np.random API once per cell, at info level, "
        "only for large draws.",
        "Extra arithmetic (an n x n product for n numbers), full sorts for a few values, or "
        "wrong results (NaN never equals anything).",
        "top = np.argsort(z)[-n:]\n->\ntop = np.argpartition(z, -n)[-n:]\n"
        "top = top[np.argsort(z[top])]",
        "A kept inverse used many times, argpartition already, legacy draws of a few "
        "numbers.",
        "equivalent (fix for comparisons with NaN)"),
    RuleDoc(
        "dask-chunks", "dask_chunks",
        "Dask arrays whose chunks do not fit the workers: a broadcast or a chain of temporaries "
        "inside every chunk, with what it costs a worker whose threads all run such a task at "
        "once; chunks too large for the workers' memory limit; tasks too small to pay for "
        "Dask's own millisecond per task.",
        "A worker runs one task per thread at once: per-task peak times threads past half the "
        "memory limit makes Dask spill, pause or restart the worker; thousands of tiny tasks "
        "spend their time in scheduling.",
        "x = da.random.random((40_000, 4_000), chunks=(20_000, 4_000))\n"
        "y = (x - x.mean(axis=0)) ** 2\n->\nx = x.rechunk((5_000, 4_000))",
        "Chunks whose tasks peak well under the limit; a few large tasks; arrays never "
        "computed in the cell.",
        "none (the suggested chunks are computed from the measured tasks, not re-run)"),
    RuleDoc(
        "dask-compute", "dask_chunks",
        "A .compute() (or dask.compute) that brings a result of 256 MiB or more back into the "
        "client process.",
        "The whole result crosses the network and is held at once in the notebook's process, "
        "which a cluster was used to avoid.",
        "full = (x - x.mean(axis=0)).compute()\n->\n"
        "summary = (x - x.mean(axis=0)).std(axis=0).compute()",
        "Reductions and small slices computed; results kept on the cluster with .persist() or "
        "written out with .to_zarr().",
        "none"),
)


def listing(category: str | None = None) -> str:
    """The catalogue as terminal text (``arrayprof rules``, ``%arrayprof rules``): one paragraph
    per category, or the whole entry of one.  Raises KeyError for an unknown category."""
    docs = CATALOGUE if category is None else [d for d in CATALOGUE if d.category == category]
    if not docs:
        raise KeyError(category)
    if category is None:
        return "\n".join(f"{d.category:<20} {d.finds}\n{'':<20} rewrite: {d.rewrite}"
                         for d in docs) + "\n"
    doc = docs[0]
    example = "\n".join("    " + line for line in doc.example.splitlines())
    return (f"{doc.category} (advisor/{doc.module}.py; rewrite: {doc.rewrite})\n\n"
            f"What it finds: {doc.finds}\n\nWhy it costs: {doc.why}\n\nExample:\n{example}\n\n"
            f"Near misses it leaves alone: {doc.near_misses}\n")


def markdown() -> str:
    """docs/rules.md: the catalogue as one section per category."""
    out = ["# Advisor rules", "",
           "Generated from `src/arrayprof/advisor/catalogue.py` "
           "(`python -m arrayprof.advisor.catalogue > docs/rules.md`); "
           "tests/test_advisor_structure.py keeps it current.", "",
           "| category | module | rewrite |", "| --- | --- | --- |"]
    out += [f"| `{d.category}` | `advisor/{d.module}.py` | {d.rewrite} |" for d in CATALOGUE]
    for doc in CATALOGUE:
        out += ["", f"## `{doc.category}`", "", f"**What it finds.** {doc.finds}", "",
                f"**Why it costs.** {doc.why}", "", "**Example.**", "", "```python",
                doc.example, "```", "", f"**Near misses it leaves alone.** {doc.near_misses}"]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
