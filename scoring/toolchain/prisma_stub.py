"""Typings for `@prisma/client` when a project ships no generated client.

Generating the real client needs the Prisma CLI and its engines, which are not available offline.
Instead the model and enum shapes come from the project's own schema (via the Prisma wasm DMMF), so
table names, model types and enum members are still checked; query arguments and results are `any`.
With no readable schema the client accepts any table name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from scoring.toolchain.prisma import read_datamodel

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

# Per-model helper types that generated code names as `Prisma.<model><suffix>`.
_MODEL_TYPE_SUFFIXES = (
    "WhereInput", "WhereUniqueInput", "CreateInput", "UncheckedCreateInput", "CreateManyInput",
    "UpdateInput", "UncheckedUpdateInput", "UpdateManyMutationInput", "UncheckedUpdateManyInput",
    "OrderByWithRelationInput", "OrderByWithAggregationInput", "Select", "Include", "Omit",
    "FindManyArgs", "FindFirstArgs", "FindUniqueArgs", "FindUniqueOrThrowArgs", "FindFirstOrThrowArgs",
    "CreateArgs", "CreateManyArgs", "UpdateArgs", "UpdateManyArgs", "UpsertArgs", "DeleteArgs",
    "DeleteManyArgs", "CountArgs", "AggregateArgs", "GroupByArgs", "ScalarFieldEnum", "Delegate",
    "CreateNestedManyWithoutInput", "ListRelationFilter", "RelationFilter", "ScalarWhereInput",
)

_PRELUDE = """\
type JsonValue = string | number | boolean | null | { [key: string]: JsonValue } | JsonValue[];
declare class Decimal {
  constructor(value: string | number);
  toNumber(): number;
  toString(): string;
  [key: string]: any;
}
export declare namespace Prisma {
  export { Decimal };
  export type JsonValue = string | number | boolean | null | { [key: string]: any } | any[];
  export type InputJsonValue = any;
  export type JsonObject = { [key: string]: any };
  export type JsonArray = any[];
  export type TransactionClient = any;
  export type PrismaPromise<T> = Promise<T>;
  export type Sql = any;
  export type SortOrder = "asc" | "desc";
  export const SortOrder: { asc: "asc"; desc: "desc" };
  export type QueryMode = "default" | "insensitive";
  export const QueryMode: { default: "default"; insensitive: "insensitive" };
  export type NullsOrder = "first" | "last";
  export type TransactionIsolationLevel = any;
  export const TransactionIsolationLevel: any;
  export const JsonNull: any;
  export const DbNull: any;
  export const AnyNull: any;
  export type NullableJsonNullValueInput = any;
  export type InputJsonObject = any;
  export function sql(strings: TemplateStringsArray, ...values: any[]): Sql;
  export function raw(value: string): Sql;
  export function join(values: any[], separator?: string): Sql;
  export const empty: Sql;
  export class PrismaClientKnownRequestError extends Error { code: string; meta?: any; clientVersion: string; }
  export class PrismaClientUnknownRequestError extends Error { clientVersion: string; }
  export class PrismaClientValidationError extends Error { clientVersion: string; }
  export class PrismaClientInitializationError extends Error { clientVersion: string; }
  export class PrismaClientRustPanicError extends Error { clientVersion: string; }
"""

_CLIENT_MEMBERS = """\
  constructor(options?: any);
  $connect(): Promise<void>;
  $disconnect(): Promise<void>;
  $transaction<T = any>(arg: any, options?: any): Promise<T>;
  $queryRaw<T = unknown>(query: any, ...values: any[]): Promise<T>;
  $executeRaw(query: any, ...values: any[]): Promise<number>;
  $queryRawUnsafe<T = unknown>(query: string, ...values: any[]): Promise<T>;
  $executeRawUnsafe(query: string, ...values: any[]): Promise<number>;
  $on(event: any, callback: (...args: any[]) => any): void;
  $use(middleware: any): void;
  $extends(extension: any): any;
"""


def schema_files(root: Path) -> dict[str, str]:
    """The project's Prisma schema files keyed by path relative to `root` (multi-file or single-file layout)."""
    found = sorted((root / "prisma" / "schema").glob("**/*.prisma")) or sorted(root.glob("prisma/*.prisma"))
    return {path.relative_to(root).as_posix(): path.read_text(encoding="utf-8", errors="replace") for path in found}


def _field_type(field: dict[str, Any]) -> str:
    base = _SCALARS.get(field["type"], field["type"]) if field["kind"] in ("scalar", "enum") else "any"
    if field.get("isList"):
        base = f"{base}[]"
    return base if field.get("isRequired", True) else f"{base} | null"


def _render(datamodel: dict[str, Any] | None) -> str:
    parts = [_PRELUDE]
    models = sorted(datamodel["models"], key=lambda m: m["name"]) if datamodel else []
    enums = sorted(datamodel["enums"], key=lambda e: e["name"]) if datamodel else []
    for model in models:
        for suffix in _MODEL_TYPE_SUFFIXES:
            parts.append(f"  export type {model['name']}{suffix} = any;\n")
        parts.append(f"  export type {model['name']}GetPayload<T = any> = any;\n")
    parts.append("}\n")
    for enum in enums:
        members = [value["name"] for value in enum["values"]]
        union = " | ".join(f'"{name}"' for name in members) or "never"
        consts = "; ".join(f'{name}: "{name}"' for name in members)
        parts.append(f"export type {enum['name']} = {union};\nexport declare const {enum['name']}: {{ {consts} }};\n")
    parts.append("export declare namespace $Enums {\n")
    for enum in enums:
        parts.append(f"  export type {enum['name']} = import(\"./index\").{enum['name']};\n")
    parts.append("}\n")
    for model in models:
        scalars = [f for f in model["fields"] if f["kind"] in ("scalar", "enum")]
        body = "".join(f"  {f['name']}: {_field_type(f)};\n" for f in scalars)
        parts.append(f"export type {model['name']} = {{\n{body}}};\n")
    parts.append("export declare class PrismaClient {\n" + _CLIENT_MEMBERS)
    if datamodel is None:
        parts.append("  [model: string]: any;\n")
    for model in models:
        parts.append(f"  {model['name']}: any;\n")
    parts.append("}\n")
    return "".join(parts)


def prisma_client_stub(root: Path) -> str:
    """The text of an `index.d.ts` standing in for `@prisma/client`, shaped by the schema under `root`."""
    return _render(read_datamodel(schema_files(root)))
