"""Which class runs which phase. Phases not built yet are absent: a round cannot ask for them."""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from workers.phases.analyze.ast import AnalysisDocument, AnalyzePlan
from workers.phases.analyze.phase import AnalyzePhase
from workers.phases.base import Phase
from workers.phases.database.ast import DatabaseSchema, Groups
from workers.phases.database.phase import DatabasePhase
from workers.phases.interface.ast import EndpointList, OperationBatch, SchemaBatch
from workers.phases.interface.phase import InterfacePhase
from workers.phases.realize.ast import FunctionBody
from workers.phases.realize.phase import RealizePhase
from workers.phases.test.ast import E2eTest, Scenario
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


@dataclass(frozen=True)
class PhaseTool:
    """One forced tool a phase calls: what the probe sends and the wire-schema tests convert."""

    phase: str
    name: str
    ast: type[BaseModel]

    @property
    def description(self) -> str:
        return (self.ast.__doc__ or self.name).strip()


def phase_tools(phase: str) -> list[PhaseTool]:
    """Every distinct tool of `phase`, in the order the phase first calls them."""
    tools: dict[str, tuple[tuple[str, type[BaseModel]], ...]] = {
        "analyze": (("analyze_plan", AnalyzePlan), ("analyze_write_document", AnalysisDocument)),
        "database": (("database_groups", Groups), ("database_schema", DatabaseSchema)),
        "interface": (
            ("interface_endpoints", EndpointList),
            ("interface_operations", OperationBatch),
            ("interface_schemas", SchemaBatch),
        ),
        "test": (("test_scenario", Scenario), ("test_function", E2eTest)),
        "realize": (("realize_function", FunctionBody),),
    }
    if phase not in tools:
        raise ValueError(f"phase {phase!r} has no tools (phases: {list(tools)})")
    return [PhaseTool(phase, name, ast) for name, ast in tools[phase]]
