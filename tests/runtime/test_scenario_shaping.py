"""Requirement-worded bodies fit the operation's schema; responses are read whatever their envelope."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runtime.scenarios import reading
from runtime.scenarios.naming import Vocabulary
from runtime.scenarios.openapi_doc import operations
from runtime.scenarios.shaping import Shaper
from runtime.scenarios.suite import load_suite
from runtime.scenarios.templates import MissingVariable, render

CLEAN_TODO = json.loads((Path(__file__).parent / "fixtures" / "todo_clean_openapi.json").read_text())


def _operation(label: str):  # noqa: ANN202 - a test-local lookup
    return next(op for op in operations(CLEAN_TODO) if op.label == label)


@pytest.fixture
def shaper() -> Shaper:
    return Shaper(CLEAN_TODO, Vocabulary(load_suite("todo").aliases))


def test_requirement_words_become_the_schemas_names_and_values(shaper: Shaper) -> None:
    create = _operation("POST /todos")
    shaped = shaper.body({"title": "T", "description": "D", "priority": "high", "due_date": "2031-01-01T00:00:00Z",
                          "tags": ["home"]}, create.request_schema(), fill=True)
    assert shaped.value == {"title": "T", "body": "D", "priority": 5, "due_at": "2031-01-01T00:00:00Z"}
    assert any("'tags'" in note and "dropped" in note for note in shaped.notes)
    assert shaped.coerced[("priority", "'high'")] == 5


def test_status_words_become_booleans_and_required_properties_are_filled(shaper: Shaper) -> None:
    update = shaper.body({"status": "done"}, _operation("PUT /todos/{todoItemId}").request_schema(), fill=True)
    assert update.value == {"completed": True}
    join = shaper.body({"display_name": "Ann"}, _operation("POST /auth/member/join").request_schema(), fill=True)
    assert join.value["nickname"] == "Ann" and "@" in join.value["email"] and len(join.value["password"]) >= 8
    bare = shaper.body({"display_name": "Ann"}, _operation("POST /auth/member/join").request_schema(), fill=False)
    assert bare.value == {"nickname": "Ann"}


def test_query_words_match_parameters_and_enumerations(shaper: Shaper) -> None:
    listing = _operation("GET /todos")
    shaped = shaper.query({"status": "open", "sort": "due_date", "direction": "asc", "page_size": 5, "tag": "x"},
                          listing.query_parameters())
    assert shaped.value == {"completed": "false", "sort": "due_at", "direction": "asc", "limit": "5"}
    assert any("'tag'" in note for note in shaped.notes)


def test_votes_map_onto_signed_integers() -> None:
    doc = {"components": {}}
    shaper = Shaper(doc, Vocabulary({}))
    vote = {"type": "object", "properties": {"value": {"type": "integer", "minimum": -1, "maximum": 1}}}
    assert shaper.body({"value": "up"}, vote, fill=False).value == {"value": 1}
    assert shaper.body({"value": "down"}, vote, fill=False).value == {"value": -1}


@pytest.mark.parametrize("body", [
    {"token": {"access": "A", "refresh": "R", "expired_at": "x"}},
    {"accessToken": "A", "refreshToken": "R", "tokenType": "Bearer", "expiresIn": 3600},
    {"data": {"access_token": "A", "refresh_token": "R"}},
    {"member": {"id": 1}, "token": "A", "refresh": "R"},
])
def test_tokens_are_found_by_name_in_any_layout(body: dict) -> None:
    assert reading.token(body, "access") == "A"
    assert reading.token(body, "refresh") == "R"


def test_lists_totals_and_ids_in_any_envelope() -> None:
    vocabulary = Vocabulary({"display_name": ["nickname"]})
    page = {"pagination": {"current": 1, "limit": 2, "records": 7, "pages": 4}, "data": [{"id": "a"}, {"id": "b"}]}
    assert reading.ids(page) == ["a", "b"] and reading.total(page) == 7
    assert reading.ids({"items": [{"id": 3}], "total": 1}) == [3] and reading.total({"items": [], "total": 0}) == 0
    assert reading.ids([{"id": "x"}]) == ["x"]
    assert reading.item_id({"member": {"id": "m"}, "token": {"access": "t"}}) == "m"
    assert reading.find({"data": {"nickname": "Ann"}}, "display_name", vocabulary) == "Ann"
    assert reading.find({"items": [{"quantity": 2}]}, "items.0.quantity", vocabulary) == 2


def test_templates_keep_types_generate_fresh_values_and_report_missing_variables() -> None:
    variables = {"todo.id": 42, "alice": {"email": "a@x.io"}}
    assert render("{{todo.id}}", variables) == 42
    assert render("id={{todo.id}}", variables) == "id=42"
    assert render("{{alice.email|upper}}", variables) == "A@X.IO"
    assert render("{{bob.id|or:todo.id}}", variables) == 42
    assert render("{{bob.id|default:me}}", variables) == "me"
    assert render("{{$email}}", {}) != render("{{$email}}", {})
    assert len(render("{{$text:201}}", {})) == 201
    assert render("{{$days:-1}}", {}).endswith("Z")
    with pytest.raises(MissingVariable):
        render("{{bob.token}}", variables)
