"""Requirements coverage axis: name mapping and every tier and penalty boundary."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring.axes.requirements import controller_key, keys_match, provider_key, requirements_axis
from scoring.project import Project
from tests.scoring.scoring_trees import write_tree

STUB = "export const x = 1;\n"


def axis(root: Path, controllers: list[str], providers: list[str], extra: dict[str, str] | None = None):
    files = {f"src/controllers/{name}.ts": STUB for name in controllers}
    files.update({f"src/providers/{name}.ts": STUB for name in providers})
    return requirements_axis(Project.load(write_tree(root, {**files, **(extra or {})})))


@pytest.mark.parametrize(
    ("path", "key"),
    [("src/controllers/shopping/ShoppingSalesController.ts", "shoppingsales"), ("a/todo_items-Controller.ts", "todoitems")],
)
def test_controller_key(path: str, key: str) -> None:
    assert controller_key(path) == key


@pytest.mark.parametrize(
    ("path", "key"),
    [
        ("src/providers/getShoppingSalesSaleId.ts", "shoppingsales"),
        ("src/providers/patchShoppingSalesSaleIdReviewsReviewId.ts", "shoppingsalesreviews"),
        ("src/providers/TodoItemsProvider.ts", "todoitems"),
        ("src/providers/getaway.ts", "getaway"),  # a leading verb is only dropped before a new word
    ],
)
def test_provider_key(path: str, key: str) -> None:
    assert provider_key(path) == key


@pytest.mark.parametrize(
    ("controller", "provider", "matches"),
    [
        ("todoitems", "todoitems", True),
        ("todoitems", "createtodoitem", True),  # same domain once the verb and plural go
        ("authuser", "authuserjoin", True),  # containment
        ("ab", "abc", False),  # containment needs >= 3 chars
        ("orders", "payments", False),
    ],
)
def test_keys_match(controller: str, provider: str, matches: bool) -> None:
    assert keys_match(controller, provider) is matches


def test_full_marks(tmp_path: Path) -> None:
    extra = {"src/api/structures/IItem.ts": STUB, "docs/analysis/a.md": "# A\n"}
    result = axis(tmp_path, ["ItemsController"], ["getItems", "postItems"], extra)
    assert result.score == 100 and result.metrics["mappingRatio"] == 1.0


@pytest.mark.parametrize(
    ("mapped", "total", "mapping", "bonus", "low", "partial"),
    [
        (5, 5, 45, 10, 0, 0),
        (4, 5, 36, 10, 0, 0),  # 0.8 earns the bonus
        (3, 4, 34, 0, 0, 0),  # 0.75 does not
        (3, 5, 27, 0, 0, 0),  # 0.6: no penalty yet
        (1, 2, 23, 0, 0, -5),  # 0.5: -round(0.1 / 0.3 * 15)
        (3, 10, 14, 0, 0, -15),  # 0.3: -round(0.3 / 0.3 * 15)
        (1, 4, 11, 0, -5, -18),  # 0.25: -round(0.05/0.3*30), -round(17.5)
        (0, 3, 0, 0, -30, -30),
    ],
)
def test_mapping_ratio_points_and_penalties(
    tmp_path: Path, mapped: int, total: int, mapping: int, bonus: int, low: int, partial: int
) -> None:
    domains = ["alpha", "bravo", "charlie", "delta", "echo", "foxtrot", "golf", "hotel", "india", "juliet"]
    controllers = [f"{d.title()}Controller" for d in domains[:total]]
    providers = [f"get{d.title()}" for d in domains[:mapped]]
    result = axis(tmp_path, controllers, providers or ["zzz"])
    points = result.metrics["points"]
    assert (points["mapping"], points["mappingBonus"], points["lowMappingPenalty"], points["partialMappingPenalty"]) == (
        mapping, bonus, low, partial)
    assert result.score == max(0, sum(points.values()))


@pytest.mark.parametrize(("providers", "points"), [(4, 10), (3, 7), (2, 5), (1, 0)])
def test_providers_per_controller_tiers(tmp_path: Path, providers: int, points: int) -> None:
    names = ["getItems", "postItems", "putItemsItemId", "deleteItemsItemId"][:providers]
    result = axis(tmp_path, ["ItemsController", "ItemsAdminController"], names)
    assert result.metrics["points"]["providersPerController"] == points


def test_missing_parts_score_nothing(tmp_path: Path) -> None:
    result = axis(tmp_path, [], ["getItems"])
    points = result.metrics["points"]
    assert points["controllers"] == 0 and points["structures"] == 0 and points["analysisDocs"] == 0
    assert points["providers"] == 10
