"""Naming rules shared by the phases' ASTs, compilers and emitters.

Names the model chooses end up as file names, Prisma identifiers and TypeScript identifiers, so the
patterns here are deliberately narrow: they rule out path separators, dots, NUL bytes and anything a
target language would reject, which keeps every emitted path inside the project tree.
"""

from __future__ import annotations

import re

SNAKE = r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$"
CAMEL = r"^[a-z][a-zA-Z0-9]*$"

# PostgreSQL truncates identifiers at 63 bytes; longer names would silently collide.
MAX_IDENTIFIER = 63

_WORD_SPLIT = re.compile(r"[_\-]+|(?<=[a-z0-9])(?=[A-Z])")

# Words TypeScript rejects as function or variable names (strict mode), plus names that would
# shadow what generated modules declare themselves.
TS_RESERVED = frozenset(
    """
    break case catch class const continue debugger default delete do else enum export extends false
    finally for function if import in instanceof new null return super switch this throw true try
    typeof var void while with implements interface let package private protected public static
    yield await arguments eval constructor prototype
    """.split()
)


def words(name: str) -> list[str]:
    """Split a snake_case, kebab-case or camelCase name into lower-case words."""
    return [part.lower() for part in _WORD_SPLIT.split(name) if part]


def to_pascal(name: str) -> str:
    """`todo_items`, `todo-items` or `todoItems` -> `TodoItems`."""
    return "".join(word[:1].upper() + word[1:] for word in words(name))


def to_camel(name: str) -> str:
    """`todo_items`, `todo-items` or `TodoItems` -> `todoItems`."""
    pascal = to_pascal(name)
    return pascal[:1].lower() + pascal[1:]


def is_safe_relative_path(path: str) -> bool:
    """True when `path` is a relative POSIX path that cannot leave the tree it is joined to."""
    if not path or "\x00" in path or "\\" in path or path.startswith("/"):
        return False
    parts = path.split("/")
    return all(part not in ("", ".", "..") for part in parts)
