"""`python -m farm` is the `farm` command."""

from farm.cli import app

app(prog_name="farm")
