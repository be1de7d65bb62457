"""The advisor's structure (issue 12, part 1): one rule per module under ``advisor/rules/``,
grouped by category, each a documented value with its own test file of positives and near misses;
rule modules share machinery modules and never import one another (tests/test_layers.py checks
the imports); the catalogue, ``arrayprof rules`` and ``docs/rules.md`` are generated from the
rules' own documentation."""

from __future__ import annotations

import ast
import importlib
import re
from pathlib import Path

import pytest
from case_format import parse

import arrayprof.advisor
from arrayprof.advisor import catalogue
from arrayprof.advisor.rule import Rule
from arrayprof.advisor.rules import CATEGORY_PACKAGES, RULES
from arrayprof.report import CATEGORIES

ADVISOR = Path(arrayprof.advisor.__file__).resolve().parent
ROOT = Path(__file__).resolve().parents[1]
RULE_TESTS = ROOT / "tests" / "rules"


def rule_paths() -> list[Path]:
    return sorted(p for p in (ADVISOR / "rules").glob("*/*.py") if p.name != "__init__.py")


def test_every_rule_module_binds_one_rule_listed_by_its_category() -> None:
    listed = {rule.check.__module__: rule for rule in RULES}
    assert len(listed) == len(RULES), "two rules share a module"
    for path in rule_paths():
        name = f"arrayprof.advisor.rules.{path.parent.name}.{path.stem}"
        module = importlib.import_module(name)
        rules = [v for v in vars(module).values() if isinstance(v, Rule)]
        assert rules == [module.RULE], name  # one rule per module
        assert listed.get(name) is module.RULE, f"{name} is not in its package's RULES"
        assert module.RULE.category.replace("-", "_") == path.parent.name, name
    assert len(rule_paths()) == len(RULES)


def test_rules_are_named_and_documented() -> None:
    names = [rule.name for rule in RULES]
    assert len(set(names)) == len(names), "rule names must be unique"
    # a category's main rule may carry the category's name, never another category's
    assert all(r.name == r.category for r in RULES if r.name in CATEGORIES)
    for rule in RULES:
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", rule.name), rule.name
        assert rule.category in CATEGORIES, rule.name
        assert rule.finds and rule.why and rule.near_misses, rule.name
        assert "\n->" in rule.example, f"{rule.name}: an example is 'pattern\n->\nrewrite'"
        assert rule.rewrite in ("equivalent", "fix", "none"), rule.name


def test_every_category_has_a_package_and_the_packages_are_in_report_order() -> None:
    packages = [p.__name__.rsplit(".", 1)[1] for p in CATEGORY_PACKAGES]
    assert packages == [c.replace("-", "_") for c in CATEGORIES]
    assert {p.name for p in (ADVISOR / "rules").iterdir() if p.is_dir()
            and p.name != "__pycache__"} == set(packages)
    assert {rule.category for rule in RULES} == set(CATEGORIES)


def test_no_rule_is_registered_outside_the_catalogue() -> None:
    """The families of functions decorated ``@rule`` are gone: the catalogue is all there is."""
    decorated = {path.stem for path in ADVISOR.glob("*.py")
                 if re.search(r"^@rule$", path.read_text(), re.M)}
    assert decorated == set()
    assert arrayprof.advisor.RULES is RULES  # what advise() runs is the catalogue


def rule_test(rule: Rule) -> Path:
    return RULE_TESTS / f"test_rule_{rule.check.__module__.rsplit('.', 1)[1]}.py"


@pytest.mark.parametrize("rule", RULES, ids=[r.name for r in RULES])
def test_every_rule_has_its_positives_and_near_misses(rule: Rule) -> None:
    """tests/rules/test_rule_<module>.py: at least two cells the rule must flag and two look-alikes
    it must leave alone, in the one case format."""
    path = rule_test(rule)
    assert path.exists(), f"{rule.name}: no {path.relative_to(ROOT)}"
    tree = ast.parse(path.read_text())
    values = {}
    for node in tree.body:
        if isinstance(node, ast.AnnAssign | ast.Assign):
            target = node.target if isinstance(node, ast.AnnAssign) else node.targets[0]
            if isinstance(target, ast.Name) and target.id in ("POSITIVES", "NEAR_MISSES"):
                values[target.id] = ast.literal_eval(node.value)
    positives = [parse(t, n) for n, t in values.get("POSITIVES", {}).items()]
    near = [parse(t, n) for n, t in values.get("NEAR_MISSES", {}).items()]
    assert len(positives) >= 2 and len(near) >= 2, rule.name
    assert all(rule.category in {c for c, _ in case.expects} for case in positives), rule.name
    assert all(rule.category in case.expect_nots for case in near), rule.name


def test_listing_names_every_category_and_rule() -> None:
    text = catalogue.listing()
    for category, rules in catalogue.by_category().items():
        assert f"\n{category}\n" in f"\n{text}"
        for rule in rules:
            assert f"  {rule.name} " in text
    one = RULES[0]
    assert catalogue.listing(one.name).startswith(f"{one.name} ({one.category}; advisor/rules/")
    assert catalogue.listing(one.category).count("What it finds:") == \
        len(catalogue.by_category()[one.category])
    with pytest.raises(KeyError):
        catalogue.listing("no-such-rule")


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

    offenders = {path.stem: found for path in sorted(ADVISOR.rglob("*.py"))
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
