"""Which class runs which phase. Phases not built yet are absent: a round cannot ask for them."""

from __future__ import annotations

from workers.phases.analyze.phase import AnalyzePhase
from workers.phases.base import Phase
from workers.phases.database.phase import DatabasePhase
from workers.phases.interface.phase import InterfacePhase
from workers.phases.realize.phase import RealizePhase
from workers.phases.test.phase import TestPhase

_PHASES: dict[str, type[Phase]] = {
    phase.name: phase for phase in (AnalyzePhase, DatabasePhase, InterfacePhase, TestPhase, RealizePhase)
}


def available() -> list[str]:
    return list(_PHASES)


def phase_for(name: str) -> Phase:
    try:
        return _PHASES[name]()
    except KeyError:
        raise ValueError(f"phase {name!r} is not available in this version (available: {available()})") from None
