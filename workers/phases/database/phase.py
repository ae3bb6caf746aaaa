"""The Database phase: plan namespaces, write each namespace's models, correct what Prisma rejects.

Operations, in order:
- `groups`: the namespaces and the tables each owns (checked for duplicates and reserved names);
- `schema-<namespace>`, concurrently: the namespace's models, checked against the plan of all
  namespaces and by the real Prisma validator (other namespaces as placeholders);
- `correct-<namespace>-<round>`: only when the merged schema still fails (cross-namespace clashes),
  for the namespaces the diagnostics are filed under; at most MAX_CORRECTION_ROUNDS rounds.
"""

from __future__ import annotations

from collections import defaultdict
from typing import cast

from farm.outcomes import ModelFailed
from workers.phases.base import Diagnostic, Operation, Phase, PhaseContext, PhaseOutput
from workers.phases.database import prompts
from workers.phases.database.analysis import Analysis
from workers.phases.database.ast import DatabaseApplication, DatabaseSchema, Groups, Namespace, NamespaceSchema
from workers.phases.database.compiler import check_groups, check_namespace
from workers.phases.database.emit import emit_database, schema_file
from workers.phases.database.validate import compile_application, prisma_diagnostics_of

MAX_CORRECTION_ROUNDS = 2


def groups_operation(requirements: str, analysis: str) -> Operation[Groups]:
    return Operation(
        op_id="groups", tool_name="database_groups", description=cast(str, Groups.__doc__), ast=Groups,
        system=prompts.GROUPS_SYSTEM, user=prompts.groups_user(requirements, analysis), check=check_groups,
    )


def schema_operation(namespace: Namespace, groups: Groups, requirements: str, analysis: str) -> Operation[DatabaseSchema]:
    def check(schema: DatabaseSchema) -> list[Diagnostic]:
        return check_namespace(schema, namespace.name, groups) or prisma_diagnostics_of(schema, namespace.name, groups)

    return Operation(
        op_id=f"schema-{namespace.name}", tool_name="database_schema", description=cast(str, DatabaseSchema.__doc__),
        ast=DatabaseSchema, system=prompts.SCHEMA_SYSTEM,
        user=prompts.schema_user(namespace, groups, requirements, analysis), check=check,
    )


def correct_operation(app: DatabaseApplication, namespace: str, diagnostics: list[Diagnostic], groups: Groups,
                      round_: int) -> Operation[DatabaseSchema]:
    own = schema_file(namespace)
    current = DatabaseSchema(models=next(ns.models for ns in app.namespaces if ns.name == namespace))

    def check(schema: DatabaseSchema) -> list[Diagnostic]:
        structural = check_namespace(schema, namespace, groups)
        if structural:
            return structural
        return [d for d in compile_application(replace_models(app, {namespace: schema})) if d.file == own]

    return Operation(
        op_id=f"correct-{namespace}-{round_}", tool_name="database_schema",
        description=cast(str, DatabaseSchema.__doc__), ast=DatabaseSchema, system=prompts.CORRECT_SYSTEM,
        user=prompts.correct_user(namespace, current, diagnostics, groups), check=check,
    )


def replace_models(app: DatabaseApplication, schemas: dict[str, DatabaseSchema]) -> DatabaseApplication:
    return DatabaseApplication(namespaces=[
        ns.model_copy(update={"models": schemas[ns.name].models}) if ns.name in schemas else ns
        for ns in app.namespaces
    ])


def summary(app: DatabaseApplication) -> dict[str, int]:
    models = [model for ns in app.namespaces for model in ns.models]
    fields = sum(1 + len(model.foreign_fields) + len(model.plain_fields) for model in models)
    return {"namespaces": len(app.namespaces), "models": len(models), "fields": fields}


class DatabasePhase(Phase):
    name = "database"

    def run(self, ctx: PhaseContext) -> PhaseOutput:
        analysis = Analysis.from_prior(ctx.prior("analyze")).render()
        groups = cast(Groups, ctx.run([groups_operation(ctx.requirements, analysis)])[0])
        operations = [schema_operation(ns, groups, ctx.requirements, analysis) for ns in groups.namespaces]
        schemas = cast(list[DatabaseSchema], ctx.run(operations))
        app = DatabaseApplication(namespaces=[
            NamespaceSchema(name=ns.name, description=ns.description, models=schema.models)
            for ns, schema in zip(groups.namespaces, schemas, strict=True)
        ])
        app = self._corrected(ctx, app, groups)
        return PhaseOutput(ast=app.model_dump(mode="json"), files=emit_database(app), summary=summary(app))

    @staticmethod
    def _corrected(ctx: PhaseContext, app: DatabaseApplication, groups: Groups) -> DatabaseApplication:
        """Send what the merged schema still fails on back to the namespaces responsible."""
        for round_ in range(1, MAX_CORRECTION_ROUNDS + 1):
            diagnostics = compile_application(app)
            if not diagnostics:
                return app
            by_namespace: dict[str, list[Diagnostic]] = defaultdict(list)
            for diagnostic in diagnostics:
                by_namespace[cast(str, diagnostic.file)].append(diagnostic)
            targets = [ns.name for ns in app.namespaces if schema_file(ns.name) in by_namespace]
            operations = [correct_operation(app, name, by_namespace[schema_file(name)], groups, round_) for name in targets]
            corrected = cast(list[DatabaseSchema], ctx.run(operations))
            app = replace_models(app, dict(zip(targets, corrected, strict=True)))
        diagnostics = compile_application(app)
        if diagnostics:
            shown = "; ".join(f"{d.file} [{d.location}] {d.message}" for d in diagnostics[:5])
            raise ModelFailed(f"database schema still invalid after {MAX_CORRECTION_ROUNDS} correction rounds: {shown}")
        return app
