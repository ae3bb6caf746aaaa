"""Round files: every problem reported with its path and value; valid files load completely."""

from __future__ import annotations

from pathlib import Path

import pytest

from farm.roundfile import RoundFileError, load_round, parse_round

REPO = Path(__file__).resolve().parents[2]


def _model(**overrides: object) -> dict:
    return {"id": "a/b", "endpoint": {"kind": "openrouter"}, "prices": {"input": 1, "output": 2}, **overrides}


def _problems(data: dict) -> list[str]:
    with pytest.raises(RoundFileError) as info:
        parse_round(data, "r.yaml")
    return info.value.problems


def test_example_round_is_valid_and_complete() -> None:
    loaded = load_round(REPO / "rounds" / "example.yaml")
    ids = [m.id for m in loaded.spec.models]
    assert ids[:3] == ["openai/gpt-5.4-nano", "qwen/qwen3.6-27b", "deepseek/deepseek-v4-flash"]
    assert [m.prices.input for m in loaded.spec.models[:3]] == [0.25, 0.195, 0.14]
    assert loaded.spec.models[3].endpoint.kind == "openai-compatible"
    assert [p.name for p in loaded.projects] == ["todo", "reddit", "shopping", "erp"]
    assert loaded.spec.budgets.round_usd == 400


def test_every_problem_is_reported_with_path_and_value() -> None:
    data = {
        "round": "2026-12",
        "models": [_model(), _model(id="c/d", prices={"input": 1, "output": 1}), _model(id="e/f", prices={"input": -1, "output": 1})],
        "projects": ["todo", "no-such-project"],
        "retry": {"validation": 3, "typo": 1},
    }
    problems = _problems(data)
    assert "models[2].prices.input: must be ≥ 0, got -1" in problems
    assert "retry.typo: unknown key, got 1" in problems
    assert any(p.startswith("projects[1]: project 'no-such-project' is neither a catalog project") for p in problems)
    assert len(problems) == 3


def test_missing_fields_and_wrong_kinds() -> None:
    problems = _problems({"round": "x", "models": [{"id": "a", "endpoint": {"kind": "ftp"}}], "projects": ["todo"]})
    assert "models[0].prices: required" in problems
    assert any(p.startswith("models[0].endpoint.kind: ") and "'ftp'" in p for p in problems)


def test_openai_compatible_needs_a_base_url() -> None:
    problems = _problems({"round": "x", "models": [_model(endpoint={"kind": "openai-compatible"})], "projects": ["todo"]})
    assert problems == ["models[0].endpoint: base_url is required for an openai-compatible endpoint, got {'kind': 'openai-compatible'}"]


@pytest.mark.parametrize("bad_id", ["../etc", "a/../b", "a//b", "a/", "/abs"])
def test_model_ids_cannot_escape_the_store(bad_id: str) -> None:
    problems = _problems({"round": "x", "models": [_model(id=bad_id)], "projects": ["todo"]})
    assert problems and problems[0].startswith("models[0].id: ")


def test_duplicate_models_and_out_of_order_phases() -> None:
    problems = _problems({"round": "x", "models": [_model(), _model()], "projects": ["todo"], "phases": ["database"]})
    assert any("model id 'a/b' appears twice" in p for p in problems)
    assert any(p.startswith("phases: must be a prefix of") for p in problems)


def test_yaml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "r.yaml"
    path.write_text("round: x\nmodels: [\n  - id: a\n")
    with pytest.raises(RoundFileError) as info:
        load_round(path)
    assert info.value.problems[0].startswith("line ")
    assert "not valid YAML" in info.value.problems[0]


def test_user_project_file_relative_to_round_file(tmp_path: Path) -> None:
    (tmp_path / "my-app.md").write_text("# My app\nA tiny backend with users and notes.\n")
    path = tmp_path / "r.yaml"
    path.write_text("round: x\nmodels:\n  - {id: a/b, endpoint: {kind: openrouter}, prices: {input: 1, output: 2}}\nprojects: [todo, my-app.md]\n")
    loaded = load_round(path)
    assert [p.name for p in loaded.projects] == ["todo", "my-app"]
    assert "tiny backend" in loaded.projects[1].text
