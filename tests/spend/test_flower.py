"""`farm flower`: refuses to run open by accident, and runs Flower behind basic auth with no secret in argv."""

from __future__ import annotations

import os
import subprocess
import sys

import httpx
import psutil
import pytest

from farm.redis_server import free_port
from tests.servers import REPO, stop_process, wait_until

pytestmark = pytest.mark.integration


def _env(redis_url: str, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FARM_", "FLOWER_"))}
    return {**env, "FARM_REDIS_URL": redis_url, **extra}


@pytest.mark.parametrize(
    ("auth", "message"),
    [
        (None, "FARM_FLOWER_BASIC_AUTH is not set: set it to user:password, or pass --no-auth"),
        ("admin", "entry 1 must be user:password with both parts non-empty (got user 'admin' and no colon)"),
        ("admin:s3cret,:other", "entry 2 must be user:password with both parts non-empty (got user '')"),
    ],
)
def test_refuses_to_start_without_proper_credentials(redis_url: str, auth: str | None, message: str) -> None:
    env = _env(redis_url, **({"FARM_FLOWER_BASIC_AUTH": auth} if auth else {}))
    done = subprocess.run([sys.executable, "-m", "farm", "flower", "--port", str(free_port())], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=30)  # fmt: skip
    assert done.returncode == 1
    assert message in " ".join(done.stderr.split())
    assert "s3cret" not in done.stderr and "other" not in done.stderr


def test_serves_the_farm_broker_behind_basic_auth(redis_url: str) -> None:
    port = free_port()
    env = _env(redis_url, FARM_FLOWER_BASIC_AUTH="admin:s3cret")
    command = [sys.executable, "-m", "farm", "flower", "--port", str(port), "--address", "127.0.0.1"]
    flower = subprocess.Popen(command, cwd=REPO, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        def answers() -> bool:
            try:
                return httpx.get(base + "/", timeout=2).status_code in (200, 401)
            except httpx.HTTPError:
                return False

        wait_until(answers, 30, "Flower to listen")
        assert httpx.get(base + "/", timeout=5).status_code == 401
        assert httpx.get(base + "/healthcheck", timeout=5).text == "OK"  # the compose healthcheck has no credentials
        assert httpx.get(base + "/", auth=("admin", "wrong"), timeout=5).status_code == 401
        workers = httpx.get(base + "/workers", auth=("admin", "s3cret"), timeout=10)
        assert workers.status_code == 200 and "Workers" in workers.text
        argv = " ".join(psutil.Process(flower.pid).cmdline())
        assert "flower" in argv and "s3cret" not in argv and redis_url not in argv
    finally:
        stop_process(flower, grace_s=15)
