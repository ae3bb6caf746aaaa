"""The leaderboard as data: what every renderer (table, Markdown, JSON, HTML) and `compare` read."""

from __future__ import annotations

import json
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, computed_field

from farm.keys import run_project
from runtime.report import RUNTIME_FAILED

# Model totals and axis means keep two decimals, rates four, costs six: enough to rank, and the
# JSON stays byte-stable (no float noise from summation order).
SCORE_DIGITS = 2
RATE_DIGITS = 4
COST_DIGITS = 6


class Record(BaseModel):
    """Immutable and strict: a renderer cannot alter the data, a typo in a field name fails."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class Estimate(Record):
    """A mean and its 95% confidence interval (farm.leaderboard.stats); `ci95` is None when there is
    nothing to resample (a single run)."""

    mean: float
    ci95: tuple[float, float] | None

    @classmethod
    def rounded(cls, mean: float, ci95: tuple[float, float] | None) -> Estimate:
        """To the leaderboard's score digits: byte-stable JSON whatever the summation order."""
        return cls(mean=round(mean, SCORE_DIGITS),
                   ci95=None if ci95 is None else (round(ci95[0], SCORE_DIGITS), round(ci95[1], SCORE_DIGITS)))


class VarianceSplit(Record):
    """How much of the spread of run totals is run-to-run (same project, another seed) and how much
    is between projects (farm.leaderboard.stats.variance_split)."""

    run_to_run: float
    between_projects: float
    run_to_run_share: float | None


class Significance(Record):
    """How rank differences were tested, for the reader (README, "Reading a leaderboard")."""

    test: str
    alpha: float
    resamples: int


class PhaseState(StrEnum):
    SUCCEEDED = "succeeded"
    MODEL_FAILED = "model_failed"
    SKIPPED = "skipped"  # after a model_failed phase: never run, by design
    INFRA = "infra"  # ended without a result (transport / serving stack / store failure)
    BUDGET = "budget"  # ended without a result after the provider refused payment (402)
    NOT_FINISHED = "not_finished"  # queued, running or cancelled: no trace of an end yet
    PENDING = "pending"  # after an unfinished phase: waits for it


class IncompleteKind(StrEnum):
    """Why a run has no score; none of these counts against the model."""

    INFRA = "infra"
    BUDGET = "budget"
    NOT_FINISHED = "not_finished"


class Usage(Record):
    """Tokens by kind and cost, as the harness metered them."""

    input_tokens: int = 0
    cached_tokens: int = 0
    output_tokens: int = 0
    reasoning_tokens: int = 0
    cost_usd: float = 0.0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            cached_tokens=self.cached_tokens + other.cached_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            reasoning_tokens=self.reasoning_tokens + other.reasoning_tokens,
            cost_usd=round(self.cost_usd + other.cost_usd, COST_DIGITS),
        )

    @classmethod
    def total(cls, parts: list[Usage]) -> Usage:
        return sum(parts, cls())


class Fcsr(Record):
    """Function-calling success counted per operation, so rates weigh operations, not phases.

    `operations` are those that got at least one answer from the model (an operation that only
    met transport faults says nothing about the model).
    """

    operations: int = 0
    first_attempt: int = 0
    after_retries: int = 0

    def __add__(self, other: Fcsr) -> Fcsr:
        return Fcsr(
            operations=self.operations + other.operations,
            first_attempt=self.first_attempt + other.first_attempt,
            after_retries=self.after_retries + other.after_retries,
        )

    @classmethod
    def total(cls, parts: list[Fcsr]) -> Fcsr:
        return sum(parts, cls())

    @computed_field  # type: ignore[prop-decorator]
    @property
    def first_attempt_rate(self) -> float | None:
        return round(self.first_attempt / self.operations, RATE_DIGITS) if self.operations else None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def after_retries_rate(self) -> float | None:
        return round(self.after_retries / self.operations, RATE_DIGITS) if self.operations else None


class PhaseEntry(Record):
    phase: str
    state: PhaseState
    reason: str = ""
    summary: dict[str, int | float | str] = {}


class Incomplete(Record):
    kind: IncompleteKind
    phase: str | None  # None: every phase ended, the score is not written yet
    detail: str


class RunScore(Record):
    total: int
    grade: str
    gate_passed: bool
    axes: dict[str, int]  # empty when the gate failed
    scorer_version: str


class Count(Record):
    """Passed of total; the renderers derive the rate (a total of 0 has none)."""

    passed: int
    total: int


class GoldenCount(Count):
    by_category: dict[str, Count]


class RunRuntime(Record):
    """What `farm verify` found of the run's backend, from its runtime.json."""

    boots: bool | None  # None: the farm could not get it to the point of booting (reason says why)
    golden: GoldenCount  # scenarios played; skipped ones (need seeded accounts) left out
    e2e: Count  # the project's own e2e tests
    reason: str | None  # "runtime_failed: …" (the model's code) or "infra: …" (the farm's)

    @property
    def model_failed(self) -> bool:
        return (self.reason or "").startswith(f"{RUNTIME_FAILED}:")

    @property
    def golden_rate(self) -> float | None:
        """The share of scenarios passed; 0 for a backend that failed before any was played; None when
        none was played for another reason (the farm's fault, no suite): left out, never a 0."""
        if self.golden.total:
            return self.golden.passed / self.golden.total
        return 0.0 if self.model_failed else None


class RunEntry(Record):
    project: str
    repeat: int  # 1..repeats: runs of one project differ only by their seed
    seed: int | None  # the sampling seed its calls were sent (None: the model's endpoint drew)
    phases: list[PhaseEntry]
    incomplete: Incomplete | None
    score: RunScore | None  # None exactly when incomplete
    runtime: RunRuntime | None  # None: not verified (no runtime.json), which never counts as a 0
    usage: Usage
    fcsr: Fcsr
    attempts: int  # LLM calls of its finished phases, retries and transport failures included
    duration_s: float | None  # summed over its finished phases; None when none finished
    providers: list[str]  # who served its calls (calls.jsonl), sorted; empty when the endpoint does not say

    @property
    def label(self) -> str:
        """The run as the store and the ledger name it: `todo`, `todo~2`."""
        return run_project(self.project, self.repeat)


class Prices(Record):
    """USD per million tokens, as the round file set them."""

    input: float
    cached: float
    output: float


class ModelInfo(Record):
    """What the manifest says of a model, and who served its calls."""

    served_name: str  # the name its endpoint was asked for
    endpoint: str  # the endpoint kind, with the dialect preflight found: "openai-compatible (llama.cpp)"
    prices: Prices
    providers: list[str]  # over all its runs


class ModelEntry(Record):
    """One contestant: a model, under one harness variant when the round has variants."""

    rank: int | None  # None: not every run is scored, so its total does not compare (see unranked_because)
    unranked_because: str | None
    tied_group: int | None  # ranked contestants in one group do not differ significantly; None when unranked
    contestant: str  # the model id, `+variant` when the round has variants
    model: str
    variant: str | None
    repeats: int  # runs per project
    info: ModelInfo
    # Mean over projects of each project's mean over its scored runs, with its interval (only some
    # runs when unranked); None when no run is scored.
    total: Estimate | None
    grade: str | None
    axes: dict[str, Estimate]
    variance: VarianceSplit | None  # None without two scored runs of one project
    usage: Usage  # over scored runs: the same work the total describes
    fcsr: Fcsr  # over scored runs
    golden_pass_rate: float | None  # mean of its runs' `golden_rate`; None when no run has one
    golden_runs: int  # the runs that mean covers
    cost_per_point: float | None  # USD per scored run / total; None when the total is 0 or none
    tokens_per_point: float | None  # input + output tokens per scored run / total
    pareto: bool  # on the score-vs-cost front: no ranked contestant scores more for less
    serving_flag: str | None  # set when its runs were served by more than one provider (the ranks then mix providers)
    runs: list[RunEntry]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def incomplete_runs(self) -> list[str]:
        """Runs (`project`, `project~repeat`) left out of the total."""
        return [run.label for run in self.runs if run.incomplete is not None]

    @property
    def cost_per_run(self) -> float | None:
        """USD per scored run: the cost axis of the score-vs-cost front; None when no run is scored."""
        scored = sum(run.score is not None for run in self.runs)
        return self.usage.cost_usd / scored if scored else None

    def run(self, project: str, repeat: int = 1) -> RunEntry:
        return next(run for run in self.runs if run.project == project and run.repeat == repeat)

    def runs_of(self, project: str) -> list[RunEntry]:
        """The project's runs, repeat by repeat."""
        return [run for run in self.runs if run.project == project]

    def scored_totals(self) -> dict[str, list[float]]:
        return scored_totals(self.runs)


def scored_totals(runs: list[RunEntry]) -> dict[str, list[float]]:
    """Per project, its scored runs' totals: what the statistics resample."""
    totals: dict[str, list[float]] = {}
    for run in runs:
        if run.score is not None:
            totals.setdefault(run.project, []).append(float(run.score.total))
    return totals


class VariantEffect(Record):
    """What running a model under `variant` instead of `baseline` (the round's first variant) did to
    its total, paired by project."""

    model: str
    variant: str
    baseline: str
    delta: Estimate  # variant − baseline
    p_value: float
    significant: bool


class Leaderboard(Record):
    round: str
    description: str
    created_at: str  # the manifest's: the only timestamp in the output
    profile: str  # the scoring profile every run was scored under (scoring/profiles/)
    axis_weights: dict[str, float]  # the profile's
    scorer_versions: list[str]
    phases: list[str]
    projects: list[str]
    axes: list[str]  # axes present in the round, in the profile's order
    golden_categories: list[str]  # Golden Set categories of the round's verified runs, in the axis' order
    repeats: int  # the most runs per project any contestant has
    variants: dict[str, str]  # variant -> its settings, in the round file's order; empty without variants
    significance: Significance
    variance: VarianceSplit | None  # pooled over contestants with repeats
    variant_effects: list[VariantEffect]
    models: list[ModelEntry]  # contestants, ranked

    @property
    def date(self) -> str:
        return self.created_at[:10]

    @property
    def verified(self) -> bool:
        """Whether any run was verified live: rounds from before `farm verify` show no runtime at all."""
        return any(run.runtime is not None for entry in self.models for run in entry.runs)

    def contestant(self, contestant_id: str) -> ModelEntry:
        return next(entry for entry in self.models if entry.contestant == contestant_id)

    def to_json(self) -> str:
        """Canonical text: sorted keys, fixed indentation, trailing newline (same data, same bytes)."""
        return json.dumps(self.model_dump(mode="json"), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
