"""The deterministic frame around the generated code, so the tree is a whole NestJS + Prisma project."""

from __future__ import annotations

from workers.phases.interface.ast import InterfaceApplication
from workers.phases.scaffold.auth import JWT_MODULE, PASSWORD_MODULE, emit_auth
from workers.phases.scaffold.project import MY_GLOBAL_MODULE, emit_project

# Helper names a generated function body may use, with their modules relative to `src/`.
HELPERS = {"MyGlobal": MY_GLOBAL_MODULE, "JwtToken": JWT_MODULE, "PasswordHasher": PASSWORD_MODULE}


def emit_scaffold(project: str, app: InterfaceApplication) -> dict[str, str]:
    """Every scaffold file for a project whose routes are `app`'s."""
    actors = {route.authorization for route in app.routes if route.authorization}
    return {**emit_project(project), **emit_auth(actors)}


__all__ = ["HELPERS", "emit_scaffold"]
