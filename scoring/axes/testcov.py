"""Test coverage axis, counted as AutoBe's `test-coverage.evaluator.ts` counts (with `golden/url-resolver.ts`).

Both sides are read from text with AutoBe's regular expressions. Routes: in each controller file, the
first `@Controller("prefix")` and every `@TypedRoute.Get|Post|Patch|Put|Delete()` or `("path")` after
it; a controller is its prefix. Calls: every distinct `.functional.a.b.action(` in a test file, its
action mapped to HTTP methods, its other segments forming the path (also with the action as the last
segment, unless the action is itself a method word). A test file is of quality when it calls an
assertion (`expect(`, `assert(`, `toBe(`, …) or a test structure (`describe(`, `it(`, …):
`TestValidator.equals(…)` alone is neither.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scoring.axes.base import AxisResult
from scoring.parsing import Decorator
from scoring.penalties import JS_SPACE, js_source
from scoring.project import Project
from scoring.report import Issue, Metric, Severity
from scoring.rounding import ratio, round_half_up

_ROUTE_DECORATOR = re.compile(r"^(?:(?:\w+\.)*\w*Route\.)?(?P<method>Get|Post|Put|Patch|Delete|All|Head|Options)$")
_CONTROLLER_PREFIX = re.compile(r'@Controller\("([^"]+)"\)')
_TYPED_ROUTE = re.compile(r'@TypedRoute\.(Get|Post|Patch|Put|Delete)\((?:"([^"]*)")?\)')
_SDK_CALL = re.compile(rf"\.functional\.([A-Za-z0-9_.]+){JS_SPACE}*\(")
_WORDS = re.IGNORECASE | re.ASCII  # JavaScript /i without u folds ASCII only; its \b is ASCII
_ASSERTION = re.compile(
    rf"\b(?:expect|assert|should|toBe|toEqual|toThrow|toHaveBeenCalled|strictEqual){JS_SPACE}*\(", _WORDS)
_TEST_STRUCTURE = re.compile(rf"\b(?:describe|it|test|beforeAll|beforeEach|afterAll|afterEach){JS_SPACE}*\(", _WORDS)
_FIRST_WORD = re.compile(r"^[a-z]+")

ACTION_METHODS: dict[str, tuple[str, ...]] = {
    **{verb: ("POST",) for verb in ("join", "create", "store", "register", "sign", "login", "refresh", "restore",
                                    "verify")},
    **{verb: ("GET",) for verb in ("index", "get", "at", "find", "search", "list", "read")},
    **{verb: ("PUT", "PATCH") for verb in ("update", "modify")},
    **{verb: ("PATCH",) for verb in ("patch", "process")},
    **{verb: ("DELETE",) for verb in ("delete", "erase", "remove", "destroy")},
    **{verb: ("PUT",) for verb in ("put", "replace", "upsert")},
}
# Actions that never name a path segment, so a call is not also tried with the action in its path.
METHOD_WORDS = frozenset({"at", "index", "get", "find", "search", "list", "read", "create", "store", "update", "patch",
                          "modify", "erase", "remove", "destroy", "put", "replace", "upsert"})
FALLBACK_DISCOUNT = 0.9


@dataclass(frozen=True)
class Route:
    method: str
    path: str  # the prefix and the route path joined by "/", as declared
    controller: str  # the controller's prefix: AutoBe groups routes by it
    file: str

    @property
    def segments(self) -> tuple[str, ...]:
        """Lower-case path segments without parameters (`:id`) and wildcards (`*`)."""
        return tuple(s for s in path_segments(self.path) if s != "*")


def route_method(decorator: Decorator) -> str | None:
    """HTTP method of a NestJS or nestia route decorator (`Get`, `TypedRoute.Post`, …), else None."""
    match = _ROUTE_DECORATOR.match(decorator.name)
    return match.group("method").upper() if match else None


def path_segments(path: str) -> tuple[str, ...]:
    return tuple(s.lower() for s in path.split("/") if s and not s.startswith(":"))


def controller_routes(project: Project) -> list[Route]:
    """Every declared route, repeats included; a controller file without a double-quoted prefix has none."""
    routes = []
    for path in project.tree.controllers:
        text = js_source(project.tree, path)
        prefix = _CONTROLLER_PREFIX.search(text)
        if prefix is None:
            continue
        for match in _TYPED_ROUTE.finditer(text):
            suffix = match.group(2)
            full = f"{prefix.group(1)}/{suffix}" if suffix else prefix.group(1)
            routes.append(Route(match.group(1).upper(), full, prefix.group(1), path))
    return routes


def action_methods(action: str) -> tuple[str, ...]:
    """HTTP methods an SDK action stands for: by its name, else by its leading lower-case word; () when unknown."""
    if action in ACTION_METHODS:
        return ACTION_METHODS[action]
    first = _FIRST_WORD.match(action)
    return ACTION_METHODS.get(first.group(0), ()) if first else ()


def sdk_targets(text: str) -> set[tuple[str, tuple[str, ...]]]:
    """(method, path segments) pairs one test file's SDK calls can cover."""
    targets: set[tuple[str, tuple[str, ...]]] = set()
    for accessor in dict.fromkeys(match.group(1) for match in _SDK_CALL.finditer(text)):
        segments = accessor.split(".")
        if len(segments) < 2:
            continue
        action = segments[-1]
        paths = [segments[:-1]] + ([segments] if action.lower() not in METHOD_WORDS else [])
        targets.update((method, path_segments("/".join(path))) for method in action_methods(action) for path in paths)
    return targets


def is_quality_test(text: str) -> bool:
    return _ASSERTION.search(text) is not None or _TEST_STRUCTURE.search(text) is not None


def _finding(code: str, severity: Severity, message: str) -> Issue:
    """AutoBe's test findings concern the project, so de-duplication keeps one per code (one TEST005 in all)."""
    return Issue(code=code, severity=severity, file="test/features/api", line=0, message=message)


def _without_routes(tests: int, controllers: int, quality: float) -> tuple[int, list[Issue]]:
    """AutoBe's fallback: tests per controller file and quality, discounted to 0.9."""
    share = min(tests / controllers, 1) if controllers else 1
    volume = 30 if tests >= 3 * controllers else 20 if tests >= 2 * controllers else 10 if tests >= controllers else 0
    score = round_half_up(40 * share) + volume + round_half_up(30 * quality)
    issues = []
    if tests < controllers:
        issues.append(_finding("TEST002", "warning", f"only {tests} tests for {controllers} controllers"))
    return min(100, round_half_up(score * FALLBACK_DISCOUNT)), issues


def _route_issues(routes: list[Route], covered: list[bool], defined: set[str], tested: set[str]) -> list[Issue]:
    uncovered: dict[str, list[str]] = {}
    for route, hit in zip(routes, covered):
        if not hit:
            uncovered.setdefault(route.controller, []).append(f"{route.method} {route.path}")
    issues = [_finding("TEST005", "warning", f'controller "{controller}" has {len(found)} untested route(s): '
                       f"{', '.join(found)}") for controller, found in uncovered.items()]
    if defined - tested:
        issues.append(_finding("TEST006", "suggestion",
                               f"HTTP method(s) no test calls: {', '.join(sorted(defined - tested))}"))
    if not any(covered):
        issues.append(_finding("TEST007", "critical", f"no route is covered by a test (0/{len(routes)})"))
    return issues


def coverage_axis(project: Project) -> AxisResult:
    tree = project.tree
    if not tree.tests:
        return AxisResult("tests", 0, {"testFiles": 0}, [_finding("TEST001", "critical", "no test files")])
    texts = [js_source(tree, path) for path in tree.tests]
    with_assertions = sum(1 for text in texts if is_quality_test(text))
    quality = ratio(with_assertions, len(texts))
    issues = [_finding("TEST003", "warning", f"{len(texts) - with_assertions}/{len(texts)} test files are stubs or "
                       "lack assertions")] if with_assertions < len(texts) else []
    routes = controller_routes(project)
    metrics: dict[str, Metric] = {"testFiles": len(texts), "assertionTests": with_assertions,
                                  "qualityRatio": quality, "totalRoutes": len(routes)}
    if not routes:
        score, fallback_issues = _without_routes(len(texts), len(tree.controllers), quality)
        return AxisResult("tests", score, {**metrics, "controllers": len(tree.controllers)}, issues + fallback_issues)
    targets = set().union(*(sdk_targets(text) for text in texts))
    covered = [(route.method, route.segments) in targets for route in routes]
    defined = {route.method for route in routes}
    tested = {route.method for route, hit in zip(routes, covered) if hit}
    per_controller: dict[str, list[bool]] = {}
    for route, hit in zip(routes, covered):
        per_controller.setdefault(route.controller, []).append(hit)
    mean_controller = sum(ratio(sum(hits), len(hits)) for hits in per_controller.values()) / len(per_controller)
    parts = {
        "routes": round_half_up(50 * ratio(sum(covered), len(routes))),
        "methods": round_half_up(15 * ratio(len(tested), len(defined))),
        "quality": round_half_up(25 * quality),
        "perController": round_half_up(10 * mean_controller),
    }
    metrics.update({
        "coveredRoutes": sum(covered), "definedMethods": sorted(defined), "testedMethods": sorted(tested),
        "controllersAnalyzed": len(per_controller), "meanControllerCoverage": mean_controller,
        "uncoveredRoutes": [f"{r.method} {r.path}" for r, hit in zip(routes, covered) if not hit], "points": parts,
    })
    score = min(100, sum(parts.values())) if any(covered) else 0
    return AxisResult("tests", score, metrics, issues + _route_issues(routes, covered, defined, tested))
