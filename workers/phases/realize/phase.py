"""The Realize phase: provider bodies (and the transformers and collectors they use), type-checked.

Operations, in order:
- `transformer-…` and `collector-…`, concurrently: DB row -> DTO and DTO -> create input;
- `provider-…`, concurrently: one per API operation, offered the helpers that compiled.
Each body is checked in its generated file inside the whole project (scaffold, Interface files and
the other bodies) by the live compiler; its diagnostics, in body lines, go back to the operation
under the harness's compiler budget. Operations that never compile leave their file out: the
phase writes what exists and ends model_failed.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, cast

from workers.phases.base import Operation, Phase, PhaseContext, PhaseOutput
from workers.phases.database.ast import DatabaseApplication
from workers.phases.database.emit import emit_database
from workers.phases.interface.ast import InterfaceApplication
from workers.phases.interface.emit import emit_interface
from workers.phases.partial import PartialModelFailure, settle
from workers.phases.realize import prompts
from workers.phases.realize.ast import FunctionBody
from workers.phases.realize.compiler import check_unit
from workers.phases.realize.emit import menu, render_unit
from workers.phases.realize.plan import Unit, plan
from workers.phases.scaffold import emit_scaffold
from workers.typecheck import ProjectChecker
from workers.typecheck.origins import attribute


def unit_operation(unit: Unit, app: InterfaceApplication, database: DatabaseApplication, helpers: Sequence[Unit],
                   checker: ProjectChecker, models: Mapping[str, str], files: Mapping[str, str]) -> Operation[FunctionBody]:
    """`models`: the database's model texts; `files`: the checker's tree (both made once per batch)."""
    available = menu(app, database, helpers)
    return Operation(
        op_id=unit.op_id, tool_name="realize_function", description=cast(str, FunctionBody.__doc__),
        ast=FunctionBody, system=prompts.SYSTEM[unit.kind],
        user=prompts.user(unit, app, models, helpers, files),
        check=lambda answer: check_unit(unit, answer, available, checker),
    )


class RealizePhase(Phase):
    name = "realize"

    def run(self, ctx: PhaseContext) -> PhaseOutput:
        app = InterfaceApplication.model_validate(ctx.prior("interface"))
        database = DatabaseApplication.model_validate(ctx.prior("database"))
        scaffold = emit_scaffold(ctx.project, app)
        base = {**emit_database(database), **emit_interface(app, title=ctx.project), **scaffold}
        units = plan(app, database)
        with ProjectChecker(base) as checker:
            written, failures = self._write(ctx, units.helpers, app, database, [], checker)
            helpers = [unit for unit in units.helpers if unit in written]
            providers, more = self._write(ctx, units.providers, app, database, helpers, checker)
            written.update(providers)
            failures += more
            available = menu(app, database, helpers)
            files = {unit.file: render_unit(unit, body.body, available).text for unit, body in written.items()}
            checker.sync({**base, **files})
            final = checker.check()
        output = PhaseOutput(ast=_ast(written), files={**scaffold, **files}, summary={
            "providers": sum(1 for unit in written if unit.kind == "provider"),
            "transformers": sum(1 for unit in written if unit.kind == "transformer"),
            "collectors": sum(1 for unit in written if unit.kind == "collector"),
            "failed_operations": len(failures),
            "type_errors": len(final.diagnostics),
        })
        if failures:
            raise PartialModelFailure(f"{len(failures)} realize operation(s) never compiled: " + "; ".join(failures[:3]),
                                      output)
        if final.diagnostics:  # each body compiled in this program: a finding now is our bug, not the model's
            owners = attribute(final.diagnostics, {unit.file: render_unit(unit, body.body, available).source
                                                   for unit, body in written.items()})
            raise RuntimeError(f"accepted bodies do not type-check together: {sorted(owners.by_operation)} "
                               f"{[f'{d.file}:{d.line} {d.message}' for d in owners.unowned[:3]]}")
        return output

    @staticmethod
    def _write(ctx: PhaseContext, units: Sequence[Unit], app: InterfaceApplication, database: DatabaseApplication,
               helpers: Sequence[Unit], checker: ProjectChecker) -> tuple[dict[Unit, FunctionBody], list[str]]:
        """The units' bodies that compiled (by unit) and the failures; each written unit's file is in
        the checker's tree when this returns.

        A unit answered from its checkpoint (a redelivered or resumed job) was checked by an earlier
        delivery's checker, never by this one, so its file is not in this tree: without it the
        providers that import a transformer or collector fail with "Cannot find module" until their
        retries run out, and a correct model ends model_failed. So every written unit's file is put
        in the tree as its passing check wrote it (for units checked here, that changes nothing).
        """
        models, files = prompts.model_texts(database), checker.files
        operations = [unit_operation(unit, app, database, helpers, checker, models, files) for unit in units]
        results, failures = settle(ctx, operations)
        written = {unit: cast(FunctionBody, body) for unit, body in zip(units, results, strict=True) if body}
        available = menu(app, database, helpers)  # what unit_operation checked each body against
        checker.write({unit.file: render_unit(unit, body.body, available).text for unit, body in written.items()})
        return written, failures


def _ast(written: Mapping[Unit, FunctionBody]) -> dict[str, Any]:
    return {"units": {unit.op_id: {"kind": unit.kind, "name": unit.name, "file": unit.file,
                                   **body.model_dump(mode="json")} for unit, body in written.items()}}
