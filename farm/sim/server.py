"""Running the simulator: blocking (`farm sim`) or in a background thread (tests, embedded mode)."""

from __future__ import annotations

import threading
import time
from collections.abc import Mapping
from pathlib import Path
from types import TracebackType

import uvicorn

from farm.sim.app import create_app
from farm.sim.dialects import DEFAULT_N_CTX

_STARTUP_TIMEOUT = 10.0
_GRACEFUL_SHUTDOWN = 2  # seconds left to in-flight (e.g. slow) requests when stopping


def serve(
    host: str = "127.0.0.1", port: int = 8399, scripts_dir: Path | None = None, n_ctx: int = DEFAULT_N_CTX
) -> None:
    """Serve the simulator until interrupted; `n_ctx` is the dialects' served context size."""
    uvicorn.run(create_app(scripts_dir, n_ctx), host=host, port=port, log_level="info", lifespan="off")


class SimServer:
    """The simulator on a free loopback port for the duration of a `with` block.

    Port 0 picks a free port; `base_url` (the plain `/v1`) is set once the server listens, and
    `dialect_url(name)` gives a dialect's base URL. `n_ctx` is the dialects' served context size;
    `project_books` answer their projects' calls (farm.sim.fixtures).
    """

    def __init__(
        self, scripts_dir: Path | None = None, host: str = "127.0.0.1", port: int = 0, n_ctx: int = DEFAULT_N_CTX,
        project_books: Mapping[str, Path] | None = None,
    ) -> None:  # fmt: skip
        self._app = create_app(scripts_dir, n_ctx, project_books)  # invalid fixtures fail here, in the caller's thread
        self._host, self._port = host, port
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.base_url = ""
        self.root = ""

    def dialect_url(self, name: str) -> str:
        """The OpenAI base URL playing dialect `name` (llama.cpp, vllm, ollama)."""
        return f"{self.root}/dialect/{name}/v1"

    def __enter__(self) -> SimServer:
        config = uvicorn.Config(
            self._app,
            host=self._host,
            port=self._port,
            log_level="warning",
            access_log=False,
            lifespan="off",
            timeout_graceful_shutdown=_GRACEFUL_SHUTDOWN,
        )
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(target=self._server.run, daemon=True, name="farm-sim")
        self._thread.start()
        deadline = time.monotonic() + _STARTUP_TIMEOUT
        while not self._server.started:
            if not self._thread.is_alive() or time.monotonic() > deadline:
                self._stop()
                raise RuntimeError(f"simulator did not start on {self._host}:{self._port}")
            time.sleep(0.01)
        port = self._server.servers[0].sockets[0].getsockname()[1]
        self.root = f"http://{self._host}:{port}"
        self.base_url = f"{self.root}/v1"
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop()

    def _stop(self) -> None:
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=_GRACEFUL_SHUTDOWN + 5)
        self._server = self._thread = None
