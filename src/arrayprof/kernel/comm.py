"""The kernel end of the JupyterLab sidebar's comm (target ``arrayprof``).

The protocol is written down in ``docs/comm-protocol.md`` (version 1); this module follows that
document.  In short: the panel opens a comm with a ``hello``; the kernel answers ``welcome``, then
``history`` and ``arrays``; after every cell it pushes ``cell`` (a profiled cell's summary) and
``arrays`` (every public ndarray in the namespace); the panel may ask for ``get_array``,
``get_report``, ``set_auto`` and ``refresh``.

Every incoming message is validated (version, type, the fields it needs, their types, sizes) before
it is acted on; fields the kernel does not know are ignored (a newer panel's optional additions).
Nothing sent by the front end is ever executed: array names are looked up in the user namespace as
dictionary keys, never evaluated.  This module only validates and moves messages: what it sends is
built in ``kernel/messages.py`` from the reports and the inventory.  Both directions follow
``docs/comm.schema.json`` (``tests/test_comm_schema.py`` checks `REQUESTS` against it).

``register(ipython)`` is what ``%load_ext arrayprof`` calls; it is idempotent and does nothing when
IPython runs without a kernel (terminal IPython).
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from typing import Any

# the outgoing messages are built in messages.py; the names stay importable from here
from arrayprof.kernel.messages import (  # noqa: F401
    MAX_ARRAYS,
    MAX_EXPLANATION_CHARS,
    MAX_HISTORY,
    MAX_LAYOUT_ELEMENTS,
    MAX_REPORT_BYTES,
    MAX_SOURCE_HEAD_CHARS,
    PROTOCOL_VERSION,
    array_fields,
    arrays_payload,
    cell_summary,
    first_offsets,
    history_fields,
    memory_layout,
    message,
    report_payload,
)

TARGET_NAME = "arrayprof"

# Limits (also in docs/comm-protocol.md).
MAX_INCOMING_BYTES = 16 * 1024
MAX_NAME_CHARS = 256
MAX_TEXT_CHARS = 200
MAX_REQUEST_ID_CHARS = 64
MAX_THRESHOLD_BYTES = 2**53  # JSON numbers are exact up to here in every front end
# Rate limit (docs/comm-protocol.md, "Rate limit"): a token bucket of requests, and a budget of the
# kernel's time spent answering them.  A request over either limit is answered at once with an
# ``error`` of code ``busy``, so a flood of requests can never queue minutes of work.
RATE_BURST = 20  # requests answered back to back
RATE_PER_SECOND = 10.0  # tokens regained per second
WORK_SHARE = 0.5  # of wall time the panel's requests may take on average
MAX_WORK_DEBT_S = 2.0  # seconds of work ahead of that share before requests are refused
MAX_QUEUED_S = 1.0  # a request that waited longer in the kernel's queue is refused unanswered
BUSY_REPLIES_PER_SECOND = 5.0  # busy errors sent; more refusals in a second go unanswered

JsonDict = dict[str, Any]


class ProtocolError(Exception):
    """An incoming message the kernel refuses; becomes an ``error`` message to the panel."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


# --------------------------------------------------------------------------------------------
# Validation

def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _check_text(field: str, value: Any, limit: int) -> None:
    if not isinstance(value, str):
        raise ProtocolError("bad-field", f"field {field!r} must be a string")
    if len(value) > limit:
        raise ProtocolError("too-large", f"field {field!r} is longer than {limit} characters")


def _check_request_id(value: Any) -> None:
    if value is None or (_is_int(value) and abs(value) <= MAX_THRESHOLD_BYTES):
        return
    _check_text("request_id", value, MAX_REQUEST_ID_CHARS)


def _check_name(value: Any) -> None:
    _check_text("name", value, MAX_NAME_CHARS)
    if not value.isidentifier():
        raise ProtocolError("bad-field", "field 'name' must be a Python identifier")


def _check_bool(field: str, value: Any) -> None:
    if not isinstance(value, bool):
        raise ProtocolError("bad-field", f"field {field!r} must be true or false")


def _check_count(field: str, value: Any, *, nullable: bool = False) -> None:
    if value is None and nullable:
        return
    if not _is_int(value) or value < 0 or value > MAX_THRESHOLD_BYTES:
        raise ProtocolError("bad-field", f"field {field!r} must be a non-negative integer")


# For each request type: field -> (required, checker).  ``v``, ``type`` and ``request_id`` are
# common to all.
Checker = Callable[[Any], None]
REQUESTS: dict[str, dict[str, tuple[bool, Checker]]] = {
    "hello": {
        "client": (False, lambda v: _check_text("client", v, MAX_TEXT_CHARS)),
        "client_version": (False, lambda v: _check_text("client_version", v, MAX_TEXT_CHARS)),
    },
    "refresh": {},
    "set_auto": {
        "enabled": (True, lambda v: _check_bool("enabled", v)),
        "threshold_bytes": (False, lambda v: _check_count("threshold_bytes", v, nullable=True)),
    },
    "get_array": {
        "name": (True, _check_name),
    },
    "get_report": {
        "execution_count": (False, lambda v: _check_count("execution_count", v)),
        "index": (False, lambda v: _check_count("index", v)),
    },
}


def validate(data: Any) -> JsonDict:
    """Check one incoming message against the protocol; return it, or raise ProtocolError."""
    if not isinstance(data, dict):
        raise ProtocolError("bad-message", "a message must be a JSON object")
    try:
        size = len(json.dumps(data, allow_nan=False).encode())
    except (TypeError, ValueError, RecursionError) as exc:
        raise ProtocolError("bad-message", f"not plain JSON: {str(exc)[:200]}") from None
    if size > MAX_INCOMING_BYTES:
        raise ProtocolError("too-large", f"message of {size} bytes (limit {MAX_INCOMING_BYTES})")
    version = data.get("v")
    if not _is_int(version):
        raise ProtocolError("bad-message", "field 'v' (protocol version) is missing")
    if version != PROTOCOL_VERSION:
        raise ProtocolError("unsupported-version",
                            f"protocol version {version} (this kernel speaks {PROTOCOL_VERSION})")
    kind = data.get("type")
    if not isinstance(kind, str):
        raise ProtocolError("bad-message", "field 'type' is missing")
    fields = REQUESTS.get(kind)
    if fields is None:
        raise ProtocolError("unknown-type", f"unknown message type {kind[:MAX_TEXT_CHARS]!r}")
    # fields this kernel does not know are ignored (a newer panel's optional additions): the
    # reader is tolerant, nothing of them is used, and the whole message is size-limited above
    _check_request_id(data.get("request_id"))
    for key, (required, check) in fields.items():
        if key in data:
            check(data[key])
        elif required:
            raise ProtocolError("bad-field", f"{kind} needs field {key!r}")
    if kind == "get_report" and ("execution_count" in data) == ("index" in data):
        raise ProtocolError("bad-field", "get_report needs exactly one of 'execution_count', 'index'")
    return data


class RateLimiter:
    """Whether a request may be answered now: a token bucket (`RATE_BURST` requests, refilled at
    `RATE_PER_SECOND`) and a work budget (time spent answering drains at `WORK_SHARE` of wall
    time; above `MAX_WORK_DEBT_S` ahead, requests are refused).  `clock` is injectable for tests.
    """

    def __init__(self, burst: int = RATE_BURST, per_second: float = RATE_PER_SECOND,
                 work_share: float = WORK_SHARE, max_debt_s: float = MAX_WORK_DEBT_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.burst, self.per_second = burst, per_second
        self.work_share, self.max_debt_s = work_share, max_debt_s
        self.clock = clock
        self.tokens = float(burst)
        self.debt_s = 0.0
        self.refused = 0
        self.unanswered = 0  # refusals since the last busy reply, not answered one by one
        self.busy_replies = 0
        self._busy_tokens = BUSY_REPLIES_PER_SECOND
        self._skew: float | None = None  # least (receipt - sending) seen: clock skew + latency
        self._last = clock()

    def _refill(self) -> None:
        now = self.clock()
        elapsed = max(0.0, now - self._last)
        self._last = now
        self.tokens = min(float(self.burst), self.tokens + elapsed * self.per_second)
        self.debt_s = max(0.0, self.debt_s - elapsed * self.work_share)
        self._busy_tokens = min(BUSY_REPLIES_PER_SECOND,
                                self._busy_tokens + elapsed * BUSY_REPLIES_PER_SECOND)
        if self._skew is not None:
            self._skew += elapsed * 0.01  # follows a clock set back, slowly

    def queued(self, delay_s: float | None) -> float:
        """Seconds a request waited in the kernel's queue, from (receipt - sending time) minus
        the least such difference seen (front end and kernel clocks need not agree)."""
        if delay_s is None:
            return 0.0
        if self._skew is None or delay_s < self._skew:
            self._skew = delay_s
        return delay_s - self._skew

    def allow(self, delay_s: float | None = None, free_s: float | None = None) -> float | None:
        """None when the request may run (one token taken), else seconds to wait before a retry
        can succeed.  `delay_s`: receipt minus sending time of the request, when known; one that
        waited over MAX_QUEUED_S behind others is refused (its answer would come too late, and
        the queue behind it would only grow).  `free_s`: seconds since the user's last cell
        ended; time spent waiting for a cell is not held against a request."""
        self._refill()
        queued = self.queued(delay_s)
        if free_s is not None:
            queued = min(queued, free_s)
        if queued > MAX_QUEUED_S:
            self.refused += 1
            return 1.0 / self.per_second
        if self.debt_s > self.max_debt_s:
            self.refused += 1
            return (self.debt_s - self.max_debt_s) / self.work_share
        if self.tokens < 1.0:
            self.refused += 1
            return (1.0 - self.tokens) / self.per_second
        self.tokens -= 1.0
        return None

    def charge(self, seconds: float) -> None:
        """Count `seconds` of work spent answering a request."""
        self.debt_s += max(0.0, seconds)

    def reply_busy(self) -> bool:
        """Whether to answer this refusal (at most BUSY_REPLIES_PER_SECOND a second); the rest
        are counted in `unanswered`, which the next busy reply reports."""
        if self._busy_tokens >= 1.0:
            self._busy_tokens -= 1.0
            self.busy_replies += 1
            return True
        self.unanswered += 1
        return False


# --------------------------------------------------------------------------------------------
# The hub: one per kernel process, fanning pushes out to every open comm

class CommHub:
    """Open comms of this kernel, the request handlers, and the push after every cell."""

    def __init__(self, shell: Any, limiter: RateLimiter | None = None) -> None:
        self.shell = shell
        self.comms: list[Any] = []
        self.limiter = limiter or RateLimiter()
        self.cell_ended: float | None = None  # limiter clock when the last cell ended
        self.answered = 0  # requests answered (not refused), for benchmarks and tests

    # -- lifecycle ----------------------------------------------------------------------------
    def install(self, manager: Any) -> None:
        """Register the comm target, the per-cell listener and the post-cell array push."""
        from arrayprof import api

        manager.register_target(TARGET_NAME, self.on_open)
        api.add_listener(self.on_report)
        self.shell.events.register("pre_run_cell", self.on_pre_run_cell)
        self.shell.events.register("post_run_cell", self.on_post_run_cell)

    def keep_post_hook_last(self) -> None:
        """Move the array push to the end of IPython's post_run_cell callbacks.

        The automatic mode stops its recording in its own post_run_cell callback; the push must
        come after it, or the panel's work would be measured as part of the user's cell.
        """
        events = self.shell.events
        callbacks = events.callbacks.get("post_run_cell", [])
        if callbacks and callbacks[-1] != self.on_post_run_cell:
            if self.on_post_run_cell in callbacks:
                events.unregister("post_run_cell", self.on_post_run_cell)
            events.register("post_run_cell", self.on_post_run_cell)

    def on_pre_run_cell(self, info: Any = None) -> None:
        """Before every cell: make sure the push will run after the profiler has stopped."""
        self.keep_post_hook_last()

    def on_open(self, comm: Any, open_msg: JsonDict) -> None:
        """A panel opened a comm; its open data is normally its ``hello``."""
        self.comms.append(comm)
        comm.on_msg(lambda msg: self.on_message(comm, msg))
        comm.on_close(lambda msg: self.forget(comm))
        data = open_msg.get("content", {}).get("data") or {}
        if data:
            self.handle(comm, data)

    def forget(self, comm: Any) -> None:
        if comm in self.comms:
            self.comms.remove(comm)

    # -- incoming -----------------------------------------------------------------------------
    def on_message(self, comm: Any, msg: JsonDict) -> None:
        content = msg.get("content", {})
        if msg.get("buffers"):
            self.send(comm, message("error", code="bad-message",
                                    message="binary buffers are not accepted",
                                    request_type=None, request_id=None))
            return
        self.handle(comm, content.get("data"), _delay_s(msg))

    def handle(self, comm: Any, data: Any, delay_s: float | None = None) -> None:
        """Validate one message and answer it; every failure becomes an ``error`` message.
        `delay_s`: how long ago the front end sent it (its header's date), when known."""
        request_type = data.get("type") if isinstance(data, dict) else None
        request_id = data.get("request_id") if isinstance(data, dict) else None
        try:
            validate(data)
            free_s = (None if self.cell_ended is None else
                      self.limiter.clock() - self.cell_ended)
            wait = self.limiter.allow(delay_s, free_s)
            if wait is not None:
                if self.limiter.reply_busy():
                    dropped, self.limiter.unanswered = self.limiter.unanswered, 0
                    more = f" ({dropped} more refused since the last such answer)" \
                        if dropped else ""
                    self.send(comm, message("error", code="busy",
                                            message="too many requests: this one was not "
                                            f"answered{more}; retry in {wait:.2f} s",
                                            request_type=request_type, request_id=request_id,
                                            retry_after_s=round(wait, 3), unanswered=dropped))
                return
            started = time.perf_counter()
            try:
                handler = getattr(self, "do_" + data["type"])
                handler(comm, data)
                self.answered += 1
            finally:
                self.limiter.charge(time.perf_counter() - started)
        except ProtocolError as exc:
            self.send_error(comm, exc.code, exc.message, request_type, request_id)
        except Exception as exc:  # a bad request must never break the kernel
            self.send_error(comm, "internal", f"{type(exc).__name__}: {exc}", request_type,
                            request_id)

    def send_error(self, comm: Any, code: str, text: str, request_type: Any,
                   request_id: Any) -> None:
        safe_type = request_type[:MAX_TEXT_CHARS] if isinstance(request_type, str) else None
        try:
            _check_request_id(request_id)
        except ProtocolError:
            request_id = None
        self.send(comm, message("error", code=code, message=text[:2000],
                                request_type=safe_type, request_id=request_id))

    def do_hello(self, comm: Any, data: JsonDict) -> None:
        import numpy as np

        import arrayprof

        self.send(comm, message(
            "welcome",
            request_id=data.get("request_id"),
            protocol=PROTOCOL_VERSION,
            arrayprof_version=getattr(arrayprof, "__version__", "unknown"),
            python_version=sys.version.split()[0],
            numpy_version=np.__version__,
            auto=self.auto_state(),
            limits={"max_incoming_bytes": MAX_INCOMING_BYTES, "max_arrays": MAX_ARRAYS,
                    "max_history": MAX_HISTORY, "max_layout_elements": MAX_LAYOUT_ELEMENTS},
        ))
        self.send(comm, self.history_message())
        self.send(comm, self.arrays_message())

    def do_refresh(self, comm: Any, data: JsonDict) -> None:
        self.send(comm, self.history_message(data.get("request_id")))
        self.send(comm, self.arrays_message(data.get("request_id")))

    def do_set_auto(self, comm: Any, data: JsonDict) -> None:
        profiler = self.auto_profiler()
        if profiler is None:
            raise ProtocolError("unavailable", "automatic mode is not available in this kernel "
                                "(arrayprof.kernel.extension is missing)")
        if data["enabled"]:
            profiler.enable(threshold_bytes=data.get("threshold_bytes"))
        else:
            profiler.disable()
        self.keep_post_hook_last()
        self.broadcast(message("auto", request_id=data.get("request_id"), **self.auto_state()))

    def do_get_array(self, comm: Any, data: JsonDict) -> None:
        name = data["name"]
        fields = array_fields(self.shell.user_ns, name)
        if fields is None:
            raise ProtocolError("not-found", f"no NumPy array named {name!r} in the namespace")
        self.send(comm, message("array", request_id=data.get("request_id"), **fields))

    def do_get_report(self, comm: Any, data: JsonDict) -> None:
        from arrayprof import api

        reports = api.history()
        if "index" in data:
            index = data["index"]
            if index >= len(reports):
                raise ProtocolError("not-found", f"no report at history index {index}")
        else:
            found = [i for i, r in enumerate(reports)
                     if r.execution_count == data["execution_count"]]
            if not found:
                raise ProtocolError("not-found",
                                    f"no report for execution count {data['execution_count']}")
            index = found[-1]
        # the payload first: it reads the findings (computing them if still pending), so the
        # summary then carries their count and the panel updates the row
        payload = report_payload(reports[index])
        self.send(comm, message("report", request_id=data.get("request_id"), index=index,
                                summary=cell_summary(reports[index], index), **payload))

    # -- outgoing -----------------------------------------------------------------------------
    def history_message(self, request_id: Any = None) -> JsonDict:
        from arrayprof import api

        return message("history", request_id=request_id, **history_fields(api.history()))

    def arrays_message(self, request_id: Any = None) -> JsonDict:
        return message("arrays", request_id=request_id,
                       execution_count=getattr(self.shell, "execution_count", None),
                       **arrays_payload(self.shell.user_ns))

    def on_report(self, report: Any) -> None:
        """api listener: push the summary of a profiled cell to every panel."""
        if not self.comms:
            return
        from arrayprof import api

        reports = api.history()
        index = next((i for i in range(len(reports) - 1, -1, -1) if reports[i] is report),
                     len(reports) - 1)
        self.broadcast(message("cell", cell=cell_summary(report, index)))

    def on_post_run_cell(self, result: Any = None) -> None:
        """After every cell, profiled or not: push the live array list."""
        self.cell_ended = self.limiter.clock()
        if not self.comms:
            return
        try:
            self.broadcast(self.arrays_message())
        except Exception as exc:  # never disturb the user's cell
            print(f"arrayprof: the panel's array list failed ({type(exc).__name__}: {exc})",
                  file=sys.stderr)

    def send(self, comm: Any, data: JsonDict) -> None:
        try:
            comm.send(data)
        except Exception:  # a closed or broken comm is dropped, never an error in the kernel
            self.forget(comm)

    def broadcast(self, data: JsonDict) -> None:
        for comm in list(self.comms):
            try:
                comm.send(data)
            except Exception:  # a closed or broken comm is dropped
                self.forget(comm)

    # -- automatic mode -----------------------------------------------------------------------
    def auto_profiler(self) -> Any:
        try:
            from arrayprof.kernel.extension import auto_profiler
        except ImportError:
            return None
        return auto_profiler(self.shell)

    def auto_state(self) -> JsonDict:
        profiler = self.auto_profiler()
        if profiler is None:
            return {"available": False, "enabled": False, "threshold_bytes": None}
        threshold = getattr(profiler, "threshold_bytes", None)
        return {"available": True, "enabled": bool(profiler.enabled),
                "threshold_bytes": threshold if _is_int(threshold) else None}


def _delay_s(msg: Any) -> float | None:
    """Seconds since the front end sent `msg` (its header's ``date``), or None when unknown."""
    try:
        sent = msg["header"]["date"]
        if isinstance(sent, str):
            from datetime import datetime

            sent = datetime.fromisoformat(sent.replace("Z", "+00:00"))
        return time.time() - sent.timestamp()
    except Exception:  # no header, no date, a date without a zone: the queue age is unknown
        return None


_hubs: dict[int, CommHub] = {}


def _comm_manager(kernel: Any) -> Any:
    manager = getattr(kernel, "comm_manager", None)
    if manager is None:
        try:
            from comm import get_comm_manager
        except ImportError:
            return None
        manager = get_comm_manager()
    return manager


def register(ipython: Any) -> None:
    """Register the ``arrayprof`` comm target in this kernel (idempotent).

    Does nothing without a kernel (terminal IPython, plain Python): there is no panel to talk to.
    """
    if ipython is None or id(ipython) in _hubs:
        return
    kernel = getattr(ipython, "kernel", None)
    if kernel is None:
        return
    manager = _comm_manager(kernel)
    if manager is None:
        return
    hub = CommHub(ipython)
    hub.install(manager)
    _hubs[id(ipython)] = hub


def hub_for(ipython: Any) -> CommHub | None:
    """The hub registered for `ipython`, if any (for tests and the kernel glue)."""
    return _hubs.get(id(ipython))
