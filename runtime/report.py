"""What a verify says of a backend: `runtime.json`, stored beside the run's `score.json`.

`boots`, `golden`, `e2e` and `reason` are the interface scripts rely on (`farm verify --json`);
the rest is evidence: each step's time and trimmed log, each scenario's requests and verdict.
`fault` says who a failure is charged to: `model` (its code does not build, boot or answer:
`runtime_failed`) or `infra` (npm, the database, the sandbox: the run is left to be verified again,
never scored low for it).
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel

from runtime.scenarios.result import ScenarioResult, SuiteResult
from scoring.axes.golden import GoldenScenario, GoldenSetResult

Fault = Literal["model", "infra"]
RUNTIME_FAILED = "runtime_failed"
# The Golden Set of a backend that never served (it did not boot, or the model never finished it):
# 0, since no scenario passed and no response was consistent.
NO_BACKEND = GoldenSetResult(scenarios=[GoldenScenario(category="crud", passed=False, schema_warning=True)])


class Step(BaseModel):
    step: str
    ok: bool
    seconds: float
    fault: Fault | None = None
    reason: str = ""
    log: str = ""


class CategoryCount(BaseModel):
    passed: int = 0
    total: int = 0


class Golden(BaseModel):
    """Scenarios that ran (skipped ones, which need seeded accounts this run lacks, are left out)."""

    passed: int = 0
    total: int = 0
    by_category: dict[str, CategoryCount] = {}
    suite: str | None = None
    skipped: int = 0
    endpoint_not_found: int = 0
    schema_warnings: int = 0  # scenarios with a response that does not match the project's openapi.json

    @classmethod
    def of(cls, result: SuiteResult) -> Golden:
        ran = [s for s in result.scenarios if s.verdict != "skipped"]
        by_category: dict[str, CategoryCount] = {}
        for scenario in ran:
            count = by_category.setdefault(scenario.category, CategoryCount())
            count.total += 1
            count.passed += scenario.verdict == "passed"
        return cls(passed=sum(s.verdict == "passed" for s in ran), total=len(ran), by_category=by_category,
                   suite=result.suite, skipped=len(result.scenarios) - len(ran),
                   endpoint_not_found=sum(s.verdict == "endpoint_not_found" for s in ran),
                   schema_warnings=sum(s.conformance == "nonconformant" for s in ran))


class E2e(BaseModel):
    passed: int = 0
    total: int = 0
    failed: list[str] = []


class RuntimeReport(BaseModel):
    boots: bool
    golden: Golden
    e2e: E2e
    reason: str | None = None
    fault: Fault | None = None
    isolation: str = "loopback"
    seconds: float = 0.0
    steps: list[Step] = []
    scenarios: list[ScenarioResult] = []

    @property
    def infra_failed(self) -> bool:
        return self.fault == "infra"

    def golden_set(self) -> GoldenSetResult | None:
        """The Golden Set axis's input; None when the backend could not be verified for the farm's fault.
        A backend that never booted scores 0: no scenario passed and no response was consistent."""
        if self.infra_failed or self.golden.suite is None:
            return None
        if not self.boots:
            return NO_BACKEND
        return GoldenSetResult(scenarios=[
            GoldenScenario(category=s.category, passed=s.verdict == "passed", schema_warning=s.conformance == "nonconformant")
            for s in self.scenarios if s.verdict != "skipped"
        ])  # fmt: skip
