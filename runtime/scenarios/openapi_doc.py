"""Read what a scenario needs from a project's `openapi.json`: operations, their schemas, $refs.

Only the parts of OpenAPI 3.0/3.1 that generated NestJS backends emit are read; anything else is
treated as "not documented" rather than guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from runtime.scenarios.naming import words

METHODS = ("get", "post", "put", "patch", "delete")
_PARAM = re.compile(r"^\{[^}]+\}$|^:.+$")
_JSON = ("application/json", "*/*")


@dataclass(frozen=True)
class Operation:
    """One method on one path, with the document it came from."""

    method: str  # upper case
    path: str
    spec: dict[str, Any] = field(repr=False, compare=False)
    document: dict[str, Any] = field(repr=False, compare=False)

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def segments(self) -> list[str]:
        return [segment for segment in self.path.split("/") if segment]

    @property
    def param_names(self) -> list[str]:
        return [segment.strip("{}:") for segment in self.segments if is_param(segment)]

    @property
    def text_words(self) -> set[str]:
        """Words of the summary, description and operationId, for keyword scoring."""
        text = " ".join(str(self.spec.get(k) or "") for k in ("summary", "description", "operationId"))
        return set(words(text))

    def request_schema(self) -> dict[str, Any] | None:
        body = self.spec.get("requestBody")
        if not isinstance(body, dict):
            return None
        return _json_schema(deref(self.document, body).get("content"), self.document)

    def takes_body(self) -> bool:
        return isinstance(self.spec.get("requestBody"), dict)

    def query_parameters(self) -> dict[str, dict[str, Any]]:
        found: dict[str, dict[str, Any]] = {}
        for parameter in self.spec.get("parameters") or []:
            parameter = deref(self.document, parameter)
            if parameter.get("in") == "query" and parameter.get("name"):
                found[parameter["name"]] = deref(self.document, parameter.get("schema") or {})
        return found

    def documented_statuses(self) -> list[str]:
        return list((self.spec.get("responses") or {}).keys())

    def response_schema(self, status: int) -> tuple[str | None, dict[str, Any] | None]:
        """The response key that covers `status` (exact, then `2XX`, then `default`) and its JSON schema."""
        responses = self.spec.get("responses") or {}
        for response_key in (str(status), f"{str(status)[0]}XX", f"{str(status)[0]}xx", "default"):
            if response_key in responses:
                response = deref(self.document, responses[response_key])
                return response_key, _json_schema(response.get("content"), self.document)
        return None, None

    def success_schema(self) -> dict[str, Any] | None:
        """The first documented 2xx JSON schema: what a successful call is expected to return."""
        for response_key in self.documented_statuses():
            if response_key.startswith("2"):
                _, schema = self.response_schema(int(response_key) if response_key.isdigit() else 200)
                if schema is not None:
                    return schema
        return None


def is_param(segment: str) -> bool:
    return bool(_PARAM.match(segment))


def operations(document: dict[str, Any]) -> list[Operation]:
    found = []
    for path, item in (document.get("paths") or {}).items():
        for method, spec in (item or {}).items():
            if method in METHODS and isinstance(spec, dict):
                found.append(Operation(method.upper(), path, spec, document))
    return found


def deref(document: dict[str, Any], node: Any, depth: int = 0) -> Any:
    """Follow a local `$ref` (and chains of them) to the node it names."""
    while isinstance(node, dict) and isinstance(node.get("$ref"), str) and depth < 32:
        target: Any = document
        for part in node["$ref"].removeprefix("#/").split("/"):
            part = part.replace("~1", "/").replace("~0", "~")
            target = target.get(part) if isinstance(target, dict) else None
        if target is None:
            return {}
        node, depth = target, depth + 1
    return node


def object_properties(document: dict[str, Any], schema: Any) -> tuple[dict[str, Any], set[str]]:
    """Properties (and required names) of an object schema, merging `allOf` parts."""
    schema = deref(document, schema)
    if not isinstance(schema, dict):
        return {}, set()
    properties = dict(schema.get("properties") or {})
    required = set(schema.get("required") or [])
    for part in schema.get("allOf") or []:
        more, more_required = object_properties(document, part)
        properties.update(more)
        required |= more_required
    return properties, required


def unwrap_nullable(document: dict[str, Any], schema: Any) -> dict[str, Any]:
    """The non-null variant of `oneOf/anyOf [X, null]`, else the schema itself (dereferenced)."""
    schema = deref(document, schema)
    if not isinstance(schema, dict):
        return {}
    for union in ("oneOf", "anyOf"):
        variants = [deref(document, v) for v in schema.get(union) or []]
        concrete = [v for v in variants if v.get("type") != "null"]
        if len(concrete) == 1 and len(variants) == 2:
            return unwrap_nullable(document, concrete[0])
    return schema


def choices(document: dict[str, Any], schema: Any) -> list[Any] | None:
    """The allowed values of an enumeration (`enum`, or `oneOf/anyOf` of `const`s), else None."""
    schema = unwrap_nullable(document, schema)
    if "enum" in schema:
        return list(schema["enum"])
    if "const" in schema:
        return [schema["const"]]
    for union in ("oneOf", "anyOf"):
        variants = [deref(document, v) for v in schema.get(union) or []]
        if variants and all("const" in v for v in variants):
            return [v["const"] for v in variants]
    return None


def _json_schema(content: Any, document: dict[str, Any]) -> dict[str, Any] | None:
    if not isinstance(content, dict):
        return None
    for media in _JSON:
        if isinstance(content.get(media), dict) and "schema" in content[media]:
            return content[media]["schema"]
    return None
