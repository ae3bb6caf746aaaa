"""AutoBe's test-coverage rules (`test-coverage.evaluator.ts`, `golden/url-resolver.ts`), each pinned on both sides."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring import profiles
from scoring.axes.testcov import coverage_axis, is_quality_test, sdk_targets
from scoring.project import Project
from tests.scoring.scoring_trees import decorated_controller as controller
from tests.scoring.scoring_trees import sdk_test as e2e
from tests.scoring.scoring_trees import write_tree

APRIL = profiles.load("autobe-2026.04").rules  # routes and quality as AutoBe's text patterns read them, mean breadth
MARCH = profiles.load("autobe-2026.03").rules  # the flat ×0.9 fallback


def axis(root: Path, controllers: dict[str, str], tests: dict[str, str], rules=APRIL):
    files = {**{f"src/controllers/{name}.ts": text for name, text in controllers.items()},
             **{f"test/features/api/{name}.ts": text for name, text in tests.items()}}
    return coverage_axis(Project.load(write_tree(root, files)), rules)


@pytest.mark.parametrize(
    ("check", "quality"),
    [("TestValidator.equals(\"same\", a, b);", False),  # nestia's validator is not AutoBe's assertion pattern
     ("TestValidator.predicate(\"ok\", a > 0);", False),
     ("typia.assert(output);", True), ("Assert (output);", True),  # any case, whitespace before "("
     ("expect(output).toBe(1);", True), ("it(\"works\", () => {});", True), ("output.assertion(1);", False),
     ("submit(output);", False)],  # `it(` only as a whole word
)
def test_an_assertion_or_test_structure_call_makes_a_quality_test(check: str, quality: bool) -> None:
    assert is_quality_test(e2e("items.create", check=check)) is quality


def test_testvalidator_alone_leaves_a_file_without_quality(tmp_path: Path) -> None:
    tests = {"a": e2e("items.create", check='TestValidator.equals("same", 1, 1);'), "b": e2e("items.create")}
    result = axis(tmp_path, {"ItemsController": controller("items", "@TypedRoute.Post()")}, tests)
    assert (result.metrics["qualityRatio"], result.metrics["points"]["quality"]) == (0.5, 13)
    assert [(i.code, i.severity) for i in result.issues if i.code == "TEST003"] == [("TEST003", "warning")]


@pytest.mark.parametrize(
    ("decorator", "routes"),
    [('@TypedRoute.Get(":id")', 1), ("@TypedRoute.Get()", 1), ("@TypedRoute.Get(':id')", 0),
     ('@Get(":id")', 0), ('@TypedRoute.Get(":id", { timeout: 1 })', 0)],
)
def test_routes_are_typed_route_decorators_with_a_double_quoted_path_or_none(
    tmp_path: Path, decorator: str, routes: int
) -> None:
    result = axis(tmp_path, {"ItemsController": controller("items", decorator)}, {"a": e2e("items.at")})
    assert result.metrics["totalRoutes"] == routes


def test_a_controller_without_a_double_quoted_prefix_has_no_routes(tmp_path: Path) -> None:
    text = controller("items", "@TypedRoute.Get()").replace('@Controller("items")', "@Controller('items')")
    result = axis(tmp_path, {"ItemsController": text}, {"a": e2e("items.at")})
    assert result.metrics["totalRoutes"] == 0 and result.metrics["controllers"] == 1


@pytest.mark.parametrize(
    ("call", "covered"),
    [("items.update", {"PUT items/:id", "PATCH items"}),  # update stands for PUT or PATCH
     # by its first word; tried without and with the action as the last segment
     ("items.restoreFromTrash", {"POST items", "POST items/restoreFromTrash"}),
     ("items.create", {"POST items"}),  # "create" is a method word: never tried as a path segment
     ("items.approve", set()), ("items", set())],  # an unknown action covers nothing; one segment is no call
)
def test_an_sdk_call_covers_routes_by_action_and_path(tmp_path: Path, call: str, covered: set[str]) -> None:
    routes = ['@TypedRoute.Put(":id")', "@TypedRoute.Patch()", "@TypedRoute.Post()",
              '@TypedRoute.Post("restoreFromTrash")', '@TypedRoute.Post("create")']
    result = axis(tmp_path, {"ItemsController": controller("items", *routes)}, {"a": e2e(call)})
    all_routes = {"PUT items/:id", "PATCH items", "POST items", "POST items/restoreFromTrash", "POST items/create"}
    assert all_routes - set(result.metrics.get("uncoveredRoutes", all_routes)) == covered


def test_paths_are_compared_lower_cased_but_hyphens_are_kept(tmp_path: Path) -> None:
    assert sdk_targets(e2e("todoItems.create")) == {("POST", ("todoitems",))}
    result = axis(tmp_path, {"A": controller("TodoItems", "@TypedRoute.Post()"),
                             "B": controller("todo-items", "@TypedRoute.Post()")},
                  {"a": e2e("todoItems.create", "todo_items.create")})
    assert result.metrics["uncoveredRoutes"] == ["POST todo-items"]


def test_per_controller_coverage_is_the_mean_share(tmp_path: Path) -> None:
    # "items": 1 of 3 routes covered, "tags": 1 of 1 -> mean 2/3 -> 7 points (a >50% count would give 5).
    controllers = {"Items": controller("items", "@TypedRoute.Post()", '@TypedRoute.Get(":id")',
                                       '@TypedRoute.Delete(":id")'),
                   "Tags": controller("tags", "@TypedRoute.Post()")}
    result = axis(tmp_path, controllers, {"a": e2e("items.create", "tags.create")})
    assert result.metrics["meanControllerCoverage"] == pytest.approx(2 / 3)
    assert result.metrics["points"] == {"routes": 25, "methods": 5, "quality": 25, "perController": 7}


def test_controller_files_sharing_a_prefix_are_one_controller(tmp_path: Path) -> None:
    controllers = {"A": controller("items", "@TypedRoute.Post()"), "B": controller("items", '@TypedRoute.Get(":id")')}
    result = axis(tmp_path, controllers, {"a": e2e("items.create")})
    assert result.metrics["controllersAnalyzed"] == 1 and result.metrics["meanControllerCoverage"] == 0.5
    assert sum(1 for i in result.issues if i.code == "TEST005") == 1


def test_a_repeated_route_counts_twice(tmp_path: Path) -> None:
    twice = controller("items", "@TypedRoute.Post()", "@TypedRoute.Post()")
    result = axis(tmp_path, {"A": twice}, {"a": e2e("x.create")})
    assert (result.metrics["totalRoutes"], result.metrics["coveredRoutes"], result.score) == (2, 0, 0)
    assert {(i.code, i.severity) for i in result.issues} >= {("TEST007", "critical")}


@pytest.mark.parametrize(("tests", "score"), [(1, 30), (2, 32)])
def test_without_routes_each_part_is_rounded_before_the_discount(tmp_path: Path, tests: int, score: int) -> None:
    # 16 controller files, no route: round(40 * 1/16) = 3 (2.5 half-up) + 0 + 30 -> round(0.9 * 33) = 30,
    # where discounting the unrounded 32.5 would give 29; 2 tests: 5 + 0 + 30 -> round(31.5) = 32.
    controllers = {f"C{i}": "export class C {}\n" for i in range(16)}
    result = axis(tmp_path, controllers, {f"t{i}": e2e("x.create") for i in range(tests)}, MARCH)
    assert (result.metrics["totalRoutes"], result.score) == (0, score)
    assert [i.code for i in result.issues] == ["TEST002"]
