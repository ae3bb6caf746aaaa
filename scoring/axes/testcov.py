"""Test coverage axis, counted as AutoBe's `test-coverage.evaluator.ts` counts (with `golden/url-resolver.ts`).

Under AutoBe's rules both sides are read from text with its regular expressions. Routes: in each
controller file, the first `@Controller("prefix")` and every `@TypedRoute.Get|Post|Patch|Put|Delete()` or
`("path")` after it; a controller is its prefix. Calls: every distinct `.functional.a.b.action(` in a test
file, its action mapped to HTTP methods, its other segments forming the path (also with the action as the
last segment, unless the action is itself a method word). A test file is of quality when it calls an
assertion (`expect(`, `assert(`, `toBe(`, …) or a test structure (`describe(`, `it(`, …) anywhere in its
text, prose included: `TestValidator.equals(…)` alone is neither. The profile's rules choose the
variants: how routes and quality are read, how controller breadth and the no-route fallback count.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scoring.axes.base import AxisResult
from scoring.parsing import Decorator, FileFacts
from scoring.penalties import JS_SPACE, js_source
from scoring.profiles import Rules
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
FLAT_FALLBACK_DISCOUNT = 0.9
SLIDING_FALLBACK = (0.85, 0.1)  # multiplier 0.85 + 0.1 * score/100
WELL_COVERED = 0.5
ASSERTION_CALLS = frozenset({"expect", "assert", "should", "toBe", "toEqual", "toThrow", "toHaveBeenCalled",
                             "strictEqual"})
TEST_STRUCTURE_CALLS = frozenset({"describe", "it", "test", "beforeAll", "beforeEach", "afterAll", "afterEach"})
VALIDATOR = "TestValidator"  # @nestia/e2e's assertions: equals, predicate, error, httpError, …


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


def text_routes(project: Project) -> list[Route]:
    """AutoBe's: every declared route, repeats included; a controller file without a double-quoted prefix has none."""
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


def parsed_routes(project: Project) -> list[Route]:
    """Routes of the parsed `@Controller` classes: every route decorator (`@Get`, `@TypedRoute.Get`, …), its path
    in either quote, an options argument after it allowed; a controller without a path has the prefix ""."""
    routes = []
    for path in project.tree.controllers:
        for cls in project.facts[path].classes:
            controller = next((d for d in cls.decorators if d.name == "Controller"), None)
            if controller is None:
                continue
            prefix = controller.path or ""
            for method, decorator in ((route_method(d), d) for m in cls.methods for d in m.decorators):
                if method:
                    full = f"{prefix}/{decorator.path}" if decorator.path else prefix
                    routes.append(Route(method, full, prefix, path))
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
    """AutoBe's: an assertion or test-structure pattern anywhere in the text, comments and strings included."""
    return _ASSERTION.search(text) is not None or _TEST_STRUCTURE.search(text) is not None


def calls_a_check(facts: FileFacts) -> bool:
    """A call in code to an assertion (`expect`, `typia.assert`, any `TestValidator.*`) or a test structure."""
    for call in facts.calls:
        names = call.callee.split(".")
        if names[-1] in ASSERTION_CALLS or names[0] == VALIDATOR or call.callee in TEST_STRUCTURE_CALLS:
            return True
    return False


def _unify_separators(segments: tuple[str, ...]) -> tuple[str, ...]:
    """Nestia names a `password-resets` path segment `password_resets` in the SDK: compare them as equal."""
    return tuple(segment.replace("-", "_") for segment in segments)


def _breadth(shares: list[float], rule: str) -> float:
    """Per-controller coverage as one figure: the mean share, or the share of controllers more than half covered."""
    if rule == "mean":
        return sum(shares) / len(shares)
    return sum(1 for share in shares if share > WELL_COVERED) / len(shares)


def _fallback_discount(score: int, rule: str) -> float:
    if rule == "flat":
        return FLAT_FALLBACK_DISCOUNT
    base, span = SLIDING_FALLBACK
    return base + min(score, 100) / 100 * span


def _finding(code: str, severity: Severity, message: str) -> Issue:
    """AutoBe's test findings concern the project, so de-duplication keeps one per code (one TEST005 in all)."""
    return Issue(code=code, severity=severity, file="test/features/api", line=0, message=message)


def _without_routes(tests: int, controllers: int, quality: float, rule: str) -> tuple[int, list[Issue]]:
    """AutoBe's fallback: tests per controller file and quality, discounted (flat or sliding by the rule)."""
    share = min(tests / controllers, 1) if controllers else 1
    volume = 30 if tests >= 3 * controllers else 20 if tests >= 2 * controllers else 10 if tests >= controllers else 0
    score = round_half_up(40 * share) + volume + round_half_up(30 * quality)
    issues = []
    if tests < controllers:
        issues.append(_finding("TEST002", "warning", f"only {tests} tests for {controllers} controllers"))
    return min(100, round_half_up(score * _fallback_discount(score, rule))), issues


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


def coverage_axis(project: Project, rules: Rules) -> AxisResult:
    tree = project.tree
    if not tree.tests:
        return AxisResult("tests", 0, {"testFiles": 0}, [_finding("TEST001", "critical", "no test files")])
    texts = [js_source(tree, path) for path in tree.tests]
    if rules.test_quality == "parsed_calls":
        with_assertions = sum(1 for path in tree.tests if calls_a_check(project.facts[path]))
    else:
        with_assertions = sum(1 for text in texts if is_quality_test(text))
    quality = ratio(with_assertions, len(texts))
    issues = [_finding("TEST003", "warning", f"{len(texts) - with_assertions}/{len(texts)} test files are stubs or "
                       "lack assertions")] if with_assertions < len(texts) else []
    parsed = rules.routes == "parsed_decorators"
    routes = parsed_routes(project) if parsed else text_routes(project)
    metrics: dict[str, Metric] = {"testFiles": len(texts), "assertionTests": with_assertions,
                                  "qualityRatio": quality, "totalRoutes": len(routes)}
    if not routes:
        score, fallback_issues = _without_routes(len(texts), len(tree.controllers), quality, rules.coverage_fallback)
        return AxisResult("tests", score, {**metrics, "controllers": len(tree.controllers)}, issues + fallback_issues)
    targets = set().union(*(sdk_targets(text) for text in texts))
    if parsed:
        targets = {(method, _unify_separators(path)) for method, path in targets}
    covered = [(route.method, _unify_separators(route.segments) if parsed else route.segments) in targets
               for route in routes]
    defined = {route.method for route in routes}
    tested = {route.method for route, hit in zip(routes, covered) if hit}
    per_controller: dict[str, list[bool]] = {}
    for route, hit in zip(routes, covered):
        per_controller.setdefault(route.controller, []).append(hit)
    shares = [ratio(sum(hits), len(hits)) for hits in per_controller.values()]
    breadth = _breadth(shares, rules.coverage_breadth)
    parts = {
        "routes": round_half_up(50 * ratio(sum(covered), len(routes))),
        "methods": round_half_up(15 * ratio(len(tested), len(defined))),
        "quality": round_half_up(25 * quality),
        "perController": round_half_up(10 * breadth),
    }
    metrics.update({
        "coveredRoutes": sum(covered), "definedMethods": sorted(defined), "testedMethods": sorted(tested),
        "controllersAnalyzed": len(per_controller), "meanControllerCoverage": sum(shares) / len(shares),
        "controllerBreadth": breadth,
        "uncoveredRoutes": [f"{r.method} {r.path}" for r, hit in zip(routes, covered) if not hit], "points": parts,
    })
    score = min(100, sum(parts.values())) if any(covered) else 0
    return AxisResult("tests", score, metrics, issues + _route_issues(routes, covered, defined, tested))
