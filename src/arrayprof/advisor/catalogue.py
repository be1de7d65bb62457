"""The rule catalogue as text: ``arrayprof rules``, ``%arrayprof rules`` and ``docs/rules.md``,
all read from the rules themselves (each rule module's `RULE` carries its own documentation).

    python -m arrayprof.advisor.catalogue > docs/rules.md

regenerates the page; tests/test_advisor_structure.py keeps it current.
"""

from __future__ import annotations

import sys
import textwrap

from arrayprof.advisor.rule import Rule
from arrayprof.advisor.rules import RULES
from arrayprof.report import CATEGORIES


def by_category() -> dict[str, list[Rule]]:
    """The rules grouped by category, in the report's category order."""
    grouped: dict[str, list[Rule]] = {category: [] for category in CATEGORIES}
    for rule in RULES:
        grouped[rule.category].append(rule)
    return {category: rules for category, rules in grouped.items() if rules}


def names() -> list[str]:
    """Every name `listing` accepts: the categories, then the rules."""
    return [*by_category(), *(rule.name for rule in RULES)]


def module_of(rule: Rule) -> str:
    """Where the rule lives, relative to the package: advisor/rules/<category>/<name>.py."""
    module = sys.modules[rule.check.__module__].__name__
    return module.removeprefix("arrayprof.").replace(".", "/") + ".py"


def first_sentence(text: str) -> str:
    head, dot, _ = text.partition(". ")
    return head + "." if dot else text


def describe(rule: Rule) -> str:
    """One rule whole, as terminal text."""
    example = "\n".join("    " + line for line in rule.example.splitlines())
    return (f"{rule.name} ({rule.category}; {module_of(rule)}; rewrite: {rule.rewrite})\n\n"
            f"What it finds: {rule.finds}\n\nWhy it costs: {rule.why}\n\nExample:\n{example}\n\n"
            f"Near misses it leaves alone: {rule.near_misses}\n")


def listing(name: str | None = None) -> str:
    """The catalogue as terminal text: every category with a paragraph per rule (its name two
    spaces in, continuation lines further), or every rule of one category whole, or one rule
    whole.  Raises KeyError for a name that is neither."""
    grouped = by_category()
    if name is None:
        out = []
        for category, rules in grouped.items():
            out.append(category)
            out += [textwrap.fill(first_sentence(rule.finds), width=100,
                                  initial_indent=f"  {rule.name:<28} ", subsequent_indent=" " * 31)
                    for rule in rules]
        return "\n".join(out) + "\n"
    if name in grouped:
        return "\n".join(describe(rule) for rule in grouped[name])
    for rule in RULES:
        if rule.name == name:
            return describe(rule)
    raise KeyError(name)


def markdown() -> str:
    """docs/rules.md: one section per category, one subsection per rule."""
    out = ["# Advisor rules", "",
           "Generated from the rules' own documentation (each module under "
           "`src/arrayprof/advisor/rules/<category>/` binds one `RULE`): "
           "`python -m arrayprof.advisor.catalogue > docs/rules.md`; "
           "tests/test_advisor_structure.py keeps it current. `arrayprof rules [NAME]` and "
           "`%arrayprof rules [NAME]` print the same.", "",
           "| category | rule | rewrite | module |", "| --- | --- | --- | --- |"]
    grouped = by_category()
    out += [f"| `{rule.category}` | [`{rule.name}`](#{rule.name}) | {rule.rewrite} | "
            f"`{module_of(rule)}` |" for rules in grouped.values() for rule in rules]
    for category, rules in grouped.items():
        out += ["", f"## `{category}`"]
        for rule in rules:
            out += ["", f"### `{rule.name}`", "", f"**What it finds.** {rule.finds}", "",
                    f"**Why it costs.** {rule.why}", "", "**Example.**", "", "```python",
                    rule.example, "```", "", f"**Near misses it leaves alone.** "
                    f"{rule.near_misses}", "", f"**Rewrite.** {rule.rewrite}"]
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    sys.stdout.write(markdown())
