"""The damaged answers (`op@variant`) a generated book offers the fault-playing scripted models.

The learner's and the stubborn model's scripts (farm/sim/scripts/models/) name their faults by
variant, on globs such as `database/schema-*`: a rule applies where the book in play has its
variant. The todo book holds them on hand-picked operations; a generated book gets each on the
first operation it fits, with the same name and the same kind of mistake, so the learner converges
through the same feedback on any book and the stubborn model fails the same provider kind of way.
Kept out of `generate`: a book's own answers are all consistent.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable
from typing import Any

from farm.sim.bookgen.book import Book
from workers.phases.naming import words

Answer = dict[str, Any]


def _duplicate_actor(answer: Answer, book: Book) -> Answer | None:
    """The plan with its first actor twice (names must be unique)."""
    return {**answer, "actors": [*answer["actors"], answer["actors"][0]]}


def _dangling_fk(answer: Answer, book: Book) -> Answer | None:
    """A foreign key to a table nobody planned."""
    damaged = copy.deepcopy(answer)
    model = damaged["models"][0]
    prefix = model["name"].split("_")[0]
    model["foreign_fields"].append({
        "name": "ghost_id", "description": "The ghost this row belongs to.", "unique": False, "nullable": False,
        "relation": {"name": "ghost", "target": f"{prefix}_ghosts", "opposite_name": f"{prefix}Rows"},
    })  # fmt: skip
    return damaged


def _missing_dto(answer: Answer, book: Book) -> Answer | None:
    """The batch without its first requested type."""
    return {**answer, "types": answer["types"][1:]} if len(answer["types"]) > 1 else None


def _unknown_function(answer: Answer, book: Book) -> Answer | None:
    """The first SDK call renamed to a function the SDK does not have."""
    damaged = copy.deepcopy(answer)
    call = next((s for s in damaged["statements"] if s.get("type") == "apiCall"), None)
    if call is None:
        return None
    call["function"] += "Twice"
    return damaged


def _page_default(answer: Answer, book: Book) -> Answer | None:
    """A list whose pagination reports the raw `page` query (number | undefined) as the current page."""
    body = answer["body"]
    if "const page = props.query.page ?? 1;" not in body or "current: page," not in body:
        return None
    return {**answer, "body": body.replace("current: page,", "current: props.query.page,")}


_RETURNS_TRANSFORMED = re.compile(r"^(?P<indent>\s*)return transform(?P<stem>\w+)\((?P<row>\w+)\);$")
_ISO_DATE = re.compile(r"^\s*(?P<property>\w+): row\.(?P<column>\w+)\.toISOString\(\),$", re.MULTILINE)


def _date_not_string(answer: Answer, book: Book) -> Answer | None:
    """A provider answering its row's Date where its DTO wants an ISO string (as todo's `put-members-me`
    does): the transformed row with one required date-time property put back to the column's Date."""
    *head, last = answer["body"].split("\n")
    returned = _RETURNS_TRANSFORMED.match(last)
    if returned is None:
        return None
    transformer = book.get("realize/transformer-" + "-".join(words(returned["stem"])))
    date = _ISO_DATE.search(transformer["body"]) if transformer is not None else None
    if date is None:  # the DTO has no required date-time property (nullable ones are `?.toISOString() ?? null`)
        return None
    indent, row = returned["indent"], returned["row"]
    # The transformer is called on its own line: Realize imports the names a body uses, and takes
    # `...transformX(row)` for a property access.
    damaged = [f"{indent}const dto = transform{returned['stem']}({row});",
               f"{indent}return {{ ...dto, {date['property']}: {row}.{date['column']} }};"]
    return {**answer, "body": "\n".join([*head, *damaged])}


# variant -> (op id prefix, damage); the damage returns None when the operation does not fit it.
_FAULTS: dict[str, tuple[str, Callable[[Answer, Book], Answer | None]]] = {
    "duplicate-actor": ("analyze/plan", _duplicate_actor),
    "dangling-fk": ("database/schema-", _dangling_fk),
    "missing-dto": ("interface/schemas-", _missing_dto),
    "unknown-function": ("test/test-", _unknown_function),
    "page-default": ("realize/provider-", _page_default),
    "date-not-string": ("realize/provider-", _date_not_string),  # the stubborn model's, on every attempt
}


def fault_variants(book: Book) -> Book:
    """`op@variant` -> damaged arguments, one per fault, on the first operation each fits."""
    variants: Book = {}
    for variant, (prefix, damage) in _FAULTS.items():
        for key, answer in book.items():
            if key.startswith(prefix) and (damaged := damage(answer, book)) is not None:
                variants[f"{key}@{variant}"] = damaged
                break
    return variants
