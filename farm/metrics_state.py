"""Metrics read from Redis at scrape time: queue depth, job states, budgets, endpoint caps.

These are facts about the farm, not about one process, so they are read where they live instead
of being counted by workers (a gauge set by many processes would disagree with itself). Every
worker serves them; dashboards and alerts take `max` over instances.

Which rounds /metrics shows, and how finely, is read here too (`Rounds`): a running round per job,
a finished one per model (`farm.metrics_rollup`), a forgotten one (`forget_round`) not at all.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum

import redis
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from farm.budget import BudgetBook
from farm.ledger import Ledger
from farm.outcomes import JobState
from farm.queueing import QUEUES
from farm.ratelimit import endpoint_states

log = logging.getLogger("benchfarm.metrics")

RECENT_S = 24 * 3600  # a completed round's job states stay on the dashboards this long
# A completed round stays per job this long before it rolls up: Prometheus scrapes each job's last
# counts (a rolled-up series' first value is no increase to rate()), and dashboards keep its end whole.
ROLLUP_AFTER_S = 15 * 60
FORGOTTEN = "farm:metrics:forgotten"  # round id -> when forget_round dropped its series


class Detail(StrEnum):
    """How much of a round /metrics serves."""

    PER_JOB = "per_job"  # running, or completed within ROLLUP_AFTER_S: every job's series
    PER_MODEL = "per_model"  # completed before, or no longer in the ledger: per-round, per-model totals
    NONE = "none"  # forgotten


@dataclass(frozen=True)
class Rounds:
    """The ledger's rounds as one scrape sees them."""

    running: frozenset[str]
    completed_at: dict[str, float]  # finished rounds the ledger still has
    forgotten: frozenset[str]
    now: float

    @classmethod
    def read(cls, ledger: Ledger) -> Rounds:
        forgotten_at = {round_id: float(at) for round_id, at in ledger.r.hgetall(FORGOTTEN).items()}
        running: set[str] = set()
        completed_at: dict[str, float] = {}
        resubmitted: set[str] = set()  # registered again after it was forgotten: a new round
        for round_id in ledger.rounds():
            try:
                info = ledger.round_info(round_id)
            except KeyError:  # deleted between the two reads
                continue
            if round_id in forgotten_at:
                if info["created_at"] <= forgotten_at[round_id]:
                    continue
                resubmitted.add(round_id)
            if info["state"] == "running":
                running.add(round_id)
            else:
                completed_at[round_id] = info["completed_at"] or info["created_at"]
        return cls(frozenset(running), completed_at, frozenset(forgotten_at.keys() - resubmitted), time.time())

    def detail(self, round_id: str) -> Detail:
        if round_id in self.forgotten:
            return Detail.NONE
        if round_id in self.running or self.now - self.completed_at.get(round_id, 0.0) < ROLLUP_AFTER_S:
            return Detail.PER_JOB
        return Detail.PER_MODEL


def forget_round(ledger: Ledger, round_id: str) -> None:
    """Drop every series of a round from /metrics from the next scrape on, its totals included: for a
    deleted round. Workers' files keep its counts until they restart, so a round submitted again
    under the same id later is shown again, with them."""
    ledger.r.hset(FORGOTTEN, round_id, time.time())


class FarmStateCollector(Collector):
    def __init__(self, ledger: Ledger, recent_s: float = RECENT_S) -> None:
        self.ledger = ledger
        self.budgets = BudgetBook(ledger.r)
        self.recent_s = recent_s

    def describe(self) -> Iterable[Metric]:
        return []  # read at scrape time only; nothing to check at registration

    def collect(self) -> Iterator[Metric]:
        try:
            yield from self._collect()
        except redis.RedisError as exc:
            log.warning("farm state metrics unavailable: %s", exc)

    def _shown(self, rounds: Rounds) -> list[str]:
        """Running rounds, and those completed within `recent_s`."""
        horizon = rounds.now - self.recent_s
        return sorted(rounds.running | {round_id for round_id, at in rounds.completed_at.items() if at >= horizon})

    def _collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily("farm_queue_depth", "Messages waiting in a Celery queue.", labels=["queue"])
        for queue in QUEUES:
            depth.add_metric([queue], self.ledger.r.llen(queue))
        yield depth

        jobs = GaugeMetricFamily("farm_jobs", "Jobs of a round by current state (the ledger's view); a finished "
                                 "round's per model (phase empty), and only the states it has jobs in.",
                                 labels=["round", "model", "phase", "state"])
        limit = GaugeMetricFamily("farm_budget_limit_usd", "Live budget limit.", labels=["round", "scope", "model"])
        reserved = GaugeMetricFamily("farm_budget_reserved_usd", "Worst cases of calls in flight.",
                                     labels=["round", "scope", "model"])
        spent = GaugeMetricFamily("farm_budget_spent_usd", "Settled spend (expired holds at their worst case).",
                                  labels=["round", "scope", "model"])
        orphaned = GaugeMetricFamily("farm_jobs_running_without_lease",
                                     "Running jobs no live worker holds the lease of (the reaper sends them again).",
                                     labels=["round"])
        rounds = Rounds.read(self.ledger)
        for round_id in self._shown(rounds):
            records = self.ledger.jobs(round_id)
            orphaned.add_metric([round_id], len(self.ledger.running_without_lease(round_id, records)))
            if rounds.detail(round_id) is Detail.PER_JOB:
                counts = Counter((job.model, job.phase, rec.state) for job, rec in records.items())
                for model, phase in sorted({(m, p) for m, p, _ in counts}):
                    for state in JobState:
                        jobs.add_metric([round_id, model, phase, state.value], counts[(model, phase, state)])
            else:
                for (model, state), count in sorted(Counter((job.model, rec.state) for job, rec in records.items()).items()):
                    jobs.add_metric([round_id, model, "", state.value], count)
            for line in self.budgets.lines(round_id):
                labels = [round_id, line.kind, line.model]
                if line.limit_usd is not None:
                    limit.add_metric(labels, line.limit_usd)
                reserved.add_metric(labels, line.reserved_usd)
                spent.add_metric(labels, line.spent_usd)
        yield from (jobs, orphaned, limit, reserved, spent)

        cap = GaugeMetricFamily("farm_endpoint_concurrency", "Shared concurrency an endpoint is allowed now (AIMD).",
                                labels=["endpoint"])
        cap_max = GaugeMetricFamily("farm_endpoint_concurrency_max", "Configured concurrency of an endpoint.",
                                    labels=["endpoint"])
        in_flight = GaugeMetricFamily("farm_endpoint_in_flight", "Calls in flight on an endpoint (live leases).",
                                      labels=["endpoint"])
        for state in endpoint_states(self.ledger.r):
            cap.add_metric([state.endpoint], state.cap)
            cap_max.add_metric([state.endpoint], state.max_cap)
            in_flight.add_metric([state.endpoint], state.in_flight)
        yield from (cap, cap_max, in_flight)
