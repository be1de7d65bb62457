"""Real reports follow the documented format: docs/report-schema.json (JSON Schema 2020-12) and
docs/report.md.  Reports of several kinds of cells (an error, findings with rewrites, views, an empty
cell, a syntax error) from ``arrayprof.profile``, ``arrayprof run --json``, the magics and automatic
mode validate; no report carries a field the schema does not list (its objects are closed), and the
report model has no field the schema or the page leaves out."""

from __future__ import annotations

import copy
import dataclasses
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from case_format import EXAMPLES_DIR

import arrayprof
from arrayprof import report as report_model

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "docs" / "report-schema.json").read_text())
PAGE = (ROOT / "docs" / "report.md").read_text()
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

# which schema object documents which dataclass of the report model
MODEL = {
    "#": report_model.Report,
    "error": report_model.ErrorInfo,
    "numpy": report_model.NumpyStats,
    "rss": report_model.RssStats,
    "line": report_model.LineStats,
    "op": report_model.OpRecord,
    "array": report_model.ArrayInfo,
    "finding": report_model.Finding,
    "rewrite": report_model.Rewrite,
    "dask": report_model.DaskReport,
}

CELLS = {
    "views": "import numpy as np\na = np.zeros((4, 4))\nb = a[::2, ::2]\nc = a.T\n"
             "d = a[1:, 2:]\ne = np.broadcast_to(a[0], (3, 4))\n",
    "error": "import numpy as np\nx = np.ones(1000)\nraise ValueError('late')\n",
    "empty": "",
    "syntax-error": "x = (\n",
    "nine-dims": "import numpy as np\na = np.ones((2,) * 9)\ns = a.sum(axis=0)\nm = a.max()\n",
    "scalars-and-others": "import numpy as np\nx = np.arange(5)\ny = x + 1.5\nz = np.add(x, np.int8(2))\n"
                          "w = np.multiply.outer(x, x)\nq = np.add.accumulate(x)\n",
}
# example cells whose reports carry findings with rewrites (equivalent and fix), views and errors
EXAMPLES = ("broadcast_outer", "python_loop", "view_pins_base", "dtype_overflow", "missing_keepdims",
            "strided_view_facts", "growing_array", "object_dtype")


HINT = "a new field? add it to docs/report-schema.json and docs/report.md (see the end of report.md)"


def errors(report: dict[str, Any]) -> list[str]:
    """Every violation, with where it is (an empty list: the report is valid)."""
    return [f"{'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
            + (f" ({HINT})" if "unexpected" in e.message else "")
            for e in VALIDATOR.iter_errors(report)]


def example_report(name: str) -> dict[str, Any]:
    setup, cell = (EXAMPLES_DIR / f"{name}.py").read_text().split("# --- cell ---\n", 1)
    namespace: dict = {}
    exec(setup, namespace)
    return arrayprof.profile(cell, namespace).to_dict()


def test_schema_is_a_valid_2020_12_schema() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)


@pytest.mark.parametrize("name", sorted(CELLS))
def test_profile_reports_validate(name: str) -> None:
    report = arrayprof.profile(CELLS[name], {}).to_dict()
    assert errors(report) == []
    if name == "views":
        assert [a["is_view"] for a in report["arrays"]] == [False, True, True, True, True]
    if name in ("error", "syntax-error"):
        assert report["error"]["type"] == ("ValueError" if name == "error" else "SyntaxError")
    if name == "empty":
        assert report["lines"] == [] and report["ops"] == [] and report["numpy"]["allocations"] == 0


@pytest.mark.parametrize("name", EXAMPLES)
def test_example_reports_validate(name: str) -> None:
    report = example_report(name)
    assert errors(report) == []


def test_reports_with_rewrites_of_both_kinds_validate() -> None:
    """The example reports above do exercise rewrites, verified and of both kinds."""
    kinds = {f["rewrite"]["kind"] for name in ("broadcast_outer", "dtype_overflow")
             for f in example_report(name)["findings"] if f["rewrite"]}
    assert kinds == {"equivalent", "fix"}


def test_cli_json_reports_validate(tmp_path: Path) -> None:
    """`arrayprof run --json`: a list of reports, one per code cell, a failing cell included."""
    cells = ["import numpy as np\na = np.ones((100, 100))\nb = a[::2]\n",
             "c = (a[:, None] - a[None, :]).sum()\n",
             "d = a @ undefined_name\n",
             "total = sum(a.ravel())\n"]
    notebook = {"cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                           "source": source} for source in cells],
                "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    path = tmp_path / "cells.ipynb"
    path.write_text(json.dumps(notebook))
    out = tmp_path / "out.json"
    run = subprocess.run([sys.executable, "-m", "arrayprof.cli", "run", str(path), "--json", str(out),
                          "--quiet"], capture_output=True, text=True, timeout=300, cwd=tmp_path)
    assert run.returncode == 1, run.stderr  # one cell failed, the run went on
    reports = json.loads(out.read_text())
    assert [r["execution_count"] for r in reports] == [1, 2, 3, 4]
    assert reports[2]["error"]["type"] == "NameError"
    assert {f["category"] for f in reports[3]["findings"]} == {"python-builtin"}
    for report in reports:
        assert errors(report) == []


MAGICS = """
import json, sys
from IPython.core.interactiveshell import InteractiveShell
import arrayprof
shell = InteractiveShell.instance()
shell.run_line_magic("load_ext", "arrayprof")
shell.run_cell("import numpy as np")
shell.run_cell("%%arrayprof --quiet --json " + sys.argv[1] + "\\na = np.ones((100, 100))\\nb = a.T.copy()\\n")
shell.run_cell("%%arrayprof --quiet\\nc = a[:, None] * a\\nraise KeyError('k')\\n")
shell.run_line_magic("arrayprof", "on --threshold 0")
shell.run_cell("d = np.zeros(10**5)\\ne = d[::2] + 1\\n")
shell.run_line_magic("arrayprof", "off")
print(json.dumps([r.to_dict() for r in arrayprof.history()]))
"""


def test_magic_and_automatic_mode_reports_validate(tmp_path: Path) -> None:
    """`%%arrayprof --json`, a `%%arrayprof` cell that raises, and automatic mode, in IPython."""
    path = tmp_path / "magic.json"
    run = subprocess.run([sys.executable, "-c", MAGICS, str(path)], capture_output=True, text=True,
                         timeout=300, cwd=tmp_path)
    assert run.returncode == 0, run.stderr
    reports = json.loads(run.stdout.splitlines()[-1])
    assert [r["rss"]["sampler"] for r in reports] == ["memory-profiler", "memory-profiler", "hwm-passive"]
    assert reports[1]["error"]["type"] == "KeyError"
    assert json.loads(path.read_text()) == reports[0]
    for report in reports:
        assert errors(report) == []


def test_an_undocumented_field_is_rejected() -> None:
    """The objects are closed: a field added to the report without the schema fails validation."""
    report = arrayprof.profile("import numpy as np\na = np.ones(3)\nb = a[1:]\nc = a + a\n", {}).to_dict()
    assert errors(report) == []
    places = {"top": lambda r: r, "numpy": lambda r: r["numpy"], "line": lambda r: r["lines"][0],
              "op": lambda r: r["ops"][0], "operand": lambda r: r["ops"][0]["operands"][0],
              "result": lambda r: r["ops"][0]["result"], "array": lambda r: r["arrays"][0],
              "other_threads": lambda r: r["numpy"]["other_threads"]}
    for place, where in places.items():
        changed = copy.deepcopy(report)
        where(changed)["undocumented"] = 1
        messages = [e.message for error in VALIDATOR.iter_errors(changed)
                    for e in (error, *error.context)]
        assert any("'undocumented' was unexpected" in m for m in messages), (place, messages)


def properties(definition: str) -> dict[str, Any]:
    return SCHEMA["properties"] if definition == "#" else SCHEMA["$defs"][definition]["properties"]


@pytest.mark.parametrize("definition", sorted(MODEL))
def test_every_model_field_is_in_the_schema(definition: str) -> None:
    """Each field of the report's dataclasses is a property of its schema object, required (every
    report has it); the schema may list more (contract fields arrayprof does not produce yet)."""
    fields = {f.name for f in dataclasses.fields(MODEL[definition])}
    schema_object = SCHEMA if definition == "#" else SCHEMA["$defs"][definition]
    missing = fields - set(properties(definition))
    assert not missing, f"{sorted(missing)} not in the schema's {definition!r}: {HINT}"
    optional = set(getattr(MODEL[definition], "OPTIONAL", ()))  # left out where they do not apply
    assert fields - optional == set(schema_object["required"]), \
        f"{definition!r}: 'required' lists every field"


def all_property_names() -> set[str]:
    names = set(SCHEMA["properties"])
    for definition in SCHEMA["$defs"].values():
        names |= set(definition.get("properties", {}))
        for nested in (definition.get("properties", {}).get("tasks"),
                       definition.get("properties", {}).get("workers"),
                       definition.get("properties", {}).get("computes"),
                       definition.get("properties", {}).get("arrays")):
            if nested:
                names |= set(nested["items"]["properties"])
    return names


def test_the_page_documents_every_field() -> None:
    """docs/report.md names every field the schema lists (as `name`)."""
    documented = set(re.findall(r"[a-z_]+", " ".join(re.findall(r"`([^`]+)`", PAGE))))
    missing = sorted(all_property_names() - documented)
    assert missing == [], f"fields the schema lists and docs/report.md does not name: {missing}"


def test_categories_and_severities_match_the_model() -> None:
    finding = SCHEMA["$defs"]["finding"]["properties"]
    assert finding["category"]["enum"] == list(report_model.CATEGORIES)
    assert finding["severity"]["enum"] == list(report_model.SEVERITIES)
    assert SCHEMA["properties"]["schema"]["const"] == report_model.SCHEMA
