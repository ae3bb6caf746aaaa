"""The Analyze phase's ASTs: the plan (actors, documents) and one written document."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Actor(_Strict):
    """Someone who uses the system."""

    name: str = Field(description="camelCase identifier, e.g. 'member'", pattern=r"^[a-z][a-zA-Z0-9]*$")
    kind: Literal["guest", "member", "admin"]
    description: str = Field(min_length=1)


class DocumentPlan(_Strict):
    """One requirements document to write."""

    filename: str = Field(description="kebab-case markdown file name", pattern=r"^[a-z0-9][a-z0-9-]{0,60}\.md$")
    reason: str = Field(min_length=1, description="why the project needs this document")
    outline: list[str] = Field(min_length=1, description="section headings, in order")


class AnalyzePlan(_Strict):
    """Arguments of `analyze_plan`: who uses the system and which documents describe it."""

    actors: list[Actor] = Field(min_length=1, max_length=20)
    documents: list[DocumentPlan] = Field(min_length=1, max_length=20)


class Section(_Strict):
    heading: str = Field(min_length=1)
    content: str = Field(min_length=1, description="markdown body of the section")


class AnalysisDocument(_Strict):
    """Arguments of `analyze_write_document`: one requirements document."""

    title: str = Field(min_length=1)
    summary: str = Field(min_length=1)
    sections: list[Section] = Field(min_length=1)
    requirements: list[str] = Field(
        min_length=1,
        description='EARS-style requirements, e.g. "When a member submits a todo, the system shall store it."',
    )
