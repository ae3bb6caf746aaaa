"""/metrics after six rounds: per-job series for the running round only, per-model totals for the
finished ones, nothing for a forgotten one.

A worker process writes its multiprocess files (as a prefork child does); /metrics is then built by
the exporter's own registry over those files and a real Redis holding the ledger.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from pathlib import Path

import pytest
from prometheus_client import generate_latest
from prometheus_client.parser import text_string_to_metric_families

from farm import exporter
from farm.ledger import JobKey, Ledger
from farm.metrics_state import ROLLUP_AFTER_S, forget_round
from tests.servers import REPO

pytestmark = pytest.mark.integration

ROUNDS = [f"2026-{month:02d}" for month in range(7, 13)]
RUNNING, FORGOTTEN = ROUNDS[-1], ROUNDS[0]
MODELS = ["vendor/a", "vendor/b"]
PROJECTS = ["todo", "reddit"]
PHASES = ["analyze", "database", "interface"]
COST = 0.01  # per call, one call per job

# A prefork child counting one call and one job per (round, model, project, phase), and scoring each run.
_WORKER = f"""
from farm import metrics
for round_id in {ROUNDS!r}:
    for model in {MODELS!r}:
        for project in {PROJECTS!r}:
            for phase in {PHASES!r}:
                labels = (round_id, model, project, phase)
                metrics.job_started(labels)
                metrics.observe_attempt(labels, "success", {{"tokens_input": 100, "cost_usd": {COST}}}, 1.5)
                metrics.job_ended(labels, "succeeded", 30.0)
            metrics.RUN_SCORE.labels(round_id, model, project).set(80)
"""

Series = dict[tuple[str, tuple[tuple[str, str], ...]], float]
Scrape = Callable[[], Series]


def _complete(ledger: Ledger, round_id: str, at: float) -> None:
    ledger.mark_complete_if_done(round_id, open_jobs=0)
    ledger.r.hset(Ledger._round(round_id), "completed_at", at)


def _by_round(series: Series) -> dict[str, Series]:
    grouped: dict[str, Series] = defaultdict(dict)
    for key, value in series.items():
        round_id = dict(key[1]).get("round")
        if round_id:
            grouped[round_id][key] = value
    return grouped


@pytest.fixture
def scrape(tmp_path: Path, redis_url: str, monkeypatch: pytest.MonkeyPatch) -> Scrape:
    """Six rounds counted by a worker process, the last still running; returns what /metrics serves."""
    path = exporter.fresh_multiproc_dir(tmp_path / "multiproc")
    env = {exporter.MULTIPROC_ENV: str(path), "PATH": "/usr/bin:/bin"}
    subprocess.run([sys.executable, "-c", _WORKER], cwd=REPO, env=env, check=True, timeout=60)
    monkeypatch.setenv(exporter.MULTIPROC_ENV, str(path))
    ledger = Ledger.from_url(redis_url)
    jobs = [JobKey(m, p, phase) for m in MODELS for p in PROJECTS for phase in PHASES]
    for round_id in ROUNDS:
        ledger.register_round(round_id, jobs, {})
        if round_id != RUNNING:
            _complete(ledger, round_id, time.time() - ROLLUP_AFTER_S - 60)

    def served() -> Series:
        text = generate_latest(exporter.registry(redis_url)).decode()
        return {(s.name, tuple(sorted(s.labels.items()))): s.value
                for family in text_string_to_metric_families(text) for s in family.samples}

    return served


def test_finished_rounds_roll_up_to_per_model_totals(scrape: Scrape) -> None:
    rounds = _by_round(scrape())
    jobs = len(MODELS) * len(PROJECTS) * len(PHASES)
    running = {key for key in rounds[RUNNING] if key[0] == "farm_jobs_started_total"}
    assert len(running) == jobs  # every job of the running round, by its own labels
    for round_id in ROUNDS[1:-1]:
        series = rounds[round_id]
        per_job = [key for key in series if {"project", "phase"} & dict(key[1]).keys()
                   and key[0] != "farm_run_score" and dict(key[1]).get("phase") != ""]
        assert per_job == [], round_id
        started = {dict(key[1])["model"]: value for key, value in series.items() if key[0] == "farm_jobs_started_total"}
        assert started == dict.fromkeys(MODELS, jobs / len(MODELS))  # totals kept
        cost = sum(value for key, value in series.items() if key[0] == "farm_llm_cost_usd_total")
        assert cost == pytest.approx(jobs * COST)
        latency = {dict(key[1])["model"]: value for key, value in series.items()
                   if key[0] == "farm_llm_latency_seconds_bucket" and dict(key[1])["le"] == "2.0"}
        assert latency == dict.fromkeys(MODELS, jobs / len(MODELS))  # a histogram still, summed per bucket
        assert len([key for key in series if key[0] == "farm_run_score"]) == len(MODELS) * len(PROJECTS)
        # The ledger's job states of a finished round: per model, only the states it has jobs in.
        states = {key: value for key, value in series.items() if key[0] == "farm_jobs"}
        assert sorted((dict(k[1])["model"], dict(k[1])["phase"], v) for k, v in states.items()) == [
            (model, "", jobs / len(MODELS)) for model in MODELS]
    sizes = Counter({round_id: len(series) for round_id, series in rounds.items()})
    assert all(sizes[round_id] * 5 < sizes[RUNNING] for round_id in ROUNDS[:-1]), sizes


def _started(series: Series, round_id: str) -> int:
    return len([key for key in series if key[0] == "farm_jobs_started_total" and dict(key[1])["round"] == round_id])


def test_a_round_stays_per_job_a_while_after_it_completes(scrape: Scrape, redis_url: str) -> None:
    """So that Prometheus scrapes each job's last counts before they roll up."""
    ledger = Ledger.from_url(redis_url)
    _complete(ledger, RUNNING, time.time() - ROLLUP_AFTER_S + 60)
    assert _started(scrape(), RUNNING) == len(MODELS) * len(PROJECTS) * len(PHASES)
    _complete(ledger, RUNNING, time.time() - ROLLUP_AFTER_S - 1)
    assert _started(scrape(), RUNNING) == len(MODELS)


def test_a_round_running_again_is_served_per_job_again(scrape: Scrape, redis_url: str) -> None:
    Ledger.from_url(redis_url).reopen(ROUNDS[2])
    assert _started(scrape(), ROUNDS[2]) == len(MODELS) * len(PROJECTS) * len(PHASES)


def test_a_forgotten_round_leaves_metrics(scrape: Scrape, redis_url: str) -> None:
    ledger = Ledger.from_url(redis_url)
    before = _by_round(scrape())
    forget_round(ledger, FORGOTTEN)
    after = _by_round(scrape())
    assert FORGOTTEN in before and FORGOTTEN not in after
    assert after.keys() == before.keys() - {FORGOTTEN}
    # Gone from the ledger too, then submitted again under its id: a new round, served again.
    ledger.r.delete(Ledger._round(FORGOTTEN))
    assert FORGOTTEN not in _by_round(scrape())
    ledger.register_round(FORGOTTEN, [JobKey(MODELS[0], PROJECTS[0], PHASES[0])], {})
    assert FORGOTTEN in _by_round(scrape())
