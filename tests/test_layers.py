"""The layers of the design point one way (issue 16): a module that imports across them fails here.

- the native core knows nothing of IPython, and its Python face (``tracker.py``) nothing of the
  kernel glue or the renderers;
- the report (the data model) imports no renderer, no kernel glue, no advisor, no tracker;
- an advisor rule imports no other rule and not the session (rules read the report and the
  ``CellContext``; the advisor measures rewrites through a callable it is given);
- the renderers import nothing of the tracker, the native core or the session: they read reports.

Imports are read with ``ast`` from every module under ``src/arrayprof`` (imports inside functions
included), so a lazy import counts as much as one at the top.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

pytestmark = pytest.mark.core

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "arrayprof"

# Imports that cross a layer today, each with the issue that removes it.  Empty: keep it so (the
# advisor's own import of the session went in issue 16: it is given `measure` instead).
KNOWN_EXCEPTIONS: set[tuple[str, str]] = set()

def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def imports_of(path: Path, name: str | None = None) -> set[str]:
    """Every module `path` (module `name`) imports: absolute names, ``from a import b`` giving
    ``a`` and ``a.b``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    name = name or module_name(path)
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")
                anchor = anchor[:len(anchor) - (node.level - 1)]
                base = ".".join(anchor + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def modules() -> dict[str, set[str]]:
    return {module_name(p): imports_of(p) for p in sorted(PACKAGE.rglob("*.py"))}


def within(name: str, prefixes: tuple[str, ...]) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def crossings(importer: str, imported: set[str], forbidden: tuple[str, ...]) -> list[str]:
    return sorted(name for name in imported if within(name, forbidden)
                  and (importer, name) not in KNOWN_EXCEPTIONS)


def rule_modules() -> set[str]:
    """The rule modules: one per rule, under ``arrayprof.advisor.rules.<category>``."""
    return {module_name(path) for path in (PACKAGE / "advisor" / "rules").glob("*/*.py")
            if path.name != "__init__.py"}


def test_the_import_reader_sees_every_form(tmp_path: Path) -> None:
    """The reader itself: absolute, from-, relative and function-level imports are all seen."""
    sample = tmp_path / "probe.py"
    sample.write_text("import IPython.display\nfrom . import html\n"
                      "def f():\n    from ..tracker import layout\n", encoding="utf-8")
    found = imports_of(sample, "arrayprof.render.probe")
    assert {"IPython.display", "arrayprof.render", "arrayprof.render.html", "arrayprof.tracker",
            "arrayprof.tracker.layout"} <= found


def test_native_core_knows_nothing_of_ipython() -> None:
    for path in sorted((PACKAGE / "_native").glob("*.[ch]")):
        code = re.sub(r"/\*.*?\*/|//[^\n]*", "", path.read_text(encoding="utf-8"), flags=re.S)
        assert "IPython" not in code and "ipykernel" not in code, path.name
    imported = modules()["arrayprof.tracker"]
    assert crossings("arrayprof.tracker", imported, ("IPython", "ipykernel", "ipywidgets",
                                                     "arrayprof.kernel", "arrayprof.render",
                                                     "arrayprof.advisor", "arrayprof.session")) == []


def test_report_imports_no_renderer_kernel_or_advisor() -> None:
    imported = modules()["arrayprof.report"]
    assert crossings("arrayprof.report", imported, (
        "arrayprof.render", "arrayprof.kernel", "arrayprof.advisor", "arrayprof.session",
        "arrayprof.tracker", "arrayprof._native", "IPython", "ipywidgets")) == []


def test_the_report_still_shows_itself() -> None:
    """Its display methods come from the glue, not from report.py, and work on import."""
    import arrayprof.report as report_module
    from arrayprof.render.html import report_html
    from arrayprof.render.samples import known_report
    from arrayprof.render.text import render_text

    report = known_report()
    assert "_repr_html_" not in vars(report_module.Report) or \
        vars(report_module.Report)["_repr_html_"].__module__ == "arrayprof.kernel.reprs"
    assert report._repr_html_() == report_html(report)
    assert str(report) == render_text(report)
    assert repr(report).startswith("<arrayprof Report In[7]: ")


def test_rules_import_no_other_rule_nor_the_session() -> None:
    """A rule module imports machinery only; machinery imports no rule (the catalogue and the
    advisor's runner read the rules package, nothing else does)."""
    rules = rule_modules()
    assert {"arrayprof.advisor.rules.dtype_overflow.narrowing_cast",
            "arrayprof.advisor.rules.non_contiguous.column_walk"} <= rules
    readers = {"arrayprof.advisor", "arrayprof.advisor.catalogue"}
    bad = {}
    for name, imported in modules().items():
        if not name.startswith("arrayprof.advisor"):
            continue
        forbidden: tuple[str, ...] = ("arrayprof.session", "arrayprof.kernel", "arrayprof.render",
                                      "IPython")
        if name in rules:
            forbidden += ("arrayprof.advisor.rules",)
        elif not name.startswith("arrayprof.advisor.rules") and name not in readers:
            forbidden += ("arrayprof.advisor.rules",)
        crossed = crossings(name, imported, forbidden)
        if crossed:
            bad[name] = crossed
    assert bad == {}


def test_renderers_import_nothing_of_the_tracker() -> None:
    bad = {}
    for name, imported in modules().items():
        if name.startswith("arrayprof.render"):
            crossed = crossings(name, imported, ("arrayprof.tracker", "arrayprof._native",
                                                 "arrayprof.session", "arrayprof.kernel",
                                                 "arrayprof.advisor"))
            if crossed:
                bad[name] = crossed
    assert bad == {}


def test_context_is_below_the_session() -> None:
    """`CellContext` lives in its own module, which imports neither the session nor the tracker."""
    from arrayprof.context import CellContext
    from arrayprof.session import Session  # noqa: F401  (still importable beside it)

    assert CellContext.__module__ == "arrayprof.context"
    assert crossings("arrayprof.context", modules()["arrayprof.context"],
                     ("arrayprof.session", "arrayprof.tracker", "arrayprof._native")) == []


def test_the_advisor_runs_code_only_through_the_measure_it_is_given() -> None:
    """The advisor verifies a rewrite by calling the `measure` its caller passes (the session's),
    once for the original and once for the rewrite; without one it verifies nothing and says so."""
    import numpy as np

    import arrayprof.advisor
    from arrayprof.session import Session, measure

    calls: list[str] = []

    def counting(code: str, namespace: dict, filename: str) -> tuple[int, BaseException | None]:
        calls.append(code)
        return measure(code, namespace, filename)

    session = Session("s = sum(x)\n", {"x": np.arange(300_000.0)}, capture=True)
    report, _, _ = session.run()
    found = arrayprof.advisor.advise(report, session.context(report), measure=counting)
    rewrite = next(f for f in found if f.category == "python-builtin").rewrite
    assert rewrite is not None and rewrite.verified and rewrite.equal
    assert calls == ["s = sum(x)", rewrite.code] == ["s = sum(x)", "s = np.sum(x)"]
    found = arrayprof.advisor.advise(report, session.context(report))
    rewrite = next(f for f in found if f.category == "python-builtin").rewrite
    assert rewrite is not None and not rewrite.verified
    assert rewrite.check == "not verified: no way to run code was given to the advisor"
