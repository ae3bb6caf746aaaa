"""The damaged answers (`op@variant`) a generated book offers the fault-playing scripted models.

The learner's script (farm/sim/scripts/models/learner.yaml) names its faults by variant, on globs
such as `database/schema-*`: a rule applies where the book in play has its variant. The todo book
holds them on hand-picked operations; a generated book gets each on the first operation it fits,
with the same name and the same kind of mistake, so the learner converges through the same
feedback on any book. Kept out of `generate`: a book's own answers are all consistent.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from farm.sim.bookgen.book import Book

Answer = dict[str, Any]


def _duplicate_actor(answer: Answer) -> Answer | None:
    """The plan with its first actor twice (names must be unique)."""
    return {**answer, "actors": [*answer["actors"], answer["actors"][0]]}


def _dangling_fk(answer: Answer) -> Answer | None:
    """A foreign key to a table nobody planned."""
    damaged = copy.deepcopy(answer)
    model = damaged["models"][0]
    prefix = model["name"].split("_")[0]
    model["foreign_fields"].append({
        "name": "ghost_id", "description": "The ghost this row belongs to.", "unique": False, "nullable": False,
        "relation": {"name": "ghost", "target": f"{prefix}_ghosts", "opposite_name": f"{prefix}Rows"},
    })  # fmt: skip
    return damaged


def _missing_dto(answer: Answer) -> Answer | None:
    """The batch without its first requested type."""
    return {**answer, "types": answer["types"][1:]} if len(answer["types"]) > 1 else None


def _unknown_function(answer: Answer) -> Answer | None:
    """The first SDK call renamed to a function the SDK does not have."""
    damaged = copy.deepcopy(answer)
    call = next((s for s in damaged["statements"] if s.get("type") == "apiCall"), None)
    if call is None:
        return None
    call["function"] += "Twice"
    return damaged


def _page_default(answer: Answer) -> Answer | None:
    """A list whose pagination reports the raw `page` query (number | undefined) as the current page."""
    body = answer["body"]
    if "const page = props.query.page ?? 1;" not in body or "current: page," not in body:
        return None
    return {**answer, "body": body.replace("current: page,", "current: props.query.page,")}


# variant -> (op id prefix, damage); the damage returns None when the operation does not fit it.
_FAULTS: dict[str, tuple[str, Callable[[Answer], Answer | None]]] = {
    "duplicate-actor": ("analyze/plan", _duplicate_actor),
    "dangling-fk": ("database/schema-", _dangling_fk),
    "missing-dto": ("interface/schemas-", _missing_dto),
    "unknown-function": ("test/test-", _unknown_function),
    "page-default": ("realize/provider-", _page_default),
}


def fault_variants(book: Book) -> Book:
    """`op@variant` -> damaged arguments, one per fault, on the first operation each fits."""
    variants: Book = {}
    for variant, (prefix, damage) in _FAULTS.items():
        for key, answer in book.items():
            if key.startswith(prefix) and (damaged := damage(answer)) is not None:
                variants[f"{key}@{variant}"] = damaged
                break
    return variants
