"""Shared fixtures: a real Redis server, an S3-compatible server, the simulator, worker processes."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import boto3
import pytest
import redis

from farm.ledger import Ledger
from farm.redis_server import RedisServer
from farm.sim import SimAdmin, SimServer
from farm.store import open_store
from tests.servers import WorkerProcess, moto_s3_server


@pytest.fixture(scope="session")
def redis_server() -> Iterator[RedisServer]:
    with RedisServer() as server:
        yield server


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """A clean database for each test."""
    redis.Redis.from_url(redis_server.url).flushall()
    return redis_server.url


@pytest.fixture
def ledger(redis_url: str) -> Ledger:
    return Ledger.from_url(redis_url)


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    os.environ.setdefault("AWS_ACCESS_KEY_ID", "testing")
    os.environ.setdefault("AWS_SECRET_ACCESS_KEY", "testing")
    os.environ.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    with moto_s3_server() as url:
        yield url


@pytest.fixture
def s3_store_url(s3_endpoint: str, request: pytest.FixtureRequest) -> str:
    """A fresh bucket per test, on the S3-compatible server."""
    bucket = "farm-" + request.node.name.lower().replace("_", "-").replace("[", "-").replace("]", "")[:40]
    boto3.client("s3", endpoint_url=s3_endpoint).create_bucket(Bucket=bucket)
    return f"s3://{bucket}/artifacts"


@pytest.fixture(scope="session")
def sim_server() -> Iterator[SimServer]:
    with SimServer() as server:
        yield server


@pytest.fixture
def sim(sim_server: SimServer) -> SimServer:
    SimAdmin(sim_server.base_url).reset()
    return sim_server


@pytest.fixture
def sim_admin(sim: SimServer) -> SimAdmin:
    return SimAdmin(sim.base_url)


@pytest.fixture
def start_worker(tmp_path: Path) -> Iterator[Callable[..., WorkerProcess]]:
    """Start real Celery worker processes against a farm; all are stopped after the test."""
    started: list[WorkerProcess] = []

    def start(redis_url: str, store_url: str, *, concurrency: int = 1, extra_env: dict[str, str] | None = None) -> WorkerProcess:
        env = {"FARM_REDIS_URL": redis_url, "FARM_STORE": store_url, **(extra_env or {})}
        worker = WorkerProcess(env, tmp_path / f"worker-{len(started)}.log", concurrency=concurrency)
        started.append(worker)
        return worker

    yield start
    for worker in started:
        worker.stop()


@pytest.fixture
def local_store(tmp_path: Path):  # noqa: ANN201
    return open_store(str(tmp_path / "store"))
