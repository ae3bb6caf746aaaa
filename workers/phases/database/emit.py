"""Emit the Database AST as multi-file Prisma (`prisma/schema/*.prisma`) and a mermaid ERD.

Every emitted Prisma line remembers which namespace's operation caused it and which `table.field`
it belongs to, so the real validator's `file:line` errors can be sent back to the operation that
can fix them, even when the line is a reverse relation written into another namespace's file.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from workers.phases.database.ast import PRIMARY_KEY, DatabaseApplication, ForeignField, Model, PlainType
from workers.phases.naming import is_safe_relative_path

SCHEMA_DIR = "prisma/schema"
MAIN_FILE = f"{SCHEMA_DIR}/main.prisma"
ERD_FILE = "docs/ERD.md"
RESERVED_NAMESPACES = frozenset({"main"})

_PRISMA_TYPES: dict[PlainType, tuple[str, str]] = {
    "boolean": ("Boolean", ""),
    "int": ("Int", ""),
    "double": ("Float", ""),
    "string": ("String", ""),
    "uri": ("String", ""),
    "uuid": ("String", "@db.Uuid"),
    "datetime": ("DateTime", "@db.Timestamptz"),
}
# Line breaks other than \n (and NUL etc.) would end a `///` or `//` comment line, or confuse tools.
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f\u0085\u2028\u2029]")

# No `url`: the pinned Prisma (7) takes the connection from prisma.config.ts and rejects it here.
_MAIN = """\
generator client {
  provider        = "prisma-client-js"
  previewFeatures = ["postgresqlExtensions"]
}

datasource db {
  provider   = "postgresql"
  extensions = [pg_trgm]
}
"""


def schema_file(namespace: str) -> str:
    return f"{SCHEMA_DIR}/{namespace}.prisma"


@dataclass(frozen=True)
class Origin:
    """Who wrote an emitted line: the namespace whose operation owns it, and `table` or `table.field`."""

    namespace: str
    location: str


@dataclass
class PrismaTree:
    files: dict[str, str]
    origins: dict[tuple[str, int], Origin] = field(default_factory=dict)  # (file, 1-based line)


@dataclass(frozen=True)
class _Incoming:
    namespace: str
    source: Model
    fk: ForeignField


def comment_lines(text: str) -> list[str]:
    """Model text as single comment lines: no control characters, no blank runs at the ends."""
    lines = [_CONTROL.sub(" ", line).rstrip() for line in text.replace("\r", "").split("\n")]
    while lines and not lines[-1]:
        lines.pop()
    while lines and not lines[0]:
        lines.pop(0)
    return lines


def relation_label(source: str, relation: str) -> str:
    """Prisma relation name; unique because table names are snake_case and relations camelCase."""
    return f"{source}_{relation}"


class _Writer:
    """Accumulates one file's lines with their origins."""

    def __init__(self, path: str, tree: PrismaTree) -> None:
        self.path = path
        self.tree = tree
        self.lines: list[str] = []

    def add(self, line: str, origin: Origin | None) -> None:
        self.lines.append(line)
        if origin is not None:
            self.tree.origins[(self.path, len(self.lines))] = origin

    def add_doc(self, text: str, origin: Origin, indent: str = "") -> None:
        for line in comment_lines(text):
            self.add(f"{indent}/// {line}".rstrip(), origin)

    def close(self) -> None:
        self.tree.files[self.path] = "\n".join(self.lines) + "\n"


def emit_prisma(app: DatabaseApplication) -> PrismaTree:
    """Prisma files of a structurally valid application (see compiler.check_application)."""
    tree = PrismaTree(files={MAIN_FILE: _MAIN})
    incoming: dict[str, list[_Incoming]] = defaultdict(list)
    for ns in app.namespaces:
        for model in ns.models:
            for fk in model.foreign_fields:
                incoming[fk.relation.target].append(_Incoming(ns.name, model, fk))
    for ns in app.namespaces:
        writer = _Writer(schema_file(ns.name), tree)
        for position, model in enumerate(ns.models):
            if position:
                writer.add("", None)
            _emit_model(writer, ns.name, model, incoming.get(model.name, []))
        writer.close()
    return tree


def _emit_model(writer: _Writer, namespace: str, model: Model, incoming: list[_Incoming]) -> None:
    here = Origin(namespace, model.name)
    rows: list[tuple[str, str, str, str, Origin]] = []  # (doc, name, type, attributes, origin)

    def own(name: str) -> Origin:
        return Origin(namespace, f"{model.name}.{name}")

    rows.append((model.primary.description, PRIMARY_KEY, "String", "@id @db.Uuid", own(PRIMARY_KEY)))
    for fk in model.foreign_fields:
        attributes = "@db.Uuid" + (" @unique" if fk.unique else "")
        rows.append((fk.description, fk.name, "String" + ("?" if fk.nullable else ""), attributes, own(fk.name)))
    for plain in model.plain_fields:
        prisma_type, native = _PRISMA_TYPES[plain.type]
        rows.append((plain.description, plain.name, prisma_type + ("?" if plain.nullable else ""), native, own(plain.name)))
    relations: list[tuple[str, str, str, str, Origin]] = []
    for fk in model.foreign_fields:
        label = relation_label(model.name, fk.relation.name)
        on_delete = "SetNull" if fk.nullable else "Cascade"
        relations.append((
            f"Row of '{fk.relation.target}' referenced by '{fk.name}'.",
            fk.relation.name,
            fk.relation.target + ("?" if fk.nullable else ""),
            f'@relation("{label}", fields: [{fk.name}], references: [id], onDelete: {on_delete})',
            own(fk.name),
        ))
    for link in incoming:
        label = relation_label(link.source.name, link.fk.relation.name)
        arity = "?" if link.fk.unique else "[]"
        relations.append((
            f"Rows of '{link.source.name}' referencing this row through '{link.fk.name}'.",
            link.fk.relation.opposite_name,
            link.source.name + arity,
            f'@relation("{label}")',
            Origin(link.namespace, f"{link.source.name}.{link.fk.name}"),
        ))
    name_width = max(len(row[1]) for row in rows + relations)
    type_width = max(len(row[2]) for row in rows + relations)

    writer.add_doc(model.description, here)
    writer.add_doc(f"@stance {model.stance}", here)
    writer.add(f"model {model.name} {{", here)
    for block in (rows, relations):
        if block is relations and relations:
            writer.add("", None)
        for doc, name, type_, attributes, origin in block:
            writer.add_doc(doc, origin, "  ")
            writer.add(f"  {name.ljust(name_width)} {type_.ljust(type_width)} {attributes}".rstrip(), origin)
    index_lines = [f"@@unique([{', '.join(index.fields)}])" for index in model.unique_indexes]
    index_lines += [f"@@index([{', '.join(index.fields)}])" for index in model.plain_indexes]
    index_lines += [f'@@index([{gin.field}(ops: raw("gin_trgm_ops"))], type: Gin)' for gin in model.gin_indexes]
    if index_lines:
        writer.add("", None)
    for line in index_lines:
        writer.add(f"  {line}", here)
    writer.add("}", here)


def emit_database(app: DatabaseApplication) -> dict[str, str]:
    """Every file of the phase. Names passed the AST's patterns, so an unsafe path is our bug: raise."""
    files = {**emit_prisma(app).files, ERD_FILE: emit_erd(app)}
    unsafe = sorted(path for path in files if not is_safe_relative_path(path))
    if unsafe:
        raise RuntimeError(f"refusing to emit paths outside the project tree: {unsafe[:3]}")
    return files


def emit_erd(app: DatabaseApplication) -> str:
    """`docs/ERD.md`: one mermaid erDiagram per namespace, then each table's documentation."""
    out = ["# Entity Relationship Diagram", "",
           "Generated from the database schema AST; one diagram per namespace "
           "(`prisma/schema/<namespace>.prisma`).", ""]
    for ns in app.namespaces:
        out += [f"## {ns.name}", "", *comment_lines(ns.description), "", "```mermaid", "erDiagram"]
        for model in ns.models:
            out += _erd_entity(model)
        for model in ns.models:
            for fk in model.foreign_fields:
                left = "|o" if fk.nullable else "||"
                right = "o|" if fk.unique else "o{"
                out.append(f"  {fk.relation.target} {left}--{right} {model.name} : {fk.relation.name}")
        out += ["```", ""]
        for model in ns.models:
            out += _erd_table_doc(model)
    return "\n".join(out).rstrip() + "\n"


def _erd_entity(model: Model) -> list[str]:
    lines = [f"  {model.name} {{", f"    uuid {PRIMARY_KEY} PK"]
    for fk in model.foreign_fields:
        lines.append(f"    uuid {fk.name} FK" + (' "nullable"' if fk.nullable else ""))
    for plain in model.plain_fields:
        lines.append(f"    {plain.type} {plain.name}" + (' "nullable"' if plain.nullable else ""))
    return lines + ["  }"]


def _erd_table_doc(model: Model) -> list[str]:
    lines = [f"### `{model.name}` ({model.stance})", "", *comment_lines(model.description), "", "Columns:", ""]
    entries: Iterable[tuple[str, str]] = [
        (PRIMARY_KEY, model.primary.description),
        *((fk.name, f"→ `{fk.relation.target}` ({fk.relation.name}). {fk.description}") for fk in model.foreign_fields),
        *((plain.name, f"{plain.type}{', nullable' if plain.nullable else ''}. {plain.description}")
          for plain in model.plain_fields),
    ]
    for name, text in entries:
        lines.append(f"- `{name}`: {' '.join(comment_lines(text))}")
    return lines + [""]
