"""The simulator's fixture files: scripted models and answer books, validated when loaded.

A scripts directory holds `models/*.yaml` (one scripted model each) and `answers/` (answer books:
`answers/<book>.yaml`, or `answers/<book>/*.yaml` merged, so a book can grow one file per phase).
A bad fixture fails at start with an error naming the file and the field, never mid-benchmark.

Books are per project too: a call naming its project (`X-Farm-Project`) is answered from the
*project book* of that name when the simulator was given one (`project_books`, e.g. a generated
farm.sim.bookgen book), else from the model's own `books`. So the same scripted models play the
hand-written todo book and any generated one, and a model's script stays one file.

A model may also be stochastic: its `draws` give per operation glob alternatives with fixed
probabilities, drawn once per operation and run from the request's `seed` (see ScriptedModel), so
repeats of a run with distinct seeds score differently and one seed replays byte for byte.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Annotated, Any, Literal

import yaml
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    model_validator,
)

DEFAULT_SCRIPTS_DIR = Path(__file__).parent / "scripts"
# libyaml's loader when installed: a generated reference book is megabytes (shopping's 1.4 MiB
# loads in 0.9 s with it, 2.8 s without).
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

BehaviourKind = Literal[
    "answer",
    "invalid_json",
    "broken_json",
    "schema_invalid",
    "prose",
    "slow",
    "rate_limit",
    "server_error",
    "bad_gateway",
    "unavailable",
    "gateway_timeout",
    "payment_required",
    "context_length",
    "invalid_key",
    "server_error_echoing_key",
]
BEHAVIOUR_KINDS: tuple[str, ...] = BehaviourKind.__args__  # type: ignore[attr-defined]

# The one parameter a kind may take in the short form `{kind: parameter}` of a script.
_PARAMETER_OF = {"answer": "variant", "slow": "delay", "rate_limit": "retry_after"}

_SAFE_ID = r"[a-z0-9][a-z0-9_-]*"
Variant = Annotated[str, StringConstraints(pattern=rf"^{_SAFE_ID}$")]
# `phase/op_id` with an optional `@variant`; op ids follow workers.phases.base's rule.
AnswerKey = Annotated[str, StringConstraints(pattern=rf"^[a-z]+/[a-z0-9][a-z0-9._-]{{0,119}}(@{_SAFE_ID})?$")]


class FixtureError(ValueError):
    """A fixture file is missing, unreadable or invalid; the message names the file and field."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Behaviour(_Strict):
    """What the scripted model does on one attempt.

    Written in a script as a kind (`prose`) or `{kind: parameter}` (`{answer: duplicate-actor}`,
    `{slow: 2.5}`, `{rate_limit: 3}`); the long form `{kind: ..., delay: ...}` is accepted too.
    """

    kind: BehaviourKind
    variant: Variant | None = None  # answer: a named alternative answer `op@variant` of the book
    delay: float = Field(default=5.0, ge=0)  # slow: seconds before answering
    retry_after: float = Field(default=1.0, ge=0)  # rate_limit: the Retry-After header

    @model_validator(mode="before")
    @classmethod
    def _short_forms(cls, data: Any) -> Any:
        if isinstance(data, str):
            return {"kind": data}
        if isinstance(data, dict) and len(data) == 1 and "kind" not in data:
            ((kind, parameter),) = data.items()
            if kind not in BEHAVIOUR_KINDS:
                raise ValueError(f"unknown behaviour {kind!r} (known: {', '.join(BEHAVIOUR_KINDS)})")
            if kind not in _PARAMETER_OF:
                raise ValueError(f"behaviour {kind!r} takes no parameter (only {', '.join(_PARAMETER_OF)} do)")
            return {"kind": kind, _PARAMETER_OF[kind]: parameter}
        return data

    @property
    def label(self) -> str:
        """How the behaviour is counted in stats: the kind, or `answer@variant`."""
        return f"answer@{self.variant}" if self.variant else self.kind


class Prices(_Strict):
    """USD per million tokens."""

    input: float = Field(ge=0)
    cached: float = Field(ge=0)
    output: float = Field(ge=0)


Behaviours = Annotated[list[Behaviour], Field(min_length=1)]
PROBABILITY_TOLERANCE = 1e-9  # how far a glob's probabilities may sum from 1 (decimal fractions in YAML)


class Alternative(_Strict):
    """One outcome of a draw: its probability and the behaviours it plays, by attempt as in `script`."""

    p: float = Field(gt=0, le=1)
    script: Behaviours


def _sums_to_one(alternatives: list[Alternative]) -> list[Alternative]:
    """A glob's alternatives cover every run: their probabilities sum to 1."""
    total = math.fsum(alternative.p for alternative in alternatives)
    if abs(total - 1) > PROBABILITY_TOLERANCE:
        raise ValueError(f"the probabilities sum to {total:.12g}, not 1")
    return alternatives


Draw = Annotated[list[Alternative], Field(min_length=1), AfterValidator(_sums_to_one)]


def draw_point(seed: int, model: str, project: str, operation: str) -> float:
    """Where in [0, 1) the draw of `operation` falls for one run: a SHA-256 of the inputs, not the
    salted hash(), so every attempt, worker and simulator process of a seed lands on the same point."""
    digest = hashlib.sha256(json.dumps([seed, model, project, operation]).encode()).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


def _pick(alternatives: list[Alternative], point: float) -> Alternative:
    """The alternative whose cumulative-probability interval holds `point`."""
    reached = 0.0
    for alternative in alternatives:
        reached += alternative.p
        if point < reached:
            return alternative
    return alternatives[-1]  # the probabilities may sum to a hair under 1


def _nth(behaviours: list[Behaviour], attempt: int) -> Behaviour:
    """The behaviour of attempt `attempt`: the last one repeats forever."""
    return behaviours[min(attempt, len(behaviours) - 1)]


def _playable(behaviours: list[Behaviour], variants: Collection[str] | None) -> bool:
    """Whether the variants the behaviours name all exist for the operation (always, when unknown)."""
    return variants is None or {b.variant for b in behaviours if b.variant} <= set(variants)


class ScriptedModel(_Strict):
    """A model the simulator plays: per operation glob, its behaviour by attempt index, fixed or drawn."""

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9._-]*(/[a-z0-9][a-z0-9._-]*)?$")
    description: str = Field(min_length=1)
    prices: Prices
    latency_ms: int = Field(default=0, ge=0)
    books: list[Annotated[str, StringConstraints(pattern=rf"^{_SAFE_ID}$")]] = []
    # Globs in file order, first match wins; the last behaviour of a list repeats forever.
    script: dict[str, Behaviours] = {}
    # Globs in file order, first match wins, before `script`: alternatives whose probabilities sum to 1.
    draws: dict[str, Draw] = {}
    # Who the simulator says served a run (the completion's `provider`, where its dialect names one):
    # one per run, drawn from the seed, as a router without pins sends a model's runs to whichever
    # provider is up. Empty: the dialect's own name.
    providers: list[Annotated[str, StringConstraints(pattern=rf"^{_SAFE_ID}$")]] = []

    def behaviour(self, operation: str, attempt: int, variants: Collection[str] | None = None,
                  seed: int = 0, project: str = "") -> Behaviour:  # fmt: skip
        """The behaviour for attempt `attempt` (0-based) of `operation`; unscripted ops answer.

        Given the answer variants the book in play has for the operation (`Fixtures.behaviour`), a
        rule naming variants applies only where they all exist: `database/schema-*: [{answer:
        dangling-fk}, answer]` hits the one schema each book damages, whatever its op id, and the
        others fall through. Without them, rules match by glob alone.
        The first `draws` glob matching the operation owns it: the alternative drawn for this run
        (`drawn`) plays; drawn where the book lacks its variants, it falls through to `script`, so an
        alternative's probability is the one written wherever the book has its variants.
        Transport kinds (rate_limit, server_error, ...) repeat on every transport retry, since
        such a retry does not add an assistant message; use injected faults for one-off errors.
        """
        drawn = self.drawn(operation, seed, project)
        if drawn is not None and _playable(drawn.script, variants):
            return _nth(drawn.script, attempt)
        for pattern, behaviours in self.script.items():
            if fnmatchcase(operation, pattern) and _playable(behaviours, variants):
                return _nth(behaviours, attempt)
        return Behaviour(kind="answer")

    def served_by(self, seed: int, project: str) -> str | None:
        """The provider this run is served by, the same for every call of the run; None without `providers`."""
        if not self.providers:
            return None
        return self.providers[int(draw_point(seed, self.name, project, "") * len(self.providers))]

    def drawn(self, operation: str, seed: int = 0, project: str = "") -> Alternative | None:
        """The alternative of the first `draws` glob matching `operation` for the run sampled with
        `seed` on `project`: the same on every attempt; None when no glob matches."""
        pattern = next((pattern for pattern in self.draws if fnmatchcase(operation, pattern)), None)
        if pattern is None:
            return None
        return _pick(self.draws[pattern], draw_point(seed, self.name, project, operation))


# One answer-book file: operation id (optionally `@variant`) -> the tool call's arguments.
_BOOK_FILE = TypeAdapter(dict[AnswerKey, dict[str, Any]])


Variants = dict[str, frozenset[str]]  # operation -> the variants a book has of it
_NO_VARIANTS: frozenset[str] = frozenset()


def _index_variants(book: dict[str, dict[str, Any]]) -> Variants:
    """A book's `op@variant` keys by operation (an AnswerKey has at most one `@`)."""
    found: dict[str, set[str]] = {}
    for key in book:
        operation, at, variant = key.partition("@")
        if at:
            found.setdefault(operation, set()).add(variant)
    return {operation: frozenset(variants) for operation, variants in found.items()}


@dataclass(frozen=True)
class Fixtures:
    """Everything the simulator plays: one scripts directory's models and books, and project books.

    Each book's variants are indexed by operation when the fixtures are made, so choosing a
    behaviour costs the same on a generated book of thousands of answers as on todo's (the books
    are not to be changed afterwards).
    """

    models: dict[str, ScriptedModel]
    books: dict[str, dict[str, dict[str, Any]]]
    project_books: dict[str, dict[str, dict[str, Any]]]
    _book_variants: dict[str, Variants] = field(init=False, repr=False, compare=False)
    _project_variants: dict[str, Variants] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_book_variants", {name: _index_variants(b) for name, b in self.books.items()})
        object.__setattr__(self, "_project_variants",
                           {name: _index_variants(b) for name, b in self.project_books.items()})

    def _in_play(self, model: ScriptedModel, project: str) -> list[dict[str, dict[str, Any]]]:
        """The project's book when there is one, else the model's books, first book first."""
        if project in self.project_books:
            return [self.project_books[project]]
        return [self.books[book] for book in model.books]

    def answer(self, model: ScriptedModel, operation: str, variant: str | None = None,
               project: str = "") -> dict[str, Any] | None:  # fmt: skip
        """The arguments for `operation` from the books in play; None if absent."""
        key = f"{operation}@{variant}" if variant else operation
        return next((book[key] for book in self._in_play(model, project) if key in book), None)

    def behaviour(self, model: ScriptedModel, operation: str, attempt: int, project: str = "",
                  seed: int = 0) -> Behaviour:  # fmt: skip
        """The model's behaviour on the books in play for the run sampled with `seed` (see
        ScriptedModel.behaviour)."""
        if project in self.project_books:
            variants = self._project_variants[project].get(operation, _NO_VARIANTS)
        else:
            variants = _NO_VARIANTS.union(*(self._book_variants[book].get(operation, _NO_VARIANTS)
                                            for book in model.books))
        return model.behaviour(operation, attempt, variants, seed=seed, project=project)


def _read_yaml(path: Path) -> Any:
    try:
        return yaml.load(path.read_text(encoding="utf-8"), Loader=_LOADER)  # noqa: S506 - a safe loader
    except (OSError, UnicodeDecodeError, yaml.YAMLError) as exc:
        raise FixtureError(f"{path}: cannot read YAML: {exc}") from exc


def _validation_message(path: Path, exc: ValidationError) -> str:
    problems = [
        f"{'.'.join(str(part) for part in error['loc']) or '(root)'}: {error['msg']} (got {error['input']!r:.80})"
        for error in exc.errors()
    ]
    return f"{path}: " + "; ".join(problems)


def _load_model(path: Path) -> ScriptedModel:
    try:
        return ScriptedModel.model_validate(_read_yaml(path))
    except ValidationError as exc:
        raise FixtureError(_validation_message(path, exc)) from None


def _load_book_file(path: Path) -> dict[str, dict[str, Any]]:
    try:
        return _BOOK_FILE.validate_python(_read_yaml(path))
    except ValidationError as exc:
        raise FixtureError(_validation_message(path, exc)) from None


def _load_books(answers_dir: Path) -> dict[str, dict[str, dict[str, Any]]]:
    files = [(p.stem, p) for p in sorted(answers_dir.glob("*.yaml"))]
    files += [(d.name, p) for d in sorted(answers_dir.iterdir()) if d.is_dir() for p in sorted(d.glob("*.yaml"))]
    return _merge_books(files)


def _merge_books(files: list[tuple[str, Path]]) -> dict[str, dict[str, dict[str, Any]]]:
    """(book name, file) pairs merged into books; an answer given twice is an error."""
    books: dict[str, dict[str, dict[str, Any]]] = {}
    origin: dict[tuple[str, str], Path] = {}
    for name, path in files:
        book = books.setdefault(name, {})
        for key, arguments in _load_book_file(path).items():
            if key in book:
                raise FixtureError(f"{path}: answer {key!r} of book {name!r} is already in {origin[name, key]}")
            book[key] = arguments
            origin[name, key] = path
    return books


def _check_references(path: Path, model: ScriptedModel, books: dict[str, dict[str, dict[str, Any]]]) -> None:
    """Books must exist and every scripted or drawn variant must exist for some operation its glob covers."""
    for book in model.books:
        if book not in books:
            raise FixtureError(f"{path}: books: unknown book {book!r} (known: {', '.join(sorted(books)) or 'none'})")
    for pattern, behaviours in model.script.items():
        _check_variants(path, f"script.{pattern}", pattern, behaviours, model.books, books)
    for pattern, alternatives in model.draws.items():
        for index, alternative in enumerate(alternatives):
            _check_variants(path, f"draws.{pattern}.{index}.script", pattern, alternative.script, model.books, books)


def _check_variants(path: Path, where: str, pattern: str, behaviours: list[Behaviour], names: list[str],
                    books: dict[str, dict[str, dict[str, Any]]]) -> None:  # fmt: skip
    """Each variant of `behaviours` (the list at field `where`) exists for an operation `pattern` covers."""
    for index, behaviour in enumerate(behaviours):
        if behaviour.variant is None:
            continue
        suffix = f"@{behaviour.variant}"
        if not any(
            key.endswith(suffix) and fnmatchcase(key.removesuffix(suffix), pattern)
            for book in names
            for key in books[book]
        ):
            raise FixtureError(
                f"{path}: {where}.{index}: no answer variant {behaviour.variant!r} for an operation"
                f" matching {pattern!r} in books {names}"
            )


def load_fixtures(scripts_dir: Path | None = None, project_books: Mapping[str, Path] | None = None) -> Fixtures:
    """Load and cross-check every model and book under `scripts_dir` (default: the shipped ones),
    and the `project_books` (project -> a book directory of `<phase>.yaml` files)."""
    root = scripts_dir or DEFAULT_SCRIPTS_DIR
    models_dir, answers_dir = root / "models", root / "answers"
    if not models_dir.is_dir():
        raise FixtureError(f"{models_dir}: no models directory in the scripts directory")
    books = _load_books(answers_dir) if answers_dir.is_dir() else {}
    models: dict[str, ScriptedModel] = {}
    sources: dict[str, Path] = {}
    for path in sorted(models_dir.glob("*.yaml")):
        model = _load_model(path)
        if model.name in models:
            raise FixtureError(f"{path}: name: model {model.name!r} is already defined in {sources[model.name]}")
        _check_references(path, model, books)
        models[model.name], sources[model.name] = model, path
    if not models:
        raise FixtureError(f"{models_dir}: no scripted model (*.yaml) found")
    files = []
    for project, directory in (project_books or {}).items():
        if not (found := sorted(directory.glob("*.yaml"))):
            raise FixtureError(f"{directory}: no answer book (*.yaml) for project {project!r}")
        files += [(project, path) for path in found]
    return Fixtures(models=models, books=books, project_books=_merge_books(files))
