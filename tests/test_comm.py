"""The sidebar's comm, kernel side, through a real kernel (jupyter_client), as the panel sees it.

Follows docs/comm-protocol.md: hello/welcome, validation of every field, pushes after cells, the
live array list, array detail with the layout, reports, automatic mode.
"""

from __future__ import annotations

import importlib.util
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from comm_schema import kernel_message_errors

jupyter_client = pytest.importorskip("jupyter_client")
pytest.importorskip("ipykernel")

TIMEOUT = 60


class Panel:
    """A stand-in for the JupyterLab panel: one comm to target ``arrayprof``."""

    def __init__(self, client: Any) -> None:
        self.client = client
        self.comm_id = uuid.uuid4().hex

    def _drain_until_idle(self, parent_id: str) -> list[dict[str, Any]]:
        """Comm messages for this comm seen on iopub until the kernel is idle after `parent_id`."""
        received: list[dict[str, Any]] = []
        while True:
            msg = self.client.get_iopub_msg(timeout=TIMEOUT)
            kind = msg["msg_type"]
            content = msg["content"]
            if kind == "comm_msg" and content.get("comm_id") == self.comm_id:
                # writers are strict: every message the kernel sends follows the schema
                assert kernel_message_errors(content["data"]) == [], content["data"]
                received.append(content["data"])
            if kind == "comm_close" and content.get("comm_id") == self.comm_id:
                received.append({"type": "<closed>"})
            if (kind == "status" and content["execution_state"] == "idle"
                    and msg["parent_header"].get("msg_id") == parent_id):
                return received

    def _send_shell(self, msg_type: str, content: dict[str, Any]) -> list[dict[str, Any]]:
        msg = self.client.session.msg(msg_type, content)
        self.client.shell_channel.send(msg)
        return self._drain_until_idle(msg["header"]["msg_id"])

    def open(self, data: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        return self._send_shell("comm_open", {"comm_id": self.comm_id, "target_name": "arrayprof",
                                              "data": data or {}})

    def send(self, data: Any) -> list[dict[str, Any]]:
        return self._send_shell("comm_msg", {"comm_id": self.comm_id, "data": data})

    def run(self, code: str) -> list[dict[str, Any]]:
        """Execute a cell as the notebook would; return this comm's messages it caused."""
        msg_id = self.client.execute(code, store_history=True)
        received = self._drain_until_idle(msg_id)
        reply = self.client.get_shell_msg(timeout=TIMEOUT)
        while reply["parent_header"].get("msg_id") != msg_id:
            reply = self.client.get_shell_msg(timeout=TIMEOUT)
        assert reply["content"]["status"] == "ok", reply["content"]
        return received


def of_type(messages: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [m for m in messages if m.get("type") == kind]


def only(messages: list[dict[str, Any]], kind: str) -> dict[str, Any]:
    found = of_type(messages, kind)
    assert len(found) == 1, messages
    return found[0]


@pytest.fixture(scope="module")
def kernel() -> Iterator[Any]:
    manager = jupyter_client.KernelManager(kernel_name="python3")
    manager.start_kernel()
    client = manager.client()
    client.start_channels()
    client.wait_for_ready(timeout=TIMEOUT)
    try:
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


@pytest.fixture(scope="module")
def loaded(kernel: Any) -> Any:
    """The kernel after the panel's bootstrap: ``%load_ext arrayprof`` (or, with an arrayprof
    whose extension does not call it yet, ``comm.register`` directly)."""
    panel = Panel(kernel)
    if importlib.util.find_spec("arrayprof.kernel.extension") is not None:
        panel.run("%load_ext arrayprof")
    panel.run("from arrayprof.kernel import comm as _c; _c.register(get_ipython())")
    return kernel


@pytest.fixture()
def panel(loaded: Any) -> Panel:
    return Panel(loaded)


def test_hello_answers_welcome_history_and_arrays(panel: Panel) -> None:
    messages = panel.open({"v": 1, "type": "hello", "client": "tests", "client_version": "1"})
    assert [m["type"] for m in messages] == ["welcome", "history", "arrays"]
    welcome = messages[0]
    assert welcome["v"] == 1 and welcome["protocol"] == 1
    assert set(welcome["auto"]) == {"available", "enabled", "threshold_bytes"}
    assert welcome["limits"]["max_incoming_bytes"] == 16 * 1024


def test_register_is_idempotent(panel: Panel) -> None:
    panel.run("from arrayprof.kernel import comm as _c; _c.register(get_ipython()); "
              "_c.register(get_ipython())")
    panel.open()
    messages = panel.send({"v": 1, "type": "refresh"})
    assert [m["type"] for m in messages] == ["history", "arrays"]


def test_live_arrays_after_each_cell_with_views_and_strides(panel: Panel) -> None:
    panel.open({"v": 1, "type": "hello"})
    panel.run("import numpy as np")
    pushed = panel.run("a = np.arange(16, dtype=np.float32).reshape(4, 4)")
    arrays = {info["name"]: info for info in only(pushed, "arrays")["arrays"]}
    assert arrays["a"]["shape"] == [4, 4] and arrays["a"]["strides"] == [16, 4]
    pushed = panel.run("b = a[::2, ::2]")
    listing = only(pushed, "arrays")
    arrays = {info["name"]: info for info in listing["arrays"]}
    assert arrays["b"]["shape"] == [2, 2]
    assert arrays["b"]["strides"] == [32, 8]
    assert arrays["b"]["is_view"] is True and arrays["b"]["base"] == "a"
    assert listing["numpy_bytes"] >= 64
    assert listing["rss_bytes"] is None or listing["rss_bytes"] > 0
    # every array in the namespace, not only what the last cell touched
    pushed = panel.run("x = 1")
    assert {"a", "b"} <= {info["name"] for info in only(pushed, "arrays")["arrays"]}
    # private names are left out
    pushed = panel.run("_hidden = np.zeros(3)")
    assert "_hidden" not in {info["name"] for info in only(pushed, "arrays")["arrays"]}


def test_cell_push_after_a_profiled_cell(panel: Panel) -> None:
    panel.open({"v": 1, "type": "hello"})
    panel.run("import numpy as np, arrayprof")
    pushed = panel.run("_r = arrayprof.profile('c = np.ones(1000)', {'np': np}, verify=False)")
    cell = only(pushed, "cell")["cell"]
    assert cell["allocated_bytes"] >= 8000
    assert cell["source_head"] == "c = np.ones(1000)"
    for key in ("index", "execution_count", "peak_bytes", "temporaries", "findings", "categories"):
        assert key in cell
    # and its full report on request
    report = only(panel.send({"v": 1, "type": "get_report", "index": cell["index"],
                              "request_id": "r1"}), "report")
    assert report["request_id"] == "r1"
    assert report["report"]["schema"].startswith("arrayprof.report/")
    assert report["report"]["source"] == "c = np.ones(1000)"


def test_automatic_mode_pushes_one_row_per_cell(panel: Panel) -> None:
    panel.open({"v": 1, "type": "hello"})
    answer = only(panel.send({"v": 1, "type": "set_auto", "enabled": True}), "auto")
    if not answer["available"]:
        pytest.skip("this arrayprof has no automatic mode")
    assert answer["enabled"] is True
    panel.run("import numpy as np")
    pushed = panel.run("d = np.zeros(1000)")
    cell = only(pushed, "cell")["cell"]
    assert cell["execution_count"] is not None
    assert cell["allocated_bytes"] >= 8000
    report = only(panel.send({"v": 1, "type": "get_report",
                              "execution_count": cell["execution_count"]}), "report")
    assert report["summary"]["execution_count"] == cell["execution_count"]
    # the panel's array push runs after the profiler's post_run_cell (never measured with the cell)
    order = panel.run("from arrayprof.kernel import comm as _c\n"
                      "_cb = get_ipython().events.callbacks['post_run_cell']\n"
                      "assert _cb[-1] == _c.hub_for(get_ipython()).on_post_run_cell, _cb")
    assert of_type(order, "arrays")
    answer = only(panel.send({"v": 1, "type": "set_auto", "enabled": False}), "auto")
    assert answer["enabled"] is False
    assert of_type(panel.run("e = np.zeros(10)"), "cell") == []


def test_array_detail_with_explanation_and_layout(panel: Panel) -> None:
    panel.open({"v": 1, "type": "hello"})
    panel.run("import numpy as np; a = np.arange(16, dtype=np.float32).reshape(4, 4); "
              "b = a[::2, ::2]")
    detail = only(panel.send({"v": 1, "type": "get_array", "name": "b", "request_id": 7}), "array")
    assert detail["request_id"] == 7
    assert detail["info"]["base"] == "a"
    assert detail["explanation"] and "b" in detail["explanation"]
    layout = detail["layout"]
    assert layout["element_offsets"] == [0, 8, 32, 40]
    assert layout["buffer_bytes"] == 64 and layout["itemsize"] == 4
    assert layout["grid_columns"] == 4  # drawn as a's 4 x 4 grid


@pytest.mark.parametrize(("data", "code"), [
    ("not an object", "bad-message"),
    ({"type": "hello"}, "bad-message"),
    ({"v": 2, "type": "hello"}, "unsupported-version"),
    ({"v": 1, "type": "exec", "code": "1"}, "unknown-type"),
    ({"v": 1, "type": "get_array"}, "bad-field"),
    ({"v": 1, "type": "get_array", "name": 3}, "bad-field"),
    ({"v": 1, "type": "get_array", "name": "x" * 300}, "too-large"),
    ({"v": 1, "type": "get_array", "name": "a" * 20_000}, "too-large"),
    ({"v": 1, "type": "set_auto", "enabled": "yes"}, "bad-field"),
    ({"v": 1, "type": "set_auto", "enabled": True, "threshold_bytes": -1}, "bad-field"),
    ({"v": 1, "type": "get_report"}, "bad-field"),
    ({"v": 1, "type": "get_report", "index": 0, "execution_count": 1}, "bad-field"),
    ({"v": 1, "type": "get_report", "index": 10**9}, "not-found"),
    ({"v": 1, "type": "get_array", "name": "no_such_array"}, "not-found"),
    ({"v": 1, "type": "get_array", "name": "not_an_array"}, "not-found"),
    ({"v": 1, "type": "hello", "request_id": {"x": 1}}, "bad-field"),
])
def test_invalid_messages_are_refused(panel: Panel, data: Any, code: str) -> None:
    panel.open()
    panel.run("not_an_array = [1, 2, 3]")
    error = only(panel.send(data), "error")
    assert error["code"] == code, error
    assert error["v"] == 1 and isinstance(error["message"], str)


def test_front_end_code_is_never_executed(panel: Panel, tmp_path: Path) -> None:
    marker = tmp_path / "pwned"
    panel.open()
    attack = f"__import__('pathlib').Path({str(marker)!r}).touch()"
    for data in ({"v": 1, "type": "get_array", "name": attack},
                 {"v": 1, "type": "get_array", "name": "__builtins__"},
                 {"v": 1, "type": "get_report", "index": attack}):
        assert only(panel.send(data), "error")["code"] in {"bad-field", "not-found", "too-large"}
    # a field the kernel does not know is ignored, never run (readers are tolerant)
    answered = panel.send({"v": 1, "type": "refresh", "code": attack})
    assert [m["type"] for m in answered] == ["history", "arrays"]
    assert not marker.exists()


def test_no_kernel_means_no_op() -> None:
    from arrayprof.kernel import comm

    class TerminalShell:
        kernel = None

    shell = TerminalShell()
    comm.register(shell)
    comm.register(None)
    assert comm.hub_for(shell) is None


def test_validate_accepts_the_documented_requests() -> None:
    from arrayprof.kernel.comm import validate

    for data in ({"v": 1, "type": "hello", "client": "c", "client_version": "1"},
                 {"v": 1, "type": "refresh", "request_id": "x"},
                 {"v": 1, "type": "set_auto", "enabled": True, "threshold_bytes": None},
                 {"v": 1, "type": "get_array", "name": "b"},
                 {"v": 1, "type": "get_report", "execution_count": 3}):
        assert validate(data) is data


def test_an_old_panel_and_a_newer_peer_keep_working(panel: Panel) -> None:
    """A newer panel's extra optional fields are ignored; an extra request type is answered with
    one ``unknown-type`` error and the comm keeps working (docs/comm-protocol.md, versioning)."""
    welcome = only(panel.open({"v": 1, "type": "hello", "client": "newer-panel",
                               "client_theme": "dark", "wants": ["layout_model"]}), "welcome")
    assert welcome["protocol"] == 1
    panel.run("import numpy as np\nextra_field_array = np.zeros((3, 4))")
    array = only(panel.send({"v": 1, "type": "get_array", "name": "extra_field_array",
                             "request_id": 7, "with_layout_model": True}), "array")
    assert array["request_id"] == 7 and array["info"]["shape"] == [3, 4]
    error = only(panel.send({"v": 1, "type": "subscribe", "topics": ["timeline"],
                             "request_id": "s1"}), "error")
    assert (error["code"], error["request_type"], error["request_id"]) == \
        ("unknown-type", "subscribe", "s1")
    after = panel.send({"v": 1, "type": "refresh", "request_id": 8})
    assert [(m["type"], m["request_id"]) for m in after] == [("history", 8), ("arrays", 8)]
