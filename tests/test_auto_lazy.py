"""Automatic mode advises a quick small cell when its findings are first asked for (issue 18), in
a real kernel: what the panel, `%arrayprof last`, JSON and the expanded summary show are the
findings an immediate advice gave; asking from inside a profiled cell does not measure the
advisor; a name rebound before the findings were computed is said."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest

jupyter_client = pytest.importorskip("jupyter_client")
pytest.importorskip("ipykernel")

TIMEOUT = 120
LOOP_CELL = "v = np.arange(1000.0)\ns = 0.0\nfor i in range(len(v)):\n    s += v[i]\n"
BUILTIN_CELL = "m = np.linspace(0, 1, 2500).reshape(50, 50)\nt = sum(m[0])\n"
FRESH = "for _name in ('v', 's', 'i', 'm', 't'):\n    globals().pop(_name, None)"
PROFILER = "__import__('arrayprof.kernel.extension', fromlist=['_']).auto_profiler(get_ipython())"


class Kernel:
    def __init__(self) -> None:
        self.manager = jupyter_client.KernelManager(kernel_name="python3")
        self.manager.start_kernel()
        self.client = self.manager.client()
        self.client.start_channels()
        self.client.wait_for_ready(timeout=TIMEOUT)

    def request(self, msg: dict[str, Any], reply: bool = True,
                ) -> tuple[list[dict[str, Any]], dict[str, Any]]:
        """Send a shell message; its iopub messages until idle, and its reply (comm messages
        have none)."""
        self.client.shell_channel.send(msg)
        msg_id = msg["header"]["msg_id"]
        seen = []
        while True:
            got = self.client.get_iopub_msg(timeout=TIMEOUT)
            if got["parent_header"].get("msg_id") != msg_id:
                continue
            if got["msg_type"] == "status" and got["content"]["execution_state"] == "idle":
                break
            seen.append(got)
        if not reply:
            return seen, {}
        answer = self.client.get_shell_msg(timeout=TIMEOUT)
        while answer["parent_header"].get("msg_id") != msg_id:
            answer = self.client.get_shell_msg(timeout=TIMEOUT)
        return seen, answer["content"]

    def run(self, code: str, silent: bool = False) -> tuple[str, list[dict[str, Any]]]:
        """Execute `code`: (printed text, display outputs)."""
        msg = self.client.session.msg("execute_request", {
            "code": code, "silent": silent, "store_history": not silent,
            "user_expressions": {}, "allow_stdin": False, "stop_on_error": True})
        seen, reply = self.request(msg)
        assert reply["status"] == "ok", reply
        text = "".join(m["content"]["text"] for m in seen if m["msg_type"] == "stream")
        shown = [m["content"] for m in seen if m["msg_type"] == "display_data"]
        return text, shown

    def comm(self, msg_type: str, content: dict[str, Any]) -> list[dict[str, Any]]:
        seen, _ = self.request(self.client.session.msg(msg_type, content), reply=False)
        return [m["content"]["data"] for m in seen if m["msg_type"] == "comm_msg"]

    def close(self) -> None:
        self.client.stop_channels()
        self.manager.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def kernel() -> Iterator[Kernel]:
    k = Kernel()
    k.run("import json\nimport numpy as np\nimport arrayprof\n%load_ext arrayprof", silent=True)
    try:
        yield k
    finally:
        k.close()


def facts(kernel: Kernel, expression: str) -> dict[str, Any]:
    """The measured content of a report (JSON), less what differs from run to run (times, RSS,
    the timeline's clock, the source's cell number); silently, so nothing new is profiled."""
    text, _ = kernel.run(f"print(({expression}).to_json())", silent=True)
    data = json.loads(text)
    data.pop("wall_s"), data.pop("rss"), data.pop("execution_count"), data["numpy"].pop("seconds")
    for line in data["lines"]:  # sampled and clocked: they vary between runs
        line.pop("seconds"), line.pop("numpy_seconds"), line.pop("samples")
    # a line that only took time has an entry when a sample happened to land on it
    data["lines"] = [line for line in data["lines"] if any(
        line[key] for key in ("allocations", "frees", "ops", "views", "copies"))]
    data["timeline"] = [point[1:] for point in data["timeline"]]
    for array in data["arrays"]:
        array.pop("cache_lines")  # counted from the buffer's real address, which each run draws
    for finding in data["findings"]:
        # the measured cost in a message varies between two runs; what was found does not
        finding["message"] = finding["explanation"] = None
    return data


@pytest.mark.parametrize("cell", [LOOP_CELL, BUILTIN_CELL])
def test_findings_asked_later_are_those_of_immediate_advice(kernel: Kernel, cell: str) -> None:
    kernel.run(f"{PROFILER}.eager_advice_s = 0.0\n%arrayprof on", silent=True)
    try:
        kernel.run(FRESH, silent=True)  # both runs start from the same namespace
        kernel.run(cell)
        eager = facts(kernel, "arrayprof.last_report()")
        kernel.run(f"{PROFILER}.eager_advice_s = 10.0\n{FRESH}", silent=True)
        kernel.run(cell)
        pending, _ = kernel.run("print(arrayprof.last_report().findings_pending)", silent=True)
        assert pending.strip() == "True"  # nothing computed them after the cell
        lazy = facts(kernel, "arrayprof.last_report()")
    finally:
        kernel.run("%arrayprof off", silent=True)
    assert eager["findings"], "the cell must have findings for this test to mean anything"
    assert lazy == eager


def test_last_and_the_panel_show_the_findings(kernel: Kernel) -> None:
    kernel.run(f"{PROFILER}.eager_advice_s = 10.0\n%arrayprof on", silent=True)
    try:
        _, shown = kernel.run(LOOP_CELL)
        assert shown == []  # a quick small cell shows nothing, as before
    finally:
        kernel.run("%arrayprof off", silent=True)
    comm_id = uuid.uuid4().hex
    kernel.comm("comm_open", {"comm_id": comm_id, "target_name": "arrayprof", "data": {}})
    count, _ = kernel.run("print(arrayprof.last_report().execution_count)", silent=True)
    answer = kernel.comm("comm_msg", {"comm_id": comm_id, "data": {
        "v": 1, "type": "get_report", "execution_count": int(count), "request_id": 1}})
    report = next(m for m in answer if m.get("type") == "report")
    assert [(f["category"], f["lineno"]) for f in report["report"]["findings"]] == \
        [("python-loop", 3)]
    assert report["summary"]["findings"] == 1
    kernel.comm("comm_close", {"comm_id": comm_id, "data": {}})
    text, _ = kernel.run("%arrayprof last", silent=True)
    _, shown = kernel.run("%arrayprof last")
    last = text + "".join(o["data"].get("text/plain", "") for o in shown)
    assert "python-loop" in last and "(line 3)" in last


def test_asking_inside_a_profiled_cell_does_not_measure_the_advisor(kernel: Kernel) -> None:
    kernel.run(f"{PROFILER}.eager_advice_s = 10.0\n%arrayprof on", silent=True)
    try:
        kernel.run(BUILTIN_CELL)
        kernel.run("found = arrayprof.last_report().findings\n")
        (report,) = [json.loads(kernel.run(f"print(arrayprof.history()[{i}].to_json())",
                                           silent=True)[0]) for i in (-1,)]
    finally:
        kernel.run("%arrayprof off", silent=True)
    assert report["source"].startswith("found = ")
    # the advisor evaluated NumPy expressions meanwhile: none of it is the cell's
    assert report["numpy"]["allocations"] == 0 and report["ops"] == []
    # its line took time (the findings were computed there), but no NumPy work of the cell's
    assert [(line["lineno"], line["allocations"], line["ops"], line["numpy_seconds"])
            for line in report["lines"]] in ([], [(1, 0, 0, 0.0)])
    text, _ = kernel.run("print(sorted({f.category for f in found}))", silent=True)
    assert text.strip() == "['python-builtin']"


def test_a_name_rebound_before_the_findings_were_computed_is_said(kernel: Kernel) -> None:
    kernel.run(f"{PROFILER}.eager_advice_s = 10.0\n%arrayprof on", silent=True)
    try:
        kernel.run(LOOP_CELL)
        kernel.run("v = np.zeros(3)")
    finally:
        kernel.run("%arrayprof off", silent=True)
    text, _ = kernel.run("r = arrayprof.history()[-2]\nprint(r.findings_pending)\n"
                         "r.findings\nprint(r.notes)", silent=True)
    pending, notes = text.strip().splitlines()
    assert pending == "True"
    assert "after later code rebound or changed v;" in notes


SLOW_GROWTH_CELL = ("import time\nlog = np.zeros(0)\nfor step in range(300):\n"
                    "    log = np.append(log, step)\ntime.sleep(0.06)\n")
QUICK_GROWTH_CELL = "log = np.zeros(0)\nfor step in range(300):\n    log = np.append(log, step)\n"


def test_verification_in_automatic_mode_is_bounded_by_the_cells_time(kernel: Kernel) -> None:
    """`%arrayprof on --verify` verifies within the cell's own time again plus 50 ms: a cell of
    60 ms and more cannot re-run its loop and the rewrite in that, and says so; a quick cell's
    rewrite is verified."""
    checks = "print(json.dumps([(f.category, f.rewrite.check) for f in " \
             "arrayprof.last_report().findings if f.rewrite is not None]))"
    kernel.run("%arrayprof on --verify --threshold 1GB", silent=True)
    try:
        kernel.run(QUICK_GROWTH_CELL)
        quick = json.loads(kernel.run(checks, silent=True)[0])
        kernel.run(SLOW_GROWTH_CELL)
        slow = json.loads(kernel.run(checks, silent=True)[0])
    finally:
        kernel.run("%arrayprof off", silent=True)
    assert [c for c, _ in quick] == ["growing-array"] and "skipped" not in quick[0][1]
    assert slow == [["growing-array", slow[0][1]]]
    assert slow[0][1].startswith("not verified: skipped: over this cell's verification budget")


def test_with_the_panel_open_findings_stay_pending_until_asked(kernel: Kernel) -> None:
    """The panel's row for a quick small cell carries no count (null) instead of running the
    advisor for it; asking for the report computes them and its summary carries the count."""
    comm_id = uuid.uuid4().hex
    kernel.comm("comm_open", {"comm_id": comm_id, "target_name": "arrayprof", "data": {}})
    kernel.run(f"{PROFILER}.eager_advice_s = 10.0\n%arrayprof on\n{FRESH}", silent=True)
    try:
        msg = kernel.client.session.msg("execute_request", {
            "code": LOOP_CELL, "silent": False, "store_history": True, "user_expressions": {},
            "allow_stdin": False, "stop_on_error": True})
        seen, reply = kernel.request(msg)
        assert reply["status"] == "ok", reply
        pushed = [m["content"]["data"] for m in seen if m["msg_type"] == "comm_msg"]
        cells = [m["cell"] for m in pushed if m.get("type") == "cell"]
        assert [(c["findings"], c["severities"], c["categories"]) for c in cells] == \
            [(None, {}, [])]
        pending, _ = kernel.run("print(arrayprof.last_report().findings_pending)", silent=True)
        assert pending.strip() == "True"  # the push (and the arrays list) did not compute them
        answer = kernel.comm("comm_msg", {"comm_id": comm_id, "data": {
            "v": 1, "type": "get_report", "execution_count": cells[0]["execution_count"],
            "request_id": 2}})
        report = next(m for m in answer if m.get("type") == "report")
        assert [f["category"] for f in report["report"]["findings"]] == ["python-loop"]
        assert (report["summary"]["findings"], report["summary"]["categories"]) == \
            (1, ["python-loop"])
        pending, _ = kernel.run("print(arrayprof.last_report().findings_pending)", silent=True)
        assert pending.strip() == "False"
    finally:
        kernel.run("%arrayprof off", silent=True)
        kernel.comm("comm_close", {"comm_id": comm_id, "data": {}})
