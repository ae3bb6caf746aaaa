"""The test-coverage switches, each pinned on both sides: `coverage_breadth` (AutoBe c4342ae's share of controllers
more than half covered, 5b40825's mean), `coverage_fallback` (flat x0.9, sliding x0.85..0.95), and benchfarm's
`test_quality` (calls in code, TestValidator included) and `routes` (parsed decorators, '-' equal to '_')."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring import profiles
from scoring.axes.base import AxisResult
from scoring.axes.testcov import coverage_axis
from scoring.project import Project
from tests.scoring.scoring_trees import decorated_controller as controller
from tests.scoring.scoring_trees import sdk_test as e2e
from tests.scoring.scoring_trees import write_tree

MARCH, APRIL, BENCHFARM = (profiles.load(p).rules for p in ("autobe-2026.03", "autobe-2026.04", "benchfarm-2026.12"))


def axis(root: Path, controllers: dict[str, str], tests: dict[str, str], rules) -> AxisResult:
    files = {**{f"src/controllers/{name}.ts": text for name, text in controllers.items()},
             **{f"test/features/api/{name}.ts": text for name, text in tests.items()}}
    return coverage_axis(Project.load(write_tree(root, files)), rules)


@pytest.mark.parametrize(
    ("covered_of_items", "share_over_half", "mean"),
    [(1, 5, 7),  # items 1/3, tags 1/1: one controller of two above a half -> 5; mean 2/3 -> 7
     (2, 10, 8)],  # items 2/3 is above a half too -> 10; mean 5/6 -> 8
)
def test_breadth_is_the_share_above_half_in_march_and_the_mean_in_april(
    tmp_path: Path, covered_of_items: int, share_over_half: int, mean: int
) -> None:
    controllers = {"Items": controller("items", "@TypedRoute.Post()", '@TypedRoute.Get(":id")',
                                       '@TypedRoute.Delete(":id")'),
                   "Tags": controller("tags", "@TypedRoute.Post()")}
    tests = {"a": e2e("items.create", "tags.create", *(["items.at"] if covered_of_items == 2 else []))}
    assert axis(tmp_path, controllers, tests, MARCH).metrics["points"]["perController"] == share_over_half
    assert axis(tmp_path, controllers, tests, APRIL).metrics["points"]["perController"] == mean
    assert axis(tmp_path, controllers, tests, BENCHFARM).metrics["points"]["perController"] == mean


def test_a_controller_exactly_half_covered_is_not_above_a_half(tmp_path: Path) -> None:
    controllers = {"Items": controller("items", "@TypedRoute.Post()", '@TypedRoute.Get(":id")')}
    tests = {"a": e2e("items.create")}
    assert axis(tmp_path, controllers, tests, MARCH).metrics["controllerBreadth"] == 0
    assert axis(tmp_path, controllers, tests, APRIL).metrics["controllerBreadth"] == 0.5


@pytest.mark.parametrize(
    ("tests", "check", "before", "flat", "sliding"),
    [(6, "typia.assert(output);", 100, 90, 95),  # 40 + 30 (3x the controllers) + 30 -> x0.9 or x0.95
     (2, "typia.assert(output);", 80, 72, 74),  # 40 + 10 + 30 -> 72 or round(80 * 0.93) = round(74.4)
     (1, "", 20, 18, 17)],  # round(40 / 2) + 0 + 0 -> 18 or round(20 * 0.87) = round(17.4): below 50 it costs more
)
def test_fallback_discount_is_flat_in_march_and_sliding_in_april(
    tmp_path: Path, tests: int, check: str, before: int, flat: int, sliding: int
) -> None:
    controllers = {f"C{i}Controller": "export class C {}\n" for i in range(2)}  # 2 controller files, no route
    suite = {f"t{i}": e2e("x.create", check=check) for i in range(tests)}
    march, april = axis(tmp_path, controllers, suite, MARCH), axis(tmp_path, controllers, suite, APRIL)
    assert (march.metrics["totalRoutes"], march.score, april.score) == (0, flat, sliding)
    assert april.score == round(before * (0.85 + before / 1000))


@pytest.mark.parametrize(
    ("check", "autobe", "benchfarm"),
    [('await TestValidator.equals("same", output.id, id);', False, True),  # nestia's assertions count for benchfarm
     ('TestValidator.predicate("ok", output.ok);', False, True),
     ("// it (the store) keeps the order", True, False),  # AutoBe matches `it (` in a comment
     ('const label = "test(s) done";', True, False),  # ... and `test(` in a string
     ("typia.assert(output);", True, True), ('describe("x", () => {});', True, True),
     ("expect(output).toBe(1);", True, True), ("console.log(output);", False, False)],
)
def test_quality_is_read_from_text_by_autobe_and_from_calls_by_benchfarm(
    tmp_path: Path, check: str, autobe: bool, benchfarm: bool
) -> None:
    controllers = {"Items": controller("items", "@TypedRoute.Post()")}
    tests = {"a": e2e("items.create", check=check)}
    for rules, quality in ((APRIL, autobe), (MARCH, autobe), (BENCHFARM, benchfarm)):
        assert axis(tmp_path, controllers, tests, rules).metrics["assertionTests"] == int(quality)


@pytest.mark.parametrize(
    ("decorator", "quote", "autobe", "benchfarm"),
    [('@TypedRoute.Get(":id")', '"', 1, 1),
     ('@Get(":id")', '"', 0, 1),  # a plain NestJS decorator
     ("@TypedRoute.Get(':id')", '"', 0, 1),  # single quotes
     ('@TypedRoute.Get(":id", { timeout: 1 })', '"', 0, 1),  # an options argument
     ('@TypedRoute.Get(":id")', "'", 0, 1)],  # a single-quoted controller prefix: AutoBe sees no route at all
)
def test_routes_are_text_matches_for_autobe_and_parsed_decorators_for_benchfarm(
    tmp_path: Path, decorator: str, quote: str, autobe: int, benchfarm: int
) -> None:
    controllers = {"Items": controller("items", decorator, quote=quote)}
    tests = {"a": e2e("items.at")}
    assert axis(tmp_path, controllers, tests, APRIL).metrics["totalRoutes"] == autobe
    parsed = axis(tmp_path, controllers, tests, BENCHFARM)
    assert (parsed.metrics["totalRoutes"], parsed.metrics.get("coveredRoutes")) == (benchfarm, benchfarm)


def test_a_hyphen_in_a_path_equals_the_sdk_underscore_for_benchfarm_only(tmp_path: Path) -> None:
    controllers = {"Resets": controller("member/password-resets", "@TypedRoute.Post()", '@TypedRoute.Get(":id")')}
    tests = {"a": e2e("member.password_resets.create")}
    assert axis(tmp_path, controllers, tests, APRIL).metrics["coveredRoutes"] == 0
    covered = axis(tmp_path, controllers, tests, BENCHFARM)
    assert covered.metrics["coveredRoutes"] == 1
    assert covered.metrics["uncoveredRoutes"] == ["GET member/password-resets/:id"]  # reported as declared
