"""The requirements switches, each pinned on both sides: `requirements_matching` (AutoBe c4342ae's equal names or
domains, a814f34's name forms with containment, benchfarm's forms with a verb stripped only as a word of its own)
and `requirements_scoring` (c4342ae's tiers, 5b40825's interpolation)."""

from __future__ import annotations

from pathlib import Path

import pytest

from scoring import profiles
from scoring.axes.base import AxisResult
from scoring.axes.requirements import MATCHINGS, Name, requirements_axis
from scoring.project import Project
from tests.scoring.scoring_trees import write_tree

MARCH, APRIL, BENCHFARM = (profiles.load(p).rules for p in ("autobe-2026.03", "autobe-2026.04", "benchfarm-2026.12"))
STUB = "export const x = 1;\n"


def axis(root: Path, controllers: list[str], providers: list[str], rules) -> AxisResult:
    files = {**{f"src/controllers/{c}.ts": STUB for c in controllers},
             **{f"src/providers/{p}.ts": STUB for p in providers}}
    return requirements_axis(Project.load(write_tree(root, files)), rules)


@pytest.mark.parametrize(
    ("controller", "provider", "march", "april", "benchfarm"),
    [
        ("TodoItemsController", "getTodoItems", True, True, True),  # equal domains once the verb goes
        ("TodoItemsController", "TodoItemsProvider", True, True, True),  # equal names once "provider" goes
        ("Todo_ItemsController", "postTodoItems", False, True, True),  # March keeps `_` and `-`
        ("TodosCommentsController", "getTodosTodoIdComments", False, True, True),  # ... and `…Id` words
        ("ItemsController", "getShopItemsAdmin", False, True, True),  # ... and matches no containment
        # A leading "post" stripped mid-word leaves the domain "ers", which "postUpdateErs" also has; as a word of
        # its own only ("Posters" keeps its "Post"), the domains differ.
        ("PostersController", "postUpdateErs", False, True, False),  # March strips one verb: "updateers"
        ("ItemsController", "deleteWidgets", False, False, False),
    ],
)
def test_controller_provider_matching_by_profile(
    tmp_path: Path, controller: str, provider: str, march: bool, april: bool, benchfarm: bool
) -> None:
    mapped = [axis(tmp_path / name, [controller], [provider], rules).metrics["mappingRatio"] == 1.0
              for name, rules in (("m", MARCH), ("a", APRIL), ("b", BENCHFARM))]
    assert mapped == [march, april, benchfarm]


@pytest.mark.parametrize(
    ("path", "forms", "word_forms"),
    [("src/providers/getaway.ts", ("away", "getaway"), ("getaway",)),  # "get" is not a word of its own here
     ("src/providers/getTodoItemsItemId.ts", ("todoitemsitemid", "todoitems", "gettodoitemsitemid"),
      ("todoitemsitemid", "todoitems", "gettodoitemsitemid")),
     ("src/providers/get_items.ts", ("items", "getitems"), ("items", "getitems"))],  # `_` ends a word too
)
def test_provider_keys_strip_the_verb_only_at_a_word_boundary_for_benchfarm(
    path: str, forms: tuple[str, ...], word_forms: tuple[str, ...]
) -> None:
    assert tuple(dict.fromkeys(n.key for n in MATCHINGS["forms"].provider(path))) == forms
    assert tuple(dict.fromkeys(n.key for n in MATCHINGS["word_forms"].provider(path))) == word_forms


def test_controller_domains_by_matching() -> None:
    path = "src/controllers/PostersController.ts"
    assert MATCHINGS["names"].controller(path) == Name("posters", "ers")
    assert MATCHINGS["forms"].controller(path) == Name("posters", "ers")
    assert MATCHINGS["word_forms"].controller(path) == Name("posters", "posters")
    delete_items = "src/controllers/DeleteItemsController.ts"
    assert MATCHINGS["word_forms"].controller(delete_items) == Name("deleteitems", "items")


@pytest.mark.parametrize(("providers", "tiered", "continuous"),
                         [(2, 5, 5), (3, 7, 8), (4, 10, 10), (1, 0, 3), (5, 10, 10)])  # 2 controllers
def test_provider_depth_is_tiered_in_march_and_interpolated_in_april(
    tmp_path: Path, providers: int, tiered: int, continuous: int
) -> None:
    names = [f"{verb}Items" for verb in ("get", "post", "put", "patch", "delete")][:providers]
    for rules, points in ((MARCH, tiered), (APRIL, continuous), (BENCHFARM, continuous)):
        result = axis(tmp_path, ["ItemsController", "ItemsAdminController"], names, rules)
        assert result.metrics["points"]["providersPerController"] == points  # min(10, round(ratio / 2 * 10))


@pytest.mark.parametrize(
    ("mapped", "total", "tiered", "continuous"),
    [(4, 4, (0, 10), (0, 10)),
     (4, 5, (0, 10), (0, 5)),  # 0.8: the tiered bonus whole, the interpolated half
     (3, 4, (0, 0), (0, 4)),  # 0.75: no tiered bonus; round(0.15 / 0.4 * 10) = round(3.75)
     (3, 5, (0, 0), (0, 0)),  # 0.6: neither
     (1, 2, (-5, 0), (-5, 0)),  # 0.5: -round(0.1 / 0.3 * 15) and -round(0.1 / 0.6 * 30) agree
     (1, 4, (-5, 0), (-18, 0)),  # 0.25: the steep tier alone, -5; interpolated -round(17.5)
     (0, 3, (-30, 0), (-30, 0))],
)
def test_mapping_penalty_and_bonus_are_tiered_in_march_and_interpolated_in_april(
    tmp_path: Path, mapped: int, total: int, tiered: tuple[int, int], continuous: tuple[int, int]
) -> None:
    domains = ["Alpha", "Bravo", "Charlie", "Delta", "Echo"]
    controllers = [f"{d}Controller" for d in domains[:total]]
    providers = [f"get{d}" for d in domains[:mapped]] or ["getZulu"]
    for rules, (penalty, bonus) in ((MARCH, tiered), (APRIL, continuous)):
        result = axis(tmp_path, controllers, providers, rules)
        points = result.metrics["points"]
        assert (points["mappingPenalty"], points["mappingBonus"]) == (penalty, bonus)
        severities = {i.severity for i in result.issues if i.code == "REQ006"}
        assert severities == ({"critical"} if mapped / total < 0.3 else {"warning"} if mapped / total < 0.6 else set())
