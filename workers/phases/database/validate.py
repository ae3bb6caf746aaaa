"""Run the real Prisma validator over emitted schemas and route its errors to the responsible namespace.

A namespace is written while the others are still being written, so its own check validates it next
to placeholder models for the other namespaces' planned tables: the validator sees every relation
resolve, and only errors on lines that namespace wrote are reported to it.
"""

from __future__ import annotations

from scoring.toolchain import validate_prisma
from workers.phases.base import Diagnostic
from workers.phases.database.ast import DatabaseApplication, DatabaseSchema, Groups, Model, NamespaceSchema, PrimaryField
from workers.phases.database.compiler import check_application
from workers.phases.database.emit import emit_prisma, schema_file


def prisma_diagnostics(app: DatabaseApplication) -> list[Diagnostic]:
    """The validator's findings, each filed under the namespace whose operation wrote the line."""
    tree = emit_prisma(app)
    namespaces_by_file = {schema_file(ns.name): ns.name for ns in app.namespaces}
    found: list[Diagnostic] = []
    for finding in validate_prisma(tree.files):
        origin = tree.origins.get((finding.file, finding.line or 0))
        namespace = origin.namespace if origin else namespaces_by_file.get(finding.file)
        if namespace is None:
            raise RuntimeError(f"Prisma rejected the generator file itself: {finding.file}:{finding.line}: {finding.message}")
        found.append(Diagnostic(
            file=schema_file(namespace),
            location=origin.location if origin else None,
            code="prisma",
            message=f"{finding.file}:{finding.line}: {finding.message}",
        ))
    return found


def compile_application(app: DatabaseApplication) -> list[Diagnostic]:
    """Structural checks first; the validator only sees schemas that pass them."""
    return check_application(app) or prisma_diagnostics(app)


def with_placeholders(schema: DatabaseSchema, namespace: str, groups: Groups) -> DatabaseApplication:
    """`namespace` as written, the other namespaces as id-only models of their planned tables."""
    namespaces = []
    for planned in groups.namespaces:
        if planned.name == namespace:
            models = schema.models
        else:
            models = [Model(name=table, description=f"Planned in namespace '{planned.name}'.", stance="primary",
                            primary=PrimaryField(description="Primary key.")) for table in planned.tables]
        namespaces.append(NamespaceSchema(name=planned.name, description=planned.description, models=models))
    return DatabaseApplication(namespaces=namespaces)


def prisma_diagnostics_of(schema: DatabaseSchema, namespace: str, groups: Groups) -> list[Diagnostic]:
    """Validator findings for one namespace's operation, written against the plan of the others."""
    own = schema_file(namespace)
    return [d for d in prisma_diagnostics(with_placeholders(schema, namespace, groups)) if d.file == own]
