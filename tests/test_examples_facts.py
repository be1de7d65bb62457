"""Every `expect-fact` of the example cells (tests/cases/examples) holds when the cell runs
through `profile()`."""

from __future__ import annotations

import pytest
from shared_examples import fact_values, holds, load_examples

import arrayprof

EXAMPLES = load_examples()
FACTS = [(ex, fact) for ex in EXAMPLES for fact in ex.facts]


def test_examples_are_found() -> None:
    assert len(EXAMPLES) >= 20
    assert len(FACTS) >= 10


@pytest.mark.parametrize(("example", "fact"), FACTS,
                         ids=[f"{ex.name}:{fact[0]}" for ex, fact in FACTS])
def test_fact(example, fact) -> None:
    namespace: dict = {}
    exec(example.setup, namespace)
    report = arrayprof.profile(example.cell, namespace, verify=False).to_dict()
    path, op, expected = fact
    values = fact_values(report, path)
    assert values, f"{path} names nothing in the report"
    assert any(holds(v, op, expected) for v in values), f"{path}: {values} not {op} {expected}"
