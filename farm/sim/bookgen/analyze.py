"""The Analyze phase's answers: `analyze/plan` and one `analyze/write-<document>` per planned document.

One overview plus one document per area, each describing the area's entities (their columns and
relations) and stating one EARS requirement per designed operation, so the analysis says what the
later phases build. Sections always exceed the phase's minimum document size.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from farm.sim.bookgen.api import ApiRoute
from farm.sim.bookgen.domain import Area, Domain, Entity
from workers.phases.analyze.ast import AnalyzePlan
from workers.phases.analyze.phase import document_op_id

OVERVIEW = "service-overview.md"
# The plan's own limit on documents, read off its AST so the two cannot drift apart.
MAX_DOCUMENTS: int = next(m.max_length for m in AnalyzePlan.model_fields["documents"].metadata
                          if hasattr(m, "max_length"))


def analyze_answers(domain: Domain, routes: Sequence[ApiRoute]) -> dict[str, dict[str, Any]]:
    """Book entries of the Analyze phase, by `analyze/<op id>`."""
    if len(domain.areas) + 1 > MAX_DOCUMENTS:
        raise ValueError(f"{len(domain.areas)} areas need more than the {MAX_DOCUMENTS} documents a plan may hold")
    documents = [{"filename": OVERVIEW, "reason": "Frames the product, its actors and the rules across every area.",
                  "outline": ["Purpose and scope", "Actors and permissions", "Areas"]}]
    documents += [{"filename": _filename(area), "reason": f"What the system keeps and does for {area.title.lower()}.",
                   "outline": ["Scope", *(_heading(e) for e in domain.area_entities(area))]} for area in domain.areas]
    answers: dict[str, dict[str, Any]] = {"analyze/plan": {
        "actors": [{"name": a.name, "kind": a.kind, "description": a.description} for a in domain.actors],
        "documents": documents,
    }}
    answers[f"analyze/{document_op_id(OVERVIEW)}"] = _overview(domain)
    for area in domain.areas:
        answers[f"analyze/{document_op_id(_filename(area))}"] = _area_document(domain, area, routes)
    return answers


def _filename(area: Area) -> str:
    return area.namespace.replace("_", "-") + ".md"


def _heading(entity: Entity) -> str:
    return entity.spoken.capitalize()


def _overview(domain: Domain) -> dict[str, Any]:
    actors = "\n".join(f"| {a.name} | {a.kind} | {a.description} |" for a in domain.actors)
    areas = "\n".join(f"- **{area.title}**: {', '.join(e.spoken for e in domain.area_entities(area))}."
                      for area in domain.areas)
    return {
        "title": "Service overview",
        "summary": f"The backend of a {domain.title.lower()}: a REST API and the database behind it.",
        "sections": [
            {"heading": "Purpose and scope", "content": (
                f"The service is the backend of a {domain.title.lower()}. It exposes a REST API and owns the "
                "database; the front ends are built separately. Every record is identified by a UUID, every "
                "timestamp is stored and returned in UTC as ISO 8601, and every list is paginated with the total "
                "count of matching records.")},
            {"heading": "Actors and permissions", "content": f"| Actor | Kind | Role |\n|---|---|---|\n{actors}"},
            {"heading": "Areas", "content": f"The system is organised in these areas:\n\n{areas}"},
        ],
        "requirements": [
            "When any list is requested, the system shall return one page of results with the total count.",
            "When a request names a record of another owner, the system shall answer as for a missing record.",
            "When a request fails validation, the system shall name the field and the rule that failed.",
        ],
    }


def _area_document(domain: Domain, area: Area, routes: Sequence[ApiRoute]) -> dict[str, Any]:
    entities = domain.area_entities(area)
    own = [route for route in routes if route.entity.namespace == area.namespace]
    nouns = ", ".join(e.spoken for e in entities)
    sections = [{"heading": "Scope", "content": (
        f"This document covers {area.title.lower()}: {nouns}. For each it lists what the system keeps, how it "
        "relates to the rest of the data and who may read or change it. Records are never shared across owners "
        "unless stated, and every change is attributed to the acting account and time.")}]
    sections += [{"heading": _heading(e), "content": _entity_section(domain, e, own)} for e in entities]
    return {
        "title": area.title,
        "summary": f"What the system keeps and does for {area.title.lower()}: {nouns}.",
        "sections": sections,
        "requirements": [_requirement(route) for route in own],  # every area has routes: sessions never stand alone
    }


def _entity_section(domain: Domain, entity: Entity, routes: Sequence[ApiRoute]) -> str:
    lines = [entity.description, "", "It keeps:", ""]
    lines += [f"- `{c.name}` ({c.type}{', optional' if c.nullable else ''}): {c.description}" for c in entity.columns]
    for ref in entity.references:
        target = domain.entities[ref.target].spoken
        lines.append(f"- `{ref.column}`: {'optionally ' if ref.nullable else ''}refers to a {target}. {ref.description}")
    operations = [route.summary for route in routes if route.entity is entity]
    if operations:
        lines += ["", "Operations: " + " ".join(operations)]
    return "\n".join(lines)


def _requirement(route: ApiRoute) -> str:
    who = f"a {route.authorization}" if route.authorization else "anyone"
    action = route.summary.rstrip(".").lower()
    return f"When {who} asks to {action}, the system shall do so and answer with the result."
