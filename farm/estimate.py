"""Projected tokens and cost of a round, per model × project, and whether its budgets suffice.

Tokens come from history when the store has any: the succeeded phases of past rounds (their
`result.json` `calls.totals`) for the same project and phase — the same model's first, else any
model's, else other projects' scaled by project size. Without history, rough built-in priors by
project size. Tokens are then priced with each model's own prices, so a model new to the farm is
projected from what the others used.

Scripted simulator models answer in a fraction of a real model's tokens: history is kept apart by
endpoint, so simulator rounds (the demo) only project simulator models, and real rounds real ones.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from statistics import fmean

from farm import keys
from farm.catalog import Project, load_project
from farm.roundfile import LoadedRound
from farm.runplan import planned_runs
from farm.spec import EndpointKind, ModelSpec
from farm.store import Store
from workers.harness.usage import price


@dataclass(frozen=True)
class Tokens:
    input: float  # prompt tokens, cached included
    cached: float
    output: float

    def scaled(self, factor: float) -> Tokens:
        return Tokens(self.input * factor, self.cached * factor, self.output * factor)

    @staticmethod
    def mean(samples: list[Tokens]) -> Tokens:
        return Tokens(fmean(t.input for t in samples), fmean(t.cached for t in samples), fmean(t.output for t in samples))


# One todo run, per phase: deliberately rough; any past round in the store replaces them.
PRIOR_TODO = {
    "analyze": Tokens(60_000, 20_000, 15_000),
    "database": Tokens(80_000, 30_000, 25_000),
    "interface": Tokens(150_000, 60_000, 50_000),
    "test": Tokens(150_000, 60_000, 40_000),
    "realize": Tokens(200_000, 80_000, 60_000),
}
CATALOG_SIZE = {"todo": 1.0, "reddit": 4.0, "shopping": 6.0, "erp": 4.0}
# Work grows faster than the text: this exponent maps the catalog texts' lengths onto the sizes above.
_SIZE_EXPONENT = 1.6

HISTORY_MODEL = "history: this model"
HISTORY_OTHERS = "history: other models"
HISTORY_SCALED = "history: other projects, scaled by size"
PRIOR = "prior by project size"


def project_size(project: Project) -> float:
    """Relative work of a project (todo = 1): the catalog's ratio, else from its text's length."""
    if project.source == "catalog":
        return CATALOG_SIZE[project.name]
    return (len(project.text) / len(load_project("todo").text)) ** _SIZE_EXPONENT


# (simulated, project, phase) -> model -> token totals of each succeeded phase on record
History = dict[tuple[bool, str, str], dict[str, list[Tokens]]]


def _simulated_models(store: Store, round_id: str) -> dict[str, bool]:
    """Per model of a past round, whether the simulator played it (from its manifest; none: no round)."""
    manifest = store.get_json_or_none(keys.manifest(round_id)) or {}
    models = manifest.get("spec", {}).get("models", [])
    return {model["id"]: model["endpoint"]["kind"] == EndpointKind.SIMULATOR.value for model in models}


def load_history(store: Store) -> History:
    """Results of rounds without a manifest are left out: nothing says which endpoint produced them."""
    history: History = defaultdict(lambda: defaultdict(list))
    simulated: dict[str, dict[str, bool]] = {}
    for key in store.list("rounds/"):
        if not key.endswith("/result.json") or "/runs/" not in key:
            continue
        round_id = key.split("/")[1]
        if round_id not in simulated:
            simulated[round_id] = _simulated_models(store, round_id)
        result = store.get_json(key)
        totals = result.get("calls", {}).get("totals")
        model = keys.split_contestant(result["model"])[0]  # a variant's runs are the model's history
        if result.get("outcome") != "succeeded" or not totals or model not in simulated[round_id]:
            continue
        tokens = Tokens(totals.get("input_tokens", 0), totals.get("cached_tokens", 0), totals.get("output_tokens", 0))
        project = keys.split_run_project(result["project"])[0]
        history[(simulated[round_id][model], project, result["phase"])][model].append(tokens)
    return history


@dataclass(frozen=True)
class Row:
    model: str
    project: str
    runs: int  # the model's runs of the project: its variants × its repeats
    tokens: Tokens  # of them all
    cost_usd: float  # of them all
    basis: str  # the least direct source any of its phases needed


@dataclass(frozen=True)
class Verdict:
    scope: str  # "round" or a model id
    projected_usd: float
    limit_usd: float | None

    @property
    def fits(self) -> bool:
        return self.limit_usd is None or self.projected_usd <= self.limit_usd


@dataclass(frozen=True)
class Estimate:
    rows: list[Row]
    verdicts: list[Verdict]

    @property
    def from_history(self) -> bool:
        """Whether any projection came from past rounds of the same kind of endpoint."""
        return any(row.basis != PRIOR for row in self.rows)

    @property
    def fits(self) -> bool:
        return all(v.fits for v in self.verdicts)


_BASES = (HISTORY_MODEL, HISTORY_OTHERS, HISTORY_SCALED, PRIOR)


def _phase_tokens(
    history: History, sizes: dict[str, float], model: ModelSpec, project: str, phase: str
) -> tuple[Tokens, str]:
    simulated = model.endpoint.kind is EndpointKind.SIMULATOR
    by_model = history.get((simulated, project, phase), {})
    if by_model.get(model.id):
        return Tokens.mean(by_model[model.id]), HISTORY_MODEL
    if by_model:
        return Tokens.mean([t for samples in by_model.values() for t in samples]), HISTORY_OTHERS
    scaled = [
        t.scaled(sizes[project] / sizes[other])
        for (kind, other, other_phase), models in history.items()
        if kind == simulated and other_phase == phase and other in sizes
        for samples in models.values()
        for t in samples
    ]
    if scaled:
        return Tokens.mean(scaled), HISTORY_SCALED
    return PRIOR_TODO[phase].scaled(sizes[project]), PRIOR


def estimate(loaded: LoadedRound, history: History) -> Estimate:
    spec = loaded.spec
    sizes = CATALOG_SIZE | {p.name: project_size(p) for p in loaded.projects}
    rows = []
    names = [project.name for project in loaded.projects]
    planned = Counter((run.contestant.model, run.project) for run in planned_runs(spec, names))  # variants × repeats
    for model in spec.models:
        for project in loaded.projects:
            parts = [_phase_tokens(history, sizes, model, project.name, phase) for phase in spec.phases]
            runs = planned[model.id, project.name]
            one = Tokens(*(sum(getattr(t, f) for t, _ in parts) for f in ("input", "cached", "output")))
            tokens = one.scaled(runs)
            cost = price(model.prices, round(tokens.input), round(tokens.cached), round(tokens.output))
            basis = max((b for _, b in parts), key=_BASES.index)
            rows.append(Row(model.id, project.name, runs, tokens, cost, basis))
    verdicts = [
        Verdict(m.id, sum(r.cost_usd for r in rows if r.model == m.id), spec.model_budget(m.id)) for m in spec.models
    ]
    verdicts.append(Verdict("round", sum(r.cost_usd for r in rows), spec.budgets.round_usd))
    return Estimate(rows, verdicts)
