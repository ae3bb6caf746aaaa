"""`farm round diff A B`: what changed between two rounds' manifests, told by the elements that differ."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from farm import keys
from farm.cli import app
from farm.manifest import build_manifest
from farm.roundfile import parse_round
from farm.store import LocalStore

WIDE = {"COLUMNS": "400"}  # one change per line, unwrapped


def _model(model_id: str, input_price: float = 1.0) -> dict[str, Any]:
    return {"id": model_id, "endpoint": {"kind": "openrouter"}, "prices": {"input": input_price, "output": 2.0}}


def _round(round_id: str, models: list[dict[str, Any]], projects: list[str]) -> dict[str, Any]:
    return {"round": round_id, "models": models, "projects": projects, "phases": ["analyze"]}


def _diff(tmp_path: Path, a: dict[str, Any], b: dict[str, Any]) -> list[str]:
    store = LocalStore(tmp_path / "store")
    for data in (a, b):
        manifest = build_manifest(parse_round(data, "<test>", tmp_path))
        store.put_json(keys.manifest(data["round"]), manifest.model_dump(mode="json"))
    result = CliRunner().invoke(app, ["round", "diff", a["round"], b["round"], "--store", str(store.root)], env=WIDE)
    assert result.exit_code == 0, result.output
    return result.stdout.splitlines()


def test_the_round_id_is_not_a_difference(tmp_path: Path) -> None:
    models = [_model("vendor/a")]
    assert _diff(tmp_path, _round("r1", models, ["todo"]), _round("r2", models, ["todo"])) == [
        "rounds r1 and r2 ran under the same conditions"]


def test_a_list_change_names_the_elements_added_and_removed(tmp_path: Path) -> None:
    before = _round("r1", [_model("vendor/a"), _model("vendor/b")], ["todo", "reddit"])
    after = _round("r2", [_model("vendor/a", input_price=1.5), _model("vendor/c"), _model("vendor/b")], ["todo", "erp"])
    lines = _diff(tmp_path, before, after)
    assert "spec.projects[1]: reddit → erp" in lines
    assert "spec.models[vendor/a].prices.input: 1.0 → 1.5" in lines  # matched by id, not by position
    added = next(line for line in lines if line.startswith("spec.models[vendor/c]: "))
    assert added.startswith('spec.models[vendor/c]: added {"id": "vendor/c", "endpoint": {"kind": "openrouter"')
    assert not any(line.startswith("spec.models[vendor/b]") for line in lines)  # moved, not changed
    assert "projects.erp: added" in " ".join(lines) and "projects.reddit: removed" in " ".join(lines)
    assert not any(line.startswith("spec.round") for line in lines)


def test_lists_of_different_length_show_only_what_changed(tmp_path: Path) -> None:
    models = [_model("vendor/a")]
    lines = _diff(tmp_path, _round("r1", models, ["todo", "reddit", "shopping"]), _round("r2", models, ["erp", "todo"]))
    assert "spec.projects: added erp; removed reddit, shopping" in lines


@pytest.mark.parametrize("at", [10, 3000])
def test_long_texts_are_shown_where_they_differ(tmp_path: Path, at: int) -> None:
    text = "".join(f"Requirement {i}: the user can manage item {i}.\n" for i in range(200))
    for folder, body in (("before", text), ("after", text[:at] + "CHANGED" + text[at:])):
        (tmp_path / folder).mkdir()
        (tmp_path / folder / "shop.md").write_text(body)
    spec = _round("r1", [_model("vendor/a")], ["before/shop.md"])
    lines = _diff(tmp_path, spec, {**spec, "round": "r2", "projects": ["after/shop.md"]})
    line = next(line for line in lines if line.startswith("projects.shop.text: "))
    left, right = line.split(": ", 1)[1].split(" → ")
    assert "CHANGED" in right and "CHANGED" not in left and left != right
    assert len(left) <= 80 and len(right) <= 80
