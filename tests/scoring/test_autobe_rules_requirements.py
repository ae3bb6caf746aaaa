"""AutoBe's controller-to-provider matching (`requirements-coverage.evaluator.ts`), each rule pinned on both sides."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring import profiles
from scoring.axes.requirements import controller_key, domain, keys_match, provider_keys, requirements_axis
from scoring.project import Project
from tests.scoring.scoring_trees import write_tree

APRIL = profiles.load("autobe-2026.04").rules  # provider name forms, containment
MARCH = profiles.load("autobe-2026.03").rules  # tiered mapping penalty

STUB = "export const x = 1;\n"


def mapped(root: Path, controller: str, provider: str) -> bool:
    files = {f"src/controllers/{controller}.ts": STUB, f"src/providers/{provider}.ts": STUB}
    return requirements_axis(Project.load(write_tree(root, files)), APRIL).metrics["mappingRatio"] == 1.0


@pytest.mark.parametrize(
    ("controller", "provider", "matches"),
    [
        ("TodosCommentsController", "getTodosTodoIdComments", True),  # `…Id` path-parameter words dropped
        ("TodosCommentsController", "getTodosTodoidComments", False),  # only a capitalised `…Id` is a parameter
        ("ShopItemsController", "ShopItemsProvider", True),  # a trailing "Provider" dropped
        ("ItemsController", "getShopItemsAdmin", True),  # one name contains the other
        ("AbController", "getAbc", False),  # ... only from 3 characters on
        ("AbcController", "getAbcd", True),
        ("Todo_ItemsController", "postTodoItems", True),  # `_` and `-` ignored
        ("AwayController", "getaway", True),  # a leading verb is dropped even mid-word: "away"
        ("ItemsController", "deleteWidgets", False),
    ],
)
def test_controller_provider_matching(tmp_path: Path, controller: str, provider: str, matches: bool) -> None:
    assert mapped(tmp_path, controller, provider) is matches


def test_keys_and_domains() -> None:
    assert controller_key("src/controllers/a/ControllerOfItemsController.ts") == "ofitemscontroller"  # first only
    assert provider_keys("src/providers/putOrdersOrderIdItemsItemId.ts") == (
        "ordersorderiditemsitemid", "ordersitems", "putordersorderiditemsitemid")
    assert (domain("createitemsservice"), domain("getab")) == ("items", "")
    assert keys_match("updateorders", "removeordersmodule")  # equal domains once verb and role word go


@pytest.mark.parametrize(("path", "points"), [("docs/analysis/a.md", 5), ("docs/analysis/a.json", 5),
                                              ("docs/analysis/sub/a.md", 0), ("docs/ERD.md", 0)])
def test_requirements_documents_are_files_directly_in_docs_analysis(tmp_path: Path, path: str, points: int) -> None:
    files = {"src/controllers/ItemsController.ts": STUB, "src/providers/getItems.ts": STUB, path: "# A\n"}
    result = requirements_axis(Project.load(write_tree(tmp_path, files)), APRIL)
    assert result.metrics["points"]["analysisDocs"] == points


@pytest.mark.parametrize(("mapped_count", "penalty"), [(1, -5), (2, -10)])
def test_below_a_third_only_the_steep_mapping_penalty_applies(tmp_path: Path, mapped_count: int, penalty: int) -> None:
    # 1/4 = 0.25: -round(0.05/0.3*30) = -5, not also -round(0.35/0.3*15) = -18; 2/5 = 0.4: -round(0.2/0.3*15) = -10.
    total = 4 if mapped_count == 1 else 5
    names = ["Alpha", "Bravo", "Charlie", "Delta", "Echo"][:total]
    files = {f"src/controllers/{n}Controller.ts": STUB for n in names}
    files.update({f"src/providers/get{n}.ts": STUB for n in names[:mapped_count]})
    result = requirements_axis(Project.load(write_tree(tmp_path, files)), MARCH)
    assert result.metrics["points"]["mappingPenalty"] == penalty
