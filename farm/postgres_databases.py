"""A verify's database on a PostgreSQL the farm administers, whichever it is: the private cluster of
a worker process (`farm.postgres_server`) or an external server (`farm.postgres_external`).

Both give each verify a database and an owner role of its own, confined the same way (here, once):
LOGIN and nothing more (no superuser, CREATEDB, CREATEROLE or replication), a connection limit, and
no CONNECT for PUBLIC on its database. The verify code sees only `VerifyPostgres`.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
from collections.abc import Callable, Collection, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

ROLE_CONNECTION_LIMIT = 32  # a verify cannot take every connection of the server
_NAME = re.compile(r"[a-z_][a-z0-9_]{0,62}")
_RESERVED = {"postgres", "template0", "template1"}

# PostgreSQL 16 stopped letting CREATEROLE manage roles it is not a member of: a non-superuser admin
# is granted the new role, SET (to make it a database's owner) and INHERIT (to drop that database
# and end its sessions), through createrole_self_grant; before 16 it grants itself the role.
_CREATE = """SELECT current_setting('server_version_num')::int >= 160000 AS farm_pg16 \\gset
\\if :farm_pg16
SET createrole_self_grant = 'set, inherit';
\\endif
CREATE ROLE :"name" LOGIN PASSWORD :'password' NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
    CONNECTION LIMIT {limit};
\\if :farm_pg16
\\else
GRANT :"name" TO CURRENT_USER;
\\endif
CREATE DATABASE :"name" OWNER :"name";
REVOKE ALL ON DATABASE :"name" FROM PUBLIC;
"""
_DROP = """DROP DATABASE IF EXISTS :"name" WITH (FORCE);
SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE usename = :'name';
DROP ROLE IF EXISTS :"name";
"""


@dataclass(frozen=True)
class Database:
    """One verify's database, owned by a role of the same name."""

    name: str
    password: str
    host: str  # as a URL spells it (an IPv6 address in brackets)
    port: int
    socket_dir: Path

    @property
    def url(self) -> str:
        """Over TCP: for callers on the host."""
        return f"postgresql://{self.name}:{self.password}@{self.host}:{self.port}/{self.name}"

    @property
    def socket_url(self) -> str:
        """Over the Unix socket: for the sandboxed server (Prisma, node-postgres and libpq read `host`)."""
        return f"postgresql://{self.name}:{self.password}@localhost:{self.port}/{self.name}?host={self.socket_dir}"


class VerifyPostgres(Protocol):
    """What verifying needs of a PostgreSQL: a fresh database per verify, dropped after it."""

    port: int

    def create_database(self, name: str) -> Database: ...

    def drop_database(self, name: str) -> None: ...

    def admin(self, sql: str, **variables: str) -> str: ...

    def stop(self) -> None: ...


def postgres_bin_dir() -> Path:
    """The directory of initdb, postgres, psql and pg_isready: from PATH, else the newest
    /usr/lib/postgresql/<major>/bin (Debian puts only psql's wrapper on PATH)."""
    on_path = shutil.which("initdb")
    if on_path is not None:
        return Path(on_path).resolve().parent
    versions = [path for path in Path("/usr/lib/postgresql").glob("*/bin/initdb") if path.parent.parent.name.isdigit()]
    if not versions:
        raise RuntimeError("PostgreSQL's server binaries were not found: install Debian's `postgresql` package")
    return max(versions, key=lambda path: int(path.parent.parent.name)).parent


def run_psql(connection: Sequence[str], password: str, sql: str,
             variables: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """`sql` through psql with `connection`'s options (-h, -p, -U, -d); `:"var"` and `:'var'` quote
    `variables` safely.

    The password and the variables reach psql through its environment (PGPASSWORD, `\\getenv`),
    never its command line, which any user can read: one of them is a new role's password."""
    argv = [str(postgres_bin_dir() / "psql"), "-X", "-q", "-A", "-t", "-v", "ON_ERROR_STOP=1", *connection]
    env = {**os.environ, "PGPASSWORD": password, "PGCONNECT_TIMEOUT": "10"}
    env.update({f"FARM_PSQL_{key}": value for key, value in variables.items()})
    script = "".join(f"\\getenv {key} FARM_PSQL_{key}\n" for key in variables) + sql
    return subprocess.run(argv, input=script, env=env, capture_output=True, text=True, timeout=120, check=False)


def create_role_database(admin: Callable[..., str], name: str, reserved: Collection[str]) -> str:
    """A confined database and owner role, both `name`, through `admin`; one left by a killed verify
    of the same name is dropped first. Returns the role's fresh password."""
    drop_role_database(admin, name, reserved)
    password = secrets.token_urlsafe(24)
    admin(_CREATE.format(limit=ROLE_CONNECTION_LIMIT), name=name, password=password)
    return password


def drop_role_database(admin: Callable[..., str], name: str, reserved: Collection[str]) -> None:
    """Drop the database (ending its sessions first) and its role, if they exist; never a `reserved`
    one (the server's own: its admin role, its maintenance databases)."""
    _check_name(name, reserved)
    admin(_DROP, name=name)


def _check_name(name: str, reserved: Collection[str]) -> None:
    if not _NAME.fullmatch(name) or name in _RESERVED or name in reserved:
        raise ValueError(f"{name!r} is not a verify database name: lowercase letters, digits and _, "
                         f"up to 63, not a reserved name")
