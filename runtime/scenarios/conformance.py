"""Does a live response match what the project's own `openapi.json` promised?

Reported beside the verdict, never instead of it: a backend can do the right thing with a body
its document does not describe (or the reverse). The response's status must be documented, and
its JSON body must validate (jsonschema, draft 2020-12 as OpenAPI 3.1 uses it; 3.0's `nullable`
is translated) against that status's schema, `$ref`s resolved inside the document.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from runtime.scenarios.openapi_doc import Operation

_MAX_FINDINGS = 5


@dataclass
class Conformance:
    checked: bool
    conformant: bool = True
    findings: list[str] = field(default_factory=list)


class Checker:
    """Validators for one document's response schemas, built once per schema."""

    def __init__(self, document: dict[str, Any]) -> None:
        self.document = document
        self._validators: dict[str, Draft202012Validator | None] = {}

    def check(self, operation: Operation, status: int, body: Any, has_json: bool) -> Conformance:
        findings: list[str] = []
        response_key, schema = operation.response_schema(status)
        if response_key is None:
            if status >= 400:  # error answers are rarely documented; nothing to hold them to
                return Conformance(checked=False)
            documented = ", ".join(operation.documented_statuses())
            findings.append(f"status {status} is not documented (documented: {documented})")
            schema = operation.success_schema() if status < 300 else None
        if schema is None:
            if has_json and body not in (None, "") and response_key is not None:
                findings.append(f"status {status} is documented without a body, but one came back")
        elif not has_json:
            findings.append(f"a JSON body was promised, got {'none' if body in (None, '') else 'non-JSON'}")
        else:
            findings.extend(self._errors(schema, body))
        return Conformance(True, not findings, findings)

    def _errors(self, schema: Any, body: Any) -> list[str]:
        validator = self._validator(schema)
        if validator is None:
            return []  # the document's own schema is broken: the interface phase's finding, not ours
        errors = sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path))
        found = [f"{_where(e.absolute_path)}: {e.message[:160]}" for e in errors[:_MAX_FINDINGS]]
        if len(errors) > _MAX_FINDINGS:
            found.append(f"... {len(errors) - _MAX_FINDINGS} more")
        return found

    def _validator(self, schema: Any) -> Draft202012Validator | None:
        text = json.dumps(schema, sort_keys=True)
        if text not in self._validators:
            root = {**schema, "components": self.document.get("components", {})}
            if str(self.document.get("openapi", "")).startswith("3.0"):
                root = _from_openapi30(root)
            try:
                Draft202012Validator.check_schema(root)
                self._validators[text] = Draft202012Validator(root, format_checker=Draft202012Validator.FORMAT_CHECKER)
            except SchemaError:
                self._validators[text] = None
        return self._validators[text]


def _where(path: Any) -> str:
    return "$" + "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path)


def _from_openapi30(node: Any) -> Any:
    """OpenAPI 3.0 schema dialect -> JSON Schema: `nullable: true` becomes a union with null."""
    if isinstance(node, list):
        return [_from_openapi30(n) for n in node]
    if not isinstance(node, dict):
        return node
    out = {k: _from_openapi30(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True:
        return {"anyOf": [out, {"type": "null"}]}
    return out
