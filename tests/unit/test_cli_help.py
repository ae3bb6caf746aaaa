"""Every `farm` command documents each of its arguments and options, and names their values sanely."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import typer
import typer.main
from typer.testing import CliRunner

from farm.cli import app

WIDE = {"COLUMNS": "200"}


def _commands() -> Iterator[tuple[list[str], typer.core.TyperCommand]]:
    """(path, command) for `farm` and every command and group under it."""
    pending = [([], typer.main.get_command(app))]
    while pending:
        path, command = pending.pop()
        yield path, command
        if hasattr(command, "list_commands"):
            ctx = typer.Context(command, info_name=" ".join(["farm", *path]))
            pending += [([*path, name], command.get_command(ctx, name)) for name in command.list_commands(ctx)]


COMMANDS = list(_commands())


def test_the_tree_has_every_command() -> None:
    paths = {" ".join(path) for path, _ in COMMANDS}
    assert {"round", "round submit", "round diff", "round estimate", "leaderboard", "score", "probe", "flower"} <= paths


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(["farm", *p]) for p, _ in COMMANDS])
def test_every_argument_and_option_has_help(path: list[str], command: typer.core.TyperCommand) -> None:
    ctx = typer.Context(command, info_name="farm")
    undocumented = [param.name for param in command.get_params(ctx) if not (param.help or "").strip()]
    assert undocumented == [], f"farm {' '.join(path)}: no help for {undocumented}"
    assert (command.help or "").strip(), f"farm {' '.join(path)} has no description"


@pytest.mark.parametrize(("path", "command"), COMMANDS, ids=[" ".join(["farm", *p]) for p, _ in COMMANDS])
def test_help_shows_no_type_placeholders(path: list[str], command: typer.core.TyperCommand) -> None:
    """Flags take no value (`--json <bool>` says they do); `<list[str]>` says nothing of what to give."""
    result = CliRunner().invoke(app, [*path, "--help"], env=WIDE)
    assert result.exit_code == 0, result.output
    assert "Usage: " in result.output
    for placeholder in ("<bool>", "<list[", "<NoneType>"):
        assert placeholder not in result.output, f"farm {' '.join(path)} --help shows {placeholder}"


def test_options_that_take_values_name_them() -> None:
    resume = CliRunner().invoke(app, ["round", "resume", "--help"], env=WIDE).output
    assert "--model-budget" in resume and "MODEL=USD" in resume and "--budget-add" in resume and "USD" in resume
    submit = CliRunner().invoke(app, ["round", "submit", "--help"], env=WIDE).output
    assert "STORE" in submit and "FILE" in submit and "round file (YAML)" in submit
