"""An external PostgreSQL for verifies, named by FARM_POSTGRES_URL instead of a private cluster.

`postgresql://ADMIN:PASSWORD@HOST:PORT/DB`: a role with CREATEDB and CREATEROLE (a superuser is not
needed) and a database it can connect to. Each verify gets a database and role of its own there,
confined as on the private cluster (`farm.postgres_databases`). The sandboxed server reaches it
through a `SocketBridge` (its network has only `lo`); the bridge carries no TLS, so the server must
accept plain connections from the workers. Roles of other verifies never reach each other's
databases; other databases of the server that PUBLIC may connect to are reported at start.

The admin password goes to psql in its environment only; every message about the URL shows it
masked, and a worker's log redaction knows it. A URL that cannot be used raises one
`ExternalPostgresError` naming FARM_POSTGRES_URL and the problem: the farm's fault, not a model's.
"""

from __future__ import annotations

import logging
import subprocess
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from urllib.parse import unquote, urlsplit

from farm.postgres_bridge import SocketBridge
from farm.postgres_databases import Database, create_role_database, drop_role_database, run_psql
from farm.redact import remember_secret

log = logging.getLogger("benchfarm.postgres")

URL_ENV = "FARM_POSTGRES_URL"
FORM = "postgresql://ADMIN:PASSWORD@HOST:PORT/DB"


class ExternalPostgresError(RuntimeError):
    """FARM_POSTGRES_URL cannot be used; the message names the problem and never the password."""


@dataclass(frozen=True)
class AdminUrl:
    user: str
    password: str
    hostname: str  # for connecting: an IPv6 address without brackets
    port: int
    database: str

    @classmethod
    def parse(cls, url: str) -> AdminUrl:
        def bad(problem: str) -> ExternalPostgresError:  # the URL itself is not shown: it holds the password
            return ExternalPostgresError(f"{URL_ENV} is not {FORM}: {problem}")

        parts = urlsplit(url.strip())
        if parts.scheme not in ("postgresql", "postgres"):
            raise bad("it does not start with postgresql://")
        try:
            port = parts.port or 5432
        except ValueError:
            raise bad("the port is not a number from 1 to 65535") from None
        database = unquote(parts.path.removeprefix("/"))
        missing = [what for what, value in (("ADMIN", parts.username), ("PASSWORD", parts.password),
                                            ("HOST", parts.hostname), ("DB", database)) if not value]
        if missing:
            raise bad(f"no {', '.join(missing)}")
        if parts.query or parts.fragment:
            raise bad("options (?...) are not supported")
        assert parts.username is not None and parts.password is not None and parts.hostname is not None
        return cls(unquote(parts.username), unquote(parts.password), parts.hostname, port, database)

    @property
    def host(self) -> str:
        """As a URL spells it."""
        return f"[{self.hostname}]" if ":" in self.hostname else self.hostname

    @property
    def masked(self) -> str:
        return f"postgresql://{self.user}:***@{self.host}:{self.port}/{self.database}"


class ExternalPostgres:
    """Verify databases on an external server, reached by the sandbox through a bridge of this process."""

    def __init__(self, url: str) -> None:
        self.url = AdminUrl.parse(url)
        remember_secret(self.url.password)
        self.port = self.url.port
        self._bridge: SocketBridge | None = None

    @property
    def socket_dir(self) -> Path:
        assert self._bridge is not None and self._bridge.socket_dir is not None, "not started"
        return self._bridge.socket_dir

    def start(self) -> ExternalPostgres:
        """Check the server answers and the role may create databases and roles, then open the bridge."""
        flags = self.admin("SELECT rolsuper, rolcreatedb, rolcreaterole FROM pg_roles WHERE rolname = current_user")
        superuser, createdb, createrole = (flag == "t" for flag in flags.strip().split("|"))
        lacking = [name for name, held in (("CREATEDB", createdb), ("CREATEROLE", createrole)) if not held]
        if lacking and not superuser:
            raise self._error(f"the role {self.url.user!r} lacks {' and '.join(lacking)} "
                              f"(ALTER ROLE {self.url.user} {' '.join(lacking)})")
        public = self.admin("SELECT string_agg(datname, ', ' ORDER BY datname) FROM pg_database "
                            "WHERE datallowconn AND has_database_privilege('public', oid, 'CONNECT')").strip()
        if public:
            log.warning("%s (%s): every role, each verify's too, may connect to the databases %s "
                        "(REVOKE CONNECT ON DATABASE ... FROM PUBLIC to close them)", URL_ENV, self.url.masked, public)
        self._bridge = SocketBridge(self.url.hostname, self.port).start()
        return self

    def stop(self) -> None:
        bridge, self._bridge = self._bridge, None
        if bridge is not None:
            bridge.stop()

    def create_database(self, name: str) -> Database:
        """A confined database and owner role, both `name`; the sandbox reaches it through the bridge."""
        password = create_role_database(self.admin, name, self._reserved)
        return Database(name=name, password=password, host=self.url.host, port=self.port, socket_dir=self.socket_dir)

    def drop_database(self, name: str) -> None:
        """Drop the database (ending its sessions first) and its role, if they exist."""
        drop_role_database(self.admin, name, self._reserved)

    def admin(self, sql: str, **variables: str) -> str:
        """Run SQL as the URL's role on its database; `:"var"` and `:'var'` quote `variables` safely."""
        connection = ["-h", self.url.hostname, "-p", str(self.port), "-U", self.url.user, "-d", self.url.database]
        try:
            done = run_psql(connection, self.url.password, sql, variables)
        except (OSError, subprocess.TimeoutExpired) as exc:
            raise self._error(f"psql did not finish: {exc}") from None
        if done.returncode != 0:
            raise self._error(done.stderr.strip() or f"psql exited {done.returncode}")
        return done.stdout

    @property
    def _reserved(self) -> set[str]:
        return {self.url.user, self.url.database}

    def _error(self, problem: str) -> ExternalPostgresError:
        return ExternalPostgresError(f"{URL_ENV} ({self.url.masked}): {problem.replace(self.url.password, '***')}")

    def __enter__(self) -> ExternalPostgres:
        return self.start()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
