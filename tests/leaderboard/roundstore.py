"""Round stores written the way a real round leaves them: manifest, phase results, calls, score and
runtime reports.

The manifest comes from `build_manifest(parse_round(...))`, the calls summaries from the workers'
own `summarize`, score reports are `scoring.ScoreReport` JSON (one from the real scorer), runtime
reports `runtime.report.RuntimeReport` JSON with the Golden counts made by `Golden.of` from the
played scenarios, as `farm verify` makes them.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from farm import keys
from farm.conformance import Conformance
from farm.manifest import Manifest, build_manifest
from farm.roundfile import parse_round
from farm.store import Store
from runtime.report import RUNTIME_FAILED, E2e, Fault, Golden, RuntimeReport, Step
from runtime.scenarios.result import ConformanceTally, ScenarioResult, SuiteResult, Tally
from scoring import score_tree
from scoring.profiles import DEFAULT as PROFILE
from scoring.report import AxisReport, GateReport, PenaltyReport, ScoreReport, grade
from workers.calls import calls_jsonl, summarize
from workers.harness.operation import AttemptRecord
from workers.harness.usage import Usage

REPO = Path(__file__).resolve().parents[2]
TODO_FIXTURE = REPO / "tests" / "scoring" / "fixtures" / "autobe_todo"


LOCAL_SERVED_NAME = "qwen3-coder-30b-a3b"


def model_entry(model_id: str) -> dict[str, Any]:
    """A local model (`local/…`) on a llama.cpp server under its own name; the others on OpenRouter."""
    entry: dict[str, Any] = {"id": model_id, "endpoint": {"kind": "openrouter"},
                             "prices": {"input": 0.2, "cached": 0.02, "output": 0.8}}
    if model_id.startswith("local/"):
        entry.update(endpoint={"kind": "openai-compatible", "base_url": "http://127.0.0.1:8080/v1"},
                     served_name=LOCAL_SERVED_NAME, prices={"input": 0, "output": 0})
    return entry


def write_manifest(store: Store, round_id: str, models: list[str], projects: list[str], phases: list[str],
                   description: str = "", endpoints: dict[str, Conformance] | None = None, *, repeats: int = 1,
                   variants: dict[str, dict[str, Any]] | None = None) -> Manifest:
    """`endpoints`: what preflight found of each model's server, frozen into the manifest; `repeats` and
    `variants` as the round file sets them (runs of repeat r are stored under `project~r`, contestants
    under `model+variant`)."""
    data = {"round": round_id, "description": description, "models": [model_entry(m) for m in models],
            "projects": projects, "phases": phases, "repeats": repeats, "variants": variants or {}}
    manifest = build_manifest(parse_round(data, f"<{round_id}>", REPO), profile=PROFILE, endpoints=endpoints)
    store.put_json(keys.manifest(round_id), manifest.model_dump(mode="json"))
    return manifest


@dataclass
class Calls:
    """Attempt records of one phase, as the harness writes them."""

    cost: float = 0.001  # per attempt
    provider: str | None = None  # who served each answered attempt, as OpenRouter names it
    tokens: tuple[int, int, int, int] = (1000, 200, 300, 50)  # input, cached, output, reasoning
    attempts: list[dict[str, Any]] = field(default_factory=list)

    def op(self, op_id: str, *outcomes: str) -> Calls:
        for outcome in outcomes:
            n = len(self.attempts)
            answered = not outcome.startswith("transport:")
            inp, cached, out, reasoning = self.tokens if answered else (0, 0, 0, 0)
            usage = Usage(input_tokens=inp, cached_tokens=cached, output_tokens=out, reasoning_tokens=reasoning,
                          cost_usd=self.cost if answered else 0.0, cost_source="prices" if answered else "none")
            record = AttemptRecord(attempt_id=f"a{n:04d}", op_id=op_id, attempt=n, started_at=1_700_000_000.0 + n,
                                   latency_ms=10.0, request_digest=f"d{n}", outcome=outcome, usage=usage,
                                   provider=self.provider if answered else None)
            self.attempts.append(record.model_dump(mode="json"))
        return self


def ok_calls(ops: int = 1, cost: float = 0.001, provider: str | None = None) -> Calls:
    calls = Calls(cost=cost, provider=provider)
    for i in range(ops):
        calls.op(f"op-{i}", "success")
    return calls


def write_result(store: Store, round_id: str, model: str, project: str, phase: str, calls: Calls,
                 summary: dict[str, int], outcome: str = "succeeded", reason: str = "") -> None:
    """What `workers.jobs` writes: calls.jsonl, then the result record last."""
    phase_keys = keys.RunKeys(round_id, model, project).phase(phase)
    store.put_text(phase_keys.calls, calls_jsonl(calls.attempts))
    files = {f"docs/{phase}.md": f"# {phase}\n"}
    store.put_json(phase_keys.result, {
        "model": model, "project": project, "phase": phase, "outcome": outcome, "reason": reason,
        "started_at": 1_700_000_000.0, "ended_at": 1_700_000_100.0,
        "files": {path: hashlib.sha256(text.encode()).hexdigest() for path, text in files.items()},
        "summary": summary, "calls": summarize(calls.attempts),
    })


def write_unfinished(store: Store, round_id: str, model: str, project: str, phase: str, calls: Calls,
                     outcome: str, reason: str = "") -> None:
    """A phase that ended infra_failed or budget_stopped: calls.jsonl and outcome.json, no result record."""
    phase_keys = keys.RunKeys(round_id, model, project).phase(phase)
    store.put_text(phase_keys.calls, calls_jsonl(calls.attempts))
    store.put_json(phase_keys.outcome, {"outcome": outcome, "reason": reason})


def hand_report(total: int, axes: dict[str, int] | None = None) -> ScoreReport:
    """A small score report; without axes it is a failed gate (no source), as a model-failed run gets."""
    gate = GateReport(passed=axes is not None, soft=False, score=100 if axes is not None else 0,
                      failed_at=None if axes is not None else "no-source", counts={}, metrics={})
    return ScoreReport(
        scorer_version="test", profile=PROFILE, gate=gate,
        axes=[AxisReport(id=axis, score=score, weight=1.0, metrics={}) for axis, score in (axes or {}).items()],
        absent_axes=["golden"], raw=float(total), multiplier=1.0,
        penalties=PenaltyReport(total=0, raw_sum=0, cap=20, parts=[]) if axes is not None else None,
        total=total, grade=grade(total), issues=[],
    )


def real_todo_report() -> ScoreReport:
    return score_tree(TODO_FIXTURE, PROFILE)


def write_score(store: Store, round_id: str, model: str, project: str, report: ScoreReport) -> None:
    store.put_text(keys.RunKeys(round_id, model, project).score, report.to_json())


VERIFY_STEPS = ["install", "generate", "apply_schema", "build", "boot", "scenarios", "e2e"]


def booted(suite: str, played: dict[str, tuple[int, int]], e2e: tuple[int, int], skipped: int = 0,
           crashed: str | None = None) -> RuntimeReport:
    """A backend that booted. `played`: category -> (passed, failed) scenarios; `skipped` more needed seeded
    accounts; `e2e`: (passed, total) of its own tests; `crashed`: why the server ended while tested."""
    scenarios = [ScenarioResult(id=f"{suite}-{category}-{i}", category=category, intent="a requirement", cites=[],
                                verdict="passed" if i < passed else "failed")
                 for category, (passed, failed) in played.items() for i in range(passed + failed)]
    scenarios += [ScenarioResult(id=f"{suite}-seeded-{i}", category="workflow", intent="needs an account", cites=[],
                                 verdict="skipped") for i in range(skipped)]
    totals, by_category = Tally(), dict[str, Tally]()
    for scenario in scenarios:
        totals.add(scenario.verdict)
        by_category.setdefault(scenario.category, Tally()).add(scenario.verdict)
    result = SuiteResult(suite=suite, base_url="http://127.0.0.1:3000", seconds=12.0, endpoints={}, totals=totals,
                         by_category=by_category, conformance=ConformanceTally(), scenarios=scenarios)
    failed_tests = [f"test_api_{i}" for i in range(e2e[1] - e2e[0])]
    return RuntimeReport(
        boots=True, golden=Golden.of(result), e2e=E2e(passed=e2e[0], total=e2e[1], failed=failed_tests),
        reason=f"{RUNTIME_FAILED}: the server ended while tested: {crashed}" if crashed else None,
        fault="model" if crashed else None, isolation="netns", seconds=30.0,
        steps=[Step(step=step, ok=True, seconds=1.0) for step in VERIFY_STEPS], scenarios=scenarios)


def not_booted(suite: str, step: str, why: str, fault: Fault = "model") -> RuntimeReport:
    """A verify that ended at `step`: the model's code (`runtime_failed`) or the farm (`infra`)."""
    steps = [Step(step=done, ok=True, seconds=1.0) for done in VERIFY_STEPS[:VERIFY_STEPS.index(step)]]
    steps.append(Step(step=step, ok=False, seconds=1.0, fault=fault, reason=why, log="the end of its log"))
    label = RUNTIME_FAILED if fault == "model" else "infra"
    return RuntimeReport(boots=False, golden=Golden(suite=suite), e2e=E2e(), reason=f"{label}: {step}: {why}",
                         fault=fault, isolation="netns", seconds=5.0, steps=steps)


def write_runtime(store: Store, round_id: str, model: str, project: str, report: RuntimeReport) -> None:
    """runtime.json beside score.json, as the verify job stores it."""
    store.put_text(keys.RunKeys(round_id, model, project).runtime, report.model_dump_json(indent=1))
