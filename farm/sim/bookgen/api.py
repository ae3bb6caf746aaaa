"""The API design of a domain: which routes exist, sized to the spec's operation count.

Every entity gets its first action (a list, or an account's join/login/refresh); the remaining
budget adds the other actions round by round over the entities in a seeded order, so a size's
operations are met exactly and spread evenly. Paths, SDK names and provider names follow
workers.phases.interface.contract; nested records live under their parent's item path, as todo's
`/todos/{todoItemId}/snapshots`.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from farm.sim.bookgen.domain import Domain, Entity
from farm.sim.bookgen.spec import Spec
from farm.sim.bookgen.vocabulary import plural
from workers.phases.interface.ast import Method
from workers.phases.naming import words

# Actions by stance, most needed first; the first MANDATORY[stance] are always there.
ACTIONS: dict[str, tuple[str, ...]] = {
    "actor": ("join", "login", "refresh", "at", "update"),
    "session": (),
    "primary": ("index", "create", "at", "update", "erase"),
    "subsidiary": ("index", "create", "at", "update", "erase"),
    "snapshot": ("index", "at"),
}
MANDATORY = {"actor": 3, "session": 0, "primary": 1, "subsidiary": 1, "snapshot": 1}
_METHODS: dict[str, Method] = {
    "index": "get", "at": "get", "create": "post", "update": "put", "erase": "delete",
    "join": "post", "login": "post", "refresh": "post",
}
_WRITES = frozenset({"create", "update", "erase"})


@dataclass(frozen=True)
class ApiRoute:
    """One operation of the designed API, with everything the Interface answers say about it."""

    entity: Entity
    action: str  # also the SDK function name
    method: Method
    path: str
    parameters: tuple[Entity, ...]  # the entities whose ids the path carries, in order
    authorization: str | None
    tables: tuple[str, ...]
    query: str | None
    request_body: str | None
    response_body: str | None

    @property
    def summary(self) -> str:
        """One line: what the operation does (the OpenAPI summary, an analysis requirement's subject)."""
        noun, owner = self.entity.spoken, self.entity.owner
        if self.entity.stance == "actor":
            return {"join": f"Join as a new {owner}.", "login": f"Log in as a {owner}.",
                    "refresh": f"Renew the access token of a {owner}.", "at": f"Read my {owner} account.",
                    "update": f"Update my {owner} profile."}[self.action]
        return {"index": f"List {plural(noun)}.", "at": f"Read one {noun}.", "create": f"Create a {noun}.",
                "update": f"Update a {noun}.", "erase": f"Delete a {noun}."}[self.action]


def design_api(spec: Spec, domain: Domain) -> list[ApiRoute]:
    """The routes of `domain`, in namespace order, then entity order, then action order."""
    chosen = _choose_actions(spec, domain)
    return [_route(domain, entity, action) for entity in domain.entities.values()
            for action in ACTIONS[entity.stance] if action in chosen[entity.table]]


def _choose_actions(spec: Spec, domain: Domain) -> dict[str, set[str]]:
    entities = list(domain.entities.values())
    chosen = {e.table: set(ACTIONS[e.stance][: MANDATORY[e.stance]]) for e in entities}
    rng = spec.rng("api")
    optional = {e.table: _optional(rng, e) for e in entities}
    budget = spec.size.operations - sum(len(actions) for actions in chosen.values())
    capacity = sum(len(actions) for actions in optional.values())
    if not 0 <= budget <= capacity:
        floor = spec.size.operations - budget
        raise ValueError(f"{spec.size.operations} operations: {len(entities)} tables need {floor} to "
                         f"{floor + capacity}")
    order = rng.sample(entities, len(entities))
    depth = 0
    while budget:
        for entity in order:
            if budget and depth < len(optional[entity.table]):
                chosen[entity.table].add(optional[entity.table][depth])
                budget -= 1
        depth += 1
    return chosen


def _optional(rng: random.Random, entity: Entity) -> tuple[str, ...]:
    """The entity's other actions in the order the budget adds them: the first stays first (a record's
    create, which its tests need), the rest (read, change, delete one) in a seeded order."""
    rest = ACTIONS[entity.stance][MANDATORY[entity.stance]:]
    return rest[:1] + tuple(rng.sample(rest[1:], max(len(rest) - 1, 0)))


def _chain(domain: Domain, entity: Entity) -> list[Entity]:
    """The entity and its parents, outermost first."""
    found = [entity]
    while found[0].parent is not None:
        found.insert(0, domain.entities[found[0].parent])
    return found


def _collection_path(chain: Sequence[Entity]) -> str:
    parts = []
    for position, entity in enumerate(chain):
        parts.append(entity.segment)
        if position < len(chain) - 1:
            parts.append("{" + entity.parameter + "}")
    return "/" + "/".join(parts)


def _route(domain: Domain, entity: Entity, action: str) -> ApiRoute:
    if entity.stance == "actor":
        return _account_route(domain, entity, action)
    chain = _chain(domain, entity)
    item = action in ("at", "update", "erase")
    path = _collection_path(chain) + ("/{" + entity.parameter + "}" if item else "")
    dto = entity.dto
    # Nested lists are short and unfiltered; a history pages whole snapshots, as todo's does.
    listing = (f"{dto}.IRequest" if entity.stance == "primary" else None,
               None, f"IPage{dto}" if entity.stance == "snapshot" else f"IPage{dto}.ISummary")
    types = {"index": listing, "at": (None, None, dto),
             "create": (None, f"{dto}.ICreate", dto), "update": (None, f"{dto}.IUpdate", dto),
             "erase": (None, None, None)}[action]
    history = [e.table for e in _children(domain, entity) if e.stance == "snapshot"]
    tables = [e.table for e in reversed(chain)] + (history if action in _WRITES else [])
    public = entity.public and action not in _WRITES
    return ApiRoute(entity=entity, action=action, method=_METHODS[action], path=path,
                    parameters=tuple(chain if item else chain[:-1]), authorization=None if public else entity.owner,
                    tables=tuple(tables), query=types[0], request_body=types[1], response_body=types[2])


def _account_route(domain: Domain, entity: Entity, action: str) -> ApiRoute:
    """`/auth/<actor>/join|login|refresh` (public) and the account's own `/<actors>/me`."""
    dto = entity.dto
    if action in ("join", "login", "refresh"):
        body = {"join": "IJoin", "login": "ILogin", "refresh": "IRefresh"}[action]
        sessions = tuple(e.table for e in _children(domain, entity))
        path = f"/auth/{'-'.join(words(entity.owner))}/{action}"
        return ApiRoute(entity=entity, action=action, method="post", path=path, parameters=(), authorization=None,
                        tables=(entity.table, *sessions), query=None, request_body=f"{dto}.{body}",
                        response_body=f"{dto}.IAuthorized")
    return ApiRoute(entity=entity, action=action, method=_METHODS[action], path=f"/{entity.segment}/me", parameters=(),
                    authorization=entity.owner, tables=(entity.table,), query=None,
                    request_body=f"{dto}.IUpdate" if action == "update" else None, response_body=dto)


def _children(domain: Domain, entity: Entity) -> list[Entity]:
    return [e for e in domain.entities.values() if e.parent == entity.table]
