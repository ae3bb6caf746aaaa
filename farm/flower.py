"""`farm flower`: Flower on the farm's broker, behind basic auth, with no secret on its command line.

The broker URL (it may hold the Redis password) and the credentials reach Flower through its
environment (CELERY_BROKER_URL, FLOWER_BASIC_AUTH), never argv, which `ps` shows to everyone.
"""

from __future__ import annotations

import sys
from collections.abc import Mapping

AUTH_ENV = "FARM_FLOWER_BASIC_AUTH"
# Flower can revoke tasks: it listens on loopback unless told otherwise (`--address 0.0.0.0` in a container).
LOOPBACK = "127.0.0.1"


class FlowerConfigError(ValueError):
    """Flower cannot start as configured; the message says what to set."""


def check_basic_auth(value: str | None) -> str:
    """`user:password` (several separated by commas); the error never repeats a password."""
    if not value:
        raise FlowerConfigError(f"{AUTH_ENV} is not set: set it to user:password, or pass --no-auth to run Flower open")
    for index, entry in enumerate(value.split(",")):
        user, sep, password = entry.partition(":")
        if not (sep and user.strip() and password):
            raise FlowerConfigError(
                f"{AUTH_ENV}: entry {index + 1} must be user:password with both parts non-empty "
                f"(got user {user.strip()!r}{'' if sep else ' and no colon'})"
            )
    return value


def flower_command(port: int, address: str) -> list[str]:
    return [sys.executable, "-m", "celery", "flower", f"--port={port}", f"--address={address}"]


# Not Flower's: its own credentials go in under Flower's name, and it is a single process whose
# metrics must not mix with a worker's multiprocess files (the image sets that directory for all).
_DROPPED = (AUTH_ENV, "FLOWER_BASIC_AUTH", "PROMETHEUS_MULTIPROC_DIR")


def flower_env(environ: Mapping[str, str], broker_url: str, basic_auth: str | None) -> dict[str, str]:
    """Flower's environment: the broker, the credentials (or none), and nothing of ours it could leak."""
    env = {k: v for k, v in environ.items() if k not in _DROPPED}
    env["CELERY_BROKER_URL"] = broker_url
    if basic_auth:
        env["FLOWER_BASIC_AUTH"] = basic_auth
    return env
