"""Requirements coverage axis: name keys, and every tier and penalty boundary (AutoBe's matching rules:
test_autobe_rules_requirements)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring import profiles
from scoring.axes.requirements import controller_key, keys_match, provider_keys, requirements_axis
from scoring.project import Project
from tests.scoring.scoring_trees import write_tree

MARCH = profiles.load("autobe-2026.03").rules  # equal names or domains; tiered points

STUB = "export const x = 1;\n"


def axis(root: Path, controllers: list[str], providers: list[str], extra: dict[str, str] | None = None):
    files = {f"src/controllers/{name}.ts": STUB for name in controllers}
    files.update({f"src/providers/{name}.ts": STUB for name in providers})
    return requirements_axis(Project.load(write_tree(root, {**files, **(extra or {})})), MARCH)


@pytest.mark.parametrize(
    ("path", "key"),
    [("src/controllers/shopping/ShoppingSalesController.ts", "shoppingsales"),
     ("a/todo_items-Controller.ts", "todoitems")],
)
def test_controller_key(path: str, key: str) -> None:
    assert controller_key(path) == key


@pytest.mark.parametrize(
    ("path", "keys"),
    [
        ("src/providers/getShoppingSalesSaleId.ts", ("shoppingsalessaleid", "shoppingsales", "getshoppingsalessaleid")),
        ("src/providers/patchShoppingSalesSaleIdReviewsReviewId.ts",
         ("shoppingsalessaleidreviewsreviewid", "shoppingsalesreviews", "patchshoppingsalessaleidreviewsreviewid")),
        ("src/providers/TodoItemsProvider.ts", ("todoitems", "todoitems")),
    ],
)
def test_provider_keys(path: str, keys: tuple[str, ...]) -> None:
    assert provider_keys(path) == keys


@pytest.mark.parametrize(
    ("controller", "provider", "matches"),
    [
        ("todoitems", "todoitems", True),
        ("todoitems", "createtodoitems", True),  # same domain once the verb goes
        ("authuser", "authuserjoin", True),  # containment
        ("ab", "abc", False),  # containment needs >= 3 chars on both sides
        ("orders", "payments", False),
    ],
)
def test_keys_match(controller: str, provider: str, matches: bool) -> None:
    assert keys_match(controller, provider) is matches


def test_full_marks(tmp_path: Path) -> None:
    extra = {"src/api/structures/IItem.ts": STUB, "docs/analysis/a.md": "# A\n"}
    result = axis(tmp_path, ["ItemsController"], ["getItems", "postItems"], extra)
    assert result.score == 100 and result.metrics["mappingRatio"] == 1.0 and result.issues == []


@pytest.mark.parametrize(
    ("mapped", "total", "mapping", "bonus", "penalty"),
    [
        (5, 5, 45, 10, 0),
        (4, 5, 36, 10, 0),  # 0.8 earns the bonus
        (3, 4, 34, 0, 0),  # 0.75 does not
        (3, 5, 27, 0, 0),  # 0.6: no penalty yet
        (1, 2, 23, 0, -5),  # 0.5: -round(0.1 / 0.3 * 15)
        (3, 10, 14, 0, -15),  # 0.3: -round(0.3 / 0.3 * 15)
        (1, 4, 11, 0, -5),  # 0.25: the steep penalty alone, -round(0.05 / 0.3 * 30)
        (0, 3, 0, 0, -30),
    ],
)
def test_mapping_ratio_points_and_penalties(
    tmp_path: Path, mapped: int, total: int, mapping: int, bonus: int, penalty: int
) -> None:
    domains = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
    controllers = [f"{d.title()}Controller" for d in domains[:total]]
    providers = [f"get{d.title()}" for d in domains[:mapped]]
    result = axis(tmp_path, controllers, providers or ["zzz"])
    points = result.metrics["points"]
    assert (points["mapping"], points["mappingBonus"], points["mappingPenalty"]) == (mapping, bonus, penalty)
    assert result.score == max(0, sum(points.values()))
    severities = {i.severity for i in result.issues if i.code == "REQ006"}
    assert severities == ({"critical"} if mapped / total < 0.3 else {"warning"} if mapped / total < 0.6 else set())


@pytest.mark.parametrize(("providers", "points"), [(4, 10), (3, 7), (2, 5), (1, 0)])
def test_providers_per_controller_tiers(tmp_path: Path, providers: int, points: int) -> None:
    names = ["getItems", "postItems", "putItemsItemId", "deleteItemsItemId"][:providers]
    result = axis(tmp_path, ["ItemsController", "ItemsAdminController"], names)
    assert result.metrics["points"]["providersPerController"] == points


def test_missing_parts_score_nothing_and_are_reported(tmp_path: Path) -> None:
    result = axis(tmp_path, [], ["getItems"])
    points = result.metrics["points"]
    assert points["controllers"] == 0 and points["structures"] == 0 and points["analysisDocs"] == 0
    assert points["providers"] == 10 and points["mappingPenalty"] == 0  # no controller: no mapping penalty
    assert [(i.code, i.severity) for i in result.issues] == [
        ("REQ001", "critical"), ("REQ003", "warning"), ("REQ004", "warning")]


def test_unmapped_controllers_are_one_warning(tmp_path: Path) -> None:
    result = axis(tmp_path, ["AlphaController", "BravoController", "CharlieController"], ["getAlpha"])
    unmapped = [i for i in result.issues if i.code == "REQ005"]
    assert len(unmapped) == 1 and unmapped[0].severity == "warning" and "2 controller(s)" in unmapped[0].message
    assert result.metrics["unmappedControllers"] == ["src/controllers/BravoController.ts",
                                                     "src/controllers/CharlieController.ts"]
