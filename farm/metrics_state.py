"""Metrics read from Redis at scrape time: queue depth, job states, budgets, endpoint caps.

These are facts about the farm, not about one process, so they are read where they live instead
of being counted by workers (a gauge set by many processes would disagree with itself). Every
worker serves them; dashboards and alerts take `max` over instances.
"""

from __future__ import annotations

import logging
import time
from collections import Counter
from collections.abc import Iterable, Iterator

import redis
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from farm.budget import BudgetBook
from farm.ledger import Ledger
from farm.outcomes import JobState
from farm.queueing import GENERATE_QUEUE, SCORE_QUEUE
from farm.ratelimit import endpoint_states

log = logging.getLogger("benchfarm.metrics")

RECENT_S = 24 * 3600  # a completed round stays on the dashboards this long


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

    def _rounds(self) -> list[str]:
        """Running rounds, and those completed within `recent_s`."""
        horizon = time.time() - self.recent_s
        rounds = []
        for round_id in self.ledger.rounds():
            info = self.ledger.round_info(round_id)
            if info["state"] == "running" or (info["completed_at"] or 0) >= horizon:
                rounds.append(round_id)
        return rounds

    def _collect(self) -> Iterator[Metric]:
        depth = GaugeMetricFamily("farm_queue_depth", "Messages waiting in a Celery queue.", labels=["queue"])
        for queue in (GENERATE_QUEUE, SCORE_QUEUE):
            depth.add_metric([queue], self.ledger.r.llen(queue))
        yield depth

        jobs = GaugeMetricFamily("farm_jobs", "Jobs of a round by current state (the ledger's view).",
                                 labels=["round", "model", "phase", "state"])
        limit = GaugeMetricFamily("farm_budget_limit_usd", "Live budget limit.", labels=["round", "scope", "model"])
        reserved = GaugeMetricFamily("farm_budget_reserved_usd", "Worst cases of calls in flight.",
                                     labels=["round", "scope", "model"])
        spent = GaugeMetricFamily("farm_budget_spent_usd", "Settled spend (expired holds at their worst case).",
                                  labels=["round", "scope", "model"])
        orphaned = GaugeMetricFamily("farm_jobs_running_without_lease",
                                     "Running jobs no live worker holds the lease of (the reaper sends them again).",
                                     labels=["round"])
        for round_id in self._rounds():
            records = self.ledger.jobs(round_id)
            counts = Counter((job.model, job.phase, rec.state) for job, rec in records.items())
            orphaned.add_metric([round_id], len(self.ledger.running_without_lease(round_id, records)))
            for model, phase in sorted({(m, p) for m, p, _ in counts}):
                for state in JobState:
                    jobs.add_metric([round_id, model, phase, state.value], counts[(model, phase, state)])
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
