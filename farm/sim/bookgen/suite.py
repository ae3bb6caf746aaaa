"""A Golden Set suite for a generated book: scenarios of its own API, in runtime.scenarios' format.

The catalog's suites test the API of the real requirement texts, which a generated design does not
have; this one is derived from the same spec the book is (`domain`, `api`), so it tests exactly the
generated API: every actor's join, login, refresh and account; the create -> read -> update ->
erase cycle of a seeded sample of entities, with the records each one needs made first; pages and
search of lists; refusals (no token, an unknown id, a body missing its required label, another
owner's record, a wrong password, a taken email); and records that hang off or refer to others.

Each scenario cites the line of the generated analysis (the book's Analyze answers, rendered as the
phase renders them) that asks for what it checks: the analysis is written beside the suite as
`<name>.analysis.md`, so a citation names a line a reader can open. Endpoints are contracts, never
paths, resolved like any suite's; bodies use the DTOs' own property names. Sized by `LIMITS` (tens
of scenarios whatever the preset) and deterministic for a given spec (`Spec.rng("golden:...")`).
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from farm.sim.bookgen.analyze import analyze_answers
from farm.sim.bookgen.api import ApiRoute, design_api
from farm.sim.bookgen.domain import Domain, Entity, build_domain
from farm.sim.bookgen.spec import Spec
from runtime.scenarios.suite import SUITE_SUFFIX, Suite
from workers.phases.analyze.ast import AnalysisDocument
from workers.phases.analyze.phase import document_op_id, render_document

ANALYSIS_SUFFIX = ".analysis.md"
# How many entities (or accounts) each kind of scenario samples, at most.
LIMITS = {"crud": 8, "query": 3, "unauthenticated": 3, "unknown": 3, "invalid": 3, "foreign": 3,
          "nested": 3, "reference": 3, "history": 2}
_PAGINATED = "When any list is requested, the system shall return one page of results with the total count."
_FOREIGN = "When a request names a record of another owner, the system shall answer as for a missing record."
_INVALID = "When a request fails validation, the system shall name the field and the rule that failed."
_IDENTIFIED = "Every record is identified by a UUID"
Data = dict[str, Any]


@dataclass(frozen=True)
class GoldenSuite:
    suite: Data  # what `<name>.scenarios.yaml` holds
    analysis: str  # the requirement text its scenarios cite, `<name>.analysis.md`

    def yaml(self) -> str:
        return yaml.dump(self.suite, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=120,
                         default_flow_style=None)


def golden_suite(spec: Spec, name: str, origin: str = "") -> GoldenSuite:
    """The suite of the book of `spec`, named `name` (the stem of the requirements file it ships beside)."""
    domain = build_domain(spec)
    routes = design_api(spec, domain)
    analysis = _analysis(domain, routes, origin)
    writer = _Writer(spec, domain, routes, analysis.splitlines())
    scenarios, fragments = writer.scenarios(), writer.fragments()  # first: they say which endpoints are used
    suite = {"suite": f"{name}-generated", "requirements": name + ANALYSIS_SUFFIX,
             "endpoints": writer.endpoints(), "fragments": fragments, "scenarios": scenarios}
    Suite.model_validate(suite)  # the loader's own checks: known endpoints and fragments, ids, cites
    return GoldenSuite(suite, analysis)


def write_golden_suite(spec: Spec, requirements: Path, origin: str = "") -> Path:
    """Write `<stem>.scenarios.yaml` and the `<stem>.analysis.md` it cites beside `requirements` (each
    whole or absent); the suite's path."""
    name = requirements.stem
    found = golden_suite(spec, name, origin)
    header = f"# Golden Set scenarios of a generated API, from farm.sim.bookgen ({origin or spec}); do not edit.\n"
    _write(requirements.with_name(name + ANALYSIS_SUFFIX), found.analysis)
    target = requirements.with_name(name + SUITE_SUFFIX)
    _write(target, header + found.yaml())
    return target


def _write(path: Path, text: str) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.write(text)
    os.replace(tmp, path)


def _analysis(domain: Domain, routes: list[ApiRoute], origin: str) -> str:
    """The book's analysis documents as the Analyze phase renders them, one after another."""
    answers = analyze_answers(domain, routes)
    documents = [AnalysisDocument.model_validate(answers[f"analyze/{document_op_id(plan['filename'])}"])
                 for plan in answers["analyze/plan"]["documents"]]
    head = f"<!-- The analysis of a generated book ({origin or domain.project}): what its API does. -->\n\n"
    return head + "\n".join(render_document(document) for document in documents)


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True


def _var(name: str) -> str:
    return "{{" + name + "}}"


def _slug(text: str) -> str:
    return text.replace("_", "-")


@dataclass
class _Steps:
    """One scenario's steps, and the accounts and records they have made so far."""

    writer: _Writer
    steps: list[Data] = field(default_factory=list)
    accounts: set[str] = field(default_factory=set)
    made: dict[str, str] = field(default_factory=dict)  # table -> variable of the last record made

    def account(self, actor: str, name: str | None = None) -> str:
        name = name or actor
        if name not in self.accounts:
            self.accounts.add(name)
            self.steps.append({"use": actor, "as": name})
        return name

    def make(self, entity: Entity, var: str | None = None, body: Data | None = None,
             expect: Data | None = None) -> str:
        """Create a record of `entity` (its parent and required references first), saved as `var`."""
        w = self.writer
        var = var or entity.noun
        params = []
        if entity.parent is not None:
            parent = w.domain.entities[entity.parent]
            params = [_var(f"{self.made.get(parent.table) or self.make(parent)}.id")]
        sent: Data = {}
        for ref in entity.references:
            if ref.role == "reference" and not ref.nullable:
                target = w.domain.entities[ref.target]
                sent[ref.column] = _var(f"{self.made.get(ref.target) or self.make(target)}.id")
        sent |= body if body is not None else {w.label(entity): f"{entity.spoken.capitalize()} {_var('$unique')}"}
        auth = self.account(entity.owner)
        self.steps.append(w.call(entity, "create", auth=auth, params=params, body=sent,
                                 expect=expect or {"status": "2xx", "has": "id"}, save={f"{var}.id": "$id"}))
        self.made[entity.table] = var
        return var

    def params(self, entity: Entity, var: str, item: bool = True) -> list[str]:
        """Path parameters of `var` (a record of `entity`) or of its collection: its parent's id first."""
        found = []
        if entity.parent is not None:
            found.append(_var(f"{self.made[entity.parent]}.id"))
        return [*found, _var(f"{var}.id")] if item else found


class _Writer:
    def __init__(self, spec: Spec, domain: Domain, routes: list[ApiRoute], lines: list[str]) -> None:
        self.spec, self.domain, self.lines = spec, domain, lines
        self.routes = {(r.entity.table, r.action): r for r in routes}
        self.project = domain.project
        self.used: set[tuple[str, str]] = set()

    # ---- what the suite refers to
    def route(self, entity: Entity, action: str) -> ApiRoute | None:
        return self.routes.get((entity.table, action))

    def has(self, entity: Entity, *actions: str) -> bool:
        return all(self.route(entity, action) is not None for action in actions)

    def guarded(self, entity: Entity, action: str) -> bool:
        """Whether the entity has the action and it wants a login (its owner's)."""
        route = self.route(entity, action)
        return route is not None and route.authorization is not None

    def label(self, entity: Entity) -> str:
        assert entity.label is not None, entity.table
        return entity.label.name

    def endpoint(self, entity: Entity, action: str) -> str:
        self.used.add((entity.table, action))
        return f"{entity.noun}.{action}"

    def call(self, entity: Entity, action: str, *, auth: str | None = None, params: list[str] | None = None,
             body: Data | None = None, query: Data | None = None, expect: Data | None = None,
             save: Data | None = None, fill: bool = True, anonymous: bool = False) -> Data:
        """A step calling `action` of `entity`: with `auth` when the route wants a login (never when
        `anonymous`), and the step's other parts when given."""
        route = self.route(entity, action)
        assert route is not None, (entity.table, action)
        step: Data = {"call": self.endpoint(entity, action)}
        if route.authorization is not None and not anonymous:
            assert auth is not None, (entity.table, action)
            step["auth"] = auth
        for name, value in (("params", params), ("query", query), ("body", body), ("expect", expect),
                            ("save", save)):
            if value:
                step[name] = value
        if not fill:
            step["fill"] = False
        return step

    def cite(self, *quotes: str) -> list[Data]:
        """Where the analysis says each quote: the first line holding it."""
        found = []
        for quote in quotes:
            line = next((i for i, text in enumerate(self.lines, 1) if quote in text), None)
            if line is None:
                raise ValueError(f"the analysis never says {quote!r}")
            found.append({"line": line, "text": quote})
        return found

    def says(self, route: ApiRoute) -> str:
        """The analysis requirement of a route (analyze._requirement's sentence)."""
        who = f"a {route.authorization}" if route.authorization else "anyone"
        return f"When {who} asks to {route.summary.rstrip('.').lower()}, the system shall do so"

    def says_of(self, entity: Entity, *actions: str) -> list[str]:
        return [self.says(route) for action in actions if (route := self.route(entity, action)) is not None]

    def column_line(self, entity: Entity, column: str) -> str:
        """The analysis's line on one column of the entity, as `_entity_section` writes it."""
        found = entity.column(column)
        return f"`{found.name}` ({found.type}{', optional' if found.nullable else ''}): {found.description}"

    def reference_line(self, entity: Entity, column: str) -> str:
        ref = next(r for r in entity.references if r.column == column)
        target = self.domain.entities[ref.target].spoken
        return f"`{ref.column}`: {'optionally ' if ref.nullable else ''}refers to a {target}. {ref.description}"

    def creatable(self, entity: Entity) -> bool:
        """A create route for it, its parent and every record it must refer to."""
        if entity.stance not in ("primary", "subsidiary") or not self.has(entity, "create"):
            return False
        needed = [r.target for r in entity.references
                  if r.role == "parent" or (r.role == "reference" and not r.nullable)]
        return all(self.creatable(self.domain.entities[table]) for table in needed)

    def sample(self, scope: str, candidates: Iterable[Entity], rank: Any = None) -> list[Entity]:
        """Up to LIMITS[scope] of the candidates, seeded; with `rank`, the best ranked first; in domain order."""
        pool = list(candidates)
        rng = self.spec.rng(f"golden:{scope}")
        pool = rng.sample(pool, len(pool))
        if rank is not None:
            pool.sort(key=rank, reverse=True)
        chosen = {e.table for e in pool[: LIMITS[scope]]}
        return [e for e in self.domain.entities.values() if e.table in chosen]

    def scenario(self, id_: str, category: str, intent: str, cites: list[Data], steps: list[Data]) -> Data:
        return {"id": f"{self.project}-{id_}", "category": category, "intent": intent, "cites": cites, "steps": steps}

    # ---- the suite's parts
    def actors(self) -> list[Entity]:
        return [e for e in self.domain.entities.values() if e.stance == "actor"]

    def fragments(self) -> Data:
        """Per actor, a new account with its token: @.email @.password @.name @.id @.token @.refresh."""
        found = {}
        for actor in self.actors():
            found[actor.owner] = [self.call(actor, "join", body={
                "email": _var("$email"), "password": _var("$password"),
                "name": f"{actor.owner.capitalize()} {_var('$unique')}"}, expect={"status": "2xx", "tokens": "access"},
                save={"@.email": "request.email", "@.password": "request.password", "@.name": "request.name",
                      "@.id": "$id", "@.token": "$token", "@.refresh": "$refresh"})]
        return found

    def endpoints(self) -> Data:
        """A contract per endpoint the scenarios call: the method, the noun the path ends on (or the
        action verb), the path-parameter count and the segments before it, as the design lays it out."""
        found = {}
        for table, action in sorted(self.used, key=lambda key: (list(self.domain.entities).index(key[0]), key[1])):
            route = self.routes[(table, action)]
            segments = [s for s in route.path.split("/") if s]
            literal = [s for s in segments if not s.startswith("{")]
            contract: Data = {"method": route.method.upper()}
            if action in ("join", "login", "refresh"):
                contract |= {"verb": [action], "within": [literal[-2]]}
            else:
                contract |= {"resource": [literal[-1]],
                             "shape": "item" if segments[-1].startswith("{") else "collection",
                             "params": len(segments) - len(literal)}
                if len(literal) > 1:
                    contract["within"] = literal[:-1]
            found[f"{route.entity.noun}.{action}"] = contract
        return found

    def scenarios(self) -> list[Data]:
        return [*self.auth(), *self.crud(), *self.query(), *self.negative(), *self.workflow()]

    # ---- auth
    def auth(self) -> list[Data]:
        found = []
        for actor in self.actors():
            who, slug = actor.owner, _slug(actor.owner)
            found.append(self.scenario(
                f"auth-{slug}-join-login", "auth", f"A new {who} joins, then logs in with the same email and password",
                self.cite(*self.says_of(actor, "join", "login")), [
                    self.call(actor, "join", body={"email": _var("$email"), "password": _var("$password"),
                                                   "name": f"New {who}"},
                              expect={"status": "2xx", "has": "id", "equals": {"name": f"New {who}"},
                                      "tokens": "access"},
                              save={"a.email": "request.email", "a.password": "request.password"}),
                    self.call(actor, "login", body={"email": _var("a.email"), "password": _var("a.password")},
                              expect={"status": "2xx", "equals": {"email": _var("a.email")},
                                      "tokens": ["access", "refresh"]})]))
            renew = [{"use": who, "as": "a"},
                     self.call(actor, "refresh", body={"refresh_token": _var("a.refresh")},
                               expect={"status": "2xx", "tokens": ["access", "refresh"],
                                       "equals": {"id": _var("a.id")}},
                               save={"b.token": "$token"})]
            if self.has(actor, "at"):
                renew.append(self.call(actor, "at", auth="b", expect={"equals": {"id": _var("a.id")}}))
            found.append(self.scenario(
                f"auth-{slug}-refresh", "auth", f"A {who}'s refresh token renews the session's tokens",
                self.cite(*self.says_of(actor, "refresh")), renew))
            if self.has(actor, "at"):
                found.append(self.scenario(
                    f"auth-{slug}-account", "auth", f"A logged-in {who} reads their own account",
                    self.cite(*self.says_of(actor, "at")), [
                        {"use": who, "as": "a"},
                        self.call(actor, "at", auth="a", expect={
                            "equals": {"id": _var("a.id"), "email": _var("a.email"), "name": _var("a.name")},
                            "absent": ["password", "password_hash"], "utc": "created_at"})]))
        return found

    # ---- crud
    def crud(self) -> list[Data]:
        found = []
        for actor in self.actors():
            if self.has(actor, "at", "update"):
                who = actor.owner
                found.append(self.scenario(
                    f"crud-{_slug(who)}-profile", "crud",
                    f"A {who} changes the name on their account and reads it back",
                    self.cite(*self.says_of(actor, "update", "at")), [
                        {"use": who, "as": "a"},
                        self.call(actor, "update", auth="a", body={"name": f"Renamed {who}"},
                                  expect={"status": "2xx", "equals": {"name": f"Renamed {who}"}}),
                        self.call(actor, "at", auth="a", expect={"equals": {"name": f"Renamed {who}",
                                                                            "email": _var("a.email")}})]))
        cycle = ("at", "update", "erase", "index")
        chosen = self.sample("crud", filter(self.creatable, self.domain.entities.values()),
                             rank=lambda e: sum(self.has(e, action) for action in cycle))
        for entity in chosen:
            found.append(self._cycle(entity))
        return found

    def _cycle(self, entity: Entity) -> Data:
        """create -> read -> update -> read -> erase -> gone, as far as the entity's routes go."""
        steps = _Steps(self)
        label, noun, owner = self.label(entity), entity.spoken, entity.owner
        first, second = f"First {noun}", f"Renamed {noun}"
        var = steps.make(entity, "x", body={label: first},
                         expect={"status": "2xx", "has": "id", "equals": {label: first}, "utc": "created_at"})
        steps.steps.append(self._read(steps, entity, var, first))
        if self.has(entity, "update"):
            steps.steps.append(self.call(entity, "update", auth=owner, params=steps.params(entity, var),
                                         body={label: second}, expect={"status": "2xx", "equals": {label: second}}))
            steps.steps.append(self._read(steps, entity, var, second))
        if self.has(entity, "erase"):
            steps.steps.append(self.call(entity, "erase", auth=owner, params=steps.params(entity, var)))
            if self.has(entity, "at"):
                steps.steps.append(self.call(entity, "at", auth=owner, params=steps.params(entity, var),
                                             expect={"status": 404}))
            elif self.has(entity, "index"):
                steps.steps.append(self.call(entity, "index", auth=owner, params=steps.params(entity, var, item=False),
                                             expect={"list_excludes": _var(f"{var}.id")}))
        done = [a for a in ("create", "at", "index", "update", "erase") if self.has(entity, a)]
        shown = [a for a in done if a != "index" or not self.has(entity, "at")]
        words = {"create": "creates", "at": "reads", "index": "lists", "update": "renames", "erase": "deletes"}
        intent = f"A {owner} {', '.join(words[a] for a in shown)} a {noun}" + (
            ", which is then gone" if "erase" in done else "")
        return self.scenario(f"crud-{_slug(entity.noun)}", "crud", intent,
                             self.cite(*self.says_of(entity, *shown)), steps.steps)

    def _read(self, steps: _Steps, entity: Entity, var: str, label_value: str) -> Data:
        """Read the record back: by id, else in its list."""
        if self.has(entity, "at"):
            return self.call(entity, "at", auth=entity.owner, params=steps.params(entity, var),
                             expect={"equals": {"id": _var(f"{var}.id"), self.label(entity): label_value}})
        return self.call(entity, "index", auth=entity.owner, params=steps.params(entity, var, item=False),
                         expect={"list_contains": _var(f"{var}.id")})

    # ---- query
    def query(self) -> list[Data]:
        found = []
        candidates = [e for e in self.domain.entities.values() if self.creatable(e) and e.stance == "primary"
                      and (route := self.route(e, "index")) is not None and route.query is not None]
        for entity in self.sample("query", candidates):
            label, noun, owner = self.label(entity), entity.spoken, entity.owner
            listed = self.says_of(entity, "index")
            steps = _Steps(self)
            steps.steps.append({"set": {"tag": _var("$unique")}})
            for n, var in enumerate(("a", "b", "c"), 1):
                steps.make(entity, var, body={label: f"{noun.capitalize()} {n} {_var('tag')}"})
            index = {"auth": owner, "params": steps.params(entity, "a", item=False)}
            steps.steps.append(self.call(entity, "index", **index, query={"search": _var("tag"), "page": 1, "limit": 2},
                                         expect={"count": 2, "total": 3}))
            steps.steps.append(self.call(entity, "index", **index, query={"search": _var("tag"), "page": 2, "limit": 2},
                                         expect={"count": 1, "total": 3}))
            found.append(self.scenario(
                f"query-{_slug(entity.noun)}-pages", "query",
                f"The {noun} list comes a page at a time with the total count",
                self.cite(_PAGINATED, *listed), steps.steps))
            steps = _Steps(self)
            steps.steps.append({"set": {"tag": _var("$unique")}})
            steps.make(entity, "hit", body={label: f"Wanted {noun} {_var('tag')}"})
            steps.make(entity, "miss", body={label: f"Other {noun} {_var('$unique')}"})
            steps.steps.append(self.call(entity, "index", **index, query={"search": _var("tag|upper")},
                                         expect={"list_contains": _var("hit.id"), "list_excludes": _var("miss.id"),
                                                 "total": 1}))
            found.append(self.scenario(
                f"query-{_slug(entity.noun)}-search", "query",
                f"Searching the {noun} list by its {label} (any letter case) keeps only the records that match",
                self.cite(self.column_line(entity, label), *listed), steps.steps))
        return found

    # ---- negative
    def negative(self) -> list[Data]:
        found = []
        actors = self.actors()
        first = actors[0]
        who = first.owner
        found.append(self.scenario(
            f"neg-{_slug(who)}-wrong-password", "negative", f"Logging in as a {who} with a wrong password is refused",
            self.cite(*self.says_of(first, "login"), self.column_line(first, "password_hash")), [
                {"use": who, "as": "a"},
                self.call(first, "login", body={"email": _var("a.email"), "password": f"Wrong{_var('$password')}"},
                          expect={"status": "4xx"})]))
        found.append(self.scenario(
            f"neg-{_slug(who)}-taken-email", "negative", f"Joining as a {who} with an email already taken is refused",
            self.cite(self.column_line(first, "email")), [
                {"use": who, "as": "a"},
                self.call(first, "join", body={"email": _var("a.email"), "password": _var("$password"), "name": "Copy"},
                          expect={"status": "4xx"})]))
        if self.has(first, "at"):
            found.append(self.scenario(
                f"neg-{_slug(who)}-account-without-token", "negative",
                f"Without a token no one reads a {who} account", self.cite(*self.says_of(first, "at")),
                [self.call(first, "at", anonymous=True, expect={"status": [401, 403]})]))
        creatable = [e for e in self.domain.entities.values() if self.creatable(e)]
        for entity in self.sample("unauthenticated", creatable):
            steps = _Steps(self)
            params = []
            if entity.parent is not None:
                steps.make(self.domain.entities[entity.parent])
                params = steps.params(entity, "", item=False)
            steps.steps.append(self.call(entity, "create", params=params, anonymous=True,
                                         body={self.label(entity): f"Anonymous {entity.spoken}"},
                                         expect={"status": [401, 403]}))
            found.append(self.scenario(
                f"neg-{_slug(entity.noun)}-without-token", "negative",
                f"Creating a {entity.spoken} without a token is refused", self.cite(*self.says_of(entity, "create")),
                steps.steps))
        readable = [e for e in self.domain.entities.values() if e.stance == "primary" and self.has(e, "at")]
        for entity in self.sample("unknown", readable):
            steps = _Steps(self)
            auth = steps.account(entity.owner) if self.guarded(entity, "at") else None
            steps.steps.append(self.call(entity, "at", auth=auth, params=[_var("$uuid")], expect={"status": 404}))
            found.append(self.scenario(
                f"neg-{_slug(entity.noun)}-unknown-id", "negative", f"Reading a {entity.spoken} that does not exist "
                "answers not found", self.cite(_IDENTIFIED, *self.says_of(entity, "at")), steps.steps))
        for entity in self.sample("invalid", creatable):
            steps = _Steps(self)
            label = self.label(entity)
            if entity.parent is not None:
                steps.make(self.domain.entities[entity.parent])
            auth = steps.account(entity.owner)
            steps.steps.append(self.call(entity, "create", auth=auth, params=steps.params(entity, "", item=False),
                                         body={}, fill=False, expect={"status": 400, "mentions": label}))
            found.append(self.scenario(
                f"neg-{_slug(entity.noun)}-missing-{_slug(label)}", "negative",
                f"Creating a {entity.spoken} without its {label} is refused, naming the field",
                self.cite(_INVALID, self.column_line(entity, label)), steps.steps))
        private = [e for e in creatable if self.has(e, "update") or self.has(e, "erase")
                   or self.guarded(e, "at")]
        for entity in self.sample("foreign", private):
            found.append(self._foreign(entity))
        return found

    def _foreign(self, entity: Entity) -> Data:
        """Another account of the owner's kind gets 404 for the record, whose owner still sees it."""
        steps = _Steps(self)
        label, noun, owner = self.label(entity), entity.spoken, entity.owner
        var = steps.make(entity, "x", body={label: f"Private {noun}"})
        steps.account(owner, "intruder")
        params = steps.params(entity, var)
        actions = []
        if self.guarded(entity, "at"):
            actions.append("at")
            steps.steps.append(self.call(entity, "at", auth="intruder", params=params, expect={"status": 404}))
        if self.has(entity, "update"):
            actions.append("update")
            steps.steps.append(self.call(entity, "update", auth="intruder", params=params, body={label: "Hijacked"},
                                         expect={"status": 404}))
        if self.has(entity, "erase"):
            actions.append("erase")
            steps.steps.append(self.call(entity, "erase", auth="intruder", params=params, expect={"status": 404}))
        steps.steps.append(self._read(steps, entity, var, f"Private {noun}"))
        words = {"at": "read", "update": "change", "erase": "delete"}
        return self.scenario(
            f"neg-{_slug(entity.noun)}-other-{_slug(owner)}", "negative",
            f"Another {owner} cannot {' or '.join(words[a] for a in actions)} a {owner}'s {noun}: not found",
            self.cite(_FOREIGN), steps.steps)

    # ---- workflow
    def workflow(self) -> list[Data]:
        found = []
        entities = list(self.domain.entities.values())
        nested = [e for e in entities if e.stance == "subsidiary" and self.creatable(e)
                  and (self.has(e, "index") or self.has(e, "at"))]
        for entity in self.sample("nested", nested):
            found.append(self._nested(entity))
        referring = [e for e in entities if self.creatable(e) and any(r.role == "reference" for r in e.references)
                     and all(self.creatable(self.domain.entities[r.target])
                             for r in e.references if r.role == "reference")]
        for entity in self.sample("reference", referring):
            found.append(self._reference(entity))
        histories = [e for e in entities if e.stance == "snapshot" and self.has(e, "index")
                     and self.creatable(self.domain.entities[e.parent or ""])]
        for entity in self.sample("history", histories):
            found.append(self._history(entity))
        return found

    def _nested(self, entity: Entity) -> Data:
        parent = self.domain.entities[entity.parent or ""]
        steps = _Steps(self)
        label = self.label(entity)
        steps.make(parent, "p")
        steps.make(entity, "c", body={label: f"Child {entity.spoken}"},
                   expect={"status": "2xx", "equals": {self._parent_column(entity): _var("p.id")}})
        if self.has(entity, "index"):
            steps.steps.append(self.call(entity, "index", auth=entity.owner,
                                         params=steps.params(entity, "c", item=False),
                                         expect={"list_contains": _var("c.id"), "count": 1}))
        if self.has(entity, "at"):
            steps.steps.append(self.call(entity, "at", auth=entity.owner, params=steps.params(entity, "c"),
                                         expect={"equals": {label: f"Child {entity.spoken}",
                                                            self._parent_column(entity): _var("p.id")}}))
        return self.scenario(
            f"flow-{_slug(entity.noun)}-under-{_slug(parent.noun)}", "workflow",
            f"A {parent.spoken} is created, then a {entity.spoken} under it, which its {parent.spoken} lists",
            self.cite(entity.description, self.reference_line(entity, self._parent_column(entity))), steps.steps)

    def _parent_column(self, entity: Entity) -> str:
        return next(r.column for r in entity.references if r.role == "parent")

    def _reference(self, entity: Entity) -> Data:
        steps = _Steps(self)
        label = self.label(entity)
        refs = [r for r in entity.references if r.role == "reference"]
        body: Data = {label: f"Linked {entity.spoken}"}
        for n, ref in enumerate(refs):
            body[ref.column] = _var(f"{steps.make(self.domain.entities[ref.target], f't{n}')}.id")
        equals = {ref.column: _var(f"t{n}.id") for n, ref in enumerate(refs)}
        steps.make(entity, "x", body=body, expect={"status": "2xx", "equals": equals})
        if self.has(entity, "at"):
            steps.steps.append(self.call(entity, "at", auth=entity.owner, params=steps.params(entity, "x"),
                                         expect={"equals": equals}))
        targets = " and ".join(f"a {self.domain.entities[r.target].spoken}" for r in refs)
        return self.scenario(
            f"flow-{_slug(entity.noun)}-refers", "workflow", f"{targets.capitalize()} is created, then a "
            f"{entity.spoken} that refers to it, which keeps the reference",
            self.cite(*(self.reference_line(entity, r.column) for r in refs)), steps.steps)

    def _history(self, entity: Entity) -> Data:
        parent = self.domain.entities[entity.parent or ""]
        steps = _Steps(self)
        label = self.label(parent)
        steps.make(parent, "p", body={label: f"Original {parent.spoken}"})
        listing = {"auth": parent.owner, "params": [_var("p.id")]}
        if self.has(parent, "update"):
            steps.steps.append(self.call(parent, "update", auth=parent.owner, params=[_var("p.id")],
                                         body={label: f"Changed {parent.spoken}"}))
            steps.steps.append(self.call(entity, "index", **listing, expect={"count": 2},
                                         save={"s.id": "list.0.id"}))
            latest = f"Changed {parent.spoken}"
            intent = "created and changed: its history holds both versions, newest first"
        else:
            steps.steps.append(self.call(entity, "index", **listing, expect={"count": 1}, save={"s.id": "list.0.id"}))
            latest, intent = f"Original {parent.spoken}", "created: its history holds that first version"
        if self.has(entity, "at"):
            steps.steps.append(self.call(entity, "at", auth=parent.owner, params=[_var("p.id"), _var("s.id")],
                                         expect={"equals": {label: latest}}))
        return self.scenario(f"flow-{_slug(parent.noun)}-history", "workflow", f"A {parent.spoken} is {intent}",
                             self.cite(entity.description), steps.steps)
