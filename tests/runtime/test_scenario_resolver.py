"""Endpoint contracts resolve against real layouts: our pipeline's openapi.json and AutoBe's style."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from runtime.scenarios.naming import Vocabulary, key, singular, words
from runtime.scenarios.resolver import NotFound, Resolved, resolve, resolve_all
from runtime.scenarios.suite import Contract, expand, load_suite
from tests.runtime.scenario_documents import AUTOBE_TODO, LAYOUTS, document

CLEAN_TODO = json.loads((Path(__file__).parent / "fixtures" / "todo_clean_openapi.json").read_text())


def _labels(found: dict[str, Resolved | NotFound]) -> dict[str, str]:
    return {name: r.operation.label if isinstance(r, Resolved) else "NOT FOUND" for name, r in found.items()}


def test_every_todo_endpoint_resolves_on_our_clean_openapi() -> None:
    assert _labels(resolve_all(load_suite("todo").endpoints, CLEAN_TODO)) == {
        "join": "POST /auth/member/join",
        "login": "POST /auth/member/login",
        "refresh": "POST /auth/member/refresh",
        "me.read": "GET /members/me",
        "me.update": "PUT /members/me",
        "me.delete": "DELETE /members/me",
        "todo.create": "POST /todos",
        "todo.list": "GET /todos",
        "todo.read": "GET /todos/{todoItemId}",
        "todo.update": "PUT /todos/{todoItemId}",
        "todo.delete": "DELETE /todos/{todoItemId}",
        "complete": "PUT /todos/{todoItemId}",  # no dedicated action: the update alternative
        "reopen": "PUT /todos/{todoItemId}",
        "history.list": "GET /todos/{todoItemId}/snapshots",
        "history.read": "GET /todos/{todoItemId}/snapshots/{snapshotId}",
        "trash.list": "GET /trash/todos",
        "restore": "POST /trash/todos/{todoItemId}/restore",
        "purge": "DELETE /trash/todos/{todoItemId}",
    }


def test_every_todo_scenario_finds_all_its_endpoints_on_our_clean_openapi() -> None:
    suite = load_suite("todo")
    found = resolve_all(suite.endpoints, CLEAN_TODO)
    for scenario in suite.scenarios:
        calls = {s.call for s in expand(scenario.steps, suite.fragments) if s.call}
        assert all(isinstance(found[c], Resolved) for c in calls), scenario.id


def test_autobe_layout_actor_segments_patch_lists_and_admin_routes() -> None:
    labels = _labels(resolve_all(load_suite("todo").endpoints, document(AUTOBE_TODO)))
    assert labels["join"] == "POST /auth/todoUser/join"  # not /auth/systemAdmin/join
    assert labels["todo.list"] == "PATCH /todoApp/todoUser/todos"  # search by PATCH, not the admin one
    assert labels["todo.read"] == "GET /todoApp/todoUser/todos/{todoId}"
    assert labels["history.list"] == "PATCH /todoApp/todoUser/todos/{todoId}/activities"
    assert labels["history.read"] == "GET /todoApp/todoUser/todos/{todoId}/activities/{activityId}"
    assert labels["restore"] == "PUT /todoApp/todoUser/todos/{todoId}/restore"
    assert labels["trash.list"] == labels["purge"] == "NOT FOUND"  # that layout has no trash


@pytest.mark.parametrize("project", sorted(LAYOUTS))
def test_every_endpoint_of_the_other_suites_resolves_on_a_plausible_layout(project: str) -> None:
    found = resolve_all(load_suite(project).endpoints, document(LAYOUTS[project]))
    missing = {name: r.message for name, r in found.items() if isinstance(r, NotFound)}
    assert missing == {}
    labels = _labels(found)
    if project == "reddit":
        assert labels["join"] == "POST /auth/member/join"  # not a community's /join
        assert labels["community.join"] == "POST /communities/{communityId}/join"
        assert labels["vote.post"] == "POST /posts/{postId}/votes"  # not the comment votes
    if project == "shopping":
        assert labels["product.search"] == "PATCH /products"  # not the seller's or admin's list
        assert labels["product.approve"] == "POST /admins/products/{productId}/approve"
    if project == "erp":
        assert labels["entry.list"] == "GET /time-entries"  # the tighter path wins


def test_not_found_names_what_was_sought_and_the_closest_operations() -> None:
    found = resolve("purge", load_suite("todo").endpoints["purge"], document(AUTOBE_TODO))
    assert isinstance(found, NotFound)
    assert "purge" in found.message and "within trash" in found.message
    assert found.closest[0] == "DELETE /todoApp/todoUser/todos/{todoId}"


def test_a_tie_is_reported_as_ambiguous_not_guessed() -> None:
    doc = document(["GET /todos", "GET /tasks"])
    found = resolve("list", [Contract(method="GET", resource=["todo", "task"], shape="collection")], doc)
    assert isinstance(found, NotFound) and "ambiguous" in found.reason
    assert "GET /todos" in found.reason and "GET /tasks" in found.reason


def test_hard_parts_filter_and_soft_parts_rank() -> None:
    doc = document(["GET /todos", "PATCH /todos", "GET /todos/{id}", "GET /archive/todos"])
    listing = Contract(method=["GET", "PATCH"], resource="todo", shape="collection", avoid="archive")
    assert resolve("list", [listing], doc).operation.label == "GET /todos"  # first method preferred
    item = Contract(method="GET", resource="todo", shape="item", params=1)
    assert resolve("read", [item], doc).operation.label == "GET /todos/{id}"
    within = Contract(method="GET", resource="todo", within="archive")
    assert resolve("archived", [within], doc).operation.label == "GET /archive/todos"


def test_request_and_response_property_hints_break_ties() -> None:
    doc = document(["POST /auth/member/login", "POST /auth/member/session"],
                   bodies={"POST /auth/member/login": {"type": "object", "properties": {"email": {"type": "string"}}}})
    contract = Contract(method="POST", verb=["login", "session"], sends=["email"])
    assert resolve("login", [contract], doc).operation.label == "POST /auth/member/login"


def test_words_and_vocabulary() -> None:
    assert words("editHistories") == ("edit", "history")
    assert words("todo-items") == words("todo_items") == words("TodoItems") == ("todo", "item")
    assert [singular(w) for w in ("addresses", "status", "categories")] == ["address", "status", "category"]
    assert key("display_name") == key("displayName") == "displayname"
    vocabulary = Vocabulary({"display_name": ["nickname", "name"]})
    assert vocabulary.match("display_name", ["id", "nickname"]) == "nickname"
    assert vocabulary.match("display_name", ["name", "displayName"]) == "displayName"  # exact form first
    assert vocabulary.match("nickname", ["display_name"]) == "display_name"  # groups are symmetric
    assert vocabulary.match("display_name", ["nickname"], taken=["nickname"]) is None
