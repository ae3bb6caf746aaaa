"""API completeness axis: are controller endpoints real, implemented and backed by a provider?"""

from __future__ import annotations

from dataclasses import dataclass

from scoring.axes.base import AxisResult
from scoring.axes.testcov import route_method
from scoring.parsing import FileFacts, Function
from scoring.project import Project
from scoring.report import Issue
from scoring.rounding import ratio, round_half_up

STUB_RETURNS = frozenset({"empty-object", "empty-array", "null", "undefined", "null-as-any", "random"})
PASS_THROUGH_ALLOWANCE = 0.3


@dataclass(frozen=True)
class Endpoint:
    file: str
    function: Function
    provider_functions: frozenset[str]


def endpoints(project: Project) -> list[Endpoint]:
    found = []
    for facts in project.of(project.tree.controllers):
        providers = _provider_imports(facts)
        for cls in facts.classes:
            for method in cls.methods:
                if any(route_method(d) for d in method.decorators):
                    found.append(Endpoint(facts.path, method, providers))
    return found


def _provider_imports(facts: FileFacts) -> frozenset[str]:
    return frozenset(name for name, module in facts.imports.items() if "providers" in module.split("/"))


def is_stub(function: Function) -> bool:
    return function.body is not None and function.body.sole_return in STUB_RETURNS


def is_non_empty(function: Function) -> bool:
    return function.body is not None and function.body.statements > 0 and not is_stub(function)


def is_implemented(function: Function) -> bool:
    """Not a lone `return this.x.y(…)`, and some control flow or >= 3 statements doing real work."""
    body = function.body
    if body is None or body.this_delegate:
        return False
    substantial = body.statements >= 3 and (body.has_declaration or body.has_await)
    return body.has_branch or body.has_loop or body.has_try or substantial


def calls_provider(endpoint: Endpoint) -> bool:
    """Calls a function imported from providers/, or an injected service (`this.x.y(…)`)."""
    body = endpoint.function.body
    if body is None:
        return False
    return any(c.split(".")[0] in endpoint.provider_functions or (c.startswith("this.") and c.count(".") >= 2)
               for c in body.calls)


def _issue(code: str, endpoint: Endpoint, what: str) -> Issue:
    return Issue(code=code, severity="info", file=endpoint.file, line=endpoint.function.line,
                 message=f"endpoint {endpoint.function.name} {what}")


def api_axis(project: Project) -> AxisResult:
    found = endpoints(project)
    total = len(found)
    if total == 0:
        return AxisResult("api", 0, {"endpoints": 0})
    issues = []
    non_empty = implemented = no_provider = passing = 0
    for endpoint in found:
        function = endpoint.function
        if is_non_empty(function):
            non_empty += 1
        else:
            issues.append(_issue("API001", endpoint, "is empty or a stub"))
        if is_implemented(function):
            implemented += 1
        if not calls_provider(endpoint):
            no_provider += 1
            issues.append(_issue("API002", endpoint, "calls no provider"))
        if function.body is not None and function.body.pass_through:
            passing += 1
    pass_share = ratio(passing, total)
    parts = {
        "nonEmpty": round_half_up(40 * non_empty / total),
        "implemented": round_half_up(30 * implemented / total),
        "providerBacked": round_half_up(30 * (total - no_provider) / total),
        "passThroughPenalty": -round_half_up((pass_share - PASS_THROUGH_ALLOWANCE) / 0.7 * 20)
        if pass_share > PASS_THROUGH_ALLOWANCE else 0,
    }
    metrics = {"endpoints": total, "nonEmpty": non_empty, "implemented": implemented, "noProvider": no_provider,
               "passThrough": passing, "passThroughShare": pass_share, "points": parts}
    return AxisResult("api", max(0, min(100, sum(parts.values()))), metrics, issues)
