"""The layout messages the panel's vitest tests draw (jupyterlab-arrayprof/test/layout-messages.json),
built by the kernel's real message code (the model's cache-line count, which depends on the
buffer's address, left out): `python tests/layout_fixtures.py` rewrites the file, and
tests/test_layout_geometry.py fails when it is not what the kernel sends today."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np
from numpy.lib.stride_tricks import as_strided

FIXTURE = Path(__file__).parents[1] / "jupyterlab-arrayprof" / "test" / "layout-messages.json"


def layout_messages() -> dict[str, Any]:
    """name -> the ``layout`` field of the kernel's ``array`` message for that array."""
    from arrayprof.kernel import messages

    a = np.arange(16, dtype=np.float32).reshape(4, 4)
    namespace: dict[str, Any] = {
        "a": a,
        "b": a[::2, ::2],
        "back": a[::-1, ::-2],
        "zero": np.broadcast_to(a[1], (3, 4)),
        "huge": as_strided(a, shape=(3, 2), strides=(2**62, 4)),
        "x": np.arange(2000.0),
    }
    out = {}
    for name in ("b", "back", "zero", "huge", "x"):
        fields = messages.array_fields(namespace, name)
        assert fields is not None
        layout = fields["layout"]
        # the one figure that depends on where NumPy put the buffer (its 64-byte alignment)
        layout["model"]["cache_lines"] = None
        out[name] = {"base": fields["info"]["base"], "layout": layout}
    return json.loads(json.dumps(out))


def fixture_text() -> str:
    return json.dumps(layout_messages(), indent=1, sort_keys=True) + "\n"


if __name__ == "__main__":
    FIXTURE.write_text(fixture_text(), encoding="utf-8")
