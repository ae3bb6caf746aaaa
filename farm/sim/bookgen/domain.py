"""A synthetic domain from a spec: actors, areas (namespaces) and entities (tables) with their relations.

Every later phase's answers are renderings of this one model, which is what keeps a generated book
consistent: a foreign key, an endpoint's tables, a DTO's mirrored column all name the same entity.
Main entities come from the project's nouns; when a size needs more tables, owned records
(`<noun>_note`, ...) and edit histories (`<noun>_snapshot`) are derived from them.
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import dataclass
from typing import Literal, NamedTuple

from farm.sim.bookgen.spec import Spec
from farm.sim.bookgen.vocabulary import (
    PROJECTS,
    SNAPSHOT_SUFFIX,
    SUBSIDIARY_SUFFIXES,
    ActorWords,
    ProjectWords,
    plural,
)
from workers.phases.database.ast import (
    MAX_NAMESPACES,
    MAX_TABLES_PER_NAMESPACE,
    PRIMARY_KEY,
    PlainType,
    Stance,
)
from workers.phases.naming import to_camel, to_pascal

ACTORS_NAMESPACE = "actors"
PRIMARY_SHARE = 0.7  # of the non-account tables, the share that are main entities rather than derived
PUBLIC_SHARE = 0.3  # main entities whose reads need no login
MAX_REFERENCES = 2  # foreign keys from a main entity to earlier main entities

# (name, type, nullable, description with `{noun}`): plain columns a main entity may carry.
_COLUMN_POOL: tuple[tuple[str, PlainType, bool, str], ...] = (
    ("summary", "string", True, "Optional longer text about the {noun}."),
    ("status", "string", False, "Lifecycle status of the {noun}, one of a fixed set of values."),
    ("code", "string", False, "Short code of the {noun}, unique per owner."),
    ("amount", "double", False, "Amount of the {noun} in the currency's main unit."),
    ("quantity", "int", False, "Number of units the {noun} counts."),
    ("position", "int", False, "Place of the {noun} among its siblings, from 0."),
    ("enabled", "boolean", False, "Whether the {noun} is in effect."),
    ("link_url", "uri", True, "External page about the {noun}, if any."),
    ("starts_at", "datetime", True, "When the {noun} takes effect, if scheduled."),
    ("ends_at", "datetime", True, "When the {noun} stops, if it does."),
    ("score", "int", False, "Score of the {noun}, computed from votes."),
    ("external_uuid", "uuid", True, "Identifier of the {noun} in an external system."),
)
_LABELS = ("title", "name")
# What a foreign key is to its row: the account owning it (known from the login), the row it hangs
# off (known from the path), or any other row it refers to (sent in the request).
Role = Literal["owner", "parent", "reference"]


@dataclass(frozen=True)
class Column:
    name: str
    type: PlainType
    nullable: bool
    description: str


@dataclass(frozen=True)
class Reference:
    """A foreign key and the navigation it opens both ways (`relation` here, `opposite` on the target)."""

    column: str
    target: str
    relation: str
    opposite: str
    nullable: bool
    description: str
    role: Role


@dataclass(frozen=True)
class Entity:
    table: str
    noun: str  # singular snake_case without the project prefix, e.g. `order_item`
    stance: Stance
    namespace: str
    description: str
    columns: tuple[Column, ...]
    references: tuple[Reference, ...]
    owner: str  # the actor whose routes manage it
    parent: str | None  # the owning row's table (derived entities and sessions)
    public: bool  # reads need no login
    segment: str  # its path segment: kebab plural, relative to the parent's item path when nested

    @property
    def keys(self) -> tuple[Column, ...]:
        """The primary key and the foreign keys, as the uuid columns they are."""
        return (Column(PRIMARY_KEY, "uuid", False, f"Primary key of the {self.spoken}."),
                *(Column(ref.column, "uuid", ref.nullable, ref.description) for ref in self.references))

    def column(self, name: str) -> Column:
        """A column of the table by name, keys included."""
        return next(c for c in (*self.keys, *self.columns) if c.name == name)

    @property
    def label(self) -> Column | None:
        """The string column lists show and search, if any."""
        return next((c for c in self.columns if c.name in _LABELS), None)

    @property
    def spoken(self) -> str:
        """The noun in prose: `order item`."""
        return _spoken(self.noun)

    @property
    def singular(self) -> str:
        """The table name for one row: `shopping_order_item` for `shopping_order_items`."""
        return self.table.removesuffix(plural(self.noun)) + self.noun

    @property
    def dto(self) -> str:
        """DTO base name, as todo's `ITodoItem` for `todo_items`."""
        return "I" + to_pascal(self.singular)

    @property
    def parameter(self) -> str:
        """Path parameter naming one row, e.g. `orderItemId`."""
        return to_camel(self.noun) + "Id"


@dataclass(frozen=True)
class Area:
    namespace: str
    title: str
    tables: tuple[str, ...]


@dataclass(frozen=True)
class Domain:
    project: str
    title: str
    actors: tuple[ActorWords, ...]  # the guest, then the actors with accounts
    areas: tuple[Area, ...]  # namespaces in plan order; the accounts area first
    entities: dict[str, Entity]  # by table, in namespace order

    def area_entities(self, area: Area) -> list[Entity]:
        return [self.entities[table] for table in area.tables]


class _Link(NamedTuple):
    """A foreign key before its reverse relation is named."""

    column: str
    target: str
    relation: str
    nullable: bool
    description: str
    role: Role


@dataclass
class _Draft:
    """An entity before opposite names are known (they depend on every reference to its table)."""

    table: str
    noun: str
    stance: Stance
    namespace: str
    description: str
    columns: list[Column]
    links: list[_Link]
    owner: str
    parent: str | None
    public: bool
    segment: str


def build_domain(spec: Spec) -> Domain:
    """The domain of `spec`; raises ValueError when the size cannot be met with the project's words."""
    words = PROJECTS.get(spec.project)
    if words is None:
        raise ValueError(f"no vocabulary for project {spec.project!r} (known: {', '.join(PROJECTS)})")
    size = spec.size
    members = [a for a in words.actors if a.kind != "guest"][: size.actors]
    if len(members) < size.actors or size.actors < 1:
        raise ValueError(f"project {spec.project!r} has {len(members)} non-guest actors; asked for {size.actors}")
    rest = size.tables - 2 * len(members)
    if rest < 1:
        raise ValueError(f"{size.tables} tables leave none beside the {2 * len(members)} account tables")
    actors = [a for a in words.actors if a.kind == "guest"] + members
    drafts = _account_drafts(words, members) + _entity_drafts(spec, words, members, rest)
    return _assemble(spec, words, actors, drafts)


def _table(words: ProjectWords, rest: str) -> str:
    return f"{words.prefix}_{rest}"


def _fk(words: ProjectWords, noun: str) -> str:
    return _table(words, f"{noun}_id")


def _account_drafts(words: ProjectWords, members: list[ActorWords]) -> list[_Draft]:
    drafts = []
    for actor in members:
        table, session = _table(words, plural(actor.name)), _table(words, f"{actor.name}_sessions")
        drafts.append(_Draft(
            table=table, noun=actor.name, stance="actor", namespace=ACTORS_NAMESPACE,
            description=f"An account of a {actor.name}. {actor.description}", columns=[
                Column("email", "string", False, f"Login email address of the {actor.name}, unique."),
                Column("password_hash", "string", False, "Hash of the password; the password itself is never stored."),
                Column("name", "string", False, f"Name shown for the {actor.name}."),
                *_timestamps(actor.name, updated=True, deleted=True),
            ], links=[], owner=actor.name, parent=None, public=False, segment=plural(actor.name).replace("_", "-"),
        ))
        drafts.append(_Draft(
            table=session, noun=f"{actor.name}_session", stance="session", namespace=ACTORS_NAMESPACE,
            description=f"A login session of a {actor.name}; its refresh token is valid until it expires or is revoked.",
            columns=[
                Column("refresh_token_hash", "string", False, "Hash of the refresh token issued with this session."),
                Column("ip", "string", False, "IP address the session was opened from."),
                Column("user_agent", "string", True, "User agent of the client, when it sent one."),
                Column("created_at", "datetime", False, "When the session was opened."),
                Column("expired_at", "datetime", False, "When the refresh token stops being accepted."),
                Column("revoked_at", "datetime", True, "When the session was ended early; null while usable."),
            ],
            links=[_Link(_fk(words, actor.name), table, to_camel(actor.name), False, f"The {actor.name} who logged in.",
                         "parent")],
            owner=actor.name, parent=table, public=False, segment="sessions",
        ))
    return drafts


def _timestamps(noun: str, updated: bool, deleted: bool) -> list[Column]:
    found = [Column("created_at", "datetime", False, f"When the {_spoken(noun)} was created.")]
    if updated:
        found.append(Column("updated_at", "datetime", False, f"When the {_spoken(noun)} last changed."))
    if deleted:
        found.append(Column("deleted_at", "datetime", True,
                            f"When the {_spoken(noun)} was deleted; null while it exists."))
    return found


def _spoken(noun: str) -> str:
    return noun.replace("_", " ")


def _entity_drafts(spec: Spec, words: ProjectWords, members: list[ActorWords], count: int) -> list[_Draft]:
    rng = spec.rng("entities")
    nouns = _pick_nouns(rng, words, round(count * PRIMARY_SHARE) or 1)
    owners, weights = [a.name for a in members], [3 if a.kind == "member" else 1 for a in members]
    primaries: list[_Draft] = []
    for area, noun in nouns:
        earlier = [d for d in primaries if rng.random() < 0.5][:MAX_REFERENCES]
        primaries.append(_primary(rng, words, area, noun, rng.choices(owners, weights)[0], earlier))
    derived = _derived(rng, words, primaries, count - len(primaries))
    by_area: dict[str, list[_Draft]] = defaultdict(list)
    for draft in primaries + derived:
        by_area[draft.namespace].append(draft)
    return [draft for area in words.areas for draft in by_area[area.name]]


def _pick_nouns(rng: random.Random, words: ProjectWords, count: int) -> list[tuple[str, str]]:
    """(area, noun) for `count` main entities, taken round-robin over the areas in a seeded order."""
    queues = [(area.name, [area.nouns[0], *rng.sample(area.nouns[1:], len(area.nouns) - 1)])
              for area in words.areas]
    rng.shuffle(queues)
    picked: list[tuple[str, str]] = []
    while len(picked) < count and any(nouns for _, nouns in queues):
        for area, nouns in queues:
            if nouns and len(picked) < count:
                picked.append((area, nouns.pop(0)))
    return picked


def _primary(rng: random.Random, words: ProjectWords, area: str, noun: str, owner: str,
             earlier: list[_Draft]) -> _Draft:
    pool = rng.sample(_COLUMN_POOL, rng.randint(2, 4))
    label = f"Short {_spoken(noun)} text shown in lists and searched."
    columns = [Column(rng.choice(_LABELS), "string", False, label)]
    columns += [Column(name, kind, nullable, text.format(noun=_spoken(noun))) for name, kind, nullable, text in pool]
    columns += _timestamps(noun, updated=True, deleted=rng.random() < 0.5)
    links = [_Link(_fk(words, owner), _table(words, plural(owner)), to_camel(owner), False,
                   f"The {owner} who owns the {_spoken(noun)}.", "owner")]
    links += [_Link(_fk(words, other.noun), other.table, to_camel(other.noun), rng.random() < 0.3,
                    f"The {_spoken(other.noun)} this {_spoken(noun)} belongs to or concerns.", "reference")
              for other in earlier]
    return _Draft(
        table=_table(words, plural(noun)), noun=noun, stance="primary", namespace=area,
        description=f"A {_spoken(noun)}, managed by its {owner}.", columns=columns, links=links, owner=owner,
        parent=None, public=rng.random() < PUBLIC_SHARE, segment=plural(noun).replace("_", "-"),
    )


def _derived(rng: random.Random, words: ProjectWords, primaries: list[_Draft], count: int) -> list[_Draft]:
    """`count` edit histories and owned records of main entities, about half each, in a seeded order."""
    snapshots = [(parent, SNAPSHOT_SUFFIX) for parent in rng.sample(primaries, len(primaries))]
    owned = [(parent, suffix) for suffix in SUBSIDIARY_SUFFIXES for parent in primaries]
    rng.shuffle(owned)
    taken = {draft.noun for draft in primaries}
    found: list[_Draft] = []
    while len(found) < count and (snapshots or owned):
        parent, suffix = (snapshots if snapshots and (rng.random() < 0.5 or not owned) else owned).pop(0)
        noun = f"{parent.noun}_{suffix}"
        if noun in taken:
            continue
        taken.add(noun)
        found.append(_snapshot(words, parent, noun) if suffix == SNAPSHOT_SUFFIX
                     else _subsidiary(rng, words, parent, noun, suffix))
    if len(found) < count:
        raise ValueError(f"cannot derive {count} more tables from {len(primaries)} main entities")
    return found


def _parent_link(words: ProjectWords, parent: _Draft, what: str) -> _Link:
    return _Link(_fk(words, parent.noun), parent.table, to_camel(parent.noun), False,
                 f"The {_spoken(parent.noun)} {what}.", "parent")


def _snapshot(words: ProjectWords, parent: _Draft, noun: str) -> _Draft:
    kept = [c for c in parent.columns if c.name not in ("created_at", "updated_at")]
    columns = [Column(c.name, c.type, c.nullable, f"{c.description.rstrip('.')}, as of the change.") for c in kept]
    columns.append(Column("created_at", "datetime", False, "When the change happened: when this snapshot was taken."))
    return _Draft(
        table=_table(words, plural(noun)), noun=noun, stance="snapshot", namespace=parent.namespace,
        description=f"The values a {_spoken(parent.noun)} had right after one change; newest first, its history.",
        columns=columns, links=[_parent_link(words, parent, "this snapshot belongs to")], owner=parent.owner,
        parent=parent.table, public=parent.public, segment="snapshots",
    )


def _subsidiary(rng: random.Random, words: ProjectWords, parent: _Draft, noun: str, suffix: str) -> _Draft:
    pool = rng.sample(_COLUMN_POOL, rng.randint(1, 2))
    columns = [Column("title", "string", False, f"Short text of the {_spoken(suffix)}.")]
    columns += [Column(name, kind, nullable, text.format(noun=_spoken(noun))) for name, kind, nullable, text in pool]
    columns += _timestamps(noun, updated=True, deleted=False)
    return _Draft(
        table=_table(words, plural(noun)), noun=noun, stance="subsidiary", namespace=parent.namespace,
        description=f"A {_spoken(suffix)} attached to a {_spoken(parent.noun)}, deleted with it.",
        columns=columns, links=[_parent_link(words, parent, f"this {_spoken(suffix)} is attached to")],
        owner=parent.owner, parent=parent.table, public=parent.public, segment=plural(suffix).replace("_", "-"),
    )


def _assemble(spec: Spec, words: ProjectWords, actors: list[ActorWords], drafts: list[_Draft]) -> Domain:
    """Freeze the drafts, naming each reverse relation uniquely on its target."""
    taken: dict[str, set[str]] = {
        d.table: {"id", *(c.name for c in d.columns), *(k.column for k in d.links), *(k.relation for k in d.links)}
        for d in drafts
    }
    entities: dict[str, Entity] = {}
    for draft in drafts:
        references = tuple(
            Reference(link.column, link.target, link.relation, _unique(to_camel(plural(draft.noun)), taken[link.target]),
                      link.nullable, link.description, link.role)
            for link in draft.links
        )
        entities[draft.table] = Entity(
            table=draft.table, noun=draft.noun, stance=draft.stance, namespace=draft.namespace,
            description=draft.description, columns=tuple(draft.columns), references=references,
            owner=draft.owner, parent=draft.parent, public=draft.public, segment=draft.segment,
        )
    titles = {area.name: area.title for area in words.areas} | {ACTORS_NAMESPACE: "Accounts and sessions"}
    order = [ACTORS_NAMESPACE, *(area.name for area in words.areas)]
    areas = tuple(Area(name, titles[name], tuple(d.table for d in drafts if d.namespace == name))
                  for name in order if any(d.namespace == name for d in drafts))
    if len(areas) > MAX_NAMESPACES or any(len(area.tables) > MAX_TABLES_PER_NAMESPACE for area in areas):
        raise ValueError(f"{spec.size.tables} tables exceed the database phase's limits per namespace")
    return Domain(project=spec.project, title=words.title, actors=tuple(actors), areas=areas,
                  entities={table: entities[table] for area in areas for table in area.tables})


def _unique(name: str, taken: set[str]) -> str:
    """`name`, or `name2`, `name3`, ... : the first not in `taken`, which it joins."""
    candidate, number = name, 1
    while candidate in taken:
        number += 1
        candidate = f"{name}{number}"
    taken.add(candidate)
    return candidate
