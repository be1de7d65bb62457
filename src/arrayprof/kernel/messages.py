"""The panel's outgoing messages, built from reports (``arrayprof.api.history()``) and the
inventory of the namespace's arrays (``arrayprof.inventory``).

Pure functions of reports and arrays: ``kernel/comm.py`` validates what the panel sends and moves
messages, and builds nothing itself (issue 16).  Every message here follows
``docs/comm.schema.json`` (writers are strict: ``tests/test_comm_schema.py`` validates them).
"""

from __future__ import annotations

import json
import math
from dataclasses import asdict, fields
from typing import Any

from arrayprof.layout_model import first_offsets

PROTOCOL_VERSION = 1

# Limits of what the kernel sends (also in docs/comm-protocol.md and docs/comm.schema.json).
MAX_ARRAYS = 500
MAX_HISTORY = 200
MAX_LAYOUT_ELEMENTS = 1024
MAX_EXPLANATION_CHARS = 20_000
MAX_REPORT_BYTES = 512 * 1024
MAX_SOURCE_HEAD_CHARS = 120

JsonDict = dict[str, Any]


def message(kind: str, **fields: Any) -> JsonDict:
    """An outgoing message: ``{"v": 1, "type": kind, ...}``."""
    return {"v": PROTOCOL_VERSION, "type": kind, **fields}


def _finite(value: Any) -> Any:
    """JSON has no NaN or infinity; the panel gets null instead."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


def cell_summary(report: Any, index: int) -> JsonDict:
    """One history row: what the panel's cell table shows for a profiled cell."""
    numpy_stats = report.numpy
    severities: dict[str, int] = {}
    categories: list[str] = []
    # automatic mode leaves a quick cell's findings to be computed when first read: the row says
    # "not known yet" (null) rather than reading them, which would run the advisor for every cell
    # while the panel is open; asking for the report (get_report) computes them
    pending = getattr(report, "findings_pending", False)
    if not pending:
        for finding in report.findings:
            severities[finding.severity] = severities.get(finding.severity, 0) + 1
            if finding.category not in categories:
                categories.append(finding.category)
    source_head = next((line for line in report.source.splitlines() if line.strip()), "")
    return {
        "index": index,
        "execution_count": report.execution_count,
        "source_head": source_head[:MAX_SOURCE_HEAD_CHARS],
        "wall_s": _finite(report.wall_s),
        "allocations": numpy_stats.allocations,
        "allocated_bytes": numpy_stats.allocated_bytes,
        "freed_bytes": numpy_stats.freed_bytes,
        "peak_bytes": numpy_stats.peak_bytes,
        "net_bytes": numpy_stats.net_bytes,
        "temporaries": numpy_stats.temporaries,
        "temporary_bytes": numpy_stats.temporary_bytes,
        "rss_peak_bytes": report.rss.peak_bytes if report.rss is not None else None,
        "findings": None if pending else len(report.findings),
        "severities": severities,
        "categories": categories,
        "error": report.error.type if report.error is not None else None,
    }


def _json_safe(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    return _finite(value)


def report_payload(report: Any) -> JsonDict:
    """The full report (``Report.to_dict()``), trimmed to MAX_REPORT_BYTES if it is huge."""
    data = _json_safe(report.to_dict())
    trimmed: list[str] = []
    for key in ("timeline", "ops", "lines", "arrays"):
        if len(json.dumps(data).encode()) <= MAX_REPORT_BYTES:
            break
        if data.get(key):
            data[key] = []
            trimmed.append(key)
    if len(json.dumps(data).encode()) > MAX_REPORT_BYTES:
        data["source"] = data.get("source", "")[:10_000]
        trimmed.append("source")
    return {"report": data, "trimmed": trimmed}


def _public_arrays(namespace: dict[str, Any]) -> dict[str, Any]:
    from arrayprof.inventory import public_arrays

    return public_arrays(namespace)


def _array_row(info: Any, names: list[str]) -> JsonDict:
    """One ArrayInfo as the ``arrays`` message describes it: the same content as
    ``_json_safe(asdict(info))``, its flat fields copied directly (asdict's recursive deep copy
    was two thirds of the list's cost after every cell)."""
    row = {}
    for name in names:
        value = getattr(info, name)
        if isinstance(value, float):
            value = _finite(value)
        elif isinstance(value, (list, tuple, dict)):
            value = _json_safe(value)
        row[name] = value
    return row


def arrays_payload(namespace: dict[str, Any]) -> JsonDict:
    """The largest MAX_ARRAYS public ndarrays of `namespace` (largest first), with totals.  Only
    those are described: a namespace of 10^6 arrays costs a pass over it, not 10^6 inventories."""
    from arrayprof.inventory import OwnerIndex, build_inventory, largest_names

    arrays = _public_arrays(namespace)
    names = largest_names(arrays, MAX_ARRAYS)
    index = OwnerIndex(namespace, arrays)
    infos = build_inventory(namespace, names, None, {}, arrays, index)
    field_names = [f.name for f in fields(infos[0])] if infos else []
    return {
        "arrays": [_array_row(info, field_names) for info in infos],
        "count": len(arrays),
        "truncated": len(arrays) > MAX_ARRAYS,
        "numpy_bytes": index.buffer_bytes(),
        "rss_bytes": _rss_bytes(),
    }


def _rss_bytes() -> int | None:
    try:
        from arrayprof.rss import current_rss

        return int(current_rss())
    except Exception:  # RSS is a nicety; the panel shows "unknown"
        return None


def memory_layout(array: Any, base: Any = None, name: str = "", base_name: str | None = None
                  ) -> JsonDict:
    """Where the array's elements sit in the buffer that owns them (for the layout drawing).

    `model` is the one layout model (``arrayprof.layout_model``, the same the widget, the HTML and
    ``explain`` draw): the panel draws its cells and computes no geometry.  The other fields are
    kept for panels older than the model: offsets are bytes from the start of the owning buffer,
    for the first MAX_LAYOUT_ELEMENTS elements in C order (an odometer in Python integers: cost
    and size do not depend on the array's size).  `base` is the named array it is a view of, if
    any (it gives the drawing its row length).
    """
    import numpy as np

    from arrayprof.inventory import live_layout_model, owner_of

    owner, buffer_bytes = owner_of(array)
    start = array.__array_interface__["data"][0]
    if isinstance(owner, np.ndarray):
        buffer_start = owner.__array_interface__["data"][0]
    else:
        buffer_start = start
    offset = start - buffer_start
    shape = [int(n) for n in array.shape]
    strides = [int(s) for s in array.strides]
    size = int(array.size)
    model = live_layout_model(name, array, base_name, base if isinstance(base, np.ndarray)
                              else None)
    return {
        "itemsize": int(array.itemsize),
        "buffer_bytes": int(buffer_bytes),
        "offset_bytes": int(offset),
        "shape": shape,
        "strides": strides,
        "size": size,
        "element_offsets": first_offsets(offset, shape, strides, MAX_LAYOUT_ELEMENTS),
        "truncated": size > MAX_LAYOUT_ELEMENTS,
        "grid_columns": model.grid,
        "model": model.to_dict(),
    }


def fallback_explanation(info: JsonDict) -> str:
    """A plain-words description when ``arrayprof.explain`` fails on an array."""
    shape = " x ".join(str(n) for n in info["shape"]) or "scalar (0-d)"
    words = [f"{info['name']} is a {shape} array of {info['dtype']} "
             f"({info['itemsize']} bytes per element, {info['nbytes']} bytes of data)."]
    strides = ", ".join(str(s) for s in info["strides"])
    words.append(f"Strides ({strides}): the bytes to step in memory to move one position along "
                 "each axis.")
    if info["is_view"]:
        base = f"of {info['base']}" if info["base"] else "of another array"
        words.append(f"It is a view {base}: it owns no memory and keeps a buffer of "
                     f"{info['base_nbytes']} bytes alive.")
    else:
        words.append("It owns its memory.")
    if info["c_contiguous"]:
        words.append("Its elements are contiguous in C (row-major) order.")
    elif info["f_contiguous"]:
        words.append("Its elements are contiguous in Fortran (column-major) order.")
    else:
        words.append(f"It is not contiguous: its elements spread over {info['span_bytes']} bytes, "
                     f"{info['utilization']:.0%} of which it uses.")
    return " ".join(words)


def explain_array(array: Any, info: JsonDict, namespace: dict[str, Any]) -> tuple[str, str]:
    """(explanation, where it came from): ``arrayprof.explain``, or a plain-words fallback when it
    fails on this array (the detail is never lost)."""
    from arrayprof.explain import explain

    try:
        text = str(explain(array, name=info["name"], namespace=namespace))
    except Exception as exc:  # explain failing must not lose the detail
        return f"{fallback_explanation(info)}\n(arrayprof.explain failed: {exc})", "fallback"
    return text[:MAX_EXPLANATION_CHARS], "arrayprof.explain"


def history_fields(reports: list[Any]) -> JsonDict:
    """The ``history`` message's body: the last MAX_HISTORY cell summaries, oldest first."""
    first = max(0, len(reports) - MAX_HISTORY)
    cells = [cell_summary(report, i) for i, report in enumerate(reports) if i >= first]
    return {"cells": cells, "count": len(reports)}


def array_fields(namespace: dict[str, Any], name: str) -> JsonDict | None:
    """The ``array`` message's body for the public array `name` of `namespace` (a dictionary key,
    never evaluated); None when there is no such array."""
    from arrayprof.inventory import OwnerIndex, build_inventory, owner_of

    arrays = _public_arrays(namespace)
    if name not in arrays:
        return None
    array = arrays[name]
    index = OwnerIndex(namespace, arrays)
    info = _json_safe(asdict(build_inventory(namespace, [name], None, {}, arrays, index)[0]))
    # the explanation looks for a named base among the arrays on the same buffer only
    same_buffer = {name: array}
    if array.base is not None:
        same_buffer.update((n, arrays[n]) for n in index.names_on(owner_of(array)[0]))
    explanation, source = explain_array(array, info, same_buffer)
    return {"name": name, "info": info, "explanation": explanation, "explanation_source": source,
            "layout": memory_layout(array, arrays.get(info["base"] or ""), name, info["base"])}
