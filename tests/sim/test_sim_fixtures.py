"""Loading and validating scripted models and answer books, and the shipped todo answers."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from farm.sim.fixtures import Behaviour, FixtureError, ScriptedModel, load_fixtures
from workers.phases.analyze.ast import AnalysisDocument, AnalyzePlan
from workers.phases.analyze.phase import check_document, render_document

MakeModel = Callable[..., Path]  # the make_model fixture of conftest.py
EARS = re.compile(r"^When .+, the system shall .+\.$")


def test_shipped_models_differ_in_quality() -> None:
    fixtures = load_fixtures()
    assert {"sim/clean", "sim/learner", "sim/broken"} <= set(fixtures.models)
    clean, learner, broken = (fixtures.models[n] for n in ("sim/clean", "sim/learner", "sim/broken"))
    assert clean.behaviour("analyze/plan", 0).kind == "answer"
    assert [learner.behaviour("analyze/plan", i).label for i in range(5)] == [
        "invalid_json",
        "schema_invalid",
        "answer@duplicate-actor",
        "answer",
        "answer",
    ]
    assert [learner.behaviour("analyze/write-user-accounts", i).kind for i in range(3)] == [
        "prose",
        "broken_json",
        "broken_json",
    ]
    assert broken.behaviour("database/schema-todos", 7).kind == "schema_invalid"


def test_the_learner_damages_on_todo_exactly_the_operations_it_always_did() -> None:
    """Its rules glob (`database/schema-*`) but apply only where the book has their variant."""
    fixtures = load_fixtures()
    learner = fixtures.models["sim/learner"]
    operations = [key for key in fixtures.books["todo"] if "@" not in key]
    damaged = {op: label for op in operations if (label := fixtures.behaviour(learner, op, 0, "todo").label)
               .startswith("answer@")}  # fmt: skip
    assert damaged == {
        "database/schema-todos": "answer@dangling-fk",
        "interface/schemas-2": "answer@missing-dto",
        "test/test-auth-member-login": "answer@unknown-function",
        "realize/provider-get-todos": "answer@page-default",
    }
    assert fixtures.behaviour(learner, "database/schema-todos", 1, "todo").label == "answer"


def test_the_stubborn_model_damages_on_todo_the_provider_it_always_did_on_every_attempt() -> None:
    """Its `realize/provider-*` rule applies only where the book has `@date-not-string`."""
    fixtures = load_fixtures()
    stubborn = fixtures.models["sim/stubborn"]
    operations = [key for key in fixtures.books["todo"] if "@" not in key]
    damaged = {op: [fixtures.behaviour(stubborn, op, attempt, "todo").label for attempt in range(4)]
               for op in operations if fixtures.behaviour(stubborn, op, 0, "todo").label != "answer"}
    assert damaged == {"realize/provider-put-members-me": ["answer@date-not-string"] * 4}


def test_the_slow_model_answers_everything_right_after_a_long_latency() -> None:
    fixtures = load_fixtures()
    slow, clean = fixtures.models["sim/slow"], fixtures.models["sim/clean"]
    assert slow.latency_ms >= 1000 and slow.latency_ms >= 10 * clean.latency_ms
    assert slow.prices.output < clean.prices.output and "latency" in slow.description
    operations = [op for op in fixtures.books["todo"] if "@" not in op]
    assert {fixtures.behaviour(slow, op, 0, "todo").label for op in operations} == {"answer"}


class _Unscannable(dict):  # type: ignore[type-arg]
    """A book that may be looked up but not scanned."""

    def __iter__(self):  # type: ignore[no-untyped-def]
        raise AssertionError("the book was scanned")

    def keys(self):  # type: ignore[no-untyped-def]
        raise AssertionError("the book was scanned")

    def items(self):  # type: ignore[no-untyped-def]
        raise AssertionError("the book was scanned")


def test_choosing_a_behaviour_looks_variants_up_without_scanning_the_books(scripts_dir: Path) -> None:
    """Variants are indexed when the fixtures load: a call costs the same on a book of any size."""
    book = scripts_dir / "answers" / "todo"
    fixtures = load_fixtures(scripts_dir, project_books={"tiny": book})
    learner = fixtures.models["sim/learner"]
    operations = ("database/schema-todos", "realize/provider-get-todos", "analyze/plan", "realize/unknown-op")
    expected = {(project, op): [fixtures.behaviour(learner, op, attempt, project).label for attempt in range(2)]
                for project in ("todo", "tiny") for op in operations}
    fixtures.books["todo"] = _Unscannable(fixtures.books["todo"])
    fixtures.project_books["tiny"] = _Unscannable(fixtures.project_books["tiny"])
    for (project, op), labels in expected.items():
        assert [fixtures.behaviour(learner, op, attempt, project).label for attempt in range(2)] == labels
    assert fixtures.behaviour(learner, "database/schema-todos", 0, "tiny").label == "answer@dangling-fk"


def test_todo_book_holds_a_valid_full_analyze_phase() -> None:
    book = load_fixtures().books["todo"]
    plan = AnalyzePlan.model_validate(book["analyze/plan"])
    assert len(plan.actors) == 3 and {a.kind for a in plan.actors} == {"guest", "member", "admin"}
    assert 4 <= len(plan.documents) <= 5
    for document in plan.documents:
        written = AnalysisDocument.model_validate(book[f"analyze/write-{document.filename.removesuffix('.md')}"])
        assert [s.heading for s in written.sections] == document.outline
        assert sum(len(s.content) for s in written.sections) >= 1500, document.filename
        assert len(written.requirements) >= 5
        assert all(EARS.match(r) for r in written.requirements), written.requirements


def test_todo_book_variants_are_valid_asts_that_a_compiler_check_must_refuse() -> None:
    book = load_fixtures().books["todo"]
    duplicate = AnalyzePlan.model_validate(book["analyze/plan@duplicate-actor"])
    names = [a.name for a in duplicate.actors]
    assert len(names) != len(set(names))
    thin = AnalysisDocument.model_validate(book["analyze/write-user-accounts@thin"])
    assert sum(len(s.content) for s in thin.sections) < 100


def test_the_brief_document_is_thinner_but_passes_the_check() -> None:
    """sim/dice's `@brief` only costs documentation points: the analyze check takes it at once."""
    book = load_fixtures().books["todo"]
    full = AnalysisDocument.model_validate(book["analyze/write-listing-and-search"])
    brief = AnalysisDocument.model_validate(book["analyze/write-listing-and-search@brief"])
    assert check_document(brief) == [] and [s.heading for s in brief.sections] == [s.heading for s in full.sections]
    assert 3 * len(render_document(brief)) < len(render_document(full))


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("prose", Behaviour(kind="prose")),
        ({"answer": "duplicate-actor"}, Behaviour(kind="answer", variant="duplicate-actor")),
        ({"slow": 2.5}, Behaviour(kind="slow", delay=2.5)),
        ({"rate_limit": 3}, Behaviour(kind="rate_limit", retry_after=3.0)),
        ({"kind": "slow", "delay": 0.1}, Behaviour(kind="slow", delay=0.1)),
    ],
)
def test_behaviour_short_and_long_forms(written: object, expected: Behaviour) -> None:
    assert Behaviour.model_validate(written) == expected


@pytest.mark.parametrize(
    ("written", "message"),
    [("answr", "answer"), ({"prose": 1}, "takes no parameter"), ({"answer": "Bad Name"}, "pattern")],
)
def test_bad_behaviours_are_refused(written: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Behaviour.model_validate(written)


def test_script_globs_match_in_file_order_and_the_last_behaviour_repeats() -> None:
    model = ScriptedModel.model_validate(
        {
            "name": "t/m",
            "description": "d",
            "prices": {"input": 0, "cached": 0, "output": 0},
            "script": {"analyze/plan": ["prose"], "analyze/*": ["invalid_json", "answer"]},
        }
    )
    assert model.behaviour("analyze/plan", 3).kind == "prose"
    assert [model.behaviour("analyze/write-x", i).kind for i in range(3)] == ["invalid_json", "answer", "answer"]
    assert model.behaviour("database/groups", 0).kind == "answer"  # unscripted operations answer


def test_book_directory_merges_files(scripts_dir: Path, make_model: MakeModel) -> None:
    (scripts_dir / "answers" / "shop").mkdir()
    (scripts_dir / "answers" / "shop" / "analyze.yaml").write_text("analyze/plan: {actors: []}\n")
    (scripts_dir / "answers" / "shop" / "database.yaml").write_text("database/groups: {groups: []}\n")
    make_model("m", books=["shop", "todo"])
    fixtures = load_fixtures(scripts_dir)
    assert set(fixtures.books["shop"]) == {"analyze/plan", "database/groups"}
    model = fixtures.models["test/m"]
    assert fixtures.answer(model, "analyze/plan") == {"actors": []}  # first book wins
    accounts = fixtures.books["todo"]["analyze/write-user-accounts"]
    assert fixtures.answer(model, "analyze/write-user-accounts") == accounts
    assert fixtures.answer(model, "realize/nothing") is None


def _error(scripts_dir: Path) -> str:
    with pytest.raises(FixtureError) as info:
        load_fixtures(scripts_dir)
    return str(info.value)


def test_a_bad_behaviour_names_file_and_field(scripts_dir: Path, make_model: MakeModel) -> None:
    path = make_model("bad", script={"analyze/*": ["answer", "garbage"]})
    message = _error(scripts_dir)
    assert str(path) in message and "script.analyze/*.1" in message and "garbage" in message


def test_a_negative_price_names_file_and_field(scripts_dir: Path, make_model: MakeModel) -> None:
    path = make_model("bad", prices={"input": -1, "cached": 0, "output": 0})
    message = _error(scripts_dir)
    assert str(path) in message and "prices.input" in message


def test_an_unknown_book_is_refused(scripts_dir: Path, make_model: MakeModel) -> None:
    make_model("bad", books=["nope"])
    assert "books: unknown book 'nope'" in _error(scripts_dir)


def test_a_variant_missing_from_the_books_is_refused(scripts_dir: Path, make_model: MakeModel) -> None:
    make_model("bad", script={"analyze/plan": [{"answer": "thin"}]})  # thin exists, for write-user-accounts only
    assert "script.analyze/plan.0: no answer variant 'thin'" in _error(scripts_dir)


def test_duplicate_model_names_are_refused(scripts_dir: Path, make_model: MakeModel) -> None:
    make_model("zz-copy", name="sim/clean")
    message = _error(scripts_dir)
    assert "'sim/clean' is already defined" in message and "clean.yaml" in message


def test_a_bad_book_key_names_the_file_and_key(scripts_dir: Path) -> None:
    (scripts_dir / "answers" / "extra.yaml").write_text(yaml.safe_dump({"Analyze/Plan": {}}))
    message = _error(scripts_dir)
    assert "extra.yaml" in message and "Analyze/Plan" in message


def test_an_answer_in_two_files_of_a_book_is_refused(scripts_dir: Path) -> None:
    (scripts_dir / "answers" / "todo").mkdir(exist_ok=True)
    (scripts_dir / "answers" / "todo" / "more.yaml").write_text("analyze/plan: {actors: []}\n")
    message = _error(scripts_dir)
    assert "more.yaml" in message and "'analyze/plan'" in message and "already in" in message


def test_broken_yaml_names_the_file(scripts_dir: Path) -> None:
    (scripts_dir / "models" / "oops.yaml").write_text("name: [unclosed\n")
    message = _error(scripts_dir)
    assert "oops.yaml" in message and "cannot read YAML" in message
