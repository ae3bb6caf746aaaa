"""The Interface phase: endpoints per namespace, their operations, then the DTO types they name.

Operations, in order:
- `endpoints-<namespace>`, concurrently: routes serving the namespace's tables;
- `operation-<namespace>-<k>`, concurrently: what each batch of OPERATION_BATCH routes takes/returns;
- `schemas-<n>`, concurrently per round: batches of missing DTO types (a type's variants together);
  a round requests the types named by routes or referenced by earlier types and still undefined,
  for at most MAX_TYPE_ROUNDS rounds.
Endpoints that two namespaces both declare (or whose SDK/provider names collide across namespaces)
are kept once, from the first namespace; the summary counts the dropped ones.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import cast

from farm.outcomes import ModelFailed
from workers.phases.base import Diagnostic, Operation, Phase, PhaseContext, PhaseOutput
from workers.phases.database.analysis import Analysis
from workers.phases.database.ast import DatabaseApplication, NamespaceSchema
from workers.phases.interface import contract, prompts
from workers.phases.interface.ast import (
    Endpoint,
    EndpointList,
    InterfaceApplication,
    OperationBatch,
    Route,
    SchemaBatch,
    TypeDefinition,
)
from workers.phases.interface.compiler import (
    check_application,
    check_endpoints,
    check_operations,
    check_types,
    conflicting_endpoints,
    references,
)
from workers.phases.interface.emit import emit_interface

OPERATION_BATCH = 8
TYPE_BATCH = 8
MAX_TYPE_ROUNDS = 4


def endpoints_operation(namespace: NamespaceSchema, database: DatabaseApplication, analysis: Analysis,
                        requirements: str) -> Operation[EndpointList]:
    def check(endpoints: EndpointList) -> list[Diagnostic]:
        return check_endpoints(endpoints, namespace.name, database, analysis.actor_names)

    return Operation(
        op_id=f"endpoints-{namespace.name}", tool_name="interface_endpoints",
        description=cast(str, EndpointList.__doc__), ast=EndpointList, system=prompts.ENDPOINTS_SYSTEM,
        user=prompts.endpoints_user(namespace, database, requirements, analysis.render()), check=check,
    )


def operations_operation(op_id: str, endpoints: Sequence[Endpoint], database: DatabaseApplication,
                         analysis: Analysis) -> Operation[OperationBatch]:
    return Operation(
        op_id=op_id, tool_name="interface_operations", description=cast(str, OperationBatch.__doc__),
        ast=OperationBatch, system=prompts.OPERATIONS_SYSTEM,
        user=prompts.operations_user(endpoints, database, analysis.render()),
        check=lambda batch: check_operations(batch, endpoints),
    )


def schemas_operation(op_id: str, requested: Sequence[str], routes: Sequence[Route], defined: Sequence[str],
                      database: DatabaseApplication) -> Operation[SchemaBatch]:
    queries = {route.query for route in routes if route.query}
    return Operation(
        op_id=op_id, tool_name="interface_schemas", description=cast(str, SchemaBatch.__doc__), ast=SchemaBatch,
        system=prompts.SCHEMAS_SYSTEM, user=prompts.schemas_user(requested, routes, defined, database),
        check=lambda batch: check_types(batch, requested, database, queries),
    )


def type_batches(names: Sequence[str]) -> list[list[str]]:
    """Missing types in batches of about TYPE_BATCH, never splitting the variants of one base name."""
    by_base: dict[str, list[str]] = defaultdict(list)
    for name in sorted(set(names)):
        by_base[contract.type_base(name)].append(name)
    batches: list[list[str]] = []
    for group in by_base.values():
        if batches and len(batches[-1]) + len(group) <= TYPE_BATCH:
            batches[-1].extend(group)
        else:
            batches.append(list(group))
    return batches


class InterfacePhase(Phase):
    name = "interface"

    def run(self, ctx: PhaseContext) -> PhaseOutput:
        analysis = Analysis.from_prior(ctx.prior("analyze"))
        database = DatabaseApplication.model_validate(ctx.prior("database"))
        lists = cast(list[EndpointList], ctx.run([
            endpoints_operation(ns, database, analysis, ctx.requirements) for ns in database.namespaces
        ]))
        listed = [(ns.name, endpoint) for ns, found in zip(database.namespaces, lists, strict=True)
                  for endpoint in found.endpoints]
        dropped = conflicting_endpoints([endpoint for _, endpoint in listed])
        kept = [item for index, item in enumerate(listed) if index not in dropped]
        routes = self._routes(ctx, kept, database, analysis)
        types = self._types(ctx, routes, database)
        app = InterfaceApplication(routes=routes, types=types)
        diagnostics = check_application(app)
        if diagnostics:
            raise ModelFailed("interface incomplete: " + "; ".join(f"[{d.location}] {d.message}" for d in diagnostics[:5]))
        return PhaseOutput(
            ast=app.model_dump(mode="json"),
            files=emit_interface(app, title=ctx.project),
            summary={"operations": len(routes), "schemas": len(types), "dropped_endpoints": len(dropped)},
        )

    @staticmethod
    def _routes(ctx: PhaseContext, endpoints: list[tuple[str, Endpoint]], database: DatabaseApplication,
                analysis: Analysis) -> list[Route]:
        by_namespace: dict[str, list[Endpoint]] = defaultdict(list)
        for namespace, endpoint in endpoints:
            by_namespace[namespace].append(endpoint)
        operations = []
        for namespace, members in by_namespace.items():
            for start in range(0, len(members), OPERATION_BATCH):
                op_id = f"operation-{namespace}-{start // OPERATION_BATCH + 1}"
                operations.append(operations_operation(op_id, members[start:start + OPERATION_BATCH], database, analysis))
        batches = cast(list[OperationBatch], ctx.run(operations))
        specs = {(spec.method, spec.path): spec for batch in batches for spec in batch.operations}
        routes = []
        for namespace, endpoint in endpoints:
            spec = specs[(endpoint.method, endpoint.path)]
            routes.append(Route(namespace=namespace, **endpoint.model_dump(), **spec.model_dump(exclude={"path", "method"})))
        return routes

    @staticmethod
    def _types(ctx: PhaseContext, routes: list[Route], database: DatabaseApplication) -> list[TypeDefinition]:
        named = {t for route in routes for t in (route.query, route.request_body, route.response_body) if t}
        defined: dict[str, TypeDefinition] = {}
        counter = 0
        for _ in range(MAX_TYPE_ROUNDS):
            missing = sorted((named | references(defined.values())) - set(defined))
            if not missing:
                break
            batches = type_batches(missing)
            operations = [schemas_operation(f"schemas-{counter + i + 1}", batch, routes, sorted(defined), database)
                          for i, batch in enumerate(batches)]
            counter += len(batches)
            results = cast(list[SchemaBatch], ctx.run(operations))
            for requested, result in zip(batches, results, strict=True):
                defined.update({d.name: d for d in result.types if d.name in requested})
            for result in results:
                for definition in result.types:
                    defined.setdefault(definition.name, definition)
        return sorted(defined.values(), key=lambda d: d.name)
