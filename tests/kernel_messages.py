"""Reading a real kernel's replies as a front end does, shared by the tests that drive kernels
(jupyter_client's client is passed in, so importing this needs nothing but the standard library)."""

from __future__ import annotations

import queue
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any


@contextmanager
def running_kernel() -> Iterator[Any]:
    """A real python3 kernel (jupyter_client) for the block; its client is yielded."""
    from jupyter_client.manager import start_new_kernel

    manager, client = start_new_kernel(kernel_name="python3")
    try:
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def execute(client: Any, code: str, timeout: float = 120) -> dict[str, Any]:
    """Run code; collect outputs, the reply status and any error, as a front end would."""
    return collect(client, client.execute(code), timeout)


def collect(client: Any, msg_id: str, timeout: float = 120,
            until: str | None = None) -> dict[str, Any]:
    """Outputs, reply status and reply content of the request `msg_id`.  With `until`, return
    `{"outputs": ...}` as soon as that text has been printed (the cell still running)."""
    outputs: list[dict[str, Any]] = []
    deadline = time.monotonic() + timeout
    while True:
        try:
            msg = client.get_iopub_msg(timeout=max(0.1, deadline - time.monotonic()))
        except queue.Empty:
            raise AssertionError(f"no {'output ' + until if until else 'idle'}") from None
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind = msg["msg_type"]
        if kind == "status" and msg["content"]["execution_state"] == "idle":
            break
        if kind in ("stream", "display_data", "execute_result", "error"):
            outputs.append({"type": kind, **msg["content"]})
            if until is not None and kind == "stream" and until in msg["content"]["text"]:
                return {"outputs": outputs}
    reply = client.get_shell_msg(timeout=timeout)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = client.get_shell_msg(timeout=timeout)
    return {"status": reply["content"]["status"], "outputs": outputs, "reply": reply["content"]}


def text_of(result: dict[str, Any], sep: str = "") -> str:
    """What a cell showed as plain text: its streams, the text/plain of its displays and result,
    and ``ename: evalue`` of an error, joined by `sep`."""
    parts = []
    for out in result["outputs"]:
        if out["type"] == "stream":
            parts.append(out["text"])
        elif out["type"] in ("display_data", "execute_result"):
            parts.append(out["data"].get("text/plain", ""))
        elif out["type"] == "error":
            parts.append(f"{out['ename']}: {out['evalue']}")
    return sep.join(parts)
