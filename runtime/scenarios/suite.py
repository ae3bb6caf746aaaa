"""The scenario suite format, and loading a suite by catalog name or path.

A suite is YAML (or the same structure as JSON), written from a project's requirement text:

    suite: todo
    requirements: todo            # catalog name, or a path relative to this file
    aliases:                      # requirement term -> names an API may use instead
      display_name: [nickname, name]
    seeds:                        # variables a scenario may `need`, supplied by whoever boots the server
      admin: "admin.email and admin.password of an existing administrator"
    endpoints:                    # contracts, resolved against the project's openapi.json
      todo.list: {method: [GET, PATCH], resource: todo, shape: collection, avoid: [trash]}
      purge:                      # a list = alternatives, the first that resolves wins
        - {method: DELETE, resource: todo, shape: item, within: [trash]}
        - {method: [DELETE, POST], resource: todo, verb: [purge, erase]}
    fragments:                    # reusable steps; `@` stands for the name given with `as`
      member:
        - {call: join, body: {email: "{{$email}}", password: "{{$password}}"}, save: {"@.email": request.email}}
    scenarios:
      - id: todo-crud-create
        category: crud            # auth | crud | query | negative | workflow
        intent: A member creates a todo and reads it back
        cites: {line: 36, text: "Members create, read, update"}
        needs: []                 # seed names; unmet -> the scenario is skipped
        steps:
          - {use: member, as: alice}
          - call: todo.create
            auth: alice           # Bearer {{alice.token}}
            body: {title: Buy milk}
            expect: {status: 2xx, equals: {title: Buy milk}}
            save: {todo.id: $id}

A contract names an endpoint by what it does, never by its path: `method`, the `resource` noun the
path ends on (or the noun before a trailing path parameter for `shape: item`), an action `verb`
as the last path segment, `within`/`prefer`/`avoid` words elsewhere in the path, the number of
path `params`, and `keywords`/`sends`/`returns` hints matched in the operation's text and schemas.

A step either `use`s a fragment (`as` binds `@`, `with` sets `<as>.<key>` variables first) or
`call`s an endpoint with `params` (path parameters: a list, outer first, or a mapping from the
noun each parameter names, `{community: ...}` filling `{communityId}`), `query`, `body`, `auth`.
`fill: false` stops the runner from completing required body properties the template left out
(for "missing field" scenarios). `save` captures `$token`, `$refresh`, `$id`, `$status`, `body.<path>`,
`request.<key>` or `list.<n>.<path>` into variables (a trailing `?` makes a save optional).
See `expect.py` for expectations and `templates.py` for `{{...}}` values.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

SUITES_DIR = Path(__file__).parent / "suites"
SUITE_SUFFIX = ".scenarios.yaml"
CATEGORIES = ("auth", "crud", "query", "negative", "workflow")
_SAFE_ID = re.compile(r"^[a-z0-9][a-z0-9_.-]*$")
_FRAGMENT_REF = re.compile(r"\{\{\s*@")


def _listify(value: Any) -> Any:
    return [] if value is None else value if isinstance(value, list) else [value]


Names = Annotated[list[str], BeforeValidator(_listify)]
Values = Annotated[list[Any], BeforeValidator(_listify)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


class Contract(_Strict):
    """What an endpoint does, to be found among a project's operations."""

    method: Annotated[list[Literal["GET", "POST", "PUT", "PATCH", "DELETE"]], BeforeValidator(
        lambda v: [m.upper() for m in _listify(v)])]
    resource: Names = []
    verb: Names = []
    shape: Literal["collection", "item", "action"] | None = None
    params: int | None = None
    within: Names = []
    prefer: Names = []
    avoid: Names = []
    keywords: Names = []
    sends: Names = []
    returns: Names = []

    @model_validator(mode="after")
    def _consistent(self) -> Contract:
        if not self.resource and not self.verb:
            raise ValueError("a contract needs a resource or a verb")
        if self.shape == "action" and not self.verb:
            raise ValueError("shape: action needs a verb")
        return self


class Range(_Strict):
    min: int | None = None
    max: int | None = None


class Expect(_Strict):
    """What a response must show; see `expect.py` for each check's meaning."""

    status: Values = ["2xx"]
    has: Names = []
    absent: Names = []
    equals: dict[str, Any] = {}
    contains: dict[str, Any] = {}
    is_null: Names = []
    not_null: Names = []
    utc: Names = []
    tokens: Annotated[list[Literal["access", "refresh"]], BeforeValidator(_listify)] = []
    list_contains: Values = []
    list_excludes: Values = []
    list_order: Values = []
    count: int | Range | None = None
    total: int | Range | None = None
    mentions: Names = []


class Step(_Strict):
    call: str | None = None
    use: str | None = None
    set: dict[str, Any] | None = None
    as_: str | None = Field(default=None, alias="as")
    with_: dict[str, Any] = Field(default={}, alias="with")
    auth: str | None = None
    params: list[Any] | dict[str, Any] = []
    query: dict[str, Any] = {}
    body: dict[str, Any] | list[Any] | None = None
    fill: bool = True
    expect: Expect = Expect()
    save: dict[str, str] = {}

    @model_validator(mode="after")
    def _one_kind(self) -> Step:
        kinds = [k for k in ("call", "use", "set") if getattr(self, k) is not None]
        if len(kinds) != 1:
            raise ValueError(f"a step is exactly one of call/use/set, got {kinds or 'none'}")
        if self.use is not None and not self.as_:
            raise ValueError(f"use: {self.use} needs `as` (the name its variables are saved under)")
        return self


class Cite(_Strict):
    """Where in the requirement text a scenario's behaviour is asked for."""

    line: int
    text: str


class Scenario(_Strict):
    id: str
    category: Literal["auth", "crud", "query", "negative", "workflow"]
    intent: str
    cites: Annotated[list[Cite], BeforeValidator(_listify)]
    needs: Names = []
    steps: list[Step]

    @model_validator(mode="after")
    def _valid(self) -> Scenario:
        if not _SAFE_ID.match(self.id):
            raise ValueError(f"scenario id {self.id!r} must match {_SAFE_ID.pattern}")
        if not self.cites:
            raise ValueError(f"scenario {self.id} cites no requirement")
        if not self.steps:
            raise ValueError(f"scenario {self.id} has no steps")
        return self


class Suite(_Strict):
    suite: str
    requirements: str
    aliases: dict[str, Names] = {}
    seeds: dict[str, str] = {}
    endpoints: dict[str, Annotated[list[Contract], BeforeValidator(_listify)]]
    fragments: dict[str, list[Step]] = {}
    scenarios: list[Scenario]
    source: str = ""  # where the suite was loaded from, set by `load_suite`

    @model_validator(mode="after")
    def _references(self) -> Suite:
        ids = [s.id for s in self.scenarios]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate scenario ids: {duplicates}")
        for where, steps in [*((f"fragment {n}", s) for n, s in self.fragments.items()),
                             *((f"scenario {s.id}", s.steps) for s in self.scenarios)]:
            for step in steps:
                if step.call is not None and step.call not in self.endpoints:
                    raise ValueError(f"{where}: unknown endpoint {step.call!r}")
                if step.use is not None and step.use not in self.fragments:
                    raise ValueError(f"{where}: unknown fragment {step.use!r}")
        for scenario in self.scenarios:
            unknown = [n for n in scenario.needs if n not in self.seeds]
            if unknown:
                raise ValueError(f"scenario {scenario.id} needs undeclared seeds {unknown}")
            expand(scenario.steps, self.fragments)  # raises on cycles
        return self

    def requirements_path(self) -> Path:
        """The requirement text the scenarios cite: a catalog project, or a file relative to the suite."""
        import farm.catalog

        if self.requirements in farm.catalog.catalog_names():
            return Path(farm.catalog.__file__).parent / "projects" / f"{self.requirements}.md"
        base = Path(self.source).parent if self.source else Path.cwd()
        return (base / self.requirements).resolve()


def builtin_suites() -> list[str]:
    return sorted(p.stem for p in SUITES_DIR.glob("*.yaml"))


def load_suite(ref: str | Path) -> Suite:
    """A suite by built-in name (`todo`), by path (`.yaml`/`.yml`/`.json`), or by the requirement
    file it belongs to (`shop.md` -> `shop.scenarios.yaml` beside it)."""
    path = Path(ref)
    if str(ref) in builtin_suites():
        path = SUITES_DIR / f"{ref}.yaml"
    elif path.suffix in (".md", ".txt"):
        path = path.with_name(path.stem + SUITE_SUFFIX)
    if not path.is_file():
        raise ValueError(f"no scenario suite {str(ref)!r} (built in: {', '.join(builtin_suites())}; "
                         f"a custom project ships <name>{SUITE_SUFFIX} beside <name>.md)")
    text = path.read_text(encoding="utf-8")
    data = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    if not isinstance(data, dict):
        raise ValueError(f"{path}: a suite is a mapping, got {type(data).__name__}")
    return Suite.model_validate({**data, "source": str(path.resolve())})


def expand(steps: list[Step], fragments: dict[str, list[Step]], _stack: tuple[str, ...] = ()) -> list[Step]:
    """Steps with every `use` replaced by its fragment's steps, `@` bound to the `as` name."""
    flat: list[Step] = []
    for step in steps:
        if step.use is None:
            flat.append(step)
            continue
        if step.use in _stack:
            raise ValueError(f"fragment cycle: {' -> '.join((*_stack, step.use))}")
        name = str(step.as_)
        if step.with_:
            flat.append(Step(set={f"{name}.{k}": v for k, v in step.with_.items()}))
        for inner in expand(fragments[step.use], fragments, (*_stack, step.use)):
            flat.append(_bind(inner, name))
    return flat


def _bind(step: Step, name: str) -> Step:
    """The step with `@` (in templates, `save` keys, `auth`, `set` keys) meaning `name`."""
    def text(value: Any) -> Any:
        if isinstance(value, str):
            return _FRAGMENT_REF.sub("{{" + name, value)
        if isinstance(value, list):
            return [text(v) for v in value]
        if isinstance(value, dict):
            return {text(k): text(v) for k, v in value.items()}
        return value

    def var(value: str) -> str:
        return name + value[1:] if value.startswith("@") else str(text(value))

    data = step.model_dump(by_alias=True, exclude_defaults=True)
    data = text(data)
    if step.auth is not None:
        data["auth"] = var(step.auth)
    if step.save:
        data["save"] = {var(k): text(v) for k, v in step.save.items()}
    if step.set is not None:
        data["set"] = {var(k): text(v) for k, v in step.set.items()}
    return Step.model_validate(data)
