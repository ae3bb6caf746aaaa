"""A Unix socket that forwards to a PostgreSQL server over TCP, so that a sandboxed backend reaches
an external PostgreSQL: its network namespace has only `lo`, but a path crosses namespaces.

The socket is `<socket_dir>/.s.PGSQL.<port>`, the name libpq, node-postgres and Prisma look for
under `?host=<socket_dir>`, so a database's `socket_url` works unchanged. Bytes are forwarded as
they are: clients do not ask for TLS over a Unix socket, so the hop to the server is plain TCP.

It runs an asyncio loop in a thread of its own, started and stopped by its owner; stopping closes
every connection, ends the thread and removes the socket directory. Connections beyond
`max_connections` are closed at once (a verify's role may not open more than that anyway).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import threading
from pathlib import Path

from farm.postgres_databases import ROLE_CONNECTION_LIMIT

CONNECT_TIMEOUT_S = 10.0
_CHUNK = 65536


class SocketBridge:
    """Forwards each connection on its Unix socket to `host`:`port`."""

    def __init__(self, host: str, port: int, max_connections: int = ROLE_CONNECTION_LIMIT) -> None:
        self.host, self.port, self.max_connections = host, port, max_connections
        self.socket_dir: Path | None = None
        self._thread: threading.Thread | None = None
        self._loop: asyncio.AbstractEventLoop | None = None
        self._stopping: asyncio.Event | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._ready = threading.Event()
        self._failed: OSError | None = None

    @property
    def socket_path(self) -> Path:
        assert self.socket_dir is not None, "not started"
        return self.socket_dir / f".s.PGSQL.{self.port}"

    def start(self) -> SocketBridge:
        self.socket_dir = Path(tempfile.mkdtemp(prefix="benchfarm-pg-bridge-"))
        os.chmod(self.socket_dir, 0o755)  # sandboxed uids connect through it
        self._thread = threading.Thread(target=asyncio.run, args=(self._serve(),), name="postgres-bridge", daemon=True)
        self._thread.start()
        self._ready.wait()
        if self._failed is not None:
            failed = RuntimeError(f"the PostgreSQL bridge could not listen at {self.socket_path}: {self._failed}")
            self.stop()
            raise failed
        return self

    def stop(self) -> None:
        thread, self._thread = self._thread, None
        if thread is not None:
            if self._loop is not None and self._stopping is not None and thread.is_alive():
                self._loop.call_soon_threadsafe(self._stopping.set)
            thread.join()
        if self.socket_dir is not None:
            shutil.rmtree(self.socket_dir, ignore_errors=True)
            self.socket_dir = None

    async def _serve(self) -> None:
        self._loop, self._stopping = asyncio.get_running_loop(), asyncio.Event()
        try:
            server = await asyncio.start_unix_server(self._accept, path=self.socket_path)
            os.chmod(self.socket_path, 0o777)  # like the private cluster's unix_socket_permissions
        except OSError as exc:
            self._failed = exc
            return
        finally:
            self._ready.set()
        async with server:
            await self._stopping.wait()
            server.close()
            await asyncio.sleep(0)  # a connection accepted just now registers, and sees the stop
            while self._connections:
                await asyncio.gather(*self._connections)

    async def _accept(self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter) -> None:
        """One client, forwarded until both sides end or the bridge stops. It never ends cancelled:
        asyncio (3.11) reports a cancelled connection handler as an error."""
        handler = asyncio.current_task()
        assert handler is not None and self._stopping is not None
        if len(self._connections) >= self.max_connections:
            client_out.close()
            return
        self._connections.add(handler)
        forwarding = asyncio.create_task(self._forward(client_in, client_out))
        stopping = asyncio.create_task(self._stopping.wait())
        try:
            await asyncio.wait([forwarding, stopping], return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in (forwarding, stopping):
                task.cancel()
            await asyncio.wait([forwarding, stopping])
            client_out.close()
            self._connections.discard(handler)

    async def _forward(self, client_in: asyncio.StreamReader, client_out: asyncio.StreamWriter) -> None:
        """Both ways until both end; a server that cannot be reached hangs up on the client, as one that is down."""
        try:
            connecting = asyncio.open_connection(self.host, self.port)
            server_in, server_out = await asyncio.wait_for(connecting, CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError):
            return
        try:
            async with asyncio.TaskGroup() as both_ways:
                both_ways.create_task(_pipe(client_in, server_out))
                both_ways.create_task(_pipe(server_in, client_out))
        except* OSError:
            pass  # a side reset its connection: both are closed
        finally:
            server_out.close()


async def _pipe(source: asyncio.StreamReader, sink: asyncio.StreamWriter) -> None:
    """Copy until `source` ends, then end `sink`'s writing half (the other way may still talk)."""
    while chunk := await source.read(_CHUNK):
        sink.write(chunk)
        await sink.drain()
    if sink.can_write_eof() and not sink.is_closing():
        sink.write_eof()
