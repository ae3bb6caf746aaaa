"""`farm flower` listens on loopback unless `--address` says otherwise: Flower can revoke tasks."""

from __future__ import annotations

import pytest
from typer.testing import CliRunner

from farm import cli_spend
from farm.cli import app


class _Exec(Exception):
    """Raised in place of os.execve: the command Flower would have been started with."""

    def __init__(self, argv: list[str]) -> None:
        super().__init__(argv)
        self.argv = argv


def _flower_argv(monkeypatch: pytest.MonkeyPatch, *options: str) -> list[str]:
    def execve(path: str, argv: list[str], env: dict[str, str]) -> None:
        raise _Exec(argv)

    monkeypatch.setattr(cli_spend.os, "execve", execve)
    env = {"FARM_REDIS_URL": "redis://127.0.0.1:9/0", "FARM_FLOWER_BASIC_AUTH": "admin:s3cret"}
    result = CliRunner().invoke(app, ["flower", "--port", "5599", *options], env=env)
    assert isinstance(result.exception, _Exec), result.output
    return result.exception.argv


def test_binds_loopback_by_default(monkeypatch: pytest.MonkeyPatch) -> None:
    argv = _flower_argv(monkeypatch)
    assert "--address=127.0.0.1" in argv and "--port=5599" in argv


def test_address_option_binds_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    assert "--address=0.0.0.0" in _flower_argv(monkeypatch, "--address", "0.0.0.0")
