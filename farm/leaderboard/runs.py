"""One run read back from the store: its phases, why it is incomplete if it is, its score, and what
`farm verify` found of its backend (`runtime.json`, beside `score.json`).

Only the store is read, never the ledger, so a leaderboard can be rebuilt long after the round's
Redis is gone. A phase is done when its result record exists (written last). A phase without one
is explained by its `outcome.json`, which the job writes when it ends a phase as infra_failed or
budget_stopped; without either the phase never ended (queued, running, cancelled).
"""

from __future__ import annotations

from typing import Literal

import orjson
from pydantic import BaseModel, ConfigDict

from farm import keys
from farm.leaderboard.model import (
    Count,
    Fcsr,
    GoldenCount,
    Incomplete,
    IncompleteKind,
    PhaseEntry,
    PhaseState,
    RunEntry,
    RunRuntime,
    RunScore,
    Usage,
)
from farm.leaderboard.reading import LeaderboardError, read_json, where
from farm.store import NotInStore, Store
from runtime.report import RUNTIME_FAILED, RuntimeReport
from scoring.report import ScoreReport

# Attempt outcomes are a function-call result or "transport:<fault>" (workers.calls.summarize):
# only the former is an answer from the model.
TRANSPORT_PREFIX = "transport:"


class _Outcome(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)
    outcome: Literal["infra_failed", "budget_stopped"]
    reason: str = ""


class _Stored(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


class _Operation(_Stored):
    outcomes: dict[str, int]
    first_attempt_success: bool
    succeeded: bool

    @property
    def answered(self) -> bool:
        return any(not outcome.startswith(TRANSPORT_PREFIX) for outcome in self.outcomes)


class _Calls(_Stored):
    totals: dict[str, float] = {}
    operations: dict[str, _Operation] = {}
    attempts: int = 0


class PhaseResult(_Stored):
    """The fields of a phase's result.json the leaderboard reads."""

    outcome: Literal["succeeded", "model_failed"]
    reason: str = ""
    summary: dict[str, int | float | str] = {}
    calls: _Calls
    started_at: float | None = None
    ended_at: float | None = None

    @property
    def duration_s(self) -> float:
        return (self.ended_at - self.started_at) if self.started_at is not None and self.ended_at is not None else 0.0

    def usage(self) -> Usage:
        names = Usage.model_fields
        return Usage(**{name: value for name, value in self.calls.totals.items() if name in names})

    def fcsr(self) -> Fcsr:
        answered = [op for op in self.calls.operations.values() if op.answered]
        return Fcsr(
            operations=len(answered),
            first_attempt=sum(op.first_attempt_success for op in answered),
            after_retries=sum(op.succeeded for op in answered),
        )


def _unfinished(store: Store, phase_keys: keys.PhaseKeys, phase: str) -> tuple[PhaseState, str]:
    """What the job recorded when the phase ended without a result; nothing means it never ended."""
    recorded = read_json(store, phase_keys.outcome, _Outcome, "phase outcome")
    if recorded is None:
        return PhaseState.NOT_FINISHED, _DETAIL[PhaseState.NOT_FINISHED].format(phase=phase)
    state = PhaseState.BUDGET if recorded.outcome == "budget_stopped" else PhaseState.INFRA
    detail = _DETAIL[state].format(phase=phase)
    return state, f"{detail}: {recorded.reason}" if recorded.reason else detail


_DETAIL = {
    PhaseState.INFRA: "{phase} ended without a result (infrastructure failure)",
    PhaseState.BUDGET: "{phase} stopped by a budget",
    PhaseState.NOT_FINISHED: "{phase} has not finished",
}


def read_run(store: Store, run_keys: keys.RunKeys, phases: list[str], profile: str, seed: int | None) -> RunEntry:
    """Walk the run's phases in order; score it only when every phase that had to run has ended.
    `seed`: what the manifest sent the run's calls."""
    entries: list[PhaseEntry] = []
    results: list[PhaseResult] = []
    providers: set[str] = set()
    incomplete: Incomplete | None = None
    stopped: PhaseState | None = None  # set once a phase ends the run early
    for phase in phases:
        if stopped is not None:
            later = PhaseState.SKIPPED if stopped is PhaseState.MODEL_FAILED else PhaseState.PENDING
            entries.append(PhaseEntry(phase=phase, state=later))
            continue
        phase_keys = run_keys.phase(phase)
        result = read_json(store, phase_keys.result, PhaseResult, "phase result")
        if result is None:
            stopped, detail = _unfinished(store, phase_keys, phase)
            incomplete = Incomplete(kind=IncompleteKind(stopped.value), phase=phase, detail=detail)
            entries.append(PhaseEntry(phase=phase, state=stopped))
            continue
        results.append(result)
        providers |= _providers(store, phase_keys.calls)
        entries.append(PhaseEntry(phase=phase, state=PhaseState(result.outcome), reason=result.reason,
                                  summary=result.summary))
        if result.outcome == PhaseState.MODEL_FAILED:
            stopped = PhaseState.MODEL_FAILED
    score = None
    if incomplete is None:
        score = _read_score(store, run_keys.score, profile)
        if score is None:
            incomplete = Incomplete(kind=IncompleteKind.NOT_FINISHED, phase=None, detail="not scored yet")
    return RunEntry(
        project=run_keys.project_name,
        repeat=keys.split_run_project(run_keys.project)[1],
        seed=seed,
        phases=entries,
        incomplete=incomplete,
        score=score,
        runtime=_read_runtime(store, run_keys.runtime) or _no_backend(entries, score),
        usage=Usage.total([r.usage() for r in results]),
        fcsr=Fcsr.total([r.fcsr() for r in results]),
        attempts=sum(r.calls.attempts for r in results),
        duration_s=round(sum(r.duration_s for r in results), 1) if results else None,
        providers=sorted(providers),
    )


def _providers(store: Store, key: str) -> set[str]:
    """Who served a phase's calls, as the endpoint said (OpenRouter names the provider it routed to):
    only calls.jsonl records it, per call."""
    try:
        lines = store.get_bytes(key).splitlines()
    except NotInStore:
        return set()
    try:
        return {provider for line in lines if line.strip() and (provider := orjson.loads(line).get("provider"))}
    except orjson.JSONDecodeError as exc:
        raise LeaderboardError(f"{where(store, key)}: not valid JSON lines ({exc})") from None


def _read_score(store: Store, key: str, profile: str) -> RunScore | None:
    report = read_json(store, key, ScoreReport, "score report")
    if report is None:
        return None
    if report.profile != profile:
        raise LeaderboardError(f"{where(store, key)}: scored with profile {report.profile!r}, "
                               f"but the round's manifest says {profile!r}")
    return RunScore(total=report.total, grade=report.grade, gate_passed=report.gate.passed,
                    axes={axis.id: axis.score for axis in report.axes}, scorer_version=report.scorer_version)


def _no_backend(phases: list[PhaseEntry], score: RunScore | None) -> RunRuntime | None:
    """A run the model failed before it had a backend, scored with its Golden Set at 0 (the score job
    does that when the project has a suite): shown and averaged as a backend that does not boot."""
    failed = next((entry.phase for entry in phases if entry.state is PhaseState.MODEL_FAILED), None)
    if failed is None or score is None or "golden" not in score.axes:
        return None
    return RunRuntime(boots=False, golden=GoldenCount(passed=0, total=0, by_category={}), e2e=Count(passed=0, total=0),
                      reason=f"{RUNTIME_FAILED}: no backend: the run ended model_failed at {failed}")


def _read_runtime(store: Store, key: str) -> RunRuntime | None:
    """The counts and verdict of a runtime.json; its evidence (steps, scenarios) stays in the store."""
    report = read_json(store, key, RuntimeReport, "runtime report")
    if report is None:
        return None
    golden = report.golden
    return RunRuntime(
        # A verify the farm could not take as far as booting says nothing of whether the backend boots.
        boots=None if report.infra_failed and not report.boots else report.boots,
        golden=GoldenCount(passed=golden.passed, total=golden.total,
                           by_category={category: Count(passed=count.passed, total=count.total)
                                        for category, count in golden.by_category.items()}),
        e2e=Count(passed=report.e2e.passed, total=report.e2e.total),
        reason=report.reason,
    )
