"""Structural checks of the Database ASTs, run before the Prisma validator sees them.

Each finding names the schema file, the `table.field` it concerns and what to change, so the model
can fix it in one retry. A namespace's own operation is checked against the *planned* tables of
every namespace (the others are being written concurrently); the merged application is checked
against the tables actually defined.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import TypeVar

from workers.phases.base import Diagnostic
from workers.phases.database.ast import PRIMARY_KEY, DatabaseApplication, DatabaseSchema, Groups, Model
from workers.phases.database.emit import RESERVED_NAMESPACES, schema_file

_SHOWN = 12
H = TypeVar("H", str, tuple[str, ...])


def quoted(names: Iterable[str]) -> str:
    """A bounded, sorted, quoted list for messages (a hostile AST may hold thousands of names)."""
    ordered = sorted(set(names))
    shown = ", ".join(f"'{name}'" for name in ordered[:_SHOWN])
    more = len(ordered) - _SHOWN
    return f"{shown}, … ({more} more)" if more > 0 else shown


def _diag(namespace: str, location: str | None, code: str, message: str) -> Diagnostic:
    return Diagnostic(file=schema_file(namespace), location=location, code=code, message=message)


def _duplicates(names: Iterable[H]) -> list[H]:
    return sorted(name for name, count in Counter(names).items() if count > 1)


def check_groups(groups: Groups) -> list[Diagnostic]:
    """Namespaces are unique, not reserved, and every table is owned by exactly one of them."""
    found: list[Diagnostic] = []
    for name in _duplicates(ns.name for ns in groups.namespaces):
        found.append(_diag(name, None, "database.duplicate-namespace", f"namespace '{name}' is declared more than once"))
    for ns in groups.namespaces:
        if ns.name in RESERVED_NAMESPACES:
            found.append(_diag(ns.name, None, "database.reserved-namespace",
                               f"namespace name '{ns.name}' is reserved for the generator file; choose another"))
    owners: dict[str, list[str]] = defaultdict(list)
    for ns in groups.namespaces:
        for table in ns.tables:
            owners[table].append(ns.name)
    for table, namespaces in sorted(owners.items()):
        if len(namespaces) > 1:
            found.append(_diag(namespaces[0], table, "database.duplicate-table",
                               f"table '{table}' is listed {len(namespaces)} times (namespaces {quoted(namespaces)}); "
                               "each table belongs to exactly one namespace"))
    return found


def check_namespace(schema: DatabaseSchema, namespace: str, groups: Groups) -> list[Diagnostic]:
    """The `schema-<namespace>` operation's compiler: this namespace against the plan of all of them."""
    planned = {table: ns.name for ns in groups.namespaces for table in ns.tables}
    own = next((ns.tables for ns in groups.namespaces if ns.name == namespace), [])
    found = _check_ownership(schema.models, namespace, own, planned)
    found += _check_models(namespace, schema.models, set(planned))
    found += _check_back_relations({namespace: schema.models})
    return found


def check_application(app: DatabaseApplication) -> list[Diagnostic]:
    """The merged schema: every foreign key resolves to a defined model, back-relations don't clash."""
    found: list[Diagnostic] = []
    owners: dict[str, list[str]] = defaultdict(list)
    for ns in app.namespaces:
        for model in ns.models:
            owners[model.name].append(ns.name)
    for table, namespaces in sorted(owners.items()):
        for extra in namespaces[1:]:
            found.append(_diag(extra, table, "database.duplicate-model",
                               f"model '{table}' is defined more than once (namespaces {quoted(namespaces)})"))
    defined = set(owners)
    for ns in app.namespaces:
        found += _check_models(ns.name, ns.models, defined)
    found += _check_back_relations({ns.name: ns.models for ns in app.namespaces})
    return found


def _check_ownership(models: Sequence[Model], namespace: str, own: Sequence[str],
                     planned: Mapping[str, str]) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    names = [model.name for model in models]
    for name in _duplicates(names):
        found.append(_diag(namespace, name, "database.duplicate-model", f"model '{name}' is defined more than once"))
    for name in dict.fromkeys(names):
        owner = planned.get(name)
        if owner is None:
            found.append(_diag(namespace, name, "database.unplanned-model",
                               f"model '{name}' is not a planned table of namespace '{namespace}'; "
                               f"its tables are {quoted(own)}"))
        elif owner != namespace:
            found.append(_diag(namespace, name, "database.foreign-model",
                               f"model '{name}' belongs to namespace '{owner}'; define it only there"))
    for table in own:
        if table not in names:
            found.append(_diag(namespace, table, "database.missing-model",
                               f"planned table '{table}' is not defined; add a model named '{table}'"))
    return found


def _check_models(namespace: str, models: Sequence[Model], known_tables: set[str]) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    for model in models:
        found += _check_fields(namespace, model, known_tables)
        found += _check_indexes(namespace, model)
    return found


def _check_fields(namespace: str, model: Model, known_tables: set[str]) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    columns = [PRIMARY_KEY] + [f.name for f in model.foreign_fields] + [f.name for f in model.plain_fields]
    for name in _duplicates(columns):
        found.append(_diag(namespace, f"{model.name}.{name}", "database.duplicate-field",
                           f"column '{name}' is declared more than once in model '{model.name}'"))
    relations = [f.relation.name for f in model.foreign_fields]
    for name in _duplicates(relations):
        found.append(_diag(namespace, f"{model.name}.{name}", "database.duplicate-relation",
                           f"relation '{name}' is declared more than once in model '{model.name}'"))
    for name in sorted(set(relations) & set(columns)):
        found.append(_diag(namespace, f"{model.name}.{name}", "database.relation-clash",
                           f"relation '{name}' has the same name as a column of model '{model.name}'; rename the relation"))
    for fk in model.foreign_fields:
        location = f"{model.name}.{fk.name}"
        if not fk.name.endswith("_id"):
            found.append(_diag(namespace, location, "database.foreign-key-name",
                               f"foreign field '{fk.name}' must end with '_id', e.g. '{fk.name}_id'"))
        if fk.relation.target not in known_tables:
            found.append(_diag(namespace, location, "database.unresolved-target",
                               f"relation '{fk.relation.name}' targets '{fk.relation.target}', which is not a table; "
                               f"known tables: {quoted(known_tables)}"))
    return found


def _check_indexes(namespace: str, model: Model) -> list[Diagnostic]:
    found: list[Diagnostic] = []
    columns = {PRIMARY_KEY, *(f.name for f in model.foreign_fields), *(f.name for f in model.plain_fields)}
    foreign = {f.name for f in model.foreign_fields}
    strings = {f.name for f in model.plain_fields if f.type == "string"}
    for kind, indexes in (("unique", model.unique_indexes), ("plain", model.plain_indexes)):
        for position, index in enumerate(indexes):
            label = f"{kind} index #{position + 1} ({', '.join(index.fields)})"
            for name in index.fields:
                if name not in columns:
                    found.append(_diag(namespace, f"{model.name}.{name}", "database.index-field",
                                       f"{label} names '{name}', which is not a column of model '{model.name}'"))
            for name in _duplicates(index.fields):
                found.append(_diag(namespace, f"{model.name}.{name}", "database.index-repeat",
                                   f"{label} lists '{name}' more than once"))
            if kind == "unique" and len(index.fields) == 1 and index.fields[0] in foreign:
                found.append(_diag(namespace, f"{model.name}.{index.fields[0]}", "database.unique-foreign",
                                   f"{label} covers only the foreign field '{index.fields[0]}'; "
                                   "remove it and set unique: true on that foreign field instead"))
        for fields in _duplicates(tuple(index.fields) for index in indexes):
            found.append(_diag(namespace, model.name, "database.index-duplicate",
                               f"{kind} index ({', '.join(fields)}) is declared more than once in model '{model.name}'"))
    for gin in model.gin_indexes:
        if gin.field not in strings:
            found.append(_diag(namespace, f"{model.name}.{gin.field}", "database.gin-field",
                               f"GIN index field '{gin.field}' must be a plain string column of model '{model.name}'"))
    for name in _duplicates(gin.field for gin in model.gin_indexes):
        found.append(_diag(namespace, f"{model.name}.{name}", "database.index-duplicate",
                           f"GIN index on '{name}' is declared more than once in model '{model.name}'"))
    return found


def _check_back_relations(models_by_namespace: Mapping[str, Sequence[Model]]) -> list[Diagnostic]:
    """Each foreign key adds `opposite_name` to its target; those names must not clash there.

    Targets defined in the given namespaces are checked against their own columns and relations;
    for the others only the clashes among the given foreign keys can be seen.
    """
    targets: dict[str, Model] = {}
    sources: list[tuple[str, Model]] = []
    for namespace, models in models_by_namespace.items():
        for model in models:
            if model.name not in targets:  # a repeated model is reported once, as a duplicate
                targets[model.name] = model
                sources.append((namespace, model))
    claimed: dict[tuple[str, str], list[tuple[str, str]]] = defaultdict(list)
    found: list[Diagnostic] = []
    for namespace, model in sources:
        for fk in model.foreign_fields:
            target, opposite = fk.relation.target, fk.relation.opposite_name
            location = f"{model.name}.{fk.name}"
            claimed[(target, opposite)].append((namespace, location))
            model_of_target = targets.get(target)
            if model_of_target is None:
                continue
            taken = {PRIMARY_KEY, *(f.name for f in model_of_target.foreign_fields),
                     *(f.name for f in model_of_target.plain_fields),
                     *(f.relation.name for f in model_of_target.foreign_fields)}
            if opposite in taken:
                found.append(_diag(namespace, location, "database.opposite-clash",
                                   f"opposite_name '{opposite}' is already a column or relation of model "
                                   f"'{target}'; choose another name for the reverse relation"))
    for (target, opposite), claimants in sorted(claimed.items()):
        first = claimants[0][1]
        for namespace, location in claimants[1:]:
            found.append(_diag(namespace, location, "database.opposite-clash",
                               f"opposite_name '{opposite}' on model '{target}' is also used by {first}; "
                               "each reverse relation needs its own name"))
    return found
