"""A round's runs: contestants (model × harness variant) × projects × repeats, and what each is sent.

The ledger, the queue and the store know a run by its contestant and its project, with the variant
and the repeat written into them (farm.keys: `qwen/qwen3-8b+terse`, `todo~2`).
"""

from __future__ import annotations

from dataclasses import dataclass

from farm.keys import contestant_id, run_project, split_contestant, split_run_project
from farm.spec import ModelSpec, RetryPolicy, RoundSpec


def repeat_seed(model: ModelSpec, repeat: int) -> int | None:
    """Repeat r is sent the model's seed + r − 1 (distinct per repeat, the first one unchanged);
    a model without a seed stays without one (its server draws)."""
    seed = model.sampling.seed
    return None if seed is None else seed + repeat - 1


@dataclass(frozen=True)
class Contestant:
    id: str
    model: str
    variant: str | None


def contestants(spec: RoundSpec) -> list[Contestant]:
    """Every model under every variant, models first (the round file's order)."""
    variants: list[str | None] = list(spec.variants) or [None]
    return [Contestant(contestant_id(model.id, variant), model.id, variant)
            for model in spec.models for variant in variants]


@dataclass(frozen=True)
class PlannedRun:
    contestant: Contestant
    project: str
    repeat: int
    seed: int | None

    @property
    def run_project(self) -> str:
        return run_project(self.project, self.repeat)


def planned_runs(spec: RoundSpec, projects: list[str]) -> list[PlannedRun]:
    """The round's runs, repeat by repeat, then project by project, contestants taking turns: workers
    take jobs in this order, so first repeats finish first and no model's endpoint waits for another's."""
    most = max(spec.repeats_of(model.id) for model in spec.models)
    return [
        PlannedRun(contestant, project, repeat, repeat_seed(spec.model(contestant.model), repeat))
        for repeat in range(1, most + 1)
        for project in projects
        for contestant in contestants(spec)
        if repeat <= spec.repeats_of(contestant.model)
    ]


@dataclass(frozen=True)
class RunSettings:
    """What one run's jobs send and allow: the model as its variant and repeat run it."""

    model: ModelSpec  # id unchanged (limits, budgets and prices are the model's); sampling carries the seed
    policy: RetryPolicy
    procedure: bool
    project: str  # the project's name (its requirements), without the repeat
    repeat: int


def run_settings(spec: RoundSpec, contestant: str, project_of_run: str) -> RunSettings:
    """Raises KeyError for a model or variant the round does not have, ValueError for a malformed run name."""
    model_id, variant_name = split_contestant(contestant)
    project, repeat = split_run_project(project_of_run)
    model = spec.model(model_id)
    policy = spec.retry
    procedure = False
    if variant_name is not None:
        variant = spec.variants[variant_name]
        model, policy, procedure = variant.over(model), variant.retry.over(policy), variant.procedure
    if repeat > 1:
        model = model.model_copy(update={"sampling": model.sampling.model_copy(update={"seed": repeat_seed(model, repeat)})})
    return RunSettings(model=model, policy=policy, procedure=procedure, project=project, repeat=repeat)
