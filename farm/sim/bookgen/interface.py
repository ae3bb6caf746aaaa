"""The Interface phase's answers: endpoints per namespace, operation batches, DTO schema batches.

Op ids depend on how the phase batches its work, so they are computed with the phase's own rules
(OPERATION_BATCH routes per `operation-<namespace>-<k>`; `schemas-<n>` rounds of `type_batches` over
the types still missing, as `InterfacePhase._types` does) rather than restated here.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from farm.sim.bookgen.api import ApiRoute
from farm.sim.bookgen.domain import Domain
from farm.sim.bookgen.dtos import definitions
from workers.phases.interface.ast import Endpoint, InterfaceApplication, Route, TypeDefinition
from workers.phases.interface.compiler import conflicting_endpoints, references
from workers.phases.interface.phase import MAX_TYPE_ROUNDS, OPERATION_BATCH, type_batches


def interface_answers(domain: Domain, routes: Sequence[ApiRoute]) -> dict[str, dict[str, Any]]:
    """Book entries of the Interface phase, by `interface/<op id>`."""
    by_namespace = {area.namespace: [r for r in routes if r.entity.namespace == area.namespace]
                    for area in domain.areas}
    answers: dict[str, dict[str, Any]] = {
        f"interface/endpoints-{namespace}": {"endpoints": [endpoint(route) for route in members]}
        for namespace, members in by_namespace.items()
    }
    listed = [e for answer in answers.values() for e in answer["endpoints"]]
    clashing = conflicting_endpoints([Endpoint.model_validate(e) for e in listed])
    if clashing:  # the phase would drop them silently, and every later op id would shift
        raise ValueError(f"designed routes clash: {[listed[i]['path'] for i in sorted(clashing)][:5]}")
    for namespace, members in by_namespace.items():
        for start in range(0, len(members), OPERATION_BATCH):
            batch = members[start:start + OPERATION_BATCH]
            answers[f"interface/operation-{namespace}-{start // OPERATION_BATCH + 1}"] = {
                "operations": [operation(route) for route in batch]}
    return answers | schema_answers(routes)


def application(routes: Sequence[ApiRoute]) -> InterfaceApplication:
    """The AST the Interface phase merges from these answers (types sorted by name, as it sorts them),
    for planning the phases after it with their own planners."""
    found = definitions(routes)
    return InterfaceApplication(
        routes=[Route.model_validate({"namespace": r.entity.namespace, **endpoint(r), **operation(r)}) for r in routes],
        types=[TypeDefinition.model_validate(found[name]) for name in sorted(found)],
    )


def endpoint(route: ApiRoute) -> dict[str, Any]:
    return {"path": route.path, "method": route.method, "name": route.action, "authorization": route.authorization,
            "tables": list(route.tables)}


def operation(route: ApiRoute) -> dict[str, Any]:
    return {
        "path": route.path, "method": route.method, "summary": route.summary, "description": _description(route),
        "parameters": [{"name": e.parameter, "description": f"Id of the {e.spoken}.", "format": "uuid"}
                       for e in route.parameters],
        "query": route.query, "request_body": route.request_body, "response_body": route.response_body,
    }


def _description(route: ApiRoute) -> str:
    who = f"Requires a logged-in {route.authorization}" if route.authorization else "Open to anyone"
    missing = "; answers 404 when a named record does not exist or belongs to someone else" if route.parameters else ""
    return f"{route.summary} {who}{missing}."


def schema_answers(routes: Sequence[ApiRoute]) -> dict[str, dict[str, Any]]:
    """`interface/schemas-<n>`: each batch the phase will request, answered with exactly its types."""
    found = definitions(routes)
    checked = {name: TypeDefinition.model_validate(definition) for name, definition in found.items()}
    named = {t for route in routes for t in (route.query, route.request_body, route.response_body) if t}
    defined: set[str] = set()
    answers: dict[str, dict[str, Any]] = {}
    for _ in range(MAX_TYPE_ROUNDS):
        missing = sorted((named | references(checked[name] for name in defined)) - defined)
        for batch in type_batches(missing):
            answers[f"interface/schemas-{len(answers) + 1}"] = {"types": [found[name] for name in batch]}
            defined.update(batch)
    if defined != set(found):
        raise ValueError(f"types not requested within {MAX_TYPE_ROUNDS} rounds: {sorted(set(found) - defined)[:5]}")
    return answers
