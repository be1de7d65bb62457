"""Keeping a report does not look at the whole history or linecache per cell (issue 18): IPython
adds a linecache entry per cell, so that pass grew with the session.  arrayprof's own entries
still go as before (tests/test_bounded.py checks which stay)."""

from __future__ import annotations

import linecache

import numpy as np
import pytest

import arrayprof
from arrayprof import api

pytestmark = pytest.mark.core


class CountingCache(dict):  # type: ignore[type-arg]
    """linecache's dict, counting passes over it."""

    passes = 0

    def __iter__(self):  # type: ignore[no-untyped-def]
        CountingCache.passes += 1
        return super().__iter__()


def test_keeping_a_report_makes_no_pass_over_linecache(monkeypatch: pytest.MonkeyPatch) -> None:
    cache = CountingCache(linecache.cache)
    for n in range(1000):  # a long notebook session's cells
        cache[f"<ipython-input-{n}-0123456789ab>"] = (1, None, ["x = 1\n"], "")
    monkeypatch.setattr(linecache, "cache", cache)
    monkeypatch.setattr(api, "_sweeps", 1)  # the periodic full pass is not due in these 10 cells
    for n in range(10):
        arrayprof.profile(f"y = np.ones({n + 1})\n", {"np": np}, verify=False)
    assert CountingCache.passes == 0
    own = [k for k in dict.keys(cache) if k.startswith("<arrayprof-cell-")]
    assert own  # the reports' own sources are registered and kept while in the history
    api.clear_history()
    assert [k for k in dict.keys(cache) if k.startswith("<arrayprof-")] == []


def test_ipython_named_sources_are_never_swept() -> None:
    """A %%arrayprof cell is compiled under IPython's own cell name (its traceback reads In[N]);
    sweeping arrayprof's sources must leave that linecache entry to IPython (the sweep over the
    newly registered names dropped it, and tracebacks lost the cell's lines)."""
    from arrayprof.session import register_source

    name = "<ipython-input-7-0123456789ab>"
    register_source(name, "f()\n")
    try:
        api._sweep_sources()
        assert linecache.getlines(name) == ["f()\n"]
    finally:
        linecache.cache.pop(name, None)
