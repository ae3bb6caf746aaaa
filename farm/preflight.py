"""Preflight before a round is frozen: does every endpoint make a forced tool call, and what will
the round cost against its budgets?

A broken endpoint found here costs one trivial call; found by the workers, it costs a round of
infra_failed jobs. An estimate over budget is a warning, not a refusal: budgets stop spend where
they are set, and the round can be resumed after raising them.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

from farm.conformance import Conformance
from farm.estimate import Estimate, estimate, load_history
from farm.probe import ProbeReport, probe
from farm.roundfile import LoadedRound
from farm.store import Store


@dataclass(frozen=True)
class Preflight:
    probes: list[ProbeReport]
    estimate: Estimate

    phases: tuple[str, ...] = ()

    @property
    def problems(self) -> list[str]:
        """Endpoints that cannot serve a forced tool call at all (unreachable, refused, no call), or
        cannot take the tool schema of one of the round's phases (rejected, ignored, crashed on it)."""
        unreachable = [
            f"model {p.model} at {p.endpoint}: {_first_line(p.error) or 'answered without calling the forced tool'}"
            for p in self.probes
            if not p.tool_call
        ]
        nonconforming = [
            f"model {p.model} at {p.endpoint} ({p.conformance.server.dialect.value}) cannot take {failure}"
            for p in self.probes if p.tool_call and p.conformance
            for failure in p.conformance.failures(self.phases)
        ]
        return unreachable + nonconforming

    @property
    def endpoints(self) -> dict[str, Conformance]:
        """The conformance findings to freeze into the manifest."""
        return {p.model: p.conformance for p in self.probes if p.conformance is not None}

    @property
    def warnings(self) -> list[str]:
        """A model that calls the tool with wrong arguments is what the round measures, not a fault."""
        probes = [
            f"model {p.model} called the probe tool with invalid arguments: {_first_line(p.error)}"
            for p in self.probes
            if p.tool_call and not p.arguments_valid
        ]
        budgets = [
            f"projected ${v.projected_usd:.2f} is over the {v.scope} budget of ${v.limit_usd:.2f}: "
            "jobs will stop there as budget_stopped until it is raised (farm round resume --budget-add)"
            for v in self.estimate.verdicts
            if not v.fits
        ]
        return probes + budgets


def _first_line(text: str | None) -> str:
    return (text or "").strip().splitlines()[0] if text and text.strip() else ""


def preflight(loaded: LoadedRound, store: Store, simulator_url: str | None = None) -> Preflight:
    phases = tuple(loaded.spec.phases)
    with ThreadPoolExecutor(max_workers=8) as pool:
        probes = list(pool.map(lambda model: probe(model, simulator_url, phases), loaded.spec.models))
    return Preflight(probes=probes, estimate=estimate(loaded, load_history(store)), phases=phases)
