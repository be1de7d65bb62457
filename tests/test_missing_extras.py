"""Every entry point works with the base install, or says in one line which extra to install.

Each check runs in a fresh interpreter where the optional modules really fail to import: a
``sitecustomize`` on ``PYTHONPATH`` puts a finder first on ``sys.meta_path`` that raises
``ModuleNotFoundError`` for them, as a base install (``pip install arrayprof``) would.  The command
line is the installed console script, run as users run it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

# what the extras bring (`notebook`, `lab`, `test`) and the base install does not; IPython's own
# dependencies (traitlets, ...) are in the base install
OPTIONAL = ("nbformat", "nbclient", "nbconvert", "ipywidgets", "anywidget", "ipykernel", "jupyter_client",
            "comm", "jupyterlab", "jupyterlab_arrayprof", "jsonschema")

BLOCKER = textwrap.dedent('''
    import importlib.abc
    import os
    import sys

    BLOCKED = set(os.environ["ARRAYPROF_TEST_BLOCK"].split(","))

    class Blocker(importlib.abc.MetaPathFinder):
        """Optional modules are not installed here."""

        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in BLOCKED:
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    sys.meta_path.insert(0, Blocker())
''')

NOTEBOOK_LINE = ("arrayprof: reading notebooks needs nbformat, which is not installed: "
                 "pip install 'arrayprof[notebook]'")


@pytest.fixture
def base_env(tmp_path: Path) -> dict[str, str]:
    """Environment of a subprocess in which the optional modules cannot be imported."""
    site = tmp_path / "site"
    site.mkdir()
    (site / "sitecustomize.py").write_text(BLOCKER)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(site), *filter(None, [env.get("PYTHONPATH")])])
    env["ARRAYPROF_TEST_BLOCK"] = ",".join(OPTIONAL)
    return env


def python(code: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=cwd, capture_output=True, text=True,
                          timeout=300)


def console_script() -> list[str]:
    """The installed `arrayprof` command beside this interpreter (else the module it runs)."""
    script = Path(sys.executable).with_name("arrayprof")
    return [str(script)] if script.exists() else [sys.executable, "-m", "arrayprof.cli"]


def test_the_blocker_really_blocks(base_env: dict[str, str], tmp_path: Path) -> None:
    code = "import importlib\n" + "\n".join(
        f"try:\n    importlib.import_module({name!r})\nexcept ModuleNotFoundError:\n    print({name!r})"
        for name in OPTIONAL)
    run = python(code, base_env, tmp_path)
    assert run.stdout.split() == list(OPTIONAL), run.stderr


def notebook(path: Path, *sources: str) -> Path:
    path.write_text(json.dumps({
        "cells": [{"cell_type": "code", "execution_count": None, "metadata": {}, "outputs": [],
                   "source": source} for source in sources],
        "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    return path


def test_run_notebook_without_the_notebook_extra_says_which_extra(base_env, tmp_path) -> None:
    path = notebook(tmp_path / "cells.ipynb", "import numpy as np\na = np.ones(10)\n")
    run = subprocess.run([*console_script(), "run", str(path), "--json", str(tmp_path / "out.json")],
                         env=base_env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 2
    assert run.stderr.splitlines() == [NOTEBOOK_LINE]
    assert run.stdout == "" and not (tmp_path / "out.json").exists()


def test_run_script_works_with_the_base_install(base_env, tmp_path) -> None:
    script = tmp_path / "cell.py"
    script.write_text("import numpy as np\nx = np.ones(1000)\ny = x[:, None] * x\n")
    out, html = tmp_path / "out.json", tmp_path / "out.html"
    run = subprocess.run([*console_script(), "run", str(script), "--json", str(out), "--html", str(html)],
                         env=base_env, cwd=tmp_path, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    (report,) = json.loads(out.read_text())
    assert report["error"] is None and report["numpy"]["allocated_bytes"] >= 8_008_000
    assert html.read_text().startswith("<!DOCTYPE html>")
    assert "arrayprof:" in run.stdout


def test_python_api_and_magics_work_with_the_base_install(base_env, tmp_path) -> None:
    code = textwrap.dedent('''
        import sys
        import arrayprof
        report = arrayprof.profile("import numpy as np\\na = np.ones(1000)\\n")
        assert report.numpy.allocated_bytes >= 8000 and report.error is None, report
        from IPython.core.interactiveshell import InteractiveShell
        shell = InteractiveShell.instance()
        shell.run_line_magic("load_ext", "arrayprof")
        shell.run_cell("import numpy as np")
        result = shell.run_cell("%%arrayprof\\nb = np.zeros(500)\\n")
        assert result.success, result
        assert shell.user_ns["b"].shape == (500,)
        try:
            from arrayprof.render import ReportWidget  # noqa: F401
        except ModuleNotFoundError as error:
            print(error, file=sys.stderr)
        ''')
    run = python(code, base_env, tmp_path)
    assert run.returncode == 0, run.stderr
    assert "arrayprof:" in run.stdout and "line" in run.stdout  # the text report of %%arrayprof
    assert run.stderr.splitlines()[-1] == ("arrayprof: the report widget needs ipywidgets, which is not "
                                           "installed: pip install 'arrayprof[notebook]'")


def test_a_missing_dependency_of_an_installed_extra_is_named(base_env, tmp_path) -> None:
    """nbformat present but one of its own dependencies missing: still one line, naming it."""
    base_env["ARRAYPROF_TEST_BLOCK"] = "fastjsonschema,jsonschema"
    pytest.importorskip("nbformat")
    path = notebook(tmp_path / "cells.ipynb", "x = 1\n")
    run = subprocess.run([*console_script(), "run", str(path)], env=base_env, cwd=tmp_path,
                         capture_output=True, text=True, timeout=300)
    if run.returncode == 0:
        pytest.skip("this nbformat imports without fastjsonschema and jsonschema")
    assert run.returncode == 2
    assert len(run.stderr.splitlines()) == 1 and "pip install 'arrayprof[notebook]'" in run.stderr
