"""The Database phase's answers: `database/groups` and one `database/schema-<namespace>` per area.

Shapes are those of workers.phases.database.ast (Groups, DatabaseSchema), written as plain data the
way farm/sim/scripts/answers/todo/database.yaml writes them.
"""

from __future__ import annotations

from typing import Any

from farm.sim.bookgen.domain import Area, Domain, Entity
from workers.phases.database.ast import DatabaseApplication, Model, NamespaceSchema

_SEARCHED = frozenset({"title", "name"})  # label columns searched by substring (GIN trigram index)


def database_answers(domain: Domain) -> dict[str, dict[str, Any]]:
    """Book entries of the Database phase, by `database/<op id>`."""
    answers: dict[str, dict[str, Any]] = {"database/groups": {"namespaces": [
        {"name": area.namespace, "description": _description(domain, area), "tables": list(area.tables)}
        for area in domain.areas
    ]}}
    for area in domain.areas:
        answers[f"database/schema-{area.namespace}"] = {"models": [model(e) for e in domain.area_entities(area)]}
    return answers


def application(domain: Domain) -> DatabaseApplication:
    """The AST the Database phase merges from these answers, for planning the phases after Interface."""
    return DatabaseApplication(namespaces=[
        NamespaceSchema(name=area.namespace, description=_description(domain, area),
                        models=[Model.model_validate(model(e)) for e in domain.area_entities(area)])
        for area in domain.areas
    ])


def _description(domain: Domain, area: Area) -> str:
    return f"{area.title} of the {domain.title.lower()}."


def model(entity: Entity) -> dict[str, Any]:
    """One table as a `Model` of the Database AST."""
    return {
        "name": entity.table,
        "description": entity.description,
        "stance": entity.stance,
        "primary": {"description": f"Primary key of the {entity.spoken}."},
        "foreign_fields": [
            {"name": ref.column, "description": ref.description,
             "relation": {"name": ref.relation, "target": ref.target, "opposite_name": ref.opposite},
             "unique": False, "nullable": ref.nullable}
            for ref in entity.references
        ],
        "plain_fields": [
            {"name": c.name, "description": c.description, "type": c.type, "nullable": c.nullable} for c in entity.columns
        ],
        **_indexes(entity),
    }


def _indexes(entity: Entity) -> dict[str, list[dict[str, Any]]]:
    """What lists and lookups need: unique logins, tokens and codes, owner-then-time scans, label search.

    A history is never unique: each snapshot repeats its row's values (its code among them), so a
    second snapshot of one row would be refused (409) by any unique index of its own.
    """
    names = {c.name for c in entity.columns}
    first_fk = entity.references[0].column if entity.references else None
    unique = []
    if entity.stance != "snapshot":
        unique = [{"fields": [name]} for name in ("email", "refresh_token_hash") if name in names]
        if "code" in names:
            unique.append({"fields": [first_fk, "code"] if first_fk else ["code"]})
    plain = [{"fields": [first_fk, "created_at"] if first_fk else ["created_at"]}]
    gin = [{"field": c.name} for c in entity.columns if c.name in _SEARCHED and entity.stance != "snapshot"]
    return {"unique_indexes": unique, "plain_indexes": plain, "gin_indexes": gin}
