"""Emit DTO types as TypeScript: `src/api/structures/<IBase>.ts`, one file per base name.

`IBase` is a type alias; `IBase.IVariant` lives in `export namespace IBase`, the layout NestJS/Nestia
projects use, so `ITodoItem.ICreate` reads the same in the SDK, the controllers and the tests.
"""

from __future__ import annotations

import json
from collections import defaultdict

from workers.phases.interface import contract
from workers.phases.interface.ast import JsonSchema, ObjectSchema, Property, TypeDefinition
from workers.phases.interface.compiler import non_null, references
from workers.phases.interface.tsdoc import jsdoc


def ts_type(schema: JsonSchema, indent: str = "") -> str:
    """The TypeScript type of a schema (objects only appear at a type's root, see the compiler)."""
    match schema.type:
        case "constant":
            return json.dumps(schema.value)
        case "boolean":
            return "boolean"
        case "integer" | "number":
            return "number"
        case "string":
            return "string"
        case "null":
            return "null"
        case "reference":
            return schema.ref
        case "array":
            return f"Array<{ts_type(schema.items, indent)}>"
        case "oneOf":
            return " | ".join(ts_type(variant, indent) for variant in schema.variants)
        case "object":
            return _object_type(schema, indent)
    raise AssertionError(f"unknown schema variant {schema.type!r}")


def constraint_tags(schema: JsonSchema) -> list[str]:
    """JSDoc tags for what the TypeScript type cannot say (formats, ranges, lengths), nullable or not."""
    schema = non_null(schema) or schema
    names = {"format": "format", "minimum": "minimum", "maximum": "maximum", "min_length": "minLength",
             "max_length": "maxLength", "pattern": "pattern", "min_items": "minItems", "max_items": "maxItems"}
    return [f"@{tag} {getattr(schema, field)}" for field, tag in names.items() if getattr(schema, field, None) is not None]


def _property(prop: Property, indent: str) -> str:
    tags = constraint_tags(prop.json_schema)
    if prop.column:
        tags.append(f"@column {prop.column}")
    optional = "" if prop.required else "?"
    doc = jsdoc([prop.description], tags, indent)
    return f"{doc}\n{indent}{prop.name}{optional}: {ts_type(prop.json_schema, indent)};"


def _object_type(schema: ObjectSchema, indent: str) -> str:
    inner = indent + "  "
    body = "\n\n".join(_property(prop, inner) for prop in schema.properties)
    return f"{{\n{body}\n{indent}}}"


def _declaration(definition: TypeDefinition, indent: str) -> str:
    local = definition.name.split(".")[-1]
    doc = jsdoc([definition.description, definition.json_schema.description or ""],
                constraint_tags(definition.json_schema), indent)
    return f"{doc}\n{indent}export type {local} = {ts_type(definition.json_schema, indent)};"


def _imports(definitions: list[TypeDefinition], own_base: str) -> list[str]:
    bases = sorted({contract.type_base(name) for name in references(definitions)} - {own_base})
    return [f'import type {{ {base} }} from "./{base}";' for base in bases]


def emit_structures(types: list[TypeDefinition]) -> dict[str, str]:
    """One file per base name, declarations sorted by name."""
    by_base: dict[str, list[TypeDefinition]] = defaultdict(list)
    for definition in types:
        by_base[contract.type_base(definition.name)].append(definition)
    files: dict[str, str] = {}
    for base, definitions in sorted(by_base.items()):
        definitions.sort(key=lambda d: d.name)
        imports = _imports(definitions, base)
        blocks = ["\n".join(imports)] if imports else []
        blocks += [_declaration(d, "") for d in definitions if d.name == base]
        members = [_declaration(d, "  ") for d in definitions if d.name != base]
        if members:
            inner = "\n\n".join(members)
            blocks.append(f"export namespace {base} {{\n{inner}\n}}")
        files[f"src/{contract.structure_module(base)}.ts"] = "\n\n".join(blocks) + "\n"
    return files
