"""docs/comm.schema.json as a validator (its array infos and reports refer to docs/report-schema.json)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012

DOCS = Path(__file__).resolve().parents[1] / "docs"
SCHEMA: dict[str, Any] = json.loads((DOCS / "comm.schema.json").read_text(encoding="utf-8"))
REPORT_SCHEMA: dict[str, Any] = json.loads((DOCS / "report-schema.json").read_text(encoding="utf-8"))
REGISTRY = Registry().with_resource(
    "report-schema.json", Resource.from_contents(REPORT_SCHEMA, default_specification=DRAFT202012))


def validator(definition: str | None = None) -> jsonschema.Draft202012Validator:
    """The whole schema, or one of its ``$defs`` (``"request"``, ``"kernel_message"``, ...)."""
    schema = SCHEMA if definition is None else {**SCHEMA, "anyOf": [{"$ref": f"#/$defs/{definition}"}]}
    return jsonschema.Draft202012Validator(schema, registry=REGISTRY)


KERNEL_MESSAGE = validator("kernel_message")


def kernel_message_errors(data: Any) -> list[str]:
    """Violations of what the kernel may send (empty: valid), each with where it is."""
    found = []
    for error in KERNEL_MESSAGE.iter_errors(data):
        # oneOf errors are vague: name the definition the message's type selects
        kind = data.get("type") if isinstance(data, dict) else None
        if kind in SCHEMA["$defs"]:
            sub = jsonschema.Draft202012Validator(
                {**SCHEMA, "anyOf": [{"$ref": f"#/$defs/{kind}"}]}, registry=REGISTRY)
            found += [f"{kind}: {'/'.join(map(str, e.absolute_path)) or '(top)'}: {e.message}"
                      for e in sub.iter_errors(data)]
        found.append(f"{kind}: {error.message[:300]}")
        break
    return found
