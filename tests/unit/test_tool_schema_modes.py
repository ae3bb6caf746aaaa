"""The forced tool as sent: native pydantic schema, or inlined for servers that reject $ref."""

from __future__ import annotations

import json

import jsonschema

from farm.spec import Endpoint, ModelSpec, Prices, ToolSchemaMode
from tests.phases.fixture_context import answer
from workers.harness.endpoint import request_options
from workers.phases.base import Operation
from workers.phases.interface.ast import SchemaBatch

OPERATION = Operation(op_id="schemas-1", tool_name="interface_schemas", description="types", ast=SchemaBatch,
                      system="s", user="u")


def _parameters(mode: str) -> dict:
    model = ModelSpec(id="local/m", endpoint=Endpoint(kind="openai-compatible", base_url="http://127.0.0.1:1/v1",
                                                      tool_schema=mode), prices=Prices(input=0, output=0))
    (tool,) = request_options(model, OPERATION, "interface")["tools"]
    return tool["function"]["parameters"]


def test_native_mode_sends_references_and_inline_mode_sends_none() -> None:
    native, inline = _parameters(ToolSchemaMode.NATIVE), _parameters(ToolSchemaMode.INLINE)
    assert "$defs" in native and "$ref" in json.dumps(native)
    assert "$defs" not in inline and "$ref" not in json.dumps(inline)


def test_the_inlined_schema_still_accepts_a_real_answer() -> None:
    jsonschema.validate(answer("interface", "schemas-1"), _parameters(ToolSchemaMode.INLINE))
