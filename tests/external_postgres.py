"""A private PostgreSQL cluster playing an external server: an admin role that is not a superuser,
as a managed PostgreSQL gives, and the FARM_POSTGRES_URL naming it."""

from __future__ import annotations

import secrets

from farm.postgres_server import PostgresServer

ADMIN = "farm_admin"


def external_url(server: PostgresServer, privileges: str = "CREATEDB CREATEROLE", role: str = ADMIN) -> str:
    """A LOGIN role with `privileges` and a database of its own closed to PUBLIC, on `server`; the
    URL reaches it over TCP, like a server on another host."""
    password = secrets.token_urlsafe(18)
    server.admin(f"""CREATE ROLE :"role" LOGIN PASSWORD :'password' {privileges};
                     CREATE DATABASE :"role" OWNER :"role";
                     REVOKE ALL ON DATABASE :"role" FROM PUBLIC;""", role=role, password=password)
    return f"postgresql://{role}:{password}@127.0.0.1:{server.port}/{role}"


def leftovers(server: PostgresServer) -> list[str]:
    """The roles and databases verifies made on `server` and did not drop."""
    return server.admin("SELECT rolname FROM pg_roles WHERE rolname LIKE 'verify%' UNION ALL "
                        "SELECT datname FROM pg_database WHERE datname LIKE 'verify%'").split()
