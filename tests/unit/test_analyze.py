"""Analyze's own compiler checks and what it emits."""

from __future__ import annotations

from workers.phases.analyze.ast import AnalysisDocument, AnalyzePlan
from workers.phases.analyze.phase import check_document, check_plan, document_op_id, render_document, render_readme

PLAN = {
    "actors": [{"name": "member", "kind": "member", "description": "signed-in user"},
               {"name": "guest", "kind": "guest", "description": "visitor"}],
    "documents": [{"filename": "overview.md", "reason": "scope", "outline": ["Scope"]},
                  {"filename": "rules.md", "reason": "rules", "outline": ["Rules"]}],
}  # fmt: skip


def _doc(content: str = "x" * 500, requirements: list[str] | None = None) -> AnalysisDocument:
    return AnalysisDocument(
        title="Overview", summary="What it is.", sections=[{"heading": "Scope", "content": content}],
        requirements=requirements or ["When a member signs in, the system shall open a session."],
    )  # fmt: skip


def test_a_good_plan_passes() -> None:
    assert check_plan(AnalyzePlan.model_validate(PLAN)) == []


def test_duplicate_actors_and_documents_are_diagnosed() -> None:
    plan = AnalyzePlan.model_validate(
        {"actors": PLAN["actors"] + [PLAN["actors"][0]], "documents": PLAN["documents"] + [PLAN["documents"][1]]}
    )
    problems = check_plan(plan)
    assert [(p.location, p.message) for p in problems] == [
        ("actors[2].name", "actor 'member' is declared twice"),
        ("documents[2].filename", "document 'rules.md' is planned twice"),
    ]


def test_thin_documents_and_non_ears_requirements_are_diagnosed() -> None:
    problems = check_document(_doc(content="short", requirements=["Users can log in."]))
    assert problems[0].message == "the sections hold 5 characters; write at least 400"
    assert problems[1].location == "requirements[0]" and "not an EARS requirement" in problems[1].message
    assert check_document(_doc()) == []


def test_rendering() -> None:
    text = render_document(_doc())
    assert text.startswith("# Overview\n") and "## Scope" in text and "## Requirements" in text
    plan = AnalyzePlan.model_validate(PLAN)
    readme = render_readme("todo", plan, {"overview.md": _doc(), "rules.md": _doc()})
    assert "**member** (member)" in readme and "(docs/analysis/rules.md)" in readme
    assert document_op_id("user-accounts.md") == "write-user-accounts"
