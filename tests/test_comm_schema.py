"""One schema per contract (issue 16): docs/comm.schema.json is the comm protocol's, and the kernel's
validation, the messages the kernel builds and the panel's TypeScript types are checked against it.

Writers are strict (every message the kernel builds validates against the schema's closed objects;
tests/test_comm.py validates every message a real kernel sends it); readers are tolerant (the
kernel ignores request fields it does not know; `Report.from_dict` ignores unknown keys).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import jsonschema
import numpy as np
import pytest
from comm_schema import SCHEMA, kernel_message_errors, validator

import arrayprof
from arrayprof.kernel import comm, messages
from arrayprof.report import Report

pytestmark = pytest.mark.core

ROOT = Path(__file__).resolve().parents[1]
PROTOCOL_TS = ROOT / "jupyterlab-arrayprof" / "src" / "protocol.ts"
DEFS = SCHEMA["$defs"]
COMMON = {"v", "type", "request_id"}


def kinds(union: str) -> list[str]:
    return [ref["$ref"].rsplit("/", 1)[1] for ref in DEFS[union]["oneOf"]]


def own_fields(kind: str) -> set[str]:
    return set(DEFS[kind]["properties"]) - COMMON


def test_schema_is_a_valid_2020_12_schema() -> None:
    assert SCHEMA["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    jsonschema.Draft202012Validator.check_schema(SCHEMA)
    for kind in kinds("request") + kinds("kernel_message"):
        assert DEFS[kind]["additionalProperties"] is False, kind  # writers are strict
        assert DEFS[kind]["properties"]["type"] == {"const": kind}


# -- the kernel's validation against the schema ---------------------------------------------------

def test_kernel_requests_are_the_schemas() -> None:
    """The kernel's table of requests has the schema's types, fields and required fields."""
    assert set(comm.REQUESTS) == set(kinds("request"))
    for kind, fields in comm.REQUESTS.items():
        assert set(fields) == own_fields(kind), kind
        required = {name for name, (needed, _) in fields.items() if needed}
        assert required == set(DEFS[kind]["required"]) - {"v", "type"}, kind


REQUEST_SAMPLES: list[Any] = [
    {"v": 1, "type": "hello"}, {"v": 1, "type": "hello", "client": "c", "client_version": "1"},
    {"v": 1, "type": "hello", "client": "x" * 200}, {"v": 1, "type": "hello", "client": "x" * 201},
    {"v": 1, "type": "hello", "client": ["x"]}, {"v": 1, "type": "hello", "request_id": "r" * 64},
    {"v": 1, "type": "hello", "request_id": "r" * 65}, {"v": 1, "type": "hello", "request_id": 2**53},
    {"v": 1, "type": "hello", "request_id": 2**53 + 1}, {"v": 1, "type": "hello", "request_id": 1.5},
    {"v": 1, "type": "hello", "request_id": {"x": 1}}, {"v": 1, "type": "refresh"},
    {"v": 2, "type": "refresh"}, {"v": 1.5, "type": "refresh"}, {"type": "refresh"},
    {"v": 1, "type": "exec"}, {"v": 1}, "hello", None, [],
    {"v": 1, "type": "set_auto", "enabled": True}, {"v": 1, "type": "set_auto", "enabled": 1},
    {"v": 1, "type": "set_auto"}, {"v": 1, "type": "set_auto", "enabled": False, "threshold_bytes": None},
    {"v": 1, "type": "set_auto", "enabled": True, "threshold_bytes": 0},
    {"v": 1, "type": "set_auto", "enabled": True, "threshold_bytes": -1},
    {"v": 1, "type": "set_auto", "enabled": True, "threshold_bytes": 2**53 + 1},
    {"v": 1, "type": "set_auto", "enabled": True, "threshold_bytes": "1"},
    {"v": 1, "type": "get_array", "name": "b"}, {"v": 1, "type": "get_array", "name": "x" * 256},
    {"v": 1, "type": "get_array", "name": "x" * 257}, {"v": 1, "type": "get_array", "name": 3},
    {"v": 1, "type": "get_array"}, {"v": 1, "type": "get_report", "index": 0},
    {"v": 1, "type": "get_report", "execution_count": 3}, {"v": 1, "type": "get_report"},
    {"v": 1, "type": "get_report", "index": 0, "execution_count": 1},
    {"v": 1, "type": "get_report", "index": -1}, {"v": 1, "type": "get_report", "index": 1.5},
    # (1.0 is left out: JSON Schema counts it an integer, the kernel does not; no JavaScript
    # panel can send it, JSON.stringify(1.0) being "1")
    {"v": 1, "type": "get_report", "execution_count": True},
]


def kernel_accepts(data: Any) -> bool:
    try:
        comm.validate(data)
    except comm.ProtocolError:
        return False
    return True


@pytest.mark.parametrize("data", REQUEST_SAMPLES, ids=[f"request-{i}" for i in range(len(REQUEST_SAMPLES))])
def test_kernel_validation_agrees_with_the_schema(data: Any) -> None:
    assert kernel_accepts(data) == validator("request").is_valid(data), data


@pytest.mark.parametrize("data", [s for s in REQUEST_SAMPLES if validator("request").is_valid(s)])
def test_the_kernel_ignores_fields_it_does_not_know(data: Any) -> None:
    """A newer panel's optional additions: the schema (strict, for writers) refuses them, the
    kernel (a tolerant reader) accepts the message as if they were not there."""
    newer = {**data, "from_a_newer_panel": {"anything": [1, 2]}}
    assert not validator("request").is_valid(newer)
    assert kernel_accepts(newer)


# -- what the kernel builds validates --------------------------------------------------------------

def ns_with_views() -> dict[str, Any]:
    base = np.arange(24, dtype=np.float64).reshape(4, 6)
    return {"base": base, "reversed_rows": base[::-1, ::-2], "zero": np.broadcast_to(base[0], (5, 6)),
            "column": base[:, 1], "empty": np.zeros((0, 3)), "scalar": np.float32(2.0),
            "huge_stride": np.lib.stride_tricks.as_strided(base, (2, 2), (2**40, 8))
            if False else base[::3, ::5], "_private": np.ones(3)}


def test_the_messages_the_kernel_builds_follow_the_schema() -> None:
    namespace = ns_with_views()
    code = "d = np.abs(x[:, None] - x[None, :]).max()\nfor i in range(3):\n    y = x * i\nz = x.T\n"
    report = arrayprof.profile(code, {"np": np, "x": np.linspace(0, 1, 50)})
    broken = arrayprof.profile("import numpy as np\na = np.ones(5)\nraise KeyError('k')\n", {})
    built = [
        messages.message("cell", cell=messages.cell_summary(report, 0)),
        messages.message("history", request_id=None, **messages.history_fields([report, broken])),
        messages.message("report", request_id=3, index=0, summary=messages.cell_summary(report, 0),
                         **messages.report_payload(report)),
        messages.message("report", request_id="r", index=1, summary=messages.cell_summary(broken, 1),
                         **messages.report_payload(broken)),
        messages.message("arrays", request_id=None, execution_count=4,
                         **messages.arrays_payload(namespace)),
    ]
    for name in ("base", "reversed_rows", "zero", "column", "empty", "huge_stride"):
        fields = messages.array_fields(namespace, name)
        assert fields is not None
        built.append(messages.message("array", request_id=1, **fields))
    assert messages.array_fields(namespace, "_private") is None
    assert [m["type"] for m in built] == ["cell", "history", "report", "report", "arrays"] + ["array"] * 6
    for data in built:
        assert kernel_message_errors(data) == [], data["type"]
    # and the schema does refuse what a strict writer must not send
    assert kernel_message_errors({**built[0], "surprise": 1}) != []
    assert kernel_message_errors({**built[-1], "layout": {**built[-1]["layout"], "grid_columns": "6"}}) != []


def test_the_arrays_list_is_the_inventory_field_for_field() -> None:
    """The arrays list copies ArrayInfo's fields directly (no asdict): the same content, in the
    same order, as ``asdict`` made JSON-safe, for owners, views, 0-d, empty and strided arrays."""
    from dataclasses import asdict

    from arrayprof.inventory import OwnerIndex, build_inventory, largest_names, public_arrays

    namespace = ns_with_views()
    arrays = public_arrays(namespace)
    names = largest_names(arrays, messages.MAX_ARRAYS)
    infos = build_inventory(namespace, names, None, {}, arrays, OwnerIndex(namespace, arrays))
    expected = [messages._json_safe(asdict(info)) for info in infos]
    rows = messages.arrays_payload(namespace)["arrays"]
    assert [list(row.items()) for row in rows] == [list(row.items()) for row in expected]
    assert len(rows) == len(arrays) > 5
    assert messages.arrays_payload({})["arrays"] == []


def test_a_pending_summary_reads_no_findings_and_follows_the_schema() -> None:
    """A report whose findings are left to be computed when read: its row says null (and reading
    nothing computes them); once computed, the row carries the count."""
    from arrayprof.report import Finding

    report = arrayprof.profile("import numpy as np\nv = np.arange(10.0)\n", {})
    found = [Finding("python-loop", "warning", 2, "m", "e"), Finding("dtype", "info", 2, "m", "e")]
    calls = []
    report.defer_findings(lambda r: (calls.append(1), setattr(r, "findings", found)))
    summary = messages.cell_summary(report, 0)
    assert (summary["findings"], summary["severities"], summary["categories"]) == (None, {}, [])
    assert calls == [] and report.findings_pending
    assert kernel_message_errors(messages.message("cell", cell=summary)) == []
    assert messages.cell_summary(report, 0)["findings"] is None
    messages.report_payload(report)  # what get_report sends first: it computes them
    assert calls == [1]
    done = messages.cell_summary(report, 0)
    assert (done["findings"], done["severities"], done["categories"]) == \
        (2, {"warning": 1, "info": 1}, ["python-loop", "dtype"])


# -- the panel's TypeScript types against the schema -----------------------------------------------

def ts_interfaces(source: str) -> dict[str, tuple[str | None, dict[str, bool]]]:
    """interface name -> (the message type of ``IBase<'...'>`` or None, {field: optional})."""
    found = {}
    for match in re.finditer(r"export interface (\w+)(?: extends ([^{]+))? \{(\}|\n.*?\n\})",
                             source, re.S):
        name, extends, body = match.groups()
        kind = re.search(r"IBase<'(\w+)'>", extends or "")
        fields = {}
        depth = 0
        for line in body.splitlines():
            if depth == 0:
                field = re.match(r"\s{2}(\w+)(\??):", line)
                if field:
                    fields[field.group(1)] = bool(field.group(2))
            depth += line.count("{") - line.count("}")
        if extends and "IAutoState" in extends:
            fields.update({f: False for f in ("available", "enabled", "threshold_bytes")})
        found[name] = (kind.group(1) if kind else None, fields)
    return found


def ts_requests(source: str) -> dict[str, dict[str, bool]]:
    """Request type -> {field: optional}, over every member of the ``Request`` union."""
    union = source[source.index("export type Request ="):source.index("export const requests")]
    found: dict[str, dict[str, bool]] = {}
    for member in union.split("|")[1:]:
        kind = re.search(r"type: '(\w+)'", member)
        if kind:
            fields = dict((m.group(1), bool(m.group(2))) for m in re.finditer(r"(\w+)(\??): ", member))
            found.setdefault(kind.group(1), {}).update(fields)
    return found


def schema_properties(definition: dict[str, Any]) -> tuple[set[str], set[str]]:
    if "$ref" in definition:  # array_info: the report schema's array
        from comm_schema import REPORT_SCHEMA
        definition = REPORT_SCHEMA["$defs"]["array"]
    return set(definition["properties"]), set(definition["required"])


def test_typescript_types_match_the_schema() -> None:
    source = PROTOCOL_TS.read_text(encoding="utf-8")
    interfaces = ts_interfaces(source)
    union = source[source.index("export type KernelMessage ="):].split(";", 1)[0]
    in_union = set(re.findall(r"\| (\w+)", union))
    messages_ts = {kind: (name, fields) for name, (kind, fields) in interfaces.items() if kind}
    assert set(messages_ts) == set(kinds("kernel_message"))
    assert {name for name, _ in messages_ts.values()} == in_union
    shared = {"IArrayInfo": "array_info", "ICellSummary": "cell_summary", "IAutoState": "auto_state",
              "ILayout": "layout", "ILayoutModel": "layout_model"}
    pairs = [(name, shared[name], interfaces[name][1]) for name in shared]
    pairs += [(name, kind, fields) for kind, (name, fields) in messages_ts.items()]
    for name, definition, fields in pairs:
        properties, required = schema_properties(DEFS[definition])
        # every field the panel reads is one the kernel writes ...
        assert set(fields) - COMMON <= properties, (name, set(fields) - properties)
        # ... and one it relies on (not optional in TypeScript) the kernel always writes
        relied = {f for f, optional in fields.items() if not optional} - COMMON
        assert relied <= required, (name, relied - required)
    requests = ts_requests(source)
    assert set(requests) == set(kinds("request"))
    for kind, fields in requests.items():
        assert set(fields) - COMMON <= own_fields(kind), kind
        # what the panel always writes, the kernel may rely on, and vice versa
        required = set(DEFS[kind]["required"]) - {"v", "type"}
        assert required <= {f for f, optional in fields.items() if not optional}, kind


def test_the_panels_known_fields_are_the_schemas() -> None:
    """The panel names what it ignores from its table of known fields: the schema's, exactly."""
    source = PROTOCOL_TS.read_text(encoding="utf-8")
    table = source[source.index("export const KNOWN_FIELDS"):]
    table = table[:table.index("};")]
    known = {kind: set(re.findall(r"'(\w+)'", fields))
             for kind, fields in re.findall(r"\n  (\w+): \[([^\]]*)\]", table)}
    assert known == {kind: own_fields(kind) for kind in kinds("kernel_message")}


# -- readers are tolerant ----------------------------------------------------------------------------

def test_from_dict_ignores_keys_it_does_not_know() -> None:
    from arrayprof.render.samples import known_report

    data = known_report().to_dict()
    assert data["findings"] and data["findings"][0]["rewrite"] and data["arrays"] and data["lines"]
    newer = dict(data, from_the_future=1)
    newer["numpy"] = dict(data["numpy"], gpu_bytes=5)
    newer["lines"] = [dict(row, seconds_p99=0.1) for row in data["lines"]]
    newer["arrays"] = [dict(row, device="cpu") for row in data["arrays"]]
    newer["ops"] = [dict(row, simd=True) for row in data["ops"]]
    newer["findings"] = [dict(f, confidence=0.5, rewrite=dict(f["rewrite"], diff="") if f["rewrite"]
                              else None) for f in data["findings"]]
    assert Report.from_dict(newer).to_dict() == data


def test_the_docs_name_the_schemas() -> None:
    protocol = (ROOT / "docs" / "comm-protocol.md").read_text(encoding="utf-8")
    assert "comm.schema.json" in protocol and "Unknown fields are ignored" in protocol
    assert "report.schema.json" in (ROOT / "docs" / "report.md").read_text(encoding="utf-8")
