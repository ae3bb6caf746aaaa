"""Prompts of the Database phase's operations (our own wording; the tool schema carries the field docs)."""

from __future__ import annotations

import json

from workers.phases.base import Diagnostic
from workers.phases.database.ast import DatabaseSchema, Groups, Namespace

_ROLE = (
    "You are the database designer of a NestJS + Prisma (PostgreSQL) backend. You never write Prisma "
    "text: you fill the tool's arguments and our compiler writes and validates the schema files."
)

GROUPS_SYSTEM = f"""{_ROLE}

Split the database into a few namespaces (one per domain area: accounts and sessions, the main
entities, their history, ...) and list every table each namespace owns.
- Names are snake_case. Table names are plural nouns prefixed by the project's domain, e.g.
  `todo_members`, `todo_items`; a table belongs to exactly one namespace.
- Plan every table the requirements need: actors who log in, their sessions, primary entities, the
  rows they own, and snapshot tables for edit history.
- Call the tool exactly once."""

SCHEMA_SYSTEM = f"""{_ROLE}

Write every model of one namespace.
- Define exactly the tables planned for this namespace; reference tables of other namespaces by name.
- Every model has a uuid primary key `id` (describe it in `primary`). References are foreign fields
  named `<something>_id` with a camelCase relation name and the camelCase `opposite_name` the
  target model will use for the reverse relation (unique on that target).
- Choose a stance: actor (logs in), session (a login of an actor), primary (a main entity),
  subsidiary (owned by another row), snapshot (an immutable history record).
- Plain field types: boolean, int, double, string, uri, uuid, datetime; mark optional ones nullable.
  Soft deletion is a nullable `deleted_at` datetime; creation and update times are `created_at`,
  `updated_at`.
- Indexes name columns of the same model. Use a GIN index for string columns searched by keyword.
- Describe every model and field: the descriptions become the schema documentation.
- Call the tool exactly once."""

CORRECT_SYSTEM = f"""{SCHEMA_SYSTEM}

This is a correction: the compiler rejected the namespace below. Return the whole namespace again,
changed only as far as needed to resolve every diagnostic."""


def groups_user(requirements: str, analysis: str) -> str:
    return f"# Requirements\n\n{requirements}\n\n# Analysis\n\n{analysis}\n\nPlan the namespaces and their tables."


def _plan(groups: Groups) -> str:
    return "\n".join(f"- `{ns.name}`: {', '.join(ns.tables)} — {ns.description}" for ns in groups.namespaces)


def schema_user(namespace: Namespace, groups: Groups, requirements: str, analysis: str) -> str:
    return (
        f"# Requirements\n\n{requirements}\n\n# Analysis\n\n{analysis}\n\n"
        f"# Namespace plan (all namespaces)\n\n{_plan(groups)}\n\n"
        f"Write the models of namespace `{namespace.name}`: {', '.join(namespace.tables)}."
    )


def correct_user(namespace: str, schema: DatabaseSchema, diagnostics: list[Diagnostic], groups: Groups) -> str:
    listed = "\n".join(
        f"- {d.file} [{d.location or '-'}] ({d.code}): {d.message}" for d in diagnostics
    )
    return (
        f"# Namespace plan (all namespaces)\n\n{_plan(groups)}\n\n"
        f"# Current models of namespace `{namespace}`\n\n```json\n{json.dumps(schema.model_dump(mode='json'), indent=1)}\n```\n\n"
        f"# Diagnostics\n\n{listed}\n\nReturn the corrected models of namespace `{namespace}`."
    )
