"""Typings for the Prisma client (`@prisma/client`, `@prisma/sdk`) when a project ships no generated one.

Generating the real client needs the Prisma CLI and its engines, which are not available offline.
Instead the declarations are written from the project's own schema (via the Prisma wasm DMMF):
table names, row types, enum members, the columns query inputs may name and the shapes query
results take are all checked (see prisma_client_runtime.d.ts and prisma_client_models.py).
With no readable schema the client accepts any table name.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any

from scoring.toolchain.prisma import read_datamodel
from scoring.toolchain.prisma_client_models import models_entry, namespace_types, row_type

_RUNTIME = Path(__file__).with_name("prisma_client_runtime.d.ts")

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
  export type TransactionClient = Omit<PrismaClient, "$connect" | "$disconnect" | "$on" | "$transaction" | "$use" | "$extends">;
  export type PrismaPromise<T> = Promise<T>;
  export function validator<V>(): <S extends V>(value: S) => S;
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
  $transaction<P extends readonly unknown[]>(queries: [...P], options?: any): Promise<{ -readonly [K in keyof P]: Awaited<P[K]> }>;
  $transaction<R>(fn: (prisma: Prisma.TransactionClient) => Promise<R>, options?: any): Promise<R>;
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


def render_client_stub(datamodel: dict[str, Any] | None) -> str:
    """The declarations for `datamodel` (None: no readable schema, so any table name goes)."""
    models = sorted(datamodel["models"], key=lambda m: m["name"]) if datamodel else []
    enums = sorted(datamodel["enums"], key=lambda e: e["name"]) if datamodel else []
    parts = [_RUNTIME.read_text(encoding="utf-8"), _PRELUDE, *map(namespace_types, models), "}\n"]
    for enum in enums:
        members = [value["name"] for value in enum["values"]]
        union = " | ".join(f'"{name}"' for name in members) or "never"
        consts = "; ".join(f'{name}: "{name}"' for name in members)
        parts.append(f"export type {enum['name']} = {union};\nexport declare const {enum['name']}: {{ {consts} }};\n")
    parts.append("export declare namespace $Enums {\n")
    parts.extend(f"  export type {enum['name']} = import(\"./index\").{enum['name']};\n" for enum in enums)
    parts.append("}\n")
    parts.extend(map(row_type, models))
    parts.extend(["interface $Models {\n", *map(models_entry, models), "}\n"])
    parts.append("export declare class PrismaClient {\n" + _CLIENT_MEMBERS)
    if datamodel is None:
        parts.append("  [model: string]: any;\n")
    parts.extend(f"  readonly {model['name']}: $Delegate<\"{model['name']}\">;\n" for model in models)
    parts.append("}\n")
    return "".join(parts)


def prisma_client_stub(root: Path) -> str:
    """The text of an `index.d.ts` standing in for `@prisma/client`, shaped by the schema under `root`."""
    return _stub_of(tuple(sorted(schema_files(root).items())))


@lru_cache(maxsize=16)
def _stub_of(files: tuple[tuple[str, str], ...]) -> str:
    """Per schema text, once per process: reading the DMMF costs the Prisma wasm ~0.1 s, and a run's
    test and realize jobs, and its scoring, ask for the stub of the same schema."""
    return render_client_stub(read_datamodel(dict(files)))
