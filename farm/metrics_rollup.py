"""Per-job series for running rounds only: a finished round's roll up into per-round, per-model totals.

Workers count every LLM call and job under its job's labels (round, model, project, phase) in their
multiprocess files, which hold every round a worker ran until it restarts: served as they are,
/metrics would grow by hundreds of series a round, for ever. At scrape time the series of a round
that finished (`farm.metrics_state.Rounds`) are summed over project and phase (counters and
histograms add up; the run scores, one gauge per run, stay as they are), and those of a forgotten
round are left out.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

import redis
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector
from prometheus_client.samples import Sample

from farm.ledger import Ledger
from farm.metrics_state import Detail, Rounds

log = logging.getLogger("benchfarm.metrics")

PER_JOB_LABELS = frozenset({"project", "phase"})
_ADDITIVE = frozenset({"counter", "histogram"})


def roll_up(families: Iterable[Metric], rounds: Rounds) -> Iterator[Metric]:
    """The families with each sample served at its round's detail (samples without a round as they are)."""
    for family in families:
        kept: list[Sample] = []
        totals: dict[tuple[str, tuple[tuple[str, str], ...]], float] = {}
        for sample in family.samples:
            detail = rounds.detail(sample.labels["round"]) if "round" in sample.labels else Detail.PER_JOB
            if detail is Detail.NONE:
                continue
            if detail is Detail.PER_JOB or family.type not in _ADDITIVE:
                kept.append(sample)
                continue
            labels = tuple((name, value) for name, value in sample.labels.items() if name not in PER_JOB_LABELS)
            totals[(sample.name, labels)] = totals.get((sample.name, labels), 0.0) + sample.value
        rolled = Metric(family.name, family.documentation, family.type, family.unit)
        rolled.samples = kept + [Sample(name, dict(labels), value) for (name, labels), value in totals.items()]
        yield rolled


class RolledUpCollector(Collector):
    """`source`'s metrics (the workers' multiprocess files), rolled up by what the ledger says of each round."""

    def __init__(self, source: Collector, ledger: Ledger) -> None:
        self.source = source
        self.ledger = ledger

    def describe(self) -> Iterable[Metric]:
        return []  # known at scrape time only; registering must not read the files or Redis

    def collect(self) -> Iterator[Metric]:
        families = list(self.source.collect())
        try:
            rounds = Rounds.read(self.ledger)
        except redis.RedisError as exc:  # which rounds run is unknown: serve everything, as counted
            log.warning("serving every job's series (rounds unknown): %s", exc)
            yield from families
            return
        yield from roll_up(families, rounds)
