"""Rule nested-comprehension (advisor/rules/python_loop/nested_comprehension.py): a list of lists
built element by element from the rows of a 2-d array."""

from __future__ import annotations

import pytest
from advisor_harness import check_case

POSITIVES: dict[str, str] = {
    "affine_per_element": """# expect: python-loop@1
import numpy as np
grid = np.random.default_rng(84).random((100, 100))
# --- cell ---
scaled = np.array([[2.0 * v - 1.0 for v in row] for row in grid])
""",
    # new: math on every element, kept as a list of lists
    "math_sqrt_list_of_lists": """# expect: python-loop@2
import math
import numpy as np
M = np.random.default_rng(621).random((80, 80))
# --- cell ---
k = 3.0
roots = [[math.sqrt(v) * k for v in row] for row in M]
""",
    # new: a generator of rows handed to list()
    "generator_of_rows": """# expect: python-loop@1
import numpy as np
M = np.random.default_rng(622).random((90, 90))
# --- cell ---
squares = list([v * v for v in row] for row in M)
""",
}

NEAR_MISSES: dict[str, str] = {
    # string work on a small table
    "small_table_strings": """# expect-not: python-loop
import numpy as np
table = np.arange(12).reshape(3, 4)
# --- cell ---
cells = [[f"{v:02d}" for v in row] for row in table]
""",
    # new: arithmetic, but under 5,000 elements
    "small_matrix": """# expect-not: python-loop
import numpy as np
M = np.random.default_rng(623).random((40, 40))
# --- cell ---
scaled = [[2.0 * v for v in row] for row in M]
""",
    # new: the inner element does not use the element (a fresh table of zeros)
    "element_unused": """# expect-not: python-loop
import numpy as np
M = np.random.default_rng(624).random((100, 100))
# --- cell ---
blank = [[0 for v in row] for row in M]
""",
}

UNVERIFIABLE: dict[tuple[str, str], str] = {}

CASES = {**POSITIVES, **NEAR_MISSES}


@pytest.mark.parametrize("name", sorted(CASES))
def test_case(name: str) -> None:
    check_case(name, CASES[name], UNVERIFIABLE)
