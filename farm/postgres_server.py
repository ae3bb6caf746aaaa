"""A private PostgreSQL cluster for verifying generated backends live, from Debian's `postgresql` binaries.

One cluster serves many verifies; each gets a database and a role of its own (`create_database`),
the owner of that database and nothing else: no superuser, no CREATEDB, no CONNECT to any other
database. The generated server reaches it through the Unix socket directory (a path, so it crosses
into the sandbox's network namespace, where 127.0.0.1 is the sandbox's own); the TCP port on
127.0.0.1 serves callers on the host.

Authentication is scram-sha-256 with generated passwords, on the socket too. `trust` is not an
option: untrusted code reaches that socket, and under trust it could log in as the superuser and
run programs as the server's OS user (COPY ... TO PROGRAM). The superuser's password is kept in the
data directory (0600, which is 0700); each verify's role gets its own in its URL.

Durability is off (fsync, synchronous_commit, full_page_writes): a verify's data is worth nothing
after the verify, and a host crash loses the verify anyway; migrations' many small commits no
longer wait for the disk. A data directory reused across starts keeps its data through clean
stops, but not necessarily through a crash of the machine.

Whoever started it stops it (`stop`, or the context manager); if that process dies first, even by
SIGKILL, an `OrphanGuard` gives the server a fast shutdown and removes its throwaway files.

As root, the server runs as the `postgres` OS user (PostgreSQL refuses root; Debian's package
creates that account): another uid than any sandbox's, which cannot signal it or read its files.
"""

from __future__ import annotations

import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from types import TracebackType

from farm.orphan_guard import OrphanGuard
from farm.postgres_databases import Database, create_role_database, drop_role_database, postgres_bin_dir, run_psql
from farm.redis_server import free_port

SUPERUSER = "benchfarm"
OS_USER_WHEN_ROOT = "postgres"
PASSWORD_FILE = "benchfarm-superuser-password"
_SETTINGS = {"fsync": "off", "synchronous_commit": "off", "full_page_writes": "off",
             "unix_socket_permissions": "0777"}


class PostgresServer:
    """Runs `postgres` on 127.0.0.1 and a private socket directory; a throwaway cluster without a data directory."""

    def __init__(self, data_dir: Path | None = None, port: int | None = None, start_timeout: float = 60.0) -> None:
        self.data_dir = data_dir
        self.port = port or free_port()
        self.start_timeout = start_timeout
        self.socket_dir: Path | None = None
        self._throwaway: Path | None = None  # the temporary directory holding a cluster without a data_dir
        self._bin = postgres_bin_dir()
        self._user = pwd.getpwnam(OS_USER_WHEN_ROOT) if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
        self._password = ""
        self._fresh = False  # initdb'd by this start: the maintenance databases still need closing
        self._process: subprocess.Popen[bytes] | None = None
        self._guard: OrphanGuard | None = None  # stops the server if this process dies without stopping it

    @property
    def log_path(self) -> Path:
        assert self.data_dir is not None, "not started"
        return self.data_dir / "postgres.log"

    @property
    def pid(self) -> int:
        assert self._process is not None, "not started"
        return self._process.pid

    def start(self) -> PostgresServer:
        try:
            if self.data_dir is None:
                self._throwaway = Path(tempfile.mkdtemp(prefix="benchfarm-pg-"))
                self._chown(self._throwaway)
                self.data_dir = self._throwaway / "data"
            if not (self.data_dir / "PG_VERSION").exists():
                self._initdb()
            self._password = (self.data_dir / PASSWORD_FILE).read_text().strip()
            self.socket_dir = Path(tempfile.mkdtemp(prefix="benchfarm-pg-socket-"))
            os.chmod(self.socket_dir, 0o755)  # sandboxed uids connect through it
            self._chown(self.socket_dir)
            self._launch()
        except BaseException:
            self.stop()
            raise
        return self

    def stop(self) -> None:
        """Fast shutdown (SIGINT: sessions are ended, data is written), then harder if it hangs."""
        guard, self._guard = self._guard, None
        if guard is not None:
            guard.release()
        process, self._process = self._process, None
        if process is not None:
            for signum, wait_s in ((signal.SIGINT, 20), (signal.SIGQUIT, 5), (signal.SIGKILL, 5)):
                try:
                    os.killpg(process.pid, signum)  # the postmaster and its backends: a session of their own
                    process.wait(timeout=wait_s)
                    break
                except ProcessLookupError:
                    break
                except subprocess.TimeoutExpired:
                    continue
        if self.socket_dir is not None:
            shutil.rmtree(self.socket_dir, ignore_errors=True)
            self.socket_dir = None
        if self._throwaway is not None:
            shutil.rmtree(self._throwaway, ignore_errors=True)
            self._throwaway, self.data_dir = None, None

    def create_database(self, name: str) -> Database:
        """A confined database and its owner role, both `name`, with a fresh password
        (`farm.postgres_databases`); one left by a killed verify of the same name is dropped first."""
        password = create_role_database(self.admin, name, reserved={SUPERUSER})
        assert self.socket_dir is not None
        return Database(name=name, password=password, host="127.0.0.1", port=self.port, socket_dir=self.socket_dir)

    def drop_database(self, name: str) -> None:
        """Drop the database (ending its sessions first) and its role, if they exist."""
        drop_role_database(self.admin, name, reserved={SUPERUSER})

    def admin(self, sql: str, database: str = "postgres", **variables: str) -> str:
        """Run SQL as the superuser over the socket; `:"var"` and `:'var'` quote `variables` safely
        (through psql's environment, never its command line: `run_psql`)."""
        assert self.socket_dir is not None, "not started"
        connection = ["-h", str(self.socket_dir), "-p", str(self.port), "-U", SUPERUSER, "-d", database]
        done = run_psql(connection, self._password, sql, variables)
        if done.returncode != 0:
            raise RuntimeError(f"psql as {SUPERUSER} on port {self.port} failed: {done.stderr.strip()}")
        return done.stdout

    def _initdb(self) -> None:
        assert self.data_dir is not None
        self.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
        self._chown(self.data_dir)
        password = secrets.token_urlsafe(24)
        with tempfile.TemporaryDirectory(prefix="benchfarm-pg-init-") as scratch:
            password_file = Path(scratch) / "password"
            password_file.write_text(password + "\n")
            self._chown(Path(scratch))
            self._chown(password_file)
            self._as_user([str(self._bin / "initdb"), "-D", str(self.data_dir), f"--username={SUPERUSER}",
                           f"--pwfile={password_file}", "--auth=scram-sha-256", "--encoding=UTF8", "--no-locale"],
                          what="initdb")
        kept = self.data_dir / PASSWORD_FILE
        kept.write_text(password + "\n")
        os.chmod(kept, 0o600)
        self._chown(kept)
        self._fresh = True

    def _launch(self) -> None:
        assert self.data_dir is not None and self.socket_dir is not None
        argv = [str(self._bin / "postgres"), "-D", str(self.data_dir), "-p", str(self.port),
                "-c", "listen_addresses=127.0.0.1", "-c", f"unix_socket_directories={self.socket_dir}"]
        for key, value in _SETTINGS.items():
            argv += ["-c", f"{key}={value}"]
        user, group, extra_groups = self._run_as()
        with open(self.log_path, "ab") as log:
            self._chown(self.log_path)
            self._process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                             cwd="/", start_new_session=True, user=user, group=group,
                                             extra_groups=extra_groups)
        leftovers = [self.socket_dir, *([self._throwaway] if self._throwaway is not None else [])]
        self._guard = OrphanGuard(self._process.pid, signal.SIGINT, leftovers)
        deadline = time.monotonic() + self.start_timeout
        while time.monotonic() < deadline and self._process.poll() is None:
            ready = [str(self._bin / "pg_isready"), "-q", "-h", str(self.socket_dir), "-p", str(self.port), "-t", "2"]
            if subprocess.run(ready, capture_output=True, timeout=10, check=False).returncode == 0:
                if self._fresh:
                    # Other verifies' roles must not connect to the maintenance databases either.
                    self.admin("REVOKE ALL ON DATABASE postgres FROM PUBLIC; "
                               "REVOKE ALL ON DATABASE template1 FROM PUBLIC;")
                return
            time.sleep(0.1)
        exited = self._process.poll() is not None
        why = f"exited with code {self._process.returncode}" if exited else f"not ready within {self.start_timeout}s"
        raise RuntimeError(f"postgres on 127.0.0.1:{self.port} {why}; the end of its log {self.log_path}:\n"
                           f"{_tail(self.log_path)}")

    def _as_user(self, argv: list[str], what: str) -> None:
        user, group, extra_groups = self._run_as()
        done = subprocess.run(argv, capture_output=True, text=True, cwd="/", timeout=120, check=False,
                              user=user, group=group, extra_groups=extra_groups)
        if done.returncode != 0:
            raise RuntimeError(f"{what} failed (exit {done.returncode}): {(done.stderr or done.stdout).strip()}")

    def _run_as(self) -> tuple[int | None, int | None, list[int] | None]:
        """Popen's user, group and extra_groups: the server's OS user as root, else unchanged."""
        if os.geteuid() != 0:
            return None, None, None
        return self._user.pw_uid, self._user.pw_gid, []

    def _chown(self, path: Path) -> None:
        if os.geteuid() == 0:
            os.chown(path, self._user.pw_uid, self._user.pw_gid)

    def __enter__(self) -> PostgresServer:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError as exc:
        return f"(unreadable: {exc})"
