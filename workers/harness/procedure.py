"""The procedure-enforcement prompt option of harness variants (`procedure: true` in a round's variant).

Whether telling a model to work through a fixed procedure before it calls the tool helps it is one
of the questions variants answer; the section is the same for every operation, so the comparison
with and without it varies one thing.
"""

from __future__ import annotations

PROCEDURE = """## Procedure (follow it for every answer)
1. Say to yourself in one sentence what this call must produce.
2. Gather the names this answer depends on: the inputs you are given, and what earlier steps defined.
3. Use only those names; never invent a table, type, field or function.
4. Make exactly one call to the function, with every required argument complete.
5. When feedback lists errors, fix each one it names and change nothing else."""


def with_procedure(system: str) -> str:
    return f"{system.rstrip()}\n\n{PROCEDURE}\n"
