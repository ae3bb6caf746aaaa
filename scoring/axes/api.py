"""API completeness axis: are controller endpoints real, implemented and backed by a provider?

Each endpoint gets a verdict under the profile's stub rule, then one formula scores them all:
`round(40·nonEmpty/n) + round(30·implemented/n) + round(30·(n − noProvider)/n)` − a pass-through penalty.
- `autobe`: AutoBe's text rules (`autobe_text`): a stub is a lone empty or `typia.random<T>()` return,
  and still counts as non-empty and as provider-backed.
- `strict`: an endpoint is a stub when it is one by the strict rule (`stubs`), or when it returns
  what a stub provider function returns; a stub earns nothing on any of the three parts.
"""

from __future__ import annotations

import posixpath
from dataclasses import dataclass

from scoring.axes import autobe_text
from scoring.axes.base import AxisResult
from scoring.axes.bodies import function_bodies
from scoring.axes.stubs import strict_stub
from scoring.axes.testcov import route_method
from scoring.parsing import FileFacts, Function
from scoring.profiles import StubRule
from scoring.project import Project
from scoring.report import Issue
from scoring.rounding import ratio, round_half_up

PASS_THROUGH_ALLOWANCE = 0.3


@dataclass(frozen=True)
class Endpoint:
    file: str
    function: Function
    providers: dict[str, str]  # name imported from a providers/ module -> that module's specifier


@dataclass(frozen=True)
class Verdict:
    empty: bool
    stub: str | None  # why the endpoint is a stub
    non_empty: bool
    implemented: bool
    provider_backed: bool
    pass_through: bool


def endpoints(project: Project) -> list[Endpoint]:
    found = []
    for facts in project.of(project.tree.controllers):
        providers = _provider_imports(facts)
        for cls in facts.classes:
            for method in cls.methods:
                if any(route_method(d) for d in method.decorators):
                    found.append(Endpoint(facts.path, method, providers))
    return found


def _provider_imports(facts: FileFacts) -> dict[str, str]:
    return {name: module for name, module in facts.imports.items() if "providers" in module.split("/")}


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
    return any(c.split(".")[0] in endpoint.providers or (c.startswith("this.") and c.count(".") >= 2)
               for c in body.calls)


def _body_text(project: Project, endpoint: Endpoint) -> str | None:
    if endpoint.function.body is None:
        return None
    body = function_bodies(project.tree.text(endpoint.file)).get((endpoint.function.line, endpoint.function.name))
    return body.text if body is not None else None


def autobe_verdict(project: Project, endpoint: Endpoint) -> Verdict:
    seen = autobe_text.endpoint_text(_body_text(project, endpoint))
    stub = "returns an empty value or typia.random<T>() as its only statement" if seen.stub else None
    return Verdict(empty=seen.empty, stub=stub, non_empty=not seen.empty, implemented=seen.implemented,
                   provider_backed=not seen.no_provider, pass_through=seen.pass_through)


def _provider_function(project: Project, endpoint: Endpoint, callee: str) -> tuple[str, Function] | None:
    """The provider function `callee` names, when the controller imports it by a relative path."""
    module = endpoint.providers.get(callee)
    if module is None or not module.startswith("."):
        return None
    base = posixpath.normpath(posixpath.join(posixpath.dirname(endpoint.file), module))
    for path in (f"{base}.ts", f"{base}/index.ts"):
        facts = project.facts.get(path)
        function = next((f for f in facts.functions if f.name == callee), None) if facts is not None else None
        if function is not None:
            return path, function
    return None


def _strict_stub_reason(project: Project, endpoint: Endpoint) -> str | None:
    function = endpoint.function
    own = strict_stub(project, endpoint.file, function)
    if own is not None:
        return own.why
    if function.body is not None and function.body.sole_return == "null-as-any":
        return "only returns `null as any`"
    body = function_bodies(project.tree.text(endpoint.file)).get((function.line, function.name))
    for callee in body.returned_calls if body is not None else ():
        provider = _provider_function(project, endpoint, callee)
        stub = strict_stub(project, *provider) if provider is not None else None
        if stub is not None:
            return f"returns what {callee} returns, which {stub.why}"
    return None


def strict_verdict(project: Project, endpoint: Endpoint) -> Verdict:
    body = endpoint.function.body
    empty = body is None or body.statements == 0
    stub = None if empty else _strict_stub_reason(project, endpoint)
    real = not empty and stub is None
    return Verdict(empty=empty, stub=stub, non_empty=real, implemented=real and is_implemented(endpoint.function),
                   provider_backed=real and calls_provider(endpoint), pass_through=body is not None and body.pass_through)


def _issue(code: str, endpoint: Endpoint, what: str) -> Issue:
    return Issue(code=code, severity="info", file=endpoint.file, line=endpoint.function.line,
                 message=f"endpoint {endpoint.function.name} {what}")


def api_axis(project: Project, stubs: StubRule) -> AxisResult:
    found = endpoints(project)
    total = len(found)
    if total == 0:
        return AxisResult("api", 0, {"endpoints": 0})
    judge = autobe_verdict if stubs == "autobe" else strict_verdict
    verdicts = [(endpoint, judge(project, endpoint)) for endpoint in found]
    issues = []
    for endpoint, verdict in verdicts:
        if verdict.empty:
            issues.append(_issue("API001", endpoint, "is empty"))
        if verdict.stub is not None:  # explains every point the endpoint lost
            issues.append(_issue("API001", endpoint, f"is a stub: {verdict.stub}"))
        elif not verdict.provider_backed:
            issues.append(_issue("API002", endpoint, "is backed by no provider"))
    counts = {field: sum(1 for _, v in verdicts if getattr(v, field))
              for field in ("empty", "non_empty", "implemented", "provider_backed", "pass_through")}
    pass_share = ratio(counts["pass_through"], total)
    parts = {
        "nonEmpty": round_half_up(40 * counts["non_empty"] / total),
        "implemented": round_half_up(30 * counts["implemented"] / total),
        "providerBacked": round_half_up(30 * counts["provider_backed"] / total),
        "passThroughPenalty": -round_half_up((pass_share - PASS_THROUGH_ALLOWANCE) / 0.7 * 20)
        if pass_share > PASS_THROUGH_ALLOWANCE else 0,
    }
    metrics = {"endpoints": total, "empty": counts["empty"], "stubs": sum(1 for _, v in verdicts if v.stub),
               "nonEmpty": counts["non_empty"], "implemented": counts["implemented"],
               "noProvider": total - counts["provider_backed"], "passThrough": counts["pass_through"],
               "passThroughShare": pass_share, "points": parts}
    return AxisResult("api", max(0, min(100, sum(parts.values()))), metrics, issues)
