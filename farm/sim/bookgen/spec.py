"""What to generate: a catalog project's vocabulary, a size, and a seed.

Presets name the reference sizes. Shopping's figures are AutoBe's shopping runs (~43 tables,
~153 operations, ~198 schemas); reddit and erp have no published counterpart here, so their sizes
are scaled to their place in the catalog (todo < reddit < shopping < erp). `small` keeps tests fast.
"""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Size:
    """How big a design is: tables and API operations are met exactly, DTO schemas follow from them."""

    tables: int
    operations: int
    actors: int  # non-guest actors, taken in catalog order; each brings an account and a session table
    schemas: int  # the expected DTO count, a reference figure the design is tuned to stay near


@dataclass(frozen=True)
class Spec:
    """One design: deterministic for a given (project, size, seed)."""

    project: str  # a vocabulary of `vocabulary.PROJECTS`
    size: Size
    seed: int = 0

    def rng(self, scope: str) -> random.Random:
        """An independent stream per design decision, so adding a decision never shifts the others."""
        return random.Random(f"{self.project}:{self.seed}:{scope}")


PRESETS: dict[str, tuple[str, Size]] = {
    "small": ("reddit", Size(tables=5, operations=14, actors=1, schemas=22)),
    "reddit": ("reddit", Size(tables=30, operations=110, actors=3, schemas=142)),
    "shopping": ("shopping", Size(tables=43, operations=153, actors=3, schemas=198)),
    "erp": ("erp", Size(tables=60, operations=210, actors=4, schemas=270)),
}


def preset(name: str, seed: int = 0) -> Spec:
    """The spec of a named preset (`small`, `reddit`, `shopping`, `erp`)."""
    try:
        project, size = PRESETS[name]
    except KeyError:
        raise ValueError(f"unknown preset {name!r} (known: {', '.join(PRESETS)})") from None
    return Spec(project=project, size=size, seed=seed)
