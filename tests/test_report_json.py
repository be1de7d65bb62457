"""Report.to_json: a fast encoder (orjson, straight from the dataclasses) with exactly the content
of the standard library's encoding of `to_dict()`, and the standard library wherever orjson would
write something else (issue 18)."""

from __future__ import annotations

import json
import math
from dataclasses import asdict

import numpy as np
import pytest

import arrayprof
from arrayprof.report import Report

pytestmark = pytest.mark.core


@pytest.fixture(scope="module")
def report() -> Report:
    namespace = {"np": np}
    return arrayprof.profile(
        "x = np.linspace(0, 1, 500)\n"
        "spread = np.abs(x[:, None] - x[None, :]).max()\n"
        "b = np.arange(64.0).reshape(8, 8)[::2, ::2]\n"
        "acc = []\n"
        "for i in range(300):\n"
        "    acc.append(np.ones(10) * i)\n"
        "t = np.array(acc).sum(axis=0)  # é, ünïcode in the source\n", namespace)


def reference(report: Report, indent: int | None = 2) -> str:
    return json.dumps(report.to_dict(), indent=indent)


def plain(report: Report) -> dict:
    """`asdict`, less the optional fields a cell's report leaves out (a line's file, `dask`)."""
    data = asdict(report)
    for row in data["lines"]:
        assert row.pop("filename") is None and row.pop("file_lineno") is None
    assert data.pop("dask") is None
    return data


def test_same_content_as_the_standard_encoder(report: Report) -> None:
    assert report.timeline and report.ops and report.arrays and report.findings
    assert json.loads(report.to_json()) == json.loads(reference(report))
    assert json.loads(report.to_json(indent=None)) == json.loads(reference(report, None))
    assert report.to_json(indent=4) == reference(report, 4)  # only orjson's indent 2 is fast
    assert report.to_dict() == plain(report)
    assert report.to_json().startswith('{\n  "source": ')


def test_to_dict_is_independent_of_the_report(report: Report) -> None:
    data = report.to_dict()
    data["timeline"][0][1] = -1
    data["ops"][0]["operands"].append({})
    assert report.timeline[0][1] != -1
    assert data["ops"][0]["operands"] != report.ops[0].operands


def test_non_finite_floats_and_huge_ints_fall_back(report: Report) -> None:
    odd = Report.from_dict(json.loads(report.to_json()))
    odd.wall_s = math.inf  # orjson would write null; the standard encoder Infinity
    assert odd.to_json() == reference(odd)
    odd.wall_s = 0.5
    odd.arrays[0].span_bytes = 2**70  # layouts are exact Python ints beyond 2^63
    assert odd.to_json() == reference(odd)
    odd.arrays[0].span_bytes = 8
    odd.ops[0].operands[0]["nan"] = math.nan
    assert odd.to_json() == reference(odd)


def test_pending_findings_are_computed_by_every_reader(report: Report) -> None:
    """`defer_findings` (automatic mode's quick cells): JSON, dicts, pickling and the attribute all
    see the computed findings, in the fields' order, and the computation runs once."""
    import pickle

    calls = []

    def compute(target: Report) -> None:
        calls.append(1)
        target.findings = list(report.findings)
        target.notes.append("computed")

    for read in (lambda r: r.to_json(), lambda r: json.dumps(r.to_dict()), pickle.dumps,
                 lambda r: r.findings):
        lazy = Report.from_dict(json.loads(report.to_json()))
        lazy.notes = []
        lazy.defer_findings(compute)
        assert lazy.findings_pending
        read(lazy)
        assert not lazy.findings_pending and lazy.notes == ["computed"]
        assert json.loads(lazy.to_json())["findings"] == json.loads(report.to_json())["findings"]
        assert list(json.loads(lazy.to_json())) == list(json.loads(report.to_json()))
    assert len(calls) == 4
