"""The one case format: every case collection parses through `case_format.parse`, and a header
the parser cannot read fails loudly instead of silently checking nothing."""

from __future__ import annotations

import pytest
from advisor_batch5_cases import BATCH5
from advisor_blind_cases import BLIND
from advisor_style_cases import CASES as STYLES
from advisor_unseen_cases import CASES as UNSEEN
from case_format import load_examples, parse

COLLECTIONS = {"batch5": BATCH5, "blind": BLIND, "styles": STYLES, "unseen": UNSEEN}


def test_every_collection_parses() -> None:
    for group, cases in COLLECTIONS.items():
        for name, text in cases.items():
            case = parse(text, name)
            assert case.cell.strip(), (group, name)
            # a case without header lines is good code: no warning may be reported
            assert all(c and n > 0 for c, n in case.expects), (group, name)
    examples = load_examples()
    assert examples and all(e.expects or e.expect_nots or e.facts for e in examples)


def test_header_language() -> None:
    case = parse("# expect: python-loop@3, dtype-upcast@1\n# expect-not: view-mutation\n"
                 "# expect-fact: numpy.peak_bytes == 8000\nimport numpy as np\n"
                 "# --- cell ---\nx = 1\n", "t")
    assert case.expects == [("python-loop", 3), ("dtype-upcast", 1)]
    assert case.expect_nots == ["view-mutation"]
    assert case.facts == [("numpy.peak_bytes", "==", 8000)]
    assert case.setup.endswith("import numpy as np\n") and case.cell == "x = 1\n"


@pytest.mark.parametrize("text", [
    "# expect python-loop@3\n# --- cell ---\nx = 1\n",  # no colon: would check nothing
    "# expect-fact: numpy.peak_bytes is 8000\n# --- cell ---\nx = 1\n",
    "# expect: python-loop@3\nx = 1\n",  # no cell marker
])
def test_unreadable_cases_fail_loudly(text: str) -> None:
    with pytest.raises(ValueError):
        parse(text, "bad")
