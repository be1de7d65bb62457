"""The advisor's structure (issue 12, part 1): rule modules share machinery modules and never
import one another, so a rule can be read, changed and tested on its own; the rule catalogue
(`advisor.catalogue`) documents every category and `docs/rules.md` is generated from it."""

from __future__ import annotations

import ast
from pathlib import Path

import arrayprof.advisor
from arrayprof.advisor import catalogue
from arrayprof.report import CATEGORIES

ADVISOR = Path(arrayprof.advisor.__file__).resolve().parent
ROOT = Path(__file__).resolve().parents[1]

# modules holding rules (functions registered with @rule); everything else is machinery
RULE_MODULES = {"api_misuse", "broadcasting", "copies", "dask_chunks", "dtypes", "layout",
                "loops"}


def imported_modules(path: Path) -> set[str]:
    """arrayprof.advisor modules `path` imports, at top level or inside functions."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.module:
            if node.module.startswith("arrayprof.advisor."):
                found.add(node.module.rsplit(".", 1)[1])
            elif node.module == "arrayprof.advisor":
                found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.startswith("arrayprof.advisor."):
                    found.add(alias.name.rsplit(".", 1)[1])
    return found


def test_the_rule_modules_are_the_ones_registering_rules() -> None:
    registering = {path.stem for path in ADVISOR.glob("*.py")
                   if "\n@rule\n" in path.read_text()}
    assert registering == RULE_MODULES


def test_no_rule_module_imports_another() -> None:
    offenders = {path.stem: sorted(imported_modules(path) & (RULE_MODULES - {path.stem}))
                 for path in ADVISOR.glob("*.py") if path.stem in RULE_MODULES}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_machinery_imports_no_rule_module() -> None:
    machinery = [p for p in ADVISOR.glob("*.py")
                 if p.stem not in RULE_MODULES and p.stem != "__init__"]
    assert {p.stem for p in machinery} >= {"ast_tools", "measured", "rewriting", "vectorizer",
                                           "verify", "catalogue"}
    offenders = {p.stem: sorted(imported_modules(p) & RULE_MODULES) for p in machinery}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_every_category_has_its_doc() -> None:
    assert [doc.category for doc in catalogue.CATALOGUE] == list(CATEGORIES)
    for doc in catalogue.CATALOGUE:
        assert doc.finds and doc.why and doc.example and doc.near_misses, doc.category
        assert doc.module in RULE_MODULES, doc.category
        assert "\n" in doc.example.strip() or "->" in doc.example, doc.category


def test_docs_rules_md_is_current() -> None:
    """`python -m arrayprof.advisor.catalogue > docs/rules.md` regenerates it."""
    assert (ROOT / "docs" / "rules.md").read_text() == catalogue.markdown()
