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


def id_keyed_registries(source: str) -> list[str]:
    """Containers that outlive a call and are written under an ``id(...)`` key: a module-level
    name (assigned at module scope or imported, also inside a function) or an attribute of an
    imported module.  Such a registry outlives the objects it names, so a later object reusing an
    address inherits what was meant for another (issue 12).  Tables built once into a local and
    bound at module scope (effects' NumPy objects, kept alive beside their ids) are not writes."""
    tree = ast.parse(source)

    def id_call(node: ast.AST) -> bool:
        return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "id"
                   for n in ast.walk(node))

    def imported(scope: ast.AST) -> set[str]:
        return {(a.asname or a.name).split(".")[0] for n in ast.walk(scope)
                if isinstance(n, ast.Import | ast.ImportFrom) for a in n.names}

    modules = imported(tree)
    functions = [n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef)]
    local: dict[int, set[str]] = {}  # id of a node in a function -> that function's own names
    for func in functions:
        names = {a.arg for a in ast.walk(func.args) if isinstance(a, ast.arg)}
        names |= {n.id for n in ast.walk(func) if isinstance(n, ast.Name)
                  and isinstance(n.ctx, ast.Store)}
        names -= {n for g in ast.walk(func) if isinstance(g, ast.Global) for n in g.names}
        names -= imported(func)
        for node in ast.walk(func):
            local[id(node)] = local.get(id(node), set()) | names  # with enclosing functions'

    def lasting(container: ast.AST) -> str | None:
        if isinstance(container, ast.Name) and container.id not in local.get(id(container), ()):
            return container.id
        if isinstance(container, ast.Attribute) and isinstance(container.value, ast.Name) and \
                container.value.id in modules:
            return f"{container.value.id}.{container.attr}"
        return None

    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and isinstance(node.ctx, ast.Store) and \
                id_call(node.slice) and (name := lasting(node.value)):
            found.append(f"{name}[...] at line {node.lineno}")
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and \
                node.func.attr in ("setdefault", "__setitem__", "add", "update") and \
                node.args and id_call(node.args[0]) and (name := lasting(node.func.value)):
            found.append(f"{name}.{node.func.attr} at line {node.lineno}")
    return found


def test_the_registry_check_finds_the_old_pattern() -> None:
    old = ("FIX_CHECKS: dict[int, object] = {}\nCOSTS = {}\n"
           "def rule(rewrite, finding, check):\n"
           "    FIX_CHECKS[id(rewrite)] = check\n"
           "    COSTS.setdefault(id(finding), 0)\n"
           "    local = {}\n    local[id(rewrite)] = check\n")
    assert id_keyed_registries(old) == ["FIX_CHECKS[...] at line 4",
                                        "COSTS.setdefault at line 5"]


def test_no_advisor_module_keeps_a_registry_keyed_by_id() -> None:
    """Costs, fix checkers and function scopes travel on the findings and rewrites themselves
    (`facts.cost_of`, `verify.fix_check`, `verify.scope_of`) for one advise() call."""
    from arrayprof.advisor import facts, verify

    offenders = {path.stem: found for path in sorted(ADVISOR.glob("*.py"))
                 if (found := id_keyed_registries(path.read_text()))}
    assert offenders == {}
    for module, name in ((verify, "FIX_CHECKS"), (verify, "SCOPED"), (facts, "COSTS")):
        assert not hasattr(module, name), name


def test_findings_leave_advise_with_their_fields_only() -> None:
    """A fix inside a cell function carries its checker and its scope on the rewrite through
    verification (the check is the checker's words), and nothing but the dataclass fields is
    left on the findings and rewrites that advise() returns."""
    from dataclasses import fields

    from advisor_harness import run_case
    from advisor_unseen_cases import CASES

    report, *_ = run_case(CASES["mk_inside_function_positional_axis"])
    inside = next(f for f in report.findings if f.category == "missing-keepdims")
    assert inside.rewrite is not None and inside.rewrite.code == \
        "    return M - M.mean(1, keepdims=True)"
    assert "mean 0" in inside.rewrite.check
    for found in report.findings:
        assert set(vars(found)) == {f.name for f in fields(found)}
        if found.rewrite is not None:
            assert set(vars(found.rewrite)) == {f.name for f in fields(found.rewrite)}
