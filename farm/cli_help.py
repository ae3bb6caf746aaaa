"""How the farm CLI's help shows options: a flag with no value placeholder.

Typer (0.29) prints a type beside every option, flags included (`--json <bool>`, `--help <bool>`),
as if a flag took a value; click's own help shows a flag's name alone. Options that take a value
name it with their metavar (`--store STORE`, `--model-budget MODEL=USD`) where they are declared.
"""

from __future__ import annotations

import typer
from typer.core import TyperOption

_typed = TyperOption.display_type_rich


def _untyped_flags(option: TyperOption, ctx: typer.Context) -> str | None:
    return None if option.is_flag else _typed(option, ctx)


def show_flags_untyped() -> None:
    """Drop the type typer shows beside a flag, for every command (its own --help included)."""
    TyperOption.display_type_rich = _untyped_flags  # type: ignore[method-assign]
