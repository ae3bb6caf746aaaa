"""DTO lookups the phases after Interface share (Test and Realize prompts, Realize's plan)."""

from __future__ import annotations

from collections.abc import Iterable

from workers.phases.interface.ast import InterfaceApplication
from workers.phases.interface.compiler import references


def type_closure(app: InterfaceApplication, names: Iterable[str]) -> set[str]:
    """`names` and every type they reference, transitively (unknown names are kept, not followed)."""
    definitions = {d.name: d for d in app.types}
    found = set(names)
    pending = list(found)
    while pending:
        definition = definitions.get(pending.pop())
        for name in references([definition]) - found if definition else ():
            found.add(name)
            pending.append(name)
    return found
