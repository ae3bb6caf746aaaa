"""Test coverage axis: which controller routes the e2e tests call through the SDK (`api.functional.…`)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from scoring.axes.base import AxisResult
from scoring.parsing import Decorator, FileFacts
from scoring.project import Project
from scoring.report import Issue
from scoring.rounding import ratio, round_half_up

_ROUTE_DECORATOR = re.compile(r"^(?:(?:\w+\.)*\w*Route\.)?(?P<method>Get|Post|Put|Patch|Delete|All|Head|Options)$")
ACTION_METHODS: dict[str, frozenset[str]] = {
    **{verb: frozenset({"POST"}) for verb in
       ("join", "create", "store", "register", "sign", "login", "refresh", "restore", "verify", "post")},
    **{verb: frozenset({"GET"}) for verb in ("index", "get", "at", "find", "search", "list", "read")},
    **{verb: frozenset({"PUT", "PATCH"}) for verb in ("update", "modify")},
    **{verb: frozenset({"PATCH"}) for verb in ("patch", "process")},
    **{verb: frozenset({"DELETE"}) for verb in ("delete", "erase", "remove", "destroy")},
    **{verb: frozenset({"PUT"}) for verb in ("put", "replace", "upsert")},
}
ASSERTION_NAMES = frozenset({"expect", "assert", "should", "toBe", "toEqual", "toThrow", "toHaveBeenCalled", "strictEqual"})
# AutoBe's e2e tests assert through nestia's TestValidator; plain test runners use describe/it/test.
ASSERTION_RECEIVERS = frozenset({"TestValidator", "assert", "expect"})
TEST_STRUCTURE_CALLS = frozenset({"describe", "it", "test", "suite"})
_FIRST_WORD = re.compile(r"^[a-z]+")


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # lower-case segments without path parameters, joined by "/"
    controller: str  # "file#Class"
    line: int
    pattern: str  # the path as declared, parameters kept, for messages


def route_method(decorator: Decorator) -> str | None:
    match = _ROUTE_DECORATOR.match(decorator.name)
    return match.group("method").upper() if match else None


def _path_key(*parts: str | None) -> str:
    segments = [s for part in parts if part for s in part.split("/")]
    return "/".join(s.lower().replace("-", "_") for s in segments if s and not s.startswith(":"))


def controller_routes(files: list[FileFacts]) -> list[Route]:
    """Routes per controller class; two routes differing only in path parameters are one route."""
    routes: dict[tuple[str, str, str], Route] = {}
    for facts in files:
        for cls in facts.classes:
            prefix = next((d.path for d in cls.decorators if d.name.split(".")[-1] == "Controller"), None)
            for method in cls.methods:
                for decorator in method.decorators:
                    verb = route_method(decorator)
                    if verb:
                        pattern = "/".join(p.strip("/") for p in (prefix, decorator.path) if p and p.strip("/"))
                        route = Route(verb, _path_key(prefix, decorator.path), f"{facts.path}#{cls.name}",
                                      method.line, pattern)
                        routes.setdefault((route.controller, route.path, route.method), route)
    return [routes[key] for key in sorted(routes)]


def action_methods(action: str) -> frozenset[str]:
    """HTTP methods an SDK action name stands for; by its first camelCase word when not listed."""
    if action in ACTION_METHODS:
        return ACTION_METHODS[action]
    first = _FIRST_WORD.match(action)
    return ACTION_METHODS.get(first.group(0), frozenset()) if first else frozenset()


def sdk_targets(files: list[FileFacts]) -> set[tuple[str, str]]:
    """(method, path) pairs the tests call, trying the action both as verb only and as last path segment."""
    targets: set[tuple[str, str]] = set()
    for facts in files:
        for call in facts.calls:
            segments = call.callee.split(".")
            if "functional" not in segments:
                continue
            chain = segments[segments.index("functional") + 1:]
            if not chain:
                continue
            action, path = chain[-1], chain[:-1]
            for method in action_methods(action):
                targets.add((method, _path_key("/".join(path))))
                targets.add((method, _path_key("/".join(chain))))
    return targets


def has_assertion(facts: FileFacts) -> bool:
    for call in facts.calls:
        segments = call.callee.split(".") if call.callee else []
        if not segments:
            continue
        if segments[0] in TEST_STRUCTURE_CALLS or segments[0] in ASSERTION_RECEIVERS:
            return True
        if any(s in ASSERTION_NAMES or s.startswith("assert") for s in segments):
            return True
    return False


def _covered(route: Route, targets: set[tuple[str, str]]) -> bool:
    if route.method == "ALL":
        return any(path == route.path for _, path in targets)
    return (route.method, route.path) in targets


def _without_routes(tests: int, controllers: int, quality: float) -> int:
    share = min(tests / controllers, 1) if controllers else 1
    volume = 30 if tests >= 3 * controllers else 20 if tests >= 2 * controllers else 10 if tests >= controllers else 0
    return min(100, round_half_up(0.9 * (40 * share + volume + 30 * quality)))


def coverage_axis(project: Project) -> AxisResult:
    tree = project.tree
    tests = project.of(tree.tests)
    if not tests:
        return AxisResult("tests", 0, {"testFiles": 0})
    quality = ratio(sum(1 for facts in tests if has_assertion(facts)), len(tests))
    routes = controller_routes(project.of(tree.controllers))
    metrics: dict = {"testFiles": len(tests), "qualityRatio": quality, "totalRoutes": len(routes)}
    if not routes:
        return AxisResult("tests", _without_routes(len(tests), len(tree.controllers), quality),
                          {**metrics, "controllers": len(tree.controllers)})
    targets = sdk_targets(tests)
    covered = {route for route in routes if _covered(route, targets)}
    defined_methods = {r.method for r in routes}
    tested_methods = {r.method for r in covered}
    per_controller: dict[str, list[bool]] = {}
    for route in routes:
        per_controller.setdefault(route.controller, []).append(route in covered)
    mean_controller = sum(ratio(sum(flags), len(flags)) for flags in per_controller.values()) / len(per_controller)
    parts = {
        "routes": round_half_up(50 * ratio(len(covered), len(routes))),
        "methods": round_half_up(15 * ratio(len(tested_methods), len(defined_methods))),
        "quality": round_half_up(25 * quality),
        "perController": round_half_up(10 * mean_controller),
    }
    metrics.update({
        "coveredRoutes": len(covered), "definedMethods": sorted(defined_methods), "testedMethods": sorted(tested_methods),
        "meanControllerCoverage": mean_controller, "points": parts,
    })
    uncovered = [Issue(code="TEST001", severity="info", file=route.controller.split("#")[0], line=route.line,
                       message=f"route {route.method} /{route.pattern} is called by no e2e test")
                 for route in routes if route not in covered]
    return AxisResult("tests", min(100, sum(parts.values())) if covered else 0, metrics, uncovered)
