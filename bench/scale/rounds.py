"""The rounds the scale benchmarks submit, and the figures read back from a finished one."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench.scale.deployed import GENERATE_PHASES, SCALE_MODEL, RoundFigures
from bench.scale.ideal import PhaseBound, run_bound
from farm import keys
from farm.demo_project import demo_project
from farm.outcomes import JobState
from farm.store import Store

MODEL_CONCURRENCY = 4
OPERATION_CONCURRENCY = 4


@dataclass(frozen=True)
class Project:
    name: str
    ref: str  # what the round file's `projects` names
    books: dict[str, Path]  # what the simulator must serve for it


def project(name: str, size: str | None = None) -> Project:
    """todo (hand-written book) or a generated catalog project at its own size (or `size`'s)."""
    chosen = demo_project(name, size)
    return Project(name, chosen.ref, chosen.books)


def round_data(round_id: str, models: int, projects: list[Project], sim_url: str) -> dict[str, Any]:
    """`models` copies of the scale model, each a server of its own (the simulator's `/endpoint/mI`),
    as distinct models on OpenRouter are: the farm shares a limit by base URL."""
    root = sim_url.removesuffix("/v1")
    return {
        "round": round_id,
        "models": [{"id": f"scale/m{i}", "served_name": SCALE_MODEL,
                    "endpoint": {"kind": "simulator", "base_url": f"{root}/endpoint/m{i}/v1"},
                    "prices": {"input": 0.5, "cached": 0.05, "output": 1.5}, "concurrency": MODEL_CONCURRENCY}
                   for i in range(models)],
        "projects": [p.ref for p in projects],
        "phases": list(GENERATE_PHASES),
        "operation_concurrency": OPERATION_CONCURRENCY,
    }  # fmt: skip


@dataclass(frozen=True)
class RunFigures:
    model: str
    project: str
    wall_s: float  # from the round's submission to the run's last generate job's end
    bound_s: float
    calls: int
    phases: list[PhaseBound]

    @property
    def efficiency(self) -> float:
        return self.bound_s / self.wall_s


def run_figures(store: Store, figures: RoundFigures, latency_s: float) -> list[RunFigures]:
    """Per run of the round: its wall time, its latency bound and calls; every job must have succeeded
    (a scale figure from a failed run would measure something else)."""
    failed = {str(job): record.state.value for job, record in figures.jobs.items() if record.state != JobState.SUCCEEDED}
    if failed:
        raise RuntimeError(f"{figures.round_id}: jobs did not succeed: {failed}")
    runs = sorted({(job.model, job.project) for job in figures.jobs})
    slots = min(MODEL_CONCURRENCY, OPERATION_CONCURRENCY)
    out = []
    for model, name in runs:
        phases = run_bound(store, keys.RunKeys(figures.round_id, model, name), list(GENERATE_PHASES), latency_s, slots)
        ended = max(r.ended_at or 0.0 for j, r in figures.jobs.items() if (j.model, j.project) == (model, name))
        out.append(RunFigures(model, name, ended - figures.submitted_at, sum(p.bound_s for p in phases),
                              sum(p.calls for p in phases), phases))  # fmt: skip
    return out
