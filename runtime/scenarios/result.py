"""What a suite run reports: per scenario a verdict with its evidence, and totals by category.

Verdicts: `passed`; `failed` (an expectation did not hold); `endpoint_not_found` (the project's
openapi.json has no operation for a contract the scenario needs); `error` (no HTTP answer, the
suite deadline, or a broken scenario); `skipped` (the scenario needs seeded variables, such as
an administrator's credentials, that this run was not given). The pass rate leaves skipped
scenarios out. Schema conformance is a separate term: it never changes a verdict.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, computed_field

Verdict = Literal["passed", "failed", "endpoint_not_found", "error", "skipped"]
VERDICTS: tuple[Verdict, ...] = ("passed", "failed", "endpoint_not_found", "error", "skipped")
ConformanceTerm = Literal["conformant", "nonconformant", "unchecked"]


class StepRecord(BaseModel):
    endpoint: str
    method: str | None = None
    path: str | None = None  # as sent, path parameters filled in
    query: dict[str, str] | None = None
    request: str | None = None  # body excerpt
    status: int | None = None
    response: str | None = None  # body excerpt, at most 2 KiB
    elapsed_ms: int | None = None
    failure: str | None = None
    notes: list[str] = []
    conformance: ConformanceTerm = "unchecked"
    conformance_findings: list[str] = []


class ScenarioResult(BaseModel):
    id: str
    category: str
    intent: str
    cites: list[str]
    verdict: Verdict
    message: str | None = None
    seconds: float = 0.0
    conformance: ConformanceTerm = "unchecked"
    steps: list[StepRecord] = []


class Tally(BaseModel):
    passed: int = 0
    failed: int = 0
    endpoint_not_found: int = 0
    error: int = 0
    skipped: int = 0

    def add(self, verdict: Verdict) -> None:
        setattr(self, verdict, getattr(self, verdict) + 1)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def total(self) -> int:
        return sum(getattr(self, v) for v in VERDICTS)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def pass_rate(self) -> float | None:
        """Passed among the scenarios that ran (skipped ones left out)."""
        ran = self.total - self.skipped
        return round(self.passed / ran, 4) if ran else None


class ConformanceTally(BaseModel):
    responses_checked: int = 0
    conformant: int = 0
    nonconformant: int = 0


class SuiteResult(BaseModel):
    suite: str
    base_url: str
    seconds: float
    aborted: str | None = None  # why later scenarios could not run (server gone, deadline)
    endpoints: dict[str, str]  # contract name -> "METHOD /path", or why it was not found
    totals: Tally
    by_category: dict[str, Tally]
    conformance: ConformanceTally
    scenarios: list[ScenarioResult]
