"""Test coverage axis (SDK calls vs controller routes) and API completeness axis."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring.axes.api import api_axis
from scoring import profiles
from scoring.axes.testcov import action_methods, coverage_axis
from scoring.profiles import StubRule
from scoring.project import Project
from tests.scoring.scoring_trees import controller_file, write_tree

APRIL = profiles.load("autobe-2026.04").rules  # routes and quality as AutoBe's text patterns read them, mean breadth
MARCH = profiles.load("autobe-2026.03").rules  # the flat ×0.9 fallback

PROVIDER_IMPORT = 'import { work } from "../providers/work";\n'
REAL = "try {\n      return await work(id);\n    } catch (error) {\n      throw error;\n    }"
ITEM_ROUTES = [("Patch", "", "index", REAL), ("Get", ":id", "at", REAL), ("Post", "", "create", REAL),
               ("Put", ":id", "update", REAL), ("Delete", ":id", "erase", REAL)]


def sdk_test(*calls: str, assertion: bool = True) -> str:
    lines = "".join(f"  await api.functional.{call}(connection, {{}});\n" for call in calls)
    # typia.assert( matches AutoBe's assertion pattern; TestValidator.equals( does not.
    check = "  typia.assert(connection);\n" if assertion else ""
    return f"export async function test_api(connection: any) {{\n{lines}{check}}}\n"


def project(root: Path, tests: dict[str, str], controllers: dict[str, str] | None = None) -> Project:
    files = controllers if controllers is not None else {
        "src/controllers/ItemsController.ts": controller_file("ItemsController", "items", ITEM_ROUTES, PROVIDER_IMPORT),
        "src/controllers/AuthController.ts": controller_file(
            "AuthController", "auth/user", [("Post", "join", "join", REAL), ("Post", "login", "login", REAL)],
            PROVIDER_IMPORT),
    }
    return Project.load(write_tree(root, {**files, "src/providers/work.ts": "export async function work(id: string) {}\n",
                                          **{f"test/features/api/{name}.ts": text for name, text in tests.items()}}))


@pytest.mark.parametrize(
    ("action", "methods"),
    [("create", {"POST"}), ("join", {"POST"}), ("index", {"GET"}), ("at", {"GET"}), ("update", {"PUT", "PATCH"}),
     ("patch", {"PATCH"}), ("erase", {"DELETE"}), ("upsert", {"PUT"}), ("eraseComment", {"DELETE"}),
     ("getByEmail", {"GET"}), ("approve", set())],
)
def test_action_names_map_to_http_methods(action: str, methods: set[str]) -> None:
    assert set(action_methods(action)) == methods


def test_no_tests_scores_zero(tmp_path: Path) -> None:
    assert coverage_axis(project(tmp_path, {}), APRIL).score == 0


def test_nothing_covered_scores_zero_even_with_assertions(tmp_path: Path) -> None:
    result = coverage_axis(project(tmp_path, {"t": sdk_test("orders.create")}), APRIL)
    assert (result.metrics["coveredRoutes"], result.score) == (0, 0)


def test_route_method_and_controller_coverage(tmp_path: Path) -> None:
    # create -> POST items; at -> GET items/:id; join -> POST auth/user/join (action as last segment).
    # The index route is PATCH: "index" means GET, so it stays uncovered.
    tests = {"a": sdk_test("items.create", "items.at"), "b": sdk_test("auth.user.join", assertion=False)}
    result = coverage_axis(project(tmp_path, tests), APRIL)
    m = result.metrics
    assert (m["totalRoutes"], m["coveredRoutes"]) == (7, 3)
    assert (m["definedMethods"], m["testedMethods"]) == (["DELETE", "GET", "PATCH", "POST", "PUT"], ["GET", "POST"])
    assert m["qualityRatio"] == 0.5 and m["meanControllerCoverage"] == pytest.approx((2 / 5 + 1 / 2) / 2)
    assert m["points"] == {"routes": 21, "methods": 6, "quality": 13, "perController": 5}  # 21.4, 6, 12.5, 4.5
    assert result.score == 45
    assert m["uncoveredRoutes"] == ["POST auth/user/login", "PATCH items", "PUT items/:id", "DELETE items/:id"]
    # one warning per controller prefix, one stub-file warning, one suggestion for the untested methods
    assert sorted((i.code, i.severity) for i in result.issues) == [
        ("TEST003", "warning"), ("TEST005", "warning"), ("TEST005", "warning"), ("TEST006", "suggestion")]


def test_update_covers_put_or_patch(tmp_path: Path) -> None:
    result = coverage_axis(project(tmp_path, {"a": sdk_test("items.update")}), APRIL)
    assert result.metrics["coveredRoutes"] == 2  # PUT items/:id and PATCH items (parameters ignored)


@pytest.mark.parametrize(
    ("tests", "expected"),
    [(6, 90), (5, 81), (4, 81), (3, 72), (2, 72), (1, 45)],  # 3x / 2x / 1x controllers, then a share
)
def test_without_routes(tmp_path: Path, tests: int, expected: int) -> None:
    controllers = {f"src/controllers/C{i}Controller.ts": "export class C {}\n" for i in range(2)}
    result = coverage_axis(project(tmp_path, {f"t{i}": sdk_test() for i in range(tests)}, controllers), MARCH)
    assert result.metrics["totalRoutes"] == 0
    assert result.score == expected


def test_assertion_styles(tmp_path: Path) -> None:
    styles = {
        "expect": "expect(a).toBe(1);", "assert": "assert.strictEqual(a, 1);", "typia": "typia.assert(a);",
        "describe": "describe('x', () => {});", "none": "console.log(a);",
    }
    tests = {name: f"const a = 1;\n{body}\n" for name, body in styles.items()}
    result = coverage_axis(project(tmp_path, {**tests, "cover": sdk_test("items.create", assertion=False)}), APRIL)
    assert result.metrics["qualityRatio"] == pytest.approx(4 / 6)


WORK = "export async function work(id: string) {\n  const row = await load(id);\n  if (!row) throw new Error(\"missing\");\n  return row;\n}\n"
MOCK_WORK = "export async function work(id: string) {\n  id;\n  return typia.random<IItem>();\n}\n"


def api_project(root: Path, bodies: list[str], provider: str = WORK) -> Project:
    routes = [("Get", f"r{i}", f"m{i}", body) for i, body in enumerate(bodies)]
    files = {"src/controllers/ItemsController.ts": controller_file("ItemsController", "items", routes, PROVIDER_IMPORT),
             "src/providers/work.ts": provider}
    return Project.load(write_tree(root, files))


@pytest.mark.parametrize("stubs", ["strict", "autobe"])
def test_no_endpoints_scores_zero(tmp_path: Path, stubs: StubRule) -> None:
    files = {"src/controllers/ItemsController.ts": "export class ItemsController {\n  m() { return 1; }\n}\n"}
    assert api_axis(Project.load(write_tree(tmp_path, files)), stubs).score == 0


ENDPOINT_BODIES = [
    REAL,  # try/catch around the provider call
    "const a = await work(id);\n    const b = a;\n    return b;",  # 3 statements with a declaration
    "return work(id);",  # pass-through to a provider
    "return this.service.find(id);",  # injected service, single delegation
    "return {};",
    "return typia.random<number>();",
    "",
    "const x = 1;\n    return x;",  # no provider, 2 statements
]


@pytest.mark.parametrize(
    ("stubs", "counts", "points", "score"),
    [
        # stubs earn nothing; implemented needs real structure; providers are calls to providers/ or this.x.y
        ("strict", (8, 1, 2, 5, 2, 4, 2), {"nonEmpty": 25, "implemented": 8, "providerBacked": 15, "passThroughPenalty": 0},
         48),
        # AutoBe: stubs count as non-empty and provider-backed; `const x = 1; return x;` spans 4 lines of
        # `;{}` with a declaration, so it is "implemented"; only `return work(id)` lacks a provider
        ("autobe", (8, 1, 2, 7, 3, 1, 1), {"nonEmpty": 35, "implemented": 11, "providerBacked": 26, "passThroughPenalty": 0},
         72),
    ],
)
def test_endpoint_classification(tmp_path: Path, stubs: StubRule, counts: tuple, points: dict, score: int) -> None:
    result = api_axis(api_project(tmp_path, ENDPOINT_BODIES), stubs)
    m = result.metrics
    keys = ("endpoints", "empty", "stubs", "nonEmpty", "implemented", "noProvider", "passThrough")
    assert tuple(m[k] for k in keys) == counts
    assert (m["points"], result.score) == (points, score)


@pytest.mark.parametrize(
    ("body", "strict", "autobe"),
    [
        ("return typia.random<number>();", 0, 70),  # AutoBe's stub: 40 non-empty + 30 "with a provider"
        ("return typia.random<IPage<IItem>>();", 0, 40),  # a `>` inside the type argument: no stub for AutoBe
        ("id;\n    return typia.random<IItem>();", 0, 40),  # a statement before the return hides it from AutoBe
        ("return await work(id);", 50, 100),  # AutoBe counts the body's braces as statement lines: "implemented"
        ("return this.service.find(id);", 50, 50),  # both: a pass-through (share 1 -> -20)
    ],
)
def test_one_endpoint_under_each_rule(tmp_path: Path, body: str, strict: int, autobe: int) -> None:
    project = api_project(tmp_path, [body])
    assert (api_axis(project, "strict").score, api_axis(project, "autobe").score) == (strict, autobe)


def test_strict_an_endpoint_returning_a_mock_provider_is_a_stub(tmp_path: Path) -> None:
    project = api_project(tmp_path, [REAL, "const row = await work(id);\n    return row;", "await work(id);\n    return 1;"],
                          provider=MOCK_WORK)
    strict = api_axis(project, "strict")
    # The first two return what `work` returns (directly, then through a local); the third returns its own value.
    assert (strict.metrics["stubs"], strict.metrics["nonEmpty"]) == (2, 1)
    assert [i.message for i in strict.issues if i.code == "API001"] == [
        "endpoint m0 is a stub: returns what work returns, which returns made-up data (typia.random)",
        "endpoint m1 is a stub: returns what work returns, which returns made-up data (typia.random)"]
    assert api_axis(project, "autobe").score == 100  # AutoBe reads the controller only
    assert api_axis(api_project(tmp_path / "real", [REAL] * 3), "strict").metrics["stubs"] == 0


@pytest.mark.parametrize(("passing", "penalty"), [(3, 0), (4, -3), (10, -20)])
def test_pass_through_share_penalty(tmp_path: Path, passing: int, penalty: int) -> None:
    bodies = ["return work(id);"] * passing + [REAL] * (10 - passing)
    result = api_axis(api_project(tmp_path, bodies), "strict")
    assert result.metrics["points"]["passThroughPenalty"] == penalty
