"""Prompt templates of the Analyze phase (hashed into the manifest: changing them changes the round)."""

from __future__ import annotations

import json

from workers.phases.analyze.ast import AnalyzePlan, DocumentPlan

SYSTEM = (
    "You are the requirements analyst of a backend team. You turn a product brief into a software "
    "requirements specification for a NestJS + Prisma backend. You answer only by calling the function "
    "you are given, with arguments that match its schema exactly."
)


def plan_prompt(project: str, requirements: str) -> str:
    return (
        f"Project: {project}\n\nProduct brief:\n---\n{requirements.strip()}\n---\n\n"
        "Plan the analysis. Declare every actor (camelCase name; kind guest, member or admin) and the "
        "requirements documents to write (kebab-case .md file names, each with its reason and outline). "
        "Cover: overview and scope, each actor's journeys, business rules, data the system keeps, "
        "and non-functional requirements."
    )


def plan_json(plan: AnalyzePlan) -> str:
    """The plan as every write prompt quotes it (rendered once per phase, not once per document)."""
    return json.dumps(plan.model_dump(mode="json"), indent=1)


def write_prompt(project: str, requirements: str, plan_text: str, document: DocumentPlan) -> str:
    return (
        f"Project: {project}\n\nProduct brief:\n---\n{requirements.strip()}\n---\n\n"
        f"The analysis plan:\n{plan_text}\n\n"
        f"Write the document `{document.filename}` following its outline {document.outline}. Each section in "
        "markdown, concrete and specific to this product; then its requirements in EARS form "
        '("When <trigger>, the system shall <response>.", "The system shall …", "If <condition>, then the system shall …").'
    )
