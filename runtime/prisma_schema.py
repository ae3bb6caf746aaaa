"""The DDL `prisma db push` would run on PostgreSQL for a tree's Prisma schema, written without Prisma.

`farm verify` applies a backend's schema with psql (runtime/project.py) because Prisma's schema engine
is downloaded from its binary host, unreachable here. Our runs carry the Database AST their `.prisma`
files came from; any other tree (AutoBe's layout `prisma/schema/*.prisma`, or `prisma/schema.prisma`)
has only the files. This reads the part of the Prisma Schema Language generated backends use and
writes the enums, tables, indexes and foreign keys with the names and column types Prisma gives them,
so that the generated client's queries find them. The schema already passed `prisma generate`, so it
is taken as valid; whatever this reader does not know raises `UnsupportedSchema` naming the file, the
line and the construct: a limit of the farm, never the model's mistake.
"""

from __future__ import annotations

import base64
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TypeAlias, TypeVar

MAX_IDENTIFIER = 63  # PostgreSQL's limit, to which Prisma cuts the constraint names it makes up

_SCALARS = {"String": "TEXT", "Boolean": "BOOLEAN", "Int": "INTEGER", "BigInt": "BIGINT", "Float": "DOUBLE PRECISION",
            "Decimal": "DECIMAL(65,30)", "DateTime": "TIMESTAMP(3)", "Json": "JSONB", "Bytes": "BYTEA"}
_NATIVE = {name: name.upper() for name in (
    "Text Char VarChar Bit VarBit Uuid Xml Inet Citext Boolean Integer SmallInt BigInt Oid Real Decimal Money "
    "Timestamp Timestamptz Date Time Timetz Json JsonB ByteA").split()} | {"DoublePrecision": "DOUBLE PRECISION"}
_SERIAL = {"SMALLINT": "SMALLSERIAL", "INTEGER": "SERIAL", "BIGINT": "BIGSERIAL"}  # @default(autoincrement())
_CLIENT_DEFAULTS = {"uuid", "cuid", "nanoid", "ulid", "autoincrement"}  # made by the client (or the serial type)
_ACTIONS = {"Cascade": "CASCADE", "Restrict": "RESTRICT", "NoAction": "NO ACTION", "SetNull": "SET NULL",
            "SetDefault": "SET DEFAULT"}
_INDEX_TYPES = {"BTree": "", "Hash": " USING HASH", "Gist": " USING GIST", "Gin": " USING GIN",
                "SpGist": " USING SPGIST", "Brin": " USING BRIN"}
_ORDERS = {"Asc": " ASC", "Desc": " DESC"}
_BLOCKS = {"generator", "datasource", "model", "enum"}
# The arguments each attribute takes: (by position, by name only). Any other attribute or argument is refused.
_SIGNATURES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "@id": ((), ("map",)),
    "@unique": ((), ("map",)),
    "@default": (("value",), ()),
    "@map": (("name",), ()),
    "@updatedAt": ((), ()),
    "@relation": (("name",), ("fields", "references", "onDelete", "onUpdate", "map")),
    "@@id": (("fields",), ("name", "map")),
    "@@unique": (("fields",), ("name", "map")),
    "@@index": (("fields",), ("map", "type")),
    "@@map": (("name",), ()),
    "@@schema": (("name",), ()),
}


class UnsupportedSchema(Exception):
    """A schema, or a construct in it, that this translator cannot turn into SQL."""


@dataclass(frozen=True)
class Ident:
    name: str


@dataclass(frozen=True)
class Number:
    text: str


@dataclass(frozen=True)
class Call:
    """`name(...)`: a function (`now()`, `raw("...")`) or a field with options (`title(ops: ...)`)."""

    name: str
    positional: list[Value]
    named: dict[str, Value]


Value: TypeAlias = "str | Number | Ident | Call | list[Value]"


@dataclass
class _Attribute:
    name: str  # with its @ or @@: "@id", "@@index", "@db.VarChar"
    line: int
    args: dict[str, Value]  # by parameter name (_SIGNATURES); empty for a native type
    native_args: list[str]  # a native type's numbers: @db.VarChar(255)


@dataclass
class _Field:
    """A model's field (a column or a relation) or an enum's value (no type)."""

    name: str
    type: str
    optional: bool
    is_list: bool
    line: int
    attributes: dict[str, _Attribute] = field(default_factory=dict)


@dataclass
class _Block:
    kind: str
    name: str
    path: str
    line: int
    fields: list[_Field] = field(default_factory=list)
    attributes: list[_Attribute] = field(default_factory=list)  # @@...
    properties: dict[str, tuple[Value, int]] = field(default_factory=dict)  # generator/datasource `key = value`


@dataclass(frozen=True)
class PrismaDdl:
    extensions: str  # CREATE EXTENSION for the datasource's `extensions`
    tables: str  # schemas, enum types, tables, indexes, then foreign keys (so references may point forward)


def tree_ddl(tree: Path) -> PrismaDdl:
    """The DDL of the tree's schema: every `.prisma` file under `prisma/schema/` (the multi-file layout,
    as Prisma reads it), else `prisma/schema.prisma`."""
    folder = tree / "prisma" / "schema"
    files = sorted(folder.rglob("*.prisma")) if folder.is_dir() else [tree / "prisma" / "schema.prisma"]
    files = [file for file in files if file.is_file()]
    if not files:
        raise UnsupportedSchema("no Prisma schema in the tree (prisma/schema/*.prisma or prisma/schema.prisma)")
    return translate({file.relative_to(tree).as_posix(): file.read_text(encoding="utf-8") for file in files})


def translate(sources: Mapping[str, str]) -> PrismaDdl:
    """The DDL of a schema given as its files' texts by path (the path names the file in errors)."""
    return _Translator([block for path, text in sources.items() for block in _Parser(path, text).blocks()]).ddl()


def _unsupported(path: str, line: int, construct: str) -> UnsupportedSchema:
    return UnsupportedSchema(f"{path}:{line}: {construct} is not supported by the farm's Prisma schema translator")


def _show(value: Value | None) -> str:
    """A value as it is written in the schema, for error messages."""
    if isinstance(value, list):
        return f"[{', '.join(map(_show, value))}]"
    if isinstance(value, Call):
        named = [f"{key}: {_show(item)}" for key, item in value.named.items()]
        return f"{value.name}({', '.join([*map(_show, value.positional), *named])})"
    if isinstance(value, (Ident, Number)):
        return value.name if isinstance(value, Ident) else value.text
    return json.dumps(value)


# ---- reading: tokens, then blocks of lines (a field or a block attribute each)

_TOKENS = re.compile(r"""
    (?P<skip>[ \t\r\f]+|//[^\n]*|/\*.*?\*/)
  | (?P<newline>\n)
  | (?P<string>"(?:[^"\\\n]|\\.)*")
  | (?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<at>@@?)
  | (?P<punct>[{}()\[\],:=?.])
""", re.VERBOSE | re.DOTALL)
_Item = TypeVar("_Item")


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    line: int


def _tokens(path: str, text: str) -> list[_Token]:
    """The file's tokens; a line break ends a field or an attribute, except inside brackets."""
    tokens: list[_Token] = []
    line, depth, position = 1, 0, 0
    while position < len(text):
        match = _TOKENS.match(text, position)
        if match is None:
            raise UnsupportedSchema(f"{path}:{line}: cannot read {text[position]!r}")
        kind, value = match.lastgroup or "", match.group()
        if kind == "punct":
            depth += {"(": 1, "[": 1, ")": -1, "]": -1}.get(value, 0)
        if kind != "skip" and not (kind == "newline" and depth > 0):
            tokens.append(_Token(kind, value, line))
        line += value.count("\n")
        position = match.end()
    return [*tokens, _Token("end", "", line)]


class _Parser:
    """Recursive descent over one file: blocks, their lines, attributes and argument values."""

    def __init__(self, path: str, text: str) -> None:
        self.path, self.tokens, self.at = path, _tokens(path, text), 0

    def peek(self) -> _Token:
        return self.tokens[self.at]

    def take(self, kind: str, text: str | None = None) -> _Token:
        token = self.peek()
        if token.kind != kind or text not in (None, token.text):
            found = repr(token.text) if token.text else "the end of the file"
            raise UnsupportedSchema(f"{self.path}:{token.line}: cannot read {found} here")
        self.at += 1
        return token

    def accept(self, text: str) -> bool:
        if self.peek().kind == "punct" and self.peek().text == text:
            self.at += 1
            return True
        return False

    def skip_lines(self) -> _Token:
        while self.peek().kind == "newline":
            self.at += 1
        return self.peek()

    def blocks(self) -> list[_Block]:
        found: list[_Block] = []
        while self.skip_lines().kind != "end":
            keyword = self.take("name")
            if keyword.text not in _BLOCKS:
                raise _unsupported(self.path, keyword.line, f"a `{keyword.text}` block")
            block = _Block(keyword.text, self.take("name").text, self.path, keyword.line)
            self.take("punct", "{")
            while self.skip_lines().text != "}":
                self.block_line(block)
                if self.peek().text != "}":
                    self.take("newline")
            self.take("punct", "}")
            found.append(block)
        return found

    def block_line(self, block: _Block) -> None:
        if self.peek().text == "@@":
            block.attributes.append(self.attribute())
        elif block.kind in ("generator", "datasource"):
            key = self.take("name")
            self.take("punct", "=")
            block.properties[key.text] = (self.value(), key.line)
        else:
            block.fields.append(self.field(block.kind))

    def field(self, kind: str) -> _Field:
        name = self.take("name")
        type_, optional, is_list = "", False, False
        if kind == "model":
            type_ = self.take("name").text
            is_list = self.accept("[")
            if is_list:
                self.take("punct", "]")
            else:
                optional = self.accept("?")
        found = _Field(name.text, type_, optional, is_list, name.line)
        while self.peek().text == "@":
            attribute = self.attribute()
            found.attributes[attribute.name] = attribute
        return found

    def attribute(self) -> _Attribute:
        at = self.take("at")
        name = at.text + self.take("name").text
        if self.accept("."):
            name += "." + self.take("name").text
        positional, named = self.arguments() if self.accept("(") else ([], {})
        if name.startswith("@db."):
            if named or not all(isinstance(value, Number) for value in positional):
                raise _unsupported(self.path, at.line, f"{name} with these arguments")
            return _Attribute(name, at.line, {}, [value.text for value in positional if isinstance(value, Number)])
        if name not in _SIGNATURES:
            raise _unsupported(self.path, at.line, f"the attribute {name}")
        by_position, by_name = _SIGNATURES[name]
        unknown = sorted(set(named) - set(by_position) - set(by_name))
        if unknown or len(positional) > len(by_position):
            raise _unsupported(self.path, at.line, f"{name} with the argument(s) {', '.join(unknown) or 'given'}")
        return _Attribute(name, at.line, dict(zip(by_position, positional)) | named, [])

    def arguments(self) -> tuple[list[Value], dict[str, Value]]:
        """The arguments up to `)` (the `(` already taken): those by position, and those by name (`key: value`)."""
        arguments = self.sequence(")", self.argument)
        return [value for key, value in arguments if key is None], {key: value for key, value in arguments if key}

    def argument(self) -> tuple[str | None, Value]:
        if self.peek().kind == "name" and self.tokens[self.at + 1].text == ":":
            key = self.take("name").text
            self.take("punct", ":")
            return key, self.value()
        return None, self.value()

    def value(self) -> Value:
        token = self.peek()
        if token.kind == "string":
            self.at += 1
            try:
                return str(json.loads(token.text, strict=False))
            except json.JSONDecodeError:
                raise _unsupported(self.path, token.line, f"the string {token.text}") from None
        if token.kind == "number":
            self.at += 1
            return Number(token.text)
        if self.accept("["):
            return self.sequence("]", self.value)
        name = self.take("name").text
        return Call(name, *self.arguments()) if self.accept("(") else Ident(name)

    def sequence(self, close: str, item: Callable[[], _Item]) -> list[_Item]:
        """Comma-separated items up to `close` (its opening bracket already taken); a trailing comma is fine."""
        items: list[_Item] = []
        while not self.accept(close):
            items.append(item())
            if not self.accept(","):
                self.take("punct", close)
                break
        return items


# ---- writing: the SQL Prisma's PostgreSQL connector would


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _default_name(base: str, suffix: str) -> str:
    """Prisma's name for a key, index or foreign key: `base` cut (by bytes) so that `base + suffix` fits 63."""
    return base.encode()[:MAX_IDENTIFIER - len(suffix)].decode(errors="ignore") + suffix


def _block_argument(block: _Block, attribute: str) -> str | None:
    """The name a block attribute gives (`@@map("x")`, `@@schema("x")`), if the block has it."""
    return next((str(found.args["name"]) for found in block.attributes if found.name == attribute), None)


def _column(field_: _Field) -> str:
    """A field's column, or an enum value's stored value: its `@map`, else its name."""
    mapped = field_.attributes.get("@map")
    return field_.name if mapped is None else str(mapped.args["name"])


class _Translator:
    def __init__(self, blocks: list[_Block]) -> None:
        self.models = {block.name: block for block in blocks if block.kind == "model"}
        self.enums = {block.name: block for block in blocks if block.kind == "enum"}
        self.datasource = next((block for block in blocks if block.kind == "datasource"), None)

    def ddl(self) -> PrismaDdl:
        models = list(self.models.values())
        # multiSchema datasources place models and enums with @@schema; other schemas have none
        schemas = dict.fromkeys(name for block in [*self.enums.values(), *models]
                                if (name := _block_argument(block, "@@schema")) is not None)
        statements = [f"CREATE SCHEMA IF NOT EXISTS {_quote(name)};" for name in schemas]
        statements += [self.create_enum(enum) for enum in self.enums.values()]
        statements += [self.create_table(model) for model in models]
        statements += [statement for model in models for statement in self.indexes(model)]
        foreign_keys = [statement for model in models for statement in self.foreign_keys(model)]  # checked anyway
        if self.setting("relationMode") != "prisma":  # "prisma": the client emulates them, the database has none
            statements += foreign_keys
        extensions = "".join(f"CREATE EXTENSION IF NOT EXISTS {_quote(name)};\n" for name in self.extensions())
        return PrismaDdl(extensions, "\n".join(statements) + "\n")

    def setting(self, key: str) -> Value | None:
        found = self.datasource.properties.get(key) if self.datasource is not None else None
        return None if found is None else found[0]

    def extensions(self) -> list[str]:
        """The datasource's provider, checked, and the extensions it asks for (`pg_trgm`, `x(map: "x-y")`)."""
        if self.datasource is None:
            return []
        if self.setting("provider") not in ("postgresql", "postgres"):
            line = self.datasource.properties.get("provider", (None, self.datasource.line))[1]
            raise _unsupported(self.datasource.path, line, f"the provider {_show(self.setting('provider'))}")
        names: list[str] = []
        listed = self.setting("extensions")
        for item in listed if isinstance(listed, list) else []:
            if isinstance(item, Ident):
                names.append(item.name)
            elif isinstance(item, Call) and not item.positional and set(item.named) == {"map"}:
                names.append(str(item.named["map"]))
            else:
                raise _unsupported(self.datasource.path, self.datasource.properties["extensions"][1],
                                   f"the extension {_show(item)}")
        return names

    # -- names

    def qualified(self, block: _Block) -> str:
        """A table's or enum type's name in SQL: its @@map (else its name), in its @@schema if it has one."""
        name, schema = _quote(self.table(block)), _block_argument(block, "@@schema")
        return name if schema is None else f"{_quote(schema)}.{name}"

    @staticmethod
    def table(block: _Block) -> str:
        return _block_argument(block, "@@map") or block.name

    @staticmethod
    def find(block: _Block, name: Value, line: int) -> _Field:
        """The field (or enum value) `name` refers to in `fields: [...]`, `references: [...]` or a default."""
        wanted = name.name if isinstance(name, (Ident, Call)) else None
        found = next((field_ for field_ in block.fields if field_.name == wanted), None)
        if found is None:
            raise UnsupportedSchema(f"{block.path}:{line}: cannot find {_show(name)} in {block.name}")
        return found

    # -- enums and tables

    def create_enum(self, enum: _Block) -> str:
        values = ", ".join(_string(_column(value)) for value in enum.fields)
        return f"CREATE TYPE {self.qualified(enum)} AS ENUM ({values});"

    def create_table(self, model: _Block) -> str:
        columns = [self.column_sql(model, field_) for field_ in model.fields if field_.type not in self.models]
        keys = [(field_.attributes["@id"], [_column(field_)]) for field_ in model.fields if "@id" in field_.attributes]
        keys += [(attribute, [column for column, _ in self.index_columns(model, attribute)])
                 for attribute in model.attributes if attribute.name == "@@id"]
        for attribute, key_columns in keys[:1]:  # Prisma allows one
            name = str(attribute.args.get("map") or _default_name(self.table(model), "_pkey"))
            columns.append(f"CONSTRAINT {_quote(name)} PRIMARY KEY ({', '.join(map(_quote, key_columns))})")
        return f"CREATE TABLE {self.qualified(model)} (\n  " + ",\n  ".join(columns) + "\n);"

    def column_sql(self, model: _Block, field_: _Field) -> str:
        sql_type = self.column_type(model, field_)
        default = field_.attributes.get("@default")
        value = None if default is None else self.default(model, field_, default.args["value"], sql_type)
        return (f"{_quote(_column(field_))} {sql_type}" + ("" if field_.optional or field_.is_list else " NOT NULL")
                + ("" if value is None else f" DEFAULT {value}"))

    def column_type(self, model: _Block, field_: _Field) -> str:
        """An enum's type, else the native type (`@db.X(...)`), else the scalar's default; serial if autoincremented."""
        native = next((attribute for name, attribute in field_.attributes.items() if name.startswith("@db.")), None)
        if field_.type in self.enums:
            sql_type = self.qualified(self.enums[field_.type])
        elif native is not None:
            if native.name[4:] not in _NATIVE:
                raise _unsupported(model.path, native.line, f"the native type {native.name}")
            sql_type = _NATIVE[native.name[4:]] + (f"({','.join(native.native_args)})" if native.native_args else "")
        elif field_.type in _SCALARS:
            sql_type = _SCALARS[field_.type]
        else:
            raise _unsupported(model.path, field_.line, f"the field type {field_.type}")
        default = field_.attributes.get("@default")
        if default is not None and default.args["value"] == Call("autoincrement", [], {}):
            if sql_type not in _SERIAL:
                raise _unsupported(model.path, field_.line, f"autoincrement() on {sql_type}")
            sql_type = _SERIAL[sql_type]
        return sql_type + ("[]" if field_.is_list else "")

    def default(self, model: _Block, field_: _Field, value: Value, sql_type: str) -> str | None:
        """The column's DEFAULT; None for values the client makes (uuid(), cuid(), ...) and for a serial's."""
        if isinstance(value, Call):
            if value.name == "now":
                return "CURRENT_TIMESTAMP"
            if value.name == "dbgenerated":
                return str(value.positional[0]) if value.positional else None
            if value.name in _CLIENT_DEFAULTS:
                return None
            raise _unsupported(model.path, field_.line, f"@default({value.name}())")
        if isinstance(value, list):
            return f"ARRAY[{', '.join(self.constant(model, field_, item) for item in value)}]::{sql_type}"
        return self.constant(model, field_, value)

    def constant(self, model: _Block, field_: _Field, value: Value) -> str:
        if isinstance(value, Number):
            return value.text
        if isinstance(value, Ident) and value.name in ("true", "false"):
            return value.name
        if isinstance(value, Ident) and field_.type in self.enums:
            return _string(_column(self.find(self.enums[field_.type], value, field_.line)))
        if isinstance(value, str):
            return "'\\x" + base64.b64decode(value).hex() + "'" if field_.type == "Bytes" else _string(value)
        raise _unsupported(model.path, field_.line, f"the default value {_show(value)}")

    # -- indexes and foreign keys

    def index_columns(self, model: _Block, attribute: _Attribute) -> list[tuple[str, str]]:
        """Each indexed column's name and its SQL, with its operator class (`ops: raw("...")`) and `sort:`."""
        fields = attribute.args.get("fields")
        columns: list[tuple[str, str]] = []
        for item in fields if isinstance(fields, list) else []:
            options = item.named if isinstance(item, Call) else {}
            ops, sort = options.get("ops"), options.get("sort")
            raw = isinstance(ops, Call) and ops.name == "raw" and len(ops.positional) == 1
            order = isinstance(sort, Ident) and sort.name in _ORDERS
            if set(options) - {"ops", "sort"} or (ops is not None and not raw) or (sort is not None and not order):
                raise _unsupported(model.path, attribute.line, f"the index column {_show(item)}")
            column = _column(self.find(model, item, attribute.line))
            operator_class = f" {ops.positional[0]}" if isinstance(ops, Call) else ""
            order_sql = _ORDERS[sort.name] if isinstance(sort, Ident) else ""
            columns.append((column, _quote(column) + operator_class + order_sql))
        if not columns:
            raise UnsupportedSchema(f"{model.path}:{attribute.line}: cannot read the fields of {attribute.name}")
        return columns

    def indexes(self, model: _Block) -> list[str]:
        """Unique indexes (`@unique`, `@@unique`), then plain ones (`@@index`, any method), named as Prisma does."""
        specs = [(True, [(_column(field_), _quote(_column(field_)))], field_.attributes["@unique"], "")
                 for field_ in model.fields if "@unique" in field_.attributes]
        for attribute in model.attributes:
            if attribute.name in ("@@unique", "@@index"):
                method = attribute.args.get("type", Ident("BTree"))
                if not isinstance(method, Ident) or method.name not in _INDEX_TYPES:
                    raise _unsupported(model.path, attribute.line, f"the index type {_show(method)}")
                specs.append((attribute.name == "@@unique", self.index_columns(model, attribute), attribute,
                              _INDEX_TYPES[method.name]))
        statements = []
        for unique, columns, attribute, using in specs:
            base = "_".join([self.table(model), *(column for column, _ in columns)])
            name = str(attribute.args.get("map") or _default_name(base, "_key" if unique else "_idx"))
            statements.append(f"CREATE {'UNIQUE ' if unique else ''}INDEX {_quote(name)} ON {self.qualified(model)}"
                              f"{using} ({', '.join(sql for _, sql in columns)});")
        return statements

    def foreign_keys(self, model: _Block) -> list[str]:
        """One per relation field holding `fields:`; the other side of a relation has no column."""
        statements = []
        for field_ in model.fields:
            if field_.type not in self.models:
                continue
            relation = field_.attributes.get("@relation")
            args = relation.args if relation is not None else {}
            if "fields" not in args:
                self.refuse_implicit_many_to_many(model, field_)
                continue
            target = self.models[field_.type]
            own = [self.find(model, item, field_.line) for item in self.relation_fields(model, field_, args["fields"])]
            referenced = [_column(self.find(target, item, field_.line))
                          for item in self.relation_fields(model, field_, args.get("references"))]
            columns = [_column(item) for item in own]
            optional = all(item.optional for item in own)  # Prisma's default: SetNull when the reference may be absent
            on_delete = self.action(model, field_, args.get("onDelete", Ident("SetNull" if optional else "Restrict")))
            on_update = self.action(model, field_, args.get("onUpdate", Ident("Cascade")))
            name = str(args.get("map") or _default_name("_".join([self.table(model), *columns]), "_fkey"))
            statements.append(
                f"ALTER TABLE {self.qualified(model)} ADD CONSTRAINT {_quote(name)} "
                f"FOREIGN KEY ({', '.join(map(_quote, columns))}) REFERENCES {self.qualified(target)} "
                f"({', '.join(map(_quote, referenced))}) ON DELETE {on_delete} ON UPDATE {on_update};")
        return statements

    @staticmethod
    def relation_fields(model: _Block, field_: _Field, listed: Value | None) -> list[Value]:
        if not isinstance(listed, list) or not listed:
            raise UnsupportedSchema(f"{model.path}:{field_.line}: cannot read the fields of @relation")
        return listed

    @staticmethod
    def action(model: _Block, field_: _Field, action: Value) -> str:
        if not isinstance(action, Ident) or action.name not in _ACTIONS:
            raise _unsupported(model.path, field_.line, f"the referential action {_show(action)}")
        return _ACTIONS[action.name]

    def refuse_implicit_many_to_many(self, model: _Block, field_: _Field) -> None:
        """Lists on both sides of a relation need the join table (`_AToB`) Prisma would make; we make none."""
        name = self.relation_name(field_)
        if field_.is_list and any(other is not field_ and other.type == model.name and other.is_list
                                  and self.relation_name(other) == name for other in self.models[field_.type].fields):
            relation = f"the implicit many-to-many relation {model.name}.{field_.name}"
            raise _unsupported(model.path, field_.line, relation)

    @staticmethod
    def relation_name(field_: _Field) -> Value | None:
        relation = field_.attributes.get("@relation")
        return None if relation is None else relation.args.get("name")
