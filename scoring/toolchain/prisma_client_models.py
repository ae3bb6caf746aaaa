"""The per-model half of the Prisma client stand-in, written from the schema's DMMF datamodel.

Each model gets its row type, its entry in `$Models` (which prisma_client_runtime.d.ts turns into
typed query methods and results) and the `Prisma.<model>...` input types generated code names.
Inputs list the model's columns and relations, so a misspelt column in an object literal is an
error; the values stay `any`, because the real client takes many shapes per column (filters,
`set` / `increment`, `connect` ...) and a shape we failed to model must not fail a valid project.
"""

from __future__ import annotations

from typing import Any

_SCALARS = {
    "String": "string",
    "Int": "number",
    "Float": "number",
    "Boolean": "boolean",
    "DateTime": "Date",
    "Json": "JsonValue",
    "Decimal": "Decimal",
    "BigInt": "bigint",
    "Bytes": "Uint8Array",
}
_DATA_ALIASES = (
    "UncheckedCreateInput", "CreateManyInput", "UpdateInput", "UncheckedUpdateInput",
    "UpdateManyMutationInput", "UncheckedUpdateManyInput",
)
_ARGS = {
    "FindManyArgs": "$FindManyArgs", "FindFirstArgs": "$FindManyArgs", "FindFirstOrThrowArgs": "$FindManyArgs",
    "FindUniqueArgs": "$FindUniqueArgs", "FindUniqueOrThrowArgs": "$FindUniqueArgs", "CreateArgs": "$CreateArgs",
    "CreateManyArgs": "$CreateManyArgs", "UpdateArgs": "$UpdateArgs", "UpdateManyArgs": "$UpdateManyArgs",
    "UpsertArgs": "$UpsertArgs", "DeleteArgs": "$DeleteArgs", "DeleteManyArgs": "$DeleteManyArgs",
    "CountArgs": "$CountQueryArgs", "AggregateArgs": "$AggregateArgs", "GroupByArgs": "$GroupByArgs",
    "Delegate": "$Delegate",
}
# Named by generated code now and then, too intricate to be worth modelling.
_LOOSE_SUFFIXES = (
    "OrderByWithAggregationInput", "ScalarWhereInput", "ScalarWhereWithAggregatesInput", "ScalarFieldEnum",
    "ListRelationFilter", "RelationFilter", "ScalarRelationFilter", "NullableScalarRelationFilter",
    "CreateNestedManyWithoutInput", "DefaultArgs", "CountOutputType",
)


def _columns(model: dict[str, Any]) -> list[dict[str, Any]]:
    return [field for field in model["fields"] if field["kind"] in ("scalar", "enum")]


def _relations(model: dict[str, Any]) -> list[dict[str, Any]]:
    return [field for field in model["fields"] if field["kind"] == "object"]


def _field_type(field: dict[str, Any]) -> str:
    base = _SCALARS.get(field["type"], field["type"])
    if field.get("isList"):
        base = f"{base}[]"
    return base if field.get("isRequired", True) else f"{base} | null"


def _compound_keys(model: dict[str, Any]) -> list[str]:
    """Names of multi-column unique keys as `where` takes them: the key's name, else its columns joined by `_`."""
    keys = [*(model.get("uniqueIndexes") or []), *([model["primaryKey"]] if model.get("primaryKey") else [])]
    return sorted({key.get("name") or "_".join(key["fields"]) for key in keys if len(key["fields"]) > 1})


def _members(names: list[str], value: str) -> list[str]:
    return [f"{name}?: {value};" for name in names]


def _object(members: list[str]) -> str:
    return "{ " + " ".join(members) + " }" if members else "{}"


def row_type(model: dict[str, Any]) -> str:
    """The model's row, as queries without `select` / `include` return it."""
    body = "".join(f"  {field['name']}: {_field_type(field)};\n" for field in _columns(model))
    return f"export type {model['name']} = {{\n{body}}};\n"


def _relation_entry(field: dict[str, Any]) -> str:
    """What `$Models` records of a relation field: its target, and whether it is a list or may be null."""
    is_list, nullable = bool(field.get("isList")), not field.get("isRequired", True)
    return f'{field["name"]}: {{ model: "{field["type"]}"; list: {str(is_list).lower()}; nullable: {str(nullable).lower()} }};'


def models_entry(model: dict[str, Any]) -> str:
    """The model's member of the `$Models` interface."""
    name = model["name"]
    scalars = " | ".join(f'"{field["name"]}"' for field in _columns(model)) or "never"
    relations = " ".join(map(_relation_entry, _relations(model)))
    inputs = {"where": "WhereInput", "unique": "WhereUniqueInput", "orderBy": "OrderByWithRelationInput",
              "data": "CreateInput", "select": "Select", "include": "Include", "omit": "Omit"}
    named = " ".join(f"{key}: Prisma.{name}{suffix};" for key, suffix in inputs.items())
    return f"  {name}: {{ row: {name}; scalar: {scalars}; relations: {{ {relations} }}; {named} }};\n"


def namespace_types(model: dict[str, Any]) -> str:
    """The `Prisma.<model>...` types, to sit inside `namespace Prisma`."""
    name = model["name"]
    columns = [field["name"] for field in _columns(model)]
    relations = [field["name"] for field in _relations(model)]
    fields = columns + relations
    count = ["_count?: boolean | $CountArgs;"]
    lines = [
        f"export type {name}WhereInput = {_object(_members([*fields, 'AND', 'OR', 'NOT'], 'any'))};",
        f"export type {name}WhereUniqueInput = "
        f"{_object(_members([*fields, *_compound_keys(model), 'AND', 'OR', 'NOT'], 'any'))};",
        f"export type {name}OrderByWithRelationInput = {_object(_members([*fields, '_relevance'], 'any'))};",
        f"export type {name}CreateInput = {_object(_members(fields, 'any'))};",
        *(f"export type {name}{alias} = {name}CreateInput;" for alias in _DATA_ALIASES),
        f"export type {name}Select = "
        f"{_object(_members(columns, 'boolean') + _members(relations, 'boolean | $RelationArgs') + count)};",
        f"export type {name}Include = {_object(_members(relations, 'boolean | $RelationArgs') + count)};",
        f"export type {name}Omit = {_object(_members(columns, 'boolean'))};",
        f'export type {name}GetPayload<A> = $Payload<"{name}", A>;',
        *(f'export type {name}{suffix} = {generic}<"{name}">;' for suffix, generic in _ARGS.items()),
        *(f"export type {name}{suffix} = any;" for suffix in _LOOSE_SUFFIXES),
    ]
    return "".join(f"  {line}\n" for line in lines)
